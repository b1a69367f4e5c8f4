/**
 * General Block Transfer (protocol/gbt.ts, gbcs-wire-and-security.md §2.5): the routing-header
 * layout pinned by hand-built bytes, encode/decode round trip over every block-control bit,
 * segmentation and reassembly in any delivery order, and the refusals that leave a reassembly
 * unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBerLength } from '../../protocol/ber.ts';
import { concatBytes, equalBytes, fromHex, toHex } from '../../protocol/bytes.ts';
import { decodeGbcsMessage, encodeGbcsMessage, encodeMacMessage } from '../../protocol/envelope.ts';
import { DecodeError, ErrorCode } from '../../protocol/errors.ts';
import {
  encodeGbtBlock,
  GBT_MAX_BLOCK_DATA,
  GBT_MAX_BLOCKS,
  type GbtAddResult,
  type GbtBlock,
  GbtReassembly,
  type GbtRoutingHeader,
  segmentGbcsMessage,
} from '../../protocol/gbt.ts';
import { encodeGeneralSigning, groupingHeader } from '../../protocol/grouping-header.ts';
import type { CraFlag } from '../../protocol/types.ts';
import { decodeErrorOf } from '../fixtures/errors.ts';

// ---------------------------------------------------------------------------------------------
// Helpers and arbitraries

/** Decodes bytes that must be a GBT message and returns its block. */
function decodeBlock(bytes: Uint8Array): GbtBlock {
  const m = decodeGbcsMessage(bytes);
  if (m.form !== 'gbt') throw new Error(`expected form gbt, got ${m.form}`);
  return m.block;
}

/** Deterministic bytes from a seed (xorshift32): large messages without generating each byte. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const eui64 = fc.uint8Array({ minLength: 8, maxLength: 8 }).map(toHex);
const routingHeader: fc.Arbitrary<GbtRoutingHeader> = fc.record({
  craFlag: fc.constantFrom<CraFlag>(1, 2, 3),
  originatorCounter: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
  originatorId: eui64,
  recipientId: eui64,
  messageCode: fc.integer({ min: 0, max: 0xffff }),
});

/** A message of 1..255×1200 bytes and a block size that needs at most 255 blocks for it. */
const segmentation = fc
  .record({
    blockSize: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: GBT_MAX_BLOCK_DATA })),
    count: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: GBT_MAX_BLOCKS })),
    lastFill: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.integer(),
  })
  .map(({ blockSize, count, lastFill, seed }) => {
    const lastLength = Math.min(blockSize, 1 + Math.floor(lastFill * blockSize));
    const length = (count - 1) * blockSize + lastLength;
    return { blockSize, count, message: pseudoRandomBytes(length, seed) };
  });

/** Sort keys from which a permutation of the first n indices is taken. */
const sortKeys = fc.array(fc.nat(), { minLength: GBT_MAX_BLOCKS, maxLength: GBT_MAX_BLOCKS });
function permutation(n: number, keys: readonly number[]): number[] {
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
}

const ROUTING: GbtRoutingHeader = {
  craFlag: 1,
  originatorCounter: 0x1122334455667788n,
  originatorId: '90b3d51f30010000',
  recipientId: '00db1234567890a0',
  messageCode: 0x0015,
};

// ---------------------------------------------------------------------------------------------

