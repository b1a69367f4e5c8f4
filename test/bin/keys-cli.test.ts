/**
 * `gbcs-sim keys …` and `gbcs-sim smki …` as a user runs them: `keys init` output passes
 * `keys validate` (chains to the generated roots) and an independent check with OpenSSL (the README
 * command, when `openssl` is on PATH); `keys issue` through the RA with the timeline; export/import;
 * `smki timeline --json`; usage errors exit 2.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKeystore } from '../../sim/store/keystore-files.ts';
import { BIN } from '../fixtures/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-keys-cli-'));
const PKI = join(dir, 'pki');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    lines: r.stdout.split('\n').filter((l) => l !== ''),
  };
}
const cli = (...args: string[]) => run(BIN, args);
const json = (line: string | undefined) => JSON.parse(line ?? 'null');
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const pems = () =>
  readdirSync(PKI)
    .filter((f) => f.endsWith('.pem'))
    .map((f) => join(PKI, f));

describe('gbcs-sim keys / smki', () => {
  it('keys init writes the PKI and the default premises credentials', () => {
    const r = cli('keys', 'init', '--out', PKI, '--seed', '3');
    expect(r.code).toBe(0);
    expect(json(r.lines[0])).toMatchObject({
      organisationCertificates: 11,
      deviceCertificates: 8,
      caCertificates: 4,
    });
    for (const f of [
      'ab00000000010000-pp-ka.pem',
      'ab00000000010000-pp-ka.key',
      'd000000000000003-ds.pem',
      'keystore.json',
      'smki.json',
      'ca/roots.pem',
      'ca/issuing.pem',
      'ca/root-oca.key',
    ])
      expect(existsSync(join(PKI, f)), f).toBe(true);
    expect(cli('keys', 'init', '--out', PKI).code).toBe(2); // refuses to overwrite without --force
  });

  it('keys validate: every certificate valid, chained to the generated roots, marked test (also with --strict)', () => {
    const r = cli('keys', 'validate', PKI, '--strict');
    expect(r.code).toBe(0);
    const lines = r.lines.map((l) => json(l));
    expect(lines).toHaveLength(4 + 11 + 8);
    for (const l of lines) {
      expect(l).toMatchObject({
        ok: true,
        reasons: [],
        test: true,
        warnings: [{ code: 'TEST_CERTIFICATE', message: expect.stringMatching(/CA name "CN=\S+ TEST"/) }],
      });
      expect(['verified', 'self-signed']).toContain(l.chain.status);
    }
    expect(lines.filter((l) => l.kind === 'device')).toHaveLength(8);
    expect(lines.find((l) => l.input.endsWith('d000000000000003-ka.pem'))).toMatchObject({
      kind: 'device',
      eui: 'd000000000000003',
      usage: 'ka',
      chain: {
        path: [
          `(device ${lines.find((l) => l.input.endsWith('d000000000000003-ka.pem')).serial})`,
          'CN=GSD1 TEST',
          'CN=GSD0 TEST',
        ],
      },
    });
  });

  it.runIf(hasOpenssl)(
    'OpenSSL agrees: openssl verify -x509_strict with the generated roots (README command)',
    () => {
      const r = run('openssl', [
        'verify',
        '-x509_strict',
        '-CAfile',
        join(PKI, 'ca', 'roots.pem'),
        '-untrusted',
        join(PKI, 'ca', 'issuing.pem'),
        ...pems(),
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.lines).toHaveLength(19);
      for (const l of r.lines) expect(l).toMatch(/: OK$/);
      // Policy processing: organisation certificates under the organisation policy only.
      const org = pems().filter((p) => p.includes('/ab'));
      const policy = (oid: string, files: string[]) =>
        run('openssl', [
          'verify',
          '-x509_strict',
          '-policy_check',
          '-explicit_policy',
          '-policy',
          oid,
          '-CAfile',
          join(PKI, 'ca', 'roots.pem'),
          '-untrusted',
          join(PKI, 'ca', 'issuing.pem'),
          ...files,
        ]).code;
      expect(policy('1.2.826.0.1.8641679.1.2.1.4', org)).toBe(0);
      expect(policy('1.2.826.0.1.1800000.1.2.1.4', org)).not.toBe(0);
      const text = run('openssl', [
        'x509',
        '-in',
        join(PKI, 'd000000000000003-ds.pem'),
        '-noout',
        '-text',
      ]).stdout;
      expect(text).toContain('Not After : Dec 31 23:59:59 9999 GMT');
      expect(text).toMatch(/X509v3 Subject Alternative Name: critical/);
      expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature/);
      expect(text).toMatch(/Subject: *\n/);
      const org2 = run('openssl', [
        'x509',
        '-in',
        join(PKI, 'ab00000000010000-ds.pem'),
        '-noout',
        '-subject',
        '-ext',
        'certificatePolicies',
      ]).stdout;
      expect(org2).toContain('OU = 02, x500UniqueIdentifier = #030900AB00000000010000');
      expect(org2).toMatch(/Certificate Policies: critical/);
    },
  );

  it('keys validate reports a broken certificate and exits 1', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"not": "a keystore"}');
    const r = cli('keys', 'validate', bad, join(PKI, 'ab00000000010000-ds.key'));
    expect(r.code).toBe(1);
    expect(r.lines.map((l) => json(l).reasons[0].code)).toEqual(['NOT_A_CERTIFICATE', 'NOT_A_CERTIFICATE']);
  });

  it('keys validate takes keystores: a keystore.json is every certificate it holds, a bare PUBLIC KEY is kind public-key', () => {
    const r = cli('keys', 'validate', join(PKI, 'keystore.json'));
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(11 + 8);
    for (const l of r.lines) expect(json(l)).toMatchObject({ ok: true, reasons: [] });
    expect(json(r.lines[0]).input).toMatch(/keystore\.json#[0-9a-f]{16}\//);
    const ks = join(dir, 'ks-with-key');
    mkdirSync(ks);
    copyFileSync(join(PKI, 'ab00000000010000-ds.pem'), join(ks, 'ab00000000010000-ds.pem'));
    writeFileSync(
      join(ks, 'fffffffffffffffe-ka.pem'),
      '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAELbRaPyGIlDi0LI9GTHUpK6z1/dtd\noLSSUBspnL/pLY/bkPyP9AJhKYOLG8rRQCyuR/59gITkCaQa/OFtY1ecXw==\n-----END PUBLIC KEY-----\n',
    );
    const k = cli('keys', 'validate', ks);
    expect(k.code).toBe(0);
    expect(k.lines.map((l) => json(l))).toMatchObject([
      { ok: true, kind: 'organisation' },
      { ok: true, kind: 'public-key', reasons: [], chain: null },
    ]);
  });

  it('keys csr + keys issue: refused before SEC L3 for a Supplier (citing the direction), issued after', () => {
    const csr = join(dir, 'supplier.csr');
    expect(
      cli(
        'keys',
        'csr',
        '--eui',
        'ab00000000010000',
        '--usage',
        'ka',
        '--role',
        '2',
        '--out',
        csr,
        '--key-out',
        join(dir, 'supplier.key'),
      ).code,
    ).toBe(0);
    /** `keys issue` of the supplier's CSR, submitted by the supplier, as of `asOf`. */
    const issueAsSupplier = (pki: string, asOf: string, ...more: string[]) =>
      cli('keys', 'issue', '--pki', pki, '--csr', csr, '--submitter', 'supplier', '--as-of', asOf, ...more);
    const before = issueAsSupplier(PKI, '2016-03-08');
    expect(before.code).toBe(1);
    expect(json(before.lines[0])).toMatchObject({
      ok: false,
      reasons: [{ code: 'ONLY_DCC_MAY_SUBMIT_CSR', citation: expect.stringContaining('variation (a)') }],
    });
    // The CAs of PKI are valid from 2025-01-01: nothing can be issued at a 2016 date.
    const early = issueAsSupplier(PKI, '2016-03-09');
    expect(early.code).toBe(1);
    expect(json(early.lines[0])).toMatchObject({ ok: false, reasons: [{ code: 'ISSUER_NOT_VALID_AT' }] });
    const pki16 = join(dir, 'pki-2016');
    expect(cli('keys', 'init', '--out', pki16, '--seed', '3', '--not-before', '2016-02-09').code).toBe(0);
    const out = join(dir, 'issued.pem');
    const after = issueAsSupplier(pki16, '2016-03-09', '--out', out);
    expect(after.code).toBe(0);
    expect(json(after.lines[0])).toMatchObject({
      ok: true,
      kind: 'organisation',
      eui: 'ab00000000010000',
      role: 2,
      usage: 'ka',
      status: 'I',
      certificate: expect.stringContaining('-----BEGIN CERTIFICATE-----'),
      certificateFile: out,
    });
    // A file that is no request is a refused request (exit 1), not a usage error.
    const garbage = join(dir, 'garbage.csr');
    writeFileSync(garbage, 'garbage\n');
    const bad = cli('keys', 'issue', '--pki', pki16, '--csr', garbage, '--submitter', 'supplier');
    expect(bad.code).toBe(1);
    expect(json(bad.lines[0])).toMatchObject({ ok: false, reasons: [{ code: 'CSR_MALFORMED' }] });
    expect(
      cli('keys', 'issue', '--pki', pki16, '--csr', join(dir, 'nope.csr'), '--submitter', 'supplier').code,
    ).toBe(2);
    expect(
      json(cli('keys', 'validate', out, '--ca', join(pki16, 'ca'), '--at', '2016-03-09').lines[0]),
    ).toMatchObject({
      ok: true,
      chain: { status: 'verified' },
    });
    // At that date the 2025 CAs were not valid yet: every certificate of the chain is checked.
    const at = json(
      cli(
        'keys',
        'validate',
        join(PKI, 'd000000000000003-ds.pem'),
        '--ca',
        join(PKI, 'ca'),
        '--at',
        '2016-03-09',
      ).lines[0],
    );
    expect(at.ok).toBe(false);
    expect(at.reasons.map((r: { code: string }) => r.code)).toContain('ISSUER_NOT_YET_VALID');
  });

  it('keys export writes a DCC Boxed keystore.json that keys import reads', () => {
    const boxed = join(dir, 'exported.json');
    const e = cli('keys', 'export', '--keystore', PKI, '--format', 'dcc-boxed', '--out', boxed);
    expect(e.code).toBe(0);
    const back = loadKeystore(boxed, { strict: true });
    const orig = loadKeystore(PKI, { strict: true });
    const slots = (k: typeof orig) =>
      k.entries
        .filter((x) => x.certificate)
        .map((x) => `${x.eui}/${x.usage}/${x.cell}/${x.serial}`)
        .sort();
    expect(slots(back)).toEqual(slots(orig));
    expect(back.privateKey('ab00000000010000', 'ka', 'prepayment')).toEqual(
      orig.privateKey('ab00000000010000', 'ka', 'prepayment'),
    );
    const imported = cli('keys', 'import', '--pki', PKI, boxed);
    expect(imported.code).toBe(0);
    expect(json(imported.lines[0])).toMatchObject({ imported: 0 }); // all already in the repository
  });

  it('smki timeline --json as of a date, with a configured date; bad dates exit 2', () => {
    const early = json(
      cli('smki', 'timeline', '--json', '--as-of', '2016-02-09', '--sr13', '2016-12-01').lines[0],
    );
    const inForce = Object.fromEntries(
      early.provisions.map((p: { provision: string; inForce: boolean }) => [p.provision, p.inForce]),
    );
    expect(inForce).toMatchObject({
      RAPP: true,
      RECOVERY_PROCEDURE_INITIAL: true,
      SECTION_F6: false,
      CSR_BY_ANY_SUBSCRIBER: false,
      RECOVERY_PRIVATE_KEY_STEPS: false,
    });
    expect(early.dates.serviceRelease13).toBe('2016-12-01');
    expect(cli('smki', 'timeline', '--as-of', '2016-02-30').code).toBe(2);
  });

  it('smki timeline refuses dates the direction rules out: exit 2 with the reason', () => {
    const f = cli('smki', 'timeline', '--f6-f9', '2016-01-01');
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('--f6-f9 2016-01-01 is before 2016-02-10');
    const sr = cli('smki', 'timeline', '--sec-l3', '2016-06-01', '--sr13', '2016-05-01');
    expect(sr.code).toBe(2);
    expect(sr.stderr).toContain('--sr13 2016-05-01 is before SEC L3 (2016-06-01)');
  });

  it('smki serve on an address it cannot use: one line, exit 2', () => {
    const bad = cli('smki', 'serve', '--host', '256.1.1.1', '--port', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('gbcs-sim: --host 256.1.1.1: not an address or a resolvable name');
  });
});
