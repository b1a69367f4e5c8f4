/**
 * Property and fuzz tests of the GBCS envelope (protocol/envelope.ts, grouping-header.ts):
 * - arbitrary Grouping Headers, payloads and signature fields round-trip through the `signing` and
 *   `mac` forms, field for field and byte for byte;
 * - arbitrary bytes, truncations and single-byte mutations of real (RTDS) and generated messages
 *   either decode — and then re-encode to the same bytes — or throw a DecodeError with a known code
 *   and an offset inside the input; never another exception, never a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBerLength } from '../../protocol/ber.ts';
import { concatBytes, equalBytes, fromHex, toHex, u16be, u64be } from '../../protocol/bytes.ts';
import {
  decodeGbcsMessage,
  encodeGbcsMessage,
  encodeMacMessage,
  type GbcsMessage,
  macAad,
  macAadFor,
  signedBytes,
} from '../../protocol/envelope.ts';
import { DecodeError, ErrorCode } from '../../protocol/errors.ts';
import {
  encodeGeneralSigning,
  encodeGroupingHeaderAndPayload,
  type GroupingHeader,
  groupingHeader,
  type SignatureField,
} from '../../protocol/grouping-header.ts';
import type { CraFlag } from '../../protocol/types.ts';
import { dlmsDateTimeArb } from '../fixtures/dlms-date-time.ts';
import { describeShared, type RtdsVector, rtdsVectors } from '../fixtures/shared.ts';

const ERROR_CODES: readonly string[] = Object.values(ErrorCode);

// ---------------------------------------------------------------------------------------------
// Arbitraries

const eui64 = fc.uint8Array({ minLength: 8, maxLength: 8 }).map(toHex);
const uint64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const craFlag = fc.constantFrom<CraFlag>(1, 2, 3);
const dateTime = fc.option(dlmsDateTimeArb, { nil: null });

type OtherInformation = Pick<
  GroupingHeader,
  | 'messageCode'
  | 'supplementaryRemotePartyId'
  | 'supplementaryRemotePartyCounter'
  | 'supplementaryOriginatorCounter'
  | 'supplementaryRemotePartyKaCertificate'
>;
const none = {
  supplementaryRemotePartyId: null,
  supplementaryRemotePartyCounter: null,
  supplementaryOriginatorCounter: null,
  supplementaryRemotePartyKaCertificate: null,
};
/** Every shape GBCS allows: length 2, 10, 18, 26, or > 26 (a URP certificate of ≥ 9 bytes). */
const otherInformation: fc.Arbitrary<OtherInformation> = fc
  .record({
    messageCode: fc.integer({ min: 0, max: 0xffff }),
    id: eui64,
    counter: uint64,
    originatorCounter: uint64,
    certificate: fc.oneof(
      fc.uint8Array({ minLength: 9, maxLength: 100 }),
      fc.uint8Array({ minLength: 101, maxLength: 700 }),
    ),
    shape: fc.constantFrom('code', 'id', 'counter', 'originatorCounter', 'certificate'),
  })
  .map(({ messageCode, id, counter, originatorCounter, certificate, shape }): OtherInformation => {
    switch (shape) {
      case 'code':
        return { messageCode, ...none };
      case 'id':
        return { messageCode, ...none, supplementaryRemotePartyId: id };
      case 'counter':
        return {
          messageCode,
          ...none,
          supplementaryRemotePartyId: id,
          supplementaryRemotePartyCounter: counter,
        };
      case 'originatorCounter':
        return {
          messageCode,
          ...none,
          supplementaryRemotePartyId: id,
          supplementaryRemotePartyCounter: counter,
          supplementaryOriginatorCounter: originatorCounter,
        };
      default:
        return {
          messageCode,
          ...none,
          supplementaryRemotePartyId: id,
          supplementaryRemotePartyCounter: counter,
          supplementaryRemotePartyKaCertificate: certificate,
        };
    }
  });

