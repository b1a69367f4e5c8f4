/**
 * Estate simulation benchmark group (issue 10): `ch simulate --hubs 10000 --days 365` in-process,
 * into a fresh SQLite file each time (WAL, synchronous FULL: one fsync per virtual day), through
 * the same library the command uses. One operation = one whole run; its wall time is the p50/p99
 * column (target: under 60 s on the 2-core machine). `npm run bench -- ch --runs 1` for a quick look.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CH_CONFIG } from '../sim/ch/config.ts';
import { EstateSimulation, SIMULATION_DEFAULTS } from '../sim/ch/simulate.ts';
import { openDccDatabase } from '../sim/store/dcc-database.ts';
import type { BenchCase, BenchGroup } from './harness.ts';

const HUBS = 10_000;
const DAYS = 365;
let dir: string | null = null;
let n = 0;

export const group: BenchGroup = {
  name: 'ch',
  title: `ch simulate --hubs ${HUBS} --days ${DAYS} (whole run, in-process, SQLite file)`,
  variants: ['file'],
  setup(): BenchCase[] {
    dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-bench-ch-'));
    const samplesUs: number[] = [];
    return [
      {
        name: `simulate ${HUBS} hubs × ${DAYS} days`,
        variant: 'file',
        samplesUs,
        run: async () => {
          const file = join(dir!, `run-${n++}.db`);
          const t0 = performance.now();
          const db = openDccDatabase(file);
          const summary = new EstateSimulation(db, {
            hubs: HUBS,
            days: DAYS,
            seed: SIMULATION_DEFAULTS.seed,
            start: SIMULATION_DEFAULTS.start,
            faultRate: SIMULATION_DEFAULTS.faultRate,
            noWanRate: SIMULATION_DEFAULTS.noWanRate,
            config: { ...DEFAULT_CH_CONFIG },
          }).run();
          db.close();
          samplesUs.push((performance.now() - t0) * 1000);
          for (const s of ['', '-wal', '-shm']) rmSync(`${file}${s}`, { force: true });
          if (!summary.balanced) throw new Error('the summary does not balance');
          return summary.events;
        },
      },
    ];
  },
  teardown() {
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
  notes: [
    'one op = one whole simulation (open, 365 daily transactions, close); p50/p99 = its wall time',
    'synchronous FULL: each virtual day ends with an fsync of the WAL, so the disk matters as much as the CPU',
  ],
};