describe('GBT routing header and block layout (hand-built bytes)', () => {
  // DD | 09 CRA Counter | 08 Orig | 08 Recip | 00 date-time | 02 MessageCode | 00 key-info
  //    | BER(len) | 11 00000000 | E0 ctrl block-number block-number-ack BER(n) data
  const lastBlockHex =
    'dd 09 01 1122334455667788 08 90b3d51f30010000 08 00db1234567890a0 00 02 0015 00' +
    ' 0e' + // 5 (SC, IC) + 1 (E0) + 1 (ctrl) + 2 + 2 + 1 (n) + 2 (data) = 14
    ' 11 00000000' +
    ' e0 81 0003 0002 02 cafe'; // last block, window 1; block 3, ack 2; 2 bytes
  const lastBlock: GbtBlock = {
    routing: ROUTING,
    securityControl: 0x11,
    invocationCounter: 0,
    lastBlock: true,
    streaming: false,
    window: 1,
    blockNumber: 3,
    blockNumberAck: 2,
    data: fromHex('cafe'),
  };

  // Streaming, not last, window 63: ctrl 7F. 130 data bytes: BER 81 82; content 143: BER 81 8F.
  const longBlockHex =
    'dd 09 03 ffffffffffffffff 08 0000000000000001 08 fffffffffffffffe 00 02 ffff 00' +
    ' 81 8f' +
    ' 11 0a0b0c0d' +
    ` e0 7f 0102 0101 81 82 ${'ab'.repeat(130)}`;
  const longBlock: GbtBlock = {
    routing: {
      craFlag: 3,
      originatorCounter: 0xffffffffffffffffn,
      originatorId: '0000000000000001',
      recipientId: 'fffffffffffffffe',
      messageCode: 0xffff,
    },
    securityControl: 0x11,
    invocationCounter: 0x0a0b0c0d,
    lastBlock: false,
    streaming: true,
    window: 63,
    blockNumber: 0x0102,
    blockNumberAck: 0x0101,
    data: new Uint8Array(130).fill(0xab),
  };

  it.each([
    ['a last block with a 1-octet length', lastBlockHex, lastBlock],
    ['a streaming block with 2-octet lengths', longBlockHex, longBlock],
  ])('encodes and decodes %s', (_what, hex, block) => {
    expect(toHex(encodeGbtBlock(block))).toBe(toHex(fromHex(hex)));
    const decoded = decodeBlock(fromHex(hex));
    expect({ ...decoded, data: toHex(decoded.data) }).toEqual({ ...block, data: toHex(block.data) });
  });

  it('rejects block data of 1201 bytes with TOO_LARGE at the block-data length', () => {
    // content = 5 + 1 + 1 + 2 + 2 + 3 (82 04B1) + 1201 = 1215 = 0x04BF
    const hex =
      'dd 09 01 1122334455667788 08 90b3d51f30010000 08 00db1234567890a0 00 02 0015 00' +
      ' 82 04bf 11 00000000 e0 81 0001 0000 82 04b1' +
      '5a'.repeat(1201);
    const e = decodeErrorOf(() => decodeGbcsMessage(fromHex(hex)));
    expect(e.code).toBe(ErrorCode.TOO_LARGE);
    // DD(0) 09(1) CRA(2) counter(3–10) 08(11) orig(12–19) 08(20) recip(21–28) 00(29) 02(30) code(31–32)
    // 00(33) len(34–36) SC(37) IC(38–41) E0(42) ctrl(43) bn(44–45) ack(46–47) data length(48)
    expect(e.offset).toBe(48);
    // 1200 bytes is the largest block accepted.
    const ok =
      'dd 09 01 1122334455667788 08 90b3d51f30010000 08 00db1234567890a0 00 02 0015 00' +
      ' 82 04be 11 00000000 e0 81 0001 0000 82 04b0' +
      '5a'.repeat(1200);
    expect(decodeBlock(fromHex(ok)).data.length).toBe(1200);
    expect(() => encodeGbtBlock({ ...lastBlock, data: new Uint8Array(1201) })).toThrow(RangeError);
  });

  it('rejects block number 0 with BAD_VALUE at the block number', () => {
    const hex =
      'dd 09 01 1122334455667788 08 90b3d51f30010000 08 00db1234567890a0 00 02 0015 00' +
      ' 0e 11 00000000 e0 81 0000 0002 02 cafe';
    const e = decodeErrorOf(() => decodeGbcsMessage(fromHex(hex)));
    expect(e.code).toBe(ErrorCode.BAD_VALUE);
    // … len(34) SC(35) IC(36–39) E0(40) ctrl(41) block-number(42–43)
    expect(e.offset).toBe(42);
    // The same through the encoder, for any other field values.
    fc.assert(
      fc.property(routingHeader, fc.uint8Array({ maxLength: 200 }), (routing, data) => {
        const bytes = encodeGbtBlock({ ...lastBlock, routing, data, blockNumber: 0 });
        const err = decodeErrorOf(() => decodeGbcsMessage(bytes));
        expect(err.code).toBe(ErrorCode.BAD_VALUE);
        expect(bytes[err.offset - 1]).toBe(bytes[41]); // the block-control byte precedes it
        expect(toHex(bytes.subarray(err.offset, err.offset + 2))).toBe('0000');
      }),
      { numRuns: 100 },
    );
  });

  it('every truncation of a block throws DecodeError; single-byte mutations never throw anything else', () => {
    for (const hex of [lastBlockHex, longBlockHex]) {
      const bytes = fromHex(hex);
      for (let n = 0; n < bytes.length; n++) {
        const e = decodeErrorOf(() => decodeGbcsMessage(bytes.subarray(0, n)));
        expect(e.code).toBe(n === 0 ? ErrorCode.EMPTY : ErrorCode.TRUNCATED);
        expect(e.offset).toBe(n);
      }
      for (let i = 0; i < bytes.length; i++) {
        for (const x of [0x01, 0x80, 0xff]) {
          const m = bytes.slice();
          m[i] = m[i]! ^ x;
          try {
            const decoded = decodeGbcsMessage(m);
            expect(equalBytes(encodeGbcsMessage(decoded), m)).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError);
            expect((e as DecodeError).offset).toBeLessThanOrEqual(m.length);
          }
        }
      }
    }
  });
});