const header: fc.Arbitrary<GroupingHeader> = fc
  .record({
    craFlag,
    originatorCounter: uint64,
    originatorId: eui64,
    recipientId: eui64,
    dateTime,
    oi: otherInformation,
  })
  .map(({ oi, ...h }) => groupingHeader({ ...h, ...oi }));

/** Payload lengths whose BER length takes 1, 2 and 3 octets. */
const payload = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 127 }),
  fc.uint8Array({ minLength: 128, maxLength: 255 }),
  fc.uint8Array({ minLength: 256, maxLength: 3000 }),
);
const smallPayload = fc.uint8Array({ minLength: 1, maxLength: 300 });

const signature: fc.Arbitrary<SignatureField> = fc.oneof(
  fc.constant<SignatureField>({ kind: 'absent' }),
  fc.constant<SignatureField>({ kind: 'null' }),
  fc
    .uint8Array({ minLength: 64, maxLength: 64 })
    .map((value): SignatureField => ({ kind: 'present', value })),
);
const mac = fc.uint8Array({ minLength: 12, maxLength: 12 });

/** A whole encoded message of either form, built from arbitrary fields. */
const generatedMessage = fc
  .record({ h: header, p: smallPayload, s: signature, mac: fc.option(mac, { nil: null }) })
  .map(({ h, p, s, mac }) => {
    const apdu = encodeGeneralSigning(h, p, s);
    return mac === null ? apdu : encodeMacMessage(apdu, mac);
  });

// ---------------------------------------------------------------------------------------------
// Helpers

/** Comparable view of a header: byte fields as hex, counters as bigint. */
function view(h: GroupingHeader): Record<string, unknown> {
  return {
    ...h,
    dateTime: h.dateTime === null ? null : toHex(h.dateTime),
    supplementaryRemotePartyKaCertificate:
      h.supplementaryRemotePartyKaCertificate === null
        ? null
        : toHex(h.supplementaryRemotePartyKaCertificate),
  };
}
function sigView(s: SignatureField): string {
  return s.kind === 'present' ? `present:${toHex(s.value)}` : s.kind;
}

/** Length in octets of the BER length in front of `n` bytes. */
function berOctets(n: number): number {
  return encodeBerLength(n).length;
}

/**
 * Decodes `bytes`. Returns the message, or the DecodeError it threw after checking its shape;
 * any other exception fails the test.
 */
function decodeOrError(bytes: Uint8Array): GbcsMessage | DecodeError {
  try {
    return decodeGbcsMessage(bytes);
  } catch (e) {
    if (!(e instanceof DecodeError)) {
      throw new Error(`non-DecodeError on ${toHex(bytes.subarray(0, 64))}…: ${String(e)}`, { cause: e });
    }
    // Plain checks first: this runs hundreds of thousands of times.
    const ok =
      typeof e.code === 'string' &&
      ERROR_CODES.includes(e.code) &&
      Number.isInteger(e.offset) &&
      e.offset >= 0 &&
      e.offset <= bytes.length;
    if (!ok) expect({ code: e.code, offset: e.offset, length: bytes.length }).toBe('a known code and offset');
    return e;
  }
}

