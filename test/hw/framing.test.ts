/**
 * Framing codecs (hw/framing): the GFI text line against the published example, the binary
 * framing's CRC-16/CCITT-FALSE against its check value, and properties of both:
 * - round trip under any chunking of the line;
 * - arbitrary garbage between frames: every frame is recovered, in order;
 * - bounded: the decoder never holds more than one maximal frame, whatever arrives, and every
 *   push returns (no hang); a flush empties it.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16CcittFalse, crc16OfRange, crc16Running } from '../../hw/crc16.ts';
import { TransportError } from '../../hw/errors.ts';
import { createBinaryCodec } from '../../hw/framing/binary.ts';
import type { Frame, FramingCodec } from '../../hw/framing/frame.ts';
import { createGfiCodec } from '../../hw/framing/gfi.ts';
import { equalBytes, fromHex } from '../../protocol/bytes.ts';
import { describeShared, readSharedJson, sharedPath } from '../fixtures/shared.ts';

const ascii = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('CRC-16/CCITT-FALSE', () => {
  it('check value: "123456789" → 0x29B1 (poly 0x1021, init 0xFFFF, no reflection, no XOR out)', () => {
    expect(crc16CcittFalse(ascii('123456789'))).toBe(0x29b1);
  });
  it('continues across chunks, and the empty input is the initial value', () => {
    const b = ascii('123456789');
    expect(crc16CcittFalse(b, 5, 9, crc16CcittFalse(b, 0, 5))).toBe(0x29b1);
    expect(crc16CcittFalse(new Uint8Array(0))).toBe(0xffff);
  });
  it('the CRC of any range from two running register values equals the CRC computed directly', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffff }),
        (bytes, a, b, q0) => {
          const q = new Uint16Array(bytes.length + 1);
          q[0] = q0; // any start value: only differences of the running sequence matter
          crc16Running(bytes, 0, bytes.length, q);
          const s = a % (bytes.length + 1);
          const e = s + (b % (bytes.length + 1 - s));
          expect(crc16OfRange(q[s]!, q[e]!, e - s)).toBe(crc16CcittFalse(bytes, s, e));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('GFI text line', () => {
  const gfi = createGfiCodec();

  it('encodes GBCS:DATA#n:len:HEX CRLF, len in bytes, upper-case hex', () => {
    const line = text(gfi.encode({ channel: 'gbcs', payload: Uint8Array.of(0xdd, 0x00, 0xab) }));
    expect(line).toBe('GBCS:DATA#0:3:DD00AB\r\n');
    expect(text(gfi.encode({ channel: 'gbcs', payload: Uint8Array.of(1), n: 7 }))).toBe(
      'GBCS:DATA#7:1:01\r\n',
    );
    expect(text(gfi.encode({ channel: 'control', payload: Uint8Array.of(0xa0) }))).toBe(
      'GBCS-SIM:CBOR#0:1:A0\r\n',
    );
  });

  it('decodes lower-case hex, a bare LF, and reports n', () => {
    const d = gfi.createDecoder();
    const f = d.push(ascii('GBCS:DATA#12:2:abCD\nGBCS:DATA#0:1:FF\r\n'));
    expect(f.map((x) => [x.channel, x.n, [...x.payload]])).toEqual([
      ['gbcs', 12, [0xab, 0xcd]],
      ['gbcs', 0, [0xff]],
    ]);
  });

  it('refuses bad lines and resynchronises on the next one', () => {
    const d = gfi.createDecoder();
    const bad = [
      'GBCS:DATA#0:3:DD00\r\n', // too few digits
      'GBCS:DATA#0:1:DD00\r\n', // too many
      'GBCS:DATA#0:0:\r\n', // empty
      'GBCS:DATA#x:1:DD\r\n',
      'GBCS:DATA#0:1:ZZ\r\n',
      'GBCS:DATA#0:999999:DD\r\n', // more than 5 digits
      `GBCS:DATA#0:2049:${'00'.repeat(2049)}\r\n`, // over maxPayload
      'GBCS:DATA#0:1:DD\r\r',
    ].join('');
    const f = d.push(ascii(`${bad}GBCS:DATA#0:1:42\r\n`));
    expect(f).toHaveLength(1);
    expect([...f[0]!.payload]).toEqual([0x42]);
    expect(d.stats.badCandidates).toBeGreaterThanOrEqual(8);
  });

  it('encode refuses an empty or oversized payload with FRAME_TOO_LARGE', () => {
    for (const payload of [new Uint8Array(0), new Uint8Array(2049)]) {
      try {
        gfi.encode({ channel: 'gbcs', payload });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(TransportError);
        expect((e as TransportError).code).toBe('FRAME_TOO_LARGE');
      }
    }
  });
});

describeShared('GFI line of ../shared (HenryGiraldo/gbcs c/gfi.h example)', () => {
  it('decodes to the 72-byte ECS10 response and re-encodes byte for byte', () => {
    const line = new Uint8Array(
      readFileSync(sharedPath('samples', 'henrygiraldo-gbcs', 'gfi-line-example.txt')),
    );
    const v = readSharedJson('vectors', 'henrygiraldo-gbcs.json').vectors.find((x: any) => x.gfiLine);
    const gfi = createGfiCodec();
    const frames = gfi.createDecoder().push(line);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.payload.length).toBe(72);
    expect(frames[0]!.n).toBe(0);
    expect(equalBytes(frames[0]!.payload, fromHex(v.hex))).toBe(true);
    expect(equalBytes(gfi.encode(frames[0]!), line)).toBe(true);
    expect(text(line)).toBe(`${v.gfiLine}\r\n`);
  });
});

describe('binary framing', () => {
  const bin = createBinaryCodec();

  it('A5 5A | type | len | ~len | payload | CRC-16/CCITT-FALSE over type..payload', () => {
    const e = bin.encode({ channel: 'gbcs', payload: ascii('123456789') });
    expect([...e.subarray(0, 7)]).toEqual([0xa5, 0x5a, 0x01, 0x00, 0x09, 0xff, 0xf6]);
    const crc = crc16CcittFalse(e, 2, e.length - 2);
    expect([...e.subarray(-2)]).toEqual([crc >> 8, crc & 0xff]);
    expect(bin.encode({ channel: 'control', payload: Uint8Array.of(1) })[2]).toBe(0x02);
  });

  it('a single flipped bit anywhere makes the frame invalid (no frame out)', () => {
    const e = bin.encode({ channel: 'gbcs', payload: ascii('hello, hub') });
    for (let i = 0; i < e.length * 8; i++) {
      const c = e.slice();
      c[i >> 3]! ^= 1 << (i & 7);
      const d = bin.createDecoder();
      expect([...d.push(c), ...d.flush()]).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Properties, for both framings

const SMALL_MAX = 300;
const codecs: Array<[string, () => FramingCodec]> = [
  ['gfi', () => createGfiCodec(SMALL_MAX)],
  ['binary', () => createBinaryCodec(SMALL_MAX)],
];

const frameArb = (max: number): fc.Arbitrary<Frame> =>
  fc.record({
    channel: fc.constantFrom<'gbcs' | 'control'>('gbcs', 'control'),
    payload: fc.uint8Array({ minLength: 1, maxLength: max }),
  });

/** Garbage biased towards what confuses decoders: frame prefixes, sync bytes, digits, CR/LF. */
const TRAPS: Uint8Array[] = [
  ascii('GBCS:DATA#'),
  ascii('GBCS:DATA#0:'),
  ascii('GBCS:DATA#0:12:AB'),
  ascii('GBCS-SIM:CBOR#1:'),
  ascii('\r\n'),
  ascii('0123456789:'),
  Uint8Array.of(0xa5),
  Uint8Array.of(0xa5, 0x5a),
  Uint8Array.of(0xa5, 0x5a, 0x01, 0x00, 0x10, 0xff, 0xef),
  Uint8Array.of(0xa5, 0x5a, 0x02, 0x01),
];
const garbageArb = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc
    .array(fc.oneof(fc.constantFrom(...TRAPS), fc.uint8Array({ maxLength: 8 })), { maxLength: 12 })
    .map((parts) => concat(parts)),
);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Cuts `bytes` at the given fractions. */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

