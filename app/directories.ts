/**
 * Making output folders safely. Node 20's `mkdirSync(path, {recursive: true})` never returns for a
 * path under /proc that does not exist (it spins: `mkdir` answers ENOENT for the missing parent
 * and Node retries the parent forever; issue 15 finds `keys init --out /proc/x` at 60% CPU), so
 * output folders are made one level at a time here, each failure surfacing as its errno code.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GbcsError } from '../protocol/errors.ts';

/**
 * Makes `path` and its missing parents (like `mkdir -p`). Returns quietly when it is already a
 * directory.
 * @throws the `mkdir`/`stat` error (`code` ENOENT, EACCES, ENOTDIR, EROFS, …); ENOTDIR when an
 *   existing part of the path is not a directory.
 */
export function makeDirectories(path: string): void {
  const missing: string[] = [];
  let p = resolve(path);
  for (;;) {
    try {
      const st = statSync(p);
      if (!st.isDirectory()) throw new GbcsError('ENOTDIR', `ENOTDIR: not a directory, mkdir '${p}'`);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      missing.push(p);
      const up = dirname(p);
      if (up === p) break;
      p = up;
    }
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dir).isDirectory()) throw e;
    }
  }
}
