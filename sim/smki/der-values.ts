/**
 * DER encodings of the small values in SMKI certificate extensions and names (X.690 §8.19 OIDs,
 * named-bit BIT STRINGs with trailing zero bits removed, X.690 §11.2.2). The TLV writer is the
 * project's protocol/asn1/der.ts.
 */

import { DerTag, derConstructed, derTlv } from '../../protocol/asn1/der.ts';
import { concatBytes } from '../../protocol/bytes.ts';

/** DER OBJECT IDENTIFIER of a dotted string. @throws RangeError when it is not a valid OID */
export function derOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new RangeError(`not an OID: ${oid}`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2n || (arcs[0]! < 2n && arcs[1]! > 39n))
    throw new RangeError(`not an OID: ${oid}`);
  const out: number[] = [];
  const push = (v: bigint) => {
    const bytes: number[] = [Number(v & 0x7fn)];
    for (let x = v >> 7n; x > 0n; x >>= 7n) bytes.unshift(Number(x & 0x7fn) | 0x80);
    out.push(...bytes);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return derTlv(DerTag.OID, Uint8Array.from(out));
}

/** Dotted string of the contents of an OBJECT IDENTIFIER, or null when malformed. */
export function oidOfContents(v: Uint8Array): string | null {
  if (v.length === 0 || (v[v.length - 1]! & 0x80) !== 0) return null;
  const arcs: bigint[] = [];
  let x = 0n;
  let start = true;
  for (const b of v) {
    if (start && b === 0x80) return null; // non-minimal
    x = (x << 7n) | BigInt(b & 0x7f);
    start = (b & 0x80) === 0;
    if (start) {
      arcs.push(x);
      x = 0n;
    }
  }
  const first = arcs.shift()!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs].join('.');
}

/** KeyUsage bit numbers (RFC 5280 §4.2.1.3). */
export const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;
export type KeyUsageName = keyof typeof KeyUsageBit;

/** DER BIT STRING of a named-bit list (trailing zero bits removed): e.g. [digitalSignature] → 03 02 07 80. */
export function derKeyUsage(names: readonly KeyUsageName[]): Uint8Array {
  const bits = names.map((n) => KeyUsageBit[n]);
  if (bits.length === 0) return Uint8Array.of(0x03, 0x01, 0x00);
  const last = Math.max(...bits);
  const bytes = new Uint8Array((last >> 3) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  const unused = 7 - (last & 7);
  return derTlv(DerTag.BIT_STRING, concatBytes(Uint8Array.of(unused), bytes));
}

/**
 * The named bits of a KeyUsage BIT STRING's contents, or null when the contents are not a valid DER
 * named-bit list (unused-bit count > 7, set unused bits, or trailing zero bits not removed).
 */
export function keyUsageNames(contents: Uint8Array): KeyUsageName[] | null {
  const unused = contents[0];
  if (unused === undefined || unused > 7) return null;
  const bytes = contents.subarray(1);
  if (bytes.length === 0) return unused === 0 ? [] : null;
  const lastByte = bytes[bytes.length - 1]!;
  if ((lastByte & ((1 << unused) - 1)) !== 0) return null;
  if ((lastByte & (1 << unused)) === 0) return null; // DER: the last bit before the unused ones is set
  const out: KeyUsageName[] = [];
  for (const [name, bit] of Object.entries(KeyUsageBit)) {
    const byte = bytes[bit >> 3];
    if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) out.push(name as KeyUsageName);
  }
  const known = out.length;
  let total = 0;
  for (const b of bytes) for (let x = b; x; x &= x - 1) total++;
  return total === known ? out : null;
}

export const derSequence = (...children: Uint8Array[]): Uint8Array =>
  derConstructed(DerTag.SEQUENCE, ...children);
export const derOctetString = (v: Uint8Array): Uint8Array => derTlv(DerTag.OCTET_STRING, v);
/** BIT STRING with no unused bits. */
export const derBitString = (v: Uint8Array): Uint8Array =>
  derTlv(DerTag.BIT_STRING, concatBytes(Uint8Array.of(0), v));
export const derBoolean = (v: boolean): Uint8Array => derTlv(DerTag.BOOLEAN, Uint8Array.of(v ? 0xff : 0));
