/** sim/store/directories.ts: `mkdir -p` that fails with an errno code instead of spinning (Node 20 on /proc). */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirectories } from '../../../sim/store/directories.ts';

describe('makeDirectories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-dirs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes missing parents and accepts an existing directory', () => {
    const p = join(dir, 'a', 'b', 'c');
    makeDirectories(p);
    expect(statSync(p).isDirectory()).toBe(true);
    makeDirectories(p);
    makeDirectories(dir);
  });

  it('folders it creates get the mode asked for; an existing one keeps its own', () => {
    const p = join(dir, 'private', 'inner');
    makeDirectories(p, 0o700);
    expect(statSync(p).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'private')).mode & 0o777).toBe(0o700);
    makeDirectories(dir, 0o700);
    expect(statSync(dir).mode & 0o777).not.toBe(0);
  });

  it('a path under /proc that cannot exist fails ENOENT (Node 20 recursive mkdir never returns there)', () => {
    expect(() => makeDirectories('/proc/nope/x')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('a file in the way fails ENOTDIR, and nothing is made beyond it', () => {
    const f = join(dir, 'file');
    writeFileSync(f, 'x');
    expect(() => makeDirectories(join(f, 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeDirectories(f)).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });
});
