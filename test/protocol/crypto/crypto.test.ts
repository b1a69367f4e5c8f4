/**
 * The crypto seam (DESIGN §2) against published vectors, and the two real back-ends against each
 * other: every intermediate of the GBCS §18.4 vector and of the SmartDCC gbcs-parser unit vectors
 * (Z, OtherInfo, key, IV, full tag, MAC, signature), then property tests asserting that noble and
 * node give identical verdicts on valid, tampered and malformed input.
 */
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../../../protocol/bytes.ts';
import { createCrypto, type GbcsCrypto, SharedSecretCache } from '../../../protocol/crypto/index.ts';
import {
  decryptPayloadPart,
  deriveKey,
  ENCRYPTION_SECURITY_CONTROL,
  encryptPayloadPart,
  gbcsMac,
  gcmIv,
  kdfOtherInfo,
} from '../../../protocol/crypto/kdf.ts';
import { decodeGbcsMessage, macAad, signedBytes } from '../../../protocol/envelope.ts';
import { GbcsError } from '../../../protocol/errors.ts';
import { KdfPurpose } from '../../../protocol/types.ts';
import { commonKeyCorruptions } from '../../fixtures/p256-keys.ts';
import { describeShared, readSharedJson, sharedAvailable } from '../../fixtures/shared.ts';

const noble = createCrypto('noble');
const node = createCrypto('node');
const BACKENDS: readonly GbcsCrypto[] = [noble, node];

/** P-256 group order n (SEC 2 §2.4.2). */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const be32 = (v: bigint): Uint8Array => fromHex(v.toString(16).padStart(64, '0'));
const int = (b: Uint8Array): bigint => BigInt(`0x${toHex(b) || '0'}`);
const b64url = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'));
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Raw 32-byte scalar of a PKCS#8 PEM (node:crypto as the parser: test side only). */
function rawPrivateKey(pem: string): Uint8Array {
  const d = createPrivateKey(pem).export({ format: 'jwk' }).d!;
  const raw = b64url(d);
  return concatBytes(new Uint8Array(32 - raw.length), raw);
}
/** Uncompressed 04‖X‖Y of a certificate or SPKI PEM. */
function rawPublicKey(pem: string): Uint8Array {
  const key: KeyObject = pem.includes('CERTIFICATE')
    ? new X509Certificate(pem).publicKey
    : createPublicKey(pem);
  const jwk = key.export({ format: 'jwk' });
  return concatBytes(Uint8Array.of(4), b64url(jwk.x!), b64url(jwk.y!));
}

/** Every back-end must give this same value; returns it. */
function agreed<T>(f: (c: GbcsCrypto) => T): T {
  const [a, b] = BACKENDS.map(f);
  expect(b).toStrictEqual(a);
  return a!;
}
const agreedHex = (f: (c: GbcsCrypto) => Uint8Array): string => agreed((c) => toHex(f(c)));

// ---------------------------------------------------------------------------------------------
// Vectors
// ---------------------------------------------------------------------------------------------

