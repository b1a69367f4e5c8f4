/**
 * `keys export --format dcc-tools` of DCC Boxed's keystore: what the summary prints is what the
 * README says (33 certificates in 19 slots, a .pem and a .key each: 38 files, 14 not exported).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.ts';
import { ROOT } from '../fixtures/paths.ts';
import { describeShared, sharedPath } from '../fixtures/shared.ts';

const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-dcc-tools-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeShared('keys export --format dcc-tools of the DCC Boxed keystore', () => {
  it('prints entries 33, files 38 (19 .pem + 19 .key), notExported 14 — as the README states', () => {
    const out = join(dir, 'out');
    const keystore = sharedPath('vectors', 'smartdcc-dccboxed-keystore.zaz1.json');
    const r = runCli(['keys', 'export', '--format', 'dcc-tools', '--keystore', keystore, '--out', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.lines[0]!)).toEqual({
      format: 'dcc-tools',
      out,
      entries: 33,
      files: 38,
      notExported: 14,
    });
    const files = readdirSync(out);
    expect(files.filter((f) => f.endsWith('.pem'))).toHaveLength(19);
    expect(files.filter((f) => f.endsWith('.key'))).toHaveLength(19);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain('its 33 certificates fill 19 slots, written as 38 files, 19 `.pem` + 19 `.key`');
    expect(readme).toContain('"entries":33,"files":38,"notExported":14');
  });
});
