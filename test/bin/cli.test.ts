/**
 * The command line as a user runs it (./bin/gbcs-sim in a child process): JSON Lines contracts,
 * exit codes (0 ok, 1 verification/run failure, 2 usage), bad input as one JSON error line each.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../fixtures/paths.ts';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR, sharedPath } from '../fixtures/shared.ts';

function cli(args: string[], input?: string) {
  const r = spawnSync(BIN, args, { input, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    lines: r.stdout.split('\n').filter((l) => l !== ''),
  };
}

describe('gbcs-sim CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run: the default scenario on all four devices, every response verified, exit 0', () => {
    const r = cli(['run', '--json']);
    expect(r.code).toBe(0);
    const last = JSON.parse(r.lines.at(-1)!);
    expect(last.summary).toMatchObject({ failed: 0, devices: 4 });
    expect(last.summary.commands).toBeGreaterThanOrEqual(10);
    const steps = r.lines.slice(0, -1).map((l) => JSON.parse(l));
    expect(new Set(steps.map((s) => s.critical))).toEqual(new Set([true, false]));
    expect(steps.every((s) => s.responseVerified)).toBe(true);
  });

  it('run is deterministic for a seed (noble signs deterministically, RFC 6979)', () => {
    const a = cli(['run', '--json', '--seed', '7']).stdout;
    expect(cli(['run', '--json', '--seed', '7']).stdout).toBe(a);
    expect(cli(['run', '--json', '--seed', '8']).stdout).not.toBe(a);
  });

  it('run --faults: injected results and a corrupted MAC show in the trace and fail the run', () => {
    const f = join(dir, 'faults.yaml');
    writeFileSync(
      f,
      'd000000000000003:\n  - {kind: dlms-results, messageCode: 0x0052, results: [1]}\n  - {kind: corrupt-mac, messageCode: 0x0059}\n',
    );
    const r = cli(['run', '--json', '--faults', f]);
    expect(r.code).toBe(1);
    const steps = r.lines.slice(0, -1).map((l) => JSON.parse(l));
    expect(steps.find((s) => s.useCase === 'ECS45')).toMatchObject({
      responseVerified: true,
      result: 'error: get[0] result 1',
    });
    expect(steps.find((s) => s.useCase === 'ECS52')).toMatchObject({
      responseVerified: false,
      mac: 'invalid',
    });
    expect(JSON.parse(r.lines.at(-1)!).summary).toMatchObject({ verified: 11, succeeded: 10, failed: 2 });
    writeFileSync(f, '{"d000000000000003": [{"kind": "nonsense"}]}');
    const bad = cli(['run', '--faults', f]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown kind "nonsense"/);
  });

  it('run with the node crypto back-end verifies too', () => {
    const r = cli(['run', '--crypto', 'node']);
    expect(r.code).toBe(0);
    expect(r.lines.at(-1)).toMatch(
      /^summary: 12 commands to 4 devices, 12 accepted, 12 responses verified, 12 succeeded, 0 failed/,
    );
  });

  it('bad input: one JSON error line per input with a stable code and byte offset, exit 1, no stack trace', () => {
    const cases: Array<[string, string, string, number]> = [
      ['not-hex', 'DD00ZZ', 'NOT_HEX', 2],
      ['empty', '   \n', 'EMPTY', 0],
      ['odd', 'DD0', 'BAD_LENGTH', 1],
      ['unknown-tag', 'AB0000', 'UNKNOWN_TAG', 0],
      ['truncated', 'DD000000000000401100000000DF0902', 'TRUNCATED', 16],
      [
        'bad-cra',
        'DF090700000000000003EB0800DB1234567890A00890B3D51F300100000002002103DA2000',
        'BAD_VALUE',
        2,
      ],
      ['wrong-length', 'DF090200000000000003EB0700DB1234567890A0', 'BAD_LENGTH', 11],
    ];
    const files = cases.map(([name, hex]) => {
      const f = join(dir, `${name}.hex`);
      writeFileSync(f, hex);
      return f;
    });
    const r = cli(['decode', '--json', ...files]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(r.lines).toHaveLength(cases.length);
    r.lines.forEach((l, i) => {
      const o = JSON.parse(l);
      expect(o).toMatchObject({
        input: files[i],
        ok: false,
        error: { code: cases[i]![2], offset: cases[i]![3] },
      });
    });
  });

  it('one unreadable or oversized file is one error line, not a crash; an empty directory is a usage error', () => {
    const big = join(dir, 'big.hex');
    writeFileSync(big, 'A'.repeat(2 * 1024 * 1024));
    const dangling = join(dir, 'links');
    mkdirSync(dangling);
    symlinkSync(join(dir, 'nowhere.hex'), join(dangling, 'dangling.hex'));
    writeFileSync(join(dangling, 'ok.hex'), 'DF0902');
    const r = cli(['decode', '--json', big, dangling]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.lines.map((l) => JSON.parse(l).error?.code)).toEqual(['TOO_LARGE', 'UNREADABLE', 'TRUNCATED']);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const e = cli(['decode', empty]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/no \*\.hex, \*\.b64 or \*\.base64 files/);
  });

  it('reads are bounded: /dev/zero and an endless stdin line are one TOO_LARGE line; a.hex/ is "not a directory"; a device keystore is "not a file"', () => {
    const z = cli(['decode', '--json', '/dev/zero']);
    expect(z.code).toBe(1);
    expect(JSON.parse(z.lines[0]!).error.code).toBe('TOO_LARGE');
    // One unit: the message counts bytes only (1224000 = twice the 612000-byte hex of 255 × 1200 bytes).
    expect(JSON.parse(z.lines[0]!).error.message).toBe(
      'more than 1224000 bytes: over the 1224000 bytes an input may have (twice the 612000-byte hex of the largest GBCS message)',
    );
    const s = cli(['decode', '--json', '-'], `DF0902\n${'d'.repeat(1_300_000)}\n`);
    expect(s.lines.map((l) => [JSON.parse(l).input, JSON.parse(l).error?.code])).toEqual([
      ['stdin:1', 'TRUNCATED'],
      ['stdin:2', 'TOO_LARGE'],
    ]);
    const f = join(dir, 'slash.hex');
    writeFileSync(f, 'DF0902');
    const d = cli(['decode', '--json', `${f}/`]);
    expect(JSON.parse(d.lines[0]!).error).toMatchObject({
      code: 'UNREADABLE',
      message: `not a directory: ${f}/`,
    });
    const k = cli(['decode', '--keystore', '/dev/zero', f]);
    expect(k.code).toBe(2);
    expect(k.stderr).toBe('gbcs-sim: BAD_KEYSTORE: /dev/zero: not a file\n');
  });

  it('a reader that closes the pipe early (| head) ends the run quietly', () => {
    const r = spawnSync('bash', ['-c', `${BIN} run | head -1`], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^gbcs-sim run/);
    expect(r.stderr).toBe('');
  });

  it('stdin: one message per line, inputs named stdin:<line>', () => {
    const r = cli(['decode', '--json', '-'], 'DF0902\n\nZZ\n');
    expect(r.lines.map((l) => JSON.parse(l).input)).toEqual(['stdin:1', 'stdin:3']);
    expect(r.code).toBe(1);
  });

  it('usage errors exit 2 with a message, not a stack trace', () => {
    expect(cli(['decode']).code).toBe(2);
    expect(cli(['nonsense']).code).toBe(2);
    const badKs = cli(['decode', '--keystore', dir, '-'], '');
    expect(badKs.code).toBe(2);
    expect(badKs.stderr).toMatch(/BAD_KEYSTORE/);
  });
});

describeShared('gbcs-sim CLI over RTDS', () => {
  it('decode --json prints 851 lines, all ok, the four PCS messages no-key', () => {
    const r = cli(['decode', '--json', '--keystore', RTDS_KEYSTORE_DIR, RTDS_DIR]);
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(851);
    const objs = r.lines.map((l) => JSON.parse(l));
    expect(objs.every((o) => o.ok)).toBe(true);
    const noKey = objs.filter((o) => o.mac === 'no-key').map((o) => o.input.split('/').at(-1));
    expect(noKey.sort()).toEqual([
      'PCS01_NA_SUCCESS_COMMAND_GBCS.HEX',
      'PCS01_NA_SUCCESS_RESPONSE_GBCS.HEX',
      'PCS02_NA_SUCCESS_COMMAND_GBCS.HEX',
      'PCS02_NA_SUCCESS_RESPONSE_GBCS.HEX',
    ]);
    expect(objs.some((o) => o.mac === 'invalid' || o.signature === 'invalid')).toBe(false);
  });

  it('replay --json accepts every command to a device whose keys the keystore holds', () => {
    const r = cli(['replay', '--json', '--keystore', RTDS_KEYSTORE_DIR, RTDS_DIR]);
    // Exit 1: the tree also holds unsigned pre-commands and HAN-only PCS commands, which a device refuses.
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /keystore warning: .*90b3d51f30000007-ka\.pem: certificate is for EUI 90b3d51f30030000/,
    );
    for (const o of r.lines.map((l) => JSON.parse(l))) {
      expect(Object.keys(o).sort()).toEqual(
        [
          'accepted',
          'detail',
          'error',
          'input',
          'messageCode',
          'reason',
          'recipientId',
          'response',
          'responseCheck',
        ].sort(),
      );
    }
    const cmds = r.lines.map((l) => JSON.parse(l)).filter((o) => /_COMMAND_GBCS\.HEX$/.test(o.input));
    expect(cmds).toHaveLength(335);
    expect(cmds.filter((o) => !o.accepted).map((o) => o.reason)).toEqual([
      'NO_TRUST_ANCHOR',
      'NO_TRUST_ANCHOR',
    ]);
    for (const o of cmds.filter((c) => c.accepted)) {
      expect(o).toMatchObject({ reason: null });
      expect(o.response).toMatch(/^(dd00|df09)/);
    }
  });

  it('decode --acb of a party no keystore holds: one warning line on stderr, mac no-key, exit 0 as for any no-key', () => {
    const one = join(RTDS_DIR, '7.1_ECS42', 'ECS42_7.1_SUCCESS_COMMAND_GBCS.HEX');
    const r = cli(['decode', '--json', '--keystore', RTDS_KEYSTORE_DIR, '--acb', '0000000000000001', one]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.lines[0]!).mac).toBe('no-key');
    expect(r.stderr.split('\n').filter((l) => l.includes('--acb'))).toEqual([
      'gbcs-sim: warning: --acb 0000000000000001 is not in the keystores: its MACs cannot be checked (no-key)',
    ]);
    // The keystore's own ACB warns nothing.
    const known = cli([
      'decode',
      '--json',
      '--keystore',
      RTDS_KEYSTORE_DIR,
      '--acb',
      '90b3d51f30010000',
      one,
    ]);
    expect(known.stderr).not.toMatch(/--acb/);
  });

  it('replay of accepted commands only exits 0; key generations in any keystore order give the same verdicts', () => {
    const one = join(RTDS_DIR, '7.1_ECS42', 'ECS42_7.1_SUCCESS_COMMAND_GBCS.HEX');
    expect(cli(['replay', '--json', '--keystore', RTDS_KEYSTORE_DIR, one]).code).toBe(0);
    const boxed = sharedPath('samples', 'smartdcc-dccboxed-keystore', 'keystore.json');
    // DCC Boxed holds Z1 and Z1b keys of the ACB and suppliers; RTDS uses Z1.
    for (const order of [
      [boxed, RTDS_KEYSTORE_DIR],
      [RTDS_KEYSTORE_DIR, boxed],
    ]) {
      const r = cli([
        'replay',
        '--json',
        ...order.flatMap((k) => ['--keystore', k]),
        join(RTDS_DIR, '7.1_ECS42'),
      ]);
      const cmds = r.lines.map((l) => JSON.parse(l)).filter((o) => /_COMMAND_GBCS/.test(o.input));
      expect(cmds.map((o) => o.accepted)).toEqual([true]);
      const d = cli(['decode', '--json', ...order.flatMap((k) => ['--keystore', k]), one]);
      expect(JSON.parse(d.lines[0]!)).toMatchObject({ mac: 'valid', signature: 'valid' });
    }
  });
});
