/** `gbcs-sim catalogue [--coverage] [--json]` (issue 13): flags, output forms, exit status. */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { BIN } from '../fixtures/paths.ts';

const run = (args: string[]) =>
  spawnSync(BIN, ['catalogue', ...args], { encoding: 'utf8', timeout: 120_000 });

it('--json: one object per (code, device type), then the summary per device type; --coverage: the summary only', () => {
  const r = run(['--json']);
  expect(r.status).toBe(0);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const summary = lines.at(-1).summary;
  expect(Object.keys(summary)).toEqual(['ESME', 'GSME', 'GPF', 'CHF']);
  const rows = lines.slice(0, -1);
  for (const t of ['ESME', 'GSME', 'GPF', 'CHF']) {
    const of = rows.filter((x) => x.deviceType === t);
    expect(summary[t]).toEqual({
      implemented: of.filter((x) => x.status === 'implemented').length,
      generic: of.filter((x) => x.status === 'generic').length,
      refused: of.filter((x) => x.status === 'refused').length,
    });
  }
  expect(rows.find((x) => x.code === '0x0027' && x.deviceType === 'ESME')).toEqual({
    kind: 'command',
    code: '0x0027',
    name: 'ECS17b',
    title: 'Read ESME Energy Registers (Import Energy)',
    deviceType: 'ESME',
    status: 'implemented',
    reason: null,
  });
  const c = run(['--json', '--coverage']);
  expect(c.stdout.trim()).toBe(JSON.stringify({ summary }));
  const text = run(['--coverage']);
  expect(text.stdout.split('\n')[0]).toBe('device  implemented  generic  refused');
  expect(text.stdout).toMatch(
    new RegExp(
      `^ESME\\s+${summary.ESME.implemented}\\s+${summary.ESME.generic}\\s+${summary.ESME.refused}$`,
      'm',
    ),
  );
});

it('text: a line per code with the status per device type; an unknown flag is a usage error', () => {
  const r = run([]);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^0x0027 {2}command {5}ECS17b {31}impl {1}- {4}- {4}-$/m);
  expect(run(['--bogus']).status).toBe(2);
});
