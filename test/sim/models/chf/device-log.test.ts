/**
 * The CHF model (sim/models/chf*.ts): Device Log and Historic Device Log (CCS01/02/03/06/07), Sub
 * GHz (DBCH01–05), identity (ECS26i/n), with the alerts they raise, and the RTDS scenarios.
 */
import { describe, expect, it } from 'vitest';
import { groupRtdsScenarios, runConformanceScenario } from '../../../../app/conformance/conformance.ts';
import { fromHex, toHex } from '../../../../protocol/bytes.ts';
import type { AccessRequestSpecification } from '../../../../protocol/dlms/apdu.ts';
import type { DlmsData } from '../../../../protocol/dlms/axdr.ts';
import type { Eui64 } from '../../../../protocol/types.ts';
import { VirtualClock } from '../../../../sim/clock.ts';
import type { Device } from '../../../../sim/device/device.ts';
import { hanDeviceJoined } from '../../../../sim/models/chf/device-log.ts';
import {
  chfModelOf,
  factorySubGhzConfiguration,
  HISTORIC_LOG_CAPACITY,
} from '../../../../sim/models/chf/state.ts';
import { loadKeystore } from '../../../../sim/store/keystore-files.ts';
import { ACB, CHF, crypto, makeChfDevice, runChf } from '../../../fixtures/chf.ts';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR } from '../../../fixtures/shared.ts';

const T0 = Date.UTC(2015, 0, 1);
const LOG = Uint8Array.of(0, 0, 30, 3, 0, 0xff);
const HISTORIC = Uint8Array.of(0, 0, 30, 3, 1, 0xff);

/** The ACB's KA cell: CHF alerts go to the ACB. */
const acbKa = {
  role: 4,
  usage: 'ka' as const,
  cell: 'management' as const,
  subjectUniqueId: ACB,
  publicKey: crypto.publicKeyOf(crypto.sha256(new TextEncoder().encode('acb'))),
};

const makeChf = (): Device => makeChfDevice(new VirtualClock(T0), [acbKa]);
const run = runChf;

const os = (hex: string): DlmsData => ({ type: 'octet-string', value: fromHex(hex) });
const action = (instanceId: Uint8Array, methodId: number): AccessRequestSpecification => ({
  type: 'action',
  method: { classId: 104, instanceId, methodId },
});
const attr = (
  type: 'get' | 'set',
  classId: number,
  instanceId: Uint8Array,
  attributeId = 2,
): AccessRequestSpecification => ({
  type,
  attribute: { classId, instanceId, attributeId },
});
const register = (id: Eui64): DlmsData => ({
  type: 'structure',
  value: [
    os(id),
    { type: 'enum', value: 1 },
    { type: 'octet-string', value: new TextEncoder().encode('83FED3407A939723') },
    { type: 'enum', value: 0 },
  ],
});
const ids = (d: DlmsData | undefined) =>
  d?.type === 'array'
    ? d.value.map((e) =>
        e.type === 'structure' && e.value[0]?.type === 'octet-string' ? toHex(e.value[0].value) : '?',
      )
    : null;

