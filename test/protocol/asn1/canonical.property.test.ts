/**
 * Strict DER for the GBCS ASN.1 payloads (issue 8 finding 10): one value, one encoding.
 *
 * - the DER rules of protocol/asn1/der.ts, each on a minimal example;
 * - the property: for every input a use-case codec (protocol/asn1/index.ts) accepts, encoding the
 *   decoded value gives the input back byte for byte — for commands exactly; for what devices send
 *   (responses, alerts), whose long-form lengths may be longer than needed (RTDS does that), the
 *   input with its lengths in the shortest form. Inputs: random TLV trees, and (with ../shared)
 *   structural mutations of every RTDS 4.5.0 ASN.1 payload.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DerNode, decodeDer, derInteger, encodeDer } from '../../../protocol/asn1/der.ts';
import { decodeSetTimeCommand, encodeSetTimeCommand } from '../../../protocol/asn1/gcs28.ts';
import { asn1CodecFor } from '../../../protocol/asn1/index.ts';
import { concatBytes, fromHex, toHex } from '../../../protocol/bytes.ts';
import { createCrypto } from '../../../protocol/crypto/index.ts';
import { decodeGbcsMessage } from '../../../protocol/envelope.ts';
import { DecodeError, ErrorCode } from '../../../protocol/errors.ts';
import { partyEui } from '../../../sim/head-end/scenario.ts';
import { DEFAULT_PREMISES } from '../../../sim/premises/premises.ts';
import { setupPremises } from '../../fixtures/premises.ts';
import { describeShared, rtdsVectors } from '../../fixtures/shared.ts';

const refusal = (f: () => unknown): string | null => {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof DecodeError) return e.code;
    throw e;
  }
};

describe('DER rules (X.690 §10, §11)', () => {
  it.each([
    ['02020000', 'INTEGER 0 with a superfluous 00 (the finding)', ErrorCode.NOT_CANONICAL],
    ['0202007f', 'INTEGER 127 with a superfluous 00', ErrorCode.NOT_CANONICAL],
    ['0202ff80', 'INTEGER -128 with a superfluous FF', ErrorCode.NOT_CANONICAL],
    ['0a020001', 'ENUMERATED with a superfluous 00', ErrorCode.NOT_CANONICAL],
    ['0200', 'empty INTEGER', ErrorCode.BAD_LENGTH],
    ['010101', 'BOOLEAN TRUE as 01', ErrorCode.NOT_CANONICAL],
    ['01020000', 'BOOLEAN of two octets', ErrorCode.BAD_LENGTH],
    ['03020781', 'BIT STRING with a set unused bit', ErrorCode.NOT_CANONICAL],
    ['030107', 'empty BIT STRING with unused bits', ErrorCode.NOT_CANONICAL],
    ['03020880', 'BIT STRING with 8 unused bits', ErrorCode.BAD_VALUE],
    ['0501ff', 'NULL with content', ErrorCode.BAD_LENGTH],
    ['06038001 01'.replace(' ', ''), 'OID sub-identifier with a leading 80', ErrorCode.NOT_CANONICAL],
    ['060181', 'OID ending inside a sub-identifier', ErrorCode.BAD_VALUE],
    ['1f0200', 'tag 2 in the long form', ErrorCode.NOT_CANONICAL],
    ['9f802101 00'.replace(' ', ''), 'long-form tag with a leading zero group', ErrorCode.NOT_CANONICAL],
    ['0000', 'end-of-contents', ErrorCode.NOT_CANONICAL],
    ['2203040100', 'constructed OCTET STRING', ErrorCode.NOT_CANONICAL],
    ['1000', 'primitive SEQUENCE', ErrorCode.NOT_CANONICAL],
    ['3080', 'indefinite length', ErrorCode.BAD_LENGTH],
    ['048101ff', 'length 1 in the long form', ErrorCode.BAD_LENGTH],
    ['0c01ff', 'UTF8String that is not UTF-8', ErrorCode.BAD_VALUE],
    ['130140', 'PrintableString with @', ErrorCode.BAD_VALUE],
  ])('%s: %s → %s', (hex, _what, code) => {
    expect(refusal(() => decodeDer(fromHex(hex)))).toBe(code);
  });

  it('accepts the canonical forms', () => {
    for (const hex of [
      '020100',
      '02017f',
      '02020080',
      '0201ff',
      '020180',
      '0101ff',
      '010100',
      '03020780',
      '030100',
      '0500',
      '06032a8648',
      '1f2100',
      '0c03e282ac',
      '1303412d3f',
    ])
      expect(toHex(encodeDer(decodeDer(fromHex(hex)))), hex).toBe(hex);
  });

  const time = (tag: number, text: string) =>
    concatBytes(Uint8Array.of(tag, text.length), new TextEncoder().encode(text));
  it.each([
    ['20271321000000Z', 'month 13'],
    ['20272101000000Z', 'month 21 (the finding)'],
    ['20270229000000Z', '29 February of a common year'],
    ['20270431000000Z', '31 April'],
    ['20270100000000Z', 'day 0'],
    ['20270101240000Z', 'hour 24'],
    ['20270101006000Z', 'minute 60'],
    ['20270101000060Z', 'second 60'],
    ['20270101000000', "no 'Z'"],
    ['20270101000000+0100', 'an offset'],
    ['20270101000000.5Z', 'a fraction'],
    ['202701010000Z', 'no seconds'],
    ['2O270101000000Z', 'a letter'],
  ])('GeneralizedTime %s (%s) → BAD_DATE', (text) => {
    expect(refusal(() => decodeDer(time(0x18, text)))).toBe(ErrorCode.BAD_DATE);
  });

  it('reads real dates, 29 February of a leap year and years before 100 included', () => {
    const ms = (text: string) =>
      decodeSetTimeCommand(concatBytes(Uint8Array.of(0x30, 34), time(0x18, text), time(0x18, text)))
        .validityIntervalStart;
    expect(ms('20280229235959Z')).toBe(Date.UTC(2028, 1, 29, 23, 59, 59));
    expect(ms('99991231235959Z')).toBe(Date.UTC(9999, 11, 31, 23, 59, 59));
    expect(new Date(ms('00500101000000Z')).toISOString()).toBe('0050-01-01T00:00:00.000Z');
    expect(refusal(() => decodeDer(time(0x17, '270229000000Z')))).toBe(ErrorCode.BAD_DATE);
    expect(refusal(() => decodeDer(time(0x17, '280229000000Z')))).toBe(null);
  });

  it('GCS28 with month 21 is refused, not read as a later date (the finding)', () => {
    const cmd = encodeSetTimeCommand({
      validityIntervalStart: Date.UTC(2027, 0, 1),
      validityIntervalEnd: Date.UTC(2027, 8, 1),
    });
    const bad = Uint8Array.from(cmd);
    // The second GeneralizedTime's month: "202709…" → "202721…".
    const at = toHex(bad).indexOf(toHex(new TextEncoder().encode('202709'))) / 2 + 4;
    bad[at] = 0x32;
    bad[at + 1] = 0x31;
    expect(refusal(() => decodeSetTimeCommand(bad))).toBe(ErrorCode.BAD_DATE);
  });
});

// ---------------------------------------------------------------------------------------------
// The round-trip property

/** Every (Message Code, CRA flag) with a codec. */
const CODECS = (() => {
  const out: Array<{ code: number; cra: number }> = [];
  for (let code = 0; code <= 0x1ff; code++)
    for (const cra of [1, 2, 3]) if (asn1CodecFor(code, cra)) out.push({ code, cra });
  return out;
})();

