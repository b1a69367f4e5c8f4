/**
 * The few raw-DER operations the SMKI code needs beside @peculiar/asn1-schema: slicing a signed
 * structure (Certificate, CertificationRequest) into the exact bytes that were signed, and converting
 * ECDSA signatures between the X.509 encoding (DER `ECDSA-Sig-Value`, RFC 5480 / RFC 3279 §2.2.3) and
 * the GBCS wire encoding (64-byte r‖s, GBCS 4.3.2.x) that `GbcsCrypto` uses.
 */
import { readBerLength } from '../../protocol/ber.ts';
import { ByteReader, concatBytes } from '../../protocol/bytes.ts';
import { DecodeError } from '../../protocol/errors.ts';

/** One TLV: its tag, the whole encoding and its contents. */
export interface Tlv {
  tag: number;
  /** Identifier, length and contents. */
  raw: Uint8Array;
  value: Uint8Array;
}

function readTlv(r: ByteReader, what: string): Tlv {
  const start = r.pos;
  const tag = r.u8(what);
  if ((tag & 0x1f) === 0x1f) throw new DecodeError('UNKNOWN_TAG', r.offset - 1, `${what}: multi-byte tag`);
  const len = readBerLength(r, what);
  const value = r.take(len, what);
  return { tag, raw: r.bytes.subarray(start, r.pos), value };
}

/** The TLVs of `bytes`, which must be nothing but whole TLVs. @throws DecodeError */
export function readTlvs(bytes: Uint8Array, what: string): Tlv[] {
  const r = new ByteReader(bytes);
  const out: Tlv[] = [];
  while (r.remaining > 0) out.push(readTlv(r, what));
  return out;
}

/** Exactly one TLV spanning `bytes`. @throws DecodeError (trailing bytes included) */
export function readOneTlv(bytes: Uint8Array, what: string): Tlv {
  const r = new ByteReader(bytes);
  const t = readTlv(r, what);
  r.end(what);
  return t;
}

/**
 * A signed structure `SEQUENCE { toBeSigned, signatureAlgorithm, signature BIT STRING }`
 * (X.509 Certificate, PKCS#10 CertificationRequest): the exact signed bytes and the signature.
 * @throws DecodeError when the outer shape is not three TLVs with a BIT STRING last
 */
export function splitSigned(
  der: Uint8Array,
  what: string,
): { toBeSigned: Uint8Array; signature: Uint8Array } {
  const outer = readOneTlv(der, what);
  if (outer.tag !== 0x30) throw new DecodeError('UNKNOWN_TAG', 0, `${what} is not a SEQUENCE`);
  const parts = readTlvs(outer.value, what);
  const [tbs, , sig] = parts;
  if (parts.length !== 3 || !tbs || !sig || tbs.tag !== 0x30 || sig.tag !== 0x03)
    throw new DecodeError('BAD_VALUE', 0, `${what} is not SEQUENCE { tbs, algorithm, BIT STRING }`);
  if (sig.value[0] !== 0) throw new DecodeError('BAD_VALUE', 0, `${what} signature has unused bits`);
  return { toBeSigned: tbs.raw, signature: sig.value.subarray(1) };
}

function integerBytes(n: Uint8Array): Uint8Array {
  let i = 0;
  while (i < n.length - 1 && n[i] === 0) i++;
  const v = n.subarray(i);
  return (v[0]! & 0x80) !== 0 ? concatBytes(Uint8Array.of(0), v) : v;
}

function derLength(n: number): Uint8Array {
  return n < 0x80 ? Uint8Array.of(n) : Uint8Array.of(0x81, n);
}

/** DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` of a 64-byte r‖s. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length !== 64) throw new RangeError(`r‖s signature has ${raw.length} bytes, expected 64`);
  const r = integerBytes(raw.subarray(0, 32));
  const s = integerBytes(raw.subarray(32));
  const body = concatBytes(
    Uint8Array.of(0x02),
    derLength(r.length),
    r,
    Uint8Array.of(0x02),
    derLength(s.length),
    s,
  );
  return concatBytes(Uint8Array.of(0x30), derLength(body.length), body);
}

/**
 * 64-byte r‖s of a DER `ECDSA-Sig-Value`, or null when it is not SEQUENCE { INTEGER, INTEGER } with
 * two positive integers of at most 32 significant bytes. Superfluous leading zero octets are accepted
 * (some RTDS 4.5.0 device certificates have them, e.g. keystore `00db123456789023-ka.pem`);
 * `ecdsaSignatureIsMinimal` tells them apart.
 */
export function ecdsaDerToRaw(der: Uint8Array): Uint8Array | null {
  try {
    const seq = readOneTlv(der, 'ECDSA-Sig-Value');
    if (seq.tag !== 0x30) return null;
    const ints = readTlvs(seq.value, 'ECDSA-Sig-Value');
    if (ints.length !== 2) return null;
    const out = new Uint8Array(64);
    for (let k = 0; k < 2; k++) {
      const t = ints[k]!;
      const v = t.value;
      if (t.tag !== 0x02 || v.length === 0 || (v[0]! & 0x80) !== 0) return null;
      let mag = v;
      while (mag.length > 1 && mag[0] === 0) mag = mag.subarray(1);
      if (mag.length > 32) return null;
      out.set(mag, k * 32 + 32 - mag.length);
    }
    return out;
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}

/** Whether both INTEGERs of a parseable DER `ECDSA-Sig-Value` are minimally encoded (X.690 §8.3.2). */
export function ecdsaSignatureIsMinimal(der: Uint8Array): boolean {
  try {
    const seq = readOneTlv(der, 'ECDSA-Sig-Value');
    return readTlvs(seq.value, 'ECDSA-Sig-Value').every(
      (t) => !(t.value.length > 1 && t.value[0] === 0 && (t.value[1]! & 0x80) === 0),
    );
  } catch {
    return false;
  }
}
