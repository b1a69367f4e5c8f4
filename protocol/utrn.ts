/**
 * Prepayment top-up: UTRN, PTUT and PPTD (GBCS §14; gbcs-wire-and-security.md §3.5; pinned by the
 * gbcs-parser UTRN vectors in ../shared/vectors/smartdcc-gbcs-parser.unit-vectors.json).
 *
 * ```
 * PTUT high dword = lead+subclass (7 bits, 0) ‖ counter bits 41..32 (10 bits) ‖ valueClass (2 bits:
 *                   00 pennies, 01 pounds) ‖ value (13 bits, 0..8191)
 * K    = KDF(Z, OtherInfo(supplier, CRA 01, counter, device))   Z = ECDH(Supplier prepayment KA, device KA)
 * AAD  = 11 00000000 00 ‖ supplierID ‖ deviceID ‖ 01 ‖ counter(8) ‖ PTUT high dword(4)
 * tag  = AES-128-GCM(K, IV = supplierID ‖ 00000000, empty, AAD), 16 bytes
 * PTUT low dword = tag[12..16];  PTUT = high ‖ low (64 bits)
 * PPTD = 7394156990786306048 + PTUT (19 decimal digits)
 * UTRN = PPTD ‖ check digit (GBCS 14.8 Verhoeff variant, tables 14.8a–c)
 * ```
 * The Supplier's counter for top-ups has its 32 low bits zero: only bits 41..32 travel in the PTUT,
 * the device rebuilds the rest from its own record (`utrnCounterAbove`).
 */

import { concatBytes, fromHex, u64be } from './bytes.ts';
import { type GbcsCrypto, gcmIv } from './crypto/index.ts';
import { DecodeError, ErrorCode } from './errors.ts';
import { messageKey } from './security/protect.ts';
import { type Eui64, KdfPurpose } from './types.ts';

/** PPTD = PPTD_BASE + PTUT. */
export const PPTD_BASE = 7394156990786306048n;

/** PTUT value class: the unit of `value`. */
export const PtutValueClass = { PENNIES: 0, POUNDS: 1 } as const;

export const UTRN_LENGTH = 20;
/** Largest PTUT value (13 bits). */
export const MAX_PTUT_VALUE = 8191;
const LOW32 = (1n << 32n) - 1n;

/** GBCS table 14.8a: permutation P[position mod 8][digit]. */
const P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
] as const;
/** GBCS table 14.8b: multiplication in the dihedral group D5. */
const D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
] as const;
/** GBCS table 14.8c: the final mapping (not the inverse table of textbook Verhoeff). */
const I = [1, 2, 6, 7, 5, 8, 3, 0, 9, 4] as const;

/**
 * The GBCS 14.8 check digit of a string of decimal digits: digits are read left to right, the
 * permutation row starting at 4.
 * @throws RangeError when `digits` is empty or has a non-digit
 */
export function utrnCheckDigit(digits: string): number {
  if (!/^[0-9]+$/.test(digits))
    throw new RangeError(`not a string of decimal digits: ${JSON.stringify(digits)}`);
  let c = 0;
  let k = 4;
  for (const ch of digits) {
    c = D[c]![P[k]![Number(ch)]!]!;
    k = (k + 1) % 8;
  }
  return I[c]!;
}

export interface PtutHigh {
  /** Bits 41..32 of the top-up counter (0..1023). */
  truncatedCounter: number;
  /** 0 pennies, 1 pounds (2 bits). */
  valueClass: number;
  /** 0..8191. */
  value: number;
}

/** The PTUT high dword (uint32). @throws RangeError for out-of-range fields */
export function encodePtutHigh(h: PtutHigh): number {
  const { truncatedCounter: t, valueClass: c, value: v } = h;
  if (!Number.isInteger(t) || t < 0 || t > 1023)
    throw new RangeError(`truncated counter ${t} is not 0..1023`);
  if (!Number.isInteger(c) || c < 0 || c > 3) throw new RangeError(`value class ${c} is not 0..3`);
  if (!Number.isInteger(v) || v < 0 || v > MAX_PTUT_VALUE)
    throw new RangeError(`value ${v} is not 0..${MAX_PTUT_VALUE}`);
  return ((t << 15) | (c << 13) | v) >>> 0;
}

/** Splits a PTUT high dword. @throws DecodeError BAD_VALUE when the lead/sub-class bits are not zero */
export function decodePtutHigh(high: number): PtutHigh {
  if (high >>> 25 !== 0)
    throw new DecodeError(ErrorCode.BAD_VALUE, 0, 'PTUT lead/sub-class bits are not zero');
  return { truncatedCounter: (high >>> 15) & 0x3ff, valueClass: (high >>> 13) & 0x3, value: high & 0x1fff };
}

/** The 35-byte AAD of the UTRN GMAC. */
export function utrnAad(supplierId: Eui64, deviceId: Eui64, counter: bigint, ptutHigh: number): Uint8Array {
  const high = Uint8Array.of(
    ptutHigh >>> 24,
    (ptutHigh >>> 16) & 0xff,
    (ptutHigh >>> 8) & 0xff,
    ptutHigh & 0xff,
  );
  return concatBytes(
    Uint8Array.of(0x11, 0, 0, 0, 0, 0),
    fromHex(supplierId),
    fromHex(deviceId),
    Uint8Array.of(0x01),
    u64be(counter),
    high,
  );
}

