/**
 * The ESME model never crashes: any access-request over its objects (valid or garbage values,
 * selections, methods), at any time, gets an access-response with one result per request, and
 * the state stays plain JSON.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { fromHex } from '../../../../protocol/bytes.ts';
import {
  type AccessRequestSpecification,
  decodeDlmsApdu,
  encodeDlmsApdu,
} from '../../../../protocol/dlms/apdu.ts';
import type { DlmsData } from '../../../../protocol/dlms/axdr.ts';
import type { DeviceState, ExecutionContext } from '../../../../sim/device/device.ts';
import { storedAttributes } from '../../../../sim/models/esme/config.ts';
import { executeEsmeCommand } from '../../../../sim/models/esme/esme.ts';
import { esmeObjects } from '../../../../sim/models/esme/objects.ts';

const EUI = '00db1234567890a6';
const T0 = Date.UTC(2016, 5, 1);

const leaf: fc.Arbitrary<DlmsData> = fc.oneof(
  fc.constant<DlmsData>({ type: 'null-data' }),
  fc.nat({ max: 0xffffffff }).map((value): DlmsData => ({ type: 'double-long-unsigned', value })),
  fc
    .integer({ min: -0x80000000, max: 0x7fffffff })
    .map((value): DlmsData => ({ type: 'double-long', value })),
  fc.nat({ max: 0xffff }).map((value): DlmsData => ({ type: 'long-unsigned', value })),
  fc.integer({ min: -128, max: 127 }).map((value): DlmsData => ({ type: 'integer', value })),
  fc.nat({ max: 255 }).map((value): DlmsData => ({ type: 'enum', value })),
  fc.boolean().map((value): DlmsData => ({ type: 'boolean', value })),
  fc.uint8Array({ maxLength: 14 }).map((value): DlmsData => ({ type: 'octet-string', value })),
  fc
    .oneof(
      fc.constant('0000000000000000008000ff'),
      fc.constant('ffffffffffffffffff8000ff'),
      fc.constant('07e00601ff000000008000ff'),
      fc.constant('07e00602ff0c1e00008000ff'),
    )
    .map((h): DlmsData => ({ type: 'octet-string', value: fromHex(h) })),
);
const data: fc.Arbitrary<DlmsData> = fc.letrec<{ d: DlmsData }>((tie) => ({
  d: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('d'), { maxLength: 4 }).map((value): DlmsData => ({ type: 'structure', value })),
    fc.array(tie('d'), { maxLength: 4 }).map((value): DlmsData => ({ type: 'array', value })),
  ),
})).d;
const validValue = fc.constantFrom(...storedAttributes().map((a) => a.default));

const objects = esmeObjects();
const spec: fc.Arbitrary<[AccessRequestSpecification, DlmsData]> = fc
  .tuple(
    fc.constantFrom(...objects),
    fc.nat({ max: 14 }),
    fc.constantFrom('get', 'set', 'action', 'get-with-selection' as const),
    fc.oneof(data, validValue),
    fc.constantFrom(0, 1, 2, 3),
  )
  .map(([o, id, kind, value, selector]): [AccessRequestSpecification, DlmsData] => {
    const instanceId = fromHex(o.obis);
    if (kind === 'action')
      return [{ type: 'action', method: { classId: o.classId, instanceId, methodId: id } }, value];
    const attribute = { classId: o.classId, instanceId, attributeId: id };
    if (kind === 'get-with-selection')
      return [
        { type: kind, attribute, accessSelection: { accessSelector: selector, accessParameters: value } },
        { type: 'null-data' },
      ];
    return [{ type: kind, attribute }, kind === 'get' ? { type: 'null-data' } : value];
  });

it('answers any access-request with one result per request, never throwing, keeping the state plain JSON', () => {
  const state: DeviceState = { eui: EUI, deviceType: 'ESME', antiReplay: {}, alertCounter: '0', model: {} };
  let now = T0;
  fc.assert(
    fc.property(
      fc.array(spec, { minLength: 1, maxLength: 6 }),
      fc.nat({ max: 6 * 3_600_000 }),
      (list, dt) => {
        now += dt;
        const payload = encodeDlmsApdu({
          type: 'access-request',
          longInvokeIdAndPriority: 0x20000001,
          dateTime: null,
          specifications: list.map((x) => x[0]),
          data: list.map((x) => x[1]),
        });
        const ctx = {
          device: { eui: EUI, state },
          header: { originatorId: '90b3d51f30010000', messageCode: 0x0027, originatorCounter: 1n },
          payload,
          now,
          encryptForRecipient: (p: Uint8Array) =>
            Uint8Array.from([0x31, 0, 0, 0, 0, ...p, ...new Array(12).fill(0)]),
          fault: undefined,
        } as unknown as ExecutionContext;
        const res = decodeDlmsApdu(executeEsmeCommand(ctx).payload);
        expect(res.type).toBe('access-response');
        if (res.type !== 'access-response') return;
        expect(res.responseSpecifications).toHaveLength(list.length);
        expect(res.data).toHaveLength(list.length);
      },
    ),
    { numRuns: 200, seed: 20150101 },
  );
  expect(JSON.parse(JSON.stringify(state.model))).toEqual(state.model);
});
