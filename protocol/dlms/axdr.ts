/**
 * DLMS/COSEM `Data` in A-XDR (DLMS UA Blue Book 4.1.5 "Common data types"; A-XDR as in the
 * Green Book):
 * a one-byte type tag followed by the value. Variable-length values (array, structure, the
 * strings, compact-array contents) carry a BER/A-XDR length (`ber.ts`); a bit-string's length
 * counts bits. Fixed-size values are big-endian.
 *
 * | tag | type | value on the wire | `DlmsData.value` |
 * |---|---|---|---|
 * | 0 | null-data | — | — |
 * | 1 / 2 | array / structure | count ‖ elements | `DlmsData[]` |
 * | 3 | boolean | 1 byte: `00` false, `FF` true (BER TRUE, as every RTDS boolean); others BAD_VALUE | `boolean` |
 * | 4 | bit-string | length in bits ‖ ⌈bits/8⌉ bytes | `bits`, `value: Uint8Array` |
 * | 5 / 6 | double-long / -unsigned | 4 bytes | `number` |
 * | 9 / 10 / 12 | octet-string / visible-string / utf8-string | length ‖ bytes | `Uint8Array` |
 * | 13 | bcd | 1 byte (Integer8) | `number` |
 * | 15 / 16 / 17 / 18 | integer / long / unsigned / long-unsigned | 1 / 2 / 1 / 2 bytes | `number` |
 * | 19 | compact-array | type-description ‖ length ‖ contents | description + raw contents |
 * | 20 / 21 | long64 / long64-unsigned | 8 bytes | `bigint` |
 * | 22 | enum | 1 byte | `number` |
 * | 23 / 24 | float32 / float64 | 4 / 8 bytes (IEEE 754) | `number` |
 * | 25 / 26 / 27 | date-time / date / time | 12 / 5 / 4 bytes | `Uint8Array` (raw) |
 * | 255 | dont-care | — | — |
 *
 * Strings and date/time values stay raw bytes so that every accepted encoding re-encodes byte for
 * byte. For the same reason decoding accepts only what it would itself encode: minimal BER lengths
 * (`readBerLength`), booleans `00`/`FF`, and NaNs that a JS number carries back unchanged (floats
 * are numbers; nothing in GBCS uses them).
 *
 * Decoding is bounded: nesting deeper than {@link MAX_DATA_DEPTH} is TOO_LARGE, and an element
 * count larger than the bytes left is TRUNCATED before any element is read, so hostile input can
 * cause neither a stack overflow nor a long loop.
 */
import { encodeBerLength, readBerLength } from '../ber.ts';
import { type ByteReader, equalBytes } from '../bytes.ts';
import { DecodeError, ErrorCode } from '../errors.ts';

/** The `Data` type tags (Blue Book 4.1.5). */
export const DataTag = {
  NULL_DATA: 0,
  ARRAY: 1,
  STRUCTURE: 2,
  BOOLEAN: 3,
  BIT_STRING: 4,
  DOUBLE_LONG: 5,
  DOUBLE_LONG_UNSIGNED: 6,
  OCTET_STRING: 9,
  VISIBLE_STRING: 10,
  UTF8_STRING: 12,
  BCD: 13,
  INTEGER: 15,
  LONG: 16,
  UNSIGNED: 17,
  LONG_UNSIGNED: 18,
  COMPACT_ARRAY: 19,
  LONG64: 20,
  LONG64_UNSIGNED: 21,
  ENUM: 22,
  FLOAT32: 23,
  FLOAT64: 24,
  DATE_TIME: 25,
  DATE: 26,
  TIME: 27,
  DONT_CARE: 255,
} as const;
export type DataTag = (typeof DataTag)[keyof typeof DataTag];

/** Deepest array/structure (and compact-array type-description) nesting accepted on decode. */
export const MAX_DATA_DEPTH = 32;

