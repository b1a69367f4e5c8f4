/**
 * The CHF's own Event Log and Security Log (sim/models/chf/events.ts) and their reads ECS35c /
 * ECS35d (sim/models/chf/logs.ts): what the hub logs, the compact-array layout, selective access,
 * injected faults, and the RTDS 6.13 scenarios.
 */
import { describe, expect, it } from 'vitest';
import { groupRtdsScenarios, runConformanceScenario } from '../../../../app/conformance/conformance.ts';
import { fromHex, toHex } from '../../../../protocol/bytes.ts';
import type { AccessRequestSpecification } from '../../../../protocol/dlms/apdu.ts';
import { type DlmsData, encodeData } from '../../../../protocol/dlms/axdr.ts';
import { VirtualClock } from '../../../../sim/clock.ts';
import type { Device, PayloadFault } from '../../../../sim/device/device.ts';
import { hanDeviceJoined } from '../../../../sim/models/chf/device-log.ts';
import { EVENT_LOG_CAPACITY, logChfEvent } from '../../../../sim/models/chf/events.ts';
import { chfModelOf } from '../../../../sim/models/chf/state.ts';
import { firmwareOf, holdFirmwareImage } from '../../../../sim/models/security/firmware.ts';
import { loadKeystore } from '../../../../sim/store/keystore-files.ts';
import { ACB, crypto, makeChfDevice, runChf } from '../../../fixtures/chf.ts';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR } from '../../../fixtures/shared.ts';

const T0 = Date.UTC(2015, 0, 1);
/** T0 in ZigBee UTCTime seconds since 2000-01-01. */
const S0 = 473385600;
const EVENT_LOG = Uint8Array.of(0, 0, 99, 98, 0, 0xff);
const SECURITY_LOG = Uint8Array.of(0, 0, 99, 98, 1, 0xff);
const DEVICE_LOG = Uint8Array.of(0, 0, 30, 3, 0, 0xff);
const ECS35c = 0x0093;
const ECS35d = 0x0094;

const clocks = new WeakMap<Device, VirtualClock>();
const advance = (dev: Device, ms: number) => clocks.get(dev)!.advance(ms);

function makeChf(): Device {
  const clock = new VirtualClock(T0);
  const dev = makeChfDevice(clock);
  clocks.set(dev, clock);
  return dev;
}

function run(
  dev: Device,
  messageCode: number,
  specs: AccessRequestSpecification[],
  data: DlmsData[],
  fault?: PayloadFault,
) {
  const { results, data: out } = runChf(dev, messageCode, specs, data, fault);
  return { results, data: out };
}

const dlu = (value: number): DlmsData => ({ type: 'double-long-unsigned', value });
const get = (instanceId: Uint8Array): AccessRequestSpecification => ({
  type: 'get',
  attribute: { classId: 7, instanceId, attributeId: 2 },
});
/** The RTDS ECS35c/d selective access: range on 0-0:94.44.100.255 (seconds since 2000). */
const byRange = (instanceId: Uint8Array, selector = 1): AccessRequestSpecification => ({
  type: 'get-with-selection',
  attribute: { classId: 7, instanceId, attributeId: 2 },
  accessSelection: {
    accessSelector: selector,
    accessParameters: { type: 'null-data' },
  },
});
function rangeParams(from: number, to: number): DlmsData {
  return {
    type: 'structure',
    value: [
      {
        type: 'structure',
        value: [
          { type: 'long-unsigned', value: 1 },
          { type: 'octet-string', value: Uint8Array.of(0, 0, 94, 44, 100, 0xff) },
          { type: 'integer', value: 2 },
          { type: 'long-unsigned', value: 0 },
        ],
      },
      dlu(from),
      dlu(to),
      { type: 'array', value: [] },
    ],
  };
}
function readRange(dev: Device, code: number, log: Uint8Array, from: number, to: number) {
  const spec = byRange(log);
  if (spec.type !== 'get-with-selection') throw new Error('spec');
  spec.accessSelection.accessParameters = rangeParams(from, to);
  return run(dev, code, [spec], [{ type: 'null-data' }]);
}