describe('encodeGbtBlock → decodeGbcsMessage (property)', () => {
  it('round-trips every field and every block-control bit', () => {
    const controls = new Set<number>();
    fc.assert(
      fc.property(
        fc.record({
          routing: routingHeader,
          securityControl: fc.integer({ min: 0, max: 0xff }),
          invocationCounter: fc.integer({ min: 0, max: 0xffffffff }),
          lastBlock: fc.boolean(),
          streaming: fc.boolean(),
          window: fc.integer({ min: 0, max: 63 }),
          blockNumber: fc.integer({ min: 1, max: 0xffff }),
          blockNumberAck: fc.integer({ min: 0, max: 0xffff }),
          data: fc.oneof(
            fc.uint8Array({ maxLength: 127 }),
            fc.uint8Array({ minLength: 128, maxLength: GBT_MAX_BLOCK_DATA }),
          ),
        }),
        (block) => {
          const bytes = encodeGbtBlock(block);
          const m = decodeGbcsMessage(bytes);
          expect(m.form).toBe('gbt');
          if (m.form !== 'gbt') return;
          expect({ ...m.block, data: toHex(m.block.data) }).toEqual({ ...block, data: toHex(block.data) });
          expect(equalBytes(encodeGbcsMessage(m), bytes)).toBe(true);
          // … E0 ctrl block-number(2) block-number-ack(2) BER(n) data(n): counted from the end.
          const controlAt =
            bytes.length - block.data.length - encodeBerLength(block.data.length).length - 4 - 1;
          expect(bytes[controlAt - 1]).toBe(0xe0);
          const control = (block.lastBlock ? 0x80 : 0) | (block.streaming ? 0x40 : 0) | block.window;
          expect(bytes[controlAt]).toBe(control);
          for (let bit = 0; bit < 8; bit++) if (control & (1 << bit)) controls.add(bit);
        },
      ),
      { numRuns: 500 },
    );
    expect(controls.size).toBe(8);
  });

  it('refuses to encode a window outside 0..63', () => {
    const b = segmentGbcsMessage(Uint8Array.of(1), ROUTING)[0]!;
    expect(() => encodeGbtBlock({ ...b, window: 64 })).toThrow(RangeError);
    expect(() => encodeGbtBlock({ ...b, window: -1 })).toThrow(RangeError);
  });
});

