/**
 * What the command-line jobs (app/commands/*.ts) share: exit codes, the usage error, output lines,
 * stdin, fault files and keystore warnings. Data goes to stdout, logs and warnings to stderr
 * (DESIGN §4).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ErrorCode, GbcsError } from '../protocol/errors.ts';
import { isEui64, Role } from '../protocol/types.ts';
import { type FaultConfig, parseFaultConfig } from '../sim/device/faults.ts';
import type { Keystore } from '../sim/smki/keystore.ts';
import { type BoundedLine, readLinesBounded } from '../sim/store/bounded-read.ts';
import { MAX_INPUT_BYTES } from './inputs.ts';

export { GbcsError };

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A usage or configuration problem: printed as one line on stderr, exit 2 (code `USAGE`). */
export class UsageError extends GbcsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.USAGE, message, options);
    this.name = 'UsageError';
  }
}

export const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * Reads a fault configuration (sim/device/faults.ts) from a JSON or YAML file.
 * @throws UsageError for an unreadable file or invalid rules (each problem named).
 */
export function loadFaultsFile(path: string): FaultConfig {
  let value: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    value = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UsageError(`--faults ${path}: ${(e as Error).message}`);
  }
  const r = parseFaultConfig(value);
  if (!r.ok) throw new UsageError(`--faults ${path}: ${r.problems.join('; ')}`);
  return r.config;
}

/** Keystore loading problems that did not stop the load (misfiled certificates, …) go to stderr. */
export function warnKeystore(ks: Keystore): void {
  for (const w of ks.warnings) process.stderr.write(`gbcs-sim: keystore warning: ${w}\n`);
}
/** Stdin's lines, each cut at the largest input (`readLinesBounded`; app/inputs.ts `MAX_INPUT_BYTES`). */
export const readStdin = (): Iterable<BoundedLine> => readLinesBounded(0, MAX_INPUT_BYTES);

/**
 * The ACB EUI: explicit, or the keystore's only role-4 (Access Control Broker) KA party. An explicit
 * `--acb` that no keystore holds gets one warning line on stderr (its MACs will be `no-key`).
 */
export function acbOf(ks: Keystore | null, explicit: string | undefined): string | null {
  if (explicit !== undefined) {
    const e = explicit.toLowerCase();
    if (!isEui64(e)) throw new UsageError(`--acb: not an EUI-64 (16 hex digits): ${explicit}`);
    if (!ks?.entries.some((x) => x.eui === e))
      process.stderr.write(
        `gbcs-sim: warning: --acb ${e} is not in the keystores: its MACs cannot be checked (no-key)\n`,
      );
    return e;
  }
  if (!ks) return null;
  const acbs = [
    ...new Set(
      ks.entries.filter((e) => e.role === Role.ACCESS_CONTROL_BROKER && e.usage === 'ka').map((e) => e.eui),
    ),
  ];
  return acbs.length === 1 ? acbs[0]! : null;
}
