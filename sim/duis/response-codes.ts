/**
 * DUIS Response Codes and how a DUIS service refuses a request.
 *
 * Meanings of the codes a public copy of the DUIS "DCC Systems Response Codes" table gives [stated;
 * found with the project's spec search, a transcription of the DUIS table at
 * https://iananthony3000.wixsite.com/smets2reference-1/copy-of-esme-sr-list — the SEC Appendix AD text
 * itself is not in the searchable corpus]:
 * I0 success; I99 acknowledgement (a request for a device accepted and past access control, or a
 * non-device request answered without data); E1 invalid User / User Role; E2 User Role not permitted
 * to send the Service Reference; E3 User Status; E4 User Role not authorised for the Device at that
 * date; E5 Device SMI Status incompatible; E11 Service Reference not compatible with the device type;
 * E12 Command Variant not applicable to the request; E13 request type not valid for the URL (e.g. a
 * non-device request sent to the Transform URL); E17 not available for local delivery; E19 Device
 * does not exist; E20 cannot communicate with the Device; E21 no response from the Device; E30
 * future-dated command timed out. The XSD enumerates further codes (E31…E71, E100, E1000…) whose
 * meanings we have not found stated.
 *
 * That table (searched again for schema, signature and counter failures: nothing beyond it; the
 * signing tool's negative samples are requests and carry no DCC answer) has no code for a message the
 * DCC cannot read or cannot authenticate — not well-formed,
 * a DTD, invalid against the XSD, unsigned, signed by an unknown certificate or with a bad signature —
 * nor for a replayed Request ID counter. For these gbcs-sim answers at the HTTP level (400, no DUIS
 * body, a one-line reason and the refusal name in the `x-gbcs-sim-refusal` header) [assumed]: the
 * service cannot address a signed DUIS response to an originator it has not authenticated. Each
 * refusal is one row of `REFUSALS`, so a better-sourced mapping is a one-line change.
 */

export const DUIS_RESPONSE_CODES = {
  I0: 'Success',
  I99: 'Acknowledgement',
  E1: 'Failed Authorisation – Invalid User / User Role',
  E2: 'Failed Authorisation – Invalid User Role / Service Reference',
  E3: 'Failed Authorisation – Invalid User Status',
  E4: 'Failed Authorisation – Invalid User / User Role for Device',
  E5: 'Failed Authorisation – Invalid Device Status',
  E11: 'Failed Validation – Invalid Service Request / device type combination',
  E12: 'Failed Validation – Invalid Request / Command Variant combination',
  E13: 'Failed Validation – Invalid Request Type for URL',
  E17: 'Failed Authorisation – not available for Local Command Services',
  E19: 'Failed Authorisation – Device does not exist',
  E20: 'Communications Failure – Unable to Communicate with Device',
  E21: 'Communications Failure – No Response Received from Device',
  E30: 'Time-out – Future Dated Command',
} as const;
export type DuisResponseCode = keyof typeof DUIS_RESPONSE_CODES;

/** Why a DUIS service did not accept a request. */
export type RefusalKind =
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_FOUND'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'XML_REFUSED'
  | 'SCHEMA_INVALID'
  | 'SIGNATURE_ABSENT'
  | 'SIGNATURE_PROFILE'
  | 'CERTIFICATE_UNKNOWN'
  | 'CERTIFICATE_NOT_ORIGINATOR'
  | 'CERTIFICATE_NOT_VALID'
  | 'SIGNATURE_INVALID'
  | 'COUNTER_NOT_FRESH'
  | 'USER_UNKNOWN'
  | 'ROLE_NOT_ELIGIBLE'
  | 'WRONG_WEB_SERVICE'
  | 'COMMAND_VARIANT_NOT_APPLICABLE'
  | 'DEVICE_UNKNOWN'
  | 'NOT_CARRIED'
  | 'PRE_COMMAND_UNKNOWN'
  | 'PRE_COMMAND_SIGNATURE'
  | 'BODY_NOT_USABLE';

export interface Refusal {
  /** HTTP status of the answer. */
  http: number;
  /** The DUIS Response Code of the signed DUIS response, or null when the answer is HTTP-only. */
  responseCode: DuisResponseCode | null;
  /** `stated`: the DUIS table names this condition; `assumed`: our choice (module comment). */
  source: 'stated' | 'assumed';
  why: string;
}