/** One DLMS `Data` value, tagged by its Blue Book type name. */
export type DlmsData =
  | { type: 'null-data' }
  | { type: 'array'; value: DlmsData[] }
  | { type: 'structure'; value: DlmsData[] }
  | { type: 'boolean'; value: boolean }
  | { type: 'bit-string'; bits: number; value: Uint8Array }
  | { type: 'double-long'; value: number }
  | { type: 'double-long-unsigned'; value: number }
  | { type: 'octet-string'; value: Uint8Array }
  | { type: 'visible-string'; value: Uint8Array }
  | { type: 'utf8-string'; value: Uint8Array }
  | { type: 'bcd'; value: number }
  | { type: 'integer'; value: number }
  | { type: 'long'; value: number }
  | { type: 'unsigned'; value: number }
  | { type: 'long-unsigned'; value: number }
  | { type: 'compact-array'; contentsDescription: TypeDescription; arrayContents: Uint8Array }
  | { type: 'long64'; value: bigint }
  | { type: 'long64-unsigned'; value: bigint }
  | { type: 'enum'; value: number }
  | { type: 'float32'; value: number }
  | { type: 'float64'; value: number }
  | { type: 'date-time'; value: Uint8Array }
  | { type: 'date'; value: Uint8Array }
  | { type: 'time'; value: Uint8Array }
  | { type: 'dont-care' };

export type DlmsDataType = DlmsData['type'];

/**
 * Type-description of a compact-array (Blue Book 4.1.5): a simple type is its tag alone; an array
 * carries its element count (Unsigned16) and element type; a structure its element types.
 */
export type TypeDescription =
  | { type: 'array'; numberOfElements: number; typeDescription: TypeDescription }
  | { type: 'structure'; elements: TypeDescription[] }
  | { type: Exclude<DlmsDataType, 'array' | 'structure'> };

const TAG_OF: Record<DlmsDataType, number> = {
  'null-data': 0,
  array: 1,
  structure: 2,
  boolean: 3,
  'bit-string': 4,
  'double-long': 5,
  'double-long-unsigned': 6,
  'octet-string': 9,
  'visible-string': 10,
  'utf8-string': 12,
  bcd: 13,
  integer: 15,
  long: 16,
  unsigned: 17,
  'long-unsigned': 18,
  'compact-array': 19,
  long64: 20,
  'long64-unsigned': 21,
  enum: 22,
  float32: 23,
  float64: 24,
  'date-time': 25,
  date: 26,
  time: 27,
  'dont-care': 255,
};
const TYPE_OF = new Map<number, DlmsDataType>(
  Object.entries(TAG_OF).map(([name, tag]) => [tag, name as DlmsDataType]),
);

/** Tag byte of a Data type name. */
export function dataTagOf(type: DlmsDataType): number {
  return TAG_OF[type];
}

/** Fixed value size in bytes of a Data type, or undefined for variable-length and composite types. */
export function dataFixedSize(type: DlmsDataType): number | undefined {
  return FIXED_SIZE[type];
}

/** Fixed value sizes in bytes (types absent here are variable or composite). */
const FIXED_SIZE: Partial<Record<DlmsDataType, number>> = {
  'null-data': 0,
  boolean: 1,
  'double-long': 4,
  'double-long-unsigned': 4,
  bcd: 1,
  integer: 1,
  long: 2,
  unsigned: 1,
  'long-unsigned': 2,
  long64: 8,
  'long64-unsigned': 8,
  enum: 1,
  float32: 4,
  float64: 8,
  'date-time': 12,
  date: 5,
  time: 4,
  'dont-care': 0,
};

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * Reads an A-XDR element count (BER length form) and checks it against the bytes left: every
 * element takes at least `minElementSize` byte(s), so a larger count cannot be satisfied.
 * @throws DecodeError TRUNCATED, BAD_LENGTH
 */
