/**
 * DLMS payload codec against RTDS 4.5.0: every access-request / access-response /
 * data-notification payload decodes and re-encodes byte for byte, and the structure agrees with
 * the reference parser's decoded trees (rtds-4.5.0.decoded.json: counts, CHOICE tags, result
 * codes, Data types and values). Also the gbcs-parser double-long regression input.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.ts';
import {
  type AccessRequestSpecification,
  DataAccessResult,
  type DlmsApdu,
  decodeDlmsApdu,
  encodeDlmsApdu,
} from '../../../protocol/dlms/apdu.ts';
import { type DlmsData, dataTagOf, encodeData } from '../../../protocol/dlms/axdr.ts';
import { findProtectedAttributes, ProtectionType } from '../../../protocol/dlms/protected-attributes.ts';
import { decodeGbcsMessage } from '../../../protocol/envelope.ts';
import {
  describeShared,
  hexOf,
  type RefNode,
  type RtdsVector,
  rtdsApdu,
  rtdsDecoded,
  rtdsVectors,
  sharedPath,
} from '../../fixtures/shared.ts';

function payloadOf(v: RtdsVector): { payload: Uint8Array; base: number } {
  const apdu = rtdsApdu(v);
  return { payload: apdu.payload, base: apdu.payloadOffset };
}

/** Reference parser names of the generic Data types. */
const REF_TYPE: Record<string, DlmsData['type']> = {
  Null: 'null-data',
  Array: 'array',
  Structure: 'structure',
  Boolean: 'boolean',
  'Bit String': 'bit-string',
  'Double Long': 'double-long',
  'Double Long Unsigned': 'double-long-unsigned',
  'Octet String': 'octet-string',
  'Visible String': 'visible-string',
  'UTF8 String': 'utf8-string',
  Integer: 'integer',
  Long: 'long',
  Unsigned: 'unsigned',
  'Long Unsigned': 'long-unsigned',
  'Compact Array': 'compact-array',
  Enum: 'enum',
};

/**
 * Compares reference nodes named `[i] <Type>` with our Data values: type, and for leaves the exact
 * bytes; recurses into arrays and structures. Returns the number of nodes compared.
 */
function compareData(ref: Record<string, RefNode> | undefined, mine: DlmsData[]): number {
  let n = 0;
  for (const [key, node] of Object.entries(ref ?? {})) {
    const m = /^\[(\d+)\] (.+)$/.exec(key);
    const type = m ? REF_TYPE[m[2]!] : undefined;
    if (!m || !type) continue;
    const hex = hexOf(node);
    if (hex === '' || Number.parseInt(hex.slice(0, 2), 16) !== dataTagOf(type)) continue; // annotation, not Data
    const d = mine[Number(m[1])];
    expect(d?.type, key).toBe(type);
    n++;
    if (d!.type === 'array' || d!.type === 'structure') {
      expect(toHex(encodeData({ ...d!, value: [] })).slice(0, 2), key).toBe(hex.slice(0, 2));
      expect(Number.parseInt(hex.slice(2), 16), `${key} count`).toBe(d!.value.length);
      n += compareData(node.children, d!.value);
    } else if (type !== 'compact-array') {
      expect(toHex(encodeData(d!)), key).toBe(hex);
    }
  }
  return n;
}

function compareRequestSpecifications(ref: RefNode | undefined, specs: AccessRequestSpecification[]): void {
  expect(Number.parseInt(hexOf(ref), 16)).toBe(specs.length);
  const tags = { get: '01', set: '02', action: '03', 'get-with-selection': '04', 'set-with-selection': '05' };
  Object.values(ref?.children ?? {}).forEach((node, i) => {
    const s = specs[i]!;
    expect(hexOf(node)).toBe(tags[s.type]);
    const c = node.children!;
    const d = s.type === 'action' ? s.method : s.attribute;
    expect(hexOf(c['Class Id'])).toBe(d.classId.toString(16).padStart(4, '0'));
    expect(hexOf(c['Instance Id'])).toBe(toHex(d.instanceId));
    const id = s.type === 'action' ? s.method.methodId : s.attribute.attributeId;
    expect(hexOf(c['Attribute Id'] ?? c['Method Id'])).toBe((id & 0xff).toString(16).padStart(2, '0'));
    if (s.type === 'get-with-selection' || s.type === 'set-with-selection') {
      expect(hexOf(c['Access Selector'])).toBe(
        s.accessSelection.accessSelector.toString(16).padStart(2, '0'),
      );
    }
  });
}

