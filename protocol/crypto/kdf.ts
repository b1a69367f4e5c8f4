/**
 * GBCS security constructions on top of a `GbcsCrypto` back-end (gbcs-wire-and-security.md §3;
 * pinned by the GBCS §18.4 vector and every RTDS MAC and encrypted component):
 *
 * ```
 * OtherInfo = 60 85 74 06 08 03 00 ‖ OriginatorID(8) ‖ 09 ‖ CRA(1) ‖ Counter(8) ‖ RecipientID(8)
 * K   = SHA-256(00000001 ‖ Z ‖ OtherInfo)[0..16]        (NIST SP 800-56A single-step KDF, GBCS 4.3.3.3)
 * IV  = OriginatorID ‖ 00000000                         (GBCS 4.3.3.4)
 * MAC = AES-128-GCM(K, IV, empty, AAD).tag[0..12]       (GBCS 6.2.3)
 * ```
 * Note the AlgorithmID bytes use `…74 06 08…`, not the DER of the DLMS OID: do not "correct" it.
 */
import { concatBytes, fromHex, toHex, u64be } from '../bytes.ts';
import type { Eui64, KdfPurpose } from '../types.ts';
import type { GbcsCrypto } from './gbcs-crypto.ts';

export const KDF_ALGORITHM_ID = Uint8Array.of(0x60, 0x85, 0x74, 0x06, 0x08, 0x03, 0x00);
export const KDF_COUNTER = Uint8Array.of(0, 0, 0, 1);
/** Security control byte of encrypted payload parts: authentication + encryption, suite 1 (0x31). */
export const ENCRYPTION_SECURITY_CONTROL = 0x31;

/** The 33-byte KDF OtherInfo. */
export function kdfOtherInfo(
  originatorId: Eui64,
  purpose: KdfPurpose,
  counter: bigint,
  recipientId: Eui64,
): Uint8Array {
  return concatBytes(
    KDF_ALGORITHM_ID,
    fromHex(originatorId),
    Uint8Array.of(0x09, purpose),
    u64be(counter),
    fromHex(recipientId),
  );
}

/** 128-bit key from the shared secret Z and OtherInfo. */
export function deriveKey(c: GbcsCrypto, z: Uint8Array, otherInfo: Uint8Array): Uint8Array {
  return c.sha256(concatBytes(KDF_COUNTER, z, otherInfo)).subarray(0, 16);
}

/** IV = OriginatorID ‖ 00000000. */
export function gcmIv(originatorId: Eui64): Uint8Array {
  return concatBytes(fromHex(originatorId), new Uint8Array(4));
}

/** The 12-byte GBCS MAC over `aad`. */
export function gbcsMac(c: GbcsCrypto, key: Uint8Array, iv: Uint8Array, aad: Uint8Array): Uint8Array {
  return c.gcmEncrypt(key, iv, new Uint8Array(0), aad).subarray(0, 12);
}

/**
 * Encrypts a sensitive payload part (GBCS 7.3.x): returns `31 00000000 ‖ ciphertext ‖ tag(12)`,
 * with AAD = 0x31 and the key derived with purpose 04.
 */
export function encryptPayloadPart(
  c: GbcsCrypto,
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const sc = Uint8Array.of(ENCRYPTION_SECURITY_CONTROL);
  const out = c.gcmEncrypt(key, iv, plaintext, sc);
  return concatBytes(
    Uint8Array.of(ENCRYPTION_SECURITY_CONTROL, 0, 0, 0, 0),
    out.subarray(0, plaintext.length),
    out.subarray(plaintext.length, plaintext.length + 12),
  );
}

/** Decrypts `31 00000000 ‖ ciphertext ‖ tag(12)`; null when malformed or the tag fails. */
export function decryptPayloadPart(
  c: GbcsCrypto,
  key: Uint8Array,
  iv: Uint8Array,
  part: Uint8Array,
): Uint8Array | null {
  // Security header 31 ‖ invocation counter 00000000 (always zero in GBCS: keys are single-use).
  if (part.length < 5 + 12 || part[0] !== ENCRYPTION_SECURITY_CONTROL) return null;
  if (part[1] !== 0 || part[2] !== 0 || part[3] !== 0 || part[4] !== 0) return null;
  const ct = part.subarray(5, part.length - 12);
  const tag = part.subarray(part.length - 12);
  return c.gcmDecrypt(key, iv, ct, tag, Uint8Array.of(ENCRYPTION_SECURITY_CONTROL));
}

/**
 * Static-static ECDH results cached per key pair: Z never changes for a pair, so a device computes
 * it once (DESIGN §1 step 4). Bounded; the oldest entry is dropped first.
 */
export class SharedSecretCache {
  private readonly map = new Map<string, Uint8Array>();
  private readonly crypto: GbcsCrypto;
  private readonly limit: number;
  hits = 0;
  misses = 0;
  constructor(crypto: GbcsCrypto, limit = 100_000) {
    this.crypto = crypto;
    this.limit = limit;
  }
  /** Z for (privateKey, publicKey); `privateKeyId` names the private key without hashing it. */
  get(privateKeyId: string, privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    const k = `${privateKeyId}|${toHex(publicKey)}`;
    const hit = this.map.get(k);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const z = this.crypto.ecdh(privateKey, publicKey);
    if (this.map.size >= this.limit) this.map.delete(this.map.keys().next().value!);
    this.map.set(k, z);
    return z;
  }
}
