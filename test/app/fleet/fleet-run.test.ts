/**
 * `gbcs-sim fleet run` as shipped (bin/gbcs-sim, workers through app/fleet/worker-entry.mjs): the
 * last line is the summary, every command of the default mix is accepted (critical, non-critical,
 * GSME through the GPF), shards split the fleet, usage errors exit 2 with one line.
 * No timing is asserted (speed is `npm run bench -- fleet`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../../fixtures/paths.ts';

const run = (...args: string[]) =>
  spawnSync(BIN, ['fleet', 'run', ...args], {
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, CI: '1' },
  });

const summaryOf = (stdout: string) => {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!).summary;
};

describe('gbcs-sim fleet run', () => {
  it('2 workers drive the default mix over 6 premises: all accepted, summary last', {
    timeout: 240_000,
  }, () => {
    const r = run(
      '--premises',
      '6',
      '--workers',
      '2',
      '--commands',
      '40',
      '--duration',
      '120',
      '--json',
      '--warm',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const s = summaryOf(r.stdout);
    expect(Object.keys(s)).toEqual([
      'premises',
      'workers',
      'commands',
      'commandsPerSecond',
      'p50Ms',
      'p99Ms',
      'rssMb',
      'failed',
    ]);
    expect(s).toMatchObject({ premises: 6, workers: 2, commands: 40, failed: 0 });
    expect(s.p99Ms).toBeGreaterThanOrEqual(s.p50Ms);
  });

  it('a mix file of one GSME step: every command goes through the GPF queue and is answered', {
    timeout: 240_000,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-mix-'));
    const mix = join(dir, 'mix.yaml');
    writeFileSync(
      mix,
      '- label: "read the GSME consumption register (waits for the GSME to wake)"\n  weight: 1\n',
    );
    const r = run(
      '--premises',
      '3',
      '--commands',
      '5',
      '--duration',
      '120',
      '--mix',
      mix,
      '--crypto',
      'node',
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^fleet: 3 premises on 1 worker\(s\): 5 commands/);
    expect(summaryOf(r.stdout)).toMatchObject({ commands: 5, failed: 0 });
  });

  it('usage errors: exit 2, one line on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-mix-'));
    const mix = join(dir, 'bad.json');
    writeFileSync(mix, '[{"label": "no such step", "weight": 1}]');
    for (const args of [
      ['--premises', '0'],
      ['--premises', '10', '--workers', 'x'],
      ['--premises', '10', '--duration', '-1'],
      ['--premises', '10', '--mix', mix],
      ['--premises', '10', '--crypto', 'rsa'],
    ]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });
});
