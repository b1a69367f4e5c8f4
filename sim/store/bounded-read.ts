/**
 * Bounded reads: every input the CLI reads (message files, devices, FIFOs, stdin, keystores) is read
 * with a cap, so an endless source (`/dev/zero`, a pipe that never ends) costs at most `limit + 1`
 * bytes of memory and is refused, never buffered whole.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** A bounded read: `bytes` holds at most `limit` bytes; `tooLarge` when the source had more. */
export interface BoundedRead {
  bytes: Buffer;
  tooLarge: boolean;
}

const CHUNK = 64 * 1024;

/** `readSync` that waits out EAGAIN (a non-blocking stdin) instead of failing. */
function readSome(fd: number, buf: Buffer, offset: number, length: number): number {
  for (;;) {
    try {
      return readSync(fd, buf, offset, length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EOF') return 0;
      if (code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/**
 * Reads at most `limit + 1` bytes from an open file descriptor (any kind: file, device, FIFO).
 * @returns the bytes (at most `limit`) and whether there were more
 * @throws the `read` error (EISDIR, EIO, …)
 */
export function readFdBounded(fd: number, limit: number): BoundedRead {
  const buf = Buffer.alloc(Math.min(limit + 1, CHUNK));
  let bytes = Buffer.alloc(0);
  let total = 0;
  while (total <= limit) {
    const n = readSome(fd, buf, 0, Math.min(buf.length, limit + 1 - total));
    if (n === 0) break;
    bytes = Buffer.concat([bytes, buf.subarray(0, n)]);
    total += n;
  }
  return total > limit ? { bytes: bytes.subarray(0, limit), tooLarge: true } : { bytes, tooLarge: false };
}

/**
 * Reads at most `limit + 1` bytes of the file at `path` (regular file, device or FIFO).
 * @throws the `open`/`read` error (ENOENT, ENOTDIR, EACCES, EISDIR, …)
 */
export function readFileBounded(path: string, limit: number): BoundedRead {
  const fd = openSync(path, 'r');
  try {
    return readFdBounded(fd, limit);
  } finally {
    closeSync(fd);
  }
}

/** One line of a bounded line read: its text (empty when `tooLong`) and 1-based number. */
export interface BoundedLine {
  line: number;
  text: string;
  /** The line had more than `limit` bytes; its bytes were discarded as they were read. */
  tooLong: boolean;
  /** The line's length in bytes (counted even past the cap). */
  length: number;
}

/**
 * Splits what `fd` yields into lines (`\n`, a trailing `\r` dropped), keeping at most `limit` bytes
 * of any line: past the cap a line's bytes are counted and discarded, never buffered, so an endless
 * line costs `limit` bytes of memory.
 * @throws the `read` error
 */
export function* readLinesBounded(fd: number, limit: number): Generator<BoundedLine> {
  const buf = Buffer.alloc(CHUNK);
  let parts: Buffer[] = [];
  let kept = 0;
  let length = 0;
  let line = 1;
  const finish = (): BoundedLine => {
    const tooLong = length > limit;
    let text = tooLong ? '' : Buffer.concat(parts).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const r = { line, text, tooLong, length };
    parts = [];
    kept = 0;
    length = 0;
    line++;
    return r;
  };
  const take = (chunk: Buffer): void => {
    length += chunk.length;
    if (kept + chunk.length <= limit) {
      parts.push(Buffer.from(chunk));
      kept += chunk.length;
    } else if (kept > 0) {
      parts = [];
      kept = 0;
    }
  };
  for (;;) {
    const n = readSome(fd, buf, 0, buf.length);
    if (n === 0) break;
    let start = 0;
    for (let i = buf.indexOf(10, start); i !== -1 && i < n; i = buf.indexOf(10, start)) {
      take(buf.subarray(start, i));
      yield finish();
      start = i + 1;
    }
    if (start < n) take(buf.subarray(start, n));
  }
  if (length > 0) yield finish();
}
