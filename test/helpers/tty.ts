/**
 * Running the CLI on a real pseudo-terminal, for what only shows on a terminal (progress bars):
 * util-linux `script -qec CMD /dev/null` gives the command a fresh pty as stdin, stdout and stderr.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../bin/gbcs-sim');
export const SCRIPT = '/usr/bin/script';
export const haveScript = existsSync(SCRIPT);

/** The environment without CI (the suite itself may run under CI=true), plus `extra`. */
export function envWithoutCi(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { CI: _ci, ...rest } = process.env;
  return { ...rest, ...extra };
}

/**
 * Runs `gbcs-sim ARGS` with stderr on a fresh pseudo-terminal and stdout to /dev/null; returns the
 * exit status and what the terminal received (stderr only).
 */
export function cliOnTty(args: string[], env: NodeJS.ProcessEnv): { code: number | null; screen: string } {
  const cmd = [BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync(SCRIPT, ['-qec', `${cmd} >/dev/null`, '/dev/null'], {
    encoding: 'utf8',
    env,
    timeout: 120_000,
  });
  return { code: r.status, screen: r.stdout };
}
