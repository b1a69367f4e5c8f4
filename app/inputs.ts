/**
 * CLI inputs (DESIGN §4): a file with one message in hex or base64 (whitespace ignored; which one
 * is told from the text, protocol/bytes.ts `messageBytes`), a directory (every `*.hex`, `*.b64`,
 * `*.base64` below it, any case, sorted by path), or `-` (one message per stdin line; blank lines
 * are skipped). A file that cannot be read, or is larger than any GBCS message can be, becomes an
 * input with an `error` (reported as one JSON error line), so one bad file never stops a run.
 * Every read is bounded (sim/store/bounded-read.ts): a file, device or FIFO is read up to
 * `MAX_INPUT_BYTES + 1` bytes, a stdin line past `MAX_INPUT_BYTES` is discarded as it streams; either
 * is one TOO_LARGE input.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, GbcsError } from '../protocol/errors.ts';
import { GBT_MAX_BLOCK_DATA, GBT_MAX_BLOCKS } from '../protocol/gbt.ts';
import { type BoundedLine, readFileBounded } from '../sim/store/bounded-read.ts';

/**
 * Largest input file read: the hex of the largest reassembled GBT message (255 blocks of 1200
 * bytes), doubled for whitespace and line breaks.
 */
export const MAX_INPUT_BYTES = GBT_MAX_BLOCKS * GBT_MAX_BLOCK_DATA * 2 * 2;

export interface InputItem {
  /** `<path>` or `stdin:<line>` (1-based). */
  input: string;
  text: string;
  /** Set when the input could not be read: `text` is then empty. */
  error?: { code: string; offset: number; message: string };
}

/** Files a directory input reads: hex or base64 messages. */
const INPUT_FILE = /\.(hex|b64|base64)$/i;

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (INPUT_FILE.test(e.name)) out.push(p);
  }
}

/** The TOO_LARGE error of an input of `size` bytes (`atLeast`: a stream cut at the cap). */
function tooLarge(size: number, atLeast: boolean): NonNullable<InputItem['error']> {
  return {
    code: ErrorCode.TOO_LARGE,
    offset: 0,
    message: `${atLeast ? 'more than ' : ''}${size} bytes: over the ${MAX_INPUT_BYTES} bytes an input may have (twice the ${MAX_INPUT_BYTES / 2}-byte hex of the largest GBCS message)`,
  };
}

/** The message of a read error: `ENOTDIR` is "not a directory" (`a.hex/`), the rest Node's text. */
function readErrorMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOTDIR') return `not a directory: ${err.path ?? ''}`.trim();
  return err.message;
}

function readItem(path: string): InputItem {
  try {
    const r = readFileBounded(path, MAX_INPUT_BYTES);
    if (r.tooLarge) {
      const size = statSync(path).size;
      return {
        input: path,
        text: '',
        error: tooLarge(Math.max(size, MAX_INPUT_BYTES), size <= MAX_INPUT_BYTES),
      };
    }
    return { input: path, text: r.bytes.toString('utf8') };
  } catch (e) {
    return { input: path, text: '', error: { code: 'UNREADABLE', offset: 0, message: readErrorMessage(e) } };
  }
}

/**
 * Expands inputs in order. `readStdin` (stdin's lines, each bounded: `readLinesBounded`) is injected
 * so the function stays testable.
 * A path that does not exist (or cannot be reached) is an input with an `UNREADABLE` error.
 * @throws GbcsError NO_INPUT for a directory without message files, or when no input was given at all.
 */
export function expandInputs(args: readonly string[], readStdin: () => Iterable<BoundedLine>): InputItem[] {
  const items: InputItem[] = [];
  for (const a of args) {
    if (a === '-') {
      for (const l of readStdin()) {
        const input = `stdin:${l.line}`;
        if (l.tooLong) items.push({ input, text: '', error: tooLarge(MAX_INPUT_BYTES, true) });
        else if (l.text.trim() !== '') items.push({ input, text: l.text });
      }
      continue;
    }
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(a);
    } catch (e) {
      // A missing or unreachable path is one unreadable input; the others still run.
      items.push({
        input: a,
        text: '',
        error: { code: 'UNREADABLE', offset: 0, message: readErrorMessage(e) },
      });
      continue;
    }
    if (st.isDirectory()) {
      const files: string[] = [];
      walk(a, files);
      if (files.length === 0) throw new GbcsError('NO_INPUT', `no *.hex, *.b64 or *.base64 files in ${a}`);
      files.sort();
      for (const f of files) items.push(readItem(f));
    } else {
      items.push(readItem(a));
    }
  }
  if (items.length === 0) throw new GbcsError('NO_INPUT', 'no input messages');
  return items;
}
