/**
 * CLI inputs (DESIGN §4): a file with one hex message (whitespace ignored), a directory (every
 * `*.HEX`/`*.hex` below it, sorted by path), or `-` (one hex message per stdin line).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GbcsError } from '../protocol/errors.ts';

export interface InputItem {
  /** `<path>` or `stdin:<line>` (1-based). */
  input: string;
  text: string;
}

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.hex$/i.test(e.name)) out.push(p);
  }
}

/**
 * Expands inputs in order. `readStdin` is injected so the function stays testable.
 * @throws GbcsError NO_INPUT for a path that does not exist.
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
    } catch {
      throw new GbcsError('NO_INPUT', `no such file or directory: ${a}`);
    }
    if (st.isDirectory()) {
      const files: string[] = [];
      walk(a, files);
      files.sort();
      for (const f of files) items.push({ input: f, text: readFileSync(f, 'latin1') });
    } else {
      items.push({ input: a, text: readFileSync(a, 'latin1') });
    }
  }
  return items;
}
