/**
 * A minimal DER (ITU-T X.690) TLV reader and writer for the ASN.1 payloads of GBCS use cases
 * (CS02x, CS03x, CS04x, CS06, CS07, CS08, GCS28, GCS59, …; gbcs-wire-and-security.md §2.4).
 * Typed values (INTEGER, GeneralizedTime, …) are read from the TLV tree by the use-case codecs;
 * X.509 certificates are parsed with @peculiar/asn1-x509, not here.
 *
 * Strict DER (X.690 §10, §11), so that every accepted input has exactly one encoding and a
 * decoded value re-encodes to the same bytes:
 * - identifier: the low tag-number form for numbers below 31, no leading 0x80 continuation octet;
 *   universal SEQUENCE/SET constructed, the universal primitive types primitive (§10.2);
 * - length: definite (§10.1), in the fewest octets (§10.1; `allowNonMinimalLength` relaxes only this);
 * - universal primitive contents: BOOLEAN one octet 00 or FF (§11.1); INTEGER and ENUMERATED in the
 *   fewest octets (§8.3.2); BIT STRING unused-bit count 0–7, 0 when empty, unused bits zero (§11.2);
 *   NULL empty; OBJECT IDENTIFIER sub-identifiers in the fewest octets (§8.19.2); UTF8String valid
 *   UTF-8; PrintableString in its character set; UTCTime `YYMMDDHHMMSSZ` and GeneralizedTime
 *   `YYYYMMDDHHMMSSZ` naming a real instant (§11.7, §11.8; no fraction: GBCS times are whole seconds);
 * - end-of-contents (universal 0) never appears.
 * Violations throw DecodeError NOT_CANONICAL (BAD_LENGTH for lengths, BAD_DATE for times). Values
 * inside context-specific (IMPLICIT) tags are checked where a codec reads them (derIntegerValue,
 * derTimeValue). SET OF ordering (§11.6) is not checked: no GBCS payload uses SET.
 */
import { ByteReader, concatBytes } from '../bytes.ts';
import { utcFieldsProblem, utcFieldsToMs } from '../calendar.ts';
import { DecodeError, ErrorCode, GbcsError } from '../errors.ts';

export const MAX_DER_DEPTH = 32;

/** Universal tag numbers used by GBCS payloads. */
export const DerTag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  PRINTABLE_STRING: 0x13,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
} as const;

export interface DerNode {
  /** The identifier octets as one number (e.g. 0x30, 0xa0, or 0x9f21 for a multi-byte tag). */
  tag: number;
  /** Class bits 7–6 of the first identifier octet: 0 universal, 1 application, 2 context, 3 private. */
  tagClass: number;
  constructed: boolean;
  /** Offset of the first identifier octet in the outermost input. */
  offset: number;
  /** Content octets (for constructed nodes: the encoded children). */
  value: Uint8Array;
  children: DerNode[] | null;
}

/** Decoding options. */
export interface DerDecodeOptions {
  /**
   * Accept definite lengths in a longer form than needed (`82 00 DE` for 222), as BER allows.
   * GBCS devices answer this way: the RTDS 4.5.0 CS02b/CS02f/CS02g responses and alerts encode
   * long lengths in two octets (`30 82 00 83 …`). Default false (strict DER).
   */
  allowNonMinimalLength?: boolean;
}

