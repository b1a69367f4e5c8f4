/**
 * The GSME model (sim/models/gsme*.ts): its life over virtual time (history, consumption, credit
 * running down, the valve closing, a top-up arming it), what each use case does to it and answers,
 * fault injection semantics, and the end-to-end path on a premises (queued until the GSME wakes,
 * response protected and verifiable).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testKeyResolver } from '../../../../app/run.ts';
import { concatBytes, fromHex, toHex } from '../../../../protocol/bytes.ts';
import { createCrypto } from '../../../../protocol/crypto/index.ts';
import { decodeGbz, type GbzPlainComponent } from '../../../../protocol/gbz/gbz.ts';
import {
  decodeDefaultResponse,
  decodeReadAttributesResponse,
  toZclUtcTime,
  uintOfLe,
  ZclStatus,
} from '../../../../protocol/gbz/zcl.ts';
import {
  decodeZse,
  encodeZse,
  type PublishEventLog,
  ZseCalendar,
  ZseCluster,
  ZseEvents,
  ZseMetering,
  ZsePrepayment,
  ZsePrice,
} from '../../../../protocol/gbz/zcl-se.ts';
import { groupingHeader } from '../../../../protocol/grouping-header.ts';
import { locateEncryptedParts } from '../../../../protocol/payload.ts';
import { decryptParts } from '../../../../protocol/security/verify.ts';
import { useCaseOf } from '../../../../protocol/use-case-catalogue.ts';
import { VirtualClock } from '../../../../sim/clock.ts';
import type { RaisedAlert } from '../../../../sim/device/alerts.ts';
import {
  type Device,
  type ExecutionContext,
  newDeviceState,
  type PayloadFault,
} from '../../../../sim/device/device.ts';
import { partyEui } from '../../../../sim/head-end/scenario.ts';
import {
  executeGsmeGbz,
  gsmeModelOf,
  GsmeMessageCode as M,
  tickGsme,
} from '../../../../sim/models/gsme/gsme.ts';
import { createGsmeModel } from '../../../../sim/models/gsme/history.ts';
import {
  advanceGsme,
  applyTopUp,
  DAY,
  GsmeEvent,
  isPrepaymentMode,
  SnapshotCause,
  SupplyStatus,
} from '../../../../sim/models/gsme/state.ts';
import { DEFAULT_PREMISES } from '../../../../sim/premises/premises.ts';
import { type Cmd, gbz, read } from '../../../fixtures/gbz.ts';
import { setupPremises } from '../../../fixtures/premises.ts';

const EUI = '00db1234567890a1';
const T0 = Date.UTC(2015, 0, 1);
const SUPPLIER = '90b3d51f30010000';

/** A GSME device stand-in: state, clock and persist, all a handler touches. */
function fakeGsme(now = T0): Device & { clock: VirtualClock } {
  return {
    eui: EUI,
    deviceType: 'GSME',
    state: newDeviceState(EUI, 'GSME'),
    clock: new VirtualClock(now),
    persist() {},
  } as unknown as Device & { clock: VirtualClock };
}

/** Test "encryption": `31 00000000 ‖ plaintext ‖ zero tag`, so responses read back directly. */
const clearEncrypt = (p: Uint8Array) => concatBytes(Uint8Array.of(0x31, 0, 0, 0, 0), p, new Uint8Array(12));

function ctxFor(
  dev: Device,
  messageCode: number,
  payload: Uint8Array,
  fault?: PayloadFault,
): ExecutionContext {
  return {
    device: dev,
    header: groupingHeader({
      craFlag: 1,
      originatorCounter: 1000n,
      originatorId: SUPPLIER,
      recipientId: EUI,
      messageCode,
    }),
    payload,
    useCase: useCaseOf(messageCode)!,
    signed: true,
    originatorRole: 2,
    now: dev.clock.now(),
    encryptForRecipient: clearEncrypt,
    fault,
    raiseAlert: () => {
      throw new Error('no alerts in these tests');
    },
  };
}

