/**
 * SMKI Recovery drill benchmark group (issue 11): `recovery drill --premises 10000 --compromise
 * supplier-ds --method 2` in-process, into a fresh SQLite file, the devices' state in memory (as
 * `--ephemeral`), through the same library the command uses — once per crypto back-end. One
 * operation = one whole drill (building the SMI and the DCC register, materialising 10,000
 * premises, the incident over 30,000 Relevant Devices with two CS02b each and the attacker probe);
 * the split of its wall time (inventory, premises, procedure) is printed on stderr and kept in
 * bench/results/recovery.json's notes. The warm-up operation is a 50-premises drill (JIT, the PKI
 * cache), so `npm run bench -- recovery --runs 1` times one 10,000-premises drill per back-end.
 * `GBCS_SIM_BENCH_RECOVERY_PREMISES=N` changes the size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCrypto } from '../protocol/crypto/index.ts';
import { Drill, type DrillSummary } from '../sim/recovery/drill.ts';
import { openDccDatabase } from '../sim/store/dcc-database.ts';
import type { BenchCase, BenchGroup } from './harness.ts';

const PREMISES = Number(process.env.GBCS_SIM_BENCH_RECOVERY_PREMISES ?? 10_000);
const WARM_UP_PREMISES = 50;
let dir: string | null = null;
let n = 0;
const splits: string[] = [];

function drill(premises: number, backend: 'noble' | 'node'): DrillSummary {
  const file = join(dir!, `run-${n++}.db`);
  const db = openDccDatabase(file);
  try {
    return new Drill(
      db,
      { premises, compromise: 'supplier-ds', method: '2', asOf: Date.UTC(2017, 0, 2), seed: '1' },
      { crypto: createCrypto(backend) },
    ).run();
  } finally {
    db.close();
    for (const s of ['', '-wal', '-shm']) rmSync(`${file}${s}`, { force: true });
  }
}

export const group: BenchGroup = {
  name: 'recovery',
  title: `recovery drill --premises ${PREMISES} --compromise supplier-ds --method 2 (whole drill, in-process, SQLite file, devices in memory)`,
  variants: ['noble', 'node'],
  setup(): BenchCase[] {
    dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-bench-recovery-'));
    return (['noble', 'node'] as const).map((backend) => {
      const samplesUs: number[] = [];
      let warm = false;
      return {
        name: `drill ${PREMISES} premises, Method 2`,
        variant: backend,
        samplesUs,
        run: async () => {
          if (!warm) {
            warm = true;
            return drill(WARM_UP_PREMISES, backend).recovered;
          }
          const t0 = performance.now();
          const s = drill(PREMISES, backend);
          const ms = performance.now() - t0;
          samplesUs.push(ms * 1000);
          const line = `${backend}: ${(ms / 1000).toFixed(1)} s wall — inventory ${s.timings.inventorySeconds} s, premises ${s.timings.premisesSeconds} s, procedure ${s.timings.procedureSeconds} s; ${s.relevantDevices} relevant, ${s.recovered} recovered, ${s.failed} failed, ${s.acceptedCompromisedKeyAfterRecovery} accepted the old key`;
          splits.push(line);
          process.stderr.write(`recovery bench: ${line}\n`);
          if (
            s.failed !== 0 ||
            s.acceptedCompromisedKeyAfterRecovery !== 0 ||
            s.recovered !== s.relevantDevices
          )
            throw new Error(`the drill did not recover every device: ${JSON.stringify(s)}`);
          return s.recovered;
        },
      };
    });
  },
  teardown() {
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
  get notes() {
    return [
      'one op = one whole drill; p50/p99 = its wall time (target: under 5 minutes on the 2-core machine)',
      'the warm-up op is a 50-premises drill; run with --runs 1 for one timed drill per back-end',
      'createPremises issues 8 Device Certificates per premises (noble, whatever the back-end): that is the premises column',
      ...splits,
    ];
  },
};