describeShared('GBCS §18.4 vector (../shared/vectors/henrygiraldo-gbcs.json)', () => {
  // describe.skip still runs this body: read nothing when ../shared is absent.
  if (!sharedAvailable) return void it.skip('needs ../shared', () => {});
  const file = readSharedJson('vectors', 'henrygiraldo-gbcs.json');
  const v = file.vectors.find((x: any) => x.id === 'gbcs-18.4-ecs04b-critical-command');
  const d = v.expected.derived;
  const k = v.keys;
  const bytes = fromHex(v.hex);
  const m = decodeGbcsMessage(bytes);
  if (m.form !== 'mac') throw new Error('expected a MAC-form message');
  const h = m.apdu.header;
  const supplierDsPub = concatBytes(Uint8Array.of(4), fromHex(k.supplierA.dsPublicKey_rawXY64));
  const deviceKaPub = concatBytes(Uint8Array.of(4), fromHex(k.deviceA.kaPublicKey_rawXY64));

  it('header fields the KDF uses', () => {
    expect(h.originatorId).toBe(k.supplierA.id.toLowerCase());
    expect(h.recipientId).toBe(k.deviceA.id.toLowerCase());
    expect(h.originatorCounter).toBe(BigInt(`0x${k.supplierA.originatorCounter}`));
    expect(h.craFlag).toBe(v.expected.craFlag);
  });

  it('Z = ECDH(ACB KA private, Device A KA public) on both back-ends', () => {
    expect(agreedHex((c) => c.ecdh(fromHex(k.acb.kaPrivateKey_raw32), deviceKaPub))).toBe(
      d.Z_ecdh_acb_device,
    );
  });

  it('kdfOtherInfo, deriveKey, gcmIv', () => {
    const oi = kdfOtherInfo(h.originatorId, KdfPurpose.COMMAND, h.originatorCounter, h.recipientId);
    expect(toHex(oi)).toBe(d.kdfOtherInfo);
    expect(oi.length).toBe(33);
    expect(agreedHex((c) => deriveKey(c, fromHex(d.Z_ecdh_acb_device), oi))).toBe(d.macKey);
    expect(toHex(gcmIv(h.originatorId))).toBe(d.iv);
  });

  it('full 16-byte GCM tag, 12-byte MAC, and MAC verification through gcmDecrypt', () => {
    const key = fromHex(d.macKey);
    const iv = fromHex(d.iv);
    const aad = macAad(m);
    expect(agreedHex((c) => c.gcmEncrypt(key, iv, new Uint8Array(0), aad))).toBe(d.fullGcmTag16);
    expect(agreedHex((c) => c.gmac(key, iv, aad))).toBe(d.fullGcmTag16);
    expect(agreedHex((c) => gbcsMac(c, key, iv, aad))).toBe(v.expected.mac.toLowerCase());
    expect(toHex(m.macHeader.mac)).toBe(v.expected.mac.toLowerCase());
    expect(agreed((c) => c.gcmDecrypt(key, iv, new Uint8Array(0), m.macHeader.mac, aad) !== null)).toBe(true);
    const bad = m.macHeader.mac.slice();
    bad[11]! ^= 1;
    expect(agreed((c) => c.gcmDecrypt(key, iv, new Uint8Array(0), bad, aad))).toBeNull();
  });

  it('signature: Supplier A DS public key of its private key, and the signature verifies', () => {
    expect(agreedHex((c) => c.publicKeyOf(fromHex(k.supplierA.dsPrivateKey_raw32)))).toBe(
      toHex(supplierDsPub),
    );
    if (m.apdu.signature.kind !== 'present') throw new Error('expected a signature');
    const sig = m.apdu.signature.value;
    expect(toHex(sig)).toBe(v.expected.signature_r_s.toLowerCase());
    // A high-S signature (s > n/2): the published GBCS vector itself needs high-S acceptance.
    expect(int(sig.subarray(32)) > N / 2n).toBe(true);
    const signed = signedBytes(m);
    expect(signed.length).toBe(86);
    expect(agreed((c) => c.verify(supplierDsPub, signed, sig))).toBe(true);
    // The other device key and a one-bit change must fail.
    const deviceDsPub = concatBytes(Uint8Array.of(4), fromHex(k.deviceA.dsPublicKey_rawXY64));
    expect(agreed((c) => c.verify(deviceDsPub, signed, sig))).toBe(false);
    const tampered = signed.slice();
    tampered[40]! ^= 0x80;
    expect(agreed((c) => c.verify(supplierDsPub, tampered, sig))).toBe(false);
  });

  it('signatures made by either back-end with the vector key verify on both', () => {
    const priv = fromHex(k.supplierA.dsPrivateKey_raw32);
    for (const signer of BACKENDS) {
      const sig = signer.sign(priv, signedBytes(m));
      expect(sig.length).toBe(64);
      expect(agreed((c) => c.verify(supplierDsPub, signedBytes(m), sig))).toBe(true);
    }
  });

  it('GFI example ECS10 response: Z from both directions, OtherInfo, key, IV, MAC', () => {
    const g = file.vectors.find((x: any) => x.id === 'gfi-example-ecs10-response');
    const gd = g.expected.derived;
    const ks = keystore();
    const gm = decodeGbcsMessage(fromHex(g.hex));
    if (gm.form !== 'mac') throw new Error('expected a MAC-form message');
    const gh = gm.apdu.header;
    const z1 = agreedHex((c) =>
      c.ecdh(ks.priv('90b3d51f30010000-ka.key'), ks.pub('00db1234567890a0-ka.pem')),
    );
    const z2 = agreedHex((c) =>
      c.ecdh(ks.priv('00db1234567890a0-ka.key (crypto.test.ts)'), ks.pub('90b3d51f30010000-ka.pem')),
    );
    expect(z1).toBe(gd.Z);
    expect(z2).toBe(gd.Z);
    const oi = kdfOtherInfo(gh.originatorId, gh.craFlag, gh.originatorCounter, gh.recipientId);
    expect(toHex(oi)).toBe(gd.kdfOtherInfo);
    const key = agreedHex((c) => deriveKey(c, fromHex(gd.Z), oi));
    expect(key).toBe(gd.macKey);
    expect(toHex(gcmIv(gh.originatorId))).toBe(gd.iv);
    expect(agreedHex((c) => gbcsMac(c, fromHex(key), fromHex(gd.iv), macAad(gm)))).toBe(
      g.expected.mac.toLowerCase(),
    );
  });
});