/** Response components with their ZCL payload (encrypted ones read back through clearEncrypt). */
function components(payload: Uint8Array) {
  const g = decodeGbz(payload, 0, { alert: false });
  if (g.type !== 'components') throw new Error('not components');
  return g.components.map((c) => ({
    cluster: c.clusterId,
    encrypted: c.encrypted,
    fc: c.zclHeader.frameControl,
    cmd: c.zclHeader.commandId,
    zcl: c.encrypted ? c.cipheredContent.ciphertext : (c as GbzPlainComponent).zclPayload,
  }));
}

const run = (dev: Device, code: number, payload: Uint8Array, fault?: PayloadFault) =>
  components(executeGsmeGbz(ctxFor(dev, code, payload, fault)).payload);

const getPrepaySnapshot = (offset: number, cause = 1): Cmd => ({
  cluster: ZseCluster.PREPAYMENT,
  fc: 0x01,
  cmd: 0x07,
  zcl: encodeZse(ZsePrepayment.GetPrepaySnapshot, {
    earliestStartTime: toZclUtcTime(T0 - 3 * DAY),
    latestEndTime: toZclUtcTime(T0 + DAY),
    snapshotOffset: offset,
    snapshotCause: cause,
  }),
});

describe('GSME life over virtual time', () => {
  const m = createGsmeModel(EUI, T0);

  it('was commissioned 31 days ago and has lived since', () => {
    expect(m.commissionedAt).toBe(Date.UTC(2014, 11, 1));
    expect(m.clock).toBe(T0);
    // A daily read at each midnight since commissioning (2 December … 1 January).
    expect(m.logs.daily).toHaveLength(31);
    expect(m.logs.daily.at(-1)!.time).toBe(T0);
    // Billing data log: tariff and payment mode set at commissioning, then the monthly billing date.
    expect(m.logs.billing.map((s) => s.cause)).toEqual([
      SnapshotCause.CHANGE_OF_TARIFF_INFORMATION,
      SnapshotCause.CHANGE_OF_METER_MODE,
      SnapshotCause.END_OF_BILLING_PERIOD,
    ]);
    // Weekly top-ups from the commissioning day: 1, 8, 15, 22, 29 December.
    expect(m.prepayment.topUpLog.map((t) => new Date(t.time).getUTCDate())).toEqual([1, 8, 15, 22, 29]);
    expect(m.logs.network?.samples).toHaveLength(41);
    expect(isPrepaymentMode(m.prepayment.paymentControlConfiguration)).toBe(true);
    expect(m.metering.supplyStatus).toBe(SupplyStatus.ON);
  });

  it('keeps its registers consistent: total = Σ half hours = Σ tiers = Σ blocks', () => {
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    expect(m.metering.currentSummationDelivered).toBeGreaterThan(30_000); // > 30 m³ in a winter month
    expect(sum(m.logs.profile)).toBe(m.metering.currentSummationDelivered);
    expect(sum(m.metering.tierSummations)).toBe(m.metering.currentSummationDelivered);
    expect(sum(m.logs.dailyConsumption.map((d) => d.value))).toBe(m.metering.currentSummationDelivered);
  });

  it('is plain JSON and deterministic', () => {
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
    expect(createGsmeModel(EUI, T0)).toEqual(m);
    expect(createGsmeModel('00db1234567890ff', T0).metering.currentSummationDelivered).not.toBe(
      m.metering.currentSummationDelivered,
    );
  });

  it('runs its credit down, closes the valve when credit is gone, and a top-up arms it', () => {
    const g = createGsmeModel(EUI, T0);
    const credit = g.prepayment.creditRemaining;
    advanceGsme(g, T0 + DAY);
    expect(g.prepayment.creditRemaining).toBeLessThan(credit);
    advanceGsme(g, T0 + 40 * DAY);
    expect(g.prepayment.creditRemaining).toBeLessThanOrEqual(0);
    expect(g.metering.supplyStatus).toBe(SupplyStatus.OFF);
    expect(g.logs.events.some((e) => e.eventId === GsmeEvent.CREDIT_BELOW_DISABLEMENT_THRESHOLD)).toBe(true);
    // While the valve is shut no gas flows.
    const before = g.metering.currentSummationDelivered;
    advanceGsme(g, T0 + 41 * DAY);
    expect(g.metering.currentSummationDelivered).toBe(before);
    applyTopUp(g, '73940000000000000000', 2_000_000, T0 + 41 * DAY);
    expect(g.metering.supplyStatus).toBe(SupplyStatus.ARMED);
    expect(g.logs.events.at(-1)!.eventId).toBe(GsmeEvent.SUPPLY_ARMED);
  });

  it('takes a billing snapshot at each billing period end', () => {
    const g = createGsmeModel(EUI, T0);
    const n = g.logs.billing.length;
    advanceGsme(g, Date.UTC(2015, 2, 1));
    expect(g.logs.billing.slice(n).map((s) => new Date(s.time).toISOString())).toEqual([
      '2015-02-01T00:00:00.000Z',
      '2015-03-01T00:00:00.000Z',
    ]);
  });
});

