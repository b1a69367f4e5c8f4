/**
 * The SMI Status machine, table-driven over every (Device Type, SMI Status, event) triple, on a real
 * SQLite file. The expected outcomes below are written from the reference's transition table
 * (`smki-recovery-ch-domain.md` §4.3, rows 1–17, and DUIS v5.4 UpdateInventory), independently of
 * `SMI_TRANSITIONS`. A refused triple must leave the database file byte-identical.
 */
import { copyFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmartMeteringInventory } from '../../../sim/inventory/inventory.ts';
import {
  SMI_EVENTS,
  SMI_STATUSES,
  type SmiEvent,
  type SmiStatus,
} from '../../../sim/inventory/smi-status.ts';
import { openDccDatabase } from '../../../sim/store/dcc-database.ts';
import { dumpDb, fileBytes, tmpDir } from '../../fixtures/sqlite.ts';

const T0 = Date.UTC(2017, 0, 2);
const AT = Date.UTC(2017, 5, 1);
const HOUR = 3_600_000;

const LOG_CHF = 'c000000000000001';
const SUBJECT = { ESME: 'e000000000000001', CHF: 'c000000000000002' } as const;
type SubjectType = keyof typeof SUBJECT;

const P = 'Pending';
const W = 'Whitelisted';
const I = 'InstalledNotCommissioned';
const C = 'Commissioned';
const D = 'Decommissioned';
const X = 'Withdrawn';
const S = 'Suspended';
const R = 'Recovery';
const V = 'Recovered';
const ALL: SmiStatus[] = [P, W, I, C, D, X, S, R, V];
const every = (to: string, except: SmiStatus[] = []) =>
  Object.fromEntries(ALL.filter((s) => !except.includes(s)).map((s) => [s, to === 'same' ? s : to]));

/**
 * Expected outcome per (type, event, status): the new status, 'deleted', or a refusal code. A status
 * not listed is ILLEGAL_TRANSITION. Creation events are covered in their own test.
 */
const EXPECTED: Record<SubjectType, Partial<Record<SmiEvent, Partial<Record<SmiStatus, string>>>>> = {
  ESME: {
    hanDeviceLogAdd: { [P]: W }, // row 3
    join: { [W]: I }, // row 4
    updateStatusPending: { [W]: P, [I]: P }, // row 5
    updateStatusInstalledNotCommissioned: { [W]: I, [P]: 'NOT_A_COMMS_HUB_DEVICE' }, // row 4 (8.4); from Pending only a CH
    updateStatusCommissioned: {
      [P]: 'NOT_A_COMMS_HUB_DEVICE',
      [I]: 'NOT_A_COMMS_HUB_DEVICE',
      [X]: 'NOT_A_COMMS_HUB_DEVICE',
    },
    updateStatusWithdrawn: { [C]: 'NOT_A_COMMS_HUB_DEVICE', [I]: 'NOT_A_COMMS_HUB_DEVICE' },
    updateDeviceDetails: every('same'),
    updateMpxn: every('same'),
    commission: { [I]: C }, // row 6
    commsHubCommissioned: { [P]: 'NOT_A_COMMS_HUB_DEVICE', [I]: 'NOT_A_COMMS_HUB_DEVICE' },
    commsHubInstalledNoWan: { [P]: 'NOT_A_COMMS_HUB_DEVICE' },
    decommission: { [C]: D, [I]: D, [V]: D }, // rows 9, 16
    serviceOptOut: { [C]: X, [V]: X }, // rows 10, 16
    serviceOptIn: { [X]: C }, // row 11
    cplSuspend: every(S, [D, S]), // row 12
    cplRestore: { [S]: C }, // row 13: back to the status before (Commissioned in the fixture)
    recovery: { [C]: R, [V]: R }, // rows 14, 16
    recovered: { [R]: V }, // row 15
    deleteDevice: { [P]: 'deleted' }, // row 17
  },
  CHF: {
    hanDeviceLogAdd: { [P]: 'COMMS_HUB_DEVICE' },
    join: {},
    updateStatusPending: { [I]: 'COMMS_HUB_DEVICE' },
    updateStatusInstalledNotCommissioned: { [P]: I }, // UpdateDeviceStatusCH
    updateStatusCommissioned: { [P]: C, [I]: C, [X]: C },
    updateStatusWithdrawn: { [C]: X, [I]: X },
    updateDeviceDetails: every('same'),
    updateMpxn: every('NOT_A_METER'),
    commission: { [I]: 'COMMS_HUB_DEVICE' },
    commsHubCommissioned: { [P]: C, [I]: C }, // row 7
    commsHubInstalledNoWan: { [P]: I }, // row 8
    decommission: { [C]: D, [I]: D, [V]: D },
    serviceOptOut: { [C]: 'NOT_A_METER', [V]: 'NOT_A_METER' },
    serviceOptIn: { [X]: 'NOT_A_METER' },
    cplSuspend: every(S, [D, S]),
    cplRestore: { [S]: C },
    recovery: { [C]: R, [V]: R },
    recovered: { [R]: V },
    deleteDevice: { [P]: 'deleted' },
  },
};