describe('CHF Device Log', () => {
  it('starts with its GPF, adds, joins, removes to the historic log, and backs up both logs', () => {
    const chf = makeChf();
    const read = (code = 0x010f) => run(chf, code, [attr('get', 104, LOG, 4)], [{ type: 'null-data' }]);
    expect(ids(read().data[0])).toEqual(['00db1234567890a3']);
    const add = run(
      chf,
      0x0001,
      [action(LOG, 1), attr('set', 104, LOG, 3), attr('set', 104, LOG, 2)],
      [register('00db1234567890a0'), { type: 'long-unsigned', value: 90 }, { type: 'boolean', value: true }],
    );
    expect(add).toMatchObject({ results: [0, 0, 0], alerts: [0x8f12] });
    expect(chfModelOf(chf).joining).toEqual({ enabled: true, timeoutS: 90, openedAtMs: T0 });
    // Added, not joined yet: not an active device.
    expect(ids(read().data[0])).toEqual(['00db1234567890a3']);
    expect(
      hanDeviceJoined(chf, '00db1234567890a0', fromHex('00112233445566778899aabbccddeeff')),
    ).not.toBeNull();
    const active = read().data[0];
    expect(ids(active)).toEqual(['00db1234567890a3', '00db1234567890a0']);
    if (active?.type !== 'array' || active.value[0]?.type !== 'structure') throw new Error('shape');
    expect(active.value[0].value.map((d) => d.type)).toEqual([
      'octet-string',
      'bit-string',
      'integer',
      'integer',
      'integer',
      'unsigned',
      'unsigned',
      'unsigned',
      'octet-string',
      'unsigned',
      'unsigned',
      'unsigned',
      'unsigned',
      'unsigned',
    ]);
    // Bad install code, full log, wrong type.
    expect(
      run(chf, 0x0001, [action(LOG, 1)], [{ type: 'structure', value: [os('00db1234567890a9')] }]).results,
    ).toEqual([12]);
    expect(
      run(chf, 0x0001, [attr('set', 104, LOG, 3)], [{ type: 'long-unsigned', value: 4000 }]).results,
    ).toEqual([250]);
    // Remove: the device with a link key goes to the historic log.
    expect(run(chf, 0x0002, [action(LOG, 2)], [os('00db1234567890a0')])).toMatchObject({
      results: [0],
      alerts: [0x8f12],
    });
    expect(run(chf, 0x0002, [action(LOG, 2)], [os('00db1234567890a0')])).toMatchObject({
      results: [0],
      alerts: [],
    });
    const backup = run(
      chf,
      0x00fe,
      [action(LOG, 4), action(HISTORIC, 4)],
      [{ type: 'null-data' }, { type: 'null-data' }],
    );
    expect(backup.results).toEqual([0, 0]);
    const [logBackup, historic] = backup.data;
    if (logBackup?.type !== 'structure' || historic?.type !== 'structure') throw new Error('shape');
    expect(ids(logBackup.value[2])).toEqual(['00db1234567890a3']);
    expect(ids(historic.value[2])).toEqual(['00db1234567890a0']);
    expect(chfModelOf(chf).historicLog[0]!.linkKeyHash).toBe(
      toHex(crypto.sha256(fromHex('00112233445566778899aabbccddeeff')).subarray(0, 16)),
    );
  });

  it('keeps 15 historic entries, oldest overwritten', () => {
    const chf = makeChf();
    for (let i = 0; i < 20; i++) {
      const id = `00000000000000${i.toString(16).padStart(2, '0')}`;
      run(chf, 0x0001, [action(LOG, 1)], [register(id)]);
      hanDeviceJoined(chf, id, Uint8Array.of(i));
      run(chf, 0x0002, [action(LOG, 2)], [os(id)]);
    }
    const h = chfModelOf(chf).historicLog;
    expect(h).toHaveLength(HISTORIC_LOG_CAPACITY);
    expect(h[0]!.deviceId).toBe('0000000000000005');
  });

  it('restores a Device Log with its Extended PAN ID (CCS03), and honours injected results', () => {
    const chf = makeChf();
    const restore = (entries: DlmsData[]) =>
      run(
        chf,
        0x0003,
        [action(LOG, 5)],
        [{ type: 'structure', value: [os('0001020304050607'), { type: 'array', value: entries }] }],
      );
    const entry = (id: string, key: string): DlmsData => ({ type: 'structure', value: [os(id), os(key)] });
    expect(restore([entry('00db1234567890a0', '83fed3407a939723a5c639b26916d506')]).results).toEqual([0]);
    expect(chfModelOf(chf).extendedPanId).toBe('0001020304050607');
    expect(chfModelOf(chf).deviceLog.map((e) => e.deviceId)).toEqual([
      '00db1234567890a3',
      '00db1234567890a0',
    ]);
    expect(restore([entry('00db1234567890a1', '00')]).results).toEqual([12]);
    expect(
      run(chf, 0x0003, [action(LOG, 5)], [{ type: 'null-data' }], { kind: 'dlms-results', results: [1] })
        .results,
    ).toEqual([1]);
  });
});

