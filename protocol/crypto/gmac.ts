/**
 * GMAC: AES-128-GCM with an empty plaintext, i.e. the tag over AAD alone (NIST SP 800-38D §6.4,
 * §7.1 with P empty). This is the GBCS MAC (GBCS 6.2.3; kdf.ts `gbcsMac` truncates it to 12 bytes).
 *
 * ```
 * H   = E_K(0^128)            J0 = IV ‖ 00000001      (96-bit IV only, as in GBCS)
 * S   = GHASH_H(A ‖ 0^pad ‖ [len(A)]_64 ‖ [0]_64)
 * tag = E_K(J0) ⊕ S
 * ```
 *
 * Why not @noble/ciphers `gcm(key, iv, aad).encrypt(empty)`: every GBCS key is used for exactly
 * one message, and noble's GHASH builds 128 doublings plus a 256-entry table of objects per key
 * before hashing ~10–25 blocks, which dominated the per-message MAC (bench/crypto.bench.ts,
 * "noble (ciphers gcm)"). Here AES stays @noble/ciphers (key expansion and two block
 * encryptions through its `unsafe` block API); GHASH is Shoup's table method on 32-bit words with
 * tables small enough to build per key: two of 16 entries (n·H, n·H·x^4: one byte per step) for
 * the usual AAD, one of 256 entries once the AAD is long enough to repay its build (~32 blocks).
 * Measured against a table-free bit-by-bit multiply and a single 4-bit table (one nibble per step),
 * both slower for 150–400 bytes of AAD.
 * The tables live in the instance made by `createGmac`, reused call after call (no allocation but
 * the 16-byte tag and noble's 44-word key schedule).
 *
 * Timing: table lookups are indexed by data ⊕ state, as in noble's and OpenSSL's table GHASH
 * (not constant-time; a simulator's MAC keys are single-use and not a side-channel target).
 *
 * Pinned by the GBCS §18.4 vector, every RTDS MAC, and a property test against @noble/ciphers
 * `gcm` and node:crypto on random keys, IVs and AAD of 0–2000 bytes (test/protocol/crypto/gmac.test.ts).
 */
import { unsafe } from '@noble/ciphers/aes.js';
import { ErrorCode, GbcsError } from '../errors.ts';

/** `(key 16 bytes, iv 12 bytes, aad) → 16-byte tag` (a fresh array). @throws GbcsError MISUSE on other lengths */
export type Gmac = (key: Uint8Array, iv: Uint8Array, aad: Uint8Array) => Uint8Array;

/**
 * AAD length (bytes) from which the 256-entry table repays its build over the two 16-entry ones
 * (measured crossover ~32 blocks; GBCS commands of 150–400 bytes stay below it).
 */
const WIDE_TABLE_FROM = 512;

/**
 * The reduction constants of Shoup's method: for the `bits` low-order bits b shifted out of a
 * 128-bit value by one multiplication by x^bits, the word to XOR into the top 32 bits (all the
 * reduction lands there for bits ≤ 8). Computed, not transcribed: `bits` single-bit steps of
 * "shift right, XOR R = 11100001‖0^120 if the bit shifted out was 1" (SP 800-38D §6.3).
 */
function reductionTable(bits: number): Int32Array {
  const t = new Int32Array(1 << bits);
  for (let b = 0; b < t.length; b++) {
    let hi = 0;
    let lo = b;
    for (let k = 0; k < bits; k++) {
      const out = lo & 1;
      lo >>>= 1;
      hi = (hi >>> 1) ^ (-out & 0xe1000000);
    }
    t[b] = hi;
  }
  return t;
}
const R4 = reductionTable(4);
const R8 = reductionTable(8);

const be32 = (a: Uint8Array, i: number): number =>
  (a[i]! << 24) | (a[i + 1]! << 16) | (a[i + 2]! << 8) | a[i + 3]!;

/**
 * Shoup table of `bits`-bit windows into `t` (4 words per entry, big-endian word order): entry w
 * = w·H in GCM's bit order, where the window's most significant bit is the coefficient of x^0.
 * So entry 2^(bits−1) = H, each lower power of two is the previous one times x, and the other
 * entries are XORs of those.
 */
