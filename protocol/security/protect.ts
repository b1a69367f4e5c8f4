/**
 * The one place that assembles KDF → GMAC / AES-GCM for a GBCS message (GBCS 6.2.3, 7.2.8;
 * gbcs-wire-and-security.md §3): the device pipeline (verify a command's MAC, MAC a response or an
 * alert, encrypt a sensitive part), the head-end (MAC a command as the ACB), `decode` and the
 * verifier (protocol/security/verify.ts) all go through these functions.
 *
 * - MAC: key = KDF(Z, otherInfo(originator, CRA flag, Originator Counter, recipient)), IV = the
 *   originator's EUI ‖ 0…, tag = GMAC over the MAC header's AAD (`macAadFor`), 12 bytes.
 * - Encrypted part: key = KDF(Z, otherInfo(originator, purpose 04, counter, recipient)), the same IV;
 *   recipient and counter are the supplementary ones when present (`encryptionParties`).
 * `Z` is the static ECDH shared secret of the key pair (the caller finds it, cached).
 */
import { concatBytes, equalBytes } from '../bytes.ts';
import {
  decryptPayloadPart,
  deriveKey,
  encryptPayloadPart,
  type GbcsCrypto,
  gbcsMac,
  gcmIv,
  kdfOtherInfo,
} from '../crypto/index.ts';
import { encodeMacMessage, macAadFor } from '../envelope.ts';
import { encodeSignatureField, type GroupingHeader } from '../grouping-header.ts';
import { type Eui64, KdfPurpose } from '../types.ts';

/** Who a MAC or an encryption key is for: KDF other-information fields. */
export interface KdfParties {
  originator: Eui64;
  /** CRA flag (MAC) or KDF purpose (04 encryption). */
  purpose: number;
  /** Originator Counter (uint64). */
  counter: bigint;
  recipient: Eui64;
}

/** The AES-128 key of a message: KDF(Z, other-information). */
export function messageKey(crypto: GbcsCrypto, z: Uint8Array, p: KdfParties): Uint8Array {
  return deriveKey(crypto, z, kdfOtherInfo(p.originator, p.purpose as KdfPurpose, p.counter, p.recipient));
}

/** The 12-byte GBCS MAC of `aad` under Z for the parties (KDF → GMAC). */
export function macFor(crypto: GbcsCrypto, z: Uint8Array, p: KdfParties, aad: Uint8Array): Uint8Array {
  return gbcsMac(crypto, messageKey(crypto, z, p), gcmIv(p.originator), aad);
}

/** Whether `mac` is the GBCS MAC of `aad` under any of the shared secrets `zs`. */
export function macVerifies(
  crypto: GbcsCrypto,
  zs: Iterable<Uint8Array>,
  p: KdfParties,
  aad: Uint8Array,
  mac: Uint8Array,
): boolean {
  for (const z of zs) if (equalBytes(macFor(crypto, z, p, aad), mac)) return true;
  return false;
}

/** The KDF parties of a message's MAC: its header's originator, CRA flag, counter and recipient. */
export const macParties = (h: GroupingHeader): KdfParties => ({
  originator: h.originatorId,
  purpose: h.craFlag,
  counter: h.originatorCounter,
  recipient: h.recipientId,
});

/**
 * The parties of the payload-encryption key of a message (purpose 04): the recipient is the
 * Supplementary Remote Party when present, the counter the Supplementary Originator Counter.
 */
export function encryptionParties(h: GroupingHeader): KdfParties {
  return {
    originator: h.originatorId,
    purpose: KdfPurpose.ENCRYPTION,
    recipient: h.supplementaryRemotePartyId ?? h.recipientId,
    counter: h.supplementaryOriginatorCounter ?? h.originatorCounter,
  };
}

/** Encrypts a sensitive payload part for the parties (KDF purpose 04 → AES-GCM). */
export function encryptPartFor(
  crypto: GbcsCrypto,
  z: Uint8Array,
  p: KdfParties,
  plaintext: Uint8Array,
): Uint8Array {
  return encryptPayloadPart(crypto, messageKey(crypto, z, p), gcmIv(p.originator), plaintext);
}

/** Decrypts a payload part with the first key that authenticates it; null when none does. */
export function decryptPartWith(
  crypto: GbcsCrypto,
  keys: readonly Uint8Array[],
  originator: Eui64,
  part: Uint8Array,
): Uint8Array | null {
  const iv = gcmIv(originator);
  for (const key of keys) {
    const pt = decryptPayloadPart(crypto, key, iv, part);
    if (pt) return pt;
  }
  return null;
}

/**
 * A MAC'd message (`DD 00` MAC header) around a general-ciphering APDU (grouping header, payload
 * and its signature field, null or present), with the MAC of the header's parties under Z.
 */
export function macProtect(
  crypto: GbcsCrypto,
  z: Uint8Array,
  h: GroupingHeader,
  apdu: Uint8Array,
): Uint8Array {
  return encodeMacMessage(apdu, macFor(crypto, z, macParties(h), macAadFor(apdu)));
}

/** The APDU of an unsigned message: grouping header and payload (`body`) ‖ a null signature field. */
export const unsignedApdu = (body: Uint8Array): Uint8Array =>
  concatBytes(body, encodeSignatureField({ kind: 'null' }));

/**
 * A signed message: the grouping header and payload (`body`, `DF …`) followed by the signature
 * field over `body` without its `DF` tag (GBCS 7.2.8).
 */
export function signedProtect(signature: Uint8Array, body: Uint8Array): Uint8Array {
  return concatBytes(body, encodeSignatureField({ kind: 'present', value: signature }));
}