export const REFUSALS: Readonly<Record<RefusalKind, Refusal>> = {
  METHOD_NOT_ALLOWED: { http: 405, responseCode: null, source: 'assumed', why: 'only POST is served' },
  NOT_FOUND: { http: 404, responseCode: null, source: 'assumed', why: 'not a DUIS web service URL' },
  BODY_TOO_LARGE: { http: 413, responseCode: null, source: 'assumed', why: 'request body over the limit' },
  UNSUPPORTED_MEDIA_TYPE: {
    http: 415,
    responseCode: null,
    source: 'assumed',
    why: 'DUIS requests are application/xml',
  },
  XML_REFUSED: {
    http: 400,
    responseCode: null,
    source: 'assumed',
    why: 'not well-formed UTF-8 XML, or carries a DTD, entity or processing instruction',
  },
  SCHEMA_INVALID: {
    http: 400,
    responseCode: null,
    source: 'assumed',
    why: 'not a DUIS Request valid against the DUIS XSD',
  },
  SIGNATURE_ABSENT: { http: 400, responseCode: null, source: 'assumed', why: 'the request is not signed' },
  SIGNATURE_PROFILE: {
    http: 400,
    responseCode: null,
    source: 'assumed',
    why: 'the signature is not the DUIS profile (enveloped, exclusive c14n, ECDSA-SHA256, SHA-256, X509IssuerSerial)',
  },
  CERTIFICATE_UNKNOWN: {
    http: 400,
    responseCode: null,
    source: 'assumed',
    why: 'no XML-signing certificate with that serial',
  },
  CERTIFICATE_NOT_ORIGINATOR: {
    http: 400,
    responseCode: null,
    source: 'assumed',
    why: "the certificate is not the Business Originator's XML-signing certificate",
  },
  CERTIFICATE_NOT_VALID: {
    http: 400,
    responseCode: null,
    source: 'assumed',
    why: 'the certificate is not in use or not valid at this date',
  },
  SIGNATURE_INVALID: {
    http: 400,
    responseCode: null,
    source: 'assumed',
    why: 'the signature does not verify',
  },
  COUNTER_NOT_FRESH: {
    http: 400,
    responseCode: null,
    source: 'assumed',
    why: 'the Request ID counter is not greater than one already accepted from this originator',
  },
  USER_UNKNOWN: {
    http: 200,
    responseCode: 'E1',
    source: 'stated',
    why: 'the Business Originator holds no DCC User Role here',
  },
  ROLE_NOT_ELIGIBLE: {
    http: 200,
    responseCode: 'E2',
    source: 'stated',
    why: "none of the originator's User Roles may send this Service Reference Variant",
  },
  WRONG_WEB_SERVICE: {
    http: 200,
    responseCode: 'E13',
    source: 'stated',
    why: 'the Command Variant belongs to another web service URL',
  },
  COMMAND_VARIANT_NOT_APPLICABLE: {
    http: 200,
    responseCode: 'E12',
    source: 'stated',
    why: 'the Command Variant does not apply to this Service Reference Variant',
  },
  DEVICE_UNKNOWN: {
    http: 200,
    responseCode: 'E19',
    source: 'stated',
    why: 'the Business Target is not a device in the inventory',
  },
  NOT_CARRIED: {
    http: 501,
    responseCode: null,
    source: 'assumed',
    why: 'gbcs-sim does not carry this request yet',
  },
  PRE_COMMAND_UNKNOWN: {
    http: 400,
    responseCode: null,
    source: 'assumed',
    why: 'the Signed Pre-Command is not a Pre-Command this DCC issued (CV 4) followed by a signature',
  },
  PRE_COMMAND_SIGNATURE: {
    http: 400,
    responseCode: null,
    source: 'assumed',
    why: "the Signed Pre-Command's GBCS signature does not verify with the originator's DS key",
  },
  BODY_NOT_USABLE: {
    http: 400,
    responseCode: null,
    source: 'assumed',
    why: 'a request Body value the GBCS command cannot carry (e.g. a date outside the DLMS date-time range)',
  },
};
