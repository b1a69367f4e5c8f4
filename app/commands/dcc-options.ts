/**
 * Flag values shared by `inventory` and `ch`, parsed for the app layer: the date of an operation,
 * EUIs, enumerations, numbers, the CH configuration file (bin/commands/dcc-options.ts adds the flags).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export { DEFAULT_DB } from '../dcc-db.ts';

import { isEui64 } from '../../protocol/types.ts';
import { type ChConfig, parseChConfig } from '../../sim/ch/config.ts';
import { parseAsOf } from '../../sim/smki/timeline.ts';
import { UsageError } from '../cli-io.ts';

export interface CommonFlags {
  db: string;
  at?: string;
  json?: boolean;
}

export function parseDate(flag: string, v: string): number {
  try {
    return parseAsOf(v);
  } catch {
    throw new UsageError(`${flag}: not a date (YYYY-MM-DD) or ISO date-time: ${v}`);
  }
}

/** The common options as the app layer takes them. */
export const common = (o: CommonFlags) => ({
  db: o.db,
  json: o.json === true,
  ...(o.at !== undefined ? { at: parseDate('--at', o.at) } : {}),
});

export function eui(what: string, v: string): string {
  const e = v.toLowerCase();
  if (!isEui64(e)) throw new UsageError(`${what}: not an EUI-64 (16 hex digits): ${v}`);
  return e;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '');

/** One of `values`, matched ignoring case, spaces and punctuation (or through `aliases`). */
export function oneOf<T extends string>(
  flag: string,
  v: string,
  values: readonly T[],
  aliases: Record<string, T> = {},
): T {
  const hit = values.find((x) => norm(x) === norm(v)) ?? aliases[norm(v)];
  if (hit === undefined)
    throw new UsageError(`${flag}: one of ${[...values, ...Object.keys(aliases)].join(' | ')} (got ${v})`);
  return hit;
}

export function number(flag: string, v: string, min: number, max: number, integer = false): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new UsageError(`${flag}: ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got ${v})`);
  return n;
}

/** Reads --config FILE (JSON or YAML): windows, timers and charges of the CH lifecycle. */
export function loadChConfig(path: string | undefined): ChConfig | undefined {
  if (path === undefined) return undefined;
  let value: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    value = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UsageError(`--config ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const r = parseChConfig(value);
  if (!r.ok) throw new UsageError(`--config ${path}: ${r.problems.join('; ')}`);
  return r.config;
}

/** Sets the exit status a command returned. */
export const exit = (code: number): void => {
  if (code !== 0) process.exitCode = code;
};
