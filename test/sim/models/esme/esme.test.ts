/**
 * The ESME model: COSEM object model (types, values from state, set validation, methods), the
 * consumption accrual over virtual time, prepayment, supply, activations, profiles with selective
 * access and protected reads.
 */
import { describe, expect, it } from 'vitest';
import { ByteReader, fromHex, toHex } from '../../../../protocol/bytes.ts';
import {
  type AccessRequestSpecification,
  type AccessResponse,
  ActionResult,
  DataAccessResult,
  decodeDlmsApdu,
  encodeDlmsApdu,
} from '../../../../protocol/dlms/apdu.ts';
import { type DlmsData, decodeData, encodeData } from '../../../../protocol/dlms/axdr.ts';
import { findProtectedAttributes } from '../../../../protocol/dlms/protected-attributes.ts';
import type { DeviceState, ExecutionContext } from '../../../../sim/device/device.ts';
import type { FaultRule } from '../../../../sim/device/faults.ts';
import { attrKey, readStored, storedAttributes } from '../../../../sim/models/esme/config.ts';
import {
  advanceEsme,
  applyTopUp,
  createEsmeModel,
  SNAPSHOT,
} from '../../../../sim/models/esme/consumption.ts';
import {
  compactArray,
  conforms,
  obisHex,
  parseType,
  parseValue,
  readDateTime,
  toGbcsSeconds,
} from '../../../../sim/models/esme/dlms.ts';
import { ensureEsmeModel, executeEsmeCommand } from '../../../../sim/models/esme/esme.ts';
import { type EsmeModel, esmeModelIn } from '../../../../sim/models/esme/state.ts';
import { provisionModel } from '../../../../sim/models/index.ts';

const EUI = '00db1234567890a0';
const SUPPLIER = '90b3d51f30010000';
const T0 = Date.UTC(2015, 0, 1);
const HOUR = 3_600_000;
const DAY = 86_400_000;

const get = (classId: number, obis: string, attributeId: number): AccessRequestSpecification => ({
  type: 'get',
  attribute: { classId, instanceId: fromHex(obisHex(obis)), attributeId },
});
const set = (classId: number, obis: string, attributeId: number): AccessRequestSpecification => ({
  type: 'set',
  attribute: { classId, instanceId: fromHex(obisHex(obis)), attributeId },
});
const act = (classId: number, obis: string, methodId: number): AccessRequestSpecification => ({
  type: 'action',
  method: { classId, instanceId: fromHex(obisHex(obis)), methodId },
});
const NULL: DlmsData = { type: 'null-data' };
const v = parseValue;

/** A fake encryption that keeps the plaintext visible: 31 ‖ IC 0 ‖ plaintext ‖ zero tag. */
const fakeEncrypt = (p: Uint8Array) => Uint8Array.from([0x31, 0, 0, 0, 0, ...p, ...new Array(12).fill(0)]);

function device(state?: DeviceState) {
  return {
    eui: EUI,
    state: state ?? { eui: EUI, deviceType: 'ESME', antiReplay: {}, alertCounter: '0', model: {} },
  };
}

function run(
  dev: ReturnType<typeof device>,
  now: number,
  specs: AccessRequestSpecification[],
  data: DlmsData[] = specs.map(() => NULL),
  fault?: FaultRule,
  /** GBCS commands set break-on-error (0x20000000); CONTINUE runs every request. */
  longInvokeIdAndPriority = 0x20000001,
): AccessResponse {
  const payload = encodeDlmsApdu({
    type: 'access-request',
    longInvokeIdAndPriority,
    dateTime: null,
    specifications: specs,
    data,
  });
  const ctx = {
    device: dev,
    header: { originatorId: SUPPLIER, messageCode: 0x0027, originatorCounter: 1n },
    payload,
    now,
    signed: false,
    originatorRole: 2,
    encryptForRecipient: fakeEncrypt,
    fault,
    raiseAlert: () => {
      throw new Error('no alerts here');
    },
  } as unknown as ExecutionContext;
  const res = decodeDlmsApdu(executeEsmeCommand(ctx).payload);
  if (res.type !== 'access-response') throw new Error('not an access-response');
  return res;
}

