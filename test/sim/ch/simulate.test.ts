/**
 * The estate simulation: deterministic from its seed (same database, same summary), resumable
 * from any committed day with the same result, balanced, and checked by the invariant check.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { checkCommsHubs } from '../../../sim/ch/check.ts';
import { DEFAULT_CH_CONFIG } from '../../../sim/ch/config.ts';
import { CommsHubService } from '../../../sim/ch/hubs.ts';
import { EstateSimulation, type SimulationParams, simulationProblems } from '../../../sim/ch/simulate.ts';
import { checkInventory, checkSqlite } from '../../../sim/inventory/check.ts';
import { openDccDatabase } from '../../../sim/store/dcc-database.ts';
import { codeOf } from '../../fixtures/errors.ts';
import { dumpDb, tmpDir } from '../../fixtures/sqlite.ts';

const PARAMS: SimulationParams = {
  hubs: 150,
  days: 240,
  seed: 7,
  start: '2016-02-10',
  faultRate: 0.3,
  noWanRate: 0.2,
  config: { ...DEFAULT_CH_CONFIG },
};

const tmp = tmpDir();
afterAll(() => tmp.cleanup());

function fullRun(name: string, params = PARAMS) {
  const db = openDccDatabase(tmp.file(name));
  const summary = new EstateSimulation(db, params).run();
  const dump = dumpDb(db);
  return { db, summary, dump };
}

describe('ch simulate (library)', () => {
  const a = fullRun('a.db');
  afterAll(() => a.db.close());

  it('the same seed gives the same database and summary; another seed another summary', () => {
    const b = fullRun('b.db');
    expect(b.summary).toEqual(a.summary);
    expect(b.dump).toBe(a.dump);
    b.db.close();
    const c = fullRun('c.db', { ...PARAMS, seed: 8 });
    expect(c.summary).not.toEqual(a.summary);
    c.db.close();
  });

  it('the summary balances and the invariant check passes', () => {
    const s = a.summary;
    expect(s.balanced).toBe(true);
    expect(s.hubs).toBe(PARAMS.hubs);
    expect(Object.values(s.byState).reduce((x, y) => x + y, 0)).toBe(PARAMS.hubs);
    // charges: every event's charge, summed independently of the summary code
    const events = a.db.prepare('SELECT sum(charge_pence) AS n FROM ch_history').get() as { n: number };
    expect(s.charges.total).toBe(events.n);
    expect(s.charges.total).toBeGreaterThan(0);
    expect(s.charges.byPayer.Supplier + s.charges.byPayer.DCC).toBe(s.charges.total);
    // the run exercised the lifecycle: more than installation happened
    expect(s.byState.Commissioned).toBeGreaterThan(0);
    expect(s.byState.Refurbished + s.byState.Scrapped).toBeGreaterThan(0);
    expect(s.byResponsibility['DCC-requested replacement']).toBeGreaterThan(0);
    expect(checkSqlite(a.db)).toEqual([]);
    expect(checkInventory(a.db).problems).toEqual([]);
    expect(checkCommsHubs(a.db).problems).toEqual([]);
  });

  it('stopped after any committed day and reopened, the run resumes and ends exactly as the uninterrupted one', () => {
    const f = tmp.file('resumed.db');
    for (const stopAt of [1, 37, 120, 239]) {
      const db = openDccDatabase(f);
      const sim = new EstateSimulation(db, PARAMS);
      while (sim.day < stopAt) sim.step();
      db.close();
    }
    const db = openDccDatabase(f);
    const sim = new EstateSimulation(db, PARAMS);
    expect(sim.day).toBe(239);
    expect(sim.run()).toEqual(a.summary);
    expect(dumpDb(db)).toBe(a.dump);
    // rerunning a finished run just reports it
    expect(new EstateSimulation(db, PARAMS).run()).toEqual(a.summary);
    db.close();
  });

  it('refuses a database holding another run (SIM_MISMATCH) or other records (DB_NOT_EMPTY), and a start before F6–F9', () => {
    expect(codeOf(() => new EstateSimulation(a.db, { ...PARAMS, days: 241 }))).toBe('SIM_MISMATCH');
    const other = openDccDatabase(':memory:');
    new CommsHubService(other).order(
      { region: 'North', wanVariant: 'X', hanVariant: 'Single Band' },
      Date.UTC(2017, 0, 1),
    );
    expect(codeOf(() => new EstateSimulation(other, PARAMS))).toBe('DB_NOT_EMPTY');
    expect(
      codeOf(() => new EstateSimulation(openDccDatabase(':memory:'), { ...PARAMS, start: '2016-02-09' })),
    ).toBe('NOT_IN_FORCE:SECTION_F6');
    other.close();
  });

  it('parameter problems are named', () => {
    expect(simulationProblems(PARAMS)).toEqual([]);
    expect(
      simulationProblems({
        ...PARAMS,
        hubs: 0,
        days: 1.5,
        seed: -1,
        faultRate: 2,
        noWanRate: -0.1,
        start: '2016-02-30',
      }),
    ).toEqual([
      '--hubs: an integer from 1 to 1000000',
      '--days: an integer from 1 to 3650',
      '--seed: an integer from 0 to 4294967295',
      '--fault-rate: a number from 0 to 1',
      '--no-wan-rate: a number from 0 to 1',
      '--start: a date YYYY-MM-DD (got 2016-02-30)',
    ]);
  });
});
