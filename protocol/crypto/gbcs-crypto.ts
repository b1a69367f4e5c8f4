/**
 * The crypto seam (DESIGN §2). Primitives only; the GBCS constructions (KDF, MAC, payload
 * encryption) are built on them in kdf.ts so every back-end shares one implementation of the rules.
 *
 * Keys: private keys are 32-byte P-256 scalars; public keys 65-byte uncompressed points (04‖X‖Y).
 * Signatures: 64-byte r‖s (IEEE P1363), as on the GBCS wire.
 */
export interface GbcsCrypto {
  readonly name: string;
  sha256(data: Uint8Array): Uint8Array;
  /** ECDH P-256 shared secret Z: the 32-byte x-coordinate of privateKey·publicKey. @throws GbcsError BAD_KEY */
  ecdh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** AES-128-GCM encryption: returns ciphertext ‖ 16-byte tag. */
  gcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /**
   * GMAC: the 16-byte AES-128-GCM tag over `aad` with an empty plaintext (equal to
   * `gcmEncrypt(key, iv, empty, aad)`), the per-message GBCS MAC before truncation (kdf.ts
   * `gbcsMac`). Key 16 bytes, IV 12 bytes. @throws GbcsError MISUSE on other lengths
   */
  gmac(key: Uint8Array, iv: Uint8Array, aad: Uint8Array): Uint8Array;
  /**
   * AES-128-GCM decryption with a truncated tag (GBCS uses 12 bytes). Returns the plaintext, or
   * null when the tag does not verify. Never throws on bad input.
   */
  gcmDecrypt(
    key: Uint8Array,
    iv: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array | null;
  /** ECDSA P-256 / SHA-256 over `message` (hashed here): 64-byte r‖s. */
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /**
   * ECDSA P-256 / SHA-256 verification. Accepts high-S signatures (signers other than ours may
   * produce them). Returns false for a malformed key or signature: never throws.
   */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** Uncompressed public key of a private key. @throws GbcsError BAD_KEY */
  publicKeyOf(privateKey: Uint8Array): Uint8Array;
}

export type CryptoBackendName = 'noble' | 'node';
