import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, fromHex, toHex } from '../../../protocol/bytes.ts';
import {
  type AccessRequestSpecification,
  type CosemAttributeDescriptor,
  type DlmsApdu,
  decodeDlmsApdu,
  dlmsApduDataItems,
  encodeDlmsApdu,
} from '../../../protocol/dlms/apdu.ts';
import {
  type DlmsData,
  dataEncodedLength,
  dataHeaderLength,
  decodeData,
  encodeData,
  MAX_DATA_DEPTH,
  type TypeDescription,
} from '../../../protocol/dlms/axdr.ts';
import { DecodeError, ErrorCode } from '../../../protocol/errors.ts';
import { dlmsDateTimeArb } from '../../fixtures/dlms-date-time.ts';

function decodeAll(hex: string, base = 0): DlmsData {
  const r = new ByteReader(fromHex(hex), base);
  const d = decodeData(r);
  r.end('Data');
  return d;
}

function decodeError(bytes: Uint8Array, base = 0): DecodeError {
  try {
    decodeData(new ByteReader(bytes, base));
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('decoded without error');
}

// ── arbitraries ──────────────────────────────────────────────────────────────────────────────────
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const simpleTypes = [
  'null-data',
  'boolean',
  'bit-string',
  'double-long',
  'double-long-unsigned',
  'octet-string',
  'visible-string',
  'utf8-string',
  'bcd',
  'integer',
  'long',
  'unsigned',
  'long-unsigned',
  'compact-array',
  'long64',
  'long64-unsigned',
  'enum',
  'float32',
  'float64',
  'date-time',
  'date',
  'time',
  'dont-care',
] as const;

const typeDescriptionArb: fc.Arbitrary<TypeDescription> = fc.letrec<{ td: TypeDescription }>((tie) => ({
  td: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...simpleTypes).map((type) => ({ type }) as TypeDescription),
    fc
      .record({ numberOfElements: fc.integer({ min: 0, max: 0xffff }), typeDescription: tie('td') })
      .map((r) => ({ type: 'array', ...r }) as TypeDescription),
    fc
      .array(tie('td'), { maxLength: 4 })
      .map((elements) => ({ type: 'structure', elements }) as TypeDescription),
  ),
})).td;

const leafArb: fc.Arbitrary<DlmsData> = fc.oneof(
  fc.constant<DlmsData>({ type: 'null-data' }),
  fc.constant<DlmsData>({ type: 'dont-care' }),
  fc.boolean().map((value): DlmsData => ({ type: 'boolean', value })),
  fc
    .nat({ max: 300 })
    .chain((bits) =>
      bytes(Math.ceil(bits / 8), Math.ceil(bits / 8)).map(
        (value): DlmsData => ({ type: 'bit-string', bits, value }),
      ),
    ),
  fc
    .integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
    .map((value): DlmsData => ({ type: 'double-long', value })),
  fc
    .integer({ min: 0, max: 2 ** 32 - 1 })
    .map((value): DlmsData => ({ type: 'double-long-unsigned', value })),
  bytes(0, 300).map((value): DlmsData => ({ type: 'octet-string', value })),
  bytes(0, 20).map((value): DlmsData => ({ type: 'visible-string', value })),
  bytes(0, 20).map((value): DlmsData => ({ type: 'utf8-string', value })),
  fc.integer({ min: -128, max: 127 }).map((value): DlmsData => ({ type: 'bcd', value })),
  fc.integer({ min: -128, max: 127 }).map((value): DlmsData => ({ type: 'integer', value })),
  fc.integer({ min: -32768, max: 32767 }).map((value): DlmsData => ({ type: 'long', value })),
  fc.integer({ min: 0, max: 255 }).map((value): DlmsData => ({ type: 'unsigned', value })),
  fc.integer({ min: 0, max: 0xffff }).map((value): DlmsData => ({ type: 'long-unsigned', value })),
  fc.integer({ min: 0, max: 255 }).map((value): DlmsData => ({ type: 'enum', value })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value): DlmsData => ({ type: 'long64', value })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value): DlmsData => ({ type: 'long64-unsigned', value })),
  fc.float().map((value): DlmsData => ({ type: 'float32', value })),
  fc.double().map((value): DlmsData => ({ type: 'float64', value })),
  bytes(12, 12).map((value): DlmsData => ({ type: 'date-time', value })),
  bytes(5, 5).map((value): DlmsData => ({ type: 'date', value })),
  bytes(4, 4).map((value): DlmsData => ({ type: 'time', value })),
  fc
    .record({ contentsDescription: typeDescriptionArb, arrayContents: bytes(0, 40) })
    .map((r): DlmsData => ({ type: 'compact-array', ...r })),
);

