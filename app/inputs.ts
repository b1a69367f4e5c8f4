/**
 * CLI inputs (DESIGN §4): a file with one message in hex or base64 (whitespace ignored; which one
 * is told from the text, protocol/bytes.ts `messageBytes`), a directory (every `*.hex`, `*.b64`,
 * `*.base64` below it, any case, sorted by path), or `-` (one message per stdin line; blank lines
 * are skipped). A file that cannot be read, or is larger than any GBCS message can be, becomes an
 * input with an `error` (reported as one JSON error line), so one bad file never stops a run.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, GbcsError } from '../protocol/errors.ts';
import { GBT_MAX_BLOCK_DATA, GBT_MAX_BLOCKS } from '../protocol/gbt.ts';

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

function readItem(path: string): InputItem {
  try {
    const size = statSync(path).size;
    if (size > MAX_INPUT_BYTES) {
      return {
        input: path,
        text: '',
        error: {
          code: ErrorCode.TOO_LARGE,
          offset: 0,
          message: `${size} bytes: larger than any GBCS message (${MAX_INPUT_BYTES})`,
        },
      };
    }
    return { input: path, text: readFileSync(path, 'utf8') };
  } catch (e) {
    return { input: path, text: '', error: { code: 'UNREADABLE', offset: 0, message: (e as Error).message } };
  }
}

/**
 * Expands inputs in order. `readStdin` is injected so the function stays testable.
 * A path that does not exist (or cannot be reached) is an input with an `UNREADABLE` error.
 * @throws GbcsError NO_INPUT for a directory without message files, or when no input was given at all.
 */
export function expandInputs(args: readonly string[], readStdin: () => string): InputItem[] {
  const items: InputItem[] = [];
  for (const a of args) {
    if (a === '-') {
      const lines = readStdin().split(/\r?\n/);
      lines.forEach((text, i) => {
        if (text.trim() !== '') items.push({ input: `stdin:${i + 1}`, text });
      });
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
        error: { code: 'UNREADABLE', offset: 0, message: (e as Error).message },
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
