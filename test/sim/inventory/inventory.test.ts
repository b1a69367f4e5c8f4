/**
 * The Smart Metering Inventory's operations: guards with their codes, DCC alerts, the regulatory
 * timeline, CPL suspension by Device Model, service eligibility, and the invariant check (which
 * passes after legal operations and names what a tampered file breaks).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkInventory, checkSqlite } from '../../../sim/inventory/check.ts';
import { SmartMeteringInventory } from '../../../sim/inventory/inventory.ts';
import { SMI_STATUSES, serviceEligibility } from '../../../sim/inventory/smi-status.ts';
import { RegulatoryTimeline } from '../../../sim/smki/timeline.ts';
import { type Db, openDccDatabase } from '../../../sim/store/dcc-database.ts';
import { codeOf } from '../../fixtures/errors.ts';
import { dumpDb, tmpDir } from '../../fixtures/sqlite.ts';

const DAY = 86_400_000;
const AT = Date.UTC(2017, 2, 1);
const CHF = 'c000000000000001';
const ESME = 'e000000000000001';
const GSME = 'e000000000000002';
const SUPPLIER = '90b3d51f30010000';

describe('Smart Metering Inventory operations', () => {
  const tmp = tmpDir();
  let db: Db;
  let inv: SmartMeteringInventory;
  let t: number;
  const next = () => (t += 60_000);
  beforeEach(() => {
    db = openDccDatabase(tmp.file(`inv-${Math.random().toString(36).slice(2)}.db`));
    inv = new SmartMeteringInventory(db);
    t = AT;
    inv.commsHubDelivered({ deviceId: CHF, deviceType: 'CHF', manufacturer: 'DCC', model: 'CH' }, next());
  });
  afterEach(() => db.close());
  afterAll(() => tmp.cleanup());

  /** An ESME taken to Commissioned. */
  function commissionedEsme(extra: { nonDomestic?: boolean; supplier?: string } = {}) {
    inv.preNotify(
      {
        deviceId: ESME,
        deviceType: 'ESME',
        manufacturer: 'ACME',
        model: 'E1',
        importMpxn: '1100000000001',
        ...extra,
      },
      next(),
    );
    inv.addToHanDeviceLog(ESME, { chf: CHF }, next());
    inv.join(ESME, next());
    return inv.commission(ESME, next());
  }

  /** Runs `f`, expects the refusal `code`, and that nothing in the database changed. */
  function refused(code: string, f: () => unknown) {
    const before = dumpDb(db);
    expect(codeOf(f)).toBe(code);
    expect(dumpDb(db)).toBe(before);
  }

  it('a device goes Pending → Whitelisted → InstalledNotCommissioned → Commissioned, with its CHF and DateCommissioned', () => {
    const changes = commissionedEsme();
    expect(changes).toEqual([
      {
        change: 'smiStatus',
        deviceId: ESME,
        deviceType: 'ESME',
        event: 'commission',
        srv: '8.1.1',
        from: 'InstalledNotCommissioned',
        to: 'Commissioned',
        at: t,
      },
    ]);
    expect(inv.get(ESME)).toMatchObject({
      status: 'Commissioned',
      chf: CHF,
      dateCommissioned: t,
      statusSince: t,
    });
    expect(inv.history(ESME).map((h) => h.to)).toEqual([
      'Pending',
      'Whitelisted',
      'InstalledNotCommissioned',
      'Commissioned',
    ]);
  });

  it('Update HAN Device Log needs a CHF in the SMI (CHF_NOT_IN_SMI): unknown, not a CHF, or decommissioned', () => {
    inv.preNotify({ deviceId: ESME, deviceType: 'ESME', manufacturer: 'ACME', model: 'E1' }, next());
    inv.preNotify({ deviceId: GSME, deviceType: 'GSME', manufacturer: 'ACME', model: 'G1' }, next());
    refused('CHF_NOT_IN_SMI', () => inv.addToHanDeviceLog(ESME, { chf: 'c0000000000000ff' }, next()));
    refused('CHF_NOT_IN_SMI', () => inv.addToHanDeviceLog(ESME, { chf: GSME }, next()));
    inv.apply(CHF, 'commsHubCommissioned', next());
    inv.decommission(CHF, next());
    refused('CHF_NOT_IN_SMI', () => inv.addToHanDeviceLog(ESME, { chf: CHF }, next()));
  });

  it('Service Opt Out only for non-domestic premises (NOT_NON_DOMESTIC); withdrawal raises MeterDecommissioningOrWithdrawal', () => {
    commissionedEsme();
    refused('NOT_NON_DOMESTIC', () => inv.serviceOptOut(ESME, next()));
    db.prepare('UPDATE devices SET non_domestic = 1 WHERE device_id = ?').run(ESME);
    const changes = inv.serviceOptOut(ESME, next());
    expect(changes.map((c) => (c.change === 'dccAlert' ? c.alert : c.to))).toEqual([
      'Withdrawn',
      'MeterDecommissioningOrWithdrawal',
    ]);
    expect(inv.serviceOptIn(ESME, next())[0]).toMatchObject({ from: 'Withdrawn', to: 'Commissioned' });
  });

  it('commission / decommission by another Supplier than the responsible one: NOT_RESPONSIBLE_SUPPLIER', () => {
    inv.preNotify(
      { deviceId: ESME, deviceType: 'ESME', manufacturer: 'ACME', model: 'E1', supplier: SUPPLIER },
      next(),
    );
    inv.addToHanDeviceLog(ESME, { chf: CHF }, next());
    inv.join(ESME, next());
    refused('NOT_RESPONSIBLE_SUPPLIER', () => inv.commission(ESME, next(), '90b3d51f300100ff'));
    inv.commission(ESME, next(), SUPPLIER);
    refused('NOT_RESPONSIBLE_SUPPLIER', () => inv.decommission(ESME, next(), '90b3d51f300100ff'));
  });

  it('decommissioning raises CHFDecommissioning for a CHF and MeterDecommissioningOrWithdrawal (with the MPxN) for a meter', () => {
    commissionedEsme();
    inv.apply(CHF, 'commsHubCommissioned', next());
    inv.decommission(ESME, next());
    inv.decommission(CHF, next());
    expect(inv.alerts().map((a) => [a.deviceId, a.alert, a.details])).toEqual([
      [ESME, 'MeterDecommissioningOrWithdrawal', { importMpxn: '1100000000001' }],
      [CHF, 'CHFDecommissioning', null],
    ]);
  });

  it('a device named as CHF (or by a hub record) cannot be deleted (DEVICE_REFERENCED); a Pending one can, with DeviceRemovedFromInventory', () => {
    inv.preNotify({ deviceId: ESME, deviceType: 'ESME', manufacturer: 'ACME', model: 'E1' }, next());
    inv.addToHanDeviceLog(ESME, { chf: CHF }, next());
    refused('DEVICE_REFERENCED', () => inv.deleteDevice(CHF, next()));
    inv.preNotify({ deviceId: GSME, deviceType: 'GSME', manufacturer: 'ACME', model: 'G1' }, next());
    const changes = inv.deleteDevice(GSME, next());
    expect(changes.map((c) => c.change)).toEqual(['smiStatus', 'dccAlert']);
    expect(changes[0]).toMatchObject({ from: 'Pending', to: null });
    expect(inv.get(GSME)).toBeNull();
    expect(inv.alerts(GSME).map((a) => a.alert)).toEqual(['DeviceRemovedFromInventory']);
    expect(codeOf(() => inv.history(GSME))).toBe('UNKNOWN_DEVICE');
  });

  it("an operation dated before the device's latest event is refused OUT_OF_ORDER", () => {
    commissionedEsme();
    refused('OUT_OF_ORDER', () => inv.decommission(ESME, t - 1));
    expect(inv.decommission(ESME, t)[0]).toMatchObject({ to: 'Decommissioned' });
  });

  it('CPL: a Device Model leaves and returns; devices restore to their own previous status; Decommissioned ones stay', () => {
    commissionedEsme();
    inv.preNotify({ deviceId: GSME, deviceType: 'GSME', manufacturer: 'ACME', model: 'E1' }, next());
    inv.preNotify(
      { deviceId: 'e000000000000003', deviceType: 'ESME', manufacturer: 'ACME', model: 'E1' },
      next(),
    );
    inv.addToHanDeviceLog('e000000000000003', { chf: CHF }, next());
    inv.join('e000000000000003', next());
    inv.commission('e000000000000003', next());
    inv.decommission('e000000000000003', next());
    const out = inv.cplModel('suspend', 'ACME', 'E1', next());
    expect(out.filter((c) => c.change === 'dccAlert').map((c) => [c.deviceId, c.alert])).toEqual([
      [ESME, 'DeviceSuspended'],
      [GSME, 'DeviceSuspended'],
    ]);
    expect(inv.get(ESME)).toMatchObject({ status: 'Suspended', previousStatus: 'Commissioned' });
    expect(serviceEligibility('Suspended')).toEqual({ access: 'none', reason: 'DEVICE_SUSPENDED' });
    refused('ILLEGAL_TRANSITION', () => inv.cplSuspend(ESME, next()));
    inv.cplModel('restore', 'ACME', 'E1', next());
    expect([inv.get(ESME)!.status, inv.get(GSME)!.status, inv.get('e000000000000003')!.status]).toEqual([
      'Commissioned',
      'Pending',
      'Decommissioned',
    ]);
    expect(inv.get(ESME)!.previousStatus).toBeNull();
    expect(inv.alerts().filter((a) => a.alert === 'DeviceRestored')).toHaveLength(2);
  });

  it('Update Inventory (8.4) status values outside its enumerations are bad input (BAD_VALUE)', () => {
    inv.preNotify({ deviceId: ESME, deviceType: 'ESME', manufacturer: 'ACME', model: 'E1' }, next());
    for (const s of ['Whitelisted', 'Decommissioned', 'Suspended', 'Recovery', 'Recovered'] as const)
      refused('BAD_VALUE', () => inv.updateStatus(ESME, s, next()));
  });

  it('pre-notification input is validated (DUIS lengths; IHD and CAD have no SMI Status): BAD_VALUE, nothing written', () => {
    refused('BAD_VALUE', () =>
      inv.preNotify(
        { deviceId: 'E0000000000000', deviceType: 'ESME', manufacturer: 'A', model: 'B' },
        next(),
      ),
    );
    refused('BAD_VALUE', () =>
      inv.preNotify({ deviceId: ESME, deviceType: 'IHD' as 'ESME', manufacturer: 'A', model: 'B' }, next()),
    );
    refused('BAD_VALUE', () =>
      inv.preNotify({ deviceId: ESME, deviceType: 'ESME', manufacturer: 'x'.repeat(31), model: 'B' }, next()),
    );
    refused('BAD_VALUE', () =>
      inv.preNotify(
        { deviceId: ESME, deviceType: 'ESME', manufacturer: 'A', model: 'B', firmwareVersion: '123456789' },
        next(),
      ),
    );
  });

  it('service eligibility per SMI Status (§4.3, assumed)', () => {
    expect(Object.fromEntries(SMI_STATUSES.map((s) => [s, serviceEligibility(s).access]))).toEqual({
      Pending: 'none',
      Whitelisted: 'installation',
      InstalledNotCommissioned: 'installation',
      Commissioned: 'all',
      Decommissioned: 'none',
      Withdrawn: 'none',
      Suspended: 'none',
      Recovery: 'recovery-only',
      Recovered: 'all',
    });
  });

  it('the invariant check passes after legal operations and names what a tampered file breaks', () => {
    commissionedEsme({ nonDomestic: true });
    inv.cplSuspend(ESME, next());
    expect(checkSqlite(db)).toEqual([]);
    expect(checkInventory(db).problems).toEqual([]);
    db.prepare(
      "UPDATE devices SET smi_status = 'Commissioned', previous_status = NULL WHERE device_id = ?",
    ).run(ESME);
    expect(checkInventory(db).problems).toEqual([
      `device ${ESME}: Commissioned but its history ends at Suspended`,
    ]);
    db.prepare(
      "UPDATE smi_history SET from_status = 'Pending' WHERE device_id = ? AND event = 'commission'",
    ).run(ESME);
    expect(checkInventory(db).problems).toContain(
      `device ${ESME}: history entry 5 leaves Pending but the previous entry reached InstalledNotCommissioned`,
    );
    db.pragma('foreign_keys = OFF');
    db.prepare("UPDATE devices SET chf_id = 'c0000000000000ff' WHERE device_id = ?").run(ESME);
    expect(checkSqlite(db)).toEqual(['foreign key: devices row 2 names a missing devices']);
  });
});

