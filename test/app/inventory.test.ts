/**
 * `gbcs-sim inventory …` as a user runs it (./bin/gbcs-sim in a child process, a real SQLite file):
 * JSON Lines, exit codes (0 ok, 1 refused, 2 usage), one line on stderr per error, nothing written
 * by a refused or malformed request.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.ts';
import { fileBytes, tmpDir } from '../fixtures/sqlite.ts';

const cli = (args: string[]) => runCli(args, { timeoutMs: 120_000 });

describe('gbcs-sim inventory', { timeout: 240_000 }, () => {
  const tmp = tmpDir('gbcs-sim-inventory-cli-');
  afterAll(() => tmp.cleanup());
  const db = tmp.file('inv.db');
  const run = (...args: string[]) => cli([...args, '--db', db]);

  it('add, whitelist, join, commission: one JSON object per change', () => {
    expect(
      run(
        'ch',
        'order',
        '--region',
        'South',
        '--wan-variant',
        'Cellular',
        '--han-variant',
        'single',
        '--chf',
        'CC00000000000010',
        '--at',
        '2016-03-01',
      ).code,
    ).toBe(0);
    expect(run('ch', 'deliver', 'cc00000000000010', '--at', '2016-03-02').code).toBe(0);
    const add = run(
      'inventory',
      'add',
      'E000000000000001',
      '--type',
      'esme',
      '--manufacturer',
      'ACME',
      '--model',
      'E1',
      '--mpxn',
      '1100000000001',
      '--supplier',
      '90b3d51f30010000',
      '--at',
      '2016-03-03',
      '--json',
    );
    expect(add.code).toBe(0);
    expect(add.lines.map((l) => JSON.parse(l))).toEqual([
      {
        change: 'smiStatus',
        deviceId: 'e000000000000001',
        deviceType: 'ESME',
        event: 'preNotification',
        srv: '12.2',
        from: null,
        to: 'Pending',
        at: '2016-03-03T00:00:00.000Z',
      },
    ]);
    const steps = [
      ['whitelist', '--chf', 'cc00000000000010', '--at', '2016-03-04T10:00:00Z'],
      ['join', '--at', '2016-03-04T10:01:00Z'],
      ['commission', '--by', '90b3d51f30010000', '--at', '2016-03-04T10:02:00Z'],
    ];
    const to = steps.map(([verb, ...rest]) => {
      const r = run('inventory', verb!, 'e000000000000001', ...rest, '--json');
      expect(r.code).toBe(0);
      return JSON.parse(r.lines[0]!).to;
    });
    expect(to).toEqual(['Whitelisted', 'InstalledNotCommissioned', 'Commissioned']);
    const status = JSON.parse(run('inventory', 'status', 'e000000000000001', '--json').lines[0]!);
    expect(status).toMatchObject({
      status: 'Commissioned',
      chf: 'cc00000000000010',
      dateCommissioned: '2016-03-04',
      supplier: '90b3d51f30010000',
    });
    const history = run('inventory', 'history', 'e000000000000001');
    expect(history.lines).toHaveLength(4);
    expect(history.lines[3]).toMatch(
      /^2016-03-04T10:02:00\.000Z +InstalledNotCommissioned → Commissioned +commission \(8\.1\.1\)/,
    );
    expect(run('inventory', 'list', '--type', 'CHF').lines).toHaveLength(1);
    expect(run('inventory', 'check').code).toBe(0);
  });

  it('a refused request: exit 1, one line CODE: reason on stderr, nothing on stdout, the file byte-identical', () => {
    const cases: Array<[string[], string]> = [
      [['inventory', 'join', 'e000000000000001', '--at', '2016-04-01'], 'ILLEGAL_TRANSITION'],
      [['inventory', 'join', 'e0000000000000ff', '--at', '2016-04-01'], 'UNKNOWN_DEVICE'],
      [
        ['inventory', 'decommission', 'e000000000000001', '--by', '90b3d51f300100ff', '--at', '2016-04-01'],
        'NOT_RESPONSIBLE_SUPPLIER',
      ],
      [
        ['inventory', 'recovery', 'e000000000000001', '--at', '2016-11-06'],
        'NOT_IN_FORCE:SMI_STATUS_RECOVERY',
      ],
      [
        [
          'inventory',
          'add',
          'e000000000000002',
          '--type',
          'GSME',
          '--manufacturer',
          'A',
          '--model',
          'G',
          '--at',
          '2016-02-09',
        ],
        'NOT_IN_FORCE:SECTION_F6',
      ],
      [['inventory', 'decommission', 'e000000000000001', '--at', '2016-03-04T10:01:00Z'], 'OUT_OF_ORDER'],
    ];
    for (const [args, code] of cases) {
      const before = fileBytes(db);
      const r = run(...args);
      expect([r.code, r.stdout, r.stderr.trim().split('\n').length]).toEqual([1, '', 1]);
      expect(r.stderr).toMatch(new RegExp(`^gbcs-sim: ${code}: `));
      expect(fileBytes(db).equals(before)).toBe(true);
    }
  });

  it('malformed requests are usage errors (exit 2) and write nothing', () => {
    const cases: string[][] = [
      ['inventory', 'join', 'zz00000000000001'],
      ['inventory', 'join', 'e000000000000001', '--at', '4 April'],
      ['inventory', 'add', 'e000000000000009', '--type', 'IHD', '--manufacturer', 'A', '--model', 'B'],
      [
        'inventory',
        'add',
        'e000000000000009',
        '--type',
        'ESME',
        '--manufacturer',
        'A',
        '--model',
        'B',
        '--firmware',
        '123456789',
        '--at',
        '2016-04-01',
      ],
      ['inventory', 'set', 'e000000000000001', '--status', 'Recovered', '--at', '2016-04-01'],
      ['inventory', 'set', 'e000000000000001', '--status', 'Pending', '--mpxn', '1', '--at', '2016-04-01'],
      ['inventory', 'whitelist', 'e000000000000001'],
    ];
    for (const args of cases) {
      const before = fileBytes(db);
      const r = run(...args);
      expect([args.join(' '), r.code, r.stdout]).toEqual([args.join(' '), 2, '']);
      expect(r.stderr).toMatch(/^(gbcs-sim: |error: )/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(fileBytes(db).equals(before)).toBe(true);
    }
  });

  it('no database file is left behind by a command that fails on a new --db', () => {
    const fresh = tmp.file('fresh.db');
    expect(cli(['inventory', 'status', 'e000000000000001', '--db', fresh]).stderr).toMatch(
      /^gbcs-sim: DB_NOT_FOUND: /,
    );
    expect(
      cli([
        'inventory',
        'add',
        'e000000000000001',
        '--type',
        'ESME',
        '--manufacturer',
        'A',
        '--model',
        'B',
        '--at',
        '2015-12-01',
        '--db',
        fresh,
      ]).code,
    ).toBe(1);
    expect(
      cli([
        'inventory',
        'add',
        'e000000000000001',
        '--type',
        'ESMEX',
        '--manufacturer',
        'A',
        '--model',
        'B',
        '--db',
        fresh,
      ]).code,
    ).toBe(2);
    expect(existsSync(fresh)).toBe(false);
  });

  it('CPL by Device Model, 8.4 on a CHF, the alert log', () => {
    expect(run('inventory', 'suspend', '--model', 'ACME/E1', '--at', '2016-05-01').code).toBe(0);
    expect(
      run('inventory', 'set', 'cc00000000000010', '--status', 'Commissioned', '--at', '2016-05-01').code,
    ).toBe(0);
    expect(run('inventory', 'restore', '--model', 'ACME/E1', '--at', '2016-05-02').code).toBe(0);
    const alerts = run('inventory', 'alerts', '--json').lines.map((l) => JSON.parse(l).alert);
    expect(alerts).toEqual(['DeviceSuspended', 'DeviceRestored']);
  });

  it('inventory check: exit 0 on a sound file, 1 with each broken invariant named', () => {
    expect(run('inventory', 'check', '--json').lines.map((l) => JSON.parse(l).ok)).toEqual([true]);
    const raw = new Database(db);
    raw.prepare("UPDATE ch_hubs SET charges_pence = 99 WHERE hub_id = 'cc00000000000010'").run();
    raw.close();
    const r = run('inventory', 'check');
    expect(r.code).toBe(1);
    expect(r.lines[0]).toBe('problem: hub cc00000000000010: charges 99 p but its events add up to 0 p');
  });
});