const results = (r: AccessResponse) => r.responseSpecifications.map((s) => s.result);
/** Long-Invoke-Id-And-Priority without break-on-error: every request is executed. */
const CONTINUE = 0x00000001;
const modelOf = (dev: ReturnType<typeof device>): EsmeModel => esmeModelIn(dev.state as DeviceState)!;

describe('type and value notation', () => {
  it('parses types and literals, and checks values against types', () => {
    const t = parseType('A[S{lu,os,u}]');
    expect(conforms(v('A[S{lu:1,os:ffff0c19ff,u:1}]'), t)).toBe(true);
    expect(conforms(v('A[]'), t)).toBe(true);
    expect(conforms(v('A[S{lu:1,os:ff,lu:1}]'), t)).toBe(false);
    expect(conforms(v('lu:30'), parseType('os|lu'))).toBe(true);
    expect(v('bs7:fe')).toEqual({ type: 'bit-string', bits: 7, value: Uint8Array.of(0xfe) });
    expect(v('vs"ALCS_1"')).toEqual({ type: 'visible-string', value: new TextEncoder().encode('ALCS 1') });
    expect(() => parseType('S{x}')).toThrow(SyntaxError);
  });

  it('every configurable attribute default has its declared type', () => {
    for (const a of storedAttributes()) expect(conforms(a.default, a.type), a.key).toBe(true);
  });

  it('reads GBCS activation date-times: now, never, an instant', () => {
    expect(readDateTime(fromHex('0000000000000000008000ff'))).toBe('now');
    expect(readDateTime(fromHex('ffffffffffffffffff8000ff'))).toBe('never');
    expect(readDateTime(fromHex('07df0101ff000000008000ff'))).toBe(Date.UTC(2015, 0, 1));
    expect(toGbcsSeconds(Date.UTC(2014, 11, 30))).toBe(473_212_800);
  });

  it('encodes a compact-array buffer without tags', () => {
    const row = v('S{dlu:1,lu:2}');
    const ca = compactArray(row, [row, v('S{dlu:3,lu:4}')]);
    expect(toHex(encodeData(ca))).toBe('13020206120c00000001000200000003' + '0004');
  });
});

