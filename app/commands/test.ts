/** What `gbcs-sim test` does with its parsed flags (bin/commands/test.ts defines the flags; DESIGN §4). */
/**
 * What the command does with its parsed flags (bin/commands/test.ts defines the flags).
 * `gbcs-sim test FILE…|DIR [--junit FILE] [--json] [--target premises|port …]` (issue 15 item 1). */
import { closeSync, existsSync, ftruncateSync, openSync, rmSync, writeSync } from 'node:fs';
import type { FramingName } from '../../hw/framing/index.ts';
import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import { EXIT_FAILURE, EXIT_OK, out, UsageError } from '../cli-io.ts';
import { runTests, type TestTarget } from '../test/runner.ts';

export interface TestFlags {
  junit?: string;
  json?: boolean;
  seed: string;
  target: 'premises' | 'port';
  port?: string;
  tcp?: string;
  baud: string;
  framing: FramingName;
  timeoutMs: string;
  retries: string;
  crypto: CryptoBackendName;
}

export const int = (flag: string, v: string, min: number, max: number): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`${flag}: an integer ${min}..${max}`);
  return n;
};

export function targetOf(o: TestFlags): TestTarget {
  if (o.target === 'premises') {
    if (o.port !== undefined || o.tcp !== undefined)
      throw new UsageError('test: --port and --tcp go with --target port');
    return { kind: 'premises' };
  }
  if ((o.port === undefined) === (o.tcp === undefined))
    throw new UsageError('test --target port: give one of --port PATH or --tcp HOST:PORT');
  let link: Extract<TestTarget, { kind: 'port' }>['link'];
  if (o.tcp !== undefined) {
    const m = /^(.+):(\d+)$/.exec(o.tcp);
    if (!m) throw new UsageError('--tcp: HOST:PORT');
    link = { host: m[1]!, port: int('--tcp port', m[2]!, 1, 65_535) };
  } else link = { path: o.port!, baudRate: int('--baud', o.baud, 50, 4_000_000) };
  return {
    kind: 'port',
    link,
    framing: o.framing,
    timeoutMs: int('--timeout-ms', o.timeoutMs, 1, 3_600_000),
    retries: int('--retries', o.retries, 0, 1000),
  };
}

export const testAction = async (inputs: string[], o: TestFlags) => {
  const target = targetOf(o);
  // The report file is opened (not emptied) before anything runs: an unusable path is a usage
  // error; a report from an earlier run stays until this run has one to write.
  let fd: number | null = null;
  const made = o.junit !== undefined && !existsSync(o.junit);
  let written = false;
  if (o.junit !== undefined) {
    try {
      fd = openSync(o.junit, 'a');
    } catch (e) {
      throw new UsageError(
        `--junit ${o.junit}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  try {
    const { summary, cases, xml } = await runTests({
      inputs,
      seed: o.seed,
      crypto: createCrypto(o.crypto),
      target,
      json: o.json ?? false,
      write: out,
    });
    if (fd !== null) {
      ftruncateSync(fd, 0);
      writeSync(fd, xml, 0);
    }
    written = true;
    out(
      o.json
        ? JSON.stringify({ summary })
        : `summary: ${summary.scenarios} scenarios, ${summary.steps} steps: ${summary.passed} passed, ${summary.failed} failed`,
    );
    const failed = cases.filter((c) => c.status === 'failed');
    if (failed.length > 0) {
      const names = failed.map((c) => `${c.file} step ${c.step} ${JSON.stringify(c.label)}`);
      process.stderr.write(
        `gbcs-sim: test: ${failed.length} of ${summary.steps} steps failed: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}\n`,
      );
    }
    process.exitCode = failed.length === 0 ? EXIT_OK : EXIT_FAILURE;
  } finally {
    if (fd !== null) closeSync(fd);
    // A run that stopped before its report (a bad scenario) leaves no empty report behind.
    if (!written && made && o.junit !== undefined) rmSync(o.junit, { force: true });
  }
};
