/**
 * CRC-16/CCITT-FALSE (a.k.a. CRC-16/IBM-3740 in the Williams/Greg Cook catalogue): polynomial
 * 0x1021, initial value 0xFFFF, no input or output reflection, no final XOR. Check value: the ASCII
 * bytes "123456789" give 0x29B1 (pinned by a test). Used by the binary framing (hw/framing/binary.ts).
 *
 * The register update is linear over GF(2): feeding n zero bytes multiplies the register by
 * x^(8n) mod P, and the CRC of a concatenation splits into independent parts. So with running
 * values Q[i+1] = crc16CcittFalse(bytes, i, i+1, Q[i]) from any start value, the CRC of any range
 * is `crc16OfRange(Q[s], Q[e], e − s)` in constant time (`crc16Shift`): a decoder that keeps Q
 * beside its buffer checks any number of overlapping candidate frames without re-reading their bytes.
 */

const POLY = 0x1021;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ POLY) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** CRC of `bytes[start..end)`, continuing from `crc` (default the initial value 0xFFFF). 0..0xFFFF. */
export function crc16CcittFalse(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0xffff): number {
  let c = crc;
  for (let i = start; i < end; i++) c = ((c << 8) & 0xffff) ^ TABLE[((c >> 8) ^ bytes[i]!) & 0xff]!;
  return c;
}

/** a·b mod P over GF(2), both 16-bit residues. */
function mulMod(a: number, b: number): number {
  let r = 0;
  let x = a;
  for (let bit = 0; bit < 16; bit++) {
    if (b & (1 << bit)) r ^= x;
    x = x & 0x8000 ? ((x << 1) ^ POLY) & 0xffff : (x << 1) & 0xffff;
  }
  return r;
}

/** x^(8n) mod P for n = 0…, grown on demand (2 bytes per entry; at most 65,544 entries for 64 KiB frames). */
const POW: number[] = [1];

/**
 * The register after feeding `n` zero bytes to register value `crc` (= crc·x^(8n) mod P).
 * Constant time once x^(8n) is tabled. @throws RangeError for n outside 0..1,048,576
 */
export function crc16Shift(crc: number, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 1 << 20) throw new RangeError(`crc16Shift: n = ${n}`);
  while (POW.length <= n) POW.push(mulMod(POW[POW.length - 1]!, 0x0100));
  return mulMod(crc, POW[n]!);
}

/**
 * CRC-16/CCITT-FALSE (init 0xFFFF) of the `n` bytes between two running register values: `qStart`
 * before them and `qEnd` after them, both from the same running sequence (see above).
 */
export function crc16OfRange(qStart: number, qEnd: number, n: number): number {
  return qEnd ^ crc16Shift(qStart ^ 0xffff, n);
}

/**
 * Running register values over `bytes[from..to)`: `q[i + 1]` = the register after byte i, from
 * `q[from]` (whatever it holds). `q` is as long as `bytes` plus one.
 */
export function crc16Running(bytes: Uint8Array, from: number, to: number, q: Uint16Array): void {
  let c = q[from]!;
  for (let i = from; i < to; i++) {
    c = ((c << 8) & 0xffff) ^ TABLE[((c >> 8) ^ bytes[i]!) & 0xff]!;
    q[i + 1] = c;
  }
}
