/**
 * The Communications Hub lifecycle, table-driven over every (state, event) pair on a real SQLite
 * file. Expected outcomes are written from the reference's lifecycle table (§5.3) independently of
 * `CH_TRANSITIONS`; a refused pair leaves the database file byte-identical.
 */
import { copyFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommsHubService } from '../../../sim/ch/hubs.ts';
import { CH_EVENTS, CH_STATES, type ChEvent, type ChParams, type ChState } from '../../../sim/ch/machine.ts';
import { openDccDatabase } from '../../../sim/store/dcc-database.ts';
import { dumpDb, fileBytes, tmpDir } from '../../fixtures/sqlite.ts';

const T0 = Date.UTC(2017, 0, 2); // a Monday
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HUB = 'cc00000000000010';
const COVERED = '100';
const NOT_COVERED = '200';

/** Timer events are tried a year after the fixture's last event (their windows have elapsed); others an hour after. */
const LATE: ReadonlySet<ChEvent> = new Set([
  'deemedAccepted',
  'notReturned',
  'installLeaveResolution',
  'installationEndPassed',
]);

const PARAMS: Partial<Record<ChEvent, ChParams>> = {
  install: { uprn: COVERED },
  reject: { rejectionReason: 'damaged' },
  remove: { faultReason: 'LED Fault' },
  diagnose: { outcome: 'noFaultFound', redeployable: true },
};

/** From §5.3: state → event → next state or refusal code; anything not listed is ILLEGAL_TRANSITION. */
const EXPECTED: Partial<Record<ChState, Partial<Record<ChEvent, string>>>> = {
  Ordered: { dispatch: 'InTransit', deliver: 'Delivered' },
  InTransit: { deliver: 'Delivered' },
  Delivered: { accept: 'InSupplierStock', reject: 'Rejected', deemedAccepted: 'InSupplierStock' },
  InSupplierStock: {
    install: 'Commissioned',
    remove: 'Removed',
    installationEndPassed: 'MustReturn',
    lostOrStolen: 'Lost',
  },
  // the fixture's location has no SM WAN yet: connecting is refused by the coverage guard
  InstalledNoWAN: {
    wanConnected: 'NO_SM_WAN',
    installLeaveResolution: 'Removed',
    remove: 'Removed',
    lostOrStolen: 'Lost',
  },
  Commissioned: { fault: 'Faulty', remove: 'Removed', lostOrStolen: 'Lost' },
  Faulty: { remoteFix: 'Commissioned', remove: 'Removed', lostOrStolen: 'Lost' },
  MustReturn: { shipReturn: 'InReturn', notReturned: 'Lost', lostOrStolen: 'Lost' },
  Removed: { shipReturn: 'InReturn', notReturned: 'Lost', lostOrStolen: 'Lost' },
  InReturn: { receive: 'FaultDiagnosis' },
  FaultDiagnosis: { diagnose: 'Refurbished' },
  // Rejected, Refurbished, Scrapped, Lost: terminal
};

/** Legal paths into each state, from §5.3. */
const PATHS: Record<ChState, Array<[ChEvent, ChParams?]>> = {
  Ordered: [],
  InTransit: [['dispatch']],
  Delivered: [['dispatch'], ['deliver']],
  Rejected: [['deliver'], ['reject', { rejectionReason: 'wrong variant' }]],
  InSupplierStock: [['deliver'], ['accept']],
  InstalledNoWAN: [['deliver'], ['accept'], ['install', { uprn: NOT_COVERED }]],
  Commissioned: [['deliver'], ['accept'], ['install', { uprn: COVERED }]],
  Faulty: [['deliver'], ['accept'], ['install', { uprn: COVERED }], ['fault']],
  MustReturn: [['deliver'], ['accept'], ['installationEndPassed']],
  Removed: [
    ['deliver'],
    ['accept'],
    ['install', { uprn: COVERED }],
    ['remove', { noFaultType: 'No Fault Return (general)' }],
  ],
  InReturn: [['deliver'], ['accept'], ['remove', { faultReason: 'Damaged case' }], ['shipReturn']],
  FaultDiagnosis: [
    ['deliver'],
    ['accept'],
    ['remove', { faultReason: 'Damaged case' }],
    ['shipReturn'],
    ['receive'],
  ],
  Refurbished: [
    ['deliver'],
    ['accept'],
    ['remove', { faultReason: 'Damaged case' }],
    ['shipReturn'],
    ['receive'],
    ['diagnose', { outcome: 'supplierResponsible', redeployable: true }],
  ],
  Scrapped: [
    ['deliver'],
    ['accept'],
    ['remove', { faultReason: 'Damaged case' }],
    ['shipReturn'],
    ['receive'],
    ['diagnose', { outcome: 'supplierResponsible', redeployable: false }],
  ],
  Lost: [['deliver'], ['accept'], ['lostOrStolen']],
};

