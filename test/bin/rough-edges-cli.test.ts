/**
 * The rough edges a new user hit (issue 15, item 5; issue 8 leftovers), each as the user ran it:
 * bin/gbcs-sim as a child process, exit code and output checked.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../fixtures/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-edges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCli(args);
/** A Supplier KA certificate request and its key. */
const csr = (out: string, keyOut: string) =>
  cli(
    'keys',
    'csr',
    '--eui',
    'ab00000000010000',
    '--role',
    '2',
    '--usage',
    'ka',
    '--out',
    out,
    '--key-out',
    keyOut,
  );
/** One line on stderr naming the problem, no stack trace, exit 2. */
function expectUsage(r: CliRun, words: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(words);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const PKI = join(dir, 'pki');
const FILE = join(dir, 'a-file');
writeFileSync(FILE, 'x');
let pkiMade = false;
function pki(): string {
  if (!pkiMade) {
    const r = cli('keys', 'init', '--out', PKI);
    expect(r.code).toBe(0);
    pkiMade = true;
  }
  return PKI;
}

describe('1. unusable output paths: one line on stderr, exit 2', () => {
  it('keys init --out FILE (a file, not a folder)', () => {
    expectUsage(cli('keys', 'init', '--out', FILE), /--out .*a-file.*ENOTDIR/);
  });
  it('keys init --out /proc/x returns at once (Node 20 recursive mkdir spins there)', () => {
    expectUsage(cli('keys', 'init', '--out', '/proc/gbcs-sim-x'), /--out \/proc\/gbcs-sim-x: ENOENT/);
  });
  it('keys export --out under a missing folder (dcc-tools folder and keystore file)', () => {
    const missing = join(FILE, 'x');
    expectUsage(
      cli('keys', 'export', '--keystore', pki(), '--format', 'dcc-tools', '--out', missing),
      /--out .*ENOTDIR/,
    );
    expectUsage(
      cli('keys', 'export', '--keystore', pki(), '--format', 'gbcs-sim', '--out', missing),
      /--out .*ENOTDIR/,
    );
    expectUsage(
      cli('keys', 'export', '--keystore', pki(), '--format', 'dcc-tools', '--out', '/proc/gbcs-sim-x/y'),
      /--out .*ENOENT/,
    );
  });
  it('keys csr --out / --key-out under a missing folder', () => {
    const ok = join(dir, 'r.key');
    expectUsage(csr(join(FILE, 'x'), ok), /--out .*ENOTDIR/);
    expectUsage(csr(join(dir, 'r.csr'), join(FILE, 'k')), /--key-out .*ENOTDIR/);
  });
  it('keys issue --out under a missing folder', () => {
    const request = join(dir, 'i.csr');
    expect(csr(request, join(dir, 'i.key')).code).toBe(0);
    expectUsage(
      cli(
        'keys',
        'issue',
        '--pki',
        pki(),
        '--csr',
        request,
        '--submitter',
        'supplier',
        '--out',
        join(FILE, 'x'),
      ),
      /--out .*ENOTDIR/,
    );
  });
});

describe('2. keys init --not-before: only dates whose validity the SMKI profile can encode', () => {
  it('1949-06-01 (UTCTime would read 2049) and 9990-06-01 (notAfter past 9999) exit 2 with the range', () => {
    for (const d of ['1949-06-01', '9990-06-01']) {
      const out = join(dir, `nb-${d}`);
      const r = cli('keys', 'init', '--out', out, '--not-before', d);
      expectUsage(r, /--not-before .*(UTCTime|GeneralizedTime 99991231235959Z).*1950-01-01 to 9969-12-31/);
      expect(existsSync(out)).toBe(false);
    }
  });
  it('the last date accepted writes certificates the validator accepts', () => {
    const out = join(dir, 'nb-last');
    expect(cli('keys', 'init', '--out', out, '--not-before', '9969-12-31T23:59:59Z').code).toBe(0);
    const certs = readdirSync(out)
      .filter((f) => f.endsWith('.pem'))
      .map((f) => join(out, f));
    const r = cli(
      'keys',
      'validate',
      ...certs,
      '--ca',
      join(out, 'ca', 'roots.pem'),
      '--ca',
      join(out, 'ca', 'issuing.pem'),
    );
    expect(r.lines).toHaveLength(19);
    expect(r.lines.map((l) => JSON.parse(l).ok)).toEqual(Array(19).fill(true));
    expect(r.code).toBe(0);
  });
});
