/**
 * Progress bars (app/progress.ts, issue 15 item 3): drawn on stderr only when it is a terminal and
 * the run is not CI; never a byte in a pipe. The helper is driven with a fake TTY stream; the CLI
 * (`simulate`, `conformance`) in a real pseudo-terminal made by util-linux `script`, and in pipes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isCi, type ProgressStream, progressWanted, startProgress } from '../../app/progress.ts';
import { BIN, cliOnTty, envWithoutCi, haveScript } from '../fixtures/tty.ts';

/** A stream that says it is a terminal, collecting what is written. */
function fakeTty(isTTY = true): { stream: ProgressStream; text: () => string } {
  const s = new PassThrough() as unknown as ProgressStream & PassThrough;
  s.isTTY = isTTY;
  s.columns = 120;
  const chunks: string[] = [];
  s.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { stream: s, text: () => chunks.join('') };
}

describe('startProgress', () => {
  it('draws on a terminal: the counts, the unit and the note; clears the line when stopped', async () => {
    const t = fakeTty();
    const p = startProgress({ label: 'simulate', unit: 'days', total: 4, stream: t.stream, env: {} });
    expect(p.drawing).toBe(true);
    p.update(4, 'last');
    p.stop();
    await new Promise((r) => setImmediate(r));
    const s = t.text();
    expect(s).toContain('simulate |');
    expect(s).toContain('0/4 days');
    expect(s).toContain('4/4 days');
    expect(s).toContain('last');
    // clearOnComplete: the last thing written erases the bar's line (cursor back to column 1).
    expect(s.endsWith('\x1b[1G\x1b[2K')).toBe(true);
  });

  it('print: the bar line is cleared before a data line and drawn again after it', async () => {
    const t = fakeTty();
    const p = startProgress({ label: 'test', unit: 'steps', total: 2, stream: t.stream, env: {} });
    const order: string[] = [];
    p.print(() => {
      order.push(`before-data:${t.text().endsWith('\r\x1b[2K')}`);
    });
    await new Promise((r) => setImmediate(r));
    const after = t.text();
    p.stop();
    expect(order).toEqual(['before-data:true']);
    // drawn again after the line, with the cursor saved on the bar's new line (ESC 7).
    expect(after.slice(after.lastIndexOf('\r\x1b[2K'))).toMatch(/^\r\x1b\[2K\x1b7.*0\/2 steps/);
  });

  it('writes nothing when the stream is no terminal, or in CI, or with nothing to count', async () => {
    for (const [tty, env, total] of [
      [false, {}, 5],
      [true, { CI: 'true' }, 5],
      [true, { CI: '1' }, 5],
      [true, {}, 0],
    ] as const) {
      const t = fakeTty(tty);
      const p = startProgress({ label: 'x', unit: 'u', total, stream: t.stream, env });
      expect(p.drawing).toBe(false);
      p.update(3);
      let printed = false;
      p.print(() => {
        printed = true;
      });
      p.stop();
      await new Promise((r) => setImmediate(r));
      expect(printed).toBe(true);
      expect(t.text()).toBe('');
    }
  });

  it('isCi: CI set to anything but empty, 0 or false', () => {
    expect(isCi({})).toBe(false);
    expect(isCi({ CI: '' })).toBe(false);
    expect(isCi({ CI: '0' })).toBe(false);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: 'FALSE' })).toBe(false);
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: 'woodpecker' })).toBe(true);
    expect(progressWanted(fakeTty().stream, { CI: 'true' })).toBe(false);
    expect(progressWanted(fakeTty().stream, {})).toBe(true);
  });
});

const describeTty = haveScript
  ? describe
  : (name: string, _fn: () => void) =>
      describe(name, () => it.skip('needs util-linux script(1) to make a pseudo-terminal', () => {}));

describeTty('progress of the CLI on a terminal and in pipes', () => {
  it('simulate draws a bar on a terminal (stdout elsewhere), none with CI set', () => {
    const tty = cliOnTty(['simulate', '--days', '3'], envWithoutCi());
    expect(tty.code).toBe(0);
    expect(tty.screen).toContain('simulate |');
    expect(tty.screen).toContain('3/3 days');
    const ci = cliOnTty(['simulate', '--days', '3'], envWithoutCi({ CI: 'true' }));
    expect(ci.code).toBe(0);
    expect(ci.screen).not.toContain('simulate |');
  });

  it('ch simulate draws the same bar (app/progress.ts) on a terminal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-progress-'));
    try {
      const args = ['ch', 'simulate', '--db', join(dir, 'x.db'), '--hubs', '2', '--days', '20'];
      const tty = cliOnTty(args, envWithoutCi());
      expect(tty.code).toBe(0);
      expect(tty.screen).toContain('ch simulate |');
      expect(tty.screen).toContain('20/20 days');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('simulate in a pipe: stderr is empty, stdout is the data alone', () => {
    const r = spawnSync(BIN, ['simulate', '--days', '3', '--json'], {
      encoding: 'utf8',
      env: envWithoutCi(),
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    for (const line of r.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });
});