const dlmsDataArb: fc.Arbitrary<DlmsData> = fc.letrec<{ data: DlmsData }>((tie) => ({
  data: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('data'), { maxLength: 5 }).map((value): DlmsData => ({ type: 'array', value })),
    fc.array(tie('data'), { maxLength: 5 }).map((value): DlmsData => ({ type: 'structure', value })),
  ),
})).data;

describe('A-XDR Data: known encodings (Blue Book 4.1.5)', () => {
  it.each<[string, DlmsData]>([
    ['00', { type: 'null-data' }],
    ['ff', { type: 'dont-care' }],
    ['0300', { type: 'boolean', value: false }],
    ['03ff', { type: 'boolean', value: true }],
    ['040affc0', { type: 'bit-string', bits: 10, value: fromHex('ffc0') }],
    ['0400', { type: 'bit-string', bits: 0, value: new Uint8Array(0) }],
    ['05fe7afc53', { type: 'double-long', value: -25494445 }],
    ['06ffffffff', { type: 'double-long-unsigned', value: 0xffffffff }],
    ['0903414243', { type: 'octet-string', value: fromHex('414243') }],
    ['0a03414243', { type: 'visible-string', value: fromHex('414243') }],
    ['0c02c3a9', { type: 'utf8-string', value: fromHex('c3a9') }],
    ['0d99', { type: 'bcd', value: -103 }],
    ['0ffb', { type: 'integer', value: -5 }],
    ['108000', { type: 'long', value: -32768 }],
    ['11ff', { type: 'unsigned', value: 255 }],
    ['128f0a', { type: 'long-unsigned', value: 0x8f0a }],
    ['14ffffffffffffffff', { type: 'long64', value: -1n }],
    ['15ffffffffffffffff', { type: 'long64-unsigned', value: 0xffffffffffffffffn }],
    ['1602', { type: 'enum', value: 2 }],
    ['173fc00000', { type: 'float32', value: 1.5 }],
    ['18c004000000000000', { type: 'float64', value: -2.5 }],
    ['19' + '07df0101ff000000008000ff', { type: 'date-time', value: fromHex('07df0101ff000000008000ff') }],
    ['1a07df0101ff', { type: 'date', value: fromHex('07df0101ff') }],
    ['1b0c1e00ff', { type: 'time', value: fromHex('0c1e00ff') }],
    [
      '0202120001' + '0100',
      {
        type: 'structure',
        value: [
          { type: 'long-unsigned', value: 1 },
          { type: 'array', value: [] },
        ],
      },
    ],
    [
      // compact-array of 2 × structure { unsigned, long-unsigned }, contents kept raw
      '13' + '010002' + '02021112' + '06' + '010203040506',
      {
        type: 'compact-array',
        contentsDescription: {
          type: 'array',
          numberOfElements: 2,
          typeDescription: { type: 'structure', elements: [{ type: 'unsigned' }, { type: 'long-unsigned' }] },
        },
        arrayContents: fromHex('010203040506'),
      },
    ],
  ])('%s', (hex, data) => {
    expect(decodeAll(hex)).toEqual(data);
    expect(toHex(encodeData(data))).toBe(hex);
    expect(dataEncodedLength(data)).toBe(hex.length / 2);
  });

  it('long octet-strings use the BER long forms 81 / 82', () => {
    const v128 = new Uint8Array(128).fill(7);
    expect(toHex(encodeData({ type: 'octet-string', value: v128 })).slice(0, 6)).toBe('098180');
    const v400 = new Uint8Array(400);
    const enc = encodeData({ type: 'octet-string', value: v400 });
    expect(toHex(enc.subarray(0, 4))).toBe('09820190');
    expect(dataHeaderLength({ type: 'octet-string', value: v400 })).toBe(4);
    expect(decodeAll(toHex(enc))).toEqual({ type: 'octet-string', value: v400 });
  });
});