export function readCount(r: ByteReader, what: string, minElementSize = 1): number {
  const n = readBerLength(r, `${what} count`);
  if (n * minElementSize > r.remaining) {
    throw new DecodeError(
      ErrorCode.TRUNCATED,
      r.base + r.bytes.length,
      `${what}: ${n} element(s) declared at offset ${r.offset}, only ${r.remaining} byte(s) left`,
    );
  }
  return n;
}

/**
 * Decodes one `Data` value at the reader's position.
 * @param depth nesting level of this value (0 at the top); callers normally omit it.
 * @throws DecodeError UNKNOWN_TAG (a tag not in Blue Book 4.1.5 as listed above), TRUNCATED,
 *   BAD_LENGTH (malformed BER length), BAD_VALUE (boolean other than 00/FF), TOO_LARGE (nesting
 *   deeper than MAX_DATA_DEPTH).
 */
export function decodeData(r: ByteReader, depth = 0): DlmsData {
  const at = r.offset;
  if (depth > MAX_DATA_DEPTH) {
    throw new DecodeError(ErrorCode.TOO_LARGE, at, `Data nested deeper than ${MAX_DATA_DEPTH} levels`);
  }
  const tag = r.u8('Data tag');
  const type = TYPE_OF.get(tag);
  if (type === undefined) throw new DecodeError(ErrorCode.UNKNOWN_TAG, at, `unknown Data tag 0x${hex2(tag)}`);
  switch (type) {
    case 'null-data':
    case 'dont-care':
      return { type };
    case 'array':
    case 'structure': {
      const n = readCount(r, type);
      const value: DlmsData[] = new Array(n);
      for (let i = 0; i < n; i++) value[i] = decodeData(r, depth + 1);
      return { type, value };
    }
    case 'boolean': {
      const b = r.u8('boolean');
      if (b !== 0x00 && b !== 0xff) {
        throw new DecodeError(ErrorCode.BAD_VALUE, at + 1, `boolean 0x${hex2(b)}: expected 00 or FF`);
      }
      return { type, value: b === 0xff };
    }
    case 'bit-string': {
      const bits = readBerLength(r, 'bit-string length');
      return { type, bits, value: r.take(Math.ceil(bits / 8), 'bit-string') };
    }
    case 'double-long':
      return { type, value: r.u32('double-long') | 0 };
    case 'double-long-unsigned':
      return { type, value: r.u32('double-long-unsigned') };
    case 'octet-string':
    case 'visible-string':
    case 'utf8-string': {
      const n = readBerLength(r, `${type} length`);
      return { type, value: r.take(n, type) };
    }
    case 'bcd':
    case 'integer':
      return { type, value: (r.u8(type) << 24) >> 24 };
    case 'long':
      return { type, value: (r.u16('long') << 16) >> 16 };
    case 'unsigned':
    case 'enum':
      return { type, value: r.u8(type) };
    case 'long-unsigned':
      return { type, value: r.u16('long-unsigned') };
    case 'compact-array': {
      const contentsDescription = decodeTypeDescription(r, depth + 1);
      const n = readBerLength(r, 'compact-array contents length');
      return { type, contentsDescription, arrayContents: r.take(n, 'compact-array contents') };
    }
    case 'long64':
      return { type, value: BigInt.asIntN(64, r.u64('long64')) };
    case 'long64-unsigned':
      return { type, value: r.u64('long64-unsigned') };
    case 'float32':
    case 'float64':
      return { type, value: readFloat(r, type) };
    case 'date-time':
    case 'date':
    case 'time':
      return { type, value: r.take(FIXED_SIZE[type]!, type) };
  }
}

function floatBytes(value: number, type: 'float32' | 'float64'): Uint8Array {
  const b = new Uint8Array(type === 'float32' ? 4 : 8);
  const v = new DataView(b.buffer);
  if (type === 'float32') v.setFloat32(0, value);
  else v.setFloat64(0, value);
  return b;
}

