/**
 * A DUIS Request read from its DOM, with the structure checks gbcs-sim makes itself (it does not ship
 * the DUIS XSD: see README "DUIS"). Per the DUIS XSD 5.4 `Request` type:
 *
 *   <sr:Request schemaVersion="decimal">
 *     <sr:Header> RequestID, FirstInSequence?, PrecedingServiceRequestID?, CommandVariant (1…9),
 *                 ServiceReference, ServiceReferenceVariant </sr:Header>
 *     <sr:Body> exactly one request element </sr:Body>
 *     <ds:Signature>?
 *   </sr:Request>
 *
 * and, beyond what the XSD can say: the Service Reference Variant is one the matrix knows, the
 * Service Reference is its prefix, and the Body element is the variant's (or SignedPreCommand for a
 * signed pre-command, Command Variants 5–7). The contents of the Body element are not checked here
 * (the full XSD check runs when `--xsd DIR` points at the DUIS schema).
 */
import { parseRequestId, type RequestId } from './request-id.ts';
import {
  type CommandVariant,
  type ServiceRequestVariant,
  serviceRequestVariant,
} from './service-requests.ts';
import { elementChildren, leafText } from './xml.ts';

export const DUIS_NS = 'http://www.dccinterface.co.uk/ServiceUserGateway';
export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

export interface DuisRequest {
  requestId: RequestId;
  /** The Request ID as written. */
  requestIdText: string;
  schemaVersion: string;
  firstInSequence: boolean | null;
  precedingRequestId: RequestId | null;
  /** 1…9 as the XSD allows (9 is internal to the DCC: refused later as not applicable). */
  commandVariant: CommandVariant | 9;
  serviceReference: string;
  variant: ServiceRequestVariant;
  /** The Body's request element. */
  body: Element;
  /** The ds:Signature element, or null when unsigned. */
  signature: Element | null;
}

export type ReadRequestResult = { ok: true; request: DuisRequest } | { ok: false; detail: string };

const bad = (detail: string): ReadRequestResult => ({ ok: false, detail });
const isDuis = (el: Element, name: string) => el.namespaceURI === DUIS_NS && el.localName === name;

/** Whether an element has non-whitespace text directly inside it (mixed content is not DUIS). */
function hasLooseText(el: Element): boolean {
  for (let c = el.firstChild; c; c = c.nextSibling)
    if ((c.nodeType === 3 || c.nodeType === 4) && (c.nodeValue ?? '').trim() !== '') return true;
  return false;
}

/** Reads and checks the structure of a DUIS Request (module comment). Never throws. */
export function readDuisRequest(root: Element): ReadRequestResult {
  if (!isDuis(root, 'Request'))
    return bad(`the root element is {${root.namespaceURI ?? ''}}${root.localName}, not a DUIS Request`);
  const schemaVersion = root.getAttribute('schemaVersion') ?? '';
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(schemaVersion.trim())) return bad('schemaVersion is not a decimal');
  if (hasLooseText(root)) return bad('text directly inside Request');
  const parts = elementChildren(root);
  const [header, body, signature, ...rest] = parts;
  if (!header || !isDuis(header, 'Header')) return bad('Request must start with Header');
  if (!body || !isDuis(body, 'Body')) return bad('Header must be followed by Body');
  if (signature && !(signature.namespaceURI === DSIG_NS && signature.localName === 'Signature'))
    return bad(`unexpected element ${signature.localName} after Body`);
  if (rest.length > 0) return bad('nothing may follow the Signature');

  if (hasLooseText(header)) return bad('text directly inside Header');
  const h = elementChildren(header);
  let i = 0;
  const next = (name: string, optional = false): string | null | undefined => {
    const el = h[i];
    if (!el || !isDuis(el, name)) return optional ? undefined : null;
    i++;
    return leafText(el);
  };
  const idText = next('RequestID');
  if (idText == null) return bad('Header must start with a RequestID');
  const requestId = parseRequestId(idText);
  if (!requestId) return bad(`RequestID ${JSON.stringify(idText)} is not originator:target:counter`);
  const first = next('FirstInSequence', true);
  if (first === null || (first !== undefined && !/^(true|false|1|0)$/.test(first)))
    return bad('FirstInSequence is not a boolean');
  const precedingText = next('PrecedingServiceRequestID', true);
  const preceding = precedingText == null ? null : parseRequestId(precedingText);
  if (precedingText === null || (precedingText !== undefined && !preceding))
    return bad('PrecedingServiceRequestID is not a Request ID');
  const cvText = next('CommandVariant');
  if (cvText == null || !/^[1-9]$/.test(cvText)) return bad('CommandVariant must be 1…9');
  const sr = next('ServiceReference');
  if (sr == null || sr === '') return bad('ServiceReference missing');
  const srvText = next('ServiceReferenceVariant');
  if (srvText == null || srvText === '') return bad('ServiceReferenceVariant missing');
  if (i !== h.length) return bad(`unexpected ${h[i]!.localName} in Header`);
  const variant = serviceRequestVariant(srvText);
  if (!variant) return bad(`ServiceReferenceVariant ${srvText} is not a DUIS service request`);
  if (variant.serviceReference !== sr)
    return bad(`ServiceReference ${sr} does not match ServiceReferenceVariant ${srvText}`);

  if (hasLooseText(body)) return bad('text directly inside Body');
  const b = elementChildren(body);
  if (b.length !== 1 || b[0]!.namespaceURI !== DUIS_NS) return bad('Body must hold exactly one DUIS element');
  const cv = Number(cvText) as CommandVariant | 9;
  const expected = cv >= 5 && cv <= 7 ? 'SignedPreCommand' : variant.bodyElement;
  if (b[0]!.localName !== expected)
    return bad(`Body holds ${b[0]!.localName}; ${srvText} with Command Variant ${cv} carries ${expected}`);

  return {
    ok: true,
    request: {
      requestId,
      requestIdText: idText,
      schemaVersion,
      firstInSequence: first === undefined ? null : first === 'true' || first === '1',
      precedingRequestId: preceding ?? null,
      commandVariant: cv,
      serviceReference: sr,
      variant,
      body: b[0]!,
      signature: signature ?? null,
    },
  };
}