export interface UtrnParties {
  crypto: GbcsCrypto;
  /** ECDH shared secret of the Supplier's prepayment-top-up KA key and the device's KA key. */
  z: Uint8Array;
  supplierId: Eui64;
  deviceId: Eui64;
}

/** The PTUT low dword: the last 4 bytes of the 16-byte GMAC tag. */
export function ptutLow(p: UtrnParties, counter: bigint, high: number): number {
  const key = messageKey(p.crypto, p.z, {
    originator: p.supplierId,
    purpose: KdfPurpose.COMMAND,
    counter,
    recipient: p.deviceId,
  });
  const tag = p.crypto.gcmEncrypt(
    key,
    gcmIv(p.supplierId),
    new Uint8Array(0),
    utrnAad(p.supplierId, p.deviceId, counter, high),
  );
  const t = tag.subarray(tag.length - 4);
  return ((t[0]! << 24) | (t[1]! << 16) | (t[2]! << 8) | t[3]!) >>> 0;
}

export interface GeneratedUtrn {
  ptut: bigint;
  pptd: bigint;
  /** 20 decimal digits. */
  utrn: string;
}

/**
 * Generates a UTRN (the Supplier side).
 * @param counter the Supplier's top-up counter: bits 41..32 travel in the PTUT, bits 31..0 must be zero
 * @throws RangeError for a counter with low bits set or out-of-range value fields
 */
export function generateUtrn(
  p: UtrnParties,
  t: { counter: bigint; value: number; valueClass?: number },
): GeneratedUtrn {
  if (t.counter < 0n || t.counter >= 1n << 64n) throw new RangeError('counter is not a uint64');
  if ((t.counter & LOW32) !== 0n) throw new RangeError('a top-up counter has its 32 low bits zero (GBCS 14)');
  const high = encodePtutHigh({
    truncatedCounter: Number((t.counter >> 32n) & 0x3ffn),
    valueClass: t.valueClass ?? PtutValueClass.PENNIES,
    value: t.value,
  });
  const ptut = (BigInt(high) << 32n) | BigInt(ptutLow(p, t.counter, high));
  const pptd = PPTD_BASE + ptut;
  const digits = pptd.toString();
  return { ptut, pptd, utrn: `${digits}${utrnCheckDigit(digits)}` };
}

export interface ParsedUtrn extends PtutHigh {
  pptd: bigint;
  ptut: bigint;
  high: number;
  low: number;
}

/**
 * Reads a UTRN: 20 decimal digits, GBCS check digit, PTUT structure.
 * @throws DecodeError BAD_LENGTH (not 20 characters), BAD_VALUE (non-digit, wrong check digit, a
 *   PPTD outside the PTUT range, lead/sub-class bits not zero)
 */
export function parseUtrn(utrn: string): ParsedUtrn {
  if (utrn.length !== UTRN_LENGTH)
    throw new DecodeError(ErrorCode.BAD_LENGTH, 0, `a UTRN has ${UTRN_LENGTH} digits`);
  const bad = utrn.search(/[^0-9]/);
  if (bad >= 0) throw new DecodeError(ErrorCode.BAD_VALUE, bad, 'a UTRN has decimal digits only');
  const digits = utrn.slice(0, UTRN_LENGTH - 1);
  if (utrnCheckDigit(digits) !== Number(utrn[UTRN_LENGTH - 1])) {
    throw new DecodeError(ErrorCode.BAD_VALUE, UTRN_LENGTH - 1, 'UTRN check digit does not match');
  }
  const pptd = BigInt(digits);
  const ptut = pptd - PPTD_BASE;
  if (ptut < 0n || ptut >= 1n << 64n)
    throw new DecodeError(ErrorCode.BAD_VALUE, 0, 'PPTD outside the PTUT range');
  const high = Number(ptut >> 32n);
  const low = Number(ptut & LOW32);
  return { pptd, ptut, high, low, ...decodePtutHigh(high) };
}

/**
 * The full top-up counter a device reads from a PTUT's 10 counter bits: the smallest counter above
 * `floor` whose bits 41..32 are `truncatedCounter` and bits 31..0 zero.
 */
export function utrnCounterAbove(truncatedCounter: number, floor: bigint): bigint {
  const span = 1n << 42n;
  let c = (floor & ~(span - 1n)) | (BigInt(truncatedCounter & 0x3ff) << 32n);
  if (c <= floor) c += span;
  return c;
}

/** Whether the PTUT's low dword is the GMAC of its high dword for `counter` (the device side). */
export function verifyPtutMac(p: UtrnParties, parsed: ParsedUtrn, counter: bigint): boolean {
  return ptutLow(p, counter, parsed.high) === parsed.low;
}

/** The top-up amount in pence. */
export function utrnValuePence(h: PtutHigh): number {
  return h.valueClass === PtutValueClass.POUNDS ? h.value * 100 : h.value;
}