describe('A-XDR Data: malformed input', () => {
  it.each<[string, string, number]>([
    ['07', ErrorCode.UNKNOWN_TAG, 0],
    ['0201' + '08', ErrorCode.UNKNOWN_TAG, 2],
    ['0301', ErrorCode.BAD_VALUE, 1],
    ['098105' + '0102030405', ErrorCode.BAD_LENGTH, 1],
    ['0980', ErrorCode.BAD_LENGTH, 1],
    ['0905010203', ErrorCode.TRUNCATED, 5],
    ['12ff', ErrorCode.TRUNCATED, 2],
    ['19' + '07df01', ErrorCode.TRUNCATED, 4],
    ['0181ff' + '00', ErrorCode.TRUNCATED, 4],
    ['177f800001', ErrorCode.BAD_VALUE, 1], // a signalling NaN comes back quieted: rejected
    ['', ErrorCode.TRUNCATED, 0],
  ])('%s → %s at %d', (hex, code, offset) => {
    const e = decodeError(hex === '' ? new Uint8Array(0) : fromHex(hex));
    expect(e.code).toBe(code);
    expect(e.offset).toBe(offset);
  });

  it('reports absolute offsets (reader base)', () => {
    const e = decodeError(fromHex('020212000107'), 100);
    expect([e.code, e.offset]).toEqual([ErrorCode.UNKNOWN_TAG, 105]);
  });

  it(`nesting deeper than ${MAX_DATA_DEPTH} is TOO_LARGE, not a stack overflow (100 000 levels)`, () => {
    const deep = new Uint8Array(200_000);
    for (let i = 0; i < deep.length; i += 2) deep.set([0x01, 0x01], i);
    const e = decodeError(deep);
    expect(e.code).toBe(ErrorCode.TOO_LARGE);
    expect(e.offset).toBe((MAX_DATA_DEPTH + 1) * 2);
    // exactly at the limit is fine
    const ok = new Uint8Array(MAX_DATA_DEPTH * 2 + 1);
    for (let i = 0; i < MAX_DATA_DEPTH * 2; i += 2) ok.set([0x02, 0x01], i);
    expect(() => decodeData(new ByteReader(ok))).not.toThrow();
  });

  it('an element count beyond the remaining bytes fails before reading elements', () => {
    expect(decodeError(fromHex('0183ffffff00')).code).toBe(ErrorCode.TRUNCATED);
    expect(decodeError(fromHex('1302' + '83ffffff' + '11')).code).toBe(ErrorCode.TRUNCATED);
  });

  it('encoding out-of-range values throws RangeError', () => {
    expect(() => encodeData({ type: 'unsigned', value: 256 })).toThrow(RangeError);
    expect(() => encodeData({ type: 'long', value: 1.5 })).toThrow(RangeError);
    expect(() => encodeData({ type: 'long64-unsigned', value: -1n })).toThrow(RangeError);
    expect(() => encodeData({ type: 'date', value: new Uint8Array(4) })).toThrow(RangeError);
    expect(() => encodeData({ type: 'bit-string', bits: 9, value: new Uint8Array(1) })).toThrow(RangeError);
  });
});

