/**
 * protocol/bytes.ts per-message helpers against independent oracles: `putU64be`/`u64be` against
 * DataView.setBigUint64, the regex-free `fromHex` path against Node's Buffer hex decoder, `putHex`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, putHex, putU64be, toHex, u64be } from '../../protocol/bytes.ts';
import { DecodeError } from '../../protocol/errors.ts';

describe('u64be / putU64be', () => {
  it('= DataView.setBigUint64 for every uint64 (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.nat({ max: 8 }), (v, at) => {
        const ref = new Uint8Array(8);
        new DataView(ref.buffer).setBigUint64(0, v);
        expect(u64be(v)).toEqual(ref);
        const out = new Uint8Array(16);
        putU64be(out, at, v);
        expect(out.subarray(at, at + 8)).toEqual(ref);
      }),
    );
  });
  it('RangeError outside uint64 (−1, 2^64)', () => {
    expect(() => u64be(-1n)).toThrow(RangeError);
    expect(() => u64be(2n ** 64n)).toThrow(RangeError);
  });
});

describe('fromHex / putHex', () => {
  it('= Buffer.from(hex) for strings of hex digits in either case (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.boolean(), (b, upper) => {
        const hex = upper ? toHex(b).toUpperCase() : toHex(b);
        expect(fromHex(hex)).toEqual(new Uint8Array(Buffer.from(hex, 'hex')));
        const out = new Uint8Array(b.length + 2);
        expect(putHex(out, 2, hex, b.length)).toBe(true);
        expect(out.subarray(2)).toEqual(b);
      }),
    );
  });
  it('whitespace and a BOM still go through the general path; bad digits keep their errors', () => {
    expect(fromHex('\uFEFFde ad\nbe ef')).toEqual(Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
    expect(() => fromHex('0g')).toThrow(DecodeError);
    expect(() => fromHex('abc')).toThrow(DecodeError);
    expect(() => fromHex('')).toThrow(DecodeError);
  });
  it('putHex refuses wrong lengths and non-digits', () => {
    const out = new Uint8Array(8);
    expect(putHex(out, 0, '00112233445566', 8)).toBe(false);
    expect(putHex(out, 1, '0011223344556677', 8)).toBe(false);
    expect(putHex(out, 0, '001122334455667g', 8)).toBe(false);
  });
});