/** Anything the decoder accepts re-encodes to exactly the same bytes. */
function expectAcceptedReencodes(bytes: Uint8Array): GbcsMessage | DecodeError {
  const r = decodeOrError(bytes);
  if (!(r instanceof DecodeError)) {
    const again = encodeGbcsMessage(r);
    if (!equalBytes(again, bytes)) expect(toHex(again)).toBe(toHex(bytes));
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// 1. Round trip

describe('Grouping Header round trip (property)', () => {
  it('signing form: decode gives the fields, re-encode gives the bytes', () => {
    const berSizes = new Set<number>();
    const oiLengths = new Set<string>();
    fc.assert(
      fc.property(header, payload, signature, (h, p, s) => {
        const bytes = encodeGeneralSigning(h, p, s);
        const m = decodeGbcsMessage(bytes);
        expect(m.form).toBe('signing');
        if (m.form !== 'signing') return;
        expect(view(m.apdu.header)).toEqual(view(h));
        expect(toHex(m.apdu.payload)).toBe(toHex(p));
        expect(sigView(m.apdu.signature)).toBe(sigView(s));
        // Offsets: the APDU spans the whole input; the signed range is DF-less header + payload.
        expect(m.apdu.start).toBe(0);
        expect(m.apdu.end).toBe(bytes.length);
        expect(m.apdu.payloadEnd - m.apdu.payloadOffset).toBe(p.length);
        expect(toHex(signedBytes(m))).toBe(toHex(encodeGroupingHeaderAndPayload(h, p).subarray(1)));
        // An absent signature ends the message right after the payload.
        if (s.kind === 'absent') expect(m.apdu.payloadEnd).toBe(bytes.length);
        expect(toHex(encodeGbcsMessage(m))).toBe(toHex(bytes));
        berSizes.add(berOctets(p.length));
        const oi = m.apdu.header.supplementaryRemotePartyKaCertificate !== null ? '>26' : 'fixed';
        oiLengths.add(oi);
      }),
      { numRuns: 400 },
    );
    // The generators reach every BER length size and the certificate shape.
    expect([...berSizes].sort()).toEqual([1, 2, 3]);
    expect(oiLengths.has('>26')).toBe(true);
  });

  it('MAC form: decode gives the fields and the MAC header, re-encode gives the bytes', () => {
    const contentBerSizes = new Set<number>();
    fc.assert(
      fc.property(header, payload, signature, mac, (h, p, s, tag) => {
        const apdu = encodeGeneralSigning(h, p, s);
        const bytes = encodeMacMessage(apdu, tag);
        const m = decodeGbcsMessage(bytes);
        expect(m.form).toBe('mac');
        if (m.form !== 'mac') return;
        expect(view(m.apdu.header)).toEqual(view(h));
        expect(toHex(m.apdu.payload)).toBe(toHex(p));
        expect(sigView(m.apdu.signature)).toBe(sigView(s));
        expect(toHex(m.macHeader.mac)).toBe(toHex(tag));
        expect(m.macHeader.securityControl).toBe(0x11);
        expect(m.macHeader.invocationCounter).toBe(0);
        const lengthOctets = berOctets(apdu.length + 17);
        contentBerSizes.add(lengthOctets);
        expect(m.macHeader.securityHeaderOffset).toBe(7 + lengthOctets);
        expect(m.apdu.start).toBe(7 + lengthOctets + 5);
        expect(m.apdu.end).toBe(bytes.length - 12);
        expect(toHex(bytes.subarray(m.apdu.start, m.apdu.end))).toBe(toHex(apdu));
        expect(toHex(macAad(m))).toBe(toHex(macAadFor(apdu)));
        expect(toHex(encodeGbcsMessage(m))).toBe(toHex(bytes));
      }),
      { numRuns: 400 },
    );
    expect([...contentBerSizes].sort()).toEqual([1, 2, 3]);
  });

  it('MAC form: a non-zero invocation counter survives decode and re-encode (regression)', () => {
    // Found by the mutation fuzz: the decoder accepted any invocation counter but
    // encodeGbcsMessage always wrote 00000000.
    fc.assert(
      fc.property(
        header,
        smallPayload,
        signature,
        mac,
        fc.integer({ min: 0, max: 0xffffffff }),
        (h, p, s, tag, ic) => {
          const bytes = encodeMacMessage(encodeGeneralSigning(h, p, s), tag, ic);
          const m = decodeGbcsMessage(bytes);
          if (m.form !== 'mac') throw new Error(`form ${m.form}`);
          expect(m.macHeader.invocationCounter).toBe(ic);
          expect(toHex(encodeGbcsMessage(m))).toBe(toHex(bytes));
        },
      ),
      { numRuns: 200 },
    );
    const apdu = encodeGeneralSigning(
      groupingHeader({
        craFlag: 1,
        originatorCounter: 1n,
        originatorId: '90b3d51f30010000',
        recipientId: '00db1234567890a0',
        messageCode: 0x15,
      }),
      Uint8Array.of(0xd9),
      { kind: 'null' },
    );
    const tag = new Uint8Array(12).fill(0xee);
    expect(toHex(encodeMacMessage(apdu, tag).subarray(0, 13))).toBe('dd000000000000' + '35' + '1100000000');
    expect(toHex(encodeMacMessage(apdu, tag, 0x01020304).subarray(0, 13))).toBe('dd000000000000351101020304');
    expect(() => encodeMacMessage(apdu, tag, -1)).toThrow(RangeError);
    expect(() => encodeMacMessage(apdu, tag, 2 ** 32)).toThrow(RangeError);
  });

  it('a signing-form message with an absent signature is the null-signature message minus its last byte', () => {
    fc.assert(
      fc.property(header, smallPayload, (h, p) => {
        const withNull = encodeGeneralSigning(h, p, { kind: 'null' });
        const absent = encodeGeneralSigning(h, p, { kind: 'absent' });
        expect(toHex(withNull.subarray(0, -1))).toBe(toHex(absent));
        expect(withNull[withNull.length - 1]).toBe(0x00);
      }),
      { numRuns: 100 },
    );
  });

  it('pins the Grouping Header layout for one hand-built message', () => {
    // DF 09 CRA Counter(8) 08 Orig 08 Recip 0C DateTime(12) 12 OtherInfo(18) 03 Payload 40 Sig(64)
    const hex =
      'df 09 02 0000000000000102 08 00db1234567890a0 08 90b3d51f30010000' +
      ' 0c 07df0101ff000000008000ff' +
      ' 12 0015 90b3d51f30000002 00000000000000ff' +
      ' 03 aabbcc' +
      ` 40 ${'11'.repeat(32)}${'22'.repeat(32)}`;
    const bytes = fromHex(hex);
    const m = decodeGbcsMessage(bytes);
    if (m.form !== 'signing') throw new Error(`form ${m.form}`);
    expect(view(m.apdu.header)).toEqual({
      craFlag: 2,
      originatorCounter: 0x102n,
      originatorId: '00db1234567890a0',
      recipientId: '90b3d51f30010000',
      dateTime: '07df0101ff000000008000ff',
      messageCode: 0x15,
      supplementaryRemotePartyId: '90b3d51f30000002',
      supplementaryRemotePartyCounter: 0xffn,
      supplementaryOriginatorCounter: null,
      supplementaryRemotePartyKaCertificate: null,
    });
    expect(m.apdu.payloadOffset).toBe(1 + 1 + 9 + 9 + 9 + 13 + 19 + 1);
    expect(toHex(encodeGbcsMessage(m))).toBe(toHex(bytes));
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Fuzz

describe('decodeGbcsMessage on arbitrary bytes (fuzz)', () => {
  it('returns, or throws DecodeError with a known code and an offset inside the input', () => {
    const lead = fc.constantFrom(
      new Uint8Array(0),
      Uint8Array.of(0xdd, 0x00),
      Uint8Array.of(0xdf, 0x09),
      Uint8Array.of(0xdd, 0x09),
      Uint8Array.of(0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),
      Uint8Array.of(0xdf, 0x09, 0x01),
      Uint8Array.of(0xdd, 0x09, 0x02),
    );
    fc.assert(
      fc.property(lead, fc.uint8Array({ maxLength: 600 }), (head, tail) => {
        expectAcceptedReencodes(concatBytes(head, tail));
      }),
      { numRuns: 5000 },
    );
  });

  it('structured inputs: valid prefixes up to each field, then arbitrary bytes', () => {
    fc.assert(
      fc.property(generatedMessage, fc.nat(), fc.uint8Array({ maxLength: 80 }), (m, cut, tail) => {
        const keep = cut % (m.length + 1);
        expectAcceptedReencodes(concatBytes(m.subarray(0, keep), tail));
      }),
      { numRuns: 2000 },
    );
  });

  it('generated messages with random byte edits either decode and re-encode or throw DecodeError', () => {
    const edit = fc.record({
      at: fc.nat(),
      value: fc.integer({ min: 0, max: 0xff }),
      op: fc.constantFrom('set', 'insert', 'delete'),
    });
    fc.assert(
      fc.property(generatedMessage, fc.array(edit, { minLength: 1, maxLength: 3 }), (m, edits) => {
        let bytes: Uint8Array = m;
        for (const { at, value, op } of edits) {
          const i = at % (bytes.length + 1);
          if (op === 'set' && i < bytes.length) {
            bytes = bytes.slice();
            bytes[i] = value;
          } else if (op === 'insert') {
            bytes = concatBytes(bytes.subarray(0, i), Uint8Array.of(value), bytes.subarray(i));
          } else if (i < bytes.length) {
            bytes = concatBytes(bytes.subarray(0, i), bytes.subarray(i + 1));
          }
        }
        expectAcceptedReencodes(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('every truncation of a generated message throws DecodeError at the end of the input', () => {
    fc.assert(
      fc.property(generatedMessage, (m) => {
        checkTruncations(m);
      }),
      { numRuns: 60 },
    );
  });

  it('does not hang on inputs up to 64 KiB that claim a BER length of 0xFFFFFF', () => {
    const huge = Uint8Array.of(0x83, 0xff, 0xff, 0xff);
    const id = fromHex('90b3d51f30010000');
    const groupingStart = concatBytes(Uint8Array.of(0xdf, 0x09, 0x01), u64be(7n), Uint8Array.of(8), id);
    const recip = concatBytes(Uint8Array.of(8), id, Uint8Array.of(0x00));
    const routing = concatBytes(
      Uint8Array.of(0xdd, 0x09, 0x01),
      u64be(7n),
      Uint8Array.of(8),
      id,
      Uint8Array.of(8),
      id,
      Uint8Array.of(0x00, 0x02),
      u16be(0x15),
      Uint8Array.of(0x00),
    );
    const claims = [
      // MAC header ciphered-content length
      concatBytes(Uint8Array.of(0xdd, 0, 0, 0, 0, 0, 0), huge),
      // other-information length
      concatBytes(groupingStart, recip, huge),
      // content (payload) length
      concatBytes(groupingStart, recip, Uint8Array.of(0x02, 0x00, 0x15), huge),
      // GBT ciphered-content length
      concatBytes(routing, huge),
    ];
    const seen = new Set<number>();
    const body = fc.oneof(
      fc
        .record({ size: fc.integer({ min: 0, max: 64 * 1024 }), fill: fc.integer({ min: 0, max: 0xff }) })
        .map(({ size, fill }) => new Uint8Array(size).fill(fill)),
      fc.uint8Array({ minLength: 0, maxLength: 64 * 1024 }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: claims.length - 1 }), body, (k, tail) => {
        const bytes = concatBytes(claims[k]!, tail);
        const r = decodeOrError(bytes);
        expect(r).toBeInstanceOf(DecodeError);
        if (r instanceof DecodeError) {
          expect(r.code).toBe(ErrorCode.TRUNCATED);
          expect(r.offset).toBe(bytes.length);
        }
        seen.add(k);
      }),
      { numRuns: 100 },
    );
    expect(seen.size).toBe(claims.length);
  });
});

/**
 * Every proper prefix throws DecodeError (EMPTY for no bytes, else TRUNCATED at the end of the
 * prefix) — except that a signing-form message cut right after its payload is itself a valid
 * message with an absent signature, and must decode as exactly that.
 */
function checkTruncations(bytes: Uint8Array): void {
  const whole = decodeGbcsMessage(bytes);
  const payloadEnd = whole.form === 'gbt' ? -1 : whole.apdu.payloadEnd;
  for (let n = 0; n < bytes.length; n++) {
    const prefix = bytes.subarray(0, n);
    const r = decodeOrError(prefix);
    if (!(r instanceof DecodeError)) {
      expect(whole.form).toBe('signing');
      expect(n).toBe(payloadEnd);
      if (r.form === 'gbt') throw new Error('gbt');
      expect(r.apdu.signature.kind).toBe('absent');
      expect(toHex(encodeGbcsMessage(r))).toBe(toHex(prefix));
      continue;
    }
    const ok =
      n === 0
        ? r.code === ErrorCode.EMPTY
        : (r.code === ErrorCode.TRUNCATED && r.offset === n) || r.code === ErrorCode.BAD_LENGTH;
    if (!ok)
      expect({ prefix: n, code: r.code, offset: r.offset }).toBe(
        'EMPTY, TRUNCATED at the end, or BAD_LENGTH',
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Real messages

/** A few dozen RTDS messages spread over every (form, role, signature, date-time) class. */
function sampleRtds(): RtdsVector[] {
  const all = rtdsVectors();
  const groups = new Map<string, RtdsVector[]>();
  for (const v of all) {
    const h = v.expected.header;
    const key = `${v.hex.slice(0, 4)}/${v.role}/${h.signatureField}/${h.dateTime === null}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const picked = new Set<RtdsVector>();
  for (const g of groups.values()) {
    for (const i of [0, Math.floor(g.length / 2), g.length - 1]) picked.add(g[i]!);
  }
  // Every other-information length, and the largest messages.
  const byOiLength = new Map<number, RtdsVector>();
  for (const v of all) byOiLength.set(Math.min(27, v.expected.header.otherInformation.length / 2), v);
  for (const v of byOiLength.values()) picked.add(v);
  for (const v of [...all].sort((a, b) => b.hex.length - a.hex.length).slice(0, 2)) picked.add(v);
  return [...picked];
}

describeShared('truncations and mutations of real RTDS messages', () => {
  const sample = sampleRtds();

  it('samples a few dozen messages of every class', () => {
    expect(sample.length).toBeGreaterThanOrEqual(24);
    expect(sample.length).toBeLessThanOrEqual(60);
    const forms = new Set(sample.map((v) => v.hex.slice(0, 4).toLowerCase()));
    expect(forms).toEqual(new Set(['dd00', 'df09']));
  });

  it('every truncation throws DecodeError (or is the same message without its signature)', () => {
    for (const v of sample) checkTruncations(fromHex(v.hex));
  });

  it('every single-byte mutation at every position decodes and re-encodes, or throws DecodeError', () => {
    let rejected = 0;
    let accepted = 0;
    for (const v of sample) {
      const bytes = fromHex(v.hex);
      for (let i = 0; i < bytes.length; i++) {
        for (const x of [0x01, 0x80, 0xff]) {
          const m = bytes.slice();
          m[i] = m[i]! ^ x;
          if (expectAcceptedReencodes(m) instanceof DecodeError) rejected++;
          else accepted++;
        }
      }
    }
    // Payload bytes are opaque here, so most mutations are accepted; header bytes are not.
    expect(rejected).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThan(0);
  });

  it('random single-byte mutations of any RTDS message (property)', () => {
    const all = rtdsVectors().map((v) => fromHex(v.hex));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: all.length - 1 }),
        fc.nat(),
        fc.integer({ min: 0, max: 0xff }),
        (k, at, value) => {
          const m = all[k]!.slice();
          m[at % m.length] = value;
          expectAcceptedReencodes(m);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
