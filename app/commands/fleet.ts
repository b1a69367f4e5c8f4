/**
 * `gbcs-sim fleet run`: checks the flags and runs app/fleet/run.ts. Exit 0 when every command was
 * accepted, 1 when any failed, 2 for a usage error.
 */
import type { CryptoBackendName } from '../../protocol/crypto/index.ts';
import { MAX_FLEET_PREMISES } from '../../sim/fleet/fleet.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../cli-io.ts';
import { DEFAULT_MIX, fleetRun, loadMix, printFleetRun } from '../fleet/run.ts';

export interface FleetRunFlags {
  premises: string;
  workers: string;
  mix?: string;
  duration: string;
  rate?: string;
  commands?: string;
  warm?: boolean;
  crypto: CryptoBackendName;
  seed: string;
  json?: boolean;
}

function integer(flag: string, v: string, min: number, max: number): number {
  const n = /^[0-9]+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${flag}: an integer from ${min} to ${max}`);
  return n;
}

function positive(flag: string, v: string): number {
  const n = /^[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : Number.NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${flag}: a positive number`);
  return n;
}

export async function fleetRunAction(o: FleetRunFlags): Promise<void> {
  const premises = integer('--premises', o.premises, 1, MAX_FLEET_PREMISES - 1);
  const workers = integer('--workers', o.workers, 1, 64);
  const durationMs = positive('--duration', o.duration) * 1000;
  const rate = o.rate === undefined ? 0 : positive('--rate', o.rate);
  const maxCommands = o.commands === undefined ? undefined : integer('--commands', o.commands, 1, 1e12);
  const mix = o.mix ? loadMix(o.mix) : [...DEFAULT_MIX];
  const result = await fleetRun({
    premises,
    workers,
    mix,
    durationMs,
    ...(maxCommands !== undefined ? { maxCommands } : {}),
    rate,
    warm: o.warm ?? false,
    crypto: o.crypto,
    seed: o.seed,
    json: o.json ?? false,
  });
  printFleetRun(result, o.json ?? false);
  process.exitCode = result.summary.failed === 0 ? EXIT_OK : EXIT_FAILURE;
}
