/**
 * The rough edges a new user hit (issue 15, item 5; issue 8 leftovers), each as the user ran it:
 * bin/gbcs-sim as a child process, exit code and output checked.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startPtyPair } from '../../hw/pty.ts';
import { type CliRun, runCli } from '../fixtures/cli.ts';
import { BIN, ROOT } from '../fixtures/paths.ts';
import { describePty } from '../fixtures/pty.ts';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR } from '../fixtures/shared.ts';

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

describeShared('3. decode and replay read base64 (DUIS, DCC Boxed) as well as hex', () => {
  const hexFile = join(RTDS_DIR, '1.1.1_ECS01a', 'ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX');
  const b64 = () => Buffer.from(readFileSync(hexFile, 'utf8').replace(/\s+/g, ''), 'hex').toString('base64');
  const withoutInput = (line: string) => ({ ...JSON.parse(line), input: null });

  it('decode --json gives the same report for the base64 of an RTDS command (file and stdin)', () => {
    const b64File = join(dir, 'ecs01a.b64');
    writeFileSync(b64File, `${b64().replace(/(.{76})/g, '$1\n')}\n`);
    const hex = cli('decode', '--json', '--keystore', RTDS_KEYSTORE_DIR, hexFile);
    const fromB64 = runCli(['decode', '--json', '--keystore', RTDS_KEYSTORE_DIR, b64File, '-'], {
      input: `${b64()}\n`,
    });
    expect(hex.code).toBe(0);
    expect(fromB64.code).toBe(0);
    expect(JSON.parse(hex.lines[0]!)).toMatchObject({
      ok: true,
      mac: 'valid',
      header: { useCase: 'ECS01a' },
    });
    expect(fromB64.lines.map(withoutInput)).toEqual([
      withoutInput(hex.lines[0]!),
      withoutInput(hex.lines[0]!),
    ]);
  });

  it('replay accepts the base64 of a command as it accepts the hex', () => {
    const r = runCli(['replay', '--json', '--keystore', RTDS_KEYSTORE_DIR, '-'], { input: `${b64()}\n` });
    expect(JSON.parse(r.lines[0]!)).toMatchObject({ input: 'stdin:1', accepted: true, reason: null });
    expect(r.code).toBe(0);
  });
});

describe('4. a missing input file is one UNREADABLE line and the run goes on (exit 1)', () => {
  it('decode: the missing file, then the next input', () => {
    const missing = join(dir, 'nowhere', 'cmd.hex');
    const r = runCli(['decode', '--json', missing, '-'], { input: 'DF0902\n' });
    expect(r.lines.map((l) => [JSON.parse(l).input, JSON.parse(l).error?.code])).toEqual([
      [missing, 'UNREADABLE'],
      ['stdin:1', 'TRUNCATED'],
    ]);
    expect(JSON.parse(r.lines[0]!).error.message).toMatch(/ENOENT/);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const text = runCli(['decode', missing]);
    expect(text.lines).toEqual([expect.stringMatching(/cmd\.hex: ERROR UNREADABLE at byte 0: ENOENT/)]);
    expect(text.code).toBe(1);
  });
});

describe('6–8. keys validate and keys revoke', () => {
  it('6. keys validate EMPTYDIR says what is missing (one line, NO_CERTIFICATES), exit 1', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const r = cli('keys', 'validate', empty);
    expect(r.lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        input: empty,
        ok: false,
        reasons: [
          { code: 'NO_CERTIFICATES', message: expect.stringMatching(/no certificate files \(\*\.pem/) },
        ],
      }),
    ]);
    expect(r.code).toBe(1);
  });

  it('6b. keys validate of a path that does not exist is a usage error: one line, exit 2', () => {
    const missing = join(dir, 'nonexistent');
    const r = cli('keys', 'validate', missing);
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([]);
    expect(r.stderr).toBe(`gbcs-sim: keys validate: ${missing}: no such file or directory\n`);
  });

  it('7. keys revoke --serial xyz is a usage error: one line, exit 2', () => {
    expectUsage(
      cli('keys', 'revoke', '--pki', pki(), '--serial', 'xyz', '--by', 'dcc', '--reason', 'x'),
      /--serial: .*xyz/,
    );
  });

  it('8. a revoked certificate validates REVOKED (in its PKI directory, or with --pki); before that, ok', () => {
    const cert = join(pki(), 'ab00000000010000-ka.pem');
    const before = cli('keys', 'validate', cert);
    expect(before.code).toBe(0);
    const { serial } = JSON.parse(before.lines[0]!);
    const rv = cli(
      'keys',
      'revoke',
      '--pki',
      pki(),
      '--serial',
      serial,
      '--by',
      'dcc',
      '--reason',
      'key compromise',
    );
    expect(JSON.parse(rv.lines[0]!)).toEqual({ ok: true, serial, status: 'R' });
    const after = cli('keys', 'validate', cert);
    expect(JSON.parse(after.lines[0]!)).toMatchObject({
      ok: false,
      serial,
      reasons: [
        {
          code: 'REVOKED',
          message: expect.stringMatching(/^revoked at .* in .*smki\.json \(key compromise\)$/),
        },
      ],
    });
    expect(after.code).toBe(1);
    const copy = join(dir, 'copy.pem');
    copyFileSync(cert, copy);
    expect(cli('keys', 'validate', copy).code).toBe(0);
    expect(JSON.parse(cli('keys', 'validate', copy, '--pki', pki()).lines[0]!).reasons[0].code).toBe(
      'REVOKED',
    );
  });
});

describeShared('9. decode and replay without --json show the payload and the result', () => {
  const base = join(RTDS_DIR, '1.1.1_ECS01a', 'ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_');
  it('decode: a payload line (the decoded tree, as --json has it) and, for a response, its result', () => {
    const json = runCli(['decode', '--json', '--keystore', RTDS_KEYSTORE_DIR, `${base}RESPONSE_GBCS.HEX`]);
    const { encoding, ...tree } = JSON.parse(json.lines[0]!).payload;
    const r = runCli([
      'decode',
      '--keystore',
      RTDS_KEYSTORE_DIR,
      `${base}RESPONSE_GBCS.HEX`,
      `${base}COMMAND_GBCS.HEX`,
    ]);
    expect(r.lines).toHaveLength(5);
    expect(r.lines[0]).toMatch(/RESPONSE_GBCS\.HEX: signing CRA=2 ECS01a counter=1006 .* signature=valid$/);
    expect(r.lines[1]).toBe(`  payload: ${encoding} ${JSON.stringify(tree)}`);
    expect(r.lines[2]).toBe('  result: success');
    expect(r.lines[3]).toMatch(/COMMAND_GBCS\.HEX: mac CRA=1 ECS01a/);
    expect(r.lines[4]).toMatch(/^ {2}payload: dlms \{"length":1298,"apdu":\{"type":"access-request"/);
    expect(r.code).toBe(0);
  });
  it('replay: an accepted command is followed by its response (verdicts, hex) and the result', () => {
    const r = runCli(['replay', '--keystore', RTDS_KEYSTORE_DIR, `${base}COMMAND_GBCS.HEX`]);
    expect(r.lines).toEqual([
      expect.stringMatching(/COMMAND_GBCS\.HEX: accepted$/),
      expect.stringMatching(/^ {2}response: mac=absent signature=[a-z-]+ df09[0-9a-f]+$/),
      '  result: success',
    ]);
    expect(r.code).toBe(0);
  });
});

/** The process group of a live process (Linux /proc/PID/stat, field 5). */
function processGroupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

