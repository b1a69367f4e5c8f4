/**
 * Issue 8, finding 7: files holding key material are never world-readable. Every command that
 * writes key material is run as a user runs it, under a umask of 0022 (the usual default, which
 * leaves plain files 0644), and `fs.stat` checks the mode of every file and directory it wrote
 * against a table: private keys, keystores, the Contingency Symmetric Key and smki.json (it holds
 * the seed every test key derives from) 0600; directories the command created 0700; certificates
 * and requests may stay 0644. A file that existed with 0644 is tightened when overwritten.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStateStore } from '../../../sim/store/state-store.ts';
import { BIN } from '../../fixtures/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-key-modes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI under umask 0022 (set by the shell that execs it). */
function cli(...args: string[]) {
  const r = spawnSync('sh', ['-c', 'umask 022 && exec "$0" "$@"', BIN, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`gbcs-sim ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r;
}

const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8).padStart(4, '0');

/** Every file and directory below `root` (relative paths; directories end with '/'), with its mode. */
function modes(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out[`${relative(root, p)}/`] = mode(p);
        walk(p);
      } else out[relative(root, p)] = mode(p);
    }
  };
  walk(root);
  return out;
}

/** What `keys init` writes: the expected mode of each kind of file. */
function expectedInitMode(file: string): string {
  if (file.endsWith('/')) return '0700';
  if (file.endsWith('.pem')) return '0644'; // certificates (and CA bundles)
  if (
    file.endsWith('.key') ||
    file === 'keystore.json' ||
    file === 'smki.json' ||
    file === 'ca/contingency-symmetric.hex'
  )
    return '0600';
  return `unexpected file ${file}`;
}

/** Everything under `root` made world-readable, as a version before the fix left it. */
function loosen(root: string): void {
  for (const p of Object.keys(modes(root))) chmodSync(join(root, p), p.endsWith('/') ? 0o755 : 0o644);
  chmodSync(root, 0o755);
}

describe('key material is written 0600 (directories 0700) under umask 0022', () => {
  const pki = join(dir, 'pki');

  it('keys init: the PKI directory and ca/ 0700; keys, keystore.json, smki.json, contingency 0600; certificates 0644', () => {
    cli('keys', 'init', '--out', pki, '--seed', '7');
    expect(mode(pki)).toBe('0700');
    const got = modes(pki);
    expect(Object.keys(got)).toEqual(
      expect.arrayContaining([
        'ca/',
        'ca/root-oca.key',
        'ca/issuing-oca.key',
        'ca/root-dca.key',
        'ca/issuing-dca.key',
        'ca/contingency.key',
        'ca/contingency-symmetric.hex',
        'keystore.json',
        'smki.json',
        'ab00000000010000-pp-ka.key',
        'd000000000000003-ds.key',
        'd000000000000003-ds.pem',
      ]),
    );
    for (const [file, m] of Object.entries(got)) expect(m, file).toBe(expectedInitMode(file));
  });

  it('keys init --force over files left 0644: every key file tightened to 0600', () => {
    loosen(pki);
    cli('keys', 'init', '--out', pki, '--seed', '7', '--force');
    for (const [file, m] of Object.entries(modes(pki)))
      expect(m, file).toBe(file.endsWith('/') ? '0755' : expectedInitMode(file)); // existing directories keep their mode
  });

  it('keys issue / revoke / import rewrite smki.json 0600, tightening one left 0644; keys issue --out is a certificate (0644)', () => {
    const csr = join(dir, 'dev.csr');
    const key = join(dir, 'dev.key');
    writeFileSync(key, 'stale, world-readable\n', { mode: 0o644 });
    chmodSync(key, 0o644);
    cli('keys', 'csr', '--eui', 'd000000000000003', '--usage', 'ds', '--out', csr, '--key-out', key);
    expect(mode(key)).toBe('0600'); // keys csr --key-out tightens a file it overwrites
    expect(mode(csr)).toBe('0644');
    const smki = join(pki, 'smki.json');
    chmodSync(smki, 0o644);
    const cert = join(dir, 'dev.pem');
    const issued = cli('keys', 'issue', '--pki', pki, '--csr', csr, '--submitter', 'supplier', '--out', cert);
    expect(mode(smki)).toBe('0600');
    expect(mode(cert)).toBe('0644');
    chmodSync(smki, 0o644);
    const serial = JSON.parse(issued.stdout).serial as string;
    cli('keys', 'revoke', '--pki', pki, '--serial', serial, '--by', 'supplier');
    expect(mode(smki)).toBe('0600');
    chmodSync(smki, 0o644);
    cli('keys', 'import', '--pki', pki, join(pki, 'keystore.json'));
    expect(mode(smki)).toBe('0600');
  });

  it('keys csr --key-out: a new key file 0600, the request 0644', () => {
    const key = join(dir, 'org.key');
    const csr = join(dir, 'org.csr');
    const org = ['--eui', 'ab00000000010000', '--usage', 'ka', '--role', '2'];
    cli('keys', 'csr', ...org, '--out', csr, '--key-out', key);
    expect([mode(key), mode(csr)]).toEqual(['0600', '0644']);
  });

  it('keys export, every format: keystore files 0600, a created directory 0700 with .key 0600 and .pem 0644', () => {
    const tools = join(dir, 'export', 'tools'); // parents created too: 0700 each
    cli('keys', 'export', '--keystore', pki, '--format', 'dcc-tools', '--out', tools);
    expect(mode(join(dir, 'export'))).toBe('0700');
    expect(mode(tools)).toBe('0700');
    const files = modes(tools);
    expect(Object.keys(files).length).toBeGreaterThan(30);
    for (const [file, m] of Object.entries(files))
      expect(m, file).toBe(file.endsWith('.key') ? '0600' : '0644');

    for (const format of ['dcc-boxed', 'gbcs-sim']) {
      const out = join(dir, `exported-${format}.json`);
      cli('keys', 'export', '--keystore', pki, '--format', format, '--out', out);
      expect(mode(out), format).toBe('0600');
      chmodSync(out, 0o644);
      cli('keys', 'export', '--keystore', pki, '--format', format, '--out', out);
      expect(mode(out), `${format}, overwritten`).toBe('0600');
    }
    loosen(tools);
    cli('keys', 'export', '--keystore', pki, '--format', 'dcc-tools', '--out', tools);
    for (const [file, m] of Object.entries(modes(tools)))
      if (file.endsWith('.key')) expect(m, file).toBe('0600');
  });

  it('a path that cannot be written: one line on stderr naming the flag, exit 2, no stack trace', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    for (const args of [
      ['keys', 'init', '--out', join(blocker, 'pki')],
      [
        'keys',
        'csr',
        '--eui',
        'd000000000000003',
        '--usage',
        'ds',
        '--out',
        join(dir, 'x.csr'),
        '--key-out',
        join(blocker, 'x.key'),
      ],
      ['keys', 'export', '--keystore', pki, '--format', 'gbcs-sim', '--out', join(blocker, 'ks.json')],
      ['keys', 'export', '--keystore', pki, '--format', 'dcc-tools', '--out', join(blocker, 'tools')],
    ]) {
      const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 120_000 });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toEqual([
        expect.stringMatching(/^gbcs-sim: --(out|key-out) \S+: ENOTDIR/),
      ]);
    }
  });

  it('FileStateStore (device state holds the CS02c/CS02d key pairs): directory 0700, state files 0600', () => {
    const previous = process.umask(0o022);
    try {
      const stateDir = join(dir, 'state', 'devices');
      const store = new FileStateStore<{ privateKey: string }>(stateDir);
      store.save('d000000000000003', { privateKey: '00' });
      expect(mode(join(dir, 'state'))).toBe('0700');
      expect(mode(stateDir)).toBe('0700');
      expect(mode(join(stateDir, 'd000000000000003.json'))).toBe('0600');
      mkdirSync(join(dir, 'state2'), { mode: 0o755 });
      new FileStateStore(join(dir, 'state2')).save('d000000000000003', { privateKey: '00' });
      expect(mode(join(dir, 'state2', 'd000000000000003.json'))).toBe('0600');
    } finally {
      process.umask(previous);
    }
  });
});
