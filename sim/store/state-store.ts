/**
 * Durable device state (DESIGN §3): anti-replay floors and credentials must survive a restart.
 * `MemoryStateStore` for tests and fleets held in memory; `FileStateStore` writes one JSON file per
 * device atomically and durably: write a temporary file, fsync it, rename it over the old one,
 * fsync the directory — so when `save` returns, a SIGKILL or a power loss can neither lose the
 * state (an accepted floor, a replaced cell) nor leave a torn file. State files hold the device's
 * private keys (its credentials): they are created with mode 0600, the directory with 0700.
 */
import { closeSync, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { mkdirPrivateSync } from './private-files.ts';

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
  readonly dir: string;
  private readonly problem: ((v: unknown, eui: Eui64) => string | null) | undefined;
  /** `problem` checks the shape of a loaded state: what is wrong with it (naming the field), or null. */
  constructor(dir: string, problem?: (v: unknown, eui: Eui64) => string | null) {
    this.dir = dir;
    this.problem = problem;
    mkdirPrivateSync(dir);
  }
  /** The file that holds a device's state. */
  fileOf(eui: Eui64): string {
    return join(this.dir, `${eui}.json`);
  }
  /**
   * The stored state, undefined when there is none.
   * @throws GbcsError BAD_VALUE (not JSON), STATE_UNUSABLE (the shape check refused it, naming the file and field)
   */
  load(eui: Eui64): T | undefined {
    let text: string;
    try {
      text = readFileSync(this.fileOf(eui), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new GbcsError(ErrorCode.BAD_VALUE, `device state ${eui}.json is not JSON`, { cause: e });
    }
    const problem = this.problem?.(v, eui);
    if (problem) throw new GbcsError('STATE_UNUSABLE', `device state ${this.fileOf(eui)}: ${problem}`);
    return v as T;
  }
  /** Writes the state durably (see the file doc); when it returns, the state is on disk. */
  save(eui: Eui64, state: T): void {
    const file = this.fileOf(eui);
    const tmp = `${file}.${process.pid}.tmp`;
    const data = Buffer.from(JSON.stringify(state), 'utf8');
    const fd = openSync(tmp, 'w', 0o600);
    try {
      fchmodSync(fd, 0o600); // a leftover temporary file keeps its mode otherwise
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    this.syncDirectory();
  }
  /** fsync of the directory, which makes the rename itself durable (not possible on Windows). */
  private syncDirectory(): void {
    if (process.platform === 'win32') return;
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
