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

/** Hex digit values by char code (−1: not a hex digit), for the per-message OtherInfo. */
const HEX_VALUE = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 16; i++) {
    t['0123456789abcdef'.charCodeAt(i)] = i;
    t['0123456789ABCDEF'.charCodeAt(i)] = i;
  }
  return t;
})();

/**
 * Writes the 8 bytes of an EUI-64 given as exactly 16 hex digits at out[at..at+8). False (having
 * written part of it, maybe) for anything else, which the caller hands to `fromHex` for its errors.
 */
function putEui64(out: Uint8Array, at: number, id: string): boolean {
  if (id.length !== 16) return false;
  for (let i = 0; i < 8; i++) {
    const hi = HEX_VALUE[id.charCodeAt(2 * i)] ?? -1;
    const lo = HEX_VALUE[id.charCodeAt(2 * i + 1)] ?? -1;
    if ((hi | lo) < 0) return false;
    out[at + i] = (hi << 4) | lo;
  }
  return true;
}

/**
 * The 33-byte KDF OtherInfo. Runs per message: ids in the usual form (16 hex digits) are written in
 * place; other strings go through `fromHex` (same bytes, same errors).
 * @throws DecodeError NOT_HEX/EMPTY/BAD_LENGTH for ids that are not hex; RangeError for a counter outside uint64
 */
export function kdfOtherInfo(
  originatorId: Eui64,
  purpose: KdfPurpose,
  counter: bigint,
  recipientId: Eui64,
): Uint8Array {
  const out = new Uint8Array(33);
  if (!putEui64(out, 7, originatorId) || !putEui64(out, 25, recipientId)) {
    return concatBytes(
      KDF_ALGORITHM_ID,
      fromHex(originatorId),
      Uint8Array.of(0x09, purpose),
      u64be(counter),
      fromHex(recipientId),
    );
  }
  out.set(KDF_ALGORITHM_ID, 0);
  out[15] = 0x09;
  out[16] = purpose;
  out.set(u64be(counter), 17);
  return out;
}

/** 128-bit key from the shared secret Z and OtherInfo. */
export function deriveKey(c: GbcsCrypto, z: Uint8Array, otherInfo: Uint8Array): Uint8Array {
  // 00000001 ‖ Z ‖ OtherInfo in one buffer (69 bytes for GBCS: two SHA-256 blocks).
  const input = new Uint8Array(4 + z.length + otherInfo.length);
  input[3] = 1;
  input.set(z, 4);
  input.set(otherInfo, 4 + z.length);
  return c.sha256(input).subarray(0, 16);
}

/** IV = OriginatorID ‖ 00000000. */
export function gcmIv(originatorId: Eui64): Uint8Array {
  return concatBytes(fromHex(originatorId), new Uint8Array(4));
}

/** The 12-byte GBCS MAC over `aad`: the GMAC tag (AES-128-GCM, empty plaintext) truncated. */
export function gbcsMac(c: GbcsCrypto, key: Uint8Array, iv: Uint8Array, aad: Uint8Array): Uint8Array {
  return c.gmac(key, iv, aad).subarray(0, 12);
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
