/** Byte helpers: hex, concatenation, big-endian integers, and a bounds-checked reader. */
import { DecodeError, ErrorCode } from './errors.ts';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}

/** Hex digit values by char code (−1: not a hex digit). */
const HEX_VALUE = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 16; i++) {
    t['0123456789abcdef'.charCodeAt(i)] = i;
    t['0123456789ABCDEF'.charCodeAt(i)] = i;
  }
  return t;
})();

/**
 * Writes the bytes of `text` at out[at..) when it is exactly `2·n` hex digits and nothing else
 * (no whitespace), n = (out.length − at) or the given count; false otherwise (having written part
 * of it, maybe). The per-message path for EUI-64s: no regex, no string copies.
 */
export function putHex(out: Uint8Array, at: number, text: string, n = text.length >> 1): boolean {
  if (text.length !== 2 * n || at + n > out.length) return false;
  for (let i = 0; i < n; i++) {
    const hi = HEX_VALUE[text.charCodeAt(2 * i)] ?? -1;
    const lo = HEX_VALUE[text.charCodeAt(2 * i + 1)] ?? -1;
    if ((hi | lo) < 0) return false;
    out[at + i] = (hi << 4) | lo;
  }
  return true;
}

/** The bytes of a string of hex digits only (even count, ≥ 2), else undefined. */
function hexDigitsOnly(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length % 2) return undefined;
  const out = new Uint8Array(text.length >> 1);
  return putHex(out, 0, text) ? out : undefined;
}

/**
 * Bytes of a hex string. Whitespace and a leading byte-order mark are ignored (RTDS files wrap lines).
 * @throws DecodeError NOT_HEX (offset = the byte the offending character falls in), EMPTY, BAD_LENGTH (odd digit count)
 */
export function fromHex(text: string): Uint8Array {
  const fast = hexDigitsOnly(text);
  if (fast) return fast;
  const clean = text.replace(/^\uFEFF/, '').replace(/\s+/g, '');
  const bad = /[^0-9a-fA-F]/.exec(clean);
  if (bad) {
    // The offset is that of the byte the bad character would have been part of.
    throw new DecodeError(ErrorCode.NOT_HEX, bad.index >> 1, `not a hex digit: ${JSON.stringify(bad[0])}`);
  }
  if (clean.length === 0) throw new DecodeError(ErrorCode.EMPTY, 0, 'no hex digits');
  if (clean.length % 2)
    throw new DecodeError(ErrorCode.BAD_LENGTH, clean.length >> 1, 'odd number of hex digits');
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

const BASE64_VALUE = new Map<string, number>(
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]),
);

/**
 * Bytes of a base64 text (RFC 4648 §4, or the URL-safe alphabet of §5: `-` `_` for `+` `/`).
 * Whitespace and a leading byte-order mark are ignored; `=` padding is optional but, when present,
 * only at the end and only to a multiple of 4.
 * @throws DecodeError NOT_BASE64 (offset = the decoded byte the offending character falls in), EMPTY
 */
export function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/^\uFEFF/, '').replace(/\s+/g, '');
  if (clean.length === 0) throw new DecodeError(ErrorCode.EMPTY, 0, 'no base64 digits');
  const body = clean.replace(/={1,2}$/, '');
  const padded = body.length !== clean.length;
  const bad = /[^A-Za-z0-9+/_-]/.exec(body);
  if (bad)
    throw new DecodeError(
      ErrorCode.NOT_BASE64,
      (bad.index * 3) >> 2,
      `not a base64 digit: ${JSON.stringify(bad[0])}`,
    );
  if (body.length % 4 === 1 || (padded && clean.length % 4 !== 0))
    throw new DecodeError(
      ErrorCode.BAD_LENGTH,
      (body.length * 3) >> 2,
      'base64 length is not a whole number of bytes',
    );
  const out = new Uint8Array((body.length * 3) >> 2);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const ch of body) {
    const c = ch === '-' ? '+' : ch === '_' ? '/' : ch;
    acc = ((acc << 6) | BASE64_VALUE.get(c)!) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0)
    throw new DecodeError(
      ErrorCode.NOT_BASE64,
      o,
      'base64 with non-zero bits after the last byte (not canonical)',
    );
  return out;
}

/** How a message was written: the two text encodings tools deliver GBCS messages in. */
export type MessageTextEncoding = 'hex' | 'base64';

