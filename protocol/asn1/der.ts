/**
 * A minimal DER (ITU-T X.690) TLV reader and writer for the ASN.1 payloads of GBCS use cases
 * (CS02x, CS03x, CS04x, CS06, CS07, CS08, GCS28, GCS59, …; gbcs-wire-and-security.md §2.4).
 * Strict: definite lengths only, minimal length octets, single-byte and multi-byte tags, bounded
 * nesting. Typed values (INTEGER, GeneralizedTime, …) are read from the TLV tree by the use-case
 * codecs; X.509 certificates are parsed with @peculiar/asn1-x509, not here.
 */
import { ByteReader, concatBytes } from '../bytes.ts';
import { DecodeError, ErrorCode } from '../errors.ts';

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
    for (let i = 0; ; i++) {
      if (i === 3) throw new DecodeError(ErrorCode.BAD_VALUE, offset, 'DER tag too long');
      const b = r.u8('DER tag');
      tag = tag * 256 + b;
      if ((b & 0x80) === 0) break;
    }
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
  let children: DerNode[] | null = null;
  if (constructed) {
    children = [];
    const sub = new ByteReader(value, valueOffset);
    while (sub.remaining > 0) children.push(readNode(sub, depth + 1, opts));
  }
  return { tag, tagClass: first >> 6, constructed, offset, value, children };
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

/** The value of an INTEGER/ENUMERATED node as a bigint (two's complement). */
export function derIntegerValue(n: DerNode): bigint {
  if (n.value.length === 0) throw new DecodeError(ErrorCode.BAD_LENGTH, n.offset, 'empty INTEGER');
  let v = 0n;
  for (const b of n.value) v = (v << 8n) | BigInt(b);
  if ((n.value[0]! & 0x80) !== 0) v -= 1n << BigInt(8 * n.value.length);
  return v;
}

/** GeneralizedTime `YYYYMMDDHHMMSSZ` of a UTC instant (ms since epoch, whole seconds). */
export function derGeneralizedTime(epochMs: number): Uint8Array {
  const s = new Date(epochMs).toISOString();
  const txt = `${s.slice(0, 4)}${s.slice(5, 7)}${s.slice(8, 10)}${s.slice(11, 13)}${s.slice(14, 16)}${s.slice(17, 19)}Z`;
  return derTlv(DerTag.GENERALIZED_TIME, new TextEncoder().encode(txt));
}

/** Parses a GeneralizedTime / UTCTime node to ms since epoch. @throws DecodeError BAD_VALUE */
export function derTimeValue(n: DerNode): number {
  const t = new TextDecoder().decode(n.value);
  const m =
    n.tag === DerTag.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(t)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(t);
  if (!m) throw new DecodeError(ErrorCode.BAD_VALUE, n.offset, `not a DER time: ${JSON.stringify(t)}`);
  let year = Number(m[1]);
  if (n.tag === DerTag.UTC_TIME) year += year < 50 ? 2000 : 1900;
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
