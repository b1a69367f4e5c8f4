/**
 * payload.ts: encoding detection, decode/encode dispatch, locateEncryptedParts (against the RTDS
 * expected encrypted components and the reference parser's decrypted parts), JSON rendering, and
 * robustness properties (random bytes, truncations and mutations of real payloads).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { DecodeError } from '../../protocol/errors.ts';
import {
  type DecodedPayload,
  decodePayload,
  encodePayload,
  encryptedPartsOf,
  locateEncryptedParts,
  payloadEncoding,
  payloadToJson,
} from '../../protocol/payload.ts';
import {
  describeShared,
  hexOf,
  type RtdsVector,
  rtdsDecoded,
  rtdsMessage,
  rtdsVectors,
} from '../fixtures/shared.ts';

function expectOnlyDecodeError(f: () => void): 'ok' | 'error' {
  try {
    f();
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return 'error';
  }
}

describe('payloadEncoding', () => {
  it.each<[string, string]>([
    ['d9200003e9', 'dlms'],
    ['da200003e9', 'dlms'],
    ['0f200007de', 'dlms'],
    ['010901', 'gbz'],
    ['0109', 'gbz'],
    ['0104', 'unknown'],
    ['01', 'unknown'],
    ['3003020100', 'asn1'],
    ['020100', 'asn1'],
    ['0408', 'asn1'],
    ['0500', 'asn1'],
    ['dd00', 'unknown'],
  ])('%s → %s', (hex, encoding) => {
    expect(payloadEncoding(fromHex(hex))).toBe(encoding);
  });
  it('empty → unknown', () => expect(payloadEncoding(new Uint8Array(0))).toBe('unknown'));

  it('asn1 and unknown payloads decode to their bytes and have no encrypted parts', () => {
    const b = fromHex('3003020100');
    expect(decodePayload(b)).toEqual({ encoding: 'asn1', bytes: b });
    expect(locateEncryptedParts(b)).toEqual([]);
    expect(decodePayload(fromHex('7777'))).toEqual({ encoding: 'unknown', bytes: fromHex('7777') });
  });
});

describe('payloadToJson', () => {
  it('bigint → decimal string, bytes → lowercase hex, the rest as is', () => {
    expect(
      payloadToJson({
        a: 1n << 64n,
        b: fromHex('00AbFF'),
        c: [true, null, 'x', 1.5, undefined],
        d: { e: undefined, f: -0 },
        g: Number.NaN,
      }),
    ).toEqual({
      a: '18446744073709551616',
      b: '00abff',
      c: [true, null, 'x', 1.5, null],
      d: { f: -0 },
      g: 'NaN',
    });
  });

  it('renders a decoded GBZ alert', () => {
    const d = decodePayload(fromHex('0109018f66388188900e006b00000000000003ed07070900'), 0, { craFlag: 3 });
    expect(payloadToJson(d)).toEqual({
      encoding: 'gbz',
      gbz: {
        type: 'alert',
        componentCount: 1,
        alertCode: 0x8f66,
        timestamp: 0x38818890,
        alertBody: {
          type: 'future-dated-outcome',
          messageCode: 0x6b,
          originatorCounter: '1005',
          clusterId: 0x0707,
          frameControl: 9,
          commandId: 0,
        },
      },
    });
  });
});

describe('payload robustness properties', () => {
  const prefixes = ['d9', 'da', '0f', '0109', '010900', '0109018f0a', '30', ''];
  it('random bytes (raw and behind each payload prefix): DecodeError only; a decoded payload re-encodes exactly', () => {
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 120 }), (prefix, rest) => {
        const b = new Uint8Array([
          ...fromHex(prefix === '' ? '00' : prefix).subarray(prefix === '' ? 1 : 0),
          ...rest,
        ]);
        let d: DecodedPayload | undefined;
        expectOnlyDecodeError(() => {
          d = decodePayload(b, 7);
        });
        if (d) expect(toHex(encodePayload(d))).toBe(toHex(b));
        expectOnlyDecodeError(() => locateEncryptedParts(b));
      }),
      { numRuns: 2000 },
    );
  });
});

// ── RTDS ─────────────────────────────────────────────────────────────────────────────────────────

/** ciphertext ‖ tag of every encrypted part in a reference decoded tree, in document order. */
function referenceEncryptedParts(tree: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (node: Record<string, any>): void => {
    const enc = node['Encrypted ZCL Payload'] ?? node['Encrypted DLMS Payload'];
    if (enc) out.push(hexOf(enc) + hexOf(node['AE MAC']));
    for (const [k, v] of Object.entries(node)) {
      if (k.startsWith('Decrypted Payload') || v === null || typeof v !== 'object') continue;
      if ('hex' in v && 'children' in v) walk(v.children);
      else if (!('hex' in v)) walk(v);
    }
  };
  walk(tree);
  return out;
}

