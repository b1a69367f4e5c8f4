/**
 * protocol/bytes.ts per-message helpers against independent oracles: `putU64be`/`u64be` against
 * DataView.setBigUint64, the regex-free `fromHex` path against Node's Buffer hex decoder, `putHex`;
 * base64 (RFC 4648) and the hex-or-base64 reading of a GBCS message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, messageBytes, putHex, putU64be, toHex, u64be } from '../../protocol/bytes.ts';
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

describe('fromBase64', () => {
  it('agrees with Node Buffer on any bytes, padded, unpadded and URL-safe (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (bytes) => {
        const b64 = Buffer.from(bytes).toString('base64');
        expect(toHex(fromBase64(b64))).toBe(toHex(bytes));
        expect(toHex(fromBase64(b64.replace(/=+$/, '')))).toBe(toHex(bytes));
        expect(toHex(fromBase64(Buffer.from(bytes).toString('base64url')))).toBe(toHex(bytes));
      }),
    );
  });
  it('RFC 4648 §10 vectors; whitespace ignored', () => {
    expect(new TextDecoder().decode(fromBase64('Zm9v YmFy'))).toBe('foobar');
    expect(new TextDecoder().decode(fromBase64('Zm9vYg=='))).toBe('foob');
    expect(new TextDecoder().decode(fromBase64('Zm9vYmE='))).toBe('fooba');
  });
  it('refuses what is not base64, with a typed error', () => {
    expect(() => fromBase64('Zm9v*mFy')).toThrow(expect.objectContaining({ code: 'NOT_BASE64', offset: 3 }));
    expect(() => fromBase64('Zm9vY')).toThrow(expect.objectContaining({ code: 'BAD_LENGTH' }));
    expect(() => fromBase64('Zm9vYg=')).toThrow(expect.objectContaining({ code: 'BAD_LENGTH' }));
    expect(() => fromBase64('Zm9vYh==')).toThrow(expect.objectContaining({ code: 'NOT_BASE64' }));
    expect(() => fromBase64('  ')).toThrow(expect.objectContaining({ code: 'EMPTY' }));
  });
});

describe('messageBytes: hex or base64, told apart by the text', () => {
  const msg = fromHex('dd000000000000000011');
  it('hex digits are hex; base64 of a message starting DD or DF is base64', () => {
    expect(messageBytes('DD00 0000 0000 0000 0011')).toEqual({ bytes: msg, encoding: 'hex' });
    expect(messageBytes(Buffer.from(msg).toString('base64'))).toEqual({ bytes: msg, encoding: 'base64' });
    const df = fromHex('df0901');
    expect(messageBytes(Buffer.from(df).toString('base64'))).toEqual({ bytes: df, encoding: 'base64' });
  });
  it('a typo in hex is reported as hex (NOT_HEX at its byte), not read as base64', () => {
    expect(() => messageBytes('DD00ZZ')).toThrow(expect.objectContaining({ code: 'NOT_HEX', offset: 2 }));
  });
});