/** Keys of rtds-4.5.0.keystore.json by the names the unit vectors use. */
function keystore() {
  const entries: any[] = readSharedJson('vectors', 'rtds-4.5.0.keystore.json').entries;
  const find = (name: string): any => {
    const m = /^(\S+)(?: \((.*)\))?$/.exec(name)!;
    const base = m[1]!;
    const note = m[2] ?? '';
    // "<eui>-ka.key (crypto.test.ts)": the device key published inside gbcs-parser's test source.
    const e = note.includes('crypto.test.ts')
      ? entries.find((x) => x.file.startsWith('test/crypto.test.ts') && base.startsWith(x.eui))
      : entries.find((x) => x.file.endsWith(`/${base}`));
    if (!e) throw new Error(`no keystore entry for ${name}`);
    return e;
  };
  return {
    priv: (name: string) => rawPrivateKey(find(name).pem),
    pub: (name: string) => rawPublicKey(find(name).pem),
  };
}

describeShared(
  'SmartDCC gbcs-parser unit vectors (../shared/vectors/smartdcc-gbcs-parser.unit-vectors.json)',
  () => {
    if (!sharedAvailable) return void it.skip('needs ../shared', () => {});
    const file = readSharedJson('vectors', 'smartdcc-gbcs-parser.unit-vectors.json');
    const ks = keystore();

    describe('KDF: both key-pair directions give one Z, then the expected key', () => {
      for (const v of file.kdf as any[])
        it(v.id, () => {
          const zs = v.pairs.map(([priv, pub]: [string, string]) =>
            agreedHex((c) => c.ecdh(ks.priv(priv), ks.pub(pub))),
          );
          expect(zs[1]).toBe(zs[0]);
          const oi = kdfOtherInfo(
            v.originatorId,
            Number.parseInt(v.craByte, 16) as KdfPurpose,
            BigInt(`0x${v.originatorCounter}`),
            v.recipientId,
          );
          expect(toHex(oi)).toBe(
            `60857406080300${v.originatorId}09${v.craByte}${v.originatorCounter}${v.recipientId}`,
          );
          expect(agreedHex((c) => deriveKey(c, fromHex(zs[0]), oi))).toBe(v.expectedKey.toLowerCase());
        });
    });

    describe('GCM', () => {
      const [ok, bad] = file.gcm as any[];
      const key = fromHex(ok.key);
      const iv = fromHex(ok.iv);
      const aad = ascii(ok.aadAscii);
      it('AAD-only tag (12 and 4 bytes) on both back-ends; truncated tags verify', () => {
        expect(toHex(iv)).toBe(toHex(gcmIv('90b3d51f30030000')));
        const full = agreedHex((c) => c.gcmEncrypt(key, iv, new Uint8Array(0), aad));
        expect(full.slice(0, 24)).toBe(ok.expectedTag12);
        expect(agreedHex((c) => c.gmac(key, iv, aad))).toBe(full);
        expect(agreedHex((c) => gbcsMac(c, key, iv, aad))).toBe(ok.expectedTag12);
        for (const tag of [ok.expectedTag12, ok.expectedTag4]) {
          const pt = agreed((c) => c.gcmDecrypt(key, iv, new Uint8Array(0), fromHex(tag), aad));
          expect(pt).not.toBeNull();
          expect(pt!.length).toBe(0);
        }
      });
      it('a wrong tag is an authentication failure (null) on both', () => {
        expect(agreed((c) => c.gcmDecrypt(key, iv, new Uint8Array(0), fromHex(bad.tag), aad))).toBeNull();
      });
    });

    describe('messages: MAC key, MAC and signature', () => {
      const dccBoxed = readSharedJson('vectors', 'smartdcc-dccboxed-keystore.zaz1.json').keystore;
      const boxedCert = (name: string): string => {
        for (const uses of Object.values<any>(dccBoxed))
          for (const certs of Object.values<any>(uses))
            for (const e of Object.values<any>(certs)) if (e.name === name) return e.certificate;
        throw new Error(`no DCC Boxed credential ${name}`);
      };
      const bytesOf = (v: any): Uint8Array =>
        v.hex ? fromHex(v.hex) : new Uint8Array(Buffer.from(v.base64, 'base64'));

      const macVectors = file.messages.filter(
        (v: any) => v.expected.macValid === true && v.expected.macKeyPair,
      );
      it('has the MAC vectors', () => expect(macVectors.length).toBeGreaterThanOrEqual(2));
      for (const v of macVectors as any[])
        it(`${v.id}: MAC`, () => {
          const m = decodeGbcsMessage(bytesOf(v));
          if (m.form !== 'mac') throw new Error('expected a MAC-form message');
          const h = m.apdu.header;
          const [priv, pub] = v.expected.macKeyPair;
          const z = agreedHex((c) => c.ecdh(ks.priv(priv), ks.pub(pub)));
          const oi = kdfOtherInfo(h.originatorId, h.craFlag, h.originatorCounter, h.recipientId);
          const key = agreedHex((c) => deriveKey(c, fromHex(z), oi));
          if (v.expected.macKey) expect(key).toBe(v.expected.macKey);
          const mac = agreedHex((c) => gbcsMac(c, fromHex(key), gcmIv(h.originatorId), macAad(m)));
          expect(mac).toBe(v.expected.mac.toLowerCase());
          expect(toHex(m.macHeader.mac)).toBe(mac);
        });

      it('gfi-ecs01a: supplier signature verifies on both back-ends; tampering fails', () => {
        const v = file.messages.find((x: any) => x.id.startsWith('gfi-ecs01a'));
        const m = decodeGbcsMessage(bytesOf(v));
        if (m.form === 'gbt' || m.apdu.signature.kind !== 'present') throw new Error('expected a signature');
        const pub = ks.pub(v.expected.signer);
        const sig = m.apdu.signature.value;
        expect(agreed((c) => c.verify(pub, signedBytes(m), sig))).toBe(true);
        const t = signedBytes(m).slice();
        t[t.length - 1]! ^= 1;
        expect(agreed((c) => c.verify(pub, t, sig))).toBe(false);
      });

      it('README signGroupingHeader output verifies with Z1-supplier-ds (DCC Boxed)', () => {
        const v = file.messages.find((x: any) => x.id.startsWith('readme-signGroupingHeader'));
        const m = decodeGbcsMessage(bytesOf(v));
        if (m.form === 'gbt' || m.apdu.signature.kind !== 'present') throw new Error('expected a signature');
        const pub = rawPublicKey(boxedCert('Z1-supplier-ds'));
        expect(agreed((c) => c.verify(pub, signedBytes(m), (m.apdu.signature as any).value))).toBe(true);
        const other = rawPublicKey(boxedCert('Z1b-supplier-ds'));
        expect(agreed((c) => c.verify(other, signedBytes(m), (m.apdu.signature as any).value))).toBe(false);
      });

      it('ECS70 pre-command signing rule: a signature by either back-end verifies on both', () => {
        const v = file.messages.find((x: any) => x.id === 'precommand-ecs70-missing-signature');
        const bytes = fromHex(v.hex);
        const priv = ks.priv('90b3d51f30010000-ds.key');
        const pub = ks.pub('90b3d51f30010000-ds.pem');
        expect(agreedHex((c) => c.publicKeyOf(priv))).toBe(toHex(pub));
        for (const signer of BACKENDS) {
          const sig = signer.sign(priv, bytes.subarray(1));
          expect(agreed((c) => c.verify(pub, bytes.subarray(1), sig))).toBe(true);
        }
      });
    });

    it('UTRN intermediates: prepayment KA pair → key, IV, 16-byte tag over the PTUT AAD', () => {
      const u = file.utrn.find((x: any) => x.id === 'utrn-nominal-1');
      const dv = u.derived;
      const [priv, pub] = dv.keyPair.map((n: string) => n.replace(/ \(.*\)$/, ''));
      const z = agreedHex((c) => c.ecdh(ks.priv(priv), ks.pub(pub)));
      const oi = kdfOtherInfo(
        u.originator.toLowerCase(),
        Number.parseInt(dv.kdfCraByte, 16) as KdfPurpose,
        BigInt(`0x${dv.kdfCounter}`),
        u.target.toLowerCase(),
      );
      const key = agreedHex((c) => deriveKey(c, fromHex(z), oi));
      expect(key).toBe(dv.macKey.toLowerCase());
      expect(toHex(gcmIv(u.originator.toLowerCase()))).toBe(dv.iv);
      expect(
        agreedHex((c) => c.gcmEncrypt(fromHex(key), fromHex(dv.iv), new Uint8Array(0), fromHex(dv.aad))),
      ).toBe(dv.gcmTag16);
      expect(agreedHex((c) => c.gmac(fromHex(key), fromHex(dv.iv), fromHex(dv.aad)))).toBe(dv.gcmTag16);
    });
  },
);

