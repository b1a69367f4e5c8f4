/**
 * `serve` and `bridge` as a user runs them, over TCP (no socat needed): the default scenario end to
 * end; a lab keystore instead of the test PKI (--keystore); a YAML scenario with control steps;
 * port listing; usage errors exit 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PREMISES } from '../../sim/premises/premises.ts';
import { Keystore, type KeystoreEntry, serializeKeystore } from '../../sim/smki/keystore.ts';
import { createTestKeys, TEST_PARTIES } from '../../sim/smki/test-pki.ts';
import { BIN, parse, Rig } from '../fixtures/pty.ts';

const rig = new Rig();
afterEach(() => rig.cleanup());
afterAll(() => rig.dispose());

const summaryOf = (lines: string[]) => parse(lines.find((l) => l.startsWith('{"summary"'))!).summary;

async function serveTcp(seed: string, framing = 'gfi', extra: string[] = []): Promise<string> {
  const serve = rig.cli([
    'serve',
    '--tcp',
    '0',
    '--seed',
    seed,
    '--framing',
    framing,
    '--gsme-poll-ms',
    '0',
    '--state',
    rig.path(`state-${seed}`),
    '--json',
    ...extra,
  ]);
  return parse(await serve.waitLine((l) => l.includes('"listening"'))).where;
}

describe('serve --tcp and bridge --tcp', () => {
  it('the default scenario over TCP (binary framing): 12 answered, verified, exit 0', async () => {
    const where = await serveTcp('tcp', 'binary');
    expect(where).toMatch(/^127\.0\.0\.1:\d+$/);
    const bridge = rig.cli(['bridge', '--tcp', where, '--seed', 'tcp', '--framing', 'binary', '--json']);
    expect(await bridge.exited).toBe(0);
    expect(summaryOf(bridge.lines)).toMatchObject({
      commands: 12,
      sent: 12,
      answered: 12,
      verified: 12,
      failed: 0,
    });
  });

  it('--keystore: a lab keystore holding the same keys drives the served premises', async () => {
    const keys = createTestKeys('lab');
    const entries: KeystoreEntry[] = [];
    const entry = (eui: string, usage: 'ds' | 'ka', role: number | null, priv: boolean): KeystoreEntry => ({
      eui,
      usage,
      cell: 'management',
      role,
      kind: role === null ? 'device' : 'organisation',
      publicKey: keys.publicKey(eui, usage),
      privateKey: priv ? keys.privateKey(eui, usage) : null,
      certificate: null,
      serial: null,
      source: 'test',
    });
    for (const p of TEST_PARTIES) for (const u of p.usages) entries.push(entry(p.eui, u, p.role, true));
    for (const eui of Object.values(DEFAULT_PREMISES))
      for (const u of ['ds', 'ka'] as const) entries.push(entry(eui, u, null, false));
    const file = rig.path('lab.keystore.json');
    writeFileSync(file, serializeKeystore(new Keystore(entries)));
    const where = await serveTcp('lab');
    const bridge = rig.cli(['bridge', '--tcp', where, '--keystore', file, '--json']);
    expect(await bridge.exited).toBe(0);
    expect(summaryOf(bridge.lines)).toMatchObject({ answered: 12, verified: 12 });
  });

  it('a YAML scenario with control steps (status, a dropped response retransmitted, firmware-free reset)', async () => {
    const where = await serveTcp('yaml', 'gfi', ['--control']);
    const scenario = rig.path('s.yaml');
    writeFileSync(
      scenario,
      [
        'steps:',
        '  - control: {op: ping}',
        '  - control: {op: fault, fault: drop-responses, count: 1}',
        '  - default: 4',
        '  - {device: esme, from: supplier, messageCode: ECS52, payload: {default: 6}}',
        '  - control: {op: status}',
        '  - control: {op: reset, mode: reboot}',
        '  - control: {op: warp}',
      ].join('\n'),
    );
    const trace = rig.path('t.jsonl');
    const bridge = rig.cli([
      'bridge',
      '--tcp',
      where,
      '--seed',
      'yaml',
      '--scenario',
      scenario,
      '--timeout-ms',
      '500',
      '--json',
      '--trace',
      trace,
    ]);
    expect(await bridge.exited).toBe(1); // the unknown op fails the run
    const lines = bridge.lines.map(parse);
    expect(lines.filter((l) => l.control).map((l) => [l.control, l.ok])).toEqual([
      ['ping', true],
      ['fault', true],
      ['status', true],
      ['reset', true],
      ['warp', false],
    ]);
    expect(lines.find((l) => l.control === 'warp')?.error.code).toBe('UNKNOWN_OP');
    expect(lines.filter((l) => l.status).map((l) => [l.status, l.attempts])).toEqual([
      ['answered', 2],
      ['answered', 1],
    ]);
    expect(summaryOf(bridge.lines)).toMatchObject({
      answered: 2,
      failed: 0,
      controls: { sent: 5, ok: 4, failed: 1 },
    });
    const { readFileSync } = await import('node:fs');
    const t = readFileSync(trace, 'utf8').trim().split('\n').map(parse);
    expect(t.some((e) => e.channel === 'control' && e.dir === 'out' && e.decoded.op === 'ping')).toBe(true);
  });
});

describe('serve --state', () => {
  it('a second serve on a folder in use exits 2 (STATE_IN_USE), one line on stderr; the first keeps serving', async () => {
    await serveTcp('locked');
    const second = rig.cli(['serve', '--tcp', '0', '--seed', 'locked', '--state', rig.path('state-locked')]);
    expect(await second.exited).toBe(2);
    expect(second.stderr().trim().split('\n')).toEqual([expect.stringMatching(/STATE_IN_USE/)]);
  });
});

describe('CLI contracts', () => {
  const run = (args: string[]) => spawnSync(BIN, args, { encoding: 'utf8', timeout: 60_000 });

  it('bridge --list: one line per port (JSON with --json), exit 0, even without udev', () => {
    const r = run(['bridge', '--list', '--json']);
    expect(r.status).toBe(0);
    for (const l of r.stdout.split('\n').filter(Boolean)) expect(parse(l)).toHaveProperty('path');
  });

  it('a port that will not open: one stderr line per failed attempt (rate-limited), naming the error', () => {
    const r = spawnSync(BIN, ['bridge', '--port', '/tmp/gbcs-sim-no-such-port', '--give-up-ms', '700'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/--port \/tmp\/gbcs-sim-no-such-port: open failed \(attempt 1\): .*ENOENT/);
    expect(lines.length).toBe(1); // the same error again within 5 s is not repeated
  });

  it('usage errors exit 2 with one line on stderr', async () => {
    const cases = [
      ['serve', '--tcp', '1', '--pty', '/tmp/x'],
      ['bridge', '--tcp', 'nohost'],
      ['bridge', '--port', '/dev/null', '--scenario', '/nonexistent.yaml'],
      ['bridge', '--tcp', '127.0.0.1:1', '--trace', '/nonexistent-dir/t.jsonl'],
      ['bridge', '--tcp', '127.0.0.1:1', '--trace', '/tmp'],
      ['bridge', '--tcp', '127.0.0.1:1', '--max-payload', '10'],
      ['serve', '--ephemeral', '--serial', '/nonexistent'],
      ['serve', '--ephemeral', '--pty', '/etc/passwd'],
      ['serve', '--ephemeral', '--state', '/tmp/x', '--tcp', '0'],
      ['serve', '--tcp', '0', '--max-connections', '0'],
    ];
    const results = await Promise.all(
      cases.map(
        (args) =>
          new Promise<{ args: string[]; code: number | null; stderr: string }>((resolve) => {
            const c = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
            let stderr = '';
            c.stderr!.on('data', (d: Buffer) => {
              stderr += d.toString();
            });
            c.once('exit', (code) => resolve({ args, code, stderr }));
          }),
      ),
    );
    for (const r of results) {
      expect(r.code, r.args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
