/**
 * Making folders safely. Node 20's `mkdirSync(path, {recursive: true})` never returns for a path
 * under /proc that does not exist (it spins: `mkdir` answers ENOENT for the missing parent and Node
 * retries the parent forever; issue 15 finds `keys init --out /proc/x` at 60% CPU), so folders are
 * made one level at a time here, each failure surfacing as its errno code. Every folder a command
 * makes goes through `makeDirectories` (output folders, key folders, state folders).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GbcsError } from '../../protocol/errors.ts';

/** A part of the path exists and is not a folder: errno-shaped (`code` ENOTDIR, `syscall`, `path`). */
export class NotADirectoryError extends GbcsError {
  readonly syscall = 'mkdir';
  readonly path: string;
  constructor(path: string) {
    super('ENOTDIR', `ENOTDIR: not a directory, mkdir '${path}'`);
    this.name = 'NotADirectoryError';
    this.path = path;
  }
}

/**
 * Makes `path` and its missing parents (like `mkdir -p`), each created with `mode` (default 0777 &
 * ~umask). Returns quietly when it is already a directory (its mode unchanged).
 * @throws the `mkdir`/`stat` error (`code` ENOENT, EACCES, EROFS, …); NotADirectoryError when an
 *   existing part of the path is not a directory.
 */
export function makeDirectories(path: string, mode?: number): void {
  const missing: string[] = [];
  let p = resolve(path);
  for (;;) {
    try {
      const st = statSync(p);
      if (!st.isDirectory()) throw new NotADirectoryError(p);
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
      mkdirSync(dir, mode === undefined ? undefined : { mode });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dir).isDirectory()) throw e;
    }
  }
}
