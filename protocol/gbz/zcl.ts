/**
 * ZCL (ZigBee Cluster Library r6 §2.6) pieces that GBZ payloads carry: data type sizes and the
 * global Read Attributes (0x00) / Read Attributes Response (0x01) frames. ZCL is little-endian.
 */
import { ByteReader, concatBytes } from '../bytes.ts';
import { DecodeError, ErrorCode } from '../errors.ts';

export const ZclCommand = {
  READ_ATTRIBUTES: 0x00,
  READ_ATTRIBUTES_RESPONSE: 0x01,
  WRITE_ATTRIBUTES: 0x02,
  WRITE_ATTRIBUTES_RESPONSE: 0x04,
  DEFAULT_RESPONSE: 0x0b,
} as const;

/** ZCL status codes used by GBCS responses (ZCL Table 2-12). */
export const ZclStatus = {
  SUCCESS: 0x00,
  FAILURE: 0x01,
  NOT_AUTHORIZED: 0x7e,
  UNSUP_CLUSTER_COMMAND: 0x81,
  INVALID_FIELD: 0x85,
  UNSUPPORTED_ATTRIBUTE: 0x86,
  INVALID_VALUE: 0x87,
  NOT_FOUND: 0x8b,
  HARDWARE_FAILURE: 0xc0,
} as const;

/** Fixed sizes of ZCL data types (ZCL Table 2-10); strings are length-prefixed (see below). */
const FIXED: Record<number, number> = {
  8: 1,
  9: 2,
  10: 3,
  11: 4,
  12: 5,
  13: 6,
  14: 7,
  15: 8,
  16: 1,
  24: 1,
  25: 2,
  26: 3,
  27: 4,
  28: 5,
  29: 6,
  30: 7,
  31: 8,
  32: 1,
  33: 2,
  34: 3,
  35: 4,
  36: 5,
  37: 6,
  38: 7,
  39: 8,
  40: 1,
  41: 2,
  42: 3,
  43: 4,
  44: 5,
  45: 6,
  46: 7,
  47: 8,
  48: 1,
  49: 2,
  56: 2,
  57: 4,
  58: 8,
  224: 4,
  225: 4,
  226: 4,
  232: 2,
  233: 2,
  234: 4,
  240: 8,
  241: 16,
};
/** Length-prefixed types: octet/character string (1-byte length), long ones (2-byte length). */
const PREFIXED: Record<number, 1 | 2> = { 65: 1, 66: 1, 67: 2, 68: 2 };

export interface ZclAttributeRecord {
  attributeId: number;
  status: number;
  /** Present when status is SUCCESS. */
  dataType: number | null;
  value: Uint8Array | null;
}

/** Reads one value of `dataType` (bytes as on the wire). @throws DecodeError */
export function readZclValue(r: ByteReader, dataType: number): Uint8Array {
  const size = FIXED[dataType];
  if (size !== undefined) return r.take(size, `ZCL type 0x${dataType.toString(16)}`);
  const p = PREFIXED[dataType];
  if (p !== undefined) {
    const start = r.pos;
    const n =
      p === 1 ? r.u8('ZCL string length') : r.u8('ZCL string length') | (r.u8('ZCL string length') << 8);
    // 0xFF / 0xFFFF = invalid (no content).
    if (!((p === 1 && n === 0xff) || (p === 2 && n === 0xffff))) r.take(n, 'ZCL string');
    return r.bytes.subarray(start, r.pos);
  }
  throw new DecodeError(
    ErrorCode.BAD_VALUE,
    r.offset - 1,
    `unsupported ZCL data type 0x${dataType.toString(16)}`,
  );
}

/** Decodes a Read Attributes Response payload (ZCL 2.5.2). @throws DecodeError */
export function decodeReadAttributesResponse(payload: Uint8Array, baseOffset = 0): ZclAttributeRecord[] {
  const r = new ByteReader(payload, baseOffset);
  const out: ZclAttributeRecord[] = [];
  while (r.remaining > 0) {
    const lo = r.u8('attribute id');
    const attributeId = lo | (r.u8('attribute id') << 8);
    const status = r.u8('status');
    if (status !== ZclStatus.SUCCESS) {
      out.push({ attributeId, status, dataType: null, value: null });
      continue;
    }
    const dataType = r.u8('data type');
    out.push({ attributeId, status, dataType, value: readZclValue(r, dataType) });
  }
  return out;
}

export function encodeReadAttributesResponse(records: readonly ZclAttributeRecord[]): Uint8Array {
  return concatBytes(
    ...records.map((x) =>
      x.status !== ZclStatus.SUCCESS || x.dataType === null || x.value === null
        ? Uint8Array.of(x.attributeId & 0xff, x.attributeId >> 8, x.status)
        : concatBytes(Uint8Array.of(x.attributeId & 0xff, x.attributeId >> 8, 0, x.dataType), x.value),
    ),
  );
}

/** Attribute ids of a Read Attributes payload. @throws DecodeError BAD_LENGTH for an odd length */
export function decodeReadAttributes(payload: Uint8Array, baseOffset = 0): number[] {
  if (payload.length % 2 !== 0)
    throw new DecodeError(ErrorCode.BAD_LENGTH, baseOffset, 'odd Read Attributes length');
  const ids: number[] = [];
  for (let i = 0; i < payload.length; i += 2) ids.push(payload[i]! | (payload[i + 1]! << 8));
  return ids;
}