const same = (a: Frame, b: Frame) => a.channel === b.channel && equalBytes(a.payload, b.payload);

/** True when `want` occurs in `got` in order (other frames — made by garbage — may sit between). */
function subsequence(want: Frame[], got: Frame[]): boolean {
  let i = 0;
  for (const g of got) if (i < want.length && same(want[i]!, g)) i++;
  return i === want.length;
}

describe.each(codecs)('%s framing properties', (_name, make) => {
  const codec = make();
  const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

  it('round trip under any chunking', () => {
    fc.assert(
      fc.property(fc.array(frameArb(SMALL_MAX), { maxLength: 8 }), cuts, (frames, cs) => {
        const line = concat(frames.map((f) => codec.encode(f)));
        const d = codec.createDecoder();
        const got = chunk(line, cs).flatMap((c) => d.push(c));
        expect(got).toHaveLength(frames.length);
        got.forEach((g, i) => {
          expect(same(g, frames[i]!)).toBe(true);
        });
        expect(d.buffered).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('garbage interleaved: every valid frame is recovered, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(garbageArb, frameArb(SMALL_MAX)), { minLength: 1, maxLength: 6 }),
        garbageArb,
        cuts,
        (pairs, tail, cs) => {
          const line = concat([...pairs.flatMap(([g, f]) => [g, codec.encode(f)]), tail]);
          const d = codec.createDecoder();
          const got = [...chunk(line, cs).flatMap((c) => d.push(c)), ...d.flush()];
          expect(
            subsequence(
              pairs.map(([, f]) => f),
              got,
            ),
          ).toBe(true);
          expect(d.buffered).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('bounded: never holds a maximal frame or more, whatever arrives; every push returns', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(garbageArb, fc.uint8Array({ maxLength: 2000 })), { maxLength: 20 }),
        (chunks) => {
          const d = codec.createDecoder();
          for (const c of chunks) {
            d.push(c);
            expect(d.buffered).toBeLessThan(codec.maxEncodedLength);
          }
          expect(d.stats.highWater).toBeLessThan(codec.maxEncodedLength);
          expect(d.capacity).toBe(codec.maxEncodedLength + 1024);
          d.flush();
          expect(d.buffered).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a frame right after a bogus maximal-length header is found once the line goes idle (flush)', () => {
    const real = codec.encode({ channel: 'gbcs', payload: ascii('real frame') });
    const bogus =
      codec.name === 'gfi'
        ? ascii(`GBCS:DATA#0:${SMALL_MAX}:`)
        : Uint8Array.of(
            0xa5,
            0x5a,
            0x01,
            SMALL_MAX >> 8,
            SMALL_MAX & 0xff,
            (SMALL_MAX >> 8) ^ 0xff,
            (SMALL_MAX & 0xff) ^ 0xff,
          );
    const d = codec.createDecoder();
    const now = d.push(concat([bogus, real]));
    const later = d.flush();
    const all = [...now, ...later];
    expect(all.map((f) => text(f.payload))).toEqual(['real frame']);
  });
});

describe('1 MiB of random bytes through a decoder', () => {
  it.each(codecs)('%s: bounded, then resynchronises on the next frame', (_n, make) => {
    const codec = make();
    const d = codec.createDecoder();
    const noise = new Uint8Array(1 << 20);
    for (let i = 0; i < noise.length; i += 65536) crypto.getRandomValues(noise.subarray(i, i + 65536));
    for (let o = 0; o < noise.length; o += 4096) {
      d.push(noise.subarray(o, o + 4096));
      expect(d.buffered).toBeLessThan(codec.maxEncodedLength);
    }
    d.flush();
    const got = d.push(codec.encode({ channel: 'gbcs', payload: ascii('after the storm') }));
    expect(got.map((f) => text(f.payload))).toEqual(['after the storm']);
    expect(d.stats.droppedBytes).toBeGreaterThan(1_000_000);
  });
});

// ---------------------------------------------------------------------------------------------
// Bounded work (issue 8 finding 11): whatever arrives, in whatever chunks, checking candidates
// costs a bounded number of byte steps per byte pushed (stats.work: bytes read by checks, CRC
// register steps, 2 per CRC range combine). Before, a binary header repeated every 7 bytes made
// each candidate re-read up to 4 KiB for its CRC (hundreds of steps a byte: 10 MB cost 17 s), and
// a GFI line arriving a byte at a time re-checked all its hex digits on every push.

/**
 * Pushes `bytes` in chunks of `size` (the last may be shorter), then flushes; returns the work
 * left after the allowance: `PER_BYTE` steps per byte pushed and `PER_PUSH` per push (a push may
 * re-read one incomplete header: GFI's is at most 26 bytes). ≤ 0 means within the bound.
 */
function workOverBound(codec: FramingCodec, bytes: Uint8Array, size: number): number {
  const d = codec.createDecoder();
  let pushes = 0;
  for (let o = 0; o < bytes.length; o += size, pushes++) d.push(bytes.subarray(o, o + size));
  d.flush();
  return d.stats.work - PER_BYTE * bytes.length - PER_PUSH * (pushes + 1);
}

function repeatTo(unit: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = unit[i % unit.length]!;
  return out;
}

/** Binary: 1 CRC step + 1 candidate check + 2 per combine a byte; GFI: each byte read about once. */
const PER_BYTE = 4;
const PER_PUSH = 28;

describe('bounded work per input byte (finding 11)', () => {
  const binary = createBinaryCodec();
  const gfi = createGfiCodec();
  const maxHeader = Uint8Array.of(0xa5, 0x5a, 0x01, 0x10, 0x00, 0xef, 0xff); // len 4096, ~len
  const cases: Array<[string, FramingCodec, Uint8Array, number]> = [
    ['binary: a maximal header every 7 bytes, 64 KiB chunks', binary, repeatTo(maxHeader, 1 << 20), 65536],
    ['binary: a maximal header every 7 bytes, 1-byte chunks', binary, repeatTo(maxHeader, 1 << 16), 1],
    ['binary: sync words only', binary, repeatTo(Uint8Array.of(0xa5, 0x5a), 1 << 18), 4096],
    [
      'gfi: a maximal line growing a byte at a time',
      gfi,
      gfi.encode({ channel: 'gbcs', payload: new Uint8Array(2048).fill(0xab) }),
      1,
    ],
    [
      'gfi: maximal headers followed by hex, 1-byte chunks',
      gfi,
      repeatTo(ascii(`GBCS:DATA#99999:2048:${'AB'.repeat(40)}`), 1 << 16),
      1,
    ],
    ['gfi: prefixes only', gfi, repeatTo(ascii('GBCS-SIM:CBOR#'), 1 << 18), 4096],
  ];
  it.each(cases)('%s', (_name, codec, bytes, size) => {
    expect(workOverBound(codec, bytes, size)).toBeLessThanOrEqual(0);
  });

  it.each([
    ['binary', binary],
    ['gfi', gfi],
  ] as const)('%s: any garbage under any chunking stays within the bound', (_n, codec) => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(garbageArb, fc.constantFrom(...TRAPS)), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 64 }),
        (parts, size) => {
          const bytes = concat(parts);
          fc.pre(bytes.length > 0);
          expect(workOverBound(codec, bytes, size)).toBeLessThanOrEqual(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
