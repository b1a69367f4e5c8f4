/**
 * What the `inventory` and `ch` commands share: opening the DCC database for one command (and
 * removing a file the command created if it then fails, so a refused or malformed request leaves
 * nothing behind), the clock of a command, and how changes print (text or JSON Lines).
 */
import { existsSync, rmSync } from 'node:fs';
import type { ChChange } from '../sim/ch/hubs.ts';
import { type Clock, VirtualClock, WallClock } from '../sim/clock.ts';
import { type Db, openDccDatabase } from '../sim/store/dcc-database.ts';

/** Where a command writes: data lines to stdout, diagnostics to stderr. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** stderr is a terminal (progress bars only then). */
  errIsTty: boolean;
  /** The stream a progress bar draws on. */
  progressStream?: NodeJS.WritableStream;
}

export const processIo = (): Io => ({
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  errIsTty: process.stderr.isTTY === true,
  progressStream: process.stderr,
});

export const DEFAULT_DB = './gbcs-sim.db';

/** Options every inventory / ch command takes. */
export interface DbOptions {
  db?: string;
  /** The time of the operation (ms); default the wall clock's now. */
  at?: number;
  json?: boolean;
}

/** The clock of one command: fixed at `--at`, else the wall clock (labs). */
export const commandClock = (at: number | undefined): Clock =>
  at === undefined ? new WallClock() : new VirtualClock(at);

/**
 * Runs `fn` with the database at `path` open. `create: false` refuses a missing file (DB_NOT_FOUND);
 * with `create: true`, a file this call created is removed again if `fn` throws.
 */
export function withDatabase<T>(path: string, create: boolean, fn: (db: Db) => T): T {
  const existed = path === ':memory:' || existsSync(path);
  const db = openDccDatabase(path, { mustExist: !create });
  let ok = false;
  try {
    const r = fn(db);
    ok = true;
    return r;
  } finally {
    db.close();
    if (!ok && !existed)
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  }
}

export const isoTime = (ms: number): string => new Date(ms).toISOString();
export const pounds = (pence: number): string => `£${(pence / 100).toFixed(2)}`;

/** A change as a JSON object (times as ISO 8601). */
export function changeJson(c: ChChange): Record<string, unknown> {
  return { ...c, at: isoTime(c.at) };
}

/** A change as one line of text. */
export function changeText(c: ChChange): string {
  const when = isoTime(c.at);
  switch (c.change) {
    case 'smiStatus':
      return `${when}  ${c.deviceId}  ${c.deviceType.padEnd(6)}  SMI ${c.from ?? '(new)'} → ${c.to ?? '(removed from the SMI)'}  ${c.event} (${c.srv})`;
    case 'dccAlert':
      return `${when}  ${c.deviceId}  DCC alert ${c.alert}${c.details ? ` ${JSON.stringify(c.details)}` : ''}`;
    case 'chState':
      return `${when}  hub ${c.hubId}  ${c.from ?? '(new)'} → ${c.to}  ${c.event}${
        c.charge ? `  charge ${pounds(c.charge.pence)} ${c.charge.kind} (${c.charge.payer})` : ''
      }${c.responsibility ? `  F9: ${c.responsibility}` : ''}`;
  }
}

/** Prints changes: one JSON object per line with `json`, else one text line each. */
export function printChanges(io: Io, changes: readonly ChChange[], json: boolean | undefined): void {
  for (const c of changes) io.out(json ? JSON.stringify(changeJson(c)) : changeText(c));
}
