/**
 * `gbcs-sim fleet run`: a fleet of N premises (sim/fleet/) split by Communications Hub over W
 * worker threads (premises i in shard i mod W), each driving the mix against its own shard; one
 * summary at the end. Plain worker_threads, not a task pool: a shard owns its premises' state for
 * the whole run, which a pool of interchangeable workers (piscina, tinypool) does not model.
 *
 * Output: progress on a TTY only (stderr); with `--json` the summary alone, else a short report
 * and then the summary; the last line is always `{"summary": {...}}`.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { parse as parseYaml } from 'yaml';
import type { CryptoBackendName } from '../../protocol/crypto/index.ts';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import { DEFAULT_MIX, type MixEntry, mixProblems } from '../../sim/fleet/shard.ts';
import { out, UsageError } from '../cli-io.ts';
import { startProgress } from '../progress.ts';
import type { ShardEvent, ShardStart } from './protocol.ts';

export interface FleetRunOptions {
  premises: number;
  workers: number;
  mix: MixEntry[];
  durationMs: number;
  /** Stop after this many commands in all (Infinity: by duration). */
  maxCommands?: number;
  /** Commands per second in all (0: as fast as the workers go). */
  rate: number;
  warm: boolean;
  crypto: CryptoBackendName;
  seed: string;
  json: boolean;
  /** Write nothing but return the summary (bench, tests). */
  quiet?: boolean;
}

export interface FleetSummary {
  premises: number;
  workers: number;
  commands: number;
  commandsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  rssMb: number;
  failed: number;
}

export interface FleetRunResult {
  summary: FleetSummary;
  /** First failure reasons (recipient: reason). */
  reasons: string[];
  /** Materialisation of every premises (`--warm`), wall ms of the slowest shard. */
  warmMs: number;
  resident: number;
}

/** A mix file: JSON or YAML, a list of `{label, weight}` (labels of the default scenario). */
export function loadMix(path: string): MixEntry[] {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--mix ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const list = (data as { mix?: unknown })?.mix ?? data;
  if (!Array.isArray(list)) throw new UsageError(`--mix ${path}: expected a list of {label, weight}`);
  const problems = mixProblems(list as MixEntry[]);
  if (problems.length) throw new UsageError(`--mix ${path}: ${problems[0]}`);
  return list as MixEntry[];
}

export { DEFAULT_MIX };

/** A shard worker that threw or died: a programming error, not bad input (MISUSE). */
const shardFailed = (message: string) => new GbcsError(ErrorCode.MISUSE, message);