/** What encode(decode(x)) must equal: x itself for commands, x with minimal lengths for what devices send. */
function canonical(input: Uint8Array, cra: number): Uint8Array {
  return cra === 1 ? input : encodeDer(decodeDer(input, 0, { allowNonMinimalLength: true }));
}

/** null when the codec refuses `input` or gives it back; otherwise a description of the mismatch. */
function roundTripProblem(code: number, cra: number, input: Uint8Array): string | null {
  const codec = asn1CodecFor(code, cra)!;
  let value: unknown;
  try {
    value = codec.decode(input);
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
  const again = toHex(codec.encode(value));
  const want = toHex(canonical(input, cra));
  return again === want ? null : `0x${code.toString(16)}/${cra}: ${toHex(input)} → ${again}`;
}

// Random TLV trees shaped like GBCS payloads (tags and contents the codecs read, canonical or not).
const timeText = fc.oneof(
  fc.constantFrom(
    '20270229000000Z',
    '20272101000000Z',
    '20261231235959Z',
    '99991231235959Z',
    '20280229120000Z',
  ),
  fc.stringMatching(/^[0-9]{14}Z$/),
);
const leaf: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .constantFrom(
      '020100',
      '020101',
      '02020000',
      '0202007f',
      '020200ff',
      '0a0100',
      '0a0105',
      '0a020000',
      '0500',
      '0101ff',
      '010101',
      '03020780',
      '03020308',
      '03020204',
      '03020781',
      '830103',
      '8302000a',
      '800100',
      '810101',
      '81020001',
    )
    .map(fromHex),
  fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => concatBytes(Uint8Array.of(0x04, 8), b)),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => concatBytes(Uint8Array.of(0x04, 32), b)),
  timeText.map((t) => concatBytes(Uint8Array.of(0x18, t.length), new TextEncoder().encode(t))),
  fc
    .tuple(fc.constantFrom(0x02, 0x0a, 0x04, 0x80, 0x83, 0x84), fc.uint8Array({ maxLength: 9 }))
    .map(([t, b]) => concatBytes(Uint8Array.of(t, b.length), b)),
);
const tlvLength = (n: number, long: boolean): Uint8Array =>
  n < 0x80 && !long
    ? Uint8Array.of(n)
    : n <= 0xff
      ? Uint8Array.of(0x81, n)
      : Uint8Array.of(0x82, n >> 8, n & 0xff);
