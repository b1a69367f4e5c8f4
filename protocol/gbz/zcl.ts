/**
 * ZCL (ZigBee Cluster Library r6 §2) pieces that GBZ payloads carry: frame control, data types and
 * their little-endian values, the global commands GBCS uses — Read Attributes (0x00) and its
 * Response (0x01), Write Attributes (0x02) and its Response (0x04), Default Response (0x0B) — and
 * ZigBee UTCTime. ZCL is little-endian throughout. The cluster-specific ZSE commands are in
 * zcl-se.ts.
 */
import { ByteReader, concatBytes } from '../bytes.ts';
import { EPOCH_2000_MS } from '../calendar.ts';
import { DecodeError, ErrorCode } from '../errors.ts';

export const ZclCommand = {
  READ_ATTRIBUTES: 0x00,
  READ_ATTRIBUTES_RESPONSE: 0x01,
  WRITE_ATTRIBUTES: 0x02,
  WRITE_ATTRIBUTES_RESPONSE: 0x04,
  DEFAULT_RESPONSE: 0x0b,
} as const;

/** ZCL frame-control bits (ZCL 2.4.1.1). */
export const ZclFrameControl = {
  /** Frame type bits 0–1: 0 = global (profile-wide) command, 1 = cluster-specific command. */
  CLUSTER_SPECIFIC: 0x01,
  MANUFACTURER_SPECIFIC: 0x04,
  /** Direction bit: set = server to client. */
  SERVER_TO_CLIENT: 0x08,
  DISABLE_DEFAULT_RESPONSE: 0x10,
} as const;

/** Whether a frame control says cluster-specific (frame type 1) rather than global (0). */
export const isClusterSpecific = (frameControl: number): boolean => (frameControl & 0x03) === 1;
/** Whether a frame control says server → client. */
export const isServerToClient = (frameControl: number): boolean => (frameControl & 0x08) !== 0;

/** ZCL status codes used by GBCS responses (ZCL Table 2-12). */
export const ZclStatus = {
  SUCCESS: 0x00,
  FAILURE: 0x01,
  NOT_AUTHORIZED: 0x7e,
  MALFORMED_COMMAND: 0x80,
  UNSUP_CLUSTER_COMMAND: 0x81,
  UNSUP_GENERAL_COMMAND: 0x82,
  INVALID_FIELD: 0x85,
  UNSUPPORTED_ATTRIBUTE: 0x86,
  INVALID_VALUE: 0x87,
  READ_ONLY: 0x88,
  INSUFFICIENT_SPACE: 0x89,
  NOT_FOUND: 0x8b,
  INVALID_DATA_TYPE: 0x8d,
  HARDWARE_FAILURE: 0xc0,
} as const;

/** ZCL data type ids (ZCL Table 2-10) that GBCS attributes use. */
export const ZclType = {
  BITMAP8: 0x18,
  BITMAP16: 0x19,
  BITMAP32: 0x1b,
  UINT8: 0x20,
  UINT16: 0x21,
  UINT24: 0x22,
  UINT32: 0x23,
  UINT48: 0x25,
  INT8: 0x28,
  INT16: 0x29,
  INT24: 0x2a,
  INT32: 0x2b,
  ENUM8: 0x30,
  ENUM16: 0x31,
  OCTET_STRING: 0x41,
  CHARACTER_STRING: 0x42,
  UTC_TIME: 0xe2,
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

/** Size in bytes of a fixed-size ZCL type, or undefined for strings and unknown types. */
export function zclTypeSize(dataType: number): number | undefined {
  return FIXED[dataType];
}

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

/** A Read Attributes payload (ZCL 2.5.1): the attribute ids, uint16 LE each. */
export function encodeReadAttributes(attributeIds: readonly number[]): Uint8Array {
  return concatBytes(...attributeIds.map((id) => u16le(id)));
}

/** One Write Attributes record (ZCL 2.5.3): id, type, value bytes as on the wire. */
export interface ZclWriteRecord {
  attributeId: number;
  dataType: number;
  value: Uint8Array;
}

/** Decodes a Write Attributes payload. @throws DecodeError */
export function decodeWriteAttributes(payload: Uint8Array, baseOffset = 0): ZclWriteRecord[] {
  const r = new ByteReader(payload, baseOffset);
  const out: ZclWriteRecord[] = [];
  while (r.remaining > 0) {
    const attributeId = readU16le(r, 'attribute id');
    const dataType = r.u8('data type');
    out.push({ attributeId, dataType, value: readZclValue(r, dataType) });
  }
  return out;
}

export function encodeWriteAttributes(records: readonly ZclWriteRecord[]): Uint8Array {
  return concatBytes(
    ...records.map((x) => concatBytes(u16le(x.attributeId), Uint8Array.of(x.dataType), x.value)),
  );
}

/**
 * Write Attributes Response (ZCL 2.5.5): a single SUCCESS status byte when every write succeeded,
 * else one `status ‖ attribute id` record per failed attribute.
 */
export function encodeWriteAttributesResponse(
  failures: ReadonlyArray<{ attributeId: number; status: number }>,
): Uint8Array {
  if (failures.length === 0) return Uint8Array.of(ZclStatus.SUCCESS);
  return concatBytes(...failures.map((f) => concatBytes(Uint8Array.of(f.status), u16le(f.attributeId))));
}

/** @returns the failed records; empty for the single SUCCESS byte. @throws DecodeError */
export function decodeWriteAttributesResponse(
  payload: Uint8Array,
  baseOffset = 0,
): Array<{ attributeId: number; status: number }> {
  if (payload.length === 1 && payload[0] === ZclStatus.SUCCESS) return [];
  const r = new ByteReader(payload, baseOffset);
  const out: Array<{ attributeId: number; status: number }> = [];
  while (r.remaining > 0) {
    const status = r.u8('status');
    out.push({ status, attributeId: readU16le(r, 'attribute id') });
  }
  return out;
}

/** Default Response (ZCL 2.5.12): the command it answers and a status. */
export interface ZclDefaultResponse {
  commandId: number;
  status: number;
}

export function encodeDefaultResponse(d: ZclDefaultResponse): Uint8Array {
  return Uint8Array.of(d.commandId & 0xff, d.status & 0xff);
}

/** @throws DecodeError TRUNCATED, TRAILING_BYTES */
export function decodeDefaultResponse(payload: Uint8Array, baseOffset = 0): ZclDefaultResponse {
  const r = new ByteReader(payload, baseOffset);
  const commandId = r.u8('command id');
  const status = r.u8('status');
  r.end('Default Response');
  return { commandId, status };
}

// ---------------------------------------------------------------------------------------------
// Little-endian values

function checkUint(v: number, bytes: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0 || v >= 2 ** (8 * bytes)) {
    throw new RangeError(`${what}: ${v} is not a uint${8 * bytes}`);
  }
  return v;
}