/** The rows of a `{dlu, lu, octet-string}` compact-array: [seconds, code, details hex]. */
function rows(d: DlmsData | undefined): Array<[number, number, string]> {
  if (d?.type !== 'compact-array') throw new Error(`not a compact-array: ${d?.type}`);
  expect(d.contentsDescription).toEqual({
    type: 'structure',
    elements: [{ type: 'double-long-unsigned' }, { type: 'long-unsigned' }, { type: 'octet-string' }],
  });
  const b = d.arrayContents;
  const out: Array<[number, number, string]> = [];
  let i = 0;
  while (i < b.length) {
    const t = ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
    const code = (b[i + 4]! << 8) | b[i + 5]!;
    const n = b[i + 6]!;
    out.push([t, code, toHex(b.subarray(i + 7, i + 7 + n))]);
    i += 7 + n;
  }
  return out;
}

describe('CHF Event Log and Security Log (ECS35c / ECS35d)', () => {
  it('a new hub: an empty Event Log, the Security Log begins with 0x8F69 Device commissioned', () => {
    const chf = makeChf();
    const ev = run(chf, ECS35c, [get(EVENT_LOG)], [{ type: 'null-data' }]);
    expect(ev.results).toEqual([0]);
    // The buffer as bytes: compact-array, type-description structure{dlu, lu, os}, no contents.
    expect(toHex(encodeData(ev.data[0]!))).toBe('13020306120900');
    const sec = run(chf, ECS35d, [get(SECURITY_LOG)], [{ type: 'null-data' }]);
    expect(rows(sec.data[0])).toEqual([[S0, 0x8f69, '']]);
    // Each read is a command the hub executed: logged 0x8154 with its Message Code.
    expect(rows(run(chf, ECS35c, [get(EVENT_LOG)], [{ type: 'null-data' }]).data[0])).toEqual([
      [S0, 0x8154, '0093'],
      [S0, 0x8154, '0094'],
    ]);
  });

  it('logs Device Log changes, the commands that made them, and joins', () => {
    const chf = makeChf();
    advance(chf, 60_000);
    const add = run(
      chf,
      0x0001,
      [{ type: 'action', method: { classId: 104, instanceId: DEVICE_LOG, methodId: 1 } }],
      [
        {
          type: 'structure',
          value: [
            { type: 'octet-string', value: fromHex('00db1234567890a0') },
            { type: 'enum', value: 1 },
            { type: 'octet-string', value: new TextEncoder().encode('83FED3407A939723') },
            { type: 'enum', value: 0 },
          ],
        },
      ],
    );
    expect(add.results).toEqual([0]);
    advance(chf, 60_000);
    expect(hanDeviceJoined(chf, '00db1234567890a0', fromHex('00112233445566778899aabbccddeeff'))).toBeNull();
    advance(chf, 60_000);
    // A command refused (an unknown method): not successfully actioned.
    expect(
      run(
        chf,
        0x0002,
        [{ type: 'action', method: { classId: 104, instanceId: DEVICE_LOG, methodId: 9 } }],
        [{ type: 'null-data' }],
      ).results,
    ).not.toEqual([0]);
    advance(chf, 60_000);
    expect(rows(readRange(chf, ECS35c, EVENT_LOG, S0, S0 + 3600).data[0])).toEqual([
      [S0 + 60, 0x8f12, ''],
      [S0 + 60, 0x8154, '0001'],
      [S0 + 120, 0x8f12, ''],
      [S0 + 180, 0x8155, '0002'],
    ]);
    // A range selects by capture time, inclusive.
    expect(rows(readRange(chf, ECS35c, EVENT_LOG, S0 + 120, S0 + 180).data[0]).map((r) => r[1])).toEqual([
      0x8f12, 0x8155,
    ]);
    expect(rows(readRange(chf, ECS35c, EVENT_LOG, S0 + 7200, S0 + 9000).data[0])).toEqual([]);
  });

  it('selects by entry (selector 2) and refuses malformed selections with other-reason', () => {
    const chf = makeChf();
    const m = chfModelOf(chf);
    for (let i = 0; i < 5; i++) logChfEvent(m, 'event', 0x8f26, T0 + i * 1000);
    const spec = byRange(EVENT_LOG, 2);
    if (spec.type !== 'get-with-selection') throw new Error('spec');
    spec.accessSelection.accessParameters = {
      type: 'structure',
      value: [dlu(2), dlu(3), { type: 'long-unsigned', value: 1 }, { type: 'long-unsigned', value: 0 }],
    };
    expect(rows(run(chf, ECS35c, [spec], [{ type: 'null-data' }]).data[0]).map((r) => r[0])).toEqual([
      S0 + 1,
      S0 + 2,
    ]);
    spec.accessSelection.accessParameters = { type: 'null-data' };
    expect(run(chf, ECS35c, [spec], [{ type: 'null-data' }]).results).toEqual([250]);
    // Another object, or another class: object-undefined.
    expect(
      run(
        chf,
        ECS35c,
        [{ type: 'get', attribute: { classId: 1, instanceId: EVENT_LOG, attributeId: 2 } }],
        [{ type: 'null-data' }],
      ).results,
    ).toEqual([4]);
  });

  it('keeps at most EVENT_LOG_CAPACITY entries, the oldest dropped', () => {
    const chf = makeChf();
    const m = chfModelOf(chf);
    for (let i = 0; i < EVENT_LOG_CAPACITY + 5; i++) logChfEvent(m, 'event', 0x8f28, T0 + i * 1000);
    const log = m.logs!.event;
    expect(log).toHaveLength(EVENT_LOG_CAPACITY);
    expect(log[0]).toEqual([S0 + 5, 0x8f28, '']);
    // State stays plain JSON.
    expect(JSON.parse(JSON.stringify(m.logs))).toEqual(m.logs);
  });

  it('notices firmware: a held image (0x8F72, Event Log), a new running version (0x8F43, Security Log)', () => {
    const chf = makeChf();
    run(chf, ECS35d, [get(SECURITY_LOG)], [{ type: 'null-data' }]);
    advance(chf, 10_000);
    holdFirmwareImage(chf, crypto.sha256(Uint8Array.of(1, 2, 3)), '01020003');
    const fw = firmwareOf(chf);
    run(chf, ECS35d, [get(SECURITY_LOG)], [{ type: 'null-data' }]);
    advance(chf, 10_000);
    fw.version = '01020003';
    fw.image = null;
    fw.activatedAtMs = T0 + 15_000;
    const sec = run(chf, ECS35d, [get(SECURITY_LOG)], [{ type: 'null-data' }]);
    expect(rows(sec.data[0])).toEqual([
      [S0, 0x8f69, ''],
      [S0 + 15, 0x8f43, '01020003'],
    ]);
    const ev = rows(run(chf, ECS35c, [get(EVENT_LOG)], [{ type: 'null-data' }]).data[0]);
    expect(ev.filter((r) => r[1] === 0x8f72)).toEqual([[S0 + 10, 0x8f72, '']]);
  });

  it('honours an injected fault (RTDS ECS35d ERROR: hardware-fault), and logs the failure', () => {
    const chf = makeChf();
    const r = run(chf, ECS35d, [get(SECURITY_LOG)], [{ type: 'null-data' }], {
      kind: 'dlms-results',
      messageCode: ECS35d,
      results: [1],
    });
    expect(r).toEqual({ results: [1], data: [{ type: 'null-data' }] });
    expect(chfModelOf(chf).logs!.event).toEqual([[S0, 0x8155, '0094']]);
  });
});

describeShared('RTDS 4.5.0 6.13 ECS35c / ECS35d', () => {
  it('match', () => {
    const opts = { keystore: loadKeystore(RTDS_KEYSTORE_DIR), crypto, acbId: ACB };
    const scenarios = groupRtdsScenarios(RTDS_DIR).filter((s) => /_ECS35[cd]$/.test(s.folder));
    expect(scenarios.map((s) => s.id).sort()).toEqual([
      '6.13_ECS35c/ECS35c_6.13_SUCCESS',
      '6.13_ECS35d/ECS35d_6.13_ERROR',
    ]);
    const bad = scenarios
      .map((s) => runConformanceScenario(s, opts))
      .filter((r) => r.status !== 'matched')
      .map((r) => `${r.scenario}: ${r.differences.join('; ')}`);
    expect(bad).toEqual([]);
  });
});