/** A float; a NaN whose bits the number cannot carry back (payload, sign) is BAD_VALUE. */
function readFloat(r: ByteReader, type: 'float32' | 'float64'): number {
  const at = r.offset;
  const b = r.take(type === 'float32' ? 4 : 8, type);
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const value = type === 'float32' ? v.getFloat32(0) : v.getFloat64(0);
  if (Number.isNaN(value) && !equalBytes(floatBytes(value, type), b)) {
    throw new DecodeError(ErrorCode.BAD_VALUE, at, `${type}: NaN with a payload that does not re-encode`);
  }
  return value;
}

/**
 * Decodes a compact-array type-description (Blue Book 4.1.5 TypeDescription).
 * @throws DecodeError UNKNOWN_TAG, TRUNCATED, BAD_LENGTH, TOO_LARGE
 */
export function decodeTypeDescription(r: ByteReader, depth = 0): TypeDescription {
  const at = r.offset;
  if (depth > MAX_DATA_DEPTH) {
    throw new DecodeError(ErrorCode.TOO_LARGE, at, `type-description nested deeper than ${MAX_DATA_DEPTH}`);
  }
  const tag = r.u8('type-description tag');
  const type = TYPE_OF.get(tag);
  if (type === undefined) {
    throw new DecodeError(ErrorCode.UNKNOWN_TAG, at, `unknown type-description tag 0x${hex2(tag)}`);
  }
  if (type === 'array') {
    const numberOfElements = r.u16('compact-array number-of-elements');
    return { type, numberOfElements, typeDescription: decodeTypeDescription(r, depth + 1) };
  }
  if (type === 'structure') {
    const n = readCount(r, 'type-description structure');
    const elements: TypeDescription[] = new Array(n);
    for (let i = 0; i < n; i++) elements[i] = decodeTypeDescription(r, depth + 1);
    return { type, elements };
  }
  return { type };
}

/** A growable big-endian byte sink for the encoders. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  get length(): number {
    return this.len;
  }
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.len++] = v & 0xff;
  }
  u16(v: number): void {
    this.room(2);
    this.buf[this.len++] = (v >> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
  }
  u32(v: number): void {
    this.room(4);
    new DataView(this.buf.buffer).setUint32(this.len, v >>> 0);
    this.len += 4;
  }
  u64(v: bigint): void {
    this.room(8);
    new DataView(this.buf.buffer).setBigUint64(this.len, BigInt.asUintN(64, v));
    this.len += 8;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  berLength(n: number): void {
    this.bytes(encodeBerLength(n));
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function checkInt(v: number, min: number, max: number, type: string): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${type} out of range: ${v}`);
  return v;
}

function checkBigInt(v: bigint, min: bigint, max: bigint, type: string): bigint {
  if (typeof v !== 'bigint' || v < min || v > max) throw new RangeError(`${type} out of range: ${v}`);
  return v;
}

function checkSize(b: Uint8Array, n: number, type: string): Uint8Array {
  if (b.length !== n) throw new RangeError(`${type} must be ${n} bytes, got ${b.length}`);
  return b;
}

/**
 * Writes one `Data` value. Values outside their type's range (an `unsigned` of 256, a date of 4
 * bytes, a bit-string whose byte count does not match `bits`) are programming errors: RangeError.
 */