describePty('10. serve: Ctrl-C is a clean shutdown, with no false "reconnecting" warning', () => {
  it("the socat serve starts is in its own process group, so the terminal's SIGINT reaches serve only", async () => {
    const pair = await startPtyPair(join(dir, 'pg-a'), join(dir, 'pg-b'));
    try {
      expect(processGroupOf(pair.pid)).not.toBe(processGroupOf(process.pid));
    } finally {
      await pair.stop();
    }
  });

  it("SIGINT to serve's whole process group (as Ctrl-C sends it) with a peer attached: no warning, exit 0", async () => {
    const hub = join(dir, 'ctrl-c-hub');
    const child = spawn(BIN, ['serve', '--pty', hub, '--ephemeral'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout!.resume();
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    while (!stderr.includes('Ctrl-C stops') || !existsSync(hub)) await new Promise((r) => setTimeout(r, 50));
    const peer = openSync(hub, 'r+');
    try {
      process.kill(-child.pid!, 'SIGINT');
      expect(await exited).toBe(0);
    } finally {
      closeSync(peer);
    }
    expect(stderr).not.toMatch(/reconnecting|link lost/);
    expect(existsSync(hub)).toBe(false);
  });
});

describe('11. every environment variable read is documented in the README, in one table', () => {
  it('each process.env name in the sources and test fixtures is a row of the README table', () => {
    const names = new Set<string>();
    const scan = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) scan(p);
        else if (e.name.endsWith('.ts'))
          for (const m of readFileSync(p, 'utf8').matchAll(/\b(?:process\.env|env)\.([A-Z][A-Z0-9_]+)/g))
            names.add(m[1]!);
      }
    };
    for (const d of ['protocol', 'sim', 'hw', 'app', 'bin', 'test/fixtures', 'bench']) scan(join(ROOT, d));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const rows = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));
    expect([...names].sort()).toEqual(expect.arrayContaining(['CI', 'GBCS_SIM_LOG']));
    for (const n of names)
      expect(rows, `${n} is read but not in the README's environment table`).toContain(n);
  });
});

describe('12. serve --serial with the seed (test) keys on a live line: refused unless --allow-test-keys', () => {
  it('a serial device that is no pty (here /dev/null, also through a symlink): one line, exit 2, nothing opened', () => {
    const link = join(dir, 'ttyUSB-like');
    symlinkSync('/dev/null', link);
    for (const path of ['/dev/null', link])
      expectUsage(
        cli('serve', '--serial', path, '--ephemeral'),
        /^gbcs-sim: serve: refusing to serve virtual devices on a live line \(--serial .* is not a pseudo-terminal\) with test keys \(the deterministic keys of --seed 1\).*--allow-test-keys/,
      );
  });
  it('--allow-test-keys: one warning, then serve goes on (here the open fails: /dev/null is no terminal)', () => {
    const r = cli('serve', '--serial', '/dev/null', '--ephemeral', '--allow-test-keys');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines[0]).toMatch(
      /^gbcs-sim serve: warning: --allow-test-keys: serving virtual devices on a live line/,
    );
    expect(lines.filter((l) => /warning: --allow-test-keys/.test(l))).toHaveLength(1);
    expect(r.stderr).toMatch(/OPEN_FAILED/);
  });
});

describePty('12. serve --serial on a pty socat made is not live', () => {
  it('it starts serving, no refusal nor warning', async () => {
    const pair = await startPtyPair(join(dir, 'ser-a'), join(dir, 'ser-b'));
    const child = spawn(BIN, ['serve', '--serial', pair.b, '--ephemeral'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      while (!stderr.includes('Ctrl-C stops') && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 50));
      expect(stderr).toMatch(/virtual premises on .*ser-b/);
      expect(stderr).not.toMatch(/refusing|allow-test-keys/);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await pair.stop();
    }
  });
});