const CREATION: readonly SmiEvent[] = ['preNotification', 'commsHubDelivered'];
const STATE_EVENTS = SMI_EVENTS.filter((e) => !CREATION.includes(e));

/** Drives a fresh inventory's subject of `type` into `status` by legal operations. */
function reach(inv: SmartMeteringInventory, type: SubjectType, status: SmiStatus): void {
  let t = T0;
  const next = () => (t += HOUR);
  inv.commsHubDelivered({ deviceId: LOG_CHF, deviceType: 'CHF', manufacturer: 'M', model: 'CH' }, next());
  const id = SUBJECT[type];
  if (type === 'ESME') {
    inv.preNotify(
      { deviceId: id, deviceType: 'ESME', manufacturer: 'M', model: 'E', nonDomestic: true },
      next(),
    );
    if (status === P) return;
    inv.addToHanDeviceLog(id, { chf: LOG_CHF }, next());
    if (status === W) return;
    inv.join(id, next());
    if (status === I) return;
    inv.commission(id, next());
    if (status === X) inv.serviceOptOut(id, next());
  } else {
    inv.commsHubDelivered({ deviceId: id, deviceType: 'CHF', manufacturer: 'M', model: 'CH' }, next());
    if (status === P) return;
    if (status === W) throw new Error('a CHF is never Whitelisted');
    if (status === I) {
      inv.apply(id, 'commsHubInstalledNoWan', next());
      return;
    }
    inv.apply(id, 'commsHubCommissioned', next());
    if (status === X) inv.updateStatus(id, X, next());
  }
  if (status === D) inv.decommission(id, next());
  if (status === S) inv.cplSuspend(id, next());
  if (status === R || status === V) inv.startRecovery(id, next());
  if (status === V) inv.completeRecovery(id, next());
}

const PARAMS: Partial<Record<SmiEvent, object>> = { hanDeviceLogAdd: { chf: LOG_CHF } };
const FIELDS: Partial<Record<SmiEvent, object>> = {
  updateDeviceDetails: { firmwareVersion: '2.0' },
  updateMpxn: { importMpxn: '1234567890123' },
};

