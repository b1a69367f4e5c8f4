/**
 * The messages between `gbcs-sim fleet run` and its shard workers (worker_threads), plain
 * structured-clone data: the start order, progress counts, and the final tally with the latencies
 * as a transferred Float64Array (no JSON on the hot path). Commands and replies inside a shard are
 * sim/fleet/shard.ts `ShardCommand` / `ShardReply`.
 */
import type { CryptoBackendName } from '../../protocol/crypto/index.ts';
import type { MixEntry } from '../../sim/fleet/shard.ts';

export interface ShardStart {
  kind: 'start';
  seed: string;
  premises: number;
  shard: number;
  shards: number;
  crypto: CryptoBackendName;
  mix: MixEntry[];
  /** Timed part: this long (ms) … */
  durationMs: number;
  /** … or this many commands, whichever comes first (Infinity: by duration). */
  maxCommands: number;
  /** Commands per second for this shard (0: as fast as it goes). */
  rate: number;
  warm: boolean;
  /** Virtual clock start, ms since the epoch. */
  start: number;
}

/**
 * Batch mode (the benchmark): `ShardStart` with `durationMs` 0 builds (and warms) the shard and
 * answers `ready`; each `ShardBatch` then runs that many commands and answers `batch-done`.
 */
export interface ShardBatch {
  kind: 'batch';
  commands: number;
}

export type ShardEvent =
  | { kind: 'ready'; shard: number }
  | { kind: 'batch-done'; shard: number; commands: number; failed: number; reasons: string[] }
  | { kind: 'warmed'; shard: number; premises: number; ms: number }
  | { kind: 'progress'; shard: number; commands: number }
  | {
      kind: 'done';
      shard: number;
      commands: number;
      failed: number;
      /** First failure reasons, at most 5. */
      reasons: string[];
      /** Timed part, wall ms. */
      ms: number;
      /** Per-command latency (shard.handle: route, devices, responses), ms. */
      latencies: Float64Array;
      resident: number;
    }
  | { kind: 'error'; shard: number; message: string };
