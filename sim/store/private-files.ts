/**
 * Files that hold key material (private keys, the Contingency Symmetric Key, keystores, the seed
 * every test key derives from, device state with its key pairs): readable by their owner only
 * (issue 8, finding 7).
 *
 * - A file is created with mode 0600 by `open(O_CREAT, 0o600)` itself — never created wider and
 *   tightened afterwards, so there is no moment when another user can open it.
 * - A file that already exists (mode 0644 from an older version, or made by the user) is tightened
 *   to 0600 with `fchmod` on the open descriptor before the secret is written into it (the mode
 *   argument of `open` applies only when the file is created).
 * - A directory created for such files is made 0700 (`mkdir(…, 0o700)`, every level created). A
 *   directory that already exists is the user's and keeps its mode: the files in it are 0600.
 *
 * The umask can only narrow these modes (0600 & ~umask); `fchmod` ignores it, so an existing file
 * ends exactly 0600.
 */
import { closeSync, constants, fchmodSync, openSync, writeSync } from 'node:fs';
import { makeDirectories } from './directories.ts';

/** Mode of files holding key material. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of directories created for them. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Writes `data` to `path` (created or truncated) with mode 0600, as above.
 * @throws the `open`/`write` error (ENOENT for a missing parent, EACCES, EPERM when another user owns the file)
 */
export function writePrivateFileSync(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
  } finally {
    closeSync(fd);
  }
}

/** Creates `dir` (and missing parents) with mode 0700; an existing directory is left as it is. */
export function mkdirPrivateSync(dir: string): void {
  makeDirectories(dir, PRIVATE_DIR_MODE);
}