describe('GSME use cases', () => {
  it('GCS13a: consumption registers, encrypted, frame control 0x18 (RTDS 4.1.1)', () => {
    const dev = fakeGsme();
    const [c] = run(dev, M.GCS13a, gbz(read(ZseCluster.METERING, 0x0302, 0x0301, 0x0300, 0x0000)));
    expect(c).toMatchObject({ cluster: 0x0702, encrypted: true, fc: 0x18, cmd: 0x01 });
    const r = decodeReadAttributesResponse(c!.zcl);
    expect(r.map((x) => `${x.attributeId.toString(16)}:${x.dataType!.toString(16)}`)).toEqual([
      '302:22',
      '301:22',
      '300:30',
      '0:25',
    ]);
    expect(uintOfLe(r[0]!.value!)).toBe(1000);
    expect(uintOfLe(r[3]!.value!)).toBe(gsmeModelOf(dev, T0).metering.currentSummationDelivered);
  });

  it('reads the model at the device clock: consumption grows between two reads', () => {
    const dev = fakeGsme();
    const csd = () =>
      uintOfLe(
        decodeReadAttributesResponse(run(dev, M.GCS13a, gbz(read(ZseCluster.METERING, 0)))[0]!.zcl)[0]!
          .value!,
      );
    const first = csd();
    dev.clock.advance(6 * 3600_000);
    expect(csd()).toBeGreaterThan(first);
  });

  it('GCS32 closes the valve, GCS39 arms it (Supply Status Response)', () => {
    const dev = fakeGsme();
    const change = (status: number): Cmd => ({
      cluster: ZseCluster.METERING,
      fc: 0x01,
      cmd: 0x0b,
      zcl: encodeZse(ZseMetering.ChangeSupply, {
        providerId: 0,
        issuerEventId: 1,
        requestDateTime: 0,
        implementationDateTime: 0,
        proposedSupplyStatus: status,
        supplyControlBits: 1,
      }),
    });
    const [closed] = run(dev, M.GCS32, gbz(change(0)));
    expect(closed).toMatchObject({ fc: 0x09, cmd: 0x0c });
    expect(decodeZse(ZseMetering.SupplyStatusResponse, closed!.zcl).supplyStatus).toBe(SupplyStatus.OFF);
    const [armed] = run(dev, M.GCS39, gbz(change(1)));
    expect(decodeZse(ZseMetering.SupplyStatusResponse, armed!.zcl).supplyStatus).toBe(SupplyStatus.ARMED);
    // A GSME valve is never opened remotely.
    const [refused] = run(dev, M.GCS32, gbz(change(2)));
    expect(decodeDefaultResponse(refused!.zcl)).toEqual({ commandId: 0x0b, status: ZclStatus.INVALID_VALUE });
  });

  it('GCS01b: a new price applies now, or when its start time comes', () => {
    const tariff = (start: number) => ({
      cluster: ZseCluster.PRICE,
      fc: 0x09,
      cmd: 0x04,
      zcl: encodeZse(ZsePrice.PublishTariffInformation, {
        providerId: 0,
        issuerEventId: 1,
        issuerTariffId: 7,
        startTime: start,
        tariffTypeChargingScheme: 0x00,
        tariffLabel: new Uint8Array(0),
        numberOfPriceTiersInUse: 4,
        numberOfBlockThresholdsInUse: 0,
        unitOfMeasure: 0,
        currency: 826,
        priceTrailingDigit: 0x50,
        standingCharge: 22465,
        tierBlockMode: 0xff,
        blockThresholdMultiplier: 1,
        blockThresholdDivisor: 1000,
      }),
    });
    const matrix = (start: number) => ({
      cluster: ZseCluster.PRICE,
      fc: 0x09,
      cmd: 0x05,
      zcl: encodeZse(ZsePrice.PublishPriceMatrix, {
        providerId: 0,
        issuerEventId: 1,
        startTime: start,
        issuerTariffId: 7,
        commandIndex: 0,
        numberOfCommands: 1,
        subPayloadControl: 1,
        entries: [1, 2, 3, 4].map((t) => ({ tierBlockId: t, price: 9000 + t })),
      }),
    });
    const dev = fakeGsme();
    const now = run(dev, M.GCS01b, gbz(tariff(0), matrix(0)));
    expect(now.map((c) => toHex(c.zcl))).toEqual(['0400', '0500']);
    expect(now.every((c) => c.fc === 0x00 && c.cmd === 0x0b)).toBe(true);
    const m = gsmeModelOf(dev, T0);
    expect(m.price.active).toMatchObject({
      issuerTariffId: 7,
      standingCharge: 22465,
      tierPrices: [9001, 9002, 9003, 9004],
    });
    expect(m.logs.billing.at(-1)!.cause).toBe(SnapshotCause.CHANGE_OF_TARIFF_INFORMATION);

    const later = fakeGsme();
    const start = toZclUtcTime(T0 + 2 * DAY);
    run(later, M.GCS01b, gbz(tariff(start), matrix(start)));
    expect(gsmeModelOf(later, T0).price.active.issuerTariffId).toBe(1);
    later.clock.advance(2 * DAY);
    const after = gsmeModelOf(later, later.clock.now());
    expect(after.price.active).toMatchObject({ issuerTariffId: 7, startTime: T0 + 2 * DAY });
    expect(after.logs.events.some((e) => e.eventId === GsmeEvent.FUTURE_DATED_ACTIONED)).toBe(true);
  });

  it('GCS16b: prepayment daily snapshots found, then NOT_FOUND beyond the log (RTDS 4.14)', () => {
    const dev = fakeGsme();
    const out = run(
      dev,
      M.GCS16b,
      gbz(getPrepaySnapshot(0), getPrepaySnapshot(1), getPrepaySnapshot(2), getPrepaySnapshot(9)),
    );
    expect(out.map((c) => [c.encrypted, c.fc, c.cmd])).toEqual([
      [true, 0x19, 0x01],
      [true, 0x19, 0x01],
      [true, 0x19, 0x01],
      [false, 0x08, 0x0b],
    ]);
    expect(decodeDefaultResponse(out[3]!.zcl)).toEqual({ commandId: 0x07, status: ZclStatus.NOT_FOUND });
    const s = decodeZse(ZsePrepayment.PublishPrepaySnapshot, out[0]!.zcl);
    expect(s).toMatchObject({
      snapshotTime: toZclUtcTime(T0),
      totalSnapshotsFound: 4,
      snapshotPayloadType: 0,
    });
  });

  it('fails the component an injected fault names, and processes none after it', () => {
    const dev = fakeGsme();
    const cmds = gbz(getPrepaySnapshot(0), getPrepaySnapshot(1), getPrepaySnapshot(2));
    const out = run(dev, M.GCS16b, cmds, {
      kind: 'gbz-default-response',
      status: ZclStatus.HARDWARE_FAILURE,
      commandId: 0x07,
      clusterId: ZseCluster.PREPAYMENT,
      occurrence: 1,
    });
    expect(out[0]).toMatchObject({ encrypted: true, cmd: 0x01 });
    expect(decodeDefaultResponse(out[1]!.zcl)).toEqual({
      commandId: 0x07,
      status: ZclStatus.HARDWARE_FAILURE,
    });
    expect(decodeDefaultResponse(out[2]!.zcl)).toEqual({ commandId: 0xff, status: ZclStatus.FAILURE });
  });

  it('an injected NOT_FOUND empties every log read; attribute reads still answer', () => {
    const dev = fakeGsme();
    const day = (cmd: number, zcl: string): Cmd => ({
      cluster: ZseCluster.CALENDAR,
      fc: 0x01,
      cmd,
      zcl: fromHex(zcl),
    });
    const out = run(
      dev,
      M.GCS21f,
      gbz(read(ZseCluster.PRICE, 0x0616), day(0x01, '00000000ffffffff0100'), day(0x03, '00000000ffffffff')),
      { kind: 'gbz-default-response', status: ZclStatus.NOT_FOUND },
    );
    expect(out[0]).toMatchObject({ cmd: 0x01, fc: 0x18 });
    expect(out.slice(1).map((c) => decodeDefaultResponse(c.zcl))).toEqual([
      { commandId: 0x01, status: ZclStatus.NOT_FOUND },
      { commandId: 0x03, status: ZclStatus.NOT_FOUND },
    ]);
    // Without the fault: the current TOU calendar's day profiles and seasons.
    const ok = run(
      fakeGsme(),
      M.GCS21f,
      gbz(day(0x01, '00000000ffffffff0100'), day(0x03, '00000000ffffffff')),
    );
    expect(ok.map((c) => c.cmd)).toEqual([0x01, 0x01, 0x01, 0x01, 0x03]);
    expect(decodeZse(ZseCalendar.PublishSeasons, ok[4]!.zcl).entries).toHaveLength(2);
  });

  it('an injected attribute status fails that record, then the rest of the command', () => {
    const out = run(
      fakeGsme(),
      M.GCS21m,
      gbz(read(0x0000, 0x0004, 0x0005), read(ZseCluster.METERING, 0x0608)),
      {
        kind: 'gbz-attribute-status',
        status: ZclStatus.HARDWARE_FAILURE,
        clusterId: 0x0000,
        attributeId: 0x0004,
      },
    );
    expect(decodeReadAttributesResponse(out[0]!.zcl).map((r) => r.status)).toEqual([
      ZclStatus.HARDWARE_FAILURE,
      0,
    ]);
    expect(decodeDefaultResponse(out[1]!.zcl)).toEqual({ commandId: 0xff, status: ZclStatus.FAILURE });
  });

  it('answers malformed and unknown commands with ZCL statuses, never a crash', () => {
    const out = run(
      fakeGsme(),
      M.GCS06,
      gbz({ cluster: ZseCluster.PREPAYMENT, fc: 0x01, cmd: 0x00, zcl: Uint8Array.of(0) }),
    );
    expect(decodeDefaultResponse(out[0]!.zcl)).toEqual({
      commandId: 0x00,
      status: ZclStatus.MALFORMED_COMMAND,
    });
    const unknown = run(
      fakeGsme(),
      M.GCS06,
      gbz({ cluster: ZseCluster.PREPAYMENT, fc: 0x01, cmd: 0x7f, zcl: new Uint8Array(0) }),
    );
    expect(decodeDefaultResponse(unknown[0]!.zcl)).toEqual({
      commandId: 0x7f,
      status: ZclStatus.UNSUP_CLUSTER_COMMAND,
    });
    const attr = run(fakeGsme(), M.GCS38, gbz(read(ZseCluster.METERING, 0x7777)));
    expect(decodeReadAttributesResponse(attr[0]!.zcl)[0]!.status).toBe(ZclStatus.UNSUPPORTED_ATTRIBUTE);
  });

  it('GCS06 selects emergency credit once; credit adjustment moves the meter balance (GCS40a/b)', () => {
    const dev = fakeGsme();
    const ec = { cluster: ZseCluster.PREPAYMENT, fc: 0x01, cmd: 0x00, zcl: fromHex('0000000000') };
    expect(decodeDefaultResponse(run(dev, M.GCS06, gbz(ec))[0]!.zcl).status).toBe(ZclStatus.SUCCESS);
    expect(gsmeModelOf(dev, T0).prepayment.emergencyCreditActive).toBe(true);
    const adjust = (type: number, value: number): Cmd => ({
      cluster: ZseCluster.PREPAYMENT,
      fc: 0x01,
      cmd: 0x05,
      zcl: encodeZse(ZsePrepayment.CreditAdjustment, {
        issuerEventId: 1,
        startTime: 0,
        creditAdjustmentType: type,
        creditAdjustmentValue: value,
      }),
    });
    const before = gsmeModelOf(dev, T0).prepayment.creditRemaining;
    run(dev, M.GCS40a, gbz(adjust(0, 23130)));
    expect(gsmeModelOf(dev, T0).prepayment.creditRemaining).toBe(before + 23130);
    run(dev, M.GCS40b, gbz(adjust(1, 0)));
    expect(gsmeModelOf(dev, T0).prepayment.creditRemaining).toBe(0);
  });

  it('CS10a reads the General Event Log (each command logged with its Message Code); CS11 clears it', () => {
    const dev = fakeGsme();
    const getLog = (logId: number): Cmd => ({
      cluster: ZseCluster.EVENTS,
      fc: 0x01,
      cmd: 0x00,
      zcl: encodeZse(ZseEvents.GetEventLog, {
        eventControlLogId: 0x10 | logId,
        eventId: 0,
        startTime: toZclUtcTime(T0 - DAY),
        endTime: toZclUtcTime(T0 + DAY),
        numberOfEvents: 0,
        eventOffset: 0,
      }),
    });
    run(dev, M.GCS33, gbz(read(ZseCluster.METERING, 0x0205, 0x0014)));
    const [log] = run(dev, M.CS10a, gbz(getLog(3)));
    expect(log).toMatchObject({ fc: 0x19, cmd: 0x01 });
    const p = decodeZse(ZseEvents.PublishEventLog, log!.zcl) as PublishEventLog;
    const last = p.entries.at(-1)!;
    expect(last.eventId).toBe(GsmeEvent.IMMEDIATE_COMMAND_ACTIONED);
    expect(toHex(last.eventData)).toBe('0082'); // GCS33
    const [cleared] = run(
      dev,
      M.CS11,
      gbz({ cluster: ZseCluster.EVENTS, fc: 0x01, cmd: 0x01, zcl: Uint8Array.of(3) }),
    );
    expect(cleared).toMatchObject({ fc: 0x09, cmd: 0x02 });
    expect(toHex(cleared!.zcl)).toBe('08');
    const m = gsmeModelOf(dev, T0);
    expect(m.logs.events.map((e) => e.eventId)).toEqual([GsmeEvent.IMMEDIATE_COMMAND_ACTIONED]); // CS11 itself
    expect(m.logs.securityEvents.at(-1)!.eventId).toBe(GsmeEvent.EVENT_LOG_CLEARED);
  });

  it('GCS31 starts the network data log (sample id 2); GCS18 reads its samples, encrypted', () => {
    const dev = fakeGsme();
    const start = {
      cluster: ZseCluster.METERING,
      fc: 0x01,
      cmd: 0x07,
      zcl: fromHex('804a371c000000000068012900'),
    };
    const [r] = run(dev, M.GCS31, gbz(start));
    expect(r).toMatchObject({ fc: 0x09, cmd: 0x0d });
    expect(toHex(r!.zcl)).toBe('0200');
    dev.clock.advance(3 * 3600_000);
    const get = { cluster: ZseCluster.METERING, fc: 0x01, cmd: 0x08, zcl: fromHex('020001000000002900') };
    const [s] = run(dev, M.GCS18, gbz(get));
    expect(s).toMatchObject({ encrypted: true, fc: 0x09, cmd: 0x07 });
    const d = decodeZse(ZseMetering.GetSampledDataResponse, s!.zcl);
    expect(d).toMatchObject({
      sampleId: 2,
      sampleStartTime: toZclUtcTime(T0),
      sampleRequestInterval: 360,
      numberOfSamples: 30,
    });
  });
});

