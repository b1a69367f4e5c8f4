/**
 * UTRN / PTUT / PPTD (protocol/utrn.ts) against the gbcs-parser vectors (GBCS §14), and the
 * device-side counter rebuild.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../protocol/bytes.ts';
import { createCrypto, deriveKey, kdfOtherInfo } from '../../../../protocol/crypto/index.ts';
import { DecodeError } from '../../../../protocol/errors.ts';
import {
  decodePtutHigh,
  encodePtutHigh,
  generateUtrn,
  PPTD_BASE,
  parseUtrn,
  utrnAad,
  utrnCheckDigit,
  utrnCounterAbove,
  verifyPtutMac,
} from '../../../../protocol/utrn.ts';
import { loadKeystore } from '../../../../sim/store/keystore-files.ts';
import { describeShared, RTDS_KEYSTORE_DIR, readSharedJson } from '../../../fixtures/shared.ts';

const crypto = createCrypto('noble');

describe('UTRN check digit (GBCS 14.8)', () => {
  it('gives the digits of published UTRNs', () => {
    for (const u of ['73943333457189043313', '74301825837596672005', '73950067887105178605']) {
      expect(utrnCheckDigit(u.slice(0, 19))).toBe(Number(u[19]));
    }
  });
  it('catches every single-digit error and every adjacent transposition', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 19n - 1n }),
        fc.integer({ min: 0, max: 18 }),
        fc.integer({ min: 1, max: 9 }),
        (n, i, d) => {
          const s = n.toString().padStart(19, '0');
          const c = utrnCheckDigit(s);
          const changed = s.slice(0, i) + String((Number(s[i]) + d) % 10) + s.slice(i + 1);
          expect(utrnCheckDigit(changed)).not.toBe(c);
          if (i < 18 && s[i] !== s[i + 1]) {
            const swapped = s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
            expect(utrnCheckDigit(swapped)).not.toBe(c);
          }
        },
      ),
    );
  });
});

describe('PTUT high dword', () => {
  it('packs counter bits, value class and value', () => {
    expect(encodePtutHigh({ truncatedCounter: 1, valueClass: 1, value: 100 })).toBe(0xa064);
    expect(decodePtutHigh(0xa064)).toEqual({ truncatedCounter: 1, valueClass: 1, value: 100 });
    expect(() => encodePtutHigh({ truncatedCounter: 1024, valueClass: 0, value: 1 })).toThrow(RangeError);
    expect(() => encodePtutHigh({ truncatedCounter: 0, valueClass: 0, value: 8192 })).toThrow(RangeError);
    expect(() => decodePtutHigh(0x02000000)).toThrow(DecodeError);
  });
});

describe('parseUtrn', () => {
  it('reads the fields of a UTRN', () => {
    const p = parseUtrn('73943333457189043313');
    expect(p).toMatchObject({ truncatedCounter: 1, valueClass: 1, value: 100, high: 0xa064 });
    expect(p.ptut).toBe(7394333345718904331n - PPTD_BASE);
  });
  it('gives a value or a DecodeError for any text (fuzz)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 24 }), fc.stringMatching(/^[0-9]{20}$/)), (t) => {
        try {
          const p = parseUtrn(t);
          expect(p.value).toBeLessThanOrEqual(8191);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('refuses malformed UTRNs with typed errors', () => {
    for (const bad of [
      '',
      '7394333345718904331',
      '73943333457189043314',
      '7394333345718904331x',
      '00000000000000000000',
    ]) {
      expect(() => parseUtrn(bad), bad).toThrow(DecodeError);
    }
  });
});

describe('utrnCounterAbove', () => {
  it('rebuilds the smallest counter above the floor', () => {
    expect(utrnCounterAbove(1, 0n)).toBe(1n << 32n);
    expect(utrnCounterAbove(6, 5n << 32n)).toBe(6n << 32n);
    // The same 10 bits again: one full turn of the 10-bit counter later.
    expect(utrnCounterAbove(6, 6n << 32n)).toBe((6n << 32n) + (1n << 42n));
    expect(utrnCounterAbove(0, (1023n << 32n) + 5n)).toBe(1n << 42n);
  });
  it('is always above the floor, within one turn, with the given bits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1023 }),
        fc.bigInt({ min: 0n, max: (1n << 62n) - 1n }),
        (t, floor) => {
          const c = utrnCounterAbove(t, floor);
          expect(c > floor).toBe(true);
          expect(c - floor <= 1n << 42n).toBe(true);
          expect(Number((c >> 32n) & 0x3ffn)).toBe(t);
          expect(c & 0xffffffffn).toBe(0n);
        },
      ),
    );
  });
});

describeShared('UTRN generation and verification (gbcs-parser vectors, RTDS keystore)', () => {
  const vectors = readSharedJson('vectors', 'smartdcc-gbcs-parser.unit-vectors.json').utrn as any[];
  const ks = loadKeystore(RTDS_KEYSTORE_DIR);
  const z = (supplier: string, device: string) =>
    crypto.ecdh(ks.privateKey(supplier, 'ka', 'prepayment')!, ks.publicKey(device, 'ka')!);

  it('reproduces the key, AAD, PTUT, PPTD and UTRN of utrn-nominal-1', () => {
    const v = vectors.find((x) => x.id === 'utrn-nominal-1');
    const supplierId = v.originator.toLowerCase();
    const deviceId = v.target.toLowerCase();
    const parties = { crypto, z: z(supplierId, deviceId), supplierId, deviceId };
    const counter = BigInt(v.counter);
    const key = deriveKey(crypto, parties.z, kdfOtherInfo(supplierId, 1, counter, deviceId));
    expect(toHex(key)).toBe(v.derived.macKey.toLowerCase());
    expect(toHex(utrnAad(supplierId, deviceId, counter, 0xa064))).toBe(v.derived.aad);
    const u = generateUtrn(parties, { counter, value: v.value, valueClass: 1 });
    expect(u.ptut.toString()).toBe(v.derived.ptut);
    expect(u.pptd.toString()).toBe(v.expectedPptd);
    expect(u.utrn).toBe(v.expectedUtrn);
    const parsed = parseUtrn(u.utrn);
    expect(verifyPtutMac(parties, parsed, utrnCounterAbove(parsed.truncatedCounter, 0n))).toBe(true);
    expect(verifyPtutMac(parties, parsed, counter + (1n << 42n))).toBe(false);
  });

  it('reproduces pptd-max-value', () => {
    const v = vectors.find((x) => x.id === 'pptd-max-value');
    const supplierId = v.originator.toLowerCase();
    const deviceId = v.target.toLowerCase();
    const u = generateUtrn(
      { crypto, z: z(supplierId, deviceId), supplierId, deviceId },
      { counter: BigInt(v.counter), value: v.value, valueClass: 1 },
    );
    expect(u.pptd.toString()).toBe(v.expectedPptd);
  });

  it('verifies the UTRN of RTDS 2.2 CS01b SUCCESS (Supplier 90b3d51f30010000 → GSME …a1, £12.50)', () => {
    const parties = {
      crypto,
      z: z('90b3d51f30010000', '00db1234567890a1'),
      supplierId: '90b3d51f30010000',
      deviceId: '00db1234567890a1',
    };
    const p = parseUtrn('73950067887105178605');
    expect(p).toMatchObject({ truncatedCounter: 6, valueClass: 0, value: 1250 });
    expect(verifyPtutMac(parties, p, utrnCounterAbove(p.truncatedCounter, 0n))).toBe(true);
  });

  it('round-trips generate → parse → verify', () => {
    const supplierId = '90b3d51f30010000';
    const deviceId = '00db1234567890a0';
    const parties = { crypto, z: z(supplierId, deviceId), supplierId, deviceId };
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 30n) - 1n }),
        fc.integer({ min: 0, max: 8191 }),
        fc.constantFrom(0, 1),
        (k, value, valueClass) => {
          const counter = k << 32n;
          const u = generateUtrn(parties, { counter, value, valueClass });
          const p = parseUtrn(u.utrn);
          expect(p).toMatchObject({ value, valueClass });
          expect(verifyPtutMac(parties, p, counter)).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });
});