describe('A-XDR Data: properties', () => {
  it('decode(encode(d)) = d, consuming every byte; dataEncodedLength = encoded size', () => {
    fc.assert(
      fc.property(dlmsDataArb, (d) => {
        const enc = encodeData(d);
        expect(dataEncodedLength(d)).toBe(enc.length);
        const r = new ByteReader(enc);
        expect(decodeData(r)).toEqual(d);
        expect(r.remaining).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('random bytes: a DecodeError or a value that re-encodes to the bytes it consumed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const r = new ByteReader(b);
        let d: DlmsData;
        try {
          d = decodeData(r);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          return;
        }
        expect(toHex(encodeData(d))).toBe(toHex(b.subarray(0, r.pos)));
      }),
      { numRuns: 2000 },
    );
  });

  it('truncating an encoding anywhere gives TRUNCATED', () => {
    fc.assert(
      fc.property(
        dlmsDataArb.filter((d) => dataEncodedLength(d) > 1),
        fc.nat(),
        (d, cut) => {
          const enc = encodeData(d);
          const part = enc.subarray(0, cut % enc.length);
          const e = decodeError(part);
          expect(e.code).toBe(ErrorCode.TRUNCATED);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

// ── xDLMS APDUs ──────────────────────────────────────────────────────────────────────────────────
const u8 = fc.integer({ min: 0, max: 255 });
const i8 = fc.integer({ min: -128, max: 127 });
const descriptorArb = fc.record({ classId: fc.integer({ min: 0, max: 0xffff }), instanceId: bytes(6, 6) });
const attributeArb = fc
  .record({ d: descriptorArb, attributeId: i8 })
  .map(({ d, attributeId }): CosemAttributeDescriptor => ({ ...d, attributeId }));
const selectionArb = fc.record({ accessSelector: u8, accessParameters: dlmsDataArb });
const requestSpecArb: fc.Arbitrary<AccessRequestSpecification> = fc.oneof(
  attributeArb.map((attribute): AccessRequestSpecification => ({ type: 'get', attribute })),
  attributeArb.map((attribute): AccessRequestSpecification => ({ type: 'set', attribute })),
  fc
    .record({ d: descriptorArb, methodId: i8 })
    .map(({ d, methodId }): AccessRequestSpecification => ({ type: 'action', method: { ...d, methodId } })),
  fc
    .record({ attribute: attributeArb, accessSelection: selectionArb })
    .map((r): AccessRequestSpecification => ({ type: 'get-with-selection', ...r })),
  fc
    .record({ attribute: attributeArb, accessSelection: selectionArb })
    .map((r): AccessRequestSpecification => ({ type: 'set-with-selection', ...r })),
);
const responseSpecArb = fc.record({
  type: fc.constantFrom('get' as const, 'set' as const, 'action' as const),
  result: u8,
});
const headArb = fc.record({
  longInvokeIdAndPriority: fc.integer({ min: 0, max: 0xffffffff }),
  dateTime: fc.option(dlmsDateTimeArb, { nil: null }),
});
const apduArb: fc.Arbitrary<DlmsApdu> = fc.oneof(
  fc
    .record({
      head: headArb,
      specifications: fc.array(requestSpecArb, { maxLength: 4 }),
      data: fc.array(dlmsDataArb, { maxLength: 4 }),
    })
    .map(({ head, ...r }): DlmsApdu => ({ type: 'access-request', ...head, ...r })),
  fc
    .record({
      head: headArb,
      requestSpecifications: fc.option(fc.array(requestSpecArb, { maxLength: 3 }), { nil: null }),
      data: fc.array(dlmsDataArb, { maxLength: 4 }),
      responseSpecifications: fc.array(responseSpecArb, { maxLength: 4 }),
    })
    .map(({ head, ...r }): DlmsApdu => ({ type: 'access-response', ...head, ...r })),
  fc
    .record({ head: headArb, notificationBody: dlmsDataArb })
    .map(({ head, ...r }): DlmsApdu => ({ type: 'data-notification', ...head, ...r })),
);

describe('xDLMS APDUs (Green Book 9.3; gbcs-wire-and-security.md §2.4)', () => {
  it('access-request: get, set, action, get-with-selection', () => {
    const hex =
      'd9200003ea00' +
      '04' +
      '01' +
      '0003' +
      '0100202000' +
      '04' +
      '02' + // get Register 1-0:32.32.0.4 attr 2
      '02' +
      '0001' +
      '00005e2c0004' +
      '02' + // set
      '03' +
      '001e' +
      '00002b0208ff' +
      '01' + // action Data Protection method 1
      '04' +
      '0007' +
      '0100201800ff' +
      '02' +
      '01' +
      '0202' +
      '061c34a744' +
      '0100' + // range
      '04' +
      '00' +
      '00' +
      '0300' +
      '00';
    const a = decodeDlmsApdu(fromHex(hex));
    expect(a.type).toBe('access-request');
    if (a.type !== 'access-request') return;
    expect(a.longInvokeIdAndPriority).toBe(0x200003ea);
    expect(a.dateTime).toBeNull();
    expect(a.specifications.map((s) => s.type)).toEqual(['get', 'set', 'action', 'get-with-selection']);
    expect(a.specifications[2]).toEqual({
      type: 'action',
      method: { classId: 0x1e, instanceId: fromHex('00002b0208ff'), methodId: 1 },
    });
    const sel = a.specifications[3]!;
    expect(sel.type === 'get-with-selection' && sel.accessSelection.accessSelector).toBe(1);
    expect(a.data.map((d) => d.type)).toEqual(['null-data', 'null-data', 'boolean', 'null-data']);
    expect(toHex(encodeDlmsApdu(a))).toBe(hex);
    const items = dlmsApduDataItems(a);
    expect(items.map((i) => i.offset)).toEqual([
      hex.length / 2 - 5,
      hex.length / 2 - 4,
      hex.length / 2 - 3,
      hex.length / 2 - 1,
    ]);
  });

  it('access-response with a date-time and echoed specifications', () => {
    const hex =
      'da20000001' +
      '0c07df0101ff000000008000ff' +
      '01' +
      '01' +
      '01' +
      '0003' +
      '0100202000' +
      '04' +
      '02' +
      '01' +
      '1200ff' +
      '01' +
      '0100';
    const a = decodeDlmsApdu(fromHex(hex));
    expect(a.type === 'access-response' && a.requestSpecifications?.length).toBe(1);
    expect(a.type === 'access-response' && a.responseSpecifications).toEqual([{ type: 'get', result: 0 }]);
    expect(toHex(encodeDlmsApdu(a))).toBe(hex);
    expect(dlmsApduDataItems(a)[0]!.offset).toBe(hex.indexOf('1200ff') / 2);
  });

  it('data-notification (GBCS alert)', () => {
    const hex = '0f200007de00' + '0203' + '128f66' + '090c07ee010fff090000008000ff' + '0900';
    const a = decodeDlmsApdu(fromHex(hex), 40);
    expect(a.type).toBe('data-notification');
    expect(toHex(encodeDlmsApdu(a))).toBe(hex);
    expect(dlmsApduDataItems(a)).toEqual([
      { data: (a as { notificationBody: DlmsData }).notificationBody, offset: 6 },
    ]);
  });

  it.each<[string, string, number]>([
    ['d0200000010000', ErrorCode.UNKNOWN_TAG, 10],
    ['d9200000010500', ErrorCode.BAD_LENGTH, 15],
    ['d920000001000106', ErrorCode.TRUNCATED, 18],
    ['d92000000100' + '01' + '06' + '0001' + '000000000000' + '02' + '01' + '00', ErrorCode.UNKNOWN_TAG, 17],
    ['da2000000100' + '02' + '00' + '00', ErrorCode.BAD_VALUE, 16],
    ['da2000000100' + '00' + '00' + '01' + '0900', ErrorCode.UNKNOWN_TAG, 19],
    ['0f2000000100' + '00' + '00', ErrorCode.TRAILING_BYTES, 17],
    ['0f200000', ErrorCode.TRUNCATED, 14],
    ['', ErrorCode.EMPTY, 10],
  ])('%s → %s at %d (base 10)', (hex, code, offset) => {
    let err: unknown;
    try {
      decodeDlmsApdu(hex === '' ? new Uint8Array(0) : fromHex(hex), 10);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DecodeError);
    expect([(err as DecodeError).code, (err as DecodeError).offset]).toEqual([code, offset]);
  });

  it('property: decode(encode(apdu)) = apdu; dlmsApduDataItems gives each Data value its encoded position', () => {
    fc.assert(
      fc.property(apduArb, (a) => {
        const enc = encodeDlmsApdu(a);
        expect(decodeDlmsApdu(enc)).toEqual(a);
        for (const { data, offset } of dlmsApduDataItems(a)) {
          expect(toHex(enc.subarray(offset, offset + dataEncodedLength(data)))).toBe(toHex(encodeData(data)));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('property: random bytes after a D9/DA/0F tag give a DecodeError or re-encode exactly', () => {
    fc.assert(
      fc.property(fc.constantFrom(0xd9, 0xda, 0x0f), fc.uint8Array({ maxLength: 80 }), (tag, rest) => {
        const b = new Uint8Array(rest.length + 1);
        b[0] = tag;
        b.set(rest, 1);
        let a: DlmsApdu;
        try {
          a = decodeDlmsApdu(b);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          return;
        }
        expect(toHex(encodeDlmsApdu(a))).toBe(toHex(b));
      }),
      { numRuns: 2000 },
    );
  });
});
