/**
 * Kernel pseudo-terminal pairs made by socat — what `serve --pty` creates when its path does not
 * exist yet, and what the integration tests and the hw bench use:
 *
 * ```
 * socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B
 * ```
 * Bytes written to the tty behind A come out of the one behind B and back. socat removes the links
 * when it stops (SIGTERM).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, unlinkSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { TransportError } from './errors.ts';

/** Every socat this process started and has not stopped: killed when the process exits, however. */
const live = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) c.stdin?.end();
    });
  }
}

/** True when `socat` runs here. */
export function socatAvailable(): boolean {
  const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  return r.status === 0;
}

export interface PtyPair {
  /** The two link paths (symlinks to /dev/pts/N). */
  readonly a: string;
  readonly b: string;
  readonly pid: number;
  /** Stops socat (SIGTERM, SIGKILL after 2 s) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when socat exits, for whatever reason. */
  readonly exited: Promise<number | null>;
}

/**
 * Starts socat linking `a` and `b`; resolves when both links exist.
 * @throws TransportError OPEN_FAILED (socat missing, or the links did not appear within `timeoutMs`)
 */
export async function startPtyPair(a: string, b: string, timeoutMs = 5000): Promise<PtyPair> {
  // socat dies with us: it runs under a small sh whose watcher reads our end of a pipe (its stdin);
  // when that pipe closes — stop() closes it, and the kernel does when this process dies, even by
  // SIGKILL — the watcher sends socat SIGTERM (socat removes its links) and sh exits with socat.
  // socat has no parent-death option of its own, and Node cannot set PR_SET_PDEATHSIG.
  const child: ChildProcess = spawn(
    'sh',
    [
      '-c',
      'exec 3<&0; socat "$@" <&- & s=$!; { read _ <&3; kill $s 2>/dev/null; } & wait $s',
      'sh',
      '-d',
      '-d',
      `pty,raw,echo=0,link=${a}`,
      `pty,raw,echo=0,link=${b}`,
    ],
    // Its own process group: a terminal's Ctrl-C (SIGINT to the foreground group) reaches only us,
    // and we close the link before stopping socat — socat dying first looked like an unplug and
    // printed a false "link lost, reconnecting" on a clean shutdown (issue 15).
    { stdio: ['pipe', 'ignore', 'pipe'], detached: true },
  );
  track(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end(); // the watcher stops socat (SIGTERM), then sh exits
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 2000);
      await exited;
      clearTimeout(t);
    }
  };
  const ready = (): boolean => isLink(a) && isLink(b) && existsSync(a) && existsSync(b);
  let waited = 0;
  while (!ready()) {
    const r = await Promise.race([
      new Promise<'tick'>((res) => setTimeout(() => res('tick'), 10)),
      spawnError,
      exited.then(() => 'exit' as const),
    ]);
    waited += 10;
    if (r instanceof Error || r === 'exit' || waited >= timeoutMs) {
      await stop();
      const why =
        r instanceof Error ? r.message : r === 'exit' ? `socat exited: ${stderr.trim()}` : 'timed out';
      throw new TransportError('OPEN_FAILED', `pty pair ${a} ↔ ${b}: ${why}`);
    }
  }
  return { a, b, pid: child.pid!, stop, exited };
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * The socat holding the pty pair `serve --pty PATH` made (the one whose `link=` names `PATH.serve`),
 * found through /proc (Linux): its pid, or null when none runs (or /proc is not there).
 */
export function ptyPairOwner(path: string): number | null {
  const want = resolve(`${path}.serve`);
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
      if (basename(argv[0] ?? '') !== 'socat') continue;
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      for (const a of argv) {
        const m = /(?:^|,)link=([^,]+)/.exec(a);
        if (m && resolve(cwd, m[1]!) === want) return Number(pid);
      }
    } catch {
      // A process that ended meanwhile, or one not ours to read.
    }
  }
  return null;
}

/**
 * What a previous `serve --pty PATH` left: `PATH.serve` is a symlink (serve's own end) — a serve
 * killed without stopping its socat (SIGKILL) leaves both links. When the socat that made them still
 * runs, its pid (`{ heldBy }`); otherwise the stale links (`PATH`, `PATH.serve`, symlinks only) are
 * removed (`{ removed }`). `null` when PATH.serve is no symlink: nothing of a previous serve there.
 * Without /proc a live pair cannot be told from a stale one: links that still resolve count as held
 * (`heldBy: null`).
 */
export function clearStalePtyPair(path: string): { heldBy: number | null } | { removed: string[] } | null {
  const own = `${path}.serve`;
  if (!isLink(own)) return null;
  const pid = ptyPairOwner(path);
  if (pid !== null) return { heldBy: pid };
  if (!existsSync('/proc/self') && existsSync(own)) return { heldBy: null };
  const removed: string[] = [];
  for (const p of [own, path])
    if (isLink(p)) {
      unlinkSync(p);
      removed.push(p);
    }
  return { removed };
}
