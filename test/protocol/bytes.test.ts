/** protocol/bytes.ts: base64 (RFC 4648) and the hex-or-base64 reading of a GBCS message. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, messageBytes, toHex } from '../../protocol/bytes.ts';

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
