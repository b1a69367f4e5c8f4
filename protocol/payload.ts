/**
 * The GBCS payload (the bytes the Grouping Header's content length counts) in its three forms
 * (gbcs-wire-and-security.md §2.4): the first bytes decide.
 *
 * | first bytes | encoding | codec |
 * |---|---|---|
 * | `D9` / `DA` / `0F` | `dlms`: xDLMS access-request / access-response / data-notification | dlms/apdu.ts |
 * | `01 09` | `gbz`: ZSE profile 0x0109 | gbz/gbz.ts |
 * | `30`, `02`, `04`, `05` | `asn1`: DER SEQUENCE, INTEGER, OCTET STRING, NULL | (kept as bytes) |
 *
 * ASN.1 payloads are mostly SEQUENCEs (CS02x, CS03x, GCS28 …); RTDS also has bare INTEGER
 * responses (`02 01 00`: CS02c/d, CS03x, CS04x), OCTET STRING commands (`04 08 <EUI-64>`: CS04x)
 * and NULL (`05 00`: CS06 responses, CS07, CS08).
 *
 * `locateEncryptedParts` finds every `31 ‖ IC ‖ ciphertext ‖ tag12` (§3.4) by decoding: DLMS
 * protected attributes (dlms/protected-attributes.ts) and GBZ encrypted components.
 */
import { toHex } from './bytes.ts';
import { type DlmsApdu, decodeDlmsApdu, encodeDlmsApdu } from './dlms/apdu.ts';
import { findProtectedAttributes } from './dlms/protected-attributes.ts';
import { DecodeError, ErrorCode } from './errors.ts';
import { decodeGbz, encodeGbz, type GbzPayload, gbzEncryptedComponents } from './gbz/gbz.ts';

export type PayloadEncoding = 'dlms' | 'gbz' | 'asn1' | 'unknown';

const ASN1_FIRST_BYTES = new Set([0x30, 0x02, 0x04, 0x05]);

/** The encoding of a payload, from its first byte(s) alone (no validation). */
export function payloadEncoding(payload: Uint8Array): PayloadEncoding {
  const b0 = payload[0];
  if (b0 === undefined) return 'unknown';
  if (b0 === 0xd9 || b0 === 0xda || b0 === 0x0f) return 'dlms';
  if (b0 === 0x01 && payload[1] === 0x09) return 'gbz';
  if (ASN1_FIRST_BYTES.has(b0)) return 'asn1';
  return 'unknown';
}

export type DecodedPayload =
  | { encoding: 'dlms'; apdu: DlmsApdu }
  | { encoding: 'gbz'; gbz: GbzPayload }
  | { encoding: 'asn1'; bytes: Uint8Array }
  | { encoding: 'unknown'; bytes: Uint8Array };

/**
 * Decodes a payload according to its encoding. ASN.1 and unrecognised payloads are returned as
 * bytes (not validated).
 * @param baseOffset absolute offset of `payload[0]` in the message (`apdu.payloadOffset`), so that
 *   errors point into the original hex.
 * @param context.craFlag the Grouping Header's CRA flag: 3 selects the GBZ alert form (inferred
 *   from the bytes when omitted, see `decodeGbz`).
 * @throws DecodeError from the DLMS or GBZ codec (TRUNCATED, UNKNOWN_TAG, BAD_LENGTH, BAD_VALUE,
 *   TOO_LARGE, TRAILING_BYTES).
 */
export function decodePayload(
  payload: Uint8Array,
  baseOffset = 0,
  context: { craFlag?: number } = {},
): DecodedPayload {
  const encoding = payloadEncoding(payload);
  switch (encoding) {
    case 'dlms':
      return { encoding, apdu: decodeDlmsApdu(payload, baseOffset) };
    case 'gbz':
      return {
        encoding,
        gbz: decodeGbz(
          payload,
          baseOffset,
          context.craFlag === undefined ? {} : { alert: context.craFlag === 3 },
        ),
      };
    default:
      return { encoding, bytes: payload };
  }
}

/** Re-encodes a decoded payload; equals the decoded bytes. @throws RangeError for out-of-range fields. */
export function encodePayload(d: DecodedPayload): Uint8Array {
  switch (d.encoding) {
    case 'dlms':
      return encodeDlmsApdu(d.apdu);
    case 'gbz':
      return encodeGbz(d.gbz);
    default:
      return d.bytes;
  }
}

/** An encrypted part: `payload.subarray(offset, offset + length)` is `31 ‖ IC ‖ ciphertext ‖ tag12`. */
export interface EncryptedPart {
  offset: number;
  length: number;
}

/**
 * The encrypted parts of a decoded payload, in payload order (offsets relative to the payload).
 * @throws DecodeError BAD_VALUE / BAD_LENGTH for a DLMS protected-attributes structure whose
 *   protection options or security header are malformed.
 */
export function encryptedPartsOf(d: DecodedPayload, baseOffset = 0): EncryptedPart[] {
  if (d.encoding === 'dlms') {
    return findProtectedAttributes(d.apdu, baseOffset).map(({ offset, length }) => ({ offset, length }));
  }
  if (d.encoding === 'gbz')
    return gbzEncryptedComponents(d.gbz).map(({ offset, length }) => ({ offset, length }));
  return [];
}

/**
 * Offsets (within `payload`) and lengths of every encrypted part — DLMS protected-attributes
 * octet-strings, GBZ encrypted components — found by decoding the payload. ASN.1 and unknown
 * payloads have none.
 * @throws DecodeError when a DLMS or GBZ payload does not decode (offsets relative to the payload).
 */
export function locateEncryptedParts(
  payload: Uint8Array,
  context: { craFlag?: number } = {},
): EncryptedPart[] {
  const parts = encryptedPartsOf(decodePayload(payload, 0, context));
  for (const p of parts) {
    // The offsets are computed from the decoded structure; guard the invariant they rely on.
    if (payload[p.offset] !== 0x31 || p.offset + p.length > payload.length) {
      throw new DecodeError(
        ErrorCode.BAD_VALUE,
        p.offset,
        'internal: encrypted part offset does not hold 0x31',
      );
    }
  }
  return parts;
}

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * JSON-friendly form of a decoded tree (DESIGN §4 `decode --json`): bigint → decimal string,
 * Uint8Array → lowercase hex, other values as they are; `undefined` members are dropped.
 * Non-finite numbers (float NaN/Infinity) become their string names.
 */
export function payloadToJson(decoded: unknown): Json {
  return toJson(decoded, 0);
}

function toJson(v: unknown, depth: number): Json {
  if (depth > 200) throw new RangeError('tree too deep for JSON');
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'bigint':
      return v.toString(10);
    case 'object': {
      if (v instanceof Uint8Array) return toHex(v);
      if (Array.isArray(v)) return v.map((e) => toJson(e, depth + 1));
      const out: { [key: string]: Json } = {};
      for (const [k, e] of Object.entries(v)) {
        if (e !== undefined) out[k] = toJson(e, depth + 1);
      }
      return out;
    }
    default:
      return String(v);
  }
}
