/**
 * The Contingency Public Key carried, wrapped, in the Root OCA certificate (SEC glossary "Contingency
 * Public Key"; smki-recovery-ch-domain.md §2.1): extension id-pe-wrappedApexContinKey
 * (1.3.6.1.5.5.7.1.20, RFC 5934 §4.2.2), non-critical:
 *
 *   ApexContingencyKey ::= SEQUENCE { wrapAlgorithm AlgorithmIdentifier, wrappedContinPubKey OCTET STRING }
 *
 * The wrapped value is the DER SubjectPublicKeyInfo of the contingency key, wrapped under the
 * Contingency Symmetric Key. GBCS's choice of wrap algorithm is not public: gbcs-sim uses AES-128 key
 * wrap with padding (RFC 5649, id-aes128-wrap-pad) — an assumption, documented in the README. A
 * device recovers the key when CS02b anyByContingency brings the `plaintextSymmetricKey`.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { DecodeError } from '../../protocol/errors.ts';
import type { ExtensionSpec } from './certificate.ts';
import { subjectPublicKeyInfo } from './certificate.ts';
import { derOctetString, derOid, derSequence, oidOfContents } from './der-values.ts';
import { OID_AES128_WRAP_PAD, OID_WRAPPED_APEX_CONTINGENCY_KEY } from './oids.ts';
import { readOneTlv, readTlvs } from './tlv.ts';

/** RFC 5649 alternative initial value. */
const AIV = Buffer.from('a65959a6', 'hex');

/** Wraps the contingency public key (65-byte point) under the 16-byte symmetric key. */
export function wrapContingencyPublicKey(point: Uint8Array, symmetricKey: Uint8Array): Uint8Array {
  if (symmetricKey.length !== 16) throw new RangeError('the Contingency Symmetric Key is 16 bytes (AES-128)');
  const c = createCipheriv('id-aes128-wrap-pad', symmetricKey, AIV);
  return new Uint8Array(Buffer.concat([c.update(subjectPublicKeyInfo(point)), c.final()]));
}

/**
 * The contingency public key (65-byte point) unwrapped with `symmetricKey`, or null when the key is
 * wrong (RFC 5649 integrity check) or the content is not a P-256 SubjectPublicKeyInfo.
 */
export function unwrapContingencyPublicKey(wrapped: Uint8Array, symmetricKey: Uint8Array): Uint8Array | null {
  if (symmetricKey.length !== 16) return null;
  let spki: Buffer;
  try {
    const d = createDecipheriv('id-aes128-wrap-pad', symmetricKey, AIV);
    spki = Buffer.concat([d.update(wrapped), d.final()]);
  } catch {
    return null;
  }
  // 26 bytes of SEQUENCE { id-ecPublicKey, prime256v1 } and BIT STRING header, then 04‖X‖Y.
  const prefix = subjectPublicKeyInfo(new Uint8Array(65)).subarray(0, 26);
  const u = new Uint8Array(spki);
  if (u.length !== 91 || !prefix.every((b, i) => u[i] === b) || u[26] !== 4) return null;
  return u.slice(26);
}

/** The extension value (DER ApexContingencyKey). */
export function encodeApexContingencyKey(wrapped: Uint8Array): Uint8Array {
  return derSequence(derSequence(derOid(OID_AES128_WRAP_PAD)), derOctetString(wrapped));
}

/** The wrapped key of an ApexContingencyKey. @throws DecodeError when malformed */
export function decodeApexContingencyKey(value: Uint8Array): { wrapAlgorithm: string; wrapped: Uint8Array } {
  const seq = readOneTlv(value, 'ApexContingencyKey');
  const [alg, wrapped, ...rest] = seq.tag === 0x30 ? readTlvs(seq.value, 'ApexContingencyKey') : [];
  const [oid] = alg?.tag === 0x30 ? readTlvs(alg.value, 'wrapAlgorithm') : [];
  if (oid?.tag !== 0x06 || !wrapped || wrapped.tag !== 0x04 || rest.length > 0)
    throw new DecodeError(
      'BAD_VALUE',
      0,
      'ApexContingencyKey is not SEQUENCE { AlgorithmIdentifier, OCTET STRING }',
    );
  return { wrapAlgorithm: oidOfContents(oid.value) ?? '?', wrapped: wrapped.value };
}

export const wrappedApexContingencyKeyExtension = (wrapped: Uint8Array): ExtensionSpec => ({
  oid: OID_WRAPPED_APEX_CONTINGENCY_KEY,
  critical: false,
  value: encodeApexContingencyKey(wrapped),
});
