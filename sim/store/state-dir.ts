/**
 * The state directory of a command that serves devices (`serve --state DIR`; DESIGN §3: anti-replay
 * floors and credentials are durable in every command that serves devices). One folder per served
 * identity (a seed's key set and its premises):
 *
 * ```
 * DIR/premises.json    {"format": "gbcs-sim.state/1", "identity": {…}, "clockOffsetMs": 0}
 * DIR/<eui>.json       one device's DeviceState (sim/store/state-store.ts FileStateStore: written to a
 *                      temporary file and renamed, so a crash never leaves a torn file)
 * DIR/lock             the pid of the process using the folder
 * ```
 * - `identity` says whose devices the files hold (for `serve`: the seed and the premises EUIs); a
 *   folder opened with another identity is refused (STATE_MISMATCH), so devices never load state
 *   that belongs to another key set.
 * - `lock` keeps two processes from writing the same devices (STATE_IN_USE); a lock left by a
 *   process that no longer runs (killed with SIGKILL) is taken over.
 * - `clockOffsetMs`: the premises clock's offset from the wall clock (control `clock.set`), so a
 *   restarted premises keeps the time it was set to, like a device's real-time clock.
 *
 * The default folder of a seed is `./gbcs-sim-state/seed-<seed>` (`defaultStateDir`); seeds that
 * are no plain file name (other than letters, digits, `.`, `_`, `-`, or longer than 64) are named
 * by the first 16 hex digits of their SHA-256.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../protocol/bytes.ts';
import { GbcsError } from '../../protocol/errors.ts';
import { type DeviceState, deviceStateProblem } from '../device/state.ts';
import { makeDirectories } from './directories.ts';
import { FileStateStore, MemoryStateStore, type StateStore } from './state-store.ts';

export const STATE_DIR_FORMAT = 'gbcs-sim.state/1';
/** Folder under the working directory that holds the default state folders. */
export const DEFAULT_STATE_ROOT = 'gbcs-sim-state';

export const StateDirError = {
  /** Another live process holds the folder's lock. */
  STATE_IN_USE: 'STATE_IN_USE',
  /** The folder holds the devices of another identity (seed, premises). */
  STATE_MISMATCH: 'STATE_MISMATCH',
  /** The folder or its premises.json cannot be read or written. */
  STATE_UNUSABLE: 'STATE_UNUSABLE',
} as const;

/**
 * The default state folder of a seed: `<cwd>/gbcs-sim-state/seed-<seed>` for `serve`,
 * `<cwd>/gbcs-sim-state/<kind>-seed-<seed>` for another command that serves devices (`duis`), so
 * each command's devices have their own folder (see the module comment).
 */
export function defaultStateDir(seed: string, cwd: string = process.cwd(), kind?: string): string {
  const name = /^[A-Za-z0-9._-]{1,64}$/.test(seed) && !/^\.+$/.test(seed) ? seed : sha16(seed);
  return join(resolve(cwd), DEFAULT_STATE_ROOT, `${kind ? `${kind}-` : ''}seed-${name}`);
}

const sha16 = (s: string): string => toHex(sha256(new TextEncoder().encode(s))).slice(0, 16);

/** What a command that serves devices keeps between runs (durable, or in memory with `--ephemeral`). */
export interface ServedState {
  /** Device states by EUI. */
  readonly devices: StateStore<DeviceState>;
  /** The premises clock's offset from the wall clock, ms, as last saved (0 for a new folder). */
  readonly clockOffsetMs: number;
  /** Saves the clock offset (durably, for a folder). */
  saveClockOffset(ms: number): void;
  /** Where the state lives; null in memory. */
  readonly dir: string | null;
  /** Releases the folder (its lock). */
  close(): void;
}

interface PremisesFile {
  format: string;
  identity: unknown;
  clockOffsetMs: number;
}

/**
 * Writes `text` to `path` durably and atomically: a temporary file is written and fsync'd, renamed
 * over `path`, and the folder fsync'd so the rename itself survives a power cut.
 */
export function writeFileDurably(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dirFd = openSync(join(path, '..'), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's lock (see the module comment). @throws GbcsError STATE_IN_USE */
function lock(dir: string): () => void {
  const file = join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let pid = Number.NaN;
    try {
      pid = Number(readFileSync(file, 'utf8').trim());
    } catch {
      // vanished meanwhile: try again
    }
    if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || alive(pid)))
      throw new GbcsError(StateDirError.STATE_IN_USE, `state folder ${dir} is in use by process ${pid}`);
    try {
      unlinkSync(file); // left by a process that is gone
    } catch {
      // someone else took it over: the next attempt decides
    }
  }
  throw new GbcsError(StateDirError.STATE_IN_USE, `state folder ${dir}: could not take its lock`);
}

/**
 * Opens (creating when needed) the state folder `dir` for `identity` (any JSON value naming whose
 * devices it holds: for `serve`, `{kind: "serve", seed, premises}`).
 * @throws GbcsError STATE_IN_USE (another live process), STATE_MISMATCH (another identity),
 *   STATE_UNUSABLE (not a folder, unreadable, or premises.json is no state file)
 */
export function openStateDir(dir: string, identity: unknown): ServedState {
  const abs = resolve(dir);
  let release: () => void;
  try {
    makeDirectories(abs, 0o700);
    release = lock(abs);
  } catch (e) {
    if (e instanceof GbcsError) throw e;
    throw new GbcsError(StateDirError.STATE_UNUSABLE, `state folder ${abs}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    const metaPath = join(abs, 'premises.json');
    let meta: PremisesFile | null = null;
    try {
      meta = JSON.parse(readFileSync(metaPath, 'utf8')) as PremisesFile;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new GbcsError(StateDirError.STATE_UNUSABLE, `${metaPath}: ${(e as Error).message}`, {
          cause: e,
        });
    }
    if (meta) {
      if (
        typeof meta !== 'object' ||
        meta.format !== STATE_DIR_FORMAT ||
        !Number.isFinite(meta.clockOffsetMs)
      )
        throw new GbcsError(StateDirError.STATE_UNUSABLE, `${metaPath} is not a ${STATE_DIR_FORMAT} file`);
      if (!same(meta.identity, identity))
        throw new GbcsError(
          StateDirError.STATE_MISMATCH,
          `state folder ${abs} holds the devices of ${JSON.stringify(meta.identity)}, not ${JSON.stringify(identity)}`,
        );
    } else {
      meta = { format: STATE_DIR_FORMAT, identity, clockOffsetMs: 0 };
      writeFileDurably(metaPath, JSON.stringify(meta));
    }
    const m = meta;
    return {
      devices: new FileStateStore<DeviceState>(abs, deviceStateProblem),
      clockOffsetMs: m.clockOffsetMs,
      saveClockOffset(ms: number) {
        m.clockOffsetMs = ms;
        writeFileDurably(metaPath, JSON.stringify(m));
      },
      dir: abs,
      close: release,
    };
  } catch (e) {
    release();
    if (e instanceof GbcsError) throw e;
    throw new GbcsError(StateDirError.STATE_UNUSABLE, `state folder ${abs}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** State held in memory only (`--ephemeral`, tests, benches): gone when the process ends. */
export function memoryState(): ServedState {
  return {
    devices: new MemoryStateStore<DeviceState>(),
    clockOffsetMs: 0,
    saveClockOffset() {},
    dir: null,
    close() {},
  };
}