describe('segmentGbcsMessage', () => {
  it('cuts a message into numbered blocks of the block size, the last one flagged (property)', () => {
    fc.assert(
      fc.property(segmentation, routingHeader, ({ blockSize, count, message }, routing) => {
        const blocks = segmentGbcsMessage(message, routing, blockSize);
        expect(blocks.length).toBe(count);
        blocks.forEach((b, i) => {
          expect(b.blockNumber).toBe(i + 1);
          expect(b.lastBlock).toBe(i === count - 1);
          expect(b.routing).toEqual(routing);
          if (i < count - 1) expect(b.data.length).toBe(blockSize);
          else expect(b.data.length).toBeGreaterThanOrEqual(1);
        });
        expect(equalBytes(concatBytes(...blocks.map((b) => b.data)), message)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses more than 255 blocks and block sizes outside 1..1200', () => {
    expect(segmentGbcsMessage(new Uint8Array(255), ROUTING, 1).length).toBe(255);
    expect(segmentGbcsMessage(new Uint8Array(255 * 1200), ROUTING).length).toBe(255);
    expect(() => segmentGbcsMessage(new Uint8Array(256), ROUTING, 1)).toThrow(RangeError);
    expect(() => segmentGbcsMessage(new Uint8Array(255 * 1200 + 1), ROUTING)).toThrow(RangeError);
    expect(() => segmentGbcsMessage(Uint8Array.of(1), ROUTING, 0)).toThrow(RangeError);
    expect(() => segmentGbcsMessage(Uint8Array.of(1), ROUTING, 1201)).toThrow(RangeError);
  });
});

describe('GbtReassembly', () => {
  it('reassembles blocks delivered in any order, over the wire (property)', () => {
    fc.assert(
      fc.property(segmentation, routingHeader, sortKeys, ({ blockSize, count, message }, routing, keys) => {
        const blocks = segmentGbcsMessage(message, routing, blockSize);
        const r = new GbtReassembly(routing);
        const order = permutation(count, keys);
        order.forEach((i, k) => {
          const result = r.add(decodeBlock(encodeGbtBlock(blocks[i]!)));
          if (k < count - 1) expect(result).toEqual({ status: 'incomplete', received: k + 1 });
          else {
            expect(result.status).toBe('complete');
            if (result.status === 'complete') expect(equalBytes(result.message, message)).toBe(true);
          }
        });
      }),
      { numRuns: 60 },
    );
  });

  it('reassembles a MAC-form message of 255 × 1200 bytes that decodes to its Grouping Header', () => {
    const header = groupingHeader({
      craFlag: 1,
      originatorCounter: 0x1122334455667788n,
      originatorId: '90b3d51f30010000',
      recipientId: '00db1234567890a0',
      messageCode: 0x0015,
    });
    // MAC header 7 + 4 (83 LLLLLL) + 5, MAC 12; APDU: DF 09 CRA Counter (11), 2 × 08 id (18), 00 (1),
    // 02 code (3), 83 LLLLLL (4), payload, 00 (1).
    const payload = pseudoRandomBytes(255 * 1200 - 28 - 37 - 1, 7);
    const message = encodeMacMessage(
      encodeGeneralSigning(header, payload, { kind: 'null' }),
      new Uint8Array(12),
    );
    expect(message.length).toBe(255 * 1200);
    const r = new GbtReassembly(ROUTING);
    let result: GbtAddResult | undefined;
    for (const b of segmentGbcsMessage(message, ROUTING).reverse()) result = r.add(b);
    if (result?.status !== 'complete') throw new Error(`not complete: ${JSON.stringify(result)}`);
    const m = decodeGbcsMessage(result.message);
    if (m.form !== 'mac') throw new Error(`form ${m.form}`);
    expect(m.apdu.header).toEqual(header);
    expect(equalBytes(m.apdu.payload, payload)).toBe(true);
  });

  it.each([
    ['originatorId', { originatorId: '90b3d51f30010001' }],
    ['recipientId', { recipientId: '00db1234567890a1' }],
    ['craFlag', { craFlag: 2 as CraFlag }],
    ['originatorCounter', { originatorCounter: 0x1122334455667789n }],
    ['messageCode', { messageCode: 0x0016 }],
  ])('refuses a block whose %s differs with MISMATCH and no state change', (_field, change) => {
    const blocks = segmentGbcsMessage(Uint8Array.of(1, 2, 3), ROUTING, 1);
    const r = new GbtReassembly(ROUTING);
    expect(r.add(blocks[0]!)).toEqual({ status: 'incomplete', received: 1 });
    const foreign = { ...blocks[1]!, routing: { ...ROUTING, ...change }, data: Uint8Array.of(9) };
    expect(r.add(foreign)).toMatchObject({ status: 'error', code: 'MISMATCH' });
    expect(r.add(blocks[1]!)).toEqual({ status: 'incomplete', received: 2 });
    expect(r.add(blocks[2]!)).toMatchObject({ status: 'complete', message: Uint8Array.of(1, 2, 3) });
  });

  it('refuses duplicates, blocks beyond the last, block 0, data > 1200 and a misplaced last block', () => {
    const blocks = segmentGbcsMessage(Uint8Array.of(1, 2, 3, 4), ROUTING, 1);
    const [b1, b2, b3, b4] = blocks as [GbtBlock, GbtBlock, GbtBlock, GbtBlock];
    const r = new GbtReassembly(ROUTING);
    expect(r.add(b4)).toEqual({ status: 'incomplete', received: 1 });
    expect(r.add({ ...b4, data: Uint8Array.of(0xee) })).toMatchObject({
      status: 'error',
      code: 'DUPLICATE_BLOCK',
    });
    expect(r.add({ ...b1, blockNumber: 5, lastBlock: false })).toMatchObject({
      status: 'error',
      code: 'TOO_MANY_BLOCKS',
    });
    expect(r.add({ ...b1, blockNumber: 256 })).toMatchObject({ status: 'error', code: 'TOO_MANY_BLOCKS' });
    expect(r.add({ ...b1, blockNumber: 0 })).toMatchObject({ status: 'error', code: 'TOO_MANY_BLOCKS' });
    expect(r.add({ ...b1, data: new Uint8Array(1201) })).toMatchObject({
      status: 'error',
      code: 'TOO_LARGE',
    });
    expect(r.add({ ...b2, lastBlock: true })).toMatchObject({ status: 'error', code: 'MISMATCH' });
    expect(r.add(b2)).toEqual({ status: 'incomplete', received: 2 });
    expect(r.add(b1)).toEqual({ status: 'incomplete', received: 3 });
    expect(r.add(b3)).toMatchObject({ status: 'complete', message: Uint8Array.of(1, 2, 3, 4) });
    // After completion everything is a duplicate or beyond the last.
    expect(r.add(b3)).toMatchObject({ status: 'error', code: 'DUPLICATE_BLOCK' });
    expect(r.add({ ...b1, blockNumber: 5 })).toMatchObject({ status: 'error', code: 'TOO_MANY_BLOCKS' });
  });

  it('a block number 0 from outside the decoder does not break completion (regression)', () => {
    // Found by review: block 0 was stored, so three blocks "completed" a three-block message
    // with block 2 missing and concatBytes threw a TypeError.
    const blocks = segmentGbcsMessage(Uint8Array.of(1, 2, 3), ROUTING, 1);
    const r = new GbtReassembly(ROUTING);
    expect(r.add({ ...blocks[0]!, blockNumber: 0 }).status).toBe('error');
    expect(r.add({ ...blocks[0]!, blockNumber: 1.5 }).status).toBe('error');
    expect(r.add(blocks[0]!)).toEqual({ status: 'incomplete', received: 1 });
    expect(r.add(blocks[2]!)).toEqual({ status: 'incomplete', received: 2 });
    expect(r.add(blocks[1]!)).toMatchObject({ status: 'complete', message: Uint8Array.of(1, 2, 3) });
  });

  it('bad blocks injected at any point are refused with their status and change nothing (property)', () => {
    const kinds = ['duplicate', 'foreign', 'beyond', 'zero', 'tooLarge', 'lastEarly'] as const;
    type Kind = (typeof kinds)[number];
    interface Injection {
      step: number;
      kind: Kind;
      pick: number;
      field: keyof GbtRoutingHeader;
    }
    const injection: fc.Arbitrary<Injection> = fc.record({
      step: fc.nat(),
      kind: fc.constantFrom(...kinds),
      pick: fc.nat(),
      field: fc.constantFrom<keyof GbtRoutingHeader>(
        'originatorId',
        'recipientId',
        'craFlag',
        'originatorCounter',
        'messageCode',
      ),
    });
    const seenKinds = new Set<Kind>();
    fc.assert(
      fc.property(
        segmentation.filter((s) => s.count >= 2),
        routingHeader,
        sortKeys,
        fc.array(injection, { minLength: 1, maxLength: 12 }),
        ({ blockSize, count, message }, routing, keys, injections) => {
          const blocks = segmentGbcsMessage(message, routing, blockSize);
          const order = permutation(count, keys);
          const r = new GbtReassembly(routing);
          const delivered = new Set<number>();

          /** The bad block of this kind for the current state, and the status it must get. */
          function bad(inj: Injection): [GbtBlock, string] | null {
            const undelivered = blocks.filter((b) => !delivered.has(b.blockNumber));
            const some = undelivered[inj.pick % undelivered.length]!;
            const maxDelivered = Math.max(0, ...delivered);
            switch (inj.kind) {
              case 'duplicate': {
                if (delivered.size === 0) return null;
                const n = [...delivered][inj.pick % delivered.size]!;
                const data = blocks[n - 1]!.data.map((x) => x ^ 0xff);
                return [{ ...blocks[n - 1]!, data }, 'DUPLICATE_BLOCK'];
              }
              case 'foreign': {
                const other: GbtRoutingHeader = { ...routing };
                if (inj.field === 'originatorId' || inj.field === 'recipientId')
                  other[inj.field] = toHex(fromHex(routing[inj.field]).map((x) => x ^ 1));
                else if (inj.field === 'craFlag') other.craFlag = ((routing.craFlag % 3) + 1) as CraFlag;
                else if (inj.field === 'originatorCounter')
                  other.originatorCounter = (routing.originatorCounter + 1n) & 0xffffffffffffffffn;
                else other.messageCode = routing.messageCode ^ 1;
                return [{ ...some, routing: other, data: Uint8Array.of(0xee) }, 'MISMATCH'];
              }
              case 'beyond': {
                // Past the last block once it is known; past 255 at any time. Sent over the wire.
                const lastKnown = delivered.has(count);
                const n =
                  lastKnown && count < GBT_MAX_BLOCKS && inj.pick % 2 === 0
                    ? count + 1 + (inj.pick % (GBT_MAX_BLOCKS - count))
                    : GBT_MAX_BLOCKS + 1 + (inj.pick % (0xffff - GBT_MAX_BLOCKS));
                const b = { ...some, blockNumber: n, lastBlock: false };
                return [decodeBlock(encodeGbtBlock(b)), 'TOO_MANY_BLOCKS'];
              }
              case 'zero':
                return [{ ...some, blockNumber: 0 }, 'TOO_MANY_BLOCKS'];
              case 'tooLarge':
                return [
                  { ...some, data: new Uint8Array(GBT_MAX_BLOCK_DATA + 1 + (inj.pick % 3000)) },
                  'TOO_LARGE',
                ];
              case 'lastEarly': {
                const early = undelivered.filter((b) => b.blockNumber < maxDelivered);
                if (early.length === 0) return null;
                return [{ ...early[inj.pick % early.length]!, lastBlock: true }, 'MISMATCH'];
              }
            }
          }

          for (let k = 0; k < count; k++) {
            for (const inj of injections) {
              if (inj.step % count !== k) continue;
              const b = bad(inj);
              if (b === null) continue;
              expect(r.add(b[0])).toMatchObject({ status: 'error', code: b[1] });
              seenKinds.add(inj.kind);
            }
            const good = blocks[order[k]!]!;
            const result = r.add(good);
            delivered.add(good.blockNumber);
            if (k < count - 1) expect(result).toEqual({ status: 'incomplete', received: k + 1 });
            else {
              expect(result.status).toBe('complete');
              if (result.status === 'complete') expect(equalBytes(result.message, message)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
    expect([...seenKinds].sort()).toEqual([...kinds].sort());
  });
});
