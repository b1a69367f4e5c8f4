/**
 * BER/A-XDR length octets (protocol/ber.ts): minimal encoding, round trip over the whole accepted
 * range, and typed rejection of every form the decoder refuses, at the offset of the first length
 * octet.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBerLength, MAX_BER_LENGTH, readBerLength } from '../../protocol/ber.ts';
import { ByteReader, concatBytes, fromHex, toHex } from '../../protocol/bytes.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { decodeErrorOf } from '../fixtures/errors.ts';

/** The minimal number of octets a length takes. */
function minimalOctets(n: number): number {
  return n < 0x80 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : 4;
}

describe('encodeBerLength / readBerLength', () => {
  it.each([
    [0, '00'],
    [1, '01'],
    [0x7f, '7f'],
    [0x80, '8180'],
    [0xa9, '81a9'],
    [0xff, '81ff'],
    [0x100, '820100'],
    [0x4b0, '8204b0'],
    [0xffff, '82ffff'],
    [0x10000, '83010000'],
    [0xffffff, '83ffffff'],
  ])('%i is encoded as %s and read back', (n, hex) => {
    expect(toHex(encodeBerLength(n))).toBe(hex);
    const r = new ByteReader(fromHex(hex));
    expect(readBerLength(r)).toBe(n);
    expect(r.remaining).toBe(0);
  });

  it('round-trips every length 0..0xFFFFFF in its minimal form (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 0x7f }),
          fc.integer({ min: 0x80, max: 0xff }),
          fc.integer({ min: 0x100, max: 0xffff }),
          fc.integer({ min: 0x10000, max: MAX_BER_LENGTH }),
        ),
        fc.uint8Array({ maxLength: 4 }),
        fc.uint8Array({ maxLength: 4 }),
        (n, before, after) => {
          const enc = encodeBerLength(n);
          expect(enc.length).toBe(minimalOctets(n));
          if (enc.length > 1) expect(enc[0]).toBe(0x80 | (enc.length - 1));
          // Read from the middle of a buffer: exactly the length octets are consumed.
          const r = new ByteReader(concatBytes(before, enc, after));
          r.pos = before.length;
          expect(readBerLength(r)).toBe(n);
          expect(r.pos).toBe(before.length + enc.length);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('round-trips every length at the octet-count boundaries and the whole low range', () => {
    for (let n = 0; n <= 0x1ff; n++) {
      expect(readBerLength(new ByteReader(encodeBerLength(n)))).toBe(n);
    }
    for (const n of [0xfffe, 0xffff, 0x10000, 0x10001, 0xfffffe, 0xffffff]) {
      expect(readBerLength(new ByteReader(encodeBerLength(n)))).toBe(n);
    }
  });

  it.each([-1, MAX_BER_LENGTH + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses to encode %s',
    (n) => {
      expect(() => encodeBerLength(n)).toThrow(RangeError);
    },
  );
});

describe('readBerLength rejects', () => {
  it.each([
    ['8105', 'non-minimal 81 for a short length'],
    ['817f', 'non-minimal 81 for 0x7f'],
    ['820080', 'non-minimal 82 for 0x80'],
    ['8200ff', 'non-minimal 82 for 0xff'],
    ['82007f', 'non-minimal 82 for 0x7f'],
    ['8300ffff', 'non-minimal 83 for 0xffff'],
    ['83000001', 'non-minimal 83 for 1'],
    ['80', 'indefinite form'],
    ['8401000000', 'four length octets'],
    ['ff', 'long form with 127 octets'],
  ])('%s (%s) with BAD_LENGTH at the first length octet', (hex, _what) => {
    for (const prefixLength of [0, 3]) {
      const r = new ByteReader(concatBytes(new Uint8Array(prefixLength).fill(0xaa), fromHex(hex)));
      r.pos = prefixLength;
      const e = decodeErrorOf(() => readBerLength(r));
      expect(e.code).toBe(ErrorCode.BAD_LENGTH);
      expect(e.offset).toBe(prefixLength);
    }
  });

  it('reports the offset in the outermost input for a nested reader', () => {
    const r = new ByteReader(fromHex('11 820080'), 40);
    r.pos = 1;
    const e = decodeErrorOf(() => readBerLength(r));
    expect(e.code).toBe(ErrorCode.BAD_LENGTH);
    expect(e.offset).toBe(41);
  });

  it('every non-minimal long form (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 0x7f }).map((n) => Uint8Array.of(0x81, n)),
          fc.integer({ min: 0, max: 0xff }).map((n) => Uint8Array.of(0x82, 0, n)),
          fc.integer({ min: 0, max: 0xffff }).map((n) => Uint8Array.of(0x83, 0, n >> 8, n & 0xff)),
        ),
        fc.nat({ max: 8 }),
        (bytes, at) => {
          const r = new ByteReader(concatBytes(new Uint8Array(at), bytes));
          r.pos = at;
          const e = decodeErrorOf(() => readBerLength(r));
          expect(e.code).toBe(ErrorCode.BAD_LENGTH);
          expect(e.offset).toBe(at);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('every first octet 0x80 and 0x84..0xFF, whatever follows', () => {
    for (let first = 0x80; first <= 0xff; first++) {
      if (first >= 0x81 && first <= 0x83) continue;
      const r = new ByteReader(Uint8Array.of(0x01, first, 1, 2, 3, 4), 7);
      r.pos = 1;
      const e = decodeErrorOf(() => readBerLength(r));
      expect(e.code).toBe(ErrorCode.BAD_LENGTH);
      expect(e.offset).toBe(8);
    }
  });

  it.each(['', '81', '82', '8201', '83', '8301', '830100'])(
    'a truncated length %s with TRUNCATED at the end of the input',
    (hex) => {
      const bytes = hex === '' ? new Uint8Array(0) : fromHex(hex);
      const e = decodeErrorOf(() => readBerLength(new ByteReader(bytes)));
      expect(e.code).toBe(ErrorCode.TRUNCATED);
      expect(e.offset).toBe(bytes.length);
    },
  );
});
