/**
 * Helpers for integration tests over kernel pseudo-terminals: socat pairs and gbcs-sim child
 * processes, all registered for cleanup so no socat or serve outlives its test. Suites use
 * `describePty`, which skips with a message when socat is missing (.ci/run installs it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe } from 'vitest';
import { type PtyPair, socatAvailable, startPtyPair } from '../../hw/pty.ts';

export const SOCAT = socatAvailable();
if (!SOCAT) {
  console.warn(
    '[gbcs-sim tests] socat not found: the pty integration tests are skipped (apt-get install socat).',
  );
}
export const describePty: typeof describe.skip = SOCAT ? describe : (describe.skip as typeof describe.skip);

export const BIN = resolve(import.meta.dirname, '../../bin/gbcs-sim');

export interface Cli {
  child: ChildProcess;
  /** stdout lines so far. */
  lines: string[];
  stderr: () => string;
  /** Resolves with the first stdout line (already seen or to come) matching `pred`. */
  waitLine(pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after 3 s; waits for the exit. */
  stop(): Promise<void>;
}

/** Child processes and pty pairs of one suite; `cleanup()` in afterEach/afterAll. */
export class Rig {
  readonly dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-pty-'));
  private readonly clis: Cli[] = [];
  private readonly pairs: PtyPair[] = [];

  path(name: string): string {
    return join(this.dir, name);
  }

  async pair(a: string, b: string): Promise<PtyPair> {
    const p = await startPtyPair(a, b);
    this.pairs.push(p);
    return p;
  }

  cli(args: string[]): Cli {
    const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
    const lines: string[] = [];
    let err = '';
    let partial = '';
    const watchers: Array<() => void> = [];
    child.stdout!.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      lines.push(...parts.filter((l) => l !== ''));
      for (const w of [...watchers]) w();
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (err.length < 65536) err += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const cli: Cli = {
      child,
      lines,
      stderr: () => err,
      waitLine(pred, timeoutMs = 20_000) {
        return new Promise((resolvePromise, reject) => {
          const check = () => {
            const l = lines.find(pred);
            if (l !== undefined) {
              watchers.splice(watchers.indexOf(check), 1);
              clearTimeout(timer);
              resolvePromise(l);
            }
          };
          const timer = setTimeout(() => {
            watchers.splice(watchers.indexOf(check), 1);
            reject(
              new Error(`no such line within ${timeoutMs} ms; stdout: ${lines.join('\n')}\nstderr: ${err}`),
            );
          }, timeoutMs);
          watchers.push(check);
          check();
          void exited.then(() => setTimeout(check, 0));
        });
      },
      exited,
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      },
    };
    this.clis.push(cli);
    return cli;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.clis.splice(0).map((c) => c.stop()));
    await Promise.all(this.pairs.splice(0).map((p) => p.stop()));
  }

  async dispose(): Promise<void> {
    await this.cleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const parse = (line: string): Record<string, any> => JSON.parse(line);
