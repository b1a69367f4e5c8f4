/**
 * Durable device state (DESIGN §3): anti-replay floors and credentials must survive a restart.
 * `MemoryStateStore` for tests and fleets held in memory; `FileStateStore` writes one JSON file per
 * device atomically (write to a temporary file, then rename), so a crash never leaves a torn file.
 * A device's state holds its key pairs (CS02c/CS02d): files are 0600, a directory created 0700.
 */
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, GbcsError } from '../protocol/errors.ts';
import type { Eui64 } from '../protocol/types.ts';
import { mkdirPrivateSync, writePrivateFileSync } from './private-files.ts';

export interface StateStore<T> {
  load(eui: Eui64): T | undefined;
  save(eui: Eui64, state: T): void;
}

export class MemoryStateStore<T> implements StateStore<T> {
  private readonly map = new Map<Eui64, string>();
  load(eui: Eui64): T | undefined {
    const s = this.map.get(eui);
    return s === undefined ? undefined : (JSON.parse(s) as T);
  }
  save(eui: Eui64, state: T): void {
    this.map.set(eui, JSON.stringify(state));
  }
}

export class FileStateStore<T> implements StateStore<T> {
  private readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
    mkdirPrivateSync(dir);
  }
  load(eui: Eui64): T | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.dir, `${eui}.json`), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new GbcsError(ErrorCode.BAD_VALUE, `device state ${eui}.json is not JSON`, { cause: e });
    }
  }
  save(eui: Eui64, state: T): void {
    const file = join(this.dir, `${eui}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    writePrivateFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, file);
  }
}