describe('the regulatory timeline gates the inventory', () => {
  it('nothing before SEC F6–F9 take effect (2016-02-10, assumed start of the simulated DCC); the day itself is fine', () => {
    const inv = new SmartMeteringInventory(openDccDatabase(':memory:'));
    const p = { deviceId: ESME, deviceType: 'ESME' as const, manufacturer: 'A', model: 'B' };
    expect(codeOf(() => inv.preNotify(p, Date.UTC(2016, 1, 9, 23, 59)))).toBe('NOT_IN_FORCE:SECTION_F6');
    expect(inv.get(ESME)).toBeNull();
    expect(inv.preNotify(p, Date.UTC(2016, 1, 10))[0]).toMatchObject({ to: 'Pending' });
    inv.db.close();
  });

  it("'recovery' / 'recovered' only from Service Release 1.3 (default 2016-11-07; configurable)", () => {
    const run = (timeline?: RegulatoryTimeline) => {
      const inv = new SmartMeteringInventory(openDccDatabase(':memory:'), timeline ? { timeline } : {});
      const t = Date.UTC(2016, 2, 1);
      inv.commsHubDelivered({ deviceId: CHF, deviceType: 'CHF', manufacturer: 'DCC', model: 'CH' }, t);
      inv.apply(CHF, 'commsHubCommissioned', t + DAY);
      return inv;
    };
    const inv = run();
    expect(codeOf(() => inv.startRecovery(CHF, Date.UTC(2016, 10, 6)))).toBe(
      'NOT_IN_FORCE:SMI_STATUS_RECOVERY',
    );
    expect(inv.get(CHF)!.status).toBe('Commissioned');
    expect(inv.startRecovery(CHF, Date.UTC(2016, 10, 7))[0]).toMatchObject({
      from: 'Commissioned',
      to: 'Recovery',
    });
    expect(serviceEligibility('Recovery').access).toBe('recovery-only');
    const done = inv.completeRecovery(CHF, Date.UTC(2016, 10, 8), { acbCredentials: true });
    expect(done.map((c) => (c.change === 'dccAlert' ? c.alert : c.to))).toEqual([
      'Recovered',
      'RecoveryCompleteACBCredentials',
    ]);
    expect(inv.startRecovery(CHF, Date.UTC(2016, 10, 9))[0]).toMatchObject({
      from: 'Recovered',
      to: 'Recovery',
    });
    expect(
      inv
        .completeRecovery(CHF, Date.UTC(2016, 10, 10))
        .map((c) => (c.change === 'dccAlert' ? c.alert : c.to)),
    ).toEqual(['Recovered', 'RecoveryComplete']);
    inv.db.close();

    const early = run(new RegulatoryTimeline({ secL3: '2016-03-01', serviceRelease13: '2016-04-01' }));
    expect(early.startRecovery(CHF, Date.UTC(2016, 3, 1))[0]).toMatchObject({ to: 'Recovery' });
    early.db.close();
  });
});