// ---------------------------------------------------------------------------------------------
// Payload encryption (no published vector: pinned by the GCM vectors above plus cross-decryption)
// ---------------------------------------------------------------------------------------------

describe('encryptPayloadPart / decryptPayloadPart', () => {
  const key16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
  const eui = fc.uint8Array({ minLength: 8, maxLength: 8 }).map(toHex);
  it('31 00000000 ‖ ciphertext ‖ tag(12); identical on both back-ends; each decrypts the other', () => {
    fc.assert(
      fc.property(key16, eui, fc.uint8Array({ maxLength: 200 }), (key, id, pt) => {
        const iv = gcmIv(id);
        const part = agreedHex((c) => encryptPayloadPart(c, key, iv, pt));
        const bytes = fromHex(part);
        expect(bytes.length).toBe(5 + pt.length + 12);
        expect(part.slice(0, 10)).toBe('3100000000');
        const full = noble.gcmEncrypt(key, iv, pt, Uint8Array.of(ENCRYPTION_SECURITY_CONTROL));
        expect(toHex(bytes.subarray(5))).toBe(toHex(full.subarray(0, pt.length + 12)));
        for (const c of BACKENDS) expect(toHex(decryptPayloadPart(c, key, iv, bytes)!)).toBe(toHex(pt));
      }),
    );
  });
  it('tampered or malformed parts are null on both, never a throw', () => {
    fc.assert(
      fc.property(
        key16,
        eui,
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (key, id, pt, at, bit) => {
          const iv = gcmIv(id);
          const part = encryptPayloadPart(noble, key, iv, pt);
          const t = part.slice();
          // Not bytes 1..4, the invocation counter: see the known issues below.
          const i = at % t.length;
          t[i >= 1 && i <= 4 ? 0 : i]! ^= 1 << bit;
          expect(agreed((c) => decryptPayloadPart(c, key, iv, t))).toBeNull();
          expect(agreed((c) => decryptPayloadPart(c, key, iv, part.subarray(0, at % 17)))).toBeNull();
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Back-end agreement (properties)
// ---------------------------------------------------------------------------------------------

const scalarArb = fc.bigInt({ min: 1n, max: N - 1n }).map(be32);
/** A key pair and a signature by a random back-end (high-S about half the time with node's). */
const signedArb = fc
  .record({ priv: scalarArb, msg: fc.uint8Array({ maxLength: 300 }), byNode: fc.boolean() })
  .map(({ priv, msg, byNode }) => {
    const pub = noble.publicKeyOf(priv);
    const sig = (byNode ? node : noble).sign(priv, msg);
    return { priv, pub, msg, sig };
  });
const verdicts = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) =>
  BACKENDS.map((c) => c.verify(pub, msg, sig));

describe('noble and node agree on ECDSA', () => {
  it('public key of a private key', () => {
    fc.assert(fc.property(scalarArb, (priv) => void agreedHex((c) => c.publicKeyOf(priv))));
  });

  it('valid signatures verify on both, whoever signed', () => {
    fc.assert(
      fc.property(signedArb, ({ pub, msg, sig }) => {
        expect(verdicts(pub, msg, sig)).toStrictEqual([true, true]);
      }),
    );
  });

  it('a changed message fails on both', () => {
    fc.assert(
      fc.property(signedArb, fc.nat(), fc.integer({ min: 0, max: 7 }), ({ pub, msg, sig }, at, bit) => {
        const m = msg.length === 0 ? Uint8Array.of(0) : msg.slice();
        if (msg.length > 0) m[at % m.length]! ^= 1 << bit;
        expect(verdicts(pub, m, sig)).toStrictEqual([false, false]);
      }),
    );
  });

  it('a tampered signature gives one verdict on both', () => {
    fc.assert(
      fc.property(
        signedArb,
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 1, max: 255 }),
        ({ pub, msg, sig }, at, x) => {
          const t = sig.slice();
          t[at]! ^= x;
          expect(verdicts(pub, msg, t)).toStrictEqual([false, false]);
        },
      ),
    );
  });

  it('high-S: s′ = n − s verifies on both (GBCS signers may produce it)', () => {
    fc.assert(
      fc.property(signedArb, ({ pub, msg, sig }) => {
        const flipped = concatBytes(sig.subarray(0, 32), be32(N - int(sig.subarray(32))));
        expect(verdicts(pub, msg, flipped)).toStrictEqual([true, true]);
      }),
    );
  });

  it('wrong-length signatures are false on both, without a throw', () => {
    fc.assert(
      fc.property(
        signedArb,
        fc.uint8Array({ maxLength: 130 }).filter((b) => b.length !== 64),
        ({ pub, msg, sig }, junk) => {
          expect(verdicts(pub, msg, junk)).toStrictEqual([false, false]);
          expect(verdicts(pub, msg, sig.subarray(0, 63))).toStrictEqual([false, false]);
          expect(verdicts(pub, msg, concatBytes(sig, Uint8Array.of(0)))).toStrictEqual([false, false]);
          // DER is not the wire form.
          expect(verdicts(pub, msg, derOf(sig))).toStrictEqual([false, false]);
        },
      ),
    );
  });

  it('r or s = 0 or ≥ n is false on both', () => {
    const bad = fc.constantFrom(0n, N, N + 1n, 2n ** 256n - 1n);
    fc.assert(
      fc.property(signedArb, bad, fc.boolean(), ({ pub, msg, sig }, v, which) => {
        const r = which ? be32(v) : sig.subarray(0, 32);
        const s = which ? sig.subarray(32) : be32(v);
        expect(verdicts(pub, msg, concatBytes(r, s))).toStrictEqual([false, false]);
      }),
    );
    // r + n for the same R would be the "unreduced" x: still invalid.
    fc.assert(
      fc.property(signedArb, ({ pub, msg, sig }) => {
        const r = int(sig.subarray(0, 32));
        if (r + N >= 2n ** 256n) return;
        expect(verdicts(pub, msg, concatBytes(be32(r + N), sig.subarray(32)))).toStrictEqual([false, false]);
      }),
    );
  });

  it('invalid public keys are false on both, without a throw', () => {
    const corrupt = fc.oneof(
      // Off the curve (one bit of X or Y changed), wrong length, or compressed.
      ...commonKeyCorruptions,
      fc.constant(() => new Uint8Array(0)),
      fc.constant(() => concatBytes(Uint8Array.of(4), new Uint8Array(64))),
      // A wrong prefix (not the hybrid 06/07 forms: see the known discrepancies below).
      fc
        .constantFrom(0, 1, 2, 3, 5, 8, 0xff)
        .map((p) => (pub: Uint8Array) => concatBytes(Uint8Array.of(p), pub.subarray(1))),
    );
    fc.assert(
      fc.property(signedArb, corrupt, ({ pub, msg, sig }, f) => {
        expect(verdicts(f(pub), msg, sig)).toStrictEqual([false, false]);
      }),
    );
    // Coordinates ≥ p (x + p would be "the same" x): 04 ‖ FF…FF ‖ Y.
    const p = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
    fc.assert(
      fc.property(signedArb, ({ pub, msg, sig }) => {
        const x = int(pub.subarray(1, 33));
        if (x + p < 2n ** 256n) {
          const big = concatBytes(Uint8Array.of(4), be32(x + p), pub.subarray(33));
          expect(verdicts(big, msg, sig)).toStrictEqual([false, false]);
        }
      }),
    );
  });
});

/** DER SEQUENCE { INTEGER r, INTEGER s } of a raw signature. */
function derOf(sig: Uint8Array): Uint8Array {
  const intDer = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.subarray(i);
    if (v[0]! & 0x80) v = concatBytes(Uint8Array.of(0), v);
    return concatBytes(Uint8Array.of(2, v.length), v);
  };
  const body = concatBytes(intDer(sig.subarray(0, 32)), intDer(sig.subarray(32)));
  return concatBytes(Uint8Array.of(0x30, body.length), body);
}

describe('noble and node agree on ECDH', () => {
  it('Z is the same on both back-ends and from both sides', () => {
    fc.assert(
      fc.property(scalarArb, scalarArb, (a, b) => {
        const pa = noble.publicKeyOf(a);
        const pb = noble.publicKeyOf(b);
        const z = agreedHex((c) => c.ecdh(a, pb));
        expect(z.length).toBe(64);
        expect(agreedHex((c) => c.ecdh(b, pa))).toBe(z);
      }),
    );
  });

  it('invalid peer keys and private keys throw GbcsError BAD_KEY on both', () => {
    const priv = be32(12345n);
    const pub = noble.publicKeyOf(be32(777n));
    const offCurve = pub.slice();
    offCurve[64]! ^= 1;
    const badPubs = [
      offCurve,
      pub.subarray(0, 64),
      new Uint8Array(0),
      concatBytes(Uint8Array.of(4), new Uint8Array(64)),
    ];
    const badPrivs = [new Uint8Array(32), be32(N), be32(2n ** 256n - 1n)];
    for (const c of BACKENDS) {
      for (const p of badPubs) expect(() => c.ecdh(priv, p), `${c.name} ${toHex(p)}`).toThrow(GbcsError);
      for (const k of badPrivs) {
        expect(() => c.ecdh(k, pub), `${c.name} ${toHex(k)}`).toThrow(GbcsError);
        expect(() => c.publicKeyOf(k), `${c.name} ${toHex(k)}`).toThrow(GbcsError);
      }
    }
  });
});

describe('noble and node agree on AES-128-GCM', () => {
  const key16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
  const iv12 = fc.uint8Array({ minLength: 12, maxLength: 12 });
  const data = fc.uint8Array({ maxLength: 200 });
  it('same ciphertext ‖ tag; truncated 12-byte tags verify on both', () => {
    fc.assert(
      fc.property(key16, iv12, data, data, (key, iv, pt, aad) => {
        const out = fromHex(agreedHex((c) => c.gcmEncrypt(key, iv, pt, aad)));
        const ct = out.subarray(0, pt.length);
        const tag = out.subarray(pt.length, pt.length + 12);
        for (const c of BACKENDS) expect(toHex(c.gcmDecrypt(key, iv, ct, tag, aad)!)).toBe(toHex(pt));
      }),
    );
  });
  it('a wrong tag, ciphertext or AAD gives null on both', () => {
    fc.assert(
      fc.property(
        key16,
        iv12,
        data,
        data,
        fc.constantFrom('tag', 'ct', 'aad'),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (key, iv, pt, aad, what, at, bit) => {
          const out = noble.gcmEncrypt(key, iv, pt, aad);
          const ct = out.slice(0, pt.length);
          const tag = out.slice(pt.length, pt.length + 12);
          const target = what === 'tag' ? tag : what === 'ct' ? ct : aad.slice();
          if (target.length === 0) return;
          target[at % target.length]! ^= 1 << bit;
          const a = what === 'aad' ? target : aad;
          expect(BACKENDS.map((c) => c.gcmDecrypt(key, iv, ct, tag, a))).toStrictEqual([null, null]);
        },
      ),
    );
  });
  it('malformed key, IV or tag lengths give null on both, never a throw', () => {
    const key = new Uint8Array(16);
    const iv = new Uint8Array(12);
    const out = noble.gcmEncrypt(key, iv, Uint8Array.of(1, 2, 3), new Uint8Array(0));
    const ct = out.subarray(0, 3);
    const tag = out.subarray(3);
    const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
      [new Uint8Array(15), iv, tag.subarray(0, 12)],
      [new Uint8Array(32), iv, tag.subarray(0, 12)],
      [key, new Uint8Array(0), tag.subarray(0, 12)],
      [key, iv, new Uint8Array(0)],
      [key, iv, tag.subarray(0, 3)],
      [key, iv, concatBytes(tag, Uint8Array.of(0))],
    ];
    for (const [k, i, t] of cases)
      expect(BACKENDS.map((c) => c.gcmDecrypt(k, i, ct, t, new Uint8Array(0)))).toStrictEqual([null, null]);
  });
});

/**
 * Laxities this suite once found in the back-ends (hybrid points, trailing key bytes, short private
 * keys, non-standard tag lengths, a non-zero invocation counter): both back-ends must refuse them alike.
 */
describe('back-ends refuse malformed keys, tags and security headers alike', () => {
  const priv = be32(0x1234567n);
  const pub = noble.publicKeyOf(priv);
  const msg = ascii('GBCS');
  const sig = noble.sign(priv, msg);
  it('verify: a hybrid-encoded key (06/07‖X‖Y) is refused', () => {
    const hybrid = concatBytes(Uint8Array.of(6 + (pub[64]! & 1)), pub.subarray(1));
    expect(verdicts(hybrid, msg, sig)).toStrictEqual([false, false]);
  });
  it('verify: trailing bytes after a valid key (04‖X‖Y‖00) are refused', () => {
    expect(verdicts(concatBytes(pub, Uint8Array.of(0)), msg, sig)).toStrictEqual([false, false]);
  });
  it('ecdh: a hybrid-encoded peer key throws BAD_KEY', () => {
    const hybrid = concatBytes(Uint8Array.of(6 + (pub[64]! & 1)), pub.subarray(1));
    for (const c of BACKENDS) expect(() => c.ecdh(priv, hybrid)).toThrow(GbcsError);
  });
  it('ecdh: a 31-byte private key throws BAD_KEY', () => {
    for (const c of BACKENDS) expect(() => c.ecdh(new Uint8Array(31).fill(1), pub)).toThrow(GbcsError);
  });
  it('gcmDecrypt: 5–7 and 9–11-byte tags are refused (SP 800-38D lengths only)', () => {
    const key = new Uint8Array(16);
    const iv = new Uint8Array(12);
    const out = noble.gcmEncrypt(key, iv, Uint8Array.of(1), new Uint8Array(0));
    for (const n of [5, 6, 7, 9, 10, 11])
      expect(
        BACKENDS.map(
          (c) =>
            c.gcmDecrypt(key, iv, out.subarray(0, 1), out.subarray(1, 1 + n), new Uint8Array(0)) === null,
        ),
      ).toStrictEqual([true, true]);
  });
  it('decryptPayloadPart (kdf.ts) rejects a part whose invocation counter is not 00000000', () => {
    const key = new Uint8Array(16);
    const iv = gcmIv('0000000000000001');
    const part = encryptPayloadPart(noble, key, iv, Uint8Array.of(1, 2, 3));
    part[4] = 1;
    expect(agreed((c) => decryptPayloadPart(c, key, iv, part))).toBeNull();
  });
});

describe('SharedSecretCache (head-end, decode: one private key, many peers)', () => {
  it('computes Z once per pair, = ECDH; bounded, least recently used dropped first', () => {
    const c = createCrypto('node');
    let calls = 0;
    const counting = {
      ...c,
      ecdh: (a: Uint8Array, b: Uint8Array) => {
        calls++;
        return c.ecdh(a, b);
      },
    };
    const cache = new SharedSecretCache(counting, 2);
    const priv = fromHex('01'.padStart(64, '0'));
    const pubs = [2, 3, 4].map((d) => c.publicKeyOf(fromHex(d.toString(16).padStart(64, '0'))));
    expect(cache.get('acb', priv, pubs[0]!)).toEqual(c.ecdh(priv, pubs[0]!));
    cache.get('acb', priv, pubs[1]!);
    cache.get('acb', priv, pubs[0]!); // touch 0: 1 is now the least recently used
    expect(calls).toBe(2);
    cache.get('acb', priv, pubs[2]!); // drops 1
    expect(cache.size).toBe(2);
    cache.get('acb', priv, pubs[0]!);
    expect(calls).toBe(3);
    cache.get('acb', priv, pubs[1]!);
    expect(calls).toBe(4);
    expect(cache.hits).toBe(2);
  });
});

describe('noble ECDH with tables for recurring peers', () => {
  it('= node:crypto ECDH for a peer met again and again (table from its 3rd use); bad private keys stay BAD_KEY', () => {
    const noble = createCrypto('noble');
    const node = createCrypto('node');
    const peer = node.publicKeyOf(fromHex('7'.repeat(64)));
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 255n) - 1n }), (d) => {
        const priv = fromHex(d.toString(16).padStart(64, '0'));
        expect(toHex(noble.ecdh(priv, peer))).toBe(toHex(node.ecdh(priv, peer)));
      }),
      { numRuns: 40 },
    );
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    for (const bad of [0n, n, n + 1n])
      expect(() => noble.ecdh(fromHex(bad.toString(16).padStart(64, '0')), peer)).toThrow(
        expect.objectContaining({ code: 'BAD_KEY' }),
      );
  });
});