function reach(ch: CommsHubService, state: ChState): void {
  ch.setCoverage({ uprn: COVERED, smWanAvailable: true, wanVariant: 'Cellular' });
  ch.setCoverage({ uprn: NOT_COVERED, smWanAvailable: false, wanVariant: null });
  ch.order(
    {
      hubId: HUB,
      region: 'Central',
      wanVariant: 'Cellular',
      hanVariant: 'Dual Band',
      installationEnd: T0 + 30 * DAY,
    },
    T0,
  );
  let t = T0;
  for (const [event, params] of PATHS[state]) {
    t = event === 'installationEndPassed' ? T0 + 31 * DAY : t + HOUR;
    ch.apply(HUB, event, t, params ?? {});
  }
}

describe('CH lifecycle: every (state, event) on a real SQLite file', () => {
  const tmp = tmpDir();
  const templates = new Map<ChState, string>();
  beforeAll(() => {
    for (const state of CH_STATES) {
      const f = tmp.file(`${state}.db`);
      const db = openDccDatabase(f);
      const ch = new CommsHubService(db);
      reach(ch, state);
      expect(ch.get(HUB)!.state).toBe(state);
      db.close();
      templates.set(state, f);
    }
  });
  afterAll(() => tmp.cleanup());

  let n = 0;
  for (const state of CH_STATES)
    for (const event of CH_EVENTS.filter((e) => e !== 'order')) {
      const expected = EXPECTED[state]?.[event] ?? 'ILLEGAL_TRANSITION';
      const legal = (CH_STATES as readonly string[]).includes(expected);
      it(`${state} --${event}--> ${expected}`, () => {
        const f = tmp.file(`case-${n++}.db`);
        copyFileSync(templates.get(state)!, f);
        const before = fileBytes(f);
        const db = openDccDatabase(f, { mustExist: true });
        const ch = new CommsHubService(db);
        const dump = dumpDb(db);
        const last = ch.history(HUB).at(-1)!.at;
        const at = last + (LATE.has(event) ? 365 * DAY : HOUR);
        let outcome: string;
        try {
          ch.apply(HUB, event, at, PARAMS[event] ?? {});
          outcome = ch.get(HUB)!.state;
        } catch (e) {
          outcome = (e as { code: string }).code;
        }
        expect(outcome).toBe(expected);
        if (legal) {
          expect(ch.history(HUB).at(-1)).toMatchObject({ event, from: state, to: expected, at });
          db.close();
        } else {
          expect(dumpDb(db)).toBe(dump);
          db.close();
          expect(fileBytes(f).equals(before)).toBe(true);
        }
      });
    }

  it('order of a hub already on record is refused HUB_EXISTS; any other event on an unknown hub UNKNOWN_HUB', () => {
    const db = openDccDatabase(':memory:');
    const ch = new CommsHubService(db);
    reach(ch, 'Ordered');
    const dump = dumpDb(db);
    expect(() =>
      ch.order({ hubId: HUB, region: 'North', wanVariant: 'X', hanVariant: 'Single Band' }, T0 + DAY),
    ).toThrowError(expect.objectContaining({ code: 'HUB_EXISTS' }));
    for (const e of CH_EVENTS.filter((x) => x !== 'order'))
      expect(() => ch.apply('cc000000000000ff', e, T0 + DAY, PARAMS[e] ?? {})).toThrowError(
        expect.objectContaining({ code: 'UNKNOWN_HUB' }),
      );
    expect(dumpDb(db)).toBe(dump);
    db.close();
  });
});
