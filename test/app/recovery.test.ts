/**
 * `gbcs-sim recovery …` as a user runs it: a drill with JSON Lines per phase and the summary line;
 * bad input (unknown key, a key no device holds, a method not available at --as-of, bad numbers,
 * resume without a drill, a second drill in the same database) — one line on stderr, the right
 * exit status, nothing written; SIGKILL at random moments during a drill then `--resume`: the
 * drill finishes, no device half-replaced, counts balanced; an incident step by step on the drill's
 * estate, its status and files.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkInventory, checkSqlite } from '../../sim/inventory/check.ts';
import { openDccDatabase } from '../../sim/store/dcc-database.ts';
import { runCli } from '../fixtures/cli.ts';
import { BIN } from '../fixtures/paths.ts';
import { tmpDir } from '../fixtures/sqlite.ts';

const cli = (args: string[]) => runCli(args, { timeoutMs: 300_000 });
const tmp = tmpDir('gbcs-sim-recovery-cli-');
afterAll(() => tmp.cleanup());

describe('gbcs-sim recovery', { timeout: 600_000 }, () => {
  const db = tmp.file('drill.db');

  it('drill: one JSON line per phase, then the summary', () => {
    const r = cli([
      'recovery',
      'drill',
      '--premises',
      '4',
      '--compromise',
      'supplier-ds',
      '--method',
      '2',
      '--as-of',
      '2017-01-02',
      '--db',
      db,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const objs = r.lines.map((l) => JSON.parse(l));
    expect(objs.map((o) => o.phase ?? 'summary')).toEqual([
      'estate',
      ...Array(7).fill('incident'),
      'execute',
      'incident',
      'incident',
      'summary',
    ]);
    expect(objs.filter((o) => o.phase === 'incident').map((o) => o.event)).toEqual([
      'report',
      'confirm',
      'decide',
      'approve',
      'approve',
      'approve',
      'execute',
      'complete',
      'close',
    ]);
    const { summary } = objs.at(-1)!;
    expect(summary).toMatchObject({
      premises: 4,
      compromise: 'supplier-ds',
      method: '2',
      case: 'R2',
      relevantDevices: 12,
      recovered: 12,
      failed: 0,
      acceptedCompromisedKeyAfterRecovery: 0,
      halfReplaced: 0,
      smiStatusCounts: expect.objectContaining({ Commissioned: 4, Recovered: 12 }),
      wallSeconds: expect.any(Number),
    });
    expect(existsSync(`${db}.state`)).toBe(true);
    const d = openDccDatabase(db);
    expect(checkSqlite(d)).toEqual([]);
    expect(checkInventory(d).problems).toEqual([]);
    d.close();
  });

  it('bad input: one line, exit 2 (usage) or 1 (refused), nothing written', () => {
    const fresh = tmp.file('bad.db');
    const cases: Array<[string[], number, RegExp]> = [
      [['--compromise', 'nobody-ds'], 2, /--compromise: one of supplier-ds/],
      [['--compromise', 'supplier-ds', '--premises', '0'], 2, /--premises: an integer from 1/],
      [['--compromise', 'supplier-ds', '--method', '7'], 2, /--method: one of 1 \| 2 \| 3 \| contingency/],
      [['--compromise', 'supplier-ds', '--as-of', '2016-13-01'], 2, /--as-of: not a date/],
      [
        ['--compromise', 'wan-provider-ka'],
        1,
        /^gbcs-sim: KEY_NOT_HELD: no device holds the WAN Provider’s key-agreement key/,
      ],
      [
        ['--compromise', 'supplier-ds', '--method', '2', '--as-of', '2016-06-01'],
        1,
        /^gbcs-sim: NOT_IN_FORCE:RECOVERY_PRIVATE_KEY_STEPS: Method 2: .* only from 2016-11-07 \(DECC direction 8 Feb 2016, variation \(b\)\(ii\).*offered on 2016-06-01: Method 1$/,
      ],
      [
        ['--compromise', 'root', '--as-of', '2016-06-01'],
        1,
        /^gbcs-sim: NOT_IN_FORCE:CONTINGENCY_PRIVATE_KEY_STEPS: no method is available for root/,
      ],
    ];
    for (const [args, code, line] of cases) {
      const r = cli([
        'recovery',
        'drill',
        '--premises',
        args.includes('--premises') ? args[args.indexOf('--premises') + 1]! : '2',
        ...args.filter((a, i) => a !== '--premises' && args[i - 1] !== '--premises'),
        '--db',
        fresh,
      ]);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trim(), args.join(' ')).toMatch(line);
      expect(r.stdout).toBe('');
      expect(existsSync(fresh), args.join(' ')).toBe(false);
      expect(existsSync(`${fresh}.state`), args.join(' ')).toBe(false);
    }
    // The drill's own advice, not the inventory's ("create one with inventory add or ch order").
    expect(cli(['recovery', 'drill', '--resume', '--db', fresh])).toMatchObject({
      code: 2,
      stderr: `gbcs-sim: DB_NOT_FOUND: no database at ${fresh}: no drill to resume (start one with recovery drill --premises N --compromise KEY --db ${fresh})\n`,
    });
    const again = cli(['recovery', 'drill', '--premises', '2', '--compromise', 'supplier-ds', '--db', db]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^gbcs-sim: DRILL_EXISTS: .* holds a drill: continue it with --resume/);
  });

  it('a database holding devices the drill did not create is refused (DB_NOT_EMPTY, exit 2, nothing written)', () => {
    const used = tmp.file('inventory.db');
    const add = cli([
      'inventory',
      'add',
      '00db123456780001',
      '--type',
      'ESME',
      '--manufacturer',
      'Acme',
      '--model',
      'M1',
      '--firmware',
      '1',
      '--mpxn',
      '1234',
      '--db',
      used,
    ]);
    expect(add.code).toBe(0);
    const r = cli(['recovery', 'drill', '--premises', '2', '--compromise', 'supplier-ds', '--db', used]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `gbcs-sim: DB_NOT_EMPTY: ${used} already holds 1 devices or hubs the drill did not create: run the drill into a new --db\n`,
    );
    expect(r.stdout).toBe('');
    expect(existsSync(`${used}.state`)).toBe(false);
  });

  it('a drill run with --ephemeral: neither --resume nor a re-run can use its database, and both say what to do', () => {
    const eph = tmp.file('ephemeral.db');
    const drill = [
      'recovery',
      'drill',
      '--premises',
      '2',
      '--compromise',
      'supplier-ds',
      '--ephemeral',
      '--db',
      eph,
    ];
    const run = cli(drill);
    expect(run.code).toBe(0);
    const resume = cli(['recovery', 'drill', '--resume', '--db', eph]);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toBe(
      `gbcs-sim: STATE_MISSING: the drill's device state is not in ${eph}.state: give the --state the drill ran with; a drill run with --ephemeral cannot be resumed: delete ${eph} or use another --db\n`,
    );
    const rerun = cli(drill);
    expect(rerun.code).toBe(2);
    expect(rerun.stderr).toBe(
      `gbcs-sim: DRILL_EXISTS: ${eph} holds a drill: continue it with --resume (a drill run with --ephemeral cannot be resumed: delete ${eph} or use another --db)\n`,
    );
  });

  it('an incident step by step on the drill’s estate: report … close, status, files', () => {
    const at = ['--at', '2017-01-03', '--db', db];
    const step = (...args: string[]) => cli(['recovery', ...args, ...at, '--json']);
    const report = step('report', '--compromise', 'transcos-ds', '--evidence', 'key found on a laptop');
    expect(report.code).toBe(0);
    const id = String(JSON.parse(report.lines[0]!).incidentId);
    expect(step('confirm', id).code).toBe(0);
    expect(step('decide', id, '--method', '2')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/METHOD_NOT_OFFERED/),
    });
    expect(step('decide', id, '--method', '3').code).toBe(0);
    expect(step('execute', id)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^gbcs-sim: NO_QUORUM: Method 3 uses the DCC's recovery keys: 0 of the 3/,
      ),
    });
    expect(step('approve', id, '--custodian', 'Mallory')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/NOT_A_KEY_CUSTODIAN/),
    });
    for (const k of [1, 2, 3]) expect(step('approve', id, '--custodian', `Key Custodian ${k}`).code).toBe(0);
    const exec = step('execute', id);
    expect(exec.code).toBe(0);
    expect(JSON.parse(exec.lines.at(-1)!)).toMatchObject({
      change: 'devices',
      total: 12,
      recovered: 12,
      failed: 0,
    });
    expect(step('complete', id).code).toBe(0);
    expect(step('close', id).code).toBe(0);
    const status = cli(['recovery', 'status', id, '--db', db, '--json']);
    const s = JSON.parse(status.stdout);
    expect(s.incident).toMatchObject({
      state: 'Closed',
      outcome: 'Recovered',
      method: '3',
      recoveryCase: 'R3',
      evidence: 'key found on a laptop',
    });
    expect(s.devices).toMatchObject({ total: 12, recovered: 12 });
    expect(s.revocations).toHaveLength(1);
    const out = tmp.file('files');
    expect(cli(['recovery', 'files', id, '--db', db, '--out', out]).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      `OrganisationCompromiseNotification-${id}.csv`,
      ...[0, 1, 2].map((n) => `OrganisationCompromiseRecoveryProgress-${id}-0${n}.csv`),
    ]);
    expect(readFileSync(resolve(out, `OrganisationCompromiseNotification-${id}.csv`), 'utf8')).toContain(
      'CompromisedKey,transcos-ds\r\n',
    );
    expect(cli(['recovery', 'status', '--db', db]).lines).toHaveLength(2);
  });

  it('SIGKILL at random moments during a drill, then --resume: it finishes with nothing half-replaced and the counts balanced', async () => {
    const kdb = tmp.file('killed.db');
    const args = [
      'recovery',
      'drill',
      '--premises',
      '30',
      '--compromise',
      'supplier-ds',
      '--method',
      '1',
      '--as-of',
      '2017-01-02',
      '--db',
      kdb,
      '--batch',
      '2',
      '--json',
    ];
    const kills: string[] = [];
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let k = 0; k < 5; k++) {
      const child: ChildProcess = spawn(
        BIN,
        k === 0 ? args : ['recovery', 'drill', '--resume', '--db', kdb, '--json'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout!.on('data', (b) => {
        out += b;
      });
      const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
      // Wait until it is executing, then a random while more.
      for (let t = 0; t < 600 && !out.includes('"event":"execute"') && child.exitCode === null; t++)
        await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200 + rand() * 1500));
      const finished = child.exitCode !== null;
      child.kill('SIGKILL');
      await exited;
      kills.push(finished ? 'finished' : out.includes('"summary"') ? 'at the end' : 'mid-drill');
      if (finished) break;
    }
    expect(kills.filter((k) => k === 'mid-drill').length, kills.join(', ')).toBeGreaterThan(0);
    const r = cli(['recovery', 'drill', '--resume', '--db', kdb, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { summary } = JSON.parse(r.lines.at(-1)!);
    expect(summary).toMatchObject({
      relevantDevices: 90,
      recovered: 90,
      failed: 0,
      acceptedCompromisedKeyAfterRecovery: 0,
      halfReplaced: 0,
      probed: 90,
      smiStatusCounts: expect.objectContaining({ Commissioned: 120 }),
    });
    const d = openDccDatabase(kdb);
    expect(checkSqlite(d)).toEqual([]);
    expect(checkInventory(d).problems).toEqual([]);
    expect(d.prepare("SELECT count(*) AS n FROM recovery_devices WHERE status != 'recovered'").get()).toEqual(
      { n: 0 },
    );
    d.close();
  });
});