describeShared('payloads of RTDS 4.5.0', () => {
  const vectors = rtdsVectors();
  const decoded = rtdsDecoded();
  const load = (v: RtdsVector) => {
    const m = rtdsMessage(v);
    return { m, payload: m.apdu.payload, base: m.apdu.payloadOffset, craFlag: m.apdu.header.craFlag };
  };
  const loaded = vectors.map((v) => ({ v, ...load(v) }));

  it('classifies the 851 payloads: 509 dlms, 222 gbz, 120 asn1', () => {
    const counts: Record<string, number> = {};
    for (const { payload } of loaded) {
      const e = payloadEncoding(payload);
      counts[e] = (counts[e] ?? 0) + 1;
    }
    expect(counts).toEqual({ dlms: 509, gbz: 222, asn1: 120 });
  });

  it('every payload decodes and re-encodes byte for byte (with and without the CRA flag)', () => {
    for (const { v, payload, base, craFlag } of loaded) {
      const d = decodePayload(payload, base, { craFlag });
      expect(toHex(encodePayload(d)), v.id).toBe(toHex(payload));
      expect(decodePayload(payload, base)).toEqual(d);
      expect(() => JSON.stringify(payloadToJson(d))).not.toThrow();
    }
  });

  it('locateEncryptedParts: 41 parts in 31 messages; the first is the expected component; none elsewhere', () => {
    let messages = 0;
    let parts = 0;
    for (const { v, m, payload, base } of loaded) {
      const found = locateEncryptedParts(payload);
      const expected = (v.expected.encryptedComponents ?? []) as Array<{
        securityHeaderOffsetInPayload: number;
        ciphertextAndTag: string;
      }>;
      if (expected.length === 0) {
        expect(found, v.id).toEqual([]);
        continue;
      }
      messages++;
      parts += found.length;
      // messages.json records the first encrypted part of each message
      const first = found[0]!;
      expect(first.offset, v.id).toBe(expected[0]!.securityHeaderOffsetInPayload);
      expect(toHex(payload.subarray(first.offset, first.offset + 5))).toBe('3100000000');
      expect(toHex(payload.subarray(first.offset + 5, first.offset + first.length))).toBe(
        expected[0]!.ciphertextAndTag,
      );
      // absolute position in the message
      expect(m.bytes[base + first.offset]).toBe(0x31);
    }
    expect({ messages, parts }).toEqual({ messages: 31, parts: 41 });
  });

  it('locateEncryptedParts finds exactly the parts the reference parser decrypted, in order', () => {
    let compared = 0;
    for (const { v, payload } of loaded) {
      const tree = decoded[`${v.id}|${v.path}`] as Record<string, unknown>;
      const decrypted = Object.keys(tree).filter((k) => k.startsWith('Decrypted Payload')).length;
      const found = locateEncryptedParts(payload);
      expect(found.length, v.id).toBe(decrypted);
      const ref = referenceEncryptedParts(tree);
      expect(
        found.map((p) => toHex(payload.subarray(p.offset + 5, p.offset + p.length))),
        v.id,
      ).toEqual(ref);
      compared += ref.length;
    }
    expect(compared).toBe(41);
  });

  it('encryptedPartsOf(decodePayload(p)) = locateEncryptedParts(p)', () => {
    for (const { payload, craFlag } of loaded) {
      expect(encryptedPartsOf(decodePayload(payload, 0, { craFlag }))).toEqual(locateEncryptedParts(payload));
    }
  });

  it('JSON of an ECS17b protected response (bytes as hex, structure as decoded)', () => {
    const { payload } = loaded.find((x) => x.v.id === 'ECS17b_4.1.1_TWIN_SUCCESS_RESPONSE')!;
    const json = payloadToJson(decodePayload(payload)) as any;
    expect(json.encoding).toBe('dlms');
    expect(json.apdu.type).toBe('access-response');
    expect(json.apdu.longInvokeIdAndPriority).toBe(0x200004b0);
    expect(json.apdu.responseSpecifications).toEqual([{ type: 'action', result: 0 }]);
    const [params, content] = json.apdu.data[0].value;
    expect(params.value[0].value[0]).toEqual({ type: 'enum', value: 2 });
    expect(content.type).toBe('octet-string');
    expect(content.value.slice(0, 10)).toBe('3100000000');
  });

  const dlmsAndGbz = loaded.filter(({ payload }) => ['dlms', 'gbz'].includes(payloadEncoding(payload)));

  it('property: every truncation of a real DLMS/GBZ payload is a DecodeError', () => {
    fc.assert(
      fc.property(fc.nat({ max: dlmsAndGbz.length - 1 }), fc.nat(), (i, cut) => {
        const { payload, base, craFlag } = dlmsAndGbz[i]!;
        const part = payload.subarray(0, cut % payload.length);
        expect(expectOnlyDecodeError(() => decodePayload(part, base, { craFlag }))).toBe(
          payloadEncoding(part) === 'unknown' ? 'ok' : 'error', // `01` alone is not yet GBZ
        );
        expectOnlyDecodeError(() => locateEncryptedParts(part));
      }),
      { numRuns: 2000 },
    );
  });

  it('property: corrupting bytes of a real payload gives a DecodeError or a payload that re-encodes exactly', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: dlmsAndGbz.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (i, edits) => {
          const { payload, craFlag } = dlmsAndGbz[i]!;
          const b = Uint8Array.from(payload);
          for (const [at, value] of edits) b[at % b.length] = value;
          let d: DecodedPayload | undefined;
          expectOnlyDecodeError(() => {
            d = decodePayload(b, 0, { craFlag });
          });
          if (d) expect(toHex(encodePayload(d))).toBe(toHex(b));
          expectOnlyDecodeError(() => locateEncryptedParts(b, { craFlag }));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
