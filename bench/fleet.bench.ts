/**
 * Fleet benchmark group (`npm run bench -- fleet`): commands/s of `gbcs-sim fleet run`'s shards
 * (app/fleet/, sim/fleet/) driven by the default mix, side by side in one run:
 *
 * - noble vs node (the devices' back-end; the load generator's head-end is node in both);
 * - 1 vs 2 worker threads (premises sharded by Communications Hub);
 * - growth: 1 → 1,000 → 100,000 → 1,000,000 premises addressable. Premises are chosen uniformly,
 *   so in a large fleet most commands of a short run reach a premises for the first time and pay
 *   for materialising it (keys, devices) and for its device models (the ESME's synthetic history):
 *   the rows show that cost, they do not hide it. A fleet of 1 or 1,000 is warm after the warm-up.
 *
 * One op = one batch of BATCH commands over all shards (each shard runs BATCH / W): ops/s × BATCH
 * = commands/s. RSS of the whole process (workers included) is printed under the table.
 */
import { type FleetWorkers, startFleetWorkers } from '../app/fleet/run.ts';
import type { CryptoBackendName } from '../protocol/crypto/index.ts';
import type { BenchCase, BenchGroup, BenchRatio } from './harness.ts';

const BATCH = 100;
const BACKENDS: readonly CryptoBackendName[] = ['noble', 'node'];
const GROWTH = [1, 1000, 100_000, 1_000_000] as const;
const n = (x: number) => x.toLocaleString('en-US');
const row = (premises: number, workers: number) =>
  `${n(premises)} premises, ${workers} worker${workers > 1 ? 's' : ''} (op = ${BATCH} commands)`;

const open: FleetWorkers[] = [];

const ratio = (label: string, a: [number, number, string], b: [number, number, string]): BenchRatio => ({
  label,
  numerator: { name: row(a[0], a[1]), variant: a[2] },
  denominator: { name: row(b[0], b[1]), variant: b[2] },
});

export const group: BenchGroup = {
  name: 'fleet',
  title: `fleet run: default mix, commands/s ÷ ${BATCH} (noble vs node, 1 vs 2 workers, 1 → 1,000,000 premises)`,
  variants: [...BACKENDS],
  notes: [
    `one op = ${BATCH} commands of the default mix (README "Fleet scale") through Shard.handle,`,
    "  command building by the shard's head-end (node:crypto) included; premises picked uniformly.",
    'large fleets: most commands reach a premises never used before (materialisation + first-command',
    '  model creation): that is the growth cost measured here.',
  ],
  ratios: [
    ...BACKENDS.map((b) => ratio(`2 workers / 1 worker, 1,000 premises, ${b}`, [1000, 2, b], [1000, 1, b])),
    ratio('noble / node, 1,000 premises, 1 worker', [1000, 1, 'noble'], [1000, 1, 'node']),
    ...GROWTH.filter((g) => g > 1000).map((g) =>
      ratio(`${n(g)} / 1,000 premises, noble, 2 workers`, [g, 2, 'noble'], [1000, 2, 'noble']),
    ),
  ],
  async setup(): Promise<BenchCase[]> {
    const cases: BenchCase[] = [];
    const add = async (premises: number, workers: number, crypto: CryptoBackendName) => {
      const w = await startFleetWorkers({ premises, workers, crypto });
      open.push(w);
      // A first lap: every premises of a small fleet once (models built), a large one's first touches.
      const first = await w.batch(Math.min(premises, 2000) + BATCH);
      if (first.failed) throw new Error(`fleet bench: ${first.reasons.join('; ')}`);
      cases.push({
        name: row(premises, workers),
        variant: crypto,
        run: async () => {
          const r = await w.batch(BATCH);
          if (r.failed) throw new Error(`fleet bench: ${r.reasons.join('; ')}`);
          return r;
        },
      });
    };
    for (const crypto of BACKENDS) {
      await add(1000, 1, crypto);
      await add(1000, 2, crypto);
    }
    await add(1, 1, 'noble');
    for (const g of GROWTH.filter((x) => x > 1000)) await add(g, 2, 'noble');
    return cases;
  },
  async teardown() {
    group.notes?.push(
      `RSS after the measurements: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB (all fleets' workers)`,
    );
    await Promise.all(open.map((w) => w.close()));
    open.length = 0;
  },
};
