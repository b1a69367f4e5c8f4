/**
 * The GPF model (sim/models/gpf/gpf.ts): reads of the GSME served at once from the cached mirror
 * (never advanced by the GPF), the daily consumption log (GCS61), its own Change of Tenancy
 * (GCS09), mirror synchronisation when the GSME wakes, and the premises routing that keeps GSME
 * traffic queued while GPF reads answer immediately.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex } from '../../../../protocol/bytes.ts';
import { createCrypto } from '../../../../protocol/crypto/index.ts';
import { decodeGbz, encodeGbz, type GbzPlainComponent } from '../../../../protocol/gbz/gbz.ts';
import {
  decodeDefaultResponse,
  decodeReadAttributesResponse,
  encodeReadAttributes,
  fromZclUtcTime,
  intOfLe,
  toZclUtcTime,
  uintOfLe,
  ZclStatus,
} from '../../../../protocol/gbz/zcl.ts';
import { decodeZse, encodeZse, ZseCluster, ZseMetering } from '../../../../protocol/gbz/zcl-se.ts';
import { groupingHeader } from '../../../../protocol/grouping-header.ts';
import { useCaseOf } from '../../../../protocol/use-case-catalogue.ts';
import { VirtualClock } from '../../../../sim/clock.ts';
import { type Device, type ExecutionContext, newDeviceState } from '../../../../sim/device/device.ts';
import { partyEui } from '../../../../sim/head-end/scenario.ts';
import { executeGpfGbz, gpfModelOf, syncGpfMirror } from '../../../../sim/models/gpf/gpf.ts';
import { gsmeModelOf } from '../../../../sim/models/gsme/gsme.ts';
import { DAY } from '../../../../sim/models/gsme/state.ts';
import { DEFAULT_PREMISES } from '../../../../sim/premises/premises.ts';
import { type Cmd, gbz, read } from '../../../fixtures/gbz.ts';
import { setupPremises } from '../../../fixtures/premises.ts';

const T0 = Date.UTC(2015, 0, 1);

function fakeDevice(eui: string, type: 'GPF' | 'GSME', clock: VirtualClock): Device {
  return {
    eui,
    deviceType: type,
    state: newDeviceState(eui, type),
    clock,
    persist() {},
  } as unknown as Device;
}

const clearEncrypt = (p: Uint8Array) => concatBytes(Uint8Array.of(0x31, 0, 0, 0, 0), p, new Uint8Array(12));

function run(dev: Device, messageCode: number, cmds: Cmd[]) {
  const payload = gbz(...cmds);
  const ctx: ExecutionContext = {
    device: dev,
    header: groupingHeader({
      craFlag: 1,
      originatorCounter: 1n,
      originatorId: '90b3d51f30010000',
      recipientId: dev.eui,
      messageCode,
    }),
    payload,
    useCase: useCaseOf(messageCode)!,
    signed: false,
    originatorRole: 2,
    now: dev.clock.now(),
    encryptForRecipient: clearEncrypt,
    fault: undefined,
    raiseAlert: () => {
      throw new Error('no alerts here');
    },
  };
  const g = decodeGbz(executeGpfGbz(ctx).payload, 0, { alert: false });
  if (g.type !== 'components') throw new Error('components expected');
  return g.components.map((c) => ({
    encrypted: c.encrypted,
    fc: c.zclHeader.frameControl,
    cmd: c.zclHeader.commandId,
    zcl: c.encrypted ? c.cipheredContent.ciphertext : (c as GbzPlainComponent).zclPayload,
  }));
}

const csdOf = (zcl: Uint8Array) => uintOfLe(decodeReadAttributesResponse(zcl)[0]!.value!);

describe('GPF mirror', () => {
  it('serves GCS13a from its cached copy: encrypted, and unchanged while the GSME sleeps', () => {
    const clock = new VirtualClock(T0);
    const gpf = fakeDevice('00db1234567890a3', 'GPF', clock);
    const [first] = run(gpf, 0x0074, [read(ZseCluster.METERING, 0x0000)]);
    expect(first).toMatchObject({ encrypted: true, fc: 0x18, cmd: 0x01 });
    clock.advance(DAY);
    const [later] = run(gpf, 0x0074, [read(ZseCluster.METERING, 0x0000)]);
    expect(csdOf(later!.zcl)).toBe(csdOf(first!.zcl));
    expect(csdOf(first!.zcl)).toBe(gpfModelOf(gpf, clock.now()).mirror.metering.currentSummationDelivered);
  });

  it('GCS14 and GCS60a: prepayment registers (GCS14 encrypted) and meter balance', () => {
    const gpf = fakeDevice('00db1234567890a3', 'GPF', new VirtualClock(T0));
    const out = run(gpf, 0x0075, [
      read(ZseCluster.PRICE, 0x0617, 0x0616),
      read(ZseCluster.PREPAYMENT, 0x0005, 0x0002, 0x0001),
    ]);
    expect(out.map((c) => [c.encrypted, c.fc])).toEqual([
      [false, 0x08],
      [true, 0x08],
    ]);
    const credit = intOfLe(decodeReadAttributesResponse(out[1]!.zcl)[2]!.value!);
    expect(credit).toBe(gpfModelOf(gpf, T0).mirror.prepayment.creditRemaining);
    const [bal] = run(gpf, 0x012a, [read(ZseCluster.METERING, 0x0a00)]);
    expect(decodeReadAttributesResponse(bal!.zcl)[0]).toMatchObject({ attributeId: 0x0a00, dataType: 0x23 });
  });

  it('GCS61: the daily consumption log from the earliest sample time (RTDS 4.17), NOT_FOUND beyond it', () => {
    const gpf = fakeDevice('00db1234567890a3', 'GPF', new VirtualClock(T0));
    const get = (from: number) => ({
      cluster: ZseCluster.METERING,
      fc: 0x01,
      cmd: 0x08,
      zcl: encodeZse(ZseMetering.GetSampledData, {
        sampleId: 1,
        earliestSampleTime: toZclUtcTime(from),
        sampleType: 0,
        numberOfSamples: 731,
      }),
    });
    const [r] = run(gpf, 0x00a0, [get(Date.UTC(2014, 11, 22))]);
    expect(r).toMatchObject({ encrypted: true, fc: 0x19, cmd: 0x07 });
    const d = decodeZse(ZseMetering.GetSampledDataResponse, r!.zcl);
    // One sample per day recorded at each midnight, 22 December … 1 January.
    expect(d).toMatchObject({
      sampleId: 1,
      sampleStartTime: toZclUtcTime(Date.UTC(2014, 11, 22)),
      sampleRequestInterval: 0xffff,
      numberOfSamples: 11,
    });
    const [none] = run(gpf, 0x00a0, [get(Date.UTC(2030, 11, 23))]);
    expect(decodeDefaultResponse(none!.zcl)).toEqual({ commandId: 0x08, status: ZclStatus.NOT_FOUND });
  });

  it('GCS09 sets its own Change of Tenancy date; it never changes the mirrored GSME data', () => {
    const gpf = fakeDevice('00db1234567890a3', 'GPF', new VirtualClock(T0));
    const [cot] = run(gpf, 0x0072, [
      {
        cluster: ZseCluster.DEVICE_MANAGEMENT,
        fc: 0x09,
        cmd: 0x00,
        zcl: fromHex('00000000804a371c00206ec61f00020000'),
      },
    ]);
    expect(cot).toMatchObject({ fc: 0x00, cmd: 0x0b });
    expect(decodeDefaultResponse(cot!.zcl).status).toBe(ZclStatus.SUCCESS);
    expect(gpfModelOf(gpf, T0).changeOfTenancy).toBe(fromZclUtcTime(0x1fc66e20));
    const [refused] = run(gpf, 0x0072, [
      {
        cluster: ZseCluster.METERING,
        fc: 0x01,
        cmd: 0x0b,
        zcl: fromHex('00000000804a371c00000000000000000001'),
      },
    ]);
    expect(decodeDefaultResponse(refused!.zcl).status).toBe(ZclStatus.NOT_AUTHORIZED);
  });

  it('syncGpfMirror copies what the GSME holds at its wake', () => {
    const clock = new VirtualClock(T0);
    const gsme = fakeDevice('00db1234567890a1', 'GSME', clock);
    const gpf = fakeDevice('00db1234567890a3', 'GPF', clock);
    clock.advance(DAY);
    syncGpfMirror(gpf, gsme);
    const m = gsmeModelOf(gsme, clock.now());
    expect(gpfModelOf(gpf, clock.now()).mirror).toEqual(m);
    expect(gpfModelOf(gpf, clock.now()).mirrorUpdatedAt).toBe(clock.now());
  });
});

describe('GPF on a premises', () => {
  it('answers a GPF read at once while a GSME command waits for the GSME to wake', () => {
    const crypto = createCrypto('noble');
    const { premises, headEnd } = setupPremises('models-gpf', Date.UTC(2026, 0, 1), crypto);
    const payload = encodeGbz({
      type: 'components',
      components: [
        {
          encrypted: false,
          lastComponent: true,
          clusterId: ZseCluster.METERING,
          fromDateTime: null,
          zclHeader: { frameControl: 0, manufacturerCode: null, transactionSequenceNumber: 0, commandId: 0 },
          zclPayload: encodeReadAttributes([0x0000]),
        },
      ],
    });
    const toGsme = headEnd.buildCommand({
      originatorId: partyEui('supplier'),
      recipientId: DEFAULT_PREMISES.gsme,
      messageCode: 0x0074,
      payload,
    });
    const toGpf = headEnd.buildCommand({
      originatorId: partyEui('supplier'),
      recipientId: DEFAULT_PREMISES.gpf,
      messageCode: 0x0074,
      payload,
    });
    expect(premises.submit(toGsme.bytes).status).toBe('queued');
    const r = premises.submit(toGpf.bytes);
    expect(r.status).toBe('answered');
    if (r.status !== 'answered' || !r.outcome.accepted) throw new Error('GPF did not answer');
    expect(headEnd.checkResponse(toGpf.header, r.outcome.response).ok).toBe(true);
    expect(premises.gsmeQueue).toHaveLength(1);
  });
});