const WORKER = new URL('./worker-entry.mjs', import.meta.url);

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** Runs the fleet; rejects when a worker fails to start or throws. */
export async function fleetRun(o: FleetRunOptions): Promise<FleetRunResult> {
  const shards = Math.min(o.workers, o.premises);
  const maxCommands = o.maxCommands ?? Number.POSITIVE_INFINITY;
  const progress = o.quiet
    ? undefined
    : startProgress({ label: 'fleet', unit: 's', total: Math.ceil(o.durationMs / 1000) });
  const t0 = performance.now();
  let warmMs = 0;
  const workers: Worker[] = [];
  try {
    const results = await Promise.all(
      Array.from({ length: shards }, (_, shard) => {
        const w = new Worker(WORKER);
        workers.push(w);
        const start: ShardStart = {
          kind: 'start',
          seed: o.seed,
          premises: o.premises,
          shard,
          shards,
          crypto: o.crypto,
          mix: o.mix,
          durationMs: o.durationMs,
          maxCommands: Math.ceil(maxCommands / shards),
          rate: o.rate / shards,
          warm: o.warm,
          start: Date.UTC(2026, 0, 1, 8),
        };
        return new Promise<Extract<ShardEvent, { kind: 'done' }>>((resolve, reject) => {
          w.on('message', (e: ShardEvent) => {
            if (e.kind === 'progress') {
              const total = Math.ceil(o.durationMs / 1000);
              progress?.update(Math.min(total, Math.floor((performance.now() - t0) / 1000)));
            } else if (e.kind === 'warmed') warmMs = Math.max(warmMs, e.ms);
            else if (e.kind === 'done') resolve(e);
            else if (e.kind === 'error') reject(shardFailed(`shard ${e.shard}: ${e.message}`));
          });
          w.on('error', reject);
          w.on('exit', (code) => reject(shardFailed(`shard ${shard} exited (${code}) before reporting`)));
          w.postMessage(start);
        });
      }),
    );
    const rssMb = process.memoryUsage().rss / 2 ** 20;
    const all = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
    let at = 0;
    for (const r of results) {
      all.set(r.latencies, at);
      at += r.latencies.length;
    }
    all.sort();
    const commands = all.length;
    const seconds = Math.max(...results.map((r) => r.ms)) / 1000;
    const summary: FleetSummary = {
      premises: o.premises,
      workers: shards,
      commands,
      commandsPerSecond: round(seconds > 0 ? commands / seconds : 0, 1),
      p50Ms: round(percentile(all, 0.5)),
      p99Ms: round(percentile(all, 0.99)),
      rssMb: round(rssMb, 1),
      failed: results.reduce((n, r) => n + r.failed, 0),
    };
    return {
      summary,
      reasons: results.flatMap((r) => r.reasons).slice(0, 5),
      warmMs: round(warmMs, 1),
      resident: results.reduce((n, r) => n + r.resident, 0),
    };
  } finally {
    progress?.stop();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Prints a run's result: a short report unless `json`, then the summary line. */
export function printFleetRun(r: FleetRunResult, json: boolean): void {
  if (!json) {
    const s = r.summary;
    out(
      `fleet: ${s.premises} premises on ${s.workers} worker(s): ${s.commands} commands, ` +
        `${s.commandsPerSecond}/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, ${r.resident} premises resident` +
        `${r.warmMs ? `, warm-up ${(r.warmMs / 1000).toFixed(1)} s` : ''}, RSS ${s.rssMb} MB`,
    );
    for (const reason of r.reasons) out(`failed: ${reason}`);
  }
  out(JSON.stringify({ summary: r.summary }));
}

/** Shard workers in batch mode (the benchmark): `batch(n)` runs about n commands over all shards. */
export interface FleetWorkers {
  workers: number;
  /** Runs ceil(n / workers) commands in every shard; resolves with the failures. */
  batch(n: number): Promise<{ commands: number; failed: number; reasons: string[] }>;
  close(): Promise<void>;
}

/** Starts W shard workers over `premises` and waits until each is built (and warmed, if asked). */
export async function startFleetWorkers(o: {
  premises: number;
  workers: number;
  crypto: CryptoBackendName;
  seed?: string;
  mix?: MixEntry[];
  warm?: boolean;
}): Promise<FleetWorkers> {
  const shards = Math.min(o.workers, o.premises);
  const ws = Array.from({ length: shards }, () => new Worker(WORKER));
  const next = (w: Worker) =>
    new Promise<ShardEvent>((resolve, reject) => {
      const onMessage = (e: ShardEvent) => {
        if (e.kind === 'warmed' || e.kind === 'progress') return;
        w.off('message', onMessage);
        w.off('error', reject);
        if (e.kind === 'error') reject(shardFailed(`shard ${e.shard}: ${e.message}`));
        else resolve(e);
      };
      w.on('message', onMessage);
      w.once('error', reject);
    });
  await Promise.all(
    ws.map((w, shard) => {
      const ready = next(w);
      w.postMessage({
        kind: 'start',
        seed: o.seed ?? '1',
        premises: o.premises,
        shard,
        shards,
        crypto: o.crypto,
        mix: o.mix ?? [...DEFAULT_MIX],
        durationMs: 0,
        maxCommands: 0,
        rate: 0,
        warm: o.warm ?? false,
        start: Date.UTC(2026, 0, 1, 8),
      } satisfies ShardStart);
      return ready;
    }),
  );
  return {
    workers: shards,
    async batch(n) {
      const per = Math.ceil(n / shards);
      const done = await Promise.all(
        ws.map((w) => {
          const r = next(w);
          w.postMessage({ kind: 'batch', commands: per });
          return r;
        }),
      );
      let failed = 0;
      const reasons: string[] = [];
      for (const d of done)
        if (d.kind === 'batch-done') {
          failed += d.failed;
          reasons.push(...d.reasons);
        }
      return { commands: per * shards, failed, reasons };
    },
    async close() {
      await Promise.all(ws.map((w) => w.terminate()));
    },
  };
}