describe('GSME robustness', () => {
  it('answers any well-formed GBZ command with a well-formed response, one or more components per command (property)', () => {
    const dev = fakeGsme();
    const component = fc.record({
      cluster: fc.constantFrom(
        0x0000,
        0x000a,
        0x0700,
        0x0702,
        0x0703,
        0x0705,
        0x0707,
        0x0708,
        0x0709,
        0x0800,
      ),
      fc: fc.constantFrom(0x00, 0x01, 0x08, 0x09, 0x11, 0x19, 0x02),
      cmd: fc.integer({ min: 0, max: 15 }),
      zcl: fc.uint8Array({ maxLength: 40 }),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(M)),
        fc.array(component, { minLength: 1, maxLength: 5 }),
        (code, cmds) => {
          if (code === M.GCS28) return true;
          const out = run(dev, code, gbz(...cmds));
          return out.length >= cmds.length;
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('GSME on a premises', () => {
  it('waits in the GPF queue until the GSME wakes; the response verifies; the GPF mirror follows', () => {
    const crypto = createCrypto('noble');
    const { clock, keys, premises, headEnd } = setupPremises('models-gsme', Date.UTC(2026, 0, 1), crypto);
    const cmd = headEnd.buildCommand({
      originatorId: partyEui('supplier'),
      recipientId: DEFAULT_PREMISES.gsme,
      messageCode: M.GCS13a,
      payload: gbz(read(ZseCluster.METERING, 0x0000)),
    });
    expect(premises.submit(cmd.bytes).status).toBe('queued');
    clock.advance(30 * 60_000);
    const [out] = premises.gsmeWake();
    expect(out?.accepted).toBe(true);
    if (!out?.accepted) return;
    const check = headEnd.checkResponse(cmd.header, out.response);
    expect(check.ok).toBe(true);
    const msg = check.message!;
    if (msg.form === 'gbt') throw new Error('gbt');
    const ctx = {
      crypto,
      keys: testKeyResolver(keys, premises),
      acbId: partyEui('acb'),
      cache: headEnd.cache,
    };
    const [part] = decryptParts(ctx, msg, locateEncryptedParts(msg.apdu.payload, { craFlag: 2 }));
    const csd = uintOfLe(decodeReadAttributesResponse(part!.plaintext!)[0]!.value!);
    const gsme = premises.devices.get(DEFAULT_PREMISES.gsme)!;
    expect(csd).toBe(
      (gsme.state.model.gsme as { metering: { currentSummationDelivered: number } }).metering
        .currentSummationDelivered,
    );
    const gpf = premises.devices.get(DEFAULT_PREMISES.gpf)!.state.model.gpf as {
      mirrorUpdatedAt: number;
      mirror: { metering: { currentSummationDelivered: number } };
    };
    expect(gpf.mirrorUpdatedAt).toBe(clock.now());
    expect(gpf.mirror.metering.currentSummationDelivered).toBe(csd);
  });

  it('pushes the billing data log entry as GCS53 when a billing period ends (signed, encrypted component)', () => {
    const crypto = createCrypto('noble');
    const { clock, premises, headEnd } = setupPremises(
      'models-gsme-gcs53',
      Date.UTC(2026, 0, 31, 22),
      crypto,
    );
    const gsme = premises.devices.get(DEFAULT_PREMISES.gsme)!;
    const alerts: RaisedAlert[] = [];
    tickGsme(gsme, (a) => alerts.push(a));
    expect(alerts).toHaveLength(0);
    clock.advance(3 * 3600_000);
    tickGsme(gsme, (a) => alerts.push(a));
    expect(alerts.map((a) => [a.messageCode, a.alertCode, a.signed, new Date(a.at).toISOString()])).toEqual([
      [0x008b, 0x8f0a, true, '2026-02-01T00:00:00.000Z'],
    ]);
    const v = headEnd.verify(alerts[0]!.bytes);
    expect(v.signature).toBe('valid');
    if (v.message.form === 'gbt') throw new Error('gbt');
    const g = decodeGbz(v.message.apdu.payload, 0, { alert: true });
    expect(g).toMatchObject({
      type: 'alert',
      alertCode: 0x8f0a,
      alertBody: { type: 'component', component: { encrypted: true, clusterId: 0x0702 } },
    });
  });
});
