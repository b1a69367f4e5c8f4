/** node:crypto back-end (OpenSSL). Same verdicts as the noble one; tests assert it on every vector. */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { concatBytes, fromHex, toHex } from '../bytes.ts';
import { ErrorCode, GbcsError } from '../errors.ts';
import type { GbcsCrypto } from './gbcs-crypto.ts';

// DER prefixes of SubjectPublicKeyInfo / PKCS#8 for a P-256 key (RFC 5480, RFC 5915).
const SPKI_PREFIX = fromHex('3059301306072a8648ce3d020106082a8648ce3d030107034200');
const PKCS8_PREFIX = fromHex('308141020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420');

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);
/** OpenSSL also takes hybrid (06/07) points and ignores trailing bytes: GBCS keys are 65-byte 04‖X‖Y. */
const isUncompressedPoint = (k: Uint8Array) => k.length === 65 && k[0] === 0x04;
/** KeyObjects are cached per key (trust anchors recur); bounded so fleets of device keys cannot grow it without limit. */
const KEY_CACHE_LIMIT = 1024;
function remember<K, V>(m: Map<K, V>, k: K, v: V): V {
  if (m.size >= KEY_CACHE_LIMIT) m.delete(m.keys().next().value as K);
  m.set(k, v);
  return v;
}

export function createNodeCrypto(): GbcsCrypto {
  const pubKeys = new Map<string, KeyObject>();
  const privKeys = new Map<string, KeyObject>();
  const pubObj = (pub: Uint8Array) => {
    const k = toHex(pub);
    let o = pubKeys.get(k);
    if (!o) {
      o = remember(
        pubKeys,
        k,
        createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, pub)), format: 'der', type: 'spki' }),
      );
    }
    return o;
  };
  const privObj = (priv: Uint8Array) => {
    const k = toHex(priv);
    let o = privKeys.get(k);
    if (!o) {
      o = createPrivateKey({
        key: Buffer.from(concatBytes(PKCS8_PREFIX, priv)),
        format: 'der',
        type: 'pkcs8',
      });
      privKeys.set(k, o);
    }
    return o;
  };
  return {
    name: 'node',
    sha256: (d) => u8(createHash('sha256').update(d).digest()),
    ecdh(priv, pub) {
      if (priv.length !== 32 || !isUncompressedPoint(pub)) {
        throw new GbcsError(
          ErrorCode.BAD_KEY,
          'ECDH needs a 32-byte private key and a 65-byte uncompressed point',
        );
      }
      try {
        const e = createECDH('prime256v1');
        e.setPrivateKey(priv);
        return u8(e.computeSecret(pub));
      } catch (err) {
        throw new GbcsError(ErrorCode.BAD_KEY, `ECDH failed: ${(err as Error).message}`, { cause: err });
      }
    },
    gcmEncrypt(key, iv, pt, aad) {
      const c = createCipheriv('aes-128-gcm', key, iv);
      c.setAAD(aad);
      const out = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
      return u8(out);
    },
    gmac(key, iv, aad) {
      if (key.length !== 16 || iv.length !== 12) {
        throw new GbcsError(
          ErrorCode.MISUSE,
          `GMAC needs a 16-byte key and a 12-byte IV, got ${key.length} and ${iv.length}`,
        );
      }
      const c = createCipheriv('aes-128-gcm', key, iv);
      c.setAAD(aad);
      c.final();
      return u8(c.getAuthTag());
    },
    gcmDecrypt(key, iv, ct, tag, aad) {
      try {
        const d = createDecipheriv('aes-128-gcm', key, iv, { authTagLength: tag.length });
        d.setAAD(aad);
        d.setAuthTag(tag);
        return u8(Buffer.concat([d.update(ct), d.final()]));
      } catch {
        return null;
      }
    },
    sign(priv, msg) {
      return u8(nodeSign('sha256', msg, { key: privObj(priv), dsaEncoding: 'ieee-p1363' }));
    },
    verify(pub, msg, sig) {
      if (sig.length !== 64 || !isUncompressedPoint(pub)) return false;
      try {
        return nodeVerify('sha256', msg, { key: pubObj(pub), dsaEncoding: 'ieee-p1363' }, sig);
      } catch {
        return false;
      }
    },
    publicKeyOf(priv) {
      try {
        const e = createECDH('prime256v1');
        e.setPrivateKey(priv);
        return u8(e.getPublicKey());
      } catch (err) {
        throw new GbcsError(ErrorCode.BAD_KEY, `bad private key: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
