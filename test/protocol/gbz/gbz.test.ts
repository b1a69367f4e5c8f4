/**
 * GBZ payload codec: synthetic layouts, malformed input, properties, and RTDS 4.5.0 conformance
 * (every GBZ payload round-trips; components agree with the reference parser's decoded trees).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../protocol/bytes.ts';
import { DecodeError, ErrorCode } from '../../../protocol/errors.ts';
import {
  decodeGbz,
  encodeGbz,
  type GbzComponent,
  type GbzPayload,
  gbzEncryptedComponents,
  type ZclHeader,
} from '../../../protocol/gbz/gbz.ts';
import { errorOf } from '../../fixtures/errors.ts';
import {
  describeShared,
  hexOf,
  type RefNode,
  rtdsApdu,
  rtdsDecoded,
  rtdsVectors,
} from '../../fixtures/shared.ts';

const TAG12 = 'a1a2a3a4a5a6a7a8a9aaabac';

describe('GBZ layouts (gbcs-wire-and-security.md §2.4)', () => {
  it('plain components: extended header, ZCL header, raw ZCL payload', () => {
    const hex =
      '0109' +
      '02' +
      '00' +
      '0702' +
      '0005' +
      '080001' +
      'abcd' +
      '11' +
      '0700' +
      '0007' +
      '1c374a80' +
      '09' +
      '0000';
    const g = decodeGbz(fromHex(hex));
    expect(g).toEqual<GbzPayload>({
      type: 'components',
      components: [
        {
          encrypted: false,
          lastComponent: false,
          clusterId: 0x0702,
          fromDateTime: null,
          zclHeader: {
            frameControl: 0x08,
            manufacturerCode: null,
            transactionSequenceNumber: 0,
            commandId: 1,
          },
          zclPayload: fromHex('abcd'),
        },
        {
          encrypted: false,
          lastComponent: true,
          clusterId: 0x0700,
          fromDateTime: 0x1c374a80,
          zclHeader: {
            frameControl: 0x09,
            manufacturerCode: null,
            transactionSequenceNumber: 0,
            commandId: 0,
          },
          zclPayload: new Uint8Array(0),
        },
      ],
    });
    expect(toHex(encodeGbz(g))).toBe(hex);
    expect(gbzEncryptedComponents(g)).toEqual([]);
  });

  it('encrypted component: additional header, ZCL header, ciphered-length, 31 00000000 ‖ ciphertext ‖ tag', () => {
    const hex = `010901030702001b000518000100143100000000c0c1c2${TAG12}`;
    const g = decodeGbz(fromHex(hex));
    const c = g.type === 'components' ? g.components[0] : undefined;
    expect(c?.encrypted && c.additionalFrameCounter).toBe(5);
    expect(c?.encrypted && toHex(c.cipheredContent.ciphertext)).toBe('c0c1c2');
    expect(c?.encrypted && toHex(c.cipheredContent.tag)).toBe(TAG12);
    expect(toHex(encodeGbz(g))).toBe(hex);
    const [p] = gbzEncryptedComponents(g);
    expect([p!.offset, p!.length]).toEqual([15, 20]);
    expect(hex.slice(30, 32)).toBe('31');
  });

  it('encrypted with from-date-time: from-date-time first, then the additional header (Wireshark order)', () => {
    const hex =
      '0109' +
      '01' +
      '13' +
      '0702' +
      '001f' +
      '1c374a80' +
      '0000' +
      '180001' +
      '0014' +
      '3100000000' +
      'c0c1c2' +
      TAG12;
    const g = decodeGbz(fromHex(hex));
    const c = g.type === 'components' ? g.components[0] : undefined;
    expect(c?.fromDateTime).toBe(0x1c374a80);
    expect(c?.encrypted).toBe(true);
    expect(toHex(encodeGbz(g))).toBe(hex);
    expect(gbzEncryptedComponents(g)[0]!.offset).toBe(19);
  });

  it('manufacturer-specific ZCL frame (frame-control bit2) carries a little-endian manufacturer code', () => {
    const hex = '0109' + '01' + '01' + '0702' + '0006' + '0d' + '3412' + '07' + '00' + 'ee';
    const g = decodeGbz(fromHex(hex));
    expect(g.type === 'components' && g.components[0]!.zclHeader).toEqual<ZclHeader>({
      frameControl: 0x0d,
      manufacturerCode: 0x1234,
      transactionSequenceNumber: 7,
      commandId: 0,
    });
    expect(toHex(encodeGbz(g))).toBe(hex);
  });

  it.each<[string, string, GbzPayload['type'], string]>([
    ['no alert-specific part (0x810E)', '010900810e1c374a80', 'alert', 'none'],
    [
      'future-dated outcome (0x8F66)',
      '0109018f66388188900e006b00000000000003ed07070900',
      'alert',
      'future-dated-outcome',
    ],
    ['firmware verification (0x8F72)', `0109018f721c374a800920${'a1'.repeat(32)}`, 'alert', 'firmware-hash'],
    ['other alert part kept raw (0x8161)', '0109018161 1c374a80 0003'.replace(/ /g, ''), 'alert', 'raw'],
    [
      'billing data log (0x8F0A) with an encrypted component',
      '0109018f0a1c374a80' +
        '03' +
        '0702' +
        '001b' +
        '0000' +
        '190006' +
        '0014' +
        '3100000000' +
        'c0c1c2' +
        TAG12,
      'alert',
      'component',
    ],
  ])('alert: %s', (_what, hex, type, body) => {
    const g = decodeGbz(fromHex(hex), 0, { alert: true });
    expect(g.type).toBe(type);
    expect(g.type === 'alert' && g.alertBody.type).toBe(body);
    expect(decodeGbz(fromHex(hex))).toEqual(g); // inferred from the alert code's high bit
    expect(toHex(encodeGbz(g))).toBe(hex);
    if (body === 'future-dated-outcome' && g.type === 'alert' && g.alertBody.type === body) {
      expect(g.alertBody).toMatchObject({ messageCode: 0x6b, originatorCounter: 1005n, clusterId: 0x0707 });
      expect(g.timestamp).toBe(0x38818890);
    }
    if (body === 'component') expect(gbzEncryptedComponents(g).map((p) => p.offset)).toEqual([21]);
  });

  it.each<[string, string, string, number]>([
    ['not the ZSE profile', '0104000000', ErrorCode.UNKNOWN_TAG, 0],
    ['empty', '', ErrorCode.EMPTY, 0],
    [
      'reserved extended-header-control bit',
      '010901' + '04' + '0702' + '0003' + '080001',
      ErrorCode.BAD_VALUE,
      3,
    ],
    [
      'component longer than the payload',
      '010901' + '01' + '0702' + '0010' + '080001',
      ErrorCode.TRUNCATED,
      11,
    ],
    ['ZCL header cut by the length', '010901' + '01' + '0702' + '0002' + '0800', ErrorCode.TRUNCATED, 10],
    ['count beyond the bytes left', '0109ff' + '01' + '0702' + '0003' + '080001', ErrorCode.TRUNCATED, 11],
    [
      'bytes after the counted components',
      '010901' + '01' + '0702' + '0003' + '080001' + '00',
      ErrorCode.TRAILING_BYTES,
      11,
    ],
    [
      'ciphered-length not the rest of the component',
      `010901030702001b000018000100133100000000c0c1c2${TAG12}`,
      ErrorCode.BAD_LENGTH,
      13,
    ],
    [
      'security control not 0x31',
      `010901030702001b000018000100143000000000c0c1c2${TAG12}`,
      ErrorCode.BAD_VALUE,
      15,
    ],
    [
      'encrypted part shorter than header and tag',
      '010901' + '03' + '0702' + '0012' + '0000' + '180001' + '000b' + '3100000000' + 'a1a2a3a4a5a6',
      ErrorCode.BAD_LENGTH,
      15,
    ],
  ])('%s (%s) → %s at %d', (_what, hex, code, offset) => {
    const e = errorOf(() => decodeGbz(hex === '' ? new Uint8Array(0) : fromHex(hex)));
    expect([e.code, e.offset]).toEqual([code, offset]);
  });

  it('errors carry absolute offsets', () => {
    const e = errorOf(() => decodeGbz(fromHex('010901' + '04' + '0702' + '0003' + '080001'), 70));
    expect(e.offset).toBe(73);
  });
});

// ── properties ───────────────────────────────────────────────────────────────────────────────────
const u8 = fc.integer({ min: 0, max: 255 });
const zclHeaderArb: fc.Arbitrary<ZclHeader> = fc
  .record({
    frameControl: u8,
    manufacturerCode: fc.integer({ min: 0, max: 0xffff }),
    transactionSequenceNumber: u8,
    commandId: u8,
  })
  .map((h) => ({ ...h, manufacturerCode: h.frameControl & 0x04 ? h.manufacturerCode : null }));
const componentArb: fc.Arbitrary<GbzComponent> = fc.oneof(
  fc.record({
    encrypted: fc.constant(false as const),
    lastComponent: fc.boolean(),
    clusterId: fc.integer({ min: 0, max: 0xffff }),
    fromDateTime: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: null }),
    zclHeader: zclHeaderArb,
    zclPayload: fc.uint8Array({ maxLength: 40 }),
  }),
  fc.record({
    encrypted: fc.constant(true as const),
    lastComponent: fc.boolean(),
    clusterId: fc.integer({ min: 0, max: 0xffff }),
    fromDateTime: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: null }),
    zclHeader: zclHeaderArb,
    additionalHeaderControl: u8,
    additionalFrameCounter: u8,
    cipheredContent: fc.record({
      securityControl: fc.constant(0x31),
      invocationCounter: fc.integer({ min: 0, max: 0xffffffff }),
      ciphertext: fc.uint8Array({ maxLength: 40 }),
      tag: fc.uint8Array({ minLength: 12, maxLength: 12 }),
    }),
  }),
);
const gbzArb: fc.Arbitrary<GbzPayload> = fc.oneof(
  fc.record({
    type: fc.constant('components' as const),
    components: fc.array(componentArb, { maxLength: 5 }),
  }),
  fc.record({
    type: fc.constant('alert' as const),
    componentCount: fc.constant(1),
    alertCode: fc.constant(0x8f0a),
    timestamp: fc.integer({ min: 0, max: 0xffffffff }),
    alertBody: componentArb.map((component) => ({ type: 'component' as const, component })),
  }),
  fc.record({
    type: fc.constant('alert' as const),
    componentCount: fc.constant(1),
    alertCode: fc.constantFrom(0x8f66, 0x8f67),
    timestamp: fc.integer({ min: 0, max: 0xffffffff }),
    alertBody: fc.record({
      type: fc.constant('future-dated-outcome' as const),
      messageCode: fc.integer({ min: 0, max: 0xffff }),
      originatorCounter: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      clusterId: fc.integer({ min: 0, max: 0xffff }),
      frameControl: u8,
      commandId: u8,
    }),
  }),
);

describe('GBZ properties', () => {
  it('decode(encode(g)) = g; encrypted-part offsets point at the 31 ‖ IC ‖ ciphertext ‖ tag bytes', () => {
    fc.assert(
      fc.property(gbzArb, (g) => {
        const enc = encodeGbz(g);
        expect(decodeGbz(enc, 0, { alert: g.type === 'alert' })).toEqual(g);
        expect(decodeGbz(enc)).toEqual(g);
        for (const { component, offset, length } of gbzEncryptedComponents(g)) {
          const c = component.cipheredContent;
          expect(enc[offset]).toBe(0x31);
          expect(toHex(enc.subarray(offset + 5, offset + length))).toBe(toHex(c.ciphertext) + toHex(c.tag));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes after 01 09: a DecodeError or a payload that re-encodes exactly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (rest, alert) => {
        const b = new Uint8Array(rest.length + 2);
        b.set([0x01, 0x09]);
        b.set(rest, 2);
        let g: GbzPayload;
        try {
          g = decodeGbz(b, 0, { alert });
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          return;
        }
        expect(toHex(encodeGbz(g))).toBe(toHex(b));
      }),
      { numRuns: 2000 },
    );
  });
});

// ── RTDS ─────────────────────────────────────────────────────────────────────────────────────────
const h = (n: number, w: number) => n.toString(16).padStart(w, '0');

function compareComponent(ref: Record<string, RefNode>, c: GbzComponent, id: string): void {
  const control = (c.lastComponent ? 1 : 0) | (c.encrypted ? 2 : 0) | (c.fromDateTime === null ? 0 : 0x10);
  expect(hexOf(ref['Control Field']), id).toBe(h(control, 2));
  expect(hexOf(ref['Cluster Id'])).toBe(h(c.clusterId, 4));
  if (c.fromDateTime !== null) expect(hexOf(ref['From Date Time'])).toBe(h(c.fromDateTime, 8));
  const zcl = ref['ZCL Header']!.children!;
  expect(hexOf(zcl['Frame Control'])).toBe(h(c.zclHeader.frameControl, 2));
  expect(hexOf(zcl['Sequence Number'])).toBe(h(c.zclHeader.transactionSequenceNumber, 2));
  expect(hexOf(zcl['Command Id'])).toBe(h(c.zclHeader.commandId, 2));
  if (c.encrypted) {
    expect(hexOf(ref['Additional Header Control'])).toBe(h(c.additionalHeaderControl, 2));
    expect(hexOf(ref['Additional Header Frame Counter'])).toBe(h(c.additionalFrameCounter, 2));
    expect(hexOf(ref['Security Header'])).toBe('3100000000');
    expect(hexOf(ref['Encrypted ZCL Payload'])).toBe(toHex(c.cipheredContent.ciphertext));
    expect(hexOf(ref['AE MAC'])).toBe(toHex(c.cipheredContent.tag));
  }
}

describeShared('GBZ payloads of RTDS 4.5.0', () => {
  const vectors = rtdsVectors().filter((v) => v.expected.header.payloadFirstByte === '01');
  const decoded = rtdsDecoded();
  const load = rtdsApdu;

  it('has 222 GBZ payloads', () => expect(vectors.length).toBe(222));

  it.each(vectors.map((v) => [v.id, v] as const))('%s: decodes and re-encodes byte for byte', (_id, v) => {
    const apdu = load(v);
    const g = decodeGbz(apdu.payload, apdu.payloadOffset, { alert: apdu.header.craFlag === 3 });
    expect(toHex(encodeGbz(g))).toBe(toHex(apdu.payload));
    expect(decodeGbz(apdu.payload)).toEqual(g); // the alert form is inferred correctly without the CRA flag
  });

  it('agrees with the reference parser: component counts, headers, encrypted parts, alert fields', () => {
    let components = 0;
    let encrypted = 0;
    let alerts = 0;
    for (const v of vectors) {
      const apdu = load(v);
      const g = decodeGbz(apdu.payload, apdu.payloadOffset, { alert: apdu.header.craFlag === 3 });
      const ref = decoded[`${v.id}|${v.path}`] as Record<string, Record<string, RefNode>>;
      const p = ref.Payload!;
      expect(Number.parseInt(hexOf(p['Number of GBZ components']), 16), v.id).toBe(
        g.type === 'alert' ? g.componentCount : g.components.length,
      );
      if (g.type === 'components') {
        const refComponents = Object.keys(ref).filter((k) => k.startsWith('GBZ Component '));
        expect(refComponents.length, v.id).toBe(g.components.length);
        g.components.forEach((c, i) => {
          compareComponent(ref[`GBZ Component ${i + 1}`]!, c, `${v.id} #${i + 1}`);
          components++;
          if (c.encrypted) encrypted++;
        });
      } else {
        alerts++;
        expect(hexOf(p['Alert Code'])).toBe(h(g.alertCode, 4));
        expect(hexOf(p['Time Stamp'])).toBe(h(g.timestamp, 8));
        if (g.alertBody.type === 'component') {
          compareComponent(p, g.alertBody.component, v.id);
          encrypted++;
        }
        if (g.alertBody.type === 'future-dated-outcome') {
          expect(hexOf(p['Message Code'])).toBe(h(g.alertBody.messageCode, 4));
          expect(hexOf(p['Originator Counter'])).toBe(h(Number(g.alertBody.originatorCounter), 16));
          expect(hexOf(p['Cluster Id'])).toBe(h(g.alertBody.clusterId, 4));
        }
      }
    }
    expect({ components, encrypted, alerts }).toEqual({ components: 779, encrypted: 28, alerts: 10 });
  });
});
