/**
 * `serve --pty PATH` after a serve killed with SIGKILL (fresh-user finding 3): the socat it started
 * may still hold PATH / PATH.serve. A restart refuses (exit 2, one line naming socat's pid) while
 * that socat runs, and removes the stale links and starts when it is gone. Real processes and a
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

describePty('serve --pty after a serve killed with SIGKILL', () => {
  it('refuses while the old socat holds the pair (exit 2, its pid named); starts once it is gone', async () => {
    const path = rig.path('hub');
    const args = ['serve', '--pty', path, '--ephemeral', '--json'];
    const first = rig.cli(args);
    await first.waitLine((l) => l.includes('"listening"'));
    first.child.kill('SIGKILL');
    await first.exited;
    const socat = ptyPairOwner(path);
    try {
      expect(socat).not.toBeNull();
      expect(isLink(path) && isLink(`${path}.serve`)).toBe(true);

      const second = rig.cli(args);
      expect(await second.exited).toBe(2);
      const err = second.stderr().trim();
      expect(err.split('\n')).toHaveLength(1);
      expect(err).toContain(`socat pid ${socat}`);
      expect(err).toContain(`kill ${socat}`);
    } finally {
      // The old socat killed as hard as its serve was: its links stay behind, stale.
      if (socat !== null) process.kill(socat, 'SIGKILL');
    }
    while (ptyPairOwner(path) !== null) await new Promise((r) => setTimeout(r, 10));
    expect(isLink(`${path}.serve`)).toBe(true);

    const third = rig.cli(args);
    await third.waitLine((l) => l.includes('"listening"'));
    expect(third.stderr()).toContain('removed stale pty links');
    expect(existsSync(path)).toBe(true);
    expect(ptyPairOwner(path)).not.toBe(socat);
    await third.stop();
  });
});
