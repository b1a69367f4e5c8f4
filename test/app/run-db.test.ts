/**
 * `gbcs-sim run --db FILE`: the premises in the Smart Metering Inventory (a real SQLite file). A new
 * database gets the install-and-commission flow first, then the scenario passes the DCC gate; a
 * device whose SMI Status allows nothing gets nothing, and the run fails (exit 1).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../app/run.ts';
import { createCrypto } from '../../protocol/crypto/index.ts';
import { SmartMeteringInventory } from '../../sim/inventory/inventory.ts';
import { DEFAULT_PREMISES as IDS } from '../../sim/premises/premises.ts';
import { openDccDatabase } from '../../sim/store/dcc-database.ts';
import { BIN } from '../fixtures/paths.ts';
import { tmpDir } from '../fixtures/sqlite.ts';

const crypto = createCrypto('noble');

describe('run --db', { timeout: 240_000 }, () => {
  const tmp = tmpDir('gbcs-sim-run-db-');
  afterAll(() => tmp.cleanup());

  it('installs and commissions a new premises, then every step passes the gate; a suspended ESME gets nothing', () => {
    const db = openDccDatabase(tmp.file('run.db'));
    const inventory = new SmartMeteringInventory(db);
    const lines: string[] = [];
    const first = runScenario({ seed: '1', json: true, crypto, write: (l) => lines.push(l), inventory });
    const install = lines.filter((l) => l.startsWith('{"install"')).map((l) => JSON.parse(l).install);
    expect(install.map((s) => s.ok)).toEqual(Array(10).fill(true));
    expect(first.summary).toMatchObject({
      commands: 12,
      succeeded: 12,
      refusedByDcc: 0,
      smiStatuses: { chf: 'Commissioned', gpf: 'Commissioned', esme: 'Commissioned', gsme: 'Commissioned' },
    });
    inventory.cplSuspend(IDS.esme, Date.UTC(2026, 0, 2));
    // The SMI as it was (the DCC's Device Log copy may be refreshed by the CHF's CS14).
    const smi = () => JSON.stringify([inventory.list(), inventory.alerts(), inventory.history(IDS.esme)]);
    const before = smi();
    const second = runScenario({ seed: '1', json: true, crypto, write: () => {}, inventory });
    // The six ESME steps are refused; the CHF, GPF and GSME ones pass. No second install.
    expect(second.steps.map((s) => s.reason ?? 'ok')).toEqual([
      ...Array(6).fill('DCC_DEVICE_SUSPENDED'),
      ...Array(6).fill('ok'),
    ]);
    expect(second.summary).toMatchObject({ refusedByDcc: 6, succeeded: 6, failed: 6 });
    expect(smi()).toBe(before);
    db.close();
  });

  it('the command line: exit 0 on a new database, 1 once a device is suspended', () => {
    const file = tmp.file('cli.db');
    const r1 = spawnSync(BIN, ['run', '--db', file, '--json'], { encoding: 'utf8', timeout: 120_000 });
    expect(r1.status).toBe(0);
    expect(JSON.parse(r1.stdout.trim().split('\n').at(-1)!).summary.smiStatuses.gsme).toBe('Commissioned');
    const s = spawnSync(BIN, ['inventory', 'suspend', IDS.gsme, '--db', file, '--at', '2026-01-02'], {
      encoding: 'utf8',
    });
    expect(s.status).toBe(0);
    const r2 = spawnSync(BIN, ['run', '--db', file], { encoding: 'utf8', timeout: 120_000 });
    expect(r2.status).toBe(1);
    expect(r2.stdout).toContain('REFUSED BY THE DCC DEVICE_SUSPENDED');
    expect(r2.stdout).toContain('SMI: 2 refused by the DCC');
  });
});
