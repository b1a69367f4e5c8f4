/**
 * A shard worker of `gbcs-sim fleet run` (app/fleet/run.ts): builds its shard of the fleet
 * (sim/fleet/shard.ts), optionally materialises every premises (`--warm`), then drives the mix
 * against it for the duration and reports latencies. The load generator's head-end runs here too,
 * on node:crypto (it plays the DCC's systems); the devices use the chosen back-end.
 */
import { parentPort } from 'node:worker_threads';
import { createCrypto } from '../../protocol/crypto/index.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { Shard } from '../../sim/fleet/shard.ts';
import type { ShardBatch, ShardEvent, ShardStart } from './protocol.ts';

process.env.GBCS_SIM_LOG ??= 'off';

function post(e: ShardEvent, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(e, transfer);
}

function makeShard(o: ShardStart): { shard: Shard; clock: VirtualClock } {
  const clock = new VirtualClock(o.start);
  const shard = new Shard({
    seed: o.seed,
    premises: o.premises,
    shard: o.shard,
    shards: o.shards,
    crypto: createCrypto(o.crypto),
    headEndCrypto: createCrypto('node'),
    clock,
    mix: o.mix,
  });
  if (o.warm) {
    const t = performance.now();
    shard.warm();
    post({ kind: 'warmed', shard: o.shard, premises: shard.count, ms: performance.now() - t });
  }
  return { shard, clock };
}

/** Batch mode: commands on request, no timing here (the benchmark times the batches). */
function serveBatches(o: ShardStart): void {
  const { shard, clock } = makeShard(o);
  parentPort!.on('message', (b: ShardBatch) => {
    let failed = 0;
    const reasons: string[] = [];
    for (let n = 0; n < b.commands; n++) {
      const cmd = shard.nextCommand();
      const r = shard.handle(cmd);
      clock.advance(1000);
      if (!r.accepted) {
        failed++;
        if (reasons.length < 5) reasons.push(`${cmd.recipient}: ${r.reason}`);
      }
    }
    post({ kind: 'batch-done', shard: o.shard, commands: b.commands, failed, reasons });
  });
  post({ kind: 'ready', shard: o.shard });
}

function runShard(o: ShardStart): void {
  const { shard, clock } = makeShard(o);
  const lat: number[] = [];
  const reasons: string[] = [];
  let failed = 0;
  const t0 = performance.now();
  let lastProgress = t0;
  const interval = o.rate > 0 ? 1000 / o.rate : 0;
  for (let n = 0; n < o.maxCommands; n++) {
    const now = performance.now();
    if (now - t0 >= o.durationMs) break;
    if (interval > 0) {
      // Open-loop pacing: command n is due at t0 + n·interval; busy-wait the short gaps.
      const due = t0 + n * interval;
      while (performance.now() < due) {}
    }
    const cmd = shard.nextCommand();
    const a = performance.now();
    const r = shard.handle(cmd);
    lat.push(performance.now() - a);
    // One virtual second a command keeps date-time windows and counters moving.
    clock.advance(1000);
    if (!r.accepted) {
      failed++;
      if (reasons.length < 5) reasons.push(`${cmd.recipient}: ${r.reason}`);
    }
    if (a - lastProgress > 500) {
      lastProgress = a;
      post({ kind: 'progress', shard: o.shard, commands: lat.length });
    }
  }
  const ms = performance.now() - t0;
  const latencies = Float64Array.from(lat);
  post(
    {
      kind: 'done',
      shard: o.shard,
      commands: lat.length,
      failed,
      reasons,
      ms,
      latencies,
      resident: shard.fleet.stats().resident,
    },
    [latencies.buffer],
  );
}

parentPort!.once('message', (o: ShardStart) => {
  try {
    if (o.durationMs === 0) serveBatches(o);
    else runShard(o);
  } catch (e) {
    post({ kind: 'error', shard: o.shard, message: (e as Error).message });
  }
});
