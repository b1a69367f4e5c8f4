/** The default back-end: @noble/curves (P-256), @noble/hashes (SHA-256), @noble/ciphers (AES). */
import { ctr, gcm } from '@noble/ciphers/aes.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, toHex } from '../bytes.ts';
import { ErrorCode, GbcsError } from '../errors.ts';
import type { GbcsCrypto } from './gbcs-crypto.ts';
import { createGmac } from './gmac.ts';
import { createNobleVerifier, type NobleVerifierOptions } from './noble-verifier.ts';

const validTagLength = (n: number) => n === 4 || n === 8 || (n >= 12 && n <= 16);

function counterBlock(iv: Uint8Array, n: number): Uint8Array {
  const b = new Uint8Array(16);
  b.set(iv);
  b[15] = n;
  return b;
}

/**
 * Points of public keys met in ECDH again and again, with a W = 8 table for the constant-time
 * `multiply`: a peer earns one on its 3rd use; at most 32 are kept, and a full set admits only a
 * key used more often than the least recently used one (as the verifier's tables, no thrashing).
 * `point` returns undefined for a key without a table (the caller takes noble's plain path, which
 * also validates the key).
 */
function createEcdhPeerTables(maxKeys = 32, after = 3) {
  const tables = new Map<string, { point: ReturnType<typeof p256.Point.fromBytes>; uses: number }>();
  const uses = new Map<string, number>();
  return {
    point(pub: Uint8Array) {
      if (pub.length !== 65) return undefined;
      const hex = toHex(pub);
      const t = tables.get(hex);
      if (t) {
        t.uses++;
        tables.delete(hex);
        tables.set(hex, t);
        return t.point;
      }
      const n = (uses.get(hex) ?? 0) + 1;
      uses.delete(hex);
      uses.set(hex, n);
      if (uses.size > 1024) uses.delete(uses.keys().next().value!);
      if (n < after) return undefined;
      if (tables.size >= maxKeys) {
        const victim = tables.values().next().value!;
        if (n <= victim.uses) return undefined;
        tables.delete(tables.keys().next().value!);
      }
      const point = p256.Point.fromBytes(pub);
      point.assertValidity();
      point.precompute(8);
      uses.delete(hex);
      tables.set(hex, { point, uses: n });
      return point;
    },
  };
}

/**
 * `verifier` tunes the table cache of signature verification (noble-verifier.ts); each back-end
 * instance has its own cache.
 */
export function createNobleCrypto(options: { verifier?: NobleVerifierOptions } = {}): GbcsCrypto {
  const verifier = createNobleVerifier(options.verifier);
  // Single-use keys: a GHASH with small per-key tables beats @noble/ciphers gcm here (gmac.ts).
  const gmac = createGmac();
  const peers = createEcdhPeerTables();
  return {
    name: 'noble',
    sha256: (d) => sha256(d),
    ecdh(priv, pub) {
      try {
        const peer = peers.point(pub);
        // A recurring peer (a trust anchor: every device of a fleet agrees Z with the same ACB and
        // Remote Parties) multiplies with its table; constant-time `multiply` either way.
        if (peer) return p256.Point.Fn.toBytes(peer.multiply(p256.Point.Fn.fromBytes(priv)).toAffine().x);
        // getSharedSecret returns the compressed point 02/03‖X: Z is X.
        return p256.getSharedSecret(priv, pub, true).subarray(1);
      } catch (e) {
        throw new GbcsError(ErrorCode.BAD_KEY, `ECDH failed: ${(e as Error).message}`, { cause: e });
      }
    },
    gcmEncrypt: (key, iv, pt, aad) => gcm(key, iv, aad).encrypt(pt),
    gmac,
    gcmDecrypt(key, iv, ct, tag, aad) {
      // Tag lengths of NIST SP 800-38D §5.2.1.2: 4, 8, or 12–16 bytes (GBCS uses 12).
      if (key.length !== 16 || iv.length !== 12 || !validTagLength(tag.length)) return null;
      // GCM encrypts with CTR from counter block J0+1 = IV‖00000002; recompute the tag to check it.
      const pt = ctr(key, counterBlock(iv, 2)).decrypt(ct);
      const full = gcm(key, iv, aad).encrypt(pt);
      return equalBytes(full.subarray(ct.length, ct.length + tag.length), tag) ? pt : null;
    },
    sign: (priv, msg) => p256.sign(msg, priv, { prehash: true, lowS: false }),
    // Precomputed tables for recurring keys; p256.verify ignores them (noble-verifier.ts).
    verify: (pub, msg, sig) => verifier.verify(pub, msg, sig),
    publicKeyOf(priv) {
      try {
        return p256.getPublicKey(priv, false);
      } catch (e) {
        throw new GbcsError(ErrorCode.BAD_KEY, `bad private key: ${(e as Error).message}`, { cause: e });
      }
    },
  };
}
