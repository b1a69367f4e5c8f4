/**
 * The DCC gate with a real premises and a real SQLite file: the install-and-commission flow moves
 * the premises' devices through their SMI Statuses only from what the devices answer and alert,
 * and the gate refuses what a device's status does not allow, changing nothing.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceTypeCode } from '../../../protocol/asn1/gbcs-types.ts';
import { decodeGpfDeviceLogRestoreCommand } from '../../../protocol/asn1/gcs59.ts';
import { toHex } from '../../../protocol/bytes.ts';
import { createCrypto } from '../../../protocol/crypto/index.ts';
import { decodeDlmsApdu } from '../../../protocol/dlms/apdu.ts';
import { CommsHubService } from '../../../sim/ch/hubs.ts';
import { VirtualClock } from '../../../sim/clock.ts';
import {
  type DccPath,
  defaultInstallCode,
  installAndCommission,
  sendThroughDcc,
} from '../../../sim/dcc/premises-install.ts';
import { gpfDeviceLogBackup } from '../../../sim/device/alerts.ts';
import { setEsmeClockPayload } from '../../../sim/head-end/scenario.ts';
import type { SmartMeteringInventory } from '../../../sim/inventory/inventory.ts';
import { chfModelOf } from '../../../sim/models/chf/state.ts';
import { deviceLogOf } from '../../../sim/models/security/joins.ts';
import { DEFAULT_PREMISES as IDS } from '../../../sim/premises/premises.ts';
import type { Db } from '../../../sim/store/dcc-database.ts';
import { makeChfDevice, runChf } from '../../fixtures/chf.ts';
import { gatedPremises } from '../../fixtures/dcc.ts';
import { dumpDb, tmpDir } from '../../fixtures/sqlite.ts';

const crypto = createCrypto('noble');
const START = Date.UTC(2026, 0, 1, 8, 0, 0);

describe('install and commission a premises through the DCC gate', () => {
  const tmp = tmpDir();
  let db: Db;
  let inv: SmartMeteringInventory;
  let path: DccPath;
  let hubs: CommsHubService;
  beforeEach(() => {
    ({ db, inv, path } = gatedPremises(
      tmp.file(`han-${Math.random().toString(36).slice(2)}.db`),
      crypto,
      START,
    ));
    hubs = new CommsHubService(db, { inventory: inv });
  });
  afterEach(() => db.close());
  afterAll(() => tmp.cleanup());

  it('pre-notified → whitelisted → installed-not-commissioned → commissioned, step by step', () => {
    const steps = installAndCommission({ path, hubs });
    const table = steps.map((s) => [s.label, s.result, s.statuses.esme, s.statuses.gsme, s.statuses.chf]);
    expect(table).toEqual([
      ['CH ordered, dispatched and delivered (CHF, GPF enter the SMI)', 'success', null, null, 'Pending'],
      ['ESME and GSME pre-notified (SRV 12.2)', 'success', 'Pending', 'Pending', 'Pending'],
      [
        'CH accepted and installed with SM WAN (8.14.1): CHF, GPF commissioned',
        'success',
        'Pending',
        'Pending',
        'Commissioned',
      ],
      [
        'CCS01 add the ESME to the CHF Device Log (install code, join window open)',
        'success',
        'Whitelisted',
        'Pending',
        'Commissioned',
      ],
      [
        'ESME joins the SMHAN with its Install Code (CHF raises CS14)',
        'success',
        'InstalledNotCommissioned',
        'Pending',
        'Commissioned',
      ],
      [
        'CCS01 add the GSME to the CHF Device Log (install code, join window open)',
        'success',
        'InstalledNotCommissioned',
        'Whitelisted',
        'Commissioned',
      ],
      [
        'GSME joins the SMHAN with its Install Code (CHF raises CS14)',
        'success',
        'InstalledNotCommissioned',
        'InstalledNotCommissioned',
        'Commissioned',
      ],
      [
        'CS03B join the GSME to its GPF (Method B)',
        'success',
        'InstalledNotCommissioned',
        'InstalledNotCommissioned',
        'Commissioned',
      ],
      [
        'ECS70 commission the ESME: set its clock (SRV 8.1.1)',
        'success',
        'Commissioned',
        'InstalledNotCommissioned',
        'Commissioned',
      ],
      [
        'GCS28 commission the GSME: set its clock from the hub (SRV 8.1.1)',
        'success',
        'Commissioned',
        'Commissioned',
        'Commissioned',
      ],
    ]);
    // The GSME is associated with the hub's CHF and GPF; the ESME with the CHF.
    expect(inv.get(IDS.gsme)).toMatchObject({ chf: IDS.chf, gpf: IDS.gpf, status: 'Commissioned' });
    expect(inv.get(IDS.esme)).toMatchObject({
      chf: IDS.chf,
      gpf: null,
      dateCommissioned: expect.any(Number),
    });
    // The history records each event the gate saw.
    expect(inv.history(IDS.esme).map((h) => h.event)).toEqual([
      'preNotification',
      'hanDeviceLogAdd',
      'join',
      'commission',
    ]);
    // The CHF Device Log holds the GPF and both meters, each meter with the hash of its install-code key.
    const log = chfModelOf(path.premises.devices.get(IDS.chf)!).deviceLog;
    expect(log.map((e) => e.deviceId)).toEqual([IDS.gpf, IDS.esme, IDS.gsme]);
    const key = crypto.sha256(defaultInstallCode(IDS.esme)).subarray(0, 16);
    expect(log[1]!.linkKeyHash).toBe(toHex(crypto.sha256(key).subarray(0, 16)));
  });

  it('refuses traffic the SMI Status does not allow, with a stable code, and changes nothing', () => {
    installAndCommission({ path, hubs });
    // Set the ESME back to Pending is not allowed from Commissioned; suspend its model instead.
    inv.cplSuspend(IDS.esme, path.clock.now());
    const before = dumpDb(db);
    const device = JSON.stringify(path.premises.devices.get(IDS.esme)!.state);
    const r = sendThroughDcc(path, {
      device: 'esme',
      from: 'supplier',
      messageCode: 0x0062,
      payload: setEsmeClockPayload(path.clock.now()),
    });
    expect(r).toMatchObject({ refused: true, accepted: false, result: 'DEVICE_SUSPENDED' });
    expect(dumpDb(db)).toBe(before);
    expect(JSON.stringify(path.premises.devices.get(IDS.esme)!.state)).toBe(device);
  });

  it('before commissioning only installation use cases pass; a Pending device gets nothing', () => {
    const steps = installAndCommission({ path, hubs, joinTimeoutS: 3600 });
    expect(steps.length).toBe(10);
    const { db: db2, inv: inv2, path: p2 } = gatedPremises(tmp.file('han-pending.db'), crypto, START);
    inv2.preNotify({ deviceId: IDS.esme, deviceType: 'ESME', manufacturer: 'M', model: 'E' }, START);
    const before = dumpDb(db2);
    const msg = {
      device: 'esme' as const,
      from: 'supplier' as const,
      messageCode: 0x0021,
      payload: new Uint8Array(0),
    };
    expect(sendThroughDcc(p2, msg).result).toBe('DEVICE_NOT_INSTALLED');
    expect(sendThroughDcc(p2, { ...msg, device: 'gsme' }).result).toBe('UNKNOWN_DEVICE');
    inv2.commsHubDelivered({ deviceId: IDS.chf, deviceType: 'CHF', manufacturer: 'DCC', model: 'CH' }, START);
    inv2.addToHanDeviceLog(IDS.esme, { chf: IDS.chf }, START + 1);
    const whitelisted = dumpDb(db2);
    expect(sendThroughDcc(p2, msg).result).toBe('DEVICE_NOT_COMMISSIONED');
    expect(dumpDb(db2)).toBe(whitelisted);
    expect(before).not.toBe(whitelisted);
    db2.close();
  });
});

describe('Device Log copies and restore on a hub replacement', () => {
  const tmp = tmpDir();
  afterAll(() => tmp.cleanup());

  /** A premises installed and commissioned through the gate, on a new database `name`.db. */
  function installed(name: string) {
    const { db, inv, bed, path } = gatedPremises(tmp.file(`${name}.db`), crypto, START);
    installAndCommission({ path, hubs: new CommsHubService(db, { inventory: inv }) });
    return { db, inv, bed, path };
  }

  it('CS14 keeps the CHF Device Log at the DCC; CCS03 built from it restores a new CHF; DeviceLogRestored', () => {
    const { db, inv, bed, path } = installed('copies');
    const log = chfModelOf(bed.premises.devices.get(IDS.chf)!).deviceLog;
    const copy = path.gate.copies.get(IDS.chf);
    expect(copy).toMatchObject({
      kind: 'CHF',
      entries: log.map((e) => ({ deviceId: e.deviceId, linkKeyHash: e.linkKeyHash })),
    });
    expect(copy!.entries.map((e) => 'linkKeyHash' in e && e.linkKeyHash === null)).toEqual([
      true,
      false,
      false,
    ]); // the GPF has no key

    // A replacement hub (another CHF, its GPF = its EUI + 1) takes the old network and devices.
    const fresh = makeChfDevice(new VirtualClock(START));
    const { ccs03, gcs59 } = path.gate.restoreCommands(IDS.chf, IDS.gpf);
    expect(gcs59).toBeNull(); // no GCS62 seen yet
    const apdu = decodeDlmsApdu(ccs03!(1n));
    if (apdu.type !== 'access-request') throw new Error('not a request');
    expect(runChf(fresh, 0x0003, apdu.specifications, apdu.data).results).toEqual([0]);
    const restored = chfModelOf(fresh);
    expect(restored.extendedPanId).toBe(IDS.chf);
    expect(restored.deviceLog.map((e) => [e.deviceId, e.linkKeyHash])).toEqual([
      ['00db1234567890a3', null],
      [IDS.esme, log[1]!.linkKeyHash],
      [IDS.gsme, log[2]!.linkKeyHash],
    ]);
    const ids = { oldChf: IDS.chf, newChf: fresh.eui, oldGpf: IDS.gpf, newGpf: '00db1234567890a3' };
    expect(path.gate.deviceLogRestored(ids)).toMatchObject([
      { change: 'dccAlert', alert: 'DeviceLogRestored' },
    ]);
    expect(inv.alerts(fresh.eui)).toMatchObject([{ alert: 'DeviceLogRestored', details: ids }]);
    db.close();
  });

  it('GCS62 keeps the GPF Device Log; GCS59 built from it is answered by a GPF with success per entry', () => {
    const { db, bed, path } = installed('gpf');
    const entries = [{ deviceId: IDS.gsme, deviceType: DeviceTypeCode.GSME }];
    path.gate.alerted(gpfDeviceLogBackup(bed.premises.devices.get(IDS.gpf)!, entries).bytes);
    expect(path.gate.copies.get(IDS.gpf)).toMatchObject({ kind: 'GPF', entries });
    const { gcs59 } = path.gate.restoreCommands(IDS.chf, IDS.gpf);
    expect(decodeGpfDeviceLogRestoreCommand(gcs59!)).toEqual(entries);
    const r = sendThroughDcc(path, { device: 'gpf', from: 'acb', messageCode: 0x008c, payload: gcs59! });
    expect(r.result).toBe('success');
    expect(deviceLogOf(bed.premises.devices.get(IDS.gpf)!).map((e) => [e.deviceId, e.deviceType])).toEqual([
      [IDS.gsme, DeviceTypeCode.GSME],
    ]);
    db.close();
  });
});
