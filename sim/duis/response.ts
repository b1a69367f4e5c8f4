/**
 * DUIS Responses as a DCC writes them (DUIS XSD 5.4 `Response`), signed by the DSP:
 *
 *   <sr:Response schemaVersion="5.4">
 *     <sr:Header> RequestID?, ResponseID?, ResponseCode, ResponseDateTime </sr:Header>
 *     <sr:Body><sr:ResponseMessage> ServiceReference, ServiceReferenceVariant, [content] </…></sr:Body>
 *     <ds:Signature>…
 *
 * The synchronous answer to a request (acknowledgement I99, error E…, or I0 with its content) carries
 * the RequestID only, as DCC Boxed's acknowledgements do (duis-parser sample `acknowledgement-error.xml`).
 */
import type { GbcsCrypto } from '../../protocol/crypto/gbcs-crypto.ts';
import { DSIG_NS, DUIS_NS } from './request.ts';
import type { DuisResponseCode } from './response-codes.ts';
import { escapeXml } from './xml.ts';
import { signDuisXml, type XmlSigningKey } from './xmldsig.ts';

export const DUIS_SCHEMA_VERSION = '5.4';
const RA_NS = 'http://www.dccinterface.co.uk/ResponseAndAlert';

export interface DuisResponseFields {
  requestId: string | null;
  responseId?: string | null;
  responseCode: DuisResponseCode;
  /** ms since the epoch. */
  responseDateTime: number;
  serviceReference: string;
  serviceReferenceVariant: string;
  /**
   * XML of the ResponseMessage's content element (e.g. `<sr:GBCSPayload>…</sr:GBCSPayload>`, a
   * `<sr:PreCommand>`), written with the `sr:` prefix; none for acknowledgements and errors.
   */
  content?: string;
}

function headerXml(
  f: Pick<DuisResponseFields, 'requestId' | 'responseId' | 'responseCode' | 'responseDateTime'>,
): string {
  return (
    (f.requestId ? `<sr:RequestID>${escapeXml(f.requestId)}</sr:RequestID>` : '') +
    (f.responseId ? `<sr:ResponseID>${escapeXml(f.responseId)}</sr:ResponseID>` : '') +
    `<sr:ResponseCode>${f.responseCode}</sr:ResponseCode>` +
    `<sr:ResponseDateTime>${new Date(f.responseDateTime).toISOString()}</sr:ResponseDateTime>`
  );
}

const envelope = (header: string, body: string) =>
  '<?xml version="1.0" encoding="UTF-8" standalone="no"?>' +
  `<sr:Response xmlns:sr="${DUIS_NS}" xmlns:ds="${DSIG_NS}" xmlns:ra="${RA_NS}" schemaVersion="${DUIS_SCHEMA_VERSION}">` +
  `<sr:Header>${header}</sr:Header><sr:Body>${body}</sr:Body></sr:Response>`;

/** The unsigned DUIS Response text. */
export function buildDuisResponse(f: DuisResponseFields): string {
  return envelope(
    headerXml(f),
    '<sr:ResponseMessage>' +
      `<sr:ServiceReference>${escapeXml(f.serviceReference)}</sr:ServiceReference>` +
      `<sr:ServiceReferenceVariant>${escapeXml(f.serviceReferenceVariant)}</sr:ServiceReferenceVariant>` +
      (f.content ?? '') +
      '</sr:ResponseMessage>',
  );
}

/** Builds and signs a DUIS Response with the DSP's XML-signing key. */
export function signedDuisResponse(f: DuisResponseFields, dsp: XmlSigningKey, crypto: GbcsCrypto): string {
  return signDuisXml(buildDuisResponse(f), dsp, crypto);
}

/** The `sr:GBCSPayload` element of a GBCS message (base64). */
export const gbcsPayloadXml = (bytes: Uint8Array): string =>
  `<sr:GBCSPayload>${Buffer.from(bytes).toString('base64')}</sr:GBCSPayload>`;

/**
 * A Device Alert as the DCC forwards it (DUIS XSD `DeviceAlertMessage`: AlertCode hex, the alert's
 * GBCS message), signed by the DSP. Response Code I0 and a ResponseID `device:user:counter` [assumed:
 * the shape of DCC Boxed's alerts is not in our samples].
 */
export function signedDeviceAlert(
  f: { responseId: string; responseDateTime: number; alertCode: number; gbcs: Uint8Array },
  dsp: XmlSigningKey,
  crypto: GbcsCrypto,
): string {
  const code = f.alertCode.toString(16).toUpperCase().padStart(4, '0');
  const xml = envelope(
    headerXml({
      requestId: null,
      responseId: f.responseId,
      responseCode: 'I0',
      responseDateTime: f.responseDateTime,
    }),
    `<sr:DeviceAlertMessage><sr:AlertCode>${code}</sr:AlertCode>${gbcsPayloadXml(f.gbcs)}</sr:DeviceAlertMessage>`,
  );
  return signDuisXml(xml, dsp, crypto);
}
