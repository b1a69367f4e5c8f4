/**
 * Typed errors (DESIGN §5): product code throws GbcsError subclasses with a stable code, never a
 * plain Error. (Encoders keep RangeError for out-of-range arguments, a programming error the tests
 * pin by type.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../fixtures/paths.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('typed errors', () => {
  it('no plain Error is thrown in protocol/, sim/, hw/, app/ or bin/', () => {
    const plain = ['protocol', 'sim', 'hw', 'app', 'bin'].flatMap((layer) =>
      sources(join(ROOT, layer)).flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .flatMap((line, i) =>
            /\bnew Error\(|\bthrow Error\(/.test(line) && !/^\s*(\*|\/\/)/.test(line)
              ? [`${relative(ROOT, f)}:${i + 1}`]
              : [],
          ),
      ),
    );
    expect(plain).toEqual([]);
  });
});
