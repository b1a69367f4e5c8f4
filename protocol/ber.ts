/**
 * BER/A-XDR length octets as GBCS uses them (DLMS Green Book; gbcs-wire-and-security.md §2.0):
 * `00–7F` short form, `81 LL`, `82 LLLL`, `83 LLLLLL`. Encoding is always the minimal form.
 */
import type { ByteReader } from './bytes.ts';
import { DecodeError, ErrorCode } from './errors.ts';

/** Largest length accepted on decode: 16 MiB, far above any GBCS message (GBT limits blocks to 1200 B). */
export const MAX_BER_LENGTH = 0xffffff;

export function encodeBerLength(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > MAX_BER_LENGTH)
    throw new RangeError(`BER length out of range: ${n}`);
  if (n < 0x80) return Uint8Array.of(n);
  if (n <= 0xff) return Uint8Array.of(0x81, n);
  if (n <= 0xffff) return Uint8Array.of(0x82, n >> 8, n & 0xff);
  return Uint8Array.of(0x83, n >> 16, (n >> 8) & 0xff, n & 0xff);
}

/**
 * Reads a BER length. Non-minimal long forms (`81 05`) are rejected with BAD_LENGTH so that every
 * accepted message re-encodes byte for byte; no RTDS message uses one.
 * @throws DecodeError TRUNCATED, BAD_LENGTH (indefinite form 0x80, more than 3 length octets, non-minimal)
 */
export function readBerLength(r: ByteReader, what = 'length'): number {
  const at = r.offset;
  const first = r.u8(what);
  if (first < 0x80) return first;
  const count = first & 0x7f;
  if (count === 0 || count > 3) {
    throw new DecodeError(
      ErrorCode.BAD_LENGTH,
      at,
      `${what}: unsupported BER length form 0x${first.toString(16)}`,
    );
  }
  let n = 0;
  for (let i = 0; i < count; i++) n = n * 256 + r.u8(what);
  const minimal = n < 0x80 ? 0 : n <= 0xff ? 1 : n <= 0xffff ? 2 : 3;
  if (minimal !== count) {
    throw new DecodeError(
      ErrorCode.BAD_LENGTH,
      at,
      `${what}: non-minimal BER length (${count} octets for ${n})`,
    );
  }
  return n;
}
