/**
 * The DCC gate's rule (sim/dcc/gate.ts): what each SMI Status lets through, and what the answers
 * and alerts it observes do to the inventory (only from the status the transition table leaves).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCrypto } from '../../../protocol/crypto/index.ts';
import { DccGate } from '../../../sim/dcc/gate.ts';
import { type DccPath, sendThroughDcc } from '../../../sim/dcc/premises-install.ts';
import { raiseAlert } from '../../../sim/device/alerts.ts';
import { partyEui, setEsmeClockPayload } from '../../../sim/head-end/scenario.ts';
import type { SmartMeteringInventory } from '../../../sim/inventory/inventory.ts';
import { type DeviceRecord, SMI_STATUSES, type SmiStatus } from '../../../sim/inventory/smi-status.ts';
import { DEFAULT_PREMISES as IDS } from '../../../sim/premises/premises.ts';
import type { Db } from '../../../sim/store/dcc-database.ts';
import { gatedPremises } from '../../fixtures/dcc.ts';
import { dumpDb, tmpDir } from '../../fixtures/sqlite.ts';

const crypto = createCrypto('noble');
const START = Date.UTC(2026, 0, 1, 8, 0, 0);

/** A gate over an inventory holding one device in `status` (the gate reads only `get`). */
function gateFor(status: SmiStatus): DccGate {
  const record = { deviceId: IDS.esme, deviceType: 'ESME', status } as DeviceRecord;
  const inv = { get: (id: string) => (id === IDS.esme ? record : null) } as unknown as SmartMeteringInventory;
  return new DccGate(inv, { now: () => START });
}

describe('DCC gate: what each SMI Status lets through', () => {
  // ECS10 Send Message (0x0021), ECS70 (0x0062), CS03A1 (0x000d), CS02b supplierBySupplier (0x0102),
  // CS02b anyExceptAbnormalRootByRecovery (0x0108), CS02b anyByContingency (0x0109).
  const codes = [0x0021, 0x0062, 0x000d, 0x0102, 0x0108, 0x0109];
  const expected: Record<SmiStatus, string[]> = {
    Pending: Array(6).fill('DEVICE_NOT_INSTALLED'),
    Whitelisted: ['DEVICE_NOT_COMMISSIONED', 'ok', 'ok', 'ok', 'ok', 'ok'],
    InstalledNotCommissioned: ['DEVICE_NOT_COMMISSIONED', 'ok', 'ok', 'ok', 'ok', 'ok'],
    Commissioned: Array(6).fill('ok'),
    Decommissioned: Array(6).fill('DEVICE_DECOMMISSIONED'),
    Withdrawn: Array(6).fill('DEVICE_WITHDRAWN'),
    Suspended: Array(6).fill('DEVICE_SUSPENDED'),
    Recovery: [
      'DEVICE_IN_RECOVERY',
      'DEVICE_IN_RECOVERY',
      'DEVICE_IN_RECOVERY',
      'DEVICE_IN_RECOVERY',
      'ok',
      'ok',
    ],
    Recovered: Array(6).fill('ok'),
  };
  it.each(SMI_STATUSES)('%s', (status) => {
    const gate = gateFor(status);
    expect(
      codes.map((c) => {
        const v = gate.admit(IDS.esme, c);
        return v.ok ? 'ok' : v.code;
      }),
    ).toEqual(expected[status]);
  });
  it('a device the SMI does not hold: UNKNOWN_DEVICE', () => {
    expect(gateFor('Commissioned').admit(IDS.gsme, 0x0021)).toMatchObject({
      ok: false,
      code: 'UNKNOWN_DEVICE',
      status: null,
    });
  });
  it('bytes it cannot read are not its to judge', () => {
    expect(gateFor('Pending').admitBytes(Uint8Array.of(0xdd, 0x00))).toBeNull();
  });
});

describe('DCC gate: observations', () => {
  const tmp = tmpDir();
  let db: Db;
  let inv: SmartMeteringInventory;
  let path: DccPath;
  beforeEach(() => {
    ({ db, inv, path } = gatedPremises(
      tmp.file(`gate-${Math.random().toString(36).slice(2)}.db`),
      crypto,
      START,
    ));
    inv.commsHubDelivered({ deviceId: IDS.chf, deviceType: 'CHF', manufacturer: 'DCC', model: 'CH' }, START);
  });
  afterEach(() => db.close());
  afterAll(() => tmp.cleanup());

  /** The ESME taken to InstalledNotCommissioned, with `supplier` as its responsible Supplier. */
  function installedEsme(supplier: string) {
    inv.preNotify({ deviceId: IDS.esme, deviceType: 'ESME', manufacturer: 'M', model: 'E', supplier }, START);
    inv.addToHanDeviceLog(IDS.esme, { chf: IDS.chf }, START);
    inv.join(IDS.esme, START);
  }

  it("alert 0x8F69 'Device commissioned' from the meter commissions an InstalledNotCommissioned device", () => {
    installedEsme(partyEui('supplier'));
    const esme = path.premises.devices.get(IDS.esme)!;
    const alert = raiseAlert(esme, { alertCode: 0x8f69 });
    expect(alert.messageCode).toBe(0x1000); // GCA
    const o = path.gate.alerted(alert.bytes);
    expect(o.changes).toMatchObject([
      { change: 'smiStatus', event: 'commission', from: 'InstalledNotCommissioned', to: 'Commissioned' },
    ]);
    // Again: already Commissioned, nothing to do.
    const before = dumpDb(db);
    expect(path.gate.alerted(raiseAlert(esme, { alertCode: 0x8f69 }).bytes).changes).toEqual([]);
    expect(dumpDb(db)).toBe(before);
  });

  it('ECS70 by a Supplier that is not the responsible one: answered, but the inventory refuses and keeps the status', () => {
    installedEsme('1111111111111111');
    const before = dumpDb(db);
    const r = sendThroughDcc(path, {
      device: 'esme',
      from: 'supplier',
      messageCode: 0x0062,
      payload: setEsmeClockPayload(START),
    });
    expect(r).toMatchObject({ refused: false, success: true, result: 'success' });
    expect(r.observation).toMatchObject({
      changes: [],
      skipped: [{ deviceId: IDS.esme, code: 'NOT_RESPONSIBLE_SUPPLIER' }],
    });
    expect(dumpDb(db)).toBe(before);
  });

  it('a failed or unverified answer moves nothing', () => {
    installedEsme(partyEui('supplier'));
    const built = path.headEnd.buildCommand({
      originatorId: partyEui('supplier'),
      recipientId: IDS.esme,
      messageCode: 0x0062,
      payload: setEsmeClockPayload(START),
    });
    const before = dumpDb(db);
    expect(path.gate.responded(built.bytes, false)).toEqual({ changes: [], skipped: [] });
    expect(dumpDb(db)).toBe(before);
    expect(path.gate.responded(built.bytes, true).changes).toMatchObject([{ to: 'Commissioned' }]);
  });
});