const tree = fc.letrec<{ node: Uint8Array }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .tuple(
        fc.constantFrom(0x30, 0x30, 0x30, 0xa2, 0xa5, 0xa6),
        fc.array(tie('node'), { maxLength: 5 }),
        fc.boolean(),
      )
      .map(([tag, kids, long]) => {
        const body = concatBytes(...kids);
        return concatBytes(Uint8Array.of(tag), tlvLength(body.length, long && Math.random() < 0.2), body);
      }),
  ),
}));

describe('ASN.1 use-case codecs: decode then encode gives the input back (property)', () => {
  it(`holds for random TLV trees on all ${CODECS.length} codecs`, () => {
    expect(CODECS.length).toBeGreaterThan(25);
    fc.assert(
      fc.property(fc.constantFrom(...CODECS), tree.node, ({ code, cra }, input) => {
        expect(roundTripProblem(code, cra, input)).toBeNull();
      }),
      { numRuns: 20_000, seed: 8_010 },
    );
  });
});

// Structural mutations of real payloads.
type Tree = { tag: number; value: Uint8Array; kids: Tree[] | null };
const toTree = (n: DerNode): Tree => ({ tag: n.tag, value: n.value, kids: n.children?.map(toTree) ?? null });
function tagBytes(tag: number): Uint8Array {
  const out: number[] = [];
  for (let t = tag; t > 0 || out.length === 0; t = Math.floor(t / 256)) out.unshift(t & 0xff);
  return Uint8Array.from(out);
}
function encodeTree(t: Tree, longAt: Tree | null): Uint8Array {
  const body = t.kids ? concatBytes(...t.kids.map((k) => encodeTree(k, longAt))) : t.value;
  return concatBytes(tagBytes(t.tag), tlvLength(body.length, t === longAt), body);
}
function nodesOf(t: Tree, out: Tree[] = []): Tree[] {
  out.push(t);
  for (const k of t.kids ?? []) nodesOf(k, out);
  return out;
}
const MUTATION_LEAVES: Array<[number, string]> = [
  [0x02, '00'],
  [0x02, '01'],
  [0x02, '0000'],
  [0x0a, '00'],
  [0x05, ''],
  [0x01, 'ff'],
  [0x01, '01'],
  [0x18, toHex(new TextEncoder().encode('20270229000000Z'))],
];

/** One structural mutation of `seed`, chosen by the numbers in `r`. */
function mutate(seed: Uint8Array, r: number[]): Uint8Array {
  let root: Tree;
  try {
    root = toTree(decodeDer(seed, 0, { allowNonMinimalLength: true }));
  } catch {
    const bytes = Uint8Array.from(seed); // an earlier mutation left no DER: flip a byte
    if (bytes.length > 0) bytes[(r[2] ?? 0) % bytes.length] = (r[3] ?? 0) & 0xff;
    return bytes;
  }
  const all = nodesOf(root);
  const pick = <T>(xs: T[], k: number): T => xs[(r[k] ?? 0) % xs.length]!;
  const n = pick(all, 0);
  let longAt: Tree | null = null;
  switch ((r[1] ?? 0) % 9) {
    case 0: // a superfluous leading octet on an integer-like primitive
      if (!n.kids) n.value = concatBytes(Uint8Array.of((n.value[0] ?? 0) & 0x80 ? 0xff : 0x00), n.value);
      break;
    case 1: // another content
      if (!n.kids)
        n.value = Uint8Array.from({ length: (r[2] ?? 0) % 10 }, (_, i) => (r[3 + (i % 4)] ?? 0) & 0xff);
      break;
    case 2: // a GeneralizedTime text
      if (!n.kids)
        n.value = new TextEncoder().encode(
          pick(
            [
              '20270229000000Z',
              '20272101000000Z',
              '20270431120000Z',
              '2027010100000Z',
              '20270101000000.0Z',
              '19991231235959Z',
              '20261231235959Z',
            ],
            2,
          ),
        );
      break;
    case 3: // drop a child
      if (n.kids?.length) n.kids.splice((r[2] ?? 0) % n.kids.length, 1);
      break;
    case 4: // duplicate a child
      if (n.kids?.length) {
        const i = (r[2] ?? 0) % n.kids.length;
        n.kids.splice(i, 0, n.kids[i]!);
      }
      break;
    case 5: // insert a leaf (a DEFAULT value, a BOOLEAN, …)
      if (n.kids) {
        const [tag, hex] = pick(MUTATION_LEAVES, 2);
        n.kids.splice((r[3] ?? 0) % (n.kids.length + 1), 0, {
          tag,
          value: hex ? fromHex(hex) : new Uint8Array(0),
          kids: null,
        });
      }
      break;
    case 6: // another tag of the same form
      n.tag = n.kids
        ? pick([0x30, 0xa0, 0xa2, 0xa5, 0xa6], 2)
        : pick([0x02, 0x04, 0x0a, 0x18, 0x80, 0x81, 0x83, 0x84, 0x05, 0x01], 2);
      break;
    case 7: // a long-form length
      longAt = n;
      break;
    default: {
      const bytes = encodeTree(root, null);
      const i = (r[2] ?? 0) % bytes.length;
      bytes[i] = (r[3] ?? 0) & 0xff;
      return bytes;
    }
  }
  return encodeTree(root, longAt);
}