describe('ESME provisioning and state', () => {
  it('is deterministic, plain JSON, and carries a service history in its registers', () => {
    const a = createEsmeModel(EUI, T0, { elements: 1, phases: 1 });
    const b = createEsmeModel(EUI, T0, { elements: 1, phases: 1 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    // 400 days of a household: several MWh, all on the factory single-rate tariff (TOU 1).
    expect(a.registers.importWh).toBeGreaterThan(2_000_000);
    expect(a.registers.importWh).toBeLessThan(8_000_000);
    expect(a.registers.touWh[0]).toBeCloseTo(a.registers.importWh, 6);
    expect(a.logs.event).toEqual([[T0, 0x8f69]]);
  });

  it('the provisioner reads the variant from a scenario: TWIN, polyphase use cases', () => {
    const s1 = device().state;
    provisionModel('ESME', s1, { scenario: 'ECS17d_4.1.2_TWIN_SUCCESS', messageCode: 0x29, nowMs: T0 });
    expect(esmeModelIn(s1)!.variant).toEqual({ elements: 2, phases: 1 });
    const s2 = device().state;
    provisionModel('ESME', s2, { scenario: 'ECS23b_4.10_SUCCESS', messageCode: 0xbc, nowMs: T0 });
    expect(esmeModelIn(s2)!.variant).toEqual({ elements: 1, phases: 3 });
    const s3 = device().state;
    provisionModel('ESME', s3, { scenario: 'ECS20c_4.4.3_SINGLE_SUCCESS', messageCode: 0x30, nowMs: T0 });
    expect(esmeModelIn(s3)!.variant).toEqual({ elements: 1, phases: 1 });
  });
});

describe('ESME COSEM object model', () => {
  it('get answers each attribute with its type and the value from state', () => {
    const dev = device();
    const r = run(dev, T0, [
      get(3, '1-0:1.8.0', 2),
      get(3, '1-0:1.8.0', 3),
      get(8, '0-0:1.0.0', 2),
      get(1, '0-0:96.1.1', 2),
      get(70, '0-0:96.3.10', 3),
      get(112, '0-0:19.10.0', 2),
      get(111, '0-0:19.0.0', 2),
      get(20, '0-0:13.0.0', 5),
    ]);
    const m = modelOf(dev);
    expect(results(r)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(r.data[0]).toEqual({ type: 'double-long-unsigned', value: Math.round(m.registers.importWh) });
    expect(r.data[1]).toEqual(v('S{i:0,e:30}'));
    expect(r.data[2]).toEqual(v('os:07df0101ff000000008000ff')); // 1 January 2015 00:00 UTC
    expect(r.data[3]).toEqual(v(`os:${EUI}`));
    expect(r.data[4]).toEqual(v('e:1')); // connected
    expect(r.data[5]).toEqual(v('dl:1000000'));
    expect(r.data[6]).toEqual(v('S{e:1,e:2}')); // credit mode, active
    expect(r.data[7]).toEqual(v('A[S{u:1,A[S{os:00000000,os:00000a0064ff,lu:1}]}]'));
  });

  it('set checks the type (type-unmatched, read-write-denied, object-undefined) and stores', () => {
    const dev = device();
    const mpan = v('os:31333132333435363738313131');
    const r = run(
      dev,
      T0,
      [
        set(1, '0-0:94.44.34.11', 2),
        set(1, '0-0:94.44.34.11', 2),
        set(3, '1-0:1.8.0', 2),
        set(1, '0-9:9.9.9', 2),
      ],
      [v('dlu:5'), mpan, v('dlu:0'), v('os:00')],
      undefined,
      CONTINUE,
    );
    expect(results(r)).toEqual([
      DataAccessResult.TYPE_UNMATCHED,
      DataAccessResult.SUCCESS,
      DataAccessResult.READ_WRITE_DENIED,
      DataAccessResult.OBJECT_UNDEFINED,
    ]);
    expect(run(dev, T0, [get(1, '0-0:94.44.34.11', 2)]).data[0]).toEqual(mpan);
    expect(readStored(modelOf(dev), attrKey(1, '0-0:94.44.34.11', 2))).toEqual(mpan);
  });

  it('the load switch scripts disable, arm and enable the supply (ECS43, ECS44, ECS42)', () => {
    const dev = device();
    const state = (script: number) => {
      const r = run(
        dev,
        T0,
        [act(9, '0-0:10.0.106', 1), get(70, '0-0:96.3.10', 3)],
        [v(`lu:${script}`), NULL],
      );
      expect(r.responseSpecifications[0]!.result).toBe(ActionResult.SUCCESS);
      return r.data[1];
    };
    expect(state(52)).toEqual(v('e:0'));
    expect(state(54)).toEqual(v('e:2'));
    expect(state(51)).toEqual(v('e:1'));
    expect(results(run(dev, T0, [act(9, '0-0:10.0.106', 1)], [v('lu:77')]))).toEqual([
      ActionResult.OTHER_REASON,
    ]);
  });

  it('adjusts and resets the meter balance (ECS04a, ECS04b); emergency credit only when eligible (ECS09)', () => {
    const dev = device();
    run(dev, T0, [act(112, '0-0:19.10.0', 1)], [v('dl:1200000')]);
    expect(modelOf(dev).prepayment.meterBalance).toBe(2_200_000);
    run(dev, T0, [act(112, '0-0:19.10.0', 2)], [v('dl:0')]);
    expect(modelOf(dev).prepayment.meterBalance).toBe(0);
    // Credit mode: accepted, not activated.
    expect(results(run(dev, T0, [act(112, '0-0:19.10.1', 3)], [v('i:0')]))).toEqual([0]);
    expect(modelOf(dev).prepayment.emergencyCreditActive).toBe(false);
    // Prepayment mode, balance below the emergency credit threshold: activated at the limit (£5).
    run(
      dev,
      T0,
      [set(111, '0-1:19.0.0', 2), set(111, '0-1:19.0.0', 13)],
      [v('S{e:2,e:2}'), v('os:0000000000000000008000ff')],
    );
    run(dev, T0, [act(112, '0-0:19.10.1', 3)], [v('i:0')]);
    expect(modelOf(dev).prepayment).toMatchObject({ emergencyCreditActive: true, emergencyCredit: 500_000 });
  });

  it('refuses methods with wrong parameters and unknown methods', () => {
    const dev = device();
    const specs = [act(112, '0-0:19.10.0', 1), act(112, '0-0:19.10.0', 9)];
    const r = run(dev, T0, specs, [v('lu:1'), v('dl:1')], undefined, CONTINUE);
    expect(results(r)).toEqual([ActionResult.TYPE_UNMATCHED, ActionResult.OBJECT_UNDEFINED]);
    // GBCS requests break on error: the second request is not executed.
    expect(results(run(dev, T0, specs, [v('lu:1'), v('dl:1')]))).toEqual([
      ActionResult.TYPE_UNMATCHED,
      ActionResult.OTHER_REASON,
    ]);
  });

  it('honours injected data-access-results and sentinel readings', () => {
    const dev = device();
    const r = run(dev, T0, [get(3, '1-0:1.8.0', 2), get(3, '1-0:1.8.0', 3)], undefined, {
      kind: 'dlms-results',
      results: [0, 250],
    });
    expect(results(r)).toEqual([0, 250]);
    expect(r.data[1]).toEqual(NULL);
    const s = run(dev, T0, [get(3, '1-0:1.8.0', 2)], undefined, { kind: 'sentinel' });
    expect(s.data[0]).toEqual(v('dlu:4294967295'));
  });

  it('sets the clock to the HAN time within the validity window (ECS70), refuses outside it', () => {
    const dev = device();
    const window = (from: string, to: string) =>
      run(
        dev,
        T0,
        [set(8, '0-0:1.0.0', 9), act(8, '0-0:1.0.0', 5), act(8, '0-0:1.0.0', 4), get(8, '0-0:1.0.0', 4)],
        [v('e:5'), v(`S{os:ffffffffffffffffff8000ff,os:${from},os:${to}}`), v('i:0'), NULL],
      );
    const ok = window('07de0c1fff173b0a008000ff', '07df0101ff00000a008000ff');
    expect(results(ok)).toEqual([0, 0, 0, 0]);
    expect(ok.data[3]).toEqual(v('u:0'));
    const late = window('07df0201ff000000008000ff', '07df0202ff000000008000ff');
    // Break on error: the status read after the refused adjustment is not executed either.
    expect(results(late)).toEqual([0, 0, ActionResult.OTHER_REASON, DataAccessResult.OTHER_REASON]);
    expect(run(dev, T0, [get(8, '0-0:1.0.0', 4)]).data[0]).toEqual(v('u:1'));
  });

  // Issue 8 finding 10: 2027-02-29, 02-31 and 04-31 used to become 1 March, 3 March and 1 May.
  it.each([
    ['2027-02-29', '07eb021dff0000000080 00ff'],
    ['2027-02-31', '07eb021fff0000000080 00ff'],
    ['2027-04-31', '07eb041fff0000000080 00ff'],
    ['month 13', '07eb0d01ff0000000080 00ff'],
    ['hour 24', '07eb0101ff1800000080 00ff'],
    ['a wrong day of week (2027-03-01 is a Monday)', '07eb030103000000008000ff'],
  ])('refuses a clock set to %s (other-reason) and changes nothing', (_what, hex) => {
    const dev = device();
    const impossible = hex.replace(' ', '');
    const ecs70 = (preset: string) =>
      run(
        dev,
        T0,
        [set(8, '0-0:1.0.0', 9), act(8, '0-0:1.0.0', 5), act(8, '0-0:1.0.0', 4), get(8, '0-0:1.0.0', 2)],
        [
          v('e:5'),
          v(`S{os:${preset},os:07de0c1fff173b0a008000ff,os:07ff0101ff00000a008000ff}`),
          v('i:0'),
          NULL,
        ],
      );
    expect(results(ecs70('ffffffffffffffffff8000ff'))).toEqual([0, 0, 0, 0]);
    const before = structuredClone(modelOf(dev));
    // ECS70 with the impossible preset: preset_adjusting_time refused, nothing after it executed.
    expect(results(ecs70(impossible))).toEqual([
      0,
      ActionResult.OTHER_REASON,
      ActionResult.OTHER_REASON,
      DataAccessResult.OTHER_REASON,
    ]);
    // A write of the time attribute itself.
    expect(results(run(dev, T0, [set(8, '0-0:1.0.0', 2)], [v(`os:${impossible}`)]))).toEqual([
      DataAccessResult.OTHER_REASON,
    ]);
    expect(modelOf(dev)).toEqual(before);
    expect(run(dev, T0, [get(8, '0-0:1.0.0', 2)]).data[0]).toEqual(v('os:07df0101ff000000008000ff'));
    // The same write with a real date moves the clock.
    expect(results(run(dev, T0, [set(8, '0-0:1.0.0', 2)], [v('os:07eb0301ff000000008000ff')]))).toEqual([0]);
    expect(run(dev, T0, [get(8, '0-0:1.0.0', 2)]).data[0]).toEqual(v('os:07eb0301ff000000008000ff'));
  });
});

describe('ESME over virtual time', () => {
  it('accrues half-hourly consumption: profile rows sum to the register increase; a daily snapshot at midnight', () => {
    const m = createEsmeModel(EUI, T0, { elements: 1, phases: 1 });
    const before = m.registers.importWh;
    const s = advanceEsme(m, T0 + DAY + HOUR);
    expect(s.slots).toBe(50);
    const rows = m.buffers.halfHour;
    expect(rows.length).toBe(50);
    expect(rows[0]![0]).toBe(T0 + 1_800_000);
    const sum = rows.reduce((a, r) => a + r[1]!, 0);
    expect(Math.abs(sum - (m.registers.importWh - before))).toBeLessThan(50);
    expect(m.buffers.daily.map((r) => r[0])).toEqual([T0, T0 + DAY]);
    expect(m.buffers.daily[1]![SNAPSHOT.import]).toBeGreaterThan(m.buffers.daily[0]![SNAPSHOT.import]!);
    // Idempotent: time already accrued is not accrued again.
    expect(advanceEsme(m, T0 + DAY).slots).toBe(0);
  });

  it('a TOU tariff activated now splits consumption by time of day (ECS01a)', () => {
    const dev = device();
    run(
      dev,
      T0,
      [
        set(20, '0-0:13.0.0', 7),
        set(20, '0-0:13.0.0', 8),
        set(20, '0-0:13.0.0', 9),
        set(20, '0-0:13.0.0', 10),
      ],
      [
        v('A[S{os:616c6c,os:07df0101ff000000008000ff,os:01}]'),
        v('A[S{os:01,u:1,u:1,u:1,u:1,u:1,u:1,u:1}]'),
        v('A[S{u:1,A[S{os:00000000,os:00000a0064ff,lu:2},S{os:07000000,os:00000a0064ff,lu:3}]}]'),
        v('os:0000000000000000008000ff'),
      ],
    );
    const m = modelOf(dev);
    const tou2 = m.registers.touWh[1]!;
    const tou3 = m.registers.touWh[2]!;
    advanceEsme(m, T0 + 7 * HOUR);
    expect(m.registers.touWh[1]!).toBeGreaterThan(tou2);
    expect(m.registers.touWh[2]!).toBe(tou3);
    advanceEsme(m, T0 + 12 * HOUR);
    expect(m.registers.touWh[2]!).toBeGreaterThan(tou3);
    expect(run(dev, T0 + 12 * HOUR, [get(20, '0-0:13.0.0', 3)]).data[0]).toEqual(
      v('A[S{os:616c6c,os:07df0101ff000000008000ff,os:01}]'),
    );
  });

  it('a future-dated price activates at its time; a cancellation (never) leaves the active one', () => {
    const dev = device();
    const passive = v('S{S{i:0,i:-5},S{lu:0,os:000000000000,i:0},A[S{os:,l:30000}]}');
    run(
      dev,
      T0,
      [set(113, '0-0:19.20.4', 6), set(113, '0-0:19.20.4', 7)],
      [passive, v('os:07df0102ff000000008000ff')],
    );
    const active = () => run(dev, T0, [get(113, '0-0:19.20.4', 5)]).data[0];
    expect(active()).toEqual(v('S{S{i:0,i:-5},S{lu:0,os:000000000000,i:0},A[S{os:,l:25000}]}'));
    advanceEsme(modelOf(dev), T0 + DAY);
    expect(active()).toEqual(passive);
    run(dev, T0 + DAY, [set(113, '0-0:19.20.0', 7)], [v('os:ffffffffffffffffff8000ff')]);
    advanceEsme(modelOf(dev), T0 + 3 * DAY);
    expect(run(dev, T0 + 3 * DAY, [get(113, '0-0:19.20.0', 5)]).data[0]).toEqual(
      readStored(createEsmeModel(EUI, T0, { elements: 1, phases: 1 }), attrKey(113, '0-0:19.20.0', 5)),
    );
  });

  it('prepayment credit runs down, the supply disables, a top-up restores it', () => {
    const dev = device();
    run(
      dev,
      T0,
      [set(111, '0-1:19.0.0', 2), set(111, '0-1:19.0.0', 13)],
      [v('S{e:2,e:2}'), v('os:0000000000000000008000ff')],
    );
    const m = modelOf(dev);
    expect(m.buffers.modeChange).toHaveLength(1);
    let t = T0;
    while (m.supply.controlState === 1 && t < T0 + 60 * DAY) {
      t += HOUR;
      advanceEsme(m, t);
    }
    expect(m.supply).toMatchObject({ controlState: 0, cause: 'credit' });
    expect(m.prepayment.meterBalance).toBeLessThan(0);
    expect(m.logs.event.some((e) => e[1] === 0x8f0f)).toBe(true);
    const imported = m.registers.importWh;
    advanceEsme(m, t + 6 * HOUR);
    expect(m.registers.importWh).toBe(imported); // no supply, no consumption
    applyTopUp(m, t + 6 * HOUR, 2_000_000);
    expect(m.supply.controlState).toBe(2); // armed
    expect(m.buffers.credits.at(-1)).toEqual([t + 6 * HOUR, 2_000_000]);
    advanceEsme(m, t + 8 * HOUR);
    expect(m.supply.controlState).toBe(1); // the consumer pressed the button
    expect(m.registers.importWh).toBeGreaterThan(imported);
  });
});

describe('ESME profiles and protected reads', () => {
  it('answers a range selection with the half-hour rows captured in the range (both ends included)', () => {
    const dev = device();
    const from = toGbcsSeconds(T0 - 2 * HOUR);
    const to = toGbcsSeconds(T0);
    const spec: AccessRequestSpecification = {
      type: 'get-with-selection',
      attribute: { classId: 7, instanceId: fromHex(obisHex('0-0:99.1.2')), attributeId: 2 },
      accessSelection: {
        accessSelector: 1,
        accessParameters: v(`S{S{lu:1,os:00005e2c64ff,i:2,lu:0},dlu:${from},dlu:${to},A[]}`),
      },
    };
    const r = run(dev, T0, [spec]);
    const ca = r.data[0]!;
    expect(ca.type).toBe('compact-array');
    if (ca.type !== 'compact-array') return;
    expect(ca.contentsDescription).toEqual({
      type: 'structure',
      elements: [{ type: 'double-long-unsigned' }, { type: 'double-long-unsigned' }],
    });
    expect(ca.arrayContents.length).toBe(5 * 8);
    expect(toHex(ca.arrayContents.subarray(0, 4))).toBe(from.toString(16).padStart(8, '0'));
    // Entry selection: the last two entries.
    const e = run(dev, T0, [
      {
        ...spec,
        accessSelection: { accessSelector: 2, accessParameters: v('S{dlu:1,dlu:2,lu:0,lu:0}') },
      },
    ]).data[0]!;
    expect(e.type === 'compact-array' && e.arrayContents.length).toBe(16);
  });

  it('clears the event log (ECS15a) and logs that it was cleared', () => {
    const dev = device();
    run(dev, T0 + HOUR, [act(7, '0-0:99.98.0', 1)], [v('i:0')]);
    const m = modelOf(dev);
    expect(m.logs.event).toEqual([[T0 + HOUR + 1, 0x8f52]]);
  });

  it('get_protected_attributes (ECS17b) answers protection parameters and the encrypted collection', () => {
    const dev = device();
    const params = v(`S{e:2,S{os:0400000000000004b0,os:${SUPPLIER},os:${EUI},os:,S{e:2,S{os:02,os:}}}}`);
    const r = run(
      dev,
      T0,
      [act(30, '0-0:43.2.8', 1)],
      [
        {
          type: 'structure',
          value: [v('A[S{lu:1,os:00005e2c220a,i:2,lu:0,S{e:0,null}}]'), { type: 'array', value: [params] }],
        },
      ],
    );
    expect(results(r)).toEqual([0]);
    const [pp, cipher] = (r.data[0] as { value: DlmsData[] }).value;
    expect(pp).toEqual(
      v(`A[S{e:2,S{os:0400000000000004b0,os:${EUI},os:${SUPPLIER},os:,S{e:2,S{os:02,os:}}}}]`),
    );
    expect(cipher!.type).toBe('octet-string');
    const apdu = decodeDlmsApdu(encodeDlmsApdu({ ...r, type: 'access-response' }));
    expect(findProtectedAttributes(apdu)).toHaveLength(1);
    const c = cipher as { value: Uint8Array };
    const plain = decodeData(new ByteReader(c.value.subarray(5, c.value.length - 12)));
    const m = modelOf(dev);
    expect(plain).toEqual({
      type: 'structure',
      value: [
        {
          type: 'structure',
          value: [
            { type: 'double-long-unsigned', value: Math.round(m.registers.importWh) },
            v('S{i:0,e:30}'),
            { type: 'double-long-unsigned', value: Math.round(m.registers.importVarh) },
            v('S{i:0,e:32}'),
          ],
        },
      ],
    });
    // The collection is not readable unprotected, nor through another Data Protection object.
    expect(results(run(dev, T0, [get(1, '0-0:94.44.34.10', 2)]))).toEqual([
      DataAccessResult.READ_WRITE_DENIED,
    ]);
    const wrong = run(
      dev,
      T0,
      [act(30, '0-0:43.2.1', 1)],
      [
        {
          type: 'structure',
          value: [v('A[S{lu:1,os:00005e2c220a,i:2,lu:0,S{e:0,null}}]'), { type: 'array', value: [params] }],
        },
      ],
    );
    expect(results(wrong)).toEqual([ActionResult.SCOPE_OF_ACCESS_VIOLATED]);
  });

  it('reads the daily read log over a date range through IC 30 (ECS21a), twin layout on a twin meter', () => {
    const dev = device();
    provisionModel('ESME', dev.state as DeviceState, { scenario: 'X_TWIN_SUCCESS', nowMs: T0 });
    const params = v(`S{e:2,S{os:040000000000000001,os:${SUPPLIER},os:${EUI},os:,S{e:2,S{os:02,os:}}}}`);
    const r = run(
      dev,
      T0,
      [act(30, '0-0:43.2.5', 1)],
      [
        {
          type: 'structure',
          value: [
            v(
              'A[S{lu:7,os:0000620109ff,i:2,lu:0,S{e:1,S{os:07de0309ff000000008000ff,os:07de030bff000000008000ff}}}]',
            ),
            { type: 'array', value: [params] },
          ],
        },
      ],
    );
    const c = (r.data[0] as { value: DlmsData[] }).value[1] as { value: Uint8Array };
    const plain = decodeData(new ByteReader(c.value.subarray(5, c.value.length - 12)));
    const ca = (plain as { value: DlmsData[] }).value[0]!;
    expect(ca.type).toBe('compact-array');
    if (ca.type !== 'compact-array') return;
    // 9, 10 and 11 March 2014 at 00:00: three rows of time, import, secondary import, 48 TOU, 4 secondary TOU, 4 × 8 blocks.
    const rowBytes = 4 * (3 + 48 + 4 + 32);
    expect(ca.arrayContents.length).toBe(3 * rowBytes);
    expect(toHex(ca.arrayContents.subarray(0, 4))).toBe(
      toGbcsSeconds(Date.UTC(2014, 2, 9))
        .toString(16)
        .padStart(8, '0'),
    );
    expect(ensureEsmeModel(dev.state as DeviceState, T0).variant.elements).toBe(2);
  });
});