function readNode(r: ByteReader, depth: number, opts: DerDecodeOptions): DerNode {
  if (depth > MAX_DER_DEPTH)
    throw new DecodeError(ErrorCode.TOO_LARGE, r.offset, `DER nesting deeper than ${MAX_DER_DEPTH}`);
  const offset = r.offset;
  const first = r.u8('DER tag');
  let tag = first;
  if ((first & 0x1f) === 0x1f) {
    // High tag number form: continuation octets with bit 8 set, at most 3 more octets.
    let number = 0;
    for (let i = 0; ; i++) {
      if (i === 3) throw new DecodeError(ErrorCode.BAD_VALUE, offset, 'DER tag too long');
      const b = r.u8('DER tag');
      if (i === 0 && b === 0x80)
        throw new DecodeError(ErrorCode.NOT_CANONICAL, offset, 'DER tag number with a leading zero octet');
      tag = tag * 256 + b;
      number = number * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    if (number < 31)
      throw new DecodeError(ErrorCode.NOT_CANONICAL, offset, `DER tag number ${number} in the long form`);
  } else if (first === 0) {
    throw new DecodeError(ErrorCode.NOT_CANONICAL, offset, 'end-of-contents octets are not DER');
  }
  const lenAt = r.offset;
  const l0 = r.u8('DER length');
  let length = l0;
  if (l0 === 0x80) throw new DecodeError(ErrorCode.BAD_LENGTH, lenAt, 'indefinite length is not DER');
  if (l0 > 0x80) {
    const n = l0 & 0x7f;
    if (n > 3) throw new DecodeError(ErrorCode.BAD_LENGTH, lenAt, `DER length of ${n} octets`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + r.u8('DER length');
    if (!opts.allowNonMinimalLength && (length < 0x80 || (n > 1 && length < 1 << (8 * (n - 1))))) {
      throw new DecodeError(ErrorCode.BAD_LENGTH, lenAt, 'non-minimal DER length');
    }
  }
  const valueOffset = r.offset;
  const value = r.take(length, 'DER content');
  const constructed = (first & 0x20) !== 0;
  const node: DerNode = { tag, tagClass: first >> 6, constructed, offset, value, children: null };
  if (node.tagClass === 0) checkUniversal(node, valueOffset);
  if (constructed) {
    const children: DerNode[] = [];
    const sub = new ByteReader(value, valueOffset);
    while (sub.remaining > 0) children.push(readNode(sub, depth + 1, opts));
    node.children = children;
  }
  return node;
}

const notCanonical = (n: DerNode, message: string): DecodeError =>
  new DecodeError(ErrorCode.NOT_CANONICAL, n.offset, message);

/** Universal tag numbers whose encoding is primitive in DER (X.690 §10.2: the string types too). */
const PRIMITIVE_UNIVERSAL = new Set([
  1, 2, 3, 4, 5, 6, 9, 10, 12, 13, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 30,
]);
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The DER rules for a universal-class node (see the file doc). @throws DecodeError */
function checkUniversal(n: DerNode, valueOffset: number): void {
  const number = n.tag & 0x1f;
  if (number === 16 || number === 17) {
    if (!n.constructed) throw notCanonical(n, `${number === 16 ? 'SEQUENCE' : 'SET'} in the primitive form`);
    return;
  }
  if (PRIMITIVE_UNIVERSAL.has(number) && n.constructed)
    throw notCanonical(n, `universal type ${number} in the constructed form`);
  const v = n.value;
  switch (n.tag) {
    case DerTag.BOOLEAN:
      if (v.length !== 1) throw new DecodeError(ErrorCode.BAD_LENGTH, n.offset, 'BOOLEAN is one octet');
      if (v[0] !== 0 && v[0] !== 0xff) throw notCanonical(n, 'BOOLEAN TRUE is FF in DER');
      return;
    case DerTag.INTEGER:
    case DerTag.ENUMERATED:
      checkMinimalInteger(n);
      return;
    case DerTag.BIT_STRING: {
      if (v.length === 0)
        throw new DecodeError(ErrorCode.BAD_LENGTH, n.offset, 'BIT STRING without its unused-bit count');
      const unused = v[0]!;
      if (unused > 7)
        throw new DecodeError(ErrorCode.BAD_VALUE, valueOffset, `BIT STRING with ${unused} unused bits`);
      if (v.length === 1 && unused !== 0) throw notCanonical(n, 'empty BIT STRING with unused bits');
      if ((v[v.length - 1]! & ((1 << unused) - 1)) !== 0)
        throw notCanonical(n, 'BIT STRING unused bits not zero');
      return;
    }
    case DerTag.NULL:
      if (v.length !== 0) throw new DecodeError(ErrorCode.BAD_LENGTH, n.offset, 'NULL with content');
      return;
    case DerTag.OID: {
      if (v.length === 0 || (v[v.length - 1]! & 0x80) !== 0)
        throw new DecodeError(
          ErrorCode.BAD_VALUE,
          n.offset,
          'OBJECT IDENTIFIER ends inside a sub-identifier',
        );
      for (let i = 0; i < v.length; i++)
        if (v[i] === 0x80 && (i === 0 || (v[i - 1]! & 0x80) === 0))
          throw notCanonical(n, 'OBJECT IDENTIFIER sub-identifier with a leading zero octet');
      return;
    }
    case DerTag.UTF8_STRING:
      try {
        UTF8.decode(v);
      } catch {
        throw new DecodeError(ErrorCode.BAD_VALUE, n.offset, 'UTF8String is not UTF-8');
      }
      return;
    case DerTag.PRINTABLE_STRING:
      if (!PRINTABLE.test(String.fromCharCode(...v)))
        throw new DecodeError(
          ErrorCode.BAD_VALUE,
          n.offset,
          'PrintableString with a character outside its set',
        );
      return;
    case DerTag.UTC_TIME:
    case DerTag.GENERALIZED_TIME:
      derTimeValue(n);
      return;
  }
}

/** X.690 §8.3.2: the first nine bits of a multi-octet INTEGER are neither all 0 nor all 1. */
function checkMinimalInteger(n: DerNode): void {
  const v = n.value;
  if (v.length === 0) throw new DecodeError(ErrorCode.BAD_LENGTH, n.offset, 'empty INTEGER');
  if (v.length > 1 && ((v[0] === 0 && v[1]! < 0x80) || (v[0] === 0xff && v[1]! >= 0x80)))
    throw notCanonical(n, 'INTEGER not in the fewest octets');
}

/**
 * Decodes exactly one DER TLV (with its nested children) spanning all of `bytes`.
 * @throws DecodeError TRUNCATED, BAD_LENGTH, BAD_VALUE, TOO_LARGE, TRAILING_BYTES
 */
export function decodeDer(bytes: Uint8Array, baseOffset = 0, options: DerDecodeOptions = {}): DerNode {
  if (bytes.length === 0) throw new DecodeError(ErrorCode.EMPTY, baseOffset, 'empty DER');
  const r = new ByteReader(bytes, baseOffset);
  const node = readNode(r, 0, options);
  r.end('DER value');
  return node;
}

function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  if (n <= 0xff) return Uint8Array.of(0x81, n);
  if (n <= 0xffff) return Uint8Array.of(0x82, n >> 8, n & 0xff);
  return Uint8Array.of(0x83, n >> 16, (n >> 8) & 0xff, n & 0xff);
}

function encodeTag(tag: number): Uint8Array {
  const out: number[] = [];
  let t = tag;
  do {
    out.unshift(t & 0xff);
    t = Math.floor(t / 256);
  } while (t > 0);
  return Uint8Array.from(out);
}

/** TLV of a primitive or pre-encoded constructed value. */
export function derTlv(tag: number, value: Uint8Array): Uint8Array {
  return concatBytes(encodeTag(tag), encodeLength(value.length), value);
}

/** A constructed TLV (SEQUENCE 0x30, context [n] 0xa0|n, …) of already-encoded children. */
export function derConstructed(tag: number, ...children: Uint8Array[]): Uint8Array {
  return derTlv(tag, concatBytes(...children));
}

/** Re-encodes a node tree (children re-encoded recursively); equals the input for valid DER. */
export function encodeDer(n: DerNode): Uint8Array {
  if (n.children) return derConstructed(n.tag, ...n.children.map(encodeDer));
  return derTlv(n.tag, n.value);
}

/** DER INTEGER (or ENUMERATED with `tag`) of a bigint/number: minimal two's complement. */
export function derInteger(v: bigint | number, tag: number = DerTag.INTEGER): Uint8Array {
  const x = BigInt(v);
  let n = 1n;
  while (x < -(1n << (8n * n - 1n)) || x >= 1n << (8n * n - 1n)) n++;
  const u = x < 0n ? x + (1n << (8n * n)) : x;
  const bytes = new Uint8Array(Number(n));
  for (let i = bytes.length - 1, y = u; i >= 0; i--, y >>= 8n) bytes[i] = Number(y & 0xffn);
  return derTlv(tag, bytes);
}

/**
 * The value of an INTEGER/ENUMERATED node (or an IMPLICIT-tagged one) as a bigint (two's complement).
 * @throws DecodeError BAD_LENGTH (empty), NOT_CANONICAL (not in the fewest octets)
 */
export function derIntegerValue(n: DerNode): bigint {
  checkMinimalInteger(n);
  let v = 0n;
  for (const b of n.value) v = (v << 8n) | BigInt(b);
  if ((n.value[0]! & 0x80) !== 0) v -= 1n << BigInt(8 * n.value.length);
  return v;
}

/**
 * GeneralizedTime `YYYYMMDDHHMMSSZ` of a UTC instant (ms since epoch; milliseconds dropped).
 * @throws GbcsError MISUSE when the instant is not in years 0000–9999
 */
export function derGeneralizedTime(epochMs: number): Uint8Array {
  const d = new Date(epochMs);
  const year = d.getUTCFullYear();
  if (!Number.isFinite(epochMs) || year < 0 || year > 9999)
    throw new GbcsError(ErrorCode.MISUSE, `GeneralizedTime has years 0000–9999, not ${epochMs} ms`);
  const two = (x: number) => String(x).padStart(2, '0');
  const txt = `${String(year).padStart(4, '0')}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  return derTlv(DerTag.GENERALIZED_TIME, new TextEncoder().encode(txt));
}

/**
 * Parses a GeneralizedTime (`YYYYMMDDHHMMSSZ`) or UTCTime (`YYMMDDHHMMSSZ`, YY < 50 = 20YY, X.509's
 * rule) node to ms since epoch. The forms are DER's (X.690 §11.7, §11.8) as GBCS uses them: UTC
 * ('Z'), seconds present, no fraction. The date must exist (no 2027-02-29, no month 21) and the time
 * be 00:00:00–23:59:59.
 * @throws DecodeError BAD_DATE (wrong form or impossible value)
 */
export function derTimeValue(n: DerNode): number {
  const t = String.fromCharCode(...n.value);
  const m =
    n.tag === DerTag.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(t)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(t);
  if (!m) throw new DecodeError(ErrorCode.BAD_DATE, n.offset, `not a DER time: ${JSON.stringify(t)}`);
  let year = Number(m[1]);
  if (n.tag === DerTag.UTC_TIME) year += year < 50 ? 2000 : 1900;
  const f = {
    year,
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
  };
  const problem = utcFieldsProblem(f);
  if (problem) throw new DecodeError(ErrorCode.BAD_DATE, n.offset, `time ${JSON.stringify(t)}: ${problem}`);
  return utcFieldsToMs(f);
}
