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

/** The unsigned DUIS Response text. */
export function buildDuisResponse(f: DuisResponseFields): string {
  const header =
    (f.requestId ? `<sr:RequestID>${escapeXml(f.requestId)}</sr:RequestID>` : '') +
    (f.responseId ? `<sr:ResponseID>${escapeXml(f.responseId)}</sr:ResponseID>` : '') +
    `<sr:ResponseCode>${f.responseCode}</sr:ResponseCode>` +
    `<sr:ResponseDateTime>${new Date(f.responseDateTime).toISOString()}</sr:ResponseDateTime>`;
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>' +
    `<sr:Response xmlns:sr="${DUIS_NS}" xmlns:ds="${DSIG_NS}" xmlns:ra="${RA_NS}" schemaVersion="${DUIS_SCHEMA_VERSION}">` +
    `<sr:Header>${header}</sr:Header>` +
    '<sr:Body><sr:ResponseMessage>' +
    `<sr:ServiceReference>${escapeXml(f.serviceReference)}</sr:ServiceReference>` +
    `<sr:ServiceReferenceVariant>${escapeXml(f.serviceReferenceVariant)}</sr:ServiceReferenceVariant>` +
    (f.content ?? '') +
    '</sr:ResponseMessage></sr:Body></sr:Response>'
  );
}

/** Builds and signs a DUIS Response with the DSP's XML-signing key. */
export function signedDuisResponse(f: DuisResponseFields, dsp: XmlSigningKey, crypto: GbcsCrypto): string {
  return signDuisXml(buildDuisResponse(f), dsp, crypto);
}
