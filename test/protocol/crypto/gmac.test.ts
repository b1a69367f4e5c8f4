/**
 * GMAC (protocol/crypto/gmac.ts and the back-ends' `gmac`): the AES-128-GCM tag over AAD with an
 * empty plaintext, which kdf.ts `gbcsMac` truncates to the GBCS MAC. The GBCS §18.4 vector and
 * the RTDS MACs pin it through `gbcsMac` (crypto.test.ts, decode.conformance.test.ts); here it is
 * compared with two independent GCMs — @noble/ciphers `gcm` and node:crypto — on random keys,
 * IVs and AAD of 0–2000 bytes (both GHASH table sizes, every padding remainder), and the
 * kdf.ts per-message fast paths with the plain constructions they replace.
 */
import { createCipheriv } from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex, u64be } from '../../../protocol/bytes.ts';
import { createGmac } from '../../../protocol/crypto/gmac.ts';
import { createCrypto } from '../../../protocol/crypto/index.ts';
import {
  deriveKey,
  gbcsMac,
  KDF_ALGORITHM_ID,
  KDF_COUNTER,
  kdfOtherInfo,
} from '../../../protocol/crypto/kdf.ts';
import { GbcsError } from '../../../protocol/errors.ts';
import { KdfPurpose } from '../../../protocol/types.ts';

const noble = createCrypto('noble');
const node = createCrypto('node');

const EMPTY = new Uint8Array(0);
const cipherTag = (key: Uint8Array, iv: Uint8Array, aad: Uint8Array): string =>
  toHex(gcm(key, iv, aad).encrypt(EMPTY));
function opensslTag(key: Uint8Array, iv: Uint8Array, aad: Uint8Array): string {
  const c = createCipheriv('aes-128-gcm', key, iv);
  c.setAAD(aad);
  c.final();
  return toHex(c.getAuthTag());
}

const key16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const iv12 = fc.uint8Array({ minLength: 12, maxLength: 12 });
/** Bytes of a length uniform in 0..max (fast-check's own lengths stay small by default). */
const bytesUpTo = (max: number) =>
  fc.integer({ min: 0, max }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));

describe('GMAC = AES-128-GCM tag with an empty plaintext', () => {
  it('McGrew–Viega GCM test case 1 (K = 0, IV = 0, no AAD)', () => {
    const key = new Uint8Array(16);
    const iv = new Uint8Array(12);
    for (const c of [noble, node])
      expect(toHex(c.gmac(key, iv, EMPTY))).toBe('58e2fccefa7e3061367f1d57a4e7455a');
  });

  it('noble gmac = node gmac = @noble/ciphers gcm = node:crypto, random AAD of 0–2000 bytes', () => {
    fc.assert(
      fc.property(key16, iv12, bytesUpTo(2000), (key, iv, aad) => {
        const want = cipherTag(key, iv, aad);
        expect(opensslTag(key, iv, aad)).toBe(want);
        expect(toHex(noble.gmac(key, iv, aad))).toBe(want);
        expect(toHex(node.gmac(key, iv, aad))).toBe(want);
        expect(toHex(noble.gcmEncrypt(key, iv, EMPTY, aad))).toBe(want);
      }),
      { numRuns: 300 },
    );
  });

  it('every length around the block and table-size boundaries, one instance reused across them', () => {
    // One instance: a long AAD (256-entry table) followed by a short one (16-entry tables) must not
    // see stale table entries, partial-block tails or state.
    const gmac = createGmac();
    const lengths = [0, 1, 15, 16, 17, 31, 32, 33, 150, 400, 511, 512, 513, 1999, 2000, 3, 495, 528, 0];
    fc.assert(
      fc.property(key16, iv12, fc.uint8Array({ minLength: 2000, maxLength: 2000 }), (key, iv, bytes) => {
        for (const n of lengths) {
          const aad = bytes.subarray(0, n);
          expect(toHex(gmac(key, iv, aad)), `AAD ${n} bytes`).toBe(cipherTag(key, iv, aad));
        }
      }),
      { numRuns: 20 },
    );
  });

  it('AAD at an odd offset of a larger buffer, and inputs left unchanged', () => {
    fc.assert(
      fc.property(key16, iv12, bytesUpTo(700), fc.nat(7), (key, iv, data, at) => {
        const buf = concatBytes(new Uint8Array(at), data, Uint8Array.of(0xff));
        const aad = buf.subarray(at, at + data.length);
        const [k, i, b] = [toHex(key), toHex(iv), toHex(buf)];
        expect(toHex(noble.gmac(key.subarray(0), iv, aad))).toBe(cipherTag(key, iv, data));
        expect([toHex(key), toHex(iv), toHex(buf)]).toStrictEqual([k, i, b]);
      }),
      { numRuns: 50 },
    );
  });

  it('returns a fresh array each call', () => {
    const key = new Uint8Array(16).fill(1);
    const iv = new Uint8Array(12).fill(2);
    const a = noble.gmac(key, iv, Uint8Array.of(1));
    const a0 = toHex(a);
    noble.gmac(key, iv, Uint8Array.of(2));
    expect(toHex(a)).toBe(a0);
  });

  it('a key other than 16 bytes or an IV other than 12 throws GbcsError MISUSE on both back-ends', () => {
    const cases: [number, number][] = [
      [15, 12],
      [24, 12],
      [32, 12],
      [16, 8],
      [16, 16],
      [0, 0],
    ];
    for (const c of [noble, node])
      for (const [k, i] of cases) {
        const call = () => c.gmac(new Uint8Array(k), new Uint8Array(i), EMPTY);
        expect(call, `${c.name} key ${k} iv ${i}`).toThrow(GbcsError);
        try {
          call();
        } catch (e) {
          expect((e as GbcsError).code).toBe('MISUSE');
        }
      }
  });

  it('gbcsMac = the first 12 bytes of the GCM tag, on both back-ends', () => {
    fc.assert(
      fc.property(key16, iv12, bytesUpTo(600), (key, iv, aad) => {
        const want = cipherTag(key, iv, aad).slice(0, 24);
        expect(toHex(gbcsMac(noble, key, iv, aad))).toBe(want);
        expect(toHex(gbcsMac(node, key, iv, aad))).toBe(want);
      }),
    );
  });
});