/** Unsigned integer of `bytes` bytes (1–6), little-endian. @throws RangeError */
export function uintLe(v: number, bytes: number, what = 'value'): Uint8Array {
  checkUint(v, bytes, what);
  const out = new Uint8Array(bytes);
  let x = v;
  for (let i = 0; i < bytes; i++) {
    out[i] = x % 256;
    x = Math.floor(x / 256);
  }
  return out;
}

export const u16le = (v: number, what = 'uint16'): Uint8Array => uintLe(v, 2, what);

/** Signed integer of `bytes` bytes (1–6), two's complement little-endian. @throws RangeError */
export function intLe(v: number, bytes: number, what = 'value'): Uint8Array {
  const half = 2 ** (8 * bytes - 1);
  if (!Number.isSafeInteger(v) || v < -half || v >= half) {
    throw new RangeError(`${what}: ${v} is not an int${8 * bytes}`);
  }
  return uintLe(v < 0 ? v + 2 * half : v, bytes, what);
}

/** The unsigned value of little-endian bytes (up to 6). */
export function uintOfLe(b: Uint8Array): number {
  let v = 0;
  for (let i = b.length - 1; i >= 0; i--) v = v * 256 + b[i]!;
  return v;
}

/** The signed value of little-endian two's-complement bytes (up to 6). */
export function intOfLe(b: Uint8Array): number {
  const u = uintOfLe(b);
  const half = 2 ** (8 * b.length - 1);
  return u >= half ? u - 2 * half : u;
}

export function readU16le(r: ByteReader, what = 'uint16'): number {
  return uintOfLe(r.take(2, what));
}

/** The bytes of a length-prefixed octet/character string (1-byte length) from its wire form. */
export function zclStringContent(wire: Uint8Array): Uint8Array {
  const n = wire[0] ?? 0;
  return n === 0xff ? new Uint8Array(0) : wire.subarray(1, 1 + n);
}

/** Wire form of an octet/character string: length ‖ bytes. @throws RangeError over 254 bytes */
export function zclString(content: Uint8Array | string): Uint8Array {
  const b = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  if (b.length > 254) throw new RangeError(`ZCL string of ${b.length} bytes (max 254)`);
  return concatBytes(Uint8Array.of(b.length), b);
}

/**
 * Wire bytes of a number for a fixed-size integer-like ZCL type (bitmaps, unsigned and signed
 * integers, enumerations, UTCTime). @throws RangeError for other types or out-of-range values
 */
export function zclNumberValue(dataType: number, v: number): Uint8Array {
  const size = FIXED[dataType];
  if (size === undefined || size > 6)
    throw new RangeError(`not a numeric ZCL type: 0x${dataType.toString(16)}`);
  const signed = dataType >= 0x28 && dataType <= 0x2f;
  return signed ? intLe(v, size) : uintLe(v, size);
}

/** The number a fixed-size integer-like ZCL value holds (see zclNumberValue). */
export function zclNumberOf(dataType: number, value: Uint8Array): number {
  const signed = dataType >= 0x28 && dataType <= 0x2f;
  return signed ? intOfLe(value) : uintOfLe(value);
}

// ---------------------------------------------------------------------------------------------
// UTCTime

/** ZigBee UTCTime epoch, 2000-01-01T00:00:00Z, in ms since the Unix epoch. */
export const ZCL_EPOCH_MS = EPOCH_2000_MS;
/** UTCTime 0xFFFFFFFF: "invalid"/"not specified" (GBCS: e.g. cancel, or no end). */
export const ZCL_UTC_INVALID = 0xffffffff;

/** UTCTime (seconds since 2000-01-01) of an instant (ms since the Unix epoch), floored. */
export function toZclUtcTime(ms: number): number {
  return Math.max(0, Math.min(0xfffffffe, Math.floor((ms - ZCL_EPOCH_MS) / 1000)));
}

/** The instant (ms since the Unix epoch) of a UTCTime. */
export function fromZclUtcTime(seconds: number): number {
  return ZCL_EPOCH_MS + seconds * 1000;
}