function buildTable(t: Int32Array, h: Uint8Array, bits: number): void {
  let v0 = be32(h, 0);
  let v1 = be32(h, 4);
  let v2 = be32(h, 8);
  let v3 = be32(h, 12);
  const n = 1 << bits;
  t[0] = 0;
  t[1] = 0;
  t[2] = 0;
  t[3] = 0;
  for (let i = n >>> 1; i > 0; i >>>= 1) {
    const o = i << 2;
    t[o] = v0;
    t[o + 1] = v1;
    t[o + 2] = v2;
    t[o + 3] = v3;
    // V·x: shift right one bit, reduce by R when a bit falls off the end.
    const out = v3 & 1;
    v3 = (v3 >>> 1) | (v2 << 31);
    v2 = (v2 >>> 1) | (v1 << 31);
    v1 = (v1 >>> 1) | (v0 << 31);
    v0 = (v0 >>> 1) ^ (-out & 0xe1000000);
  }
  for (let i = 2; i < n; i <<= 1) {
    const b = i << 2;
    for (let j = 1; j < i; j++) {
      const a = (i + j) << 2;
      const c = j << 2;
      t[a] = t[b]! ^ t[c]!;
      t[a + 1] = t[b + 1]! ^ t[c + 1]!;
      t[a + 2] = t[b + 2]! ^ t[c + 2]!;
      t[a + 3] = t[b + 3]! ^ t[c + 3]!;
    }
  }
}

/**
 * The second half of the 4-bit tables: entries 16..31 of `t` = entries 0..15 times x^4, so that a
 * byte (high nibble = lower degrees in GCM's bit order) is one 8-bit step with two lookups.
 */
function buildShiftedHalf(t: Int32Array): void {
  for (let a = 0; a < 64; a += 4) {
    const v3 = t[a + 3]!;
    const v2 = t[a + 2]!;
    const v1 = t[a + 1]!;
    const v0 = t[a]!;
    t[a + 67] = (v3 >>> 4) | (v2 << 28);
    t[a + 66] = (v2 >>> 4) | (v1 << 28);
    t[a + 65] = (v1 >>> 4) | (v0 << 28);
    t[a + 64] = (v0 >>> 4) ^ R4[v3 & 0xf]!;
  }
}

/**
 * GHASH of the whole 16-byte blocks src[start..end) into the state `s` (4 words): Y = (Y ⊕ X)·H
 * per block, the product taken a byte at a time from the last (highest-degree) byte, Horner-wise
 * (Y·x^8, reduced through R8, then ⊕ the byte's multiple of H). Two 16-entry tables (n·H and
 * n·H·x^4, `buildTable(…, 4)` + `buildShiftedHalf`): cheap to build for a single-use key.
 */
function absorbNibbles(s: Int32Array, t: Int32Array, src: Uint8Array, start: number, end: number): void {
  let z0 = s[0]!;
  let z1 = s[1]!;
  let z2 = s[2]!;
  let z3 = s[3]!;
  for (let o = start; o < end; o += 16) {
    const x0 = z0 ^ be32(src, o);
    const x1 = z1 ^ be32(src, o + 4);
    const x2 = z2 ^ be32(src, o + 8);
    const x3 = z3 ^ be32(src, o + 12);
    z0 = 0;
    z1 = 0;
    z2 = 0;
    z3 = 0;
    for (let w = 3; w >= 0; w--) {
      const x = w === 3 ? x3 : w === 2 ? x2 : w === 1 ? x1 : x0;
      for (let sh = 0; sh < 32; sh += 8) {
        const hi = ((x >>> (sh + 4)) & 0xf) << 2;
        const lo = 64 + (((x >>> sh) & 0xf) << 2);
        const rem = z3 & 0xff;
        z3 = ((z3 >>> 8) | (z2 << 24)) ^ t[hi + 3]! ^ t[lo + 3]!;
        z2 = ((z2 >>> 8) | (z1 << 24)) ^ t[hi + 2]! ^ t[lo + 2]!;
        z1 = ((z1 >>> 8) | (z0 << 24)) ^ t[hi + 1]! ^ t[lo + 1]!;
        z0 = (z0 >>> 8) ^ R8[rem]! ^ t[hi]! ^ t[lo]!;
      }
    }
  }
  s[0] = z0;
  s[1] = z1;
  s[2] = z2;
  s[3] = z3;
}