describe('kdf.ts per-message paths equal the plain constructions', () => {
  const eui = fc.uint8Array({ minLength: 8, maxLength: 8 }).map(toHex);
  const counter = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
  const purpose = fc.constantFrom(...Object.values(KdfPurpose));
  const plainOtherInfo = (o: string, p: number, c: bigint, r: string) =>
    concatBytes(KDF_ALGORITHM_ID, fromHex(o), Uint8Array.of(0x09, p), u64be(c), fromHex(r));

  it('kdfOtherInfo: ids in lower or upper case, any counter', () => {
    fc.assert(
      fc.property(eui, purpose, counter, eui, fc.boolean(), (o, p, c, r, upper) => {
        const [oo, rr] = upper ? [o.toUpperCase(), r.toUpperCase()] : [o, r];
        expect(toHex(kdfOtherInfo(oo, p, c, rr))).toBe(toHex(plainOtherInfo(o, p, c, r)));
      }),
    );
  });

  it('kdfOtherInfo: ids not of 16 hex digits give fromHex’s bytes or errors', () => {
    const ids = [
      '00db 1234 5678 90a0',
      '00db1234567890a',
      '00db1234567890a0ff',
      '00db1234567890g0',
      '',
      'zz',
    ];
    for (const id of ids) {
      const got = (() => {
        try {
          return toHex(kdfOtherInfo(id, KdfPurpose.COMMAND, 1n, '00db1234567890a0'));
        } catch (e) {
          return `${(e as GbcsError).name}:${(e as GbcsError).code}`;
        }
      })();
      const want = (() => {
        try {
          return toHex(plainOtherInfo(id, KdfPurpose.COMMAND, 1n, '00db1234567890a0'));
        } catch (e) {
          return `${(e as GbcsError).name}:${(e as GbcsError).code}`;
        }
      })();
      expect(got, JSON.stringify(id)).toBe(want);
    }
    expect(() => kdfOtherInfo('00db1234567890a0', KdfPurpose.COMMAND, -1n, '00db1234567890a0')).toThrow(
      RangeError,
    );
    expect(() => kdfOtherInfo('00db1234567890a0', KdfPurpose.COMMAND, 2n ** 64n, '00db1234567890a0')).toThrow(
      RangeError,
    );
  });

  it('deriveKey = SHA-256(00000001 ‖ Z ‖ OtherInfo)[0..16] on both back-ends', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 40 }),
        (z, oi) => {
          const want = toHex(node.sha256(concatBytes(KDF_COUNTER, z, oi)).subarray(0, 16));
          expect(toHex(deriveKey(noble, z, oi))).toBe(want);
          expect(toHex(deriveKey(node, z, oi))).toBe(want);
        },
      ),
    );
  });
});
