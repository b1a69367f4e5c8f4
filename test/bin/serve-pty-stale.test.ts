/**
 * `serve --pty PATH` and the socat pair it makes (fresh-user finding 3): a serve killed with SIGKILL
 * takes its socat with it (hw/pty.ts: the watchdog pipe); a pair still held by a live socat (one
 * left by an older serve, or made by hand with serve's names) is refused (exit 2, one line naming
 * socat's pid); stale links whose socat is gone are removed and serve starts. Real processes and a
 * real socat (skipped without socat: describePty).
 */
import { existsSync, lstatSync } from 'node:fs';
import { afterAll, afterEach, expect, it } from 'vitest';
import { ptyPairOwner } from '../../hw/pty.ts';
import { describePty, Rig } from '../fixtures/pty.ts';

const rig = new Rig();
afterEach(() => rig.cleanup());
afterAll(() => rig.dispose());

const isLink = (p: string) => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};
/** Event-loop turns until socat holding PATH's pair is gone (the test's timeout bounds it). */
async function socatGone(path: string): Promise<void> {
  while (ptyPairOwner(path) !== null) await new Promise((r) => setTimeout(r, 10));
}

describePty('serve --pty: its socat and the links a killed one leaves', () => {
  it('a serve killed with SIGKILL takes its socat with it; the links go with socat', async () => {
    const path = rig.path('hub');
    const serve = rig.cli(['serve', '--pty', path, '--ephemeral', '--json']);
    await serve.waitLine((l) => l.includes('"listening"'));
    expect(ptyPairOwner(path)).not.toBeNull();
    serve.child.kill('SIGKILL');
    await serve.exited;
    await socatGone(path);
    expect(isLink(path) || isLink(`${path}.serve`)).toBe(false);
  });

  it('refuses a pair a live socat holds (exit 2, its pid named); removes it and starts once that socat is gone', async () => {
    const path = rig.path('hub2');
    const args = ['serve', '--pty', path, '--ephemeral', '--json'];
    await rig.pair(`${path}.serve`, path);
    const socat = ptyPairOwner(path)!;
    expect(socat).not.toBeNull();
    const second = rig.cli(args);
    expect(await second.exited).toBe(2);
    const err = second.stderr().trim();
    expect(err.split('\n')).toHaveLength(1);
    expect(err).toContain(`socat pid ${socat}`);
    expect(err).toContain(`kill ${socat}`);

    process.kill(socat, 'SIGKILL'); // killed hard: its links stay behind, stale
    await socatGone(path);
    expect(isLink(`${path}.serve`)).toBe(true);
    const third = rig.cli(args);
    await third.waitLine((l) => l.includes('"listening"'));
    expect(third.stderr()).toContain('removed stale pty links');
    expect(existsSync(path)).toBe(true);
    expect(ptyPairOwner(path)).not.toBe(socat);
    await third.stop();
  });
});