/**
 * Bytes of one GBCS message written as hex (RTDS files, the DCC tools) or base64 (DUIS
 * `GBCSPayload`, DCC Boxed), told apart by the text itself: only hex digits (whitespace ignored) is
 * hex; otherwise base64 when it decodes to bytes that start as a GBCS message does (DD: MAC header
 * or GBT block, DF: grouping header — in base64 `3Q…`, `3w…`, never all hex digits, so no message
 * is ambiguous). Anything else is reported as the hex it most likely was meant to be.
 * @throws DecodeError as fromHex (NOT_HEX with the offending character's byte, EMPTY, BAD_LENGTH)
 */
export function messageBytes(text: string): { bytes: Uint8Array; encoding: MessageTextEncoding } {
  const clean = text.replace(/^\uFEFF/, '').replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(clean)) {
    let bytes: Uint8Array | null = null;
    try {
      bytes = fromBase64(clean);
    } catch {
      // not base64 either: reported as hex below
    }
    if (bytes && (bytes[0] === 0xdd || bytes[0] === 0xdf)) return { bytes, encoding: 'base64' };
  }
  return { bytes: fromHex(clean), encoding: 'hex' };
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** uint64 big-endian. */
export function u64be(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  putU64be(out, 0, value);
  return out;
}

/**
 * Writes uint64 big-endian at out[at..at+8) without a DataView or BigInt comparisons beyond one
 * `BigInt.asUintN` (the per-message Originator Counter).
 * @throws RangeError when `value` is not a uint64
 */
export function putU64be(out: Uint8Array, at: number, value: bigint): void {
  if (BigInt.asUintN(64, value) !== value) throw new RangeError(`not a uint64: ${value}`);
  const hi = Number(value >> 32n);
  const lo = Number(value & 0xffffffffn);
  out[at] = hi >>> 24;
  out[at + 1] = (hi >>> 16) & 0xff;
  out[at + 2] = (hi >>> 8) & 0xff;
  out[at + 3] = hi & 0xff;
  out[at + 4] = lo >>> 24;
  out[at + 5] = (lo >>> 16) & 0xff;
  out[at + 6] = (lo >>> 8) & 0xff;
  out[at + 7] = lo & 0xff;
}

export function u16be(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`not a uint16: ${value}`);
  return Uint8Array.of(value >> 8, value & 0xff);
}

/**
 * A cursor over bytes that throws `DecodeError` (with the absolute offset) instead of reading past
 * the end. `base` is the offset of `bytes[0]` in the outermost input, so nested readers report
 * positions a user can find in the original hex.
 */
export class ByteReader {
  pos = 0;
  readonly bytes: Uint8Array;
  readonly base: number;
  constructor(bytes: Uint8Array, base = 0) {
    this.bytes = bytes;
    this.base = base;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }
  /** Absolute offset of the next byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) {
      throw new DecodeError(
        ErrorCode.TRUNCATED,
        this.base + this.bytes.length,
        `truncated: ${what} needs ${n} byte(s) at offset ${this.offset}, ${this.remaining} left`,
      );
    }
  }

  u8(what = 'byte'): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }
  peek(): number | undefined {
    return this.bytes[this.pos];
  }
  u16(what = 'uint16'): number {
    this.need(2, what);
    const v = (this.bytes[this.pos]! << 8) | this.bytes[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u32(what = 'uint32'): number {
    this.need(4, what);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }
  u64(what = 'uint64'): bigint {
    this.need(8, what);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getBigUint64(0);
    this.pos += 8;
    return v;
  }
  take(n: number, what = 'field'): Uint8Array {
    this.need(n, what);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** Expect a specific byte; UNKNOWN_TAG otherwise. */
  expect(byte: number, what: string): void {
    const at = this.offset;
    const v = this.u8(what);
    if (v !== byte) {
      throw new DecodeError(
        ErrorCode.UNKNOWN_TAG,
        at,
        `${what}: expected 0x${byte.toString(16).padStart(2, '0')}, found 0x${v.toString(16).padStart(2, '0')}`,
      );
    }
  }
  end(what: string): void {
    if (this.remaining !== 0) {
      throw new DecodeError(ErrorCode.TRAILING_BYTES, this.offset, `${this.remaining} byte(s) after ${what}`);
    }
  }
}