describe('CHF Sub GHz', () => {
  const CONF = Uint8Array.of(0, 0, 94, 44, 10, 0);
  const SCAN = Uint8Array.of(0, 0, 94, 44, 10, 1);
  const CHANNEL = Uint8Array.of(0, 0, 94, 44, 10, 2);
  const LOGO = Uint8Array.of(0, 0, 94, 44, 10, 3);

  it('sets the configuration, moves off a channel it no longer allows, logs it, reads the log by range', () => {
    const chf = makeChf();
    const channel = () => run(chf, 0x010a, [attr('get', 1, CHANNEL)], [{ type: 'null-data' }]).data[0];
    expect(channel()).toEqual({ type: 'bit-string', bits: 32, value: fromHex('e0000001') });
    const conf = factorySubGhzConfiguration();
    if (conf.type !== 'structure') throw new Error('shape');
    // Page 28 without channel 0: the CHF moves to channel 1.
    const next: DlmsData = {
      type: 'structure',
      value: [{ type: 'bit-string', bits: 32, value: fromHex('e0000006') }, ...conf.value.slice(1)],
    };
    expect(run(chf, 0x010d, [attr('set', 1, CONF)], [next])).toMatchObject({
      results: [0],
      alerts: [0x8f2a, 0x8f26],
    });
    expect(channel()).toEqual({ type: 'bit-string', bits: 32, value: fromHex('e0000002') });
    expect(run(chf, 0x010c, [attr('get', 1, CONF)], [{ type: 'null-data' }]).data[0]).toEqual(next);
    // Wrong layout or page: refused, nothing changes.
    expect(
      run(chf, 0x010d, [attr('set', 1, CONF)], [{ type: 'structure', value: conf.value.slice(1) }]).results,
    ).toEqual([12]);
    const wrongPage: DlmsData = { type: 'structure', value: [conf.value[1]!, ...conf.value.slice(1)] };
    expect(run(chf, 0x010d, [attr('set', 1, CONF)], [wrongPage]).results).toEqual([250]);
    // Scan: channel allowed, kept; outcome alert.
    expect(run(chf, 0x010e, [attr('set', 1, SCAN)], [{ type: 'unsigned', value: 0 }])).toMatchObject({
      results: [0],
      alerts: [0x8f28],
    });
    const range = (from: number, to: number) =>
      run(
        chf,
        0x010b,
        [
          {
            type: 'get-with-selection',
            attribute: { classId: 7, instanceId: LOGO, attributeId: 2 },
            accessSelection: {
              accessSelector: 1,
              accessParameters: {
                type: 'structure',
                value: [
                  {
                    type: 'structure',
                    value: [
                      { type: 'long-unsigned', value: 1 },
                      os('00005e2c64ff'),
                      { type: 'integer', value: 2 },
                      { type: 'long-unsigned', value: 0 },
                    ],
                  },
                  { type: 'double-long-unsigned', value: from },
                  { type: 'double-long-unsigned', value: to },
                  { type: 'array', value: [] },
                ],
              },
            },
          },
        ],
        [{ type: 'null-data' }],
      ).data[0];
    const t = Math.floor((T0 - Date.UTC(2000, 0, 1)) / 1000);
    const inRange = range(t - 10, t + 10);
    expect(inRange?.type === 'compact-array' && toHex(inRange.arrayContents)).toBe(
      `${t.toString(16).padStart(8, '0')}8f2607e0000002090102`,
    );
    const before = range(0, t - 1);
    expect(before?.type === 'compact-array' && before.arrayContents.length).toBe(0);
  });
});

describe('CHF identity (ECS26n)', () => {
  it('answers the identity objects and refuses others', () => {
    const chf = makeChf();
    const r = run(
      chf,
      0x00fa,
      [
        attr('get', 1, Uint8Array.of(0, 0, 96, 1, 1, 0xff)),
        attr('get', 1, Uint8Array.of(0, 0, 96, 1, 4, 0xff)),
        attr('get', 1, Uint8Array.of(0, 0, 96, 1, 9, 0xff)),
      ],
      [{ type: 'null-data' }, { type: 'null-data' }, { type: 'null-data' }],
    );
    expect(r.results).toEqual([0, 0, 4]);
    expect(r.data[0]).toEqual(os(CHF));
    expect(r.data[1]?.type).toBe('octet-string');
  });
});

describeShared('RTDS 4.5.0 CHF scenarios', () => {
  it('match, except CCS07 (a fresh hub has an empty Historic Device Log)', () => {
    const opts = { keystore: loadKeystore(RTDS_KEYSTORE_DIR), crypto, acbId: ACB };
    const scenarios = groupRtdsScenarios(RTDS_DIR).filter(
      (s) => /_(CCS0[1-7]|DBCH0[1-5]|ECS26[in])/.test(s.folder) && s.id !== '8.9_CCS07/CCS07_8.9_SUCCESS',
    );
    expect(scenarios.length).toBeGreaterThanOrEqual(15);
    const bad = scenarios
      .map((s) => runConformanceScenario(s, opts))
      .filter((r) => r.status !== 'matched')
      .map((r) => `${r.scenario}: ${r.differences.join('; ')}`);
    expect(bad).toEqual([]);
  });
});
