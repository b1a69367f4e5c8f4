/**
 * FileStateStore (sim/store/state-store.ts): a save is durable before it returns — the temporary file is
 * written and fsync'd, renamed over the state file, then the directory is fsync'd (the rename is
 * durable only then) — and state files, which hold device private keys, are 0600 in a 0700 directory.
 */
import type * as realFs from 'node:fs';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

/** The fs calls a save makes, in order (`fsync:<path>` names the file descriptor's path). */
const calls: string[] = [];
const paths = new Map<number, string>();

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof realFs>();
  return {
    ...fs,
    openSync: (path: realFs.PathLike, ...rest: unknown[]) => {
      const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
      paths.set(fd, String(path));
      return fd;
    },
    fsyncSync: (fd: number) => {
      calls.push(`fsync:${paths.get(fd)}`);
      fs.fsyncSync(fd);
    },
    renameSync: (from: realFs.PathLike, to: realFs.PathLike) => {
      calls.push(`rename:${from}->${to}`);
      fs.renameSync(from, to);
    },
  };
});

const { FileStateStore } = await import('../../../sim/store/state-store.ts');

describe('FileStateStore', () => {
  const root = mkdtempSync(join(tmpdir(), 'gbcs-sim-store-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  beforeEach(() => {
    calls.length = 0;
  });

  it('fsyncs the file before the rename and the directory after it', () => {
    const dir = join(root, 'order');
    const store = new FileStateStore<{ n: number }>(dir);
    store.save('00db1234567890a0', { n: 1 });
    const file = join(dir, '00db1234567890a0.json');
    const tmp = `${file}.${process.pid}.tmp`;
    expect(calls).toEqual([`fsync:${tmp}`, `rename:${tmp}->${file}`, `fsync:${dir}`]);
    expect(store.load('00db1234567890a0')).toEqual({ n: 1 });
  });

  it('writes state files 0600 in a 0700 directory, even over a leftover temporary file', () => {
    const dir = join(root, 'modes');
    const store = new FileStateStore<{ n: number }>(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const file = store.fileOf('00db1234567890a0');
    writeFileSync(`${file}.${process.pid}.tmp`, 'left by a crash', { mode: 0o644 });
    store.save('00db1234567890a0', { n: 2 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(store.load('00db1234567890a0')).toEqual({ n: 2 });
  });

  it('a torn or foreign file is a typed error, a missing one no state', () => {
    const dir = join(root, 'bad');
    const store = new FileStateStore<unknown>(dir);
    expect(store.load('00db1234567890a0')).toBeUndefined();
    writeFileSync(store.fileOf('00db1234567890a0'), '{"antiRepl');
    expect(() => store.load('00db1234567890a0')).toThrow(expect.objectContaining({ code: 'BAD_VALUE' }));
  });
});