describeShared('ASN.1 use-case codecs on mutated RTDS 4.5.0 payloads (property)', () => {
  const seeds = rtdsVectors().flatMap((v) => {
    try {
      const m = decodeGbcsMessage(fromHex(v.hex));
      if (m.form === 'gbt') return [];
      const { messageCode: code, craFlag: cra } = m.apdu.header;
      return asn1CodecFor(code, cra) ? [{ code, cra, payload: m.apdu.payload }] : [];
    } catch {
      return [];
    }
  });

  it('holds for every seed and 30,000 mutations of them', () => {
    expect(seeds.length).toBeGreaterThan(100);
    for (const s of seeds) expect(roundTripProblem(s.code, s.cra, s.payload)).toBeNull();
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 1, max: 3 }),
        (s, r, times) => {
          let input = s.payload;
          for (let k = 0; k < times; k++)
            input = mutate(
              input,
              r.map((x) => x + k * 7919),
            );
          expect(roundTripProblem(s.code, s.cra, input)).toBeNull();
        },
      ),
      { numRuns: 30_000, seed: 8_010 },
    );
  });
});

describe('a device refuses a command whose ASN.1 payload is not DER, and changes nothing', () => {
  it('CS06 with a non-minimal INTEGER or an impossible execution date-time → DECODE', () => {
    const { headEnd, premises } = setupPremises('der-strict', Date.UTC(2026, 0, 1), createCrypto('noble'));
    const esme = premises.devices.get(DEFAULT_PREMISES.esme)!;
    const hash = concatBytes(Uint8Array.of(0x04, 32), new Uint8Array(32).fill(7));
    const gt = (t: string) => concatBytes(Uint8Array.of(0x18, t.length), new TextEncoder().encode(t));
    const seq = (...parts: Uint8Array[]) => {
      const body = concatBytes(...parts);
      return concatBytes(Uint8Array.of(0x30, body.length), body);
    };
    const send = (payload: (counter: bigint) => Uint8Array) => {
      const before = JSON.stringify(esme.state);
      const out = esme.handle(
        headEnd.buildCommand({
          originatorId: partyEui('supplier'),
          recipientId: esme.eui,
          messageCode: 0x0012,
          payload,
        }).bytes,
      );
      return { out, unchanged: JSON.stringify(esme.state) === before };
    };
    // Minimal INTEGER, or the same value with a superfluous leading 00 (never minimal for c ≥ 0).
    const counter = (c: bigint, pad: boolean) => {
      const v = derInteger(c).subarray(2);
      return pad ? concatBytes(Uint8Array.of(0x02, v.length + 1, 0), v) : derInteger(c);
    };
    for (const payload of [
      (c: bigint) => seq(hash, counter(c, true)),
      (c: bigint) => seq(hash, counter(c, false), gt('20270229120000Z')),
      (c: bigint) => seq(hash, counter(c, false), gt('20272101120000Z')),
    ]) {
      const { out, unchanged } = send(payload);
      expect(out.accepted ? 'ACCEPTED' : out.rejection.reason).toBe('DECODE');
      expect(unchanged).toBe(true);
    }
    // The same command in DER is accepted.
    expect(send((c) => seq(hash, counter(c, false), gt('20280229120000Z'))).out.accepted).toBe(true);
  });
});
