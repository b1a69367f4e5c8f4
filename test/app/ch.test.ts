/**
 * `gbcs-sim ch …` as a user runs it: a hub's life through the command line with its timeline; the
 * estate simulation's summary (same seed, same summary); and SIGKILL at random moments during
 * `ch simulate` (≥ 20 kills) followed by a rerun that resumes, finishes with the uninterrupted
 * run's summary, and leaves a database that passes integrity_check and `inventory check`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCommsHubs } from '../../sim/ch/check.ts';
import { DEFAULT_CH_CONFIG } from '../../sim/ch/config.ts';
import { EstateSimulation } from '../../sim/ch/simulate.ts';
import { checkInventory, checkSqlite } from '../../sim/inventory/check.ts';
import { openDccDatabase } from '../../sim/store/dcc-database.ts';
import { runCli } from '../fixtures/cli.ts';
import { BIN } from '../fixtures/paths.ts';
import { tmpDir } from '../fixtures/sqlite.ts';

const cli = (args: string[]) => runCli(args, { timeoutMs: 180_000 });

const tmp = tmpDir('gbcs-sim-ch-cli-');
afterAll(() => tmp.cleanup());

describe('gbcs-sim ch', { timeout: 240_000 }, () => {
  const db = tmp.file('ch.db');
  const run = (...args: string[]) => cli([...args, '--db', db]);

  it("a hub's life: order → … → diagnose, JSON Lines per change, and the readable timeline", () => {
    const hub = 'cc00000000000020';
    const steps: string[][] = [
      [
        'order',
        '--region',
        'North',
        '--wan-variant',
        'Long Range Radio',
        '--han-variant',
        'dual',
        '--chf',
        hub,
        '--at',
        '2016-03-01',
      ],
      ['deliver', hub, '--at', '2016-03-04'],
      ['accept', hub, '--at', '2016-03-07'],
      ['install', hub, '--uprn', '12345', '--at', '2016-03-20'],
      ['fault', hub, '--at', '2016-06-01'],
      ['remove', hub, '--fault', 'aerial fault', '--at', '2016-06-03'],
      ['return', hub, '--at', '2016-06-10'],
      ['receive', hub, '--at', '2016-06-14'],
      ['diagnose', hub, '--outcome', 'chDefect', '--scrap', '--at', '2016-07-01'],
    ];
    expect(run('ch', 'coverage', '12345', '--wan-variant', 'Long Range Radio').code).toBe(0);
    const states = steps.map((s) => {
      const r = run('ch', ...s, '--json');
      expect([s[0], r.code, r.stderr]).toEqual([s[0], 0, '']);
      return JSON.parse(r.lines[0]!);
    });
    expect(states.map((c) => c.to)).toEqual([
      'Ordered',
      'Delivered',
      'InSupplierStock',
      'Commissioned',
      'Faulty',
      'Removed',
      'InReturn',
      'FaultDiagnosis',
      'Scrapped',
    ]);
    expect(states.at(-1)).toMatchObject({
      charge: { pence: 5875, kind: 'scrap', payer: 'DCC' },
      responsibility: 'CH Defect',
    });
    const h = run('ch', 'history', hub);
    expect(h.code).toBe(0);
    expect(h.lines[0]).toBe(
      `hub ${hub} (CHF ${hub}, GPF cc00000000000021): North, WAN Long Range Radio, HAN Dual Band`,
    );
    expect(h.lines[1]).toBe(
      'now Scrapped since 2016-07-01; charges £58.75 (F9: CH Defect); location UPRN 12345',
    );
    expect(h.lines).toContain(
      '2016-06-03 00:00    SMI CHF Commissioned             → Decommissioned  (decommission)',
    );
    expect(h.lines.at(-1)).toBe(
      '2016-07-01 00:00  diagnose               FaultDiagnosis   → Scrapped  £58.75 scrap (DCC)  outcome: chDefect, redeployable: false',
    );
    expect(run('inventory', 'check').code).toBe(0);
  });

  it('refusals exit 1 (window closed, wrong state), malformed requests and config exit 2', () => {
    expect(
      run(
        'ch',
        'order',
        '--region',
        'Central',
        '--wan-variant',
        'Cellular',
        '--han-variant',
        'single',
        '--chf',
        'cc00000000000030',
        '--at',
        '2016-03-01',
      ).code,
    ).toBe(0);
    expect(run('ch', 'deliver', 'cc00000000000030', '--at', '2016-03-04').code).toBe(0); // a Friday
    const late = run('ch', 'accept', 'cc00000000000030', '--at', '2016-03-11');
    expect([late.code, late.stderr]).toEqual([
      1,
      'gbcs-sim: ACCEPTANCE_WINDOW_CLOSED: the acceptance window of cc00000000000030 closed on 2016-03-11\n',
    ]);
    expect(run('ch', 'fault', 'cc00000000000030', '--at', '2016-03-12').stderr).toMatch(
      /^gbcs-sim: ILLEGAL_TRANSITION: /,
    );
    expect(run('ch', 'remove', 'cc00000000000030', '--at', '2016-03-12').code).toBe(2);
    expect(run('ch', 'remove', 'cc00000000000030', '--fault', 'Broken', '--at', '2016-03-12').code).toBe(2);
    const cfg = tmp.file('bad.yaml');
    writeFileSync(cfg, 'acceptanceWindowWorkingDay: 10\n');
    const bad = run('ch', 'deliver', 'cc00000000000030', '--config', cfg);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^gbcs-sim: --config .*unknown setting acceptanceWindowWorkingDay/);
    expect(run('ch', 'simulate', '--hubs', '10', '--days', '0').code).toBe(2);
    expect(run('ch', 'simulate', '--hubs', '10', '--days', '10', '--seed', 'abc').code).toBe(2);
  });

  it('simulate: the last line is the summary; the same seed gives the same summary (also through --json)', () => {
    const sim = ['ch', 'simulate', '--hubs', '60', '--days', '90', '--seed', '5'];
    const a = cli([...sim, '--db', tmp.file('s1.db')]);
    const b = cli([...sim, '--json', '--db', tmp.file('s2.db')]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const sa = JSON.parse(a.lines.at(-1)!);
    expect(JSON.parse(b.lines.at(-1)!)).toEqual(sa);
    expect(sa.summary).toMatchObject({ hubs: 60, days: 90, seed: 5, balanced: true });
    expect(b.lines.length - 1).toBe(
      b.lines.slice(0, -1).filter((l) => ['chState', 'smiStatus', 'dccAlert'].includes(JSON.parse(l).change))
        .length,
    );
    expect(b.lines.filter((l) => JSON.parse(l).change === 'chState')).toHaveLength(sa.summary.events);
  });
});

describe('ch simulate survives SIGKILL', { timeout: 600_000 }, () => {
  // Long enough (1000 virtual days, ~1 fsync each) that 20 kills, each a few tens of ms after the
  // process has committed a day, cannot finish it.
  const PARAMS = {
    hubs: 300,
    days: 1000,
    seed: 11,
    start: '2016-02-10',
    faultRate: 0.05,
    noWanRate: 0.05,
    config: { ...DEFAULT_CH_CONFIG },
  };
  const ARGS = ['ch', 'simulate', '--hubs', '300', '--days', '1000', '--seed', '11'];

  /** The committed day of the run in `file` (-1 before the run exists), read without writing. */
  function committedDay(file: string): number {
    if (!existsSync(file)) return -1;
    try {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        const r = db.prepare('SELECT next_day FROM ch_simulation WHERE id = 1').get() as
          | { next_day: number }
          | undefined;
        return r ? r.next_day : -1;
      } finally {
        db.close();
      }
    } catch {
      return -1; // the file or its schema is still being created
    }
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const exited = (c: ChildProcess) =>
    new Promise<NodeJS.Signals | number | null>((r) => c.once('exit', (code, signal) => r(signal ?? code)));

  it('killed ≥ 20 times at random moments, each time resumable; the rerun finishes with the uninterrupted summary', async () => {
    const file = tmp.file('killed.db');
    const rng = xoroshiro128plus(2026);
    const cursors: number[] = [];
    for (let kill = 0; kill < 20; kill++) {
      const before = committedDay(file);
      const child = spawn(BIN, [...ARGS, '--db', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => {
        stderr += b.toString();
      });
      const done = exited(child);
      // wait until this process has committed at least one day, then kill it a random moment later
      let alive = true;
      void done.then(() => {
        alive = false;
      });
      while (alive && committedDay(file) <= before) await sleep(5);
      expect({ kill, alive, stderr, day: committedDay(file) }).toMatchObject({ alive: true });
      await sleep(uniformInt(rng, 0, 40));
      child.kill('SIGKILL');
      expect(await done).toBe('SIGKILL');
      const day = committedDay(file);
      cursors.push(day);
      // after each kill: the file opens, passes SQLite's and the inventory's checks
      const db = openDccDatabase(file, { mustExist: true });
      expect([checkSqlite(db), checkInventory(db).problems, checkCommsHubs(db).problems]).toEqual([
        [],
        [],
        [],
      ]);
      db.close();
    }
    process.stderr.write(`committed days at the kills: ${cursors.join(' ')}\n`);
    // every kill interrupted a run in progress, which had moved on
    expect(cursors.every((d, i) => d > 0 && d < PARAMS.days && (i === 0 || d > cursors[i - 1]!))).toBe(true);

    const rerun = cli([...ARGS, '--db', file]);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toMatch(/^gbcs-sim: resuming the simulation at day \d+ of 1000/);
    const resumed = JSON.parse(rerun.lines.at(-1)!).summary;

    const ref = openDccDatabase(tmp.file('uninterrupted.db'));
    const expected = new EstateSimulation(ref, PARAMS).run();
    ref.close();
    expect(resumed).toEqual(expected);

    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    raw.close();
    const check = cli(['inventory', 'check', '--db', file]);
    expect([check.code, check.lines.at(-1)]).toEqual([
      0,
      expect.stringMatching(/^ok: integrity_check, foreign keys, 600 devices .*300 hubs/),
    ]);
  });
});
