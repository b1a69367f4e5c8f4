/**
 * `conformance` (issue 15 item 2): exit 1 with the reason on stderr when nothing was found, nothing
 * matched or fewer than --min-match (default 90%) matched; `--out DIR` writes our own responses and
 * alerts as RTDS-named hex files; a progress bar on a terminal only.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR } from '../fixtures/shared.ts';
import { BIN, cliOnTty, envWithoutCi, haveScript } from '../fixtures/tty.ts';

describeShared('conformance: progress, exit rules and --out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-conf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[]) =>
    spawnSync(BIN, ['conformance', ...args], { encoding: 'utf8', env: envWithoutCi(), timeout: 120_000 });
  /** A small RTDS tree: one scenario that matches (ECS26c) and one that does not (CCS07, README). */
  const tree = join(dir, 'tree');
  rmSync(tree, { recursive: true, force: true });
  for (const f of ['6.2.2_ECS26c', '8.9_CCS07']) {
    mkdirSync(tree, { recursive: true });
    cpSync(join(RTDS_DIR, f), join(tree, f), { recursive: true });
  }

  it('exit 1 with the reason on stderr when no scenario is found', () => {
    const r = run(['--rtds', `${dir}/none-here`, '--keystore', RTDS_KEYSTORE_DIR]);
    expect(r.status).toBe(2); // not a directory: usage
    mkdirSync(join(dir, 'empty'), { recursive: true });
    const e = run(['--rtds', join(dir, 'empty'), '--keystore', RTDS_KEYSTORE_DIR]);
    expect(e.status).toBe(1);
    expect(e.stdout.trim()).toBe('summary: 0/0 scenarios matched, 0 mismatched');
    expect(e.stderr).toMatch(/^gbcs-sim: conformance: no RTDS scenario under .*empty/m);
  });

  it('exit 1 when nothing matched (a keystore of other identities), even with --min-match 0', () => {
    const other = join(RTDS_DIR, '../../smartdcc-dccboxed-keystore/keystore.json');
    const r = run(['--rtds', tree, '--keystore', other, '--acb', '90b3d51f30000002', '--min-match', '0']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('summary: 0/2 scenarios matched');
    expect(r.stderr).toContain('gbcs-sim: conformance: none of 2 scenarios matched');
  });

  it('the default --min-match (90%) fails 1 of 2; --min-match 50 passes it', () => {
    const r = run(['--rtds', tree, '--keystore', RTDS_KEYSTORE_DIR]);
    expect(r.stdout).toContain('summary: 1/2 scenarios matched');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('1 of 2 scenarios matched (50.0%), below --min-match 90%');
    const ok = run(['--rtds', tree, '--keystore', RTDS_KEYSTORE_DIR, '--min-match', '50']);
    expect(ok.status).toBe(0);
    expect(ok.stderr).not.toContain('gbcs-sim: conformance:');
  });

  it('--out writes our responses as RTDS-named hex files that decode as responses of the scenario', () => {
    const out = join(dir, 'out');
    const r = run(['--rtds', tree, '--keystore', RTDS_KEYSTORE_DIR, '--min-match', '50', '--out', out]);
    expect(r.status).toBe(0);
    const d = spawnSync(
      BIN,
      [
        'decode',
        '--json',
        '--keystore',
        RTDS_KEYSTORE_DIR,
        join(out, '6.2.2_ECS26c', 'ECS26c_6.2.2_SUCCESS_RESPONSE_GBCS.HEX'),
      ],
      { encoding: 'utf8' },
    );
    const j = JSON.parse(d.stdout.trim());
    expect(j).toMatchObject({ ok: true, mac: 'valid', header: { craFlag: 2, useCase: 'ECS26c' } });
    expect(existsSync(join(out, '8.9_CCS07', 'CCS07_8.9_SUCCESS_RESPONSE_GBCS.HEX'))).toBe(true);
    const bad = run(['--rtds', tree, '--keystore', RTDS_KEYSTORE_DIR, '--out', '/proc/nope/x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n').at(-1)).toMatch(
      /^gbcs-sim: --out: cannot make \/proc\/nope\/x: ENOENT/,
    );
  });

  it('draws its bar on a terminal only', () => {
    if (!haveScript) return;
    const tty = cliOnTty(
      ['--rtds', tree, '--keystore', RTDS_KEYSTORE_DIR, '--min-match', '50'].flatMap((a, i) =>
        i === 0 ? ['conformance', a] : [a],
      ),
      envWithoutCi(),
    );
    expect(tty.code).toBe(0);
    expect(tty.screen).toContain('conformance |');
    expect(tty.screen).toContain('2/2 scenarios');
    const pipe = run(['--rtds', tree, '--keystore', RTDS_KEYSTORE_DIR, '--min-match', '50']);
    expect(pipe.stderr).not.toContain('conformance |');
  });
});