export function writeData(w: ByteWriter, d: DlmsData): void {
  w.u8(TAG_OF[d.type]);
  switch (d.type) {
    case 'null-data':
    case 'dont-care':
      return;
    case 'array':
    case 'structure':
      w.berLength(d.value.length);
      for (const e of d.value) writeData(w, e);
      return;
    case 'boolean':
      w.u8(d.value ? 0xff : 0x00);
      return;
    case 'bit-string':
      if (!Number.isInteger(d.bits) || d.bits < 0 || Math.ceil(d.bits / 8) !== d.value.length) {
        throw new RangeError(`bit-string of ${d.bits} bits needs ${Math.ceil(d.bits / 8)} bytes`);
      }
      w.berLength(d.bits);
      w.bytes(d.value);
      return;
    case 'double-long':
      w.u32(checkInt(d.value, -0x80000000, 0x7fffffff, d.type));
      return;
    case 'double-long-unsigned':
      w.u32(checkInt(d.value, 0, 0xffffffff, d.type));
      return;
    case 'octet-string':
    case 'visible-string':
    case 'utf8-string':
      w.berLength(d.value.length);
      w.bytes(d.value);
      return;
    case 'bcd':
    case 'integer':
      w.u8(checkInt(d.value, -128, 127, d.type));
      return;
    case 'long':
      w.u16(checkInt(d.value, -0x8000, 0x7fff, d.type));
      return;
    case 'unsigned':
    case 'enum':
      w.u8(checkInt(d.value, 0, 0xff, d.type));
      return;
    case 'long-unsigned':
      w.u16(checkInt(d.value, 0, 0xffff, d.type));
      return;
    case 'compact-array':
      writeTypeDescription(w, d.contentsDescription);
      w.berLength(d.arrayContents.length);
      w.bytes(d.arrayContents);
      return;
    case 'long64':
      w.u64(checkBigInt(d.value, -(2n ** 63n), 2n ** 63n - 1n, d.type));
      return;
    case 'long64-unsigned':
      w.u64(checkBigInt(d.value, 0n, 2n ** 64n - 1n, d.type));
      return;
    case 'float32':
    case 'float64':
      w.bytes(floatBytes(d.value, d.type));
      return;
    case 'date-time':
    case 'date':
    case 'time':
      w.bytes(checkSize(d.value, FIXED_SIZE[d.type]!, d.type));
      return;
  }
}

export function writeTypeDescription(w: ByteWriter, t: TypeDescription): void {
  w.u8(TAG_OF[t.type]);
  if (t.type === 'array') {
    w.u16(checkInt(t.numberOfElements, 0, 0xffff, 'compact-array number-of-elements'));
    writeTypeDescription(w, t.typeDescription);
  } else if (t.type === 'structure') {
    w.berLength(t.elements.length);
    for (const e of t.elements) writeTypeDescription(w, e);
  }
}

/** Encodes one `Data` value (tag ‖ value). @throws RangeError for out-of-range values. */
export function encodeData(d: DlmsData): Uint8Array {
  const w = new ByteWriter();
  writeData(w, d);
  return w.finish();
}

function berLengthSize(n: number): number {
  return n < 0x80 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : 4;
}

function typeDescriptionLength(t: TypeDescription): number {
  if (t.type === 'array') return 3 + typeDescriptionLength(t.typeDescription);
  if (t.type === 'structure') {
    let n = 1 + berLengthSize(t.elements.length);
    for (const e of t.elements) n += typeDescriptionLength(e);
    return n;
  }
  return 1;
}

/** Bytes of the tag and length octets in front of a value's content (`09 82 0190` → 4). */
export function dataHeaderLength(d: DlmsData): number {
  switch (d.type) {
    case 'array':
    case 'structure':
    case 'octet-string':
    case 'visible-string':
    case 'utf8-string':
      return 1 + berLengthSize(d.value.length);
    case 'bit-string':
      return 1 + berLengthSize(d.bits);
    default:
      return 1;
  }
}

/**
 * Size in bytes of `encodeData(d)`, computed without encoding. Because decoding accepts only the
 * encoding this produces, it also gives the positions of decoded values in their input.
 */
export function dataEncodedLength(d: DlmsData): number {
  switch (d.type) {
    case 'array':
    case 'structure': {
      let n = dataHeaderLength(d);
      for (const e of d.value) n += dataEncodedLength(e);
      return n;
    }
    case 'octet-string':
    case 'visible-string':
    case 'utf8-string':
    case 'bit-string':
      return dataHeaderLength(d) + d.value.length;
    case 'compact-array':
      return (
        1 +
        typeDescriptionLength(d.contentsDescription) +
        berLengthSize(d.arrayContents.length) +
        d.arrayContents.length
      );
    default:
      return 1 + FIXED_SIZE[d.type]!;
  }
}
