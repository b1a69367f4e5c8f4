import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileBounded, readLinesBounded } from '../../../sim/store/bounded-read.ts';

describe('bounded reads (finding: /dev/zero and endless stdin lines grew without limit)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-bounded-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a device without end is read up to the cap plus one byte and reported too large', () => {
    const r = readFileBounded('/dev/zero', 100_000);
    expect(r.tooLarge).toBe(true);
    expect(r.bytes.length).toBe(100_000);
  });

  it('a file of exactly the cap is whole; one byte more is too large', () => {
    const p = join(dir, 'f');
    writeFileSync(p, 'a'.repeat(70_000));
    expect(readFileBounded(p, 70_000)).toMatchObject({ tooLarge: false });
    expect(readFileBounded(p, 70_000).bytes.toString()).toBe('a'.repeat(70_000));
    expect(readFileBounded(p, 69_999).tooLarge).toBe(true);
  });

  it('lines: CRLF trimmed, a line past the cap is one tooLong line with its length counted, the rest intact', () => {
    const p = join(dir, 'lines');
    const long = 'd'.repeat(200_000);
    writeFileSync(p, `ab\r\n${long}\n\nlast`);
    const fd = openSync(p, 'r');
    try {
      const lines = [...readLinesBounded(fd, 1000)];
      expect(lines).toEqual([
        { line: 1, text: 'ab', tooLong: false, length: 3 },
        { line: 2, text: '', tooLong: true, length: 200_000 },
        { line: 3, text: '', tooLong: false, length: 0 },
        { line: 4, text: 'last', tooLong: false, length: 4 },
      ]);
    } finally {
      closeSync(fd);
    }
  });
});