describe('SMI Status machine: every (type, status, event) on a real SQLite file', () => {
  const tmp = tmpDir();
  const templates = new Map<string, string>();
  beforeAll(() => {
    for (const type of ['ESME', 'CHF'] as const)
      for (const status of ALL) {
        if (type === 'CHF' && status === W) continue;
        const f = tmp.file(`${type}-${status}.db`);
        const db = openDccDatabase(f);
        const inv = new SmartMeteringInventory(db);
        reach(inv, type, status);
        expect(inv.get(SUBJECT[type])!.status).toBe(status);
        db.close();
        templates.set(`${type}/${status}`, f);
      }
  });
  afterAll(() => tmp.cleanup());

  let n = 0;
  for (const type of ['ESME', 'CHF'] as const)
    for (const status of ALL)
      for (const event of STATE_EVENTS) {
        const expected = EXPECTED[type][event]?.[status] ?? 'ILLEGAL_TRANSITION';
        const legal = ALL.includes(expected as SmiStatus) || expected === 'deleted';
        const name = `${type} ${status} --${event}--> ${expected}`;
        // A CHF never reaches Whitelisted (hanDeviceLogAdd refuses it: COMMS_HUB_DEVICE, above).
        if (type === 'CHF' && status === W) continue;
        it(name, () => {
          const f = tmp.file(`case-${n++}.db`);
          copyFileSync(templates.get(`${type}/${status}`)!, f);
          const before = fileBytes(f);
          const db = openDccDatabase(f, { mustExist: true });
          const inv = new SmartMeteringInventory(db);
          const dump = dumpDb(db);
          const id = SUBJECT[type];
          let outcome: string;
          try {
            inv.apply(id, event, AT, PARAMS[event] ?? {}, FIELDS[event] ?? {});
            outcome = inv.get(id)?.status ?? 'deleted';
          } catch (e) {
            outcome = (e as { code: string }).code;
          }
          expect(outcome).toBe(expected);
          if (legal) {
            if (expected !== 'deleted') {
              const last = inv.history(id).at(-1)!;
              expect(last).toMatchObject({ event, from: status, to: expected, at: AT });
            }
            db.close();
          } else {
            expect(dumpDb(db)).toBe(dump);
            db.close();
            expect(fileBytes(f).equals(before)).toBe(true);
          }
        });
      }
});

describe('SMI Status machine: creation events', () => {
  const tmp = tmpDir();
  afterAll(() => tmp.cleanup());

  it.each([
    ['preNotification', 'ESME', 'Pending'],
    ['preNotification', 'CHF', 'Pending'],
    ['commsHubDelivered', 'CHF', 'Pending'],
    ['commsHubDelivered', 'GPF', 'Pending'],
    ['commsHubDelivered', 'ESME', 'NOT_A_COMMS_HUB_DEVICE'],
  ] as const)('%s of a new %s → %s (row 1, row 2)', (event, type, expected) => {
    const db = openDccDatabase(tmp.file(`${event}-${type}.db`));
    const inv = new SmartMeteringInventory(db);
    const p = { deviceId: '0000000000000009', deviceType: type, manufacturer: 'M', model: 'X' };
    let outcome: string;
    try {
      if (event === 'preNotification') inv.preNotify(p, AT);
      else inv.commsHubDelivered(p, AT);
      outcome = inv.get(p.deviceId)!.status;
    } catch (e) {
      outcome = (e as { code: string }).code;
    }
    expect(outcome).toBe(expected);
    db.close();
  });

  it.each(SMI_STATUSES.filter((s) => s !== 'Whitelisted'))(
    'creation events on a CHF already in the SMI (%s) are refused DEVICE_EXISTS, nothing written',
    (status) => {
      const f = tmp.file(`exists-${status}.db`);
      const db = openDccDatabase(f);
      const inv = new SmartMeteringInventory(db);
      reach(inv, 'CHF', status);
      const dump = dumpDb(db);
      const p = { deviceId: SUBJECT.CHF, deviceType: 'CHF' as const, manufacturer: 'M', model: 'X' };
      for (const f of [() => inv.preNotify(p, AT), () => inv.commsHubDelivered(p, AT)])
        expect(() => f()).toThrowError(expect.objectContaining({ code: 'DEVICE_EXISTS' }));
      expect(dumpDb(db)).toBe(dump);
      db.close();
    },
  );

  it.each(STATE_EVENTS)('%s on an EUI not in the SMI is refused UNKNOWN_DEVICE', (event) => {
    const db = openDccDatabase(':memory:');
    const inv = new SmartMeteringInventory(db);
    const dump = dumpDb(db);
    expect(() => inv.apply('00000000000000ff', event, AT, PARAMS[event] ?? {})).toThrowError(
      expect.objectContaining({ code: 'UNKNOWN_DEVICE' }),
    );
    expect(dumpDb(db)).toBe(dump);
    db.close();
  });
});
