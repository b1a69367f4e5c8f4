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
import { concatBytes, equalBytes, fromHex, putHex, putU64be, u64be } from '../bytes.ts';
import type { Eui64, KdfPurpose } from '../types.ts';
import type { GbcsCrypto } from './gbcs-crypto.ts';

export const KDF_ALGORITHM_ID = Uint8Array.of(0x60, 0x85, 0x74, 0x06, 0x08, 0x03, 0x00);
export const KDF_COUNTER = Uint8Array.of(0, 0, 0, 1);
/** Security control byte of encrypted payload parts: authentication + encryption, suite 1 (0x31). */
export const ENCRYPTION_SECURITY_CONTROL = 0x31;

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
  if (!putHex(out, 7, originatorId, 8) || !putHex(out, 25, recipientId, 8)) {
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
  putU64be(out, 17, counter);
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
  const iv = new Uint8Array(12);
  return putHex(iv, 0, originatorId, 8) ? iv : concatBytes(fromHex(originatorId), new Uint8Array(4));
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
 * Static-static ECDH results of one party's private key with many peers' public keys (a head-end's
 * ACB key with each device's, `decode`'s keystore): Z never changes for a pair, so it is computed
 * once (DESIGN §1 step 4). Devices do not use it: each keeps its own Z per trust-anchor cell
 * (sim/device/device.ts). Looked up by the private key's id and a 32-bit fingerprint of the public
 * key's X (then compared in full): no hex string per message. Bounded by `limit` entries, least
 * recently used dropped first.
 */
export class SharedSecretCache {
  private readonly map = new Map<string, Map<number, SecretEntry[]>>();
  /** Least recently used first: every entry, for the bound. */
  private readonly order = new Set<SecretEntry>();
  private readonly crypto: GbcsCrypto;
  private readonly limit: number;
  hits = 0;
  misses = 0;
  constructor(crypto: GbcsCrypto, limit = 100_000) {
    this.crypto = crypto;
    this.limit = limit;
  }
  /** Entries held now. */
  get size(): number {
    return this.order.size;
  }
  /** Z for (privateKey, publicKey); `privateKeyId` names the private key without hashing it. */
  get(privateKeyId: string, privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    let byKey = this.map.get(privateKeyId);
    if (!byKey) {
      byKey = new Map();
      this.map.set(privateKeyId, byKey);
    }
    const fp = fingerprint(publicKey);
    const bucket = byKey.get(fp);
    const hit = bucket?.find((e) => equalBytes(e.publicKey, publicKey));
    if (hit) {
      this.hits++;
      this.order.delete(hit);
      this.order.add(hit);
      return hit.z;
    }
    this.misses++;
    const z = this.crypto.ecdh(privateKey, publicKey);
    const entry: SecretEntry = { privateKeyId, fp, publicKey: publicKey.slice(), z };
    if (bucket) bucket.push(entry);
    else byKey.set(fp, [entry]);
    this.order.add(entry);
    if (this.order.size > this.limit) this.drop(this.order.values().next().value!);
    return z;
  }
  private drop(e: SecretEntry): void {
    this.order.delete(e);
    const byKey = this.map.get(e.privateKeyId)!;
    const bucket = byKey.get(e.fp)!.filter((x) => x !== e);
    if (bucket.length) byKey.set(e.fp, bucket);
    else byKey.delete(e.fp);
    if (byKey.size === 0) this.map.delete(e.privateKeyId);
  }
}

interface SecretEntry {
  privateKeyId: string;
  fp: number;
  publicKey: Uint8Array;
  z: Uint8Array;
}

/** 32 bits of a public key: bytes 1..5 (the start of X for 04‖X‖Y), or fewer for short input. */
function fingerprint(k: Uint8Array): number {
  let h = k.length;
  for (let i = 1; i < 5 && i < k.length; i++) h = (h * 256 + k[i]!) >>> 0;
  return h;
}