describeShared('DLMS payloads of RTDS 4.5.0', () => {
  const vectors = rtdsVectors().filter((v) =>
    ['d9', 'da', '0f'].includes(v.expected.header.payloadFirstByte),
  );
  const decoded = rtdsDecoded();
  const refOf = (v: RtdsVector) => decoded[`${v.id}|${v.path}`]?.Payload as Record<string, RefNode>;

  it('has 509 DLMS payloads (264 access-request, 200 access-response, 45 data-notification)', () => {
    expect(vectors.length).toBe(509);
  });

  it.each(vectors.map((v) => [v.id, v] as const))('%s: decodes and re-encodes byte for byte', (_id, v) => {
    const { payload, base } = payloadOf(v);
    const a = decodeDlmsApdu(payload, base);
    expect(toHex(encodeDlmsApdu(a))).toBe(toHex(payload));
    // GBCS: long-invoke-id-and-priority = 0x20 ‖ low 24 bits of the Originator Counter
    const counter = Number(BigInt(`0x${v.expected.header.originatorCounter}`) & 0xffffffn);
    expect(a.longInvokeIdAndPriority).toBe((0x20 << 24) + counter);
  });

  it('agrees with the reference parser: specifications, result codes, counts and Data', () => {
    let compared = 0;
    const kinds = { 'access-request': 0, 'access-response': 0, 'data-notification': 0 };
    for (const v of vectors) {
      const { payload } = payloadOf(v);
      const a: DlmsApdu = decodeDlmsApdu(payload);
      kinds[a.type]++;
      const ref = refOf(v);
      expect(ref, v.id).toBeDefined();
      if (a.type === 'access-request') {
        const top = ref['DLMS Access Request']!.children!;
        compareRequestSpecifications(top['List of Access Request Specifications'], a.specifications);
        expect(Number.parseInt(hexOf(top['List of Data']), 16)).toBe(a.data.length);
        compared += compareData(top['List of Data']!.children, a.data);
      } else if (a.type === 'access-response') {
        expect(a.requestSpecifications).toBeNull();
        const top = ref['DLMS Access Response']!.children!;
        const list = top['List of Access Response Data'];
        expect(Number.parseInt(hexOf(list), 16), v.id).toBe(a.data.length);
        compared += compareData(list!.children, a.data);
        const specs = Object.values(top['List of Access Response Specification']!.children ?? {});
        expect(specs.length).toBe(a.responseSpecifications.length);
        specs.forEach((node, i) => {
          const s = a.responseSpecifications[i]!;
          expect(hexOf(node)).toBe({ get: '01', set: '02', action: '03' }[s.type]);
          const result = node.children!['Data Access Result'] ?? node.children!['Action Result'];
          expect(Number.parseInt(hexOf(result), 16), `${v.id} [${i}]`).toBe(s.result);
        });
      } else {
        const top = Object.entries(ref).find(([k]) => k.startsWith('DLMS Data Notification'))![1];
        const body = a.notificationBody;
        expect(body.type).toBe('structure');
        if (body.type !== 'structure') continue;
        expect(hexOf(top).slice(-4)).toBe(`02${body.value.length.toString(16).padStart(2, '0')}`);
        expect(hexOf(top.children!['Alert Code'])).toBe(toHex(encodeData(body.value[0]!)));
      }
    }
    expect(kinds).toEqual({ 'access-request': 264, 'access-response': 200, 'data-notification': 45 });
    expect(compared).toBeGreaterThan(5000);
  });

  it('ECS08 immediate error response: 18 set results, the 17th is hardware-fault', () => {
    const v = vectors.find((x) => x.id === 'ECS08_2.1_IMMEDIATE_ERROR_RESPONSE')!;
    const a = decodeDlmsApdu(payloadOf(v).payload);
    expect(a.type).toBe('access-response');
    if (a.type !== 'access-response') return;
    expect(a.data.every((d) => d.type === 'null-data')).toBe(true);
    expect(a.responseSpecifications.map((s) => `${s.type}:${s.result}`)).toEqual([
      ...Array(16).fill('set:0'),
      `set:${DataAccessResult.HARDWARE_FAULT}`,
      `set:${DataAccessResult.OTHER_REASON}`,
    ]);
  });

  it('ECS17b twin response: action result 0 and a protected-attributes structure', () => {
    const v = vectors.find((x) => x.id === 'ECS17b_4.1.1_TWIN_SUCCESS_RESPONSE')!;
    const { payload } = payloadOf(v);
    const a = decodeDlmsApdu(payload);
    expect(a.type === 'access-response' && a.responseSpecifications).toEqual([{ type: 'action', result: 0 }]);
    const [p] = findProtectedAttributes(a);
    expect(p!.offset).toBe(64);
    expect(p!.protectionParameters).toHaveLength(1);
    const e = p!.protectionParameters[0]!;
    expect(e.protectionType).toBe(ProtectionType.AUTHENTICATION_AND_ENCRYPTION);
    expect(toHex(e.protectionOptions.transactionId)).toBe('0400000000000004b0');
    expect(toHex(e.protectionOptions.originatorSystemTitle)).toBe('00db1234567890a0');
    expect(toHex(e.protectionOptions.recipientSystemTitle)).toBe('90b3d51f30020000');
    expect(e.protectionOptions.otherInformation).toHaveLength(0);
    expect(toHex(encodeData(e.protectionOptions.keyInfo))).toBe('0202160202020901020900');
    expect(p!.cipheredContent.securityControl).toBe(0x31);
    expect(p!.cipheredContent.invocationCounter).toBe(0);
    expect(toHex(p!.cipheredContent.tag)).toBe('fdb429f29ec7238dbc4046c5');
  });

  it('ECS17b command: protection parameters without an octet-string are not protected attributes', () => {
    const v = vectors.find((x) => x.id === 'ECS17b_4.1.1_TWIN_SUCCESS_COMMAND')!;
    expect(findProtectedAttributes(decodeDlmsApdu(payloadOf(v).payload))).toEqual([]);
  });

  it('ECS23b command: get-with-selection, selector 1 with a range-descriptor structure(4)', () => {
    const v = vectors.find((x) => x.id === 'ECS23b_4.10_SUCCESS_COMMAND')!;
    const a = decodeDlmsApdu(payloadOf(v).payload);
    if (a.type !== 'access-request') throw new Error('not an access-request');
    const s = a.specifications.find((x) => x.type === 'get-with-selection');
    expect(s?.type === 'get-with-selection' && s.accessSelection.accessSelector).toBe(1);
    const p = s?.type === 'get-with-selection' ? s.accessSelection.accessParameters : undefined;
    expect(p?.type === 'structure' && p.value.map((d) => d.type)).toEqual([
      'structure',
      'double-long-unsigned',
      'double-long-unsigned',
      'array',
    ]);
  });

  it('ECS68 alert: data-notification structure(4) with the protected part flattened into it', () => {
    const v = vectors.find((x) => x.id === 'ECS68_NA_8F0A_TWIN_ALERT')!;
    const a = decodeDlmsApdu(payloadOf(v).payload);
    if (a.type !== 'data-notification' || a.notificationBody.type !== 'structure') throw new Error('shape');
    expect(a.notificationBody.value.map((d) => d.type)).toEqual([
      'long-unsigned',
      'octet-string',
      'array',
      'octet-string',
    ]);
    expect(findProtectedAttributes(a).map((p) => [p.offset, p.length])).toEqual([[81, 400]]);
  });

  it('gbcs-parser regression: a negative double-long (-25494445) in a DCC Boxed response', () => {
    const b64 = readFileSync(
      sharedPath('samples', 'smartdcc-gbcs-parser-regressions', 'double-long.b64'),
      'utf8',
    );
    const m = decodeGbcsMessage(new Uint8Array(Buffer.from(b64.trim(), 'base64')));
    if (m.form === 'gbt') throw new Error('unexpected');
    const a = decodeDlmsApdu(m.apdu.payload, m.apdu.payloadOffset);
    const found: number[] = [];
    const visit = (d: DlmsData): void => {
      if (d.type === 'double-long') found.push(d.value);
      if (d.type === 'array' || d.type === 'structure') d.value.forEach(visit);
    };
    if (a.type === 'access-response') a.data.forEach(visit);
    expect(found).toContain(-25494445);
    expect(toHex(encodeDlmsApdu(a))).toBe(toHex(m.apdu.payload));
  });
});