/** As `absorbNibbles` with one 256-entry table (n·H for every byte n): dearer to build, faster per block. */
function absorb8(s: Int32Array, t: Int32Array, src: Uint8Array, start: number, end: number): void {
  let z0 = s[0]!;
  let z1 = s[1]!;
  let z2 = s[2]!;
  let z3 = s[3]!;
  for (let o = start; o < end; o += 16) {
    const x0 = z0 ^ be32(src, o);
    const x1 = z1 ^ be32(src, o + 4);
    const x2 = z2 ^ be32(src, o + 8);
    const x3 = z3 ^ be32(src, o + 12);
    z0 = 0;
    z1 = 0;
    z2 = 0;
    z3 = 0;
    for (let w = 3; w >= 0; w--) {
      const x = w === 3 ? x3 : w === 2 ? x2 : w === 1 ? x1 : x0;
      for (let sh = 0; sh < 32; sh += 8) {
        const i = ((x >>> sh) & 0xff) << 2;
        const rem = z3 & 0xff;
        z3 = ((z3 >>> 8) | (z2 << 24)) ^ t[i + 3]!;
        z2 = ((z2 >>> 8) | (z1 << 24)) ^ t[i + 2]!;
        z1 = ((z1 >>> 8) | (z0 << 24)) ^ t[i + 1]!;
        z0 = (z0 >>> 8) ^ R8[rem]! ^ t[i]!;
      }
    }
  }
  s[0] = z0;
  s[1] = z1;
  s[2] = z2;
  s[3] = z3;
}

/**
 * A GMAC function with its own scratch tables (synchronous, so one instance serves any number of
 * callers; each back-end instance makes one).
 */
export function createGmac(): Gmac {
  const table = new Int32Array(256 * 4);
  const state = new Int32Array(4);
  // The last partial AAD block (zero-padded) and the length block.
  const tail = new Uint8Array(32);
  // AES block buffers (16-byte aligned: fresh ArrayBuffers), encrypted in place.
  const hBlock = new Uint8Array(16);
  const jBlock = new Uint8Array(16);
  return (key, iv, aad) => {
    if (key.length !== 16 || iv.length !== 12) {
      throw new GbcsError(
        ErrorCode.MISUSE,
        `GMAC needs a 16-byte key and a 12-byte IV, got ${key.length} and ${iv.length}`,
      );
    }
    const xk = unsafe.expandKeyLE(key);
    hBlock.fill(0);
    unsafe.encryptBlock(xk, hBlock);
    jBlock.set(iv);
    jBlock[12] = 0;
    jBlock[13] = 0;
    jBlock[14] = 0;
    jBlock[15] = 1;
    unsafe.encryptBlock(xk, jBlock);
    xk.fill(0);

    const wide = aad.length >= WIDE_TABLE_FROM;
    const absorb = wide ? absorb8 : absorbNibbles;
    if (wide) buildTable(table, hBlock, 8);
    else {
      buildTable(table, hBlock, 4);
      buildShiftedHalf(table);
    }
    state.fill(0);
    const len = aad.length;
    const whole = len & ~15;
    absorb(state, table, aad, 0, whole);
    tail.fill(0);
    let n = 16;
    if (len > whole) {
      tail.set(aad.subarray(whole));
      n = 32;
    }
    // [len(A)]_64 in bits ‖ [len(C)]_64 = 0.
    const bits = len * 8;
    const hi = Math.floor(bits / 0x1_0000_0000);
    const lo = bits >>> 0;
    const l = n - 16;
    tail[l] = hi >>> 24;
    tail[l + 1] = hi >>> 16;
    tail[l + 2] = hi >>> 8;
    tail[l + 3] = hi;
    tail[l + 4] = lo >>> 24;
    tail[l + 5] = lo >>> 16;
    tail[l + 6] = lo >>> 8;
    tail[l + 7] = lo;
    absorb(state, table, tail, 0, n);

    const tag = new Uint8Array(16);
    for (let i = 0; i < 4; i++) {
      const w = state[i]!;
      const o = i << 2;
      tag[o] = jBlock[o]! ^ (w >>> 24);
      tag[o + 1] = jBlock[o + 1]! ^ ((w >>> 16) & 0xff);
      tag[o + 2] = jBlock[o + 2]! ^ ((w >>> 8) & 0xff);
      tag[o + 3] = jBlock[o + 3]! ^ (w & 0xff);
    }
    return tag;
  };
}
