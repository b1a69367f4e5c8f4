/**
 * Issue 8, finding 8 (second half): nothing kept test keys off a live path — `bridge --port
 * /dev/ttyUSB0` used the deterministic seed-1 keys and sent ECS43 (open the load switch) without a
 * word. Now, with test keys (seed keys, or a keystore whose certificates are test certificates) and
 * critical commands in the scenario, a target that is neither a pseudo-terminal nor a loopback
 * address is refused (one stderr line, exit 2, nothing sent) unless `--allow-test-keys` is given
 * (one warning line, the run proceeds). Ptys and loopback TCP — how labs and CI test — stay
 * allowed (test/hw/pty.test.ts and test/bin/serve-bridge-cli.test.ts run the default scenario over them).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBridge } from '../../../app/bridge/bridge.ts';
import { type BridgeStep, defaultBridgeSteps, defaultScenarioContext } from '../../../app/bridge/scenario.ts';
import {
  createTestKeyGuard,
  criticalCommands,
  criticalOriginators,
  keystoreTestKeys,
  serveTestKeyVerdict,
  testKeyVerdict,
} from '../../../app/bridge/test-key-guard.ts';
import { createFraming } from '../../../hw/framing/index.ts';
import { createInProcessPair } from '../../../hw/links/in-process.ts';
import { isLoopbackHost, portKind, whyLive } from '../../../hw/live-target.ts';
import { ReconnectingTransport } from '../../../hw/reconnect.ts';
import { FramedTransport } from '../../../hw/transport.ts';
import { createCrypto } from '../../../protocol/crypto/index.ts';
import { WallClock } from '../../../sim/clock.ts';
import { testHeadEnd } from '../../../sim/premises/test-bed.ts';
import { Keystore } from '../../../sim/smki/keystore.ts';
import { createTestKeys, testPki } from '../../../sim/smki/test-pki.ts';
import { loadKeystore } from '../../../sim/store/keystore-files.ts';
import { pkiKeystore } from '../../../sim/store/keystore-io.ts';
import { BIN, Rig, SOCAT } from '../../fixtures/pty.ts';
import { describeShared, RTDS_KEYSTORE_DIR } from '../../fixtures/shared.ts';

const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-test-keys-'));
const rig = new Rig();
afterAll(async () => {
  await rig.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const ctx = defaultScenarioContext();
const steps = defaultBridgeSteps(ctx);

describe('what is live', () => {
  it('loopback only as written: localhost, 127/8, ::1 in any spelling, IPv4-mapped 127.x', () => {
    for (const h of [
      'localhost',
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of [
      '10.0.0.5',
      '192.168.1.20',
      'hub.lab.example',
      '::2',
      '128.0.0.1',
      '::ffff:10.0.0.1',
      '1::1',
    ])
      expect(isLoopbackHost(h), h).toBe(false);
    expect(whyLive({ host: '10.1.2.3' })).toBe('--tcp host 10.1.2.3 is not a loopback address');
    expect(whyLive({ host: '127.0.0.1' })).toBeNull();
  });

  it('a port: a character device that is not a pty is a device; a missing /dev path too; another missing path waits', () => {
    const link = join(dir, 'ttyUSB0');
    symlinkSync('/dev/null', link);
    expect(portKind('/dev/null')).toBe('device');
    expect(portKind(link)).toBe('device');
    expect(portKind('/dev/ttyUSB97')).toBe('device');
    expect(portKind('/dev/serial/by-id/usb-FTDI-if00-port0')).toBe('device');
    expect(portKind(join(dir, 'hub-not-made-yet'))).toBe('missing');
    expect(portKind('/dev/pts/987654')).toBe('missing');
    expect(whyLive({ path: '/dev/ttyUSB97' })).toBe('--port /dev/ttyUSB97 is not a pseudo-terminal');
  });

  it.skipIf(!SOCAT)('a socat pty pair (and a symlink to it) is a pseudo-terminal', async () => {
    const a = rig.path('pty-a');
    const b = rig.path('pty-b');
    await rig.pair(a, b);
    expect(portKind(a)).toBe('pty');
    const link = join(dir, 'hub');
    symlinkSync(a, link);
    expect(portKind(link)).toBe('pty');
    expect(whyLive({ path: link })).toBeNull();
    await rig.cleanup();
  });
});

describe('what is a test key, what is critical, and the verdict', () => {
  it('the default scenario has critical commands, sent by the Supplier', () => {
    expect(criticalCommands(steps)).toEqual(['ECS70', 'ECS43', 'ECS42', 'GCS32']);
    expect(criticalOriginators(steps)).toEqual([ctx.parties.supplier]);
    expect(criticalCommands(steps.filter((s) => s.kind === 'command' && s.messageCode === 0x0059))).toEqual(
      [],
    );
  });

  it('a keystore of a gbcs-sim PKI holds test keys; one without certificates is not known to', () => {
    const ks = pkiKeystore(testPki('guard'));
    expect(keystoreTestKeys(ks, [ctx.parties.supplier], ctx.parties.acb)).toMatch(
      /^ab00000000010000 DS, test certificate: CA name "CN=G1 TEST" marked TEST$/,
    );
    const bare = new Keystore(ks.entries.map((e) => ({ ...e, certificate: null, serial: null })));
    expect(keystoreTestKeys(bare, [ctx.parties.supplier], ctx.parties.acb)).toBeNull();
  });

  it('serve follows the same rule (one function): test keys on a live line refused, allowed with a warning; a pty is fine', () => {
    const live = whyLive({ path: '/dev/null' }, '--serial');
    expect(live).toBe('--serial /dev/null is not a pseudo-terminal');
    expect(serveTestKeyVerdict({ live, seed: '1', allow: false })).toEqual({
      refuse:
        'refusing to serve virtual devices on a live line (--serial /dev/null is not a pseudo-terminal) with test keys ' +
        '(the deterministic keys of --seed 1): their private keys are public, so anyone on that line can command them; ' +
        'nothing was opened (--allow-test-keys if the line is a test rig)',
    });
    expect(serveTestKeyVerdict({ live, seed: '1', allow: true })).toEqual({
      warn: expect.stringMatching(/^warning: --allow-test-keys: serving virtual devices on a live line/),
    });
    expect(serveTestKeyVerdict({ live: null, seed: '1', allow: false })).toBeNull();
  });

  it('the verdict: refuse only live + test keys + critical; with --allow-test-keys a warning (once)', () => {
    const base = {
      live: '--port /dev/ttyUSB0 is not a pseudo-terminal',
      testKeys: 'seed 1',
      critical: ['ECS43'],
    };
    expect(testKeyVerdict({ ...base, allow: false })).toEqual({
      refuse: expect.stringMatching(
        /^refusing to send critical commands \(ECS43\) to a live device .* nothing was sent/,
      ),
    });
    expect(testKeyVerdict({ ...base, allow: true })).toEqual({
      warn: expect.stringMatching(/^warning: --allow-test-keys/),
    });
    expect(testKeyVerdict({ ...base, live: null, allow: false })).toBeNull();
    expect(testKeyVerdict({ ...base, testKeys: null, allow: false })).toBeNull();
    expect(testKeyVerdict({ ...base, critical: [], allow: false })).toBeNull();
    const warnings: string[] = [];
    const guard = createTestKeyGuard({
      ...base,
      live: () => base.live,
      allow: true,
      warn: (l) => warnings.push(l),
    });
    expect([guard(), guard()]).toEqual([null, null]);
    expect(warnings).toHaveLength(1);
  });
});

describeShared('published test keystores', () => {
  it('the RTDS keystore (ZAZ1 organisation certificates) holds test keys', () => {
    const ks = loadKeystore(RTDS_KEYSTORE_DIR);
    expect(keystoreTestKeys(ks, ['90b3d51f30010000'], '90b3d51f30000002')).toMatch(
      /^90b3d51f30010000 DS, certificate of a published test PKI: "OU=07, CN=Z1"/,
    );
  });
});

describe('runBridge: the link guard is asked when the link comes up, before anything is sent', () => {
  function rigged() {
    const pairs: ReturnType<typeof createInProcessPair>[] = [];
    const transport = new ReconnectingTransport(
      () => {
        const pair = createInProcessPair();
        pairs.push(pair);
        return new FramedTransport(pair.a, createFraming('gfi'));
      },
      { initialDelayMs: 5, maxDelayMs: 10, giveUpAfterMs: 2000 },
    );
    const headEnd = testHeadEnd({
      keys: createTestKeys('guard'),
      crypto: createCrypto('noble'),
      clock: new WallClock(),
    });
    return { transport, headEnd, pairs };
  }

  it('refused on the first link-up: nothing sent, no result or summary line, the refusal returned', async () => {
    const r = rigged();
    const lines: string[] = [];
    let asked = 0;
    const out = await runBridge({
      transport: r.transport,
      headEnd: r.headEnd,
      steps,
      clock: new WallClock(),
      json: true,
      write: (l) => lines.push(l),
      linkGuard: () => {
        asked++;
        return 'no';
      },
    });
    expect(out.refused).toBe('no');
    expect(asked).toBe(1);
    expect(out.summary.framesOut).toBe(0);
    expect(out.results).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('a guard that lets the link through changes nothing (the command is sent)', async () => {
    const r = rigged();
    const one: BridgeStep[] = [steps.find((s) => s.kind === 'command' && s.messageCode === 0x0059)!];
    const out = await runBridge({
      transport: r.transport,
      headEnd: r.headEnd,
      steps: one,
      clock: new WallClock(),
      timeoutMs: 50,
      retries: 0,
      json: true,
      write: () => {},
      linkGuard: () => null,
    });
    expect(out.refused).toBeNull();
    expect(out.summary).toMatchObject({ sent: 1, failed: 1 }); // nobody answers the in-process pair
  });
});

/** A TCP listener on every interface that records what it receives. */
async function listener(): Promise<{
  server: Server;
  port: number;
  received: () => number;
  connections: () => number;
}> {
  let bytes = 0;
  let conns = 0;
  const server = createServer((s) => {
    conns++;
    s.on('data', (d) => {
      bytes += d.length;
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const port = (server.address() as { port: number }).port;
  return { server, port, received: () => bytes, connections: () => conns };
}

const externalIpv4 = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
if (!externalIpv4)
  console.warn(
    '[gbcs-sim tests] no non-loopback IPv4 address: the bridge --tcp live-path tests are skipped.',
  );

function bridgeCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(BIN, ['bridge', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    c.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    c.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('gbcs-sim bridge with test keys', () => {
  it('--port /dev/ttyUSB0 with the seed keys (the finding): one line, exit 2, nothing written', async () => {
    const r = await bridgeCli(['--port', '/dev/ttyUSB0', '--give-up-ms', '300']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^gbcs-sim: bridge: refusing to send critical commands \(ECS70, ECS43, ECS42, GCS32\) to a live device \(--port \/dev\/ttyUSB0 is not a pseudo-terminal\) with test keys \(the deterministic keys of --seed 1\)/,
    );
  });

  it('a symlink to a character device that is no pty, and a gbcs-sim keystore: refused too', async () => {
    const pki = join(dir, 'pki');
    const init = spawn(BIN, ['keys', 'init', '--out', pki, '--seed', 'guard']);
    expect(await new Promise((r) => init.once('exit', r))).toBe(0);
    const port = join(dir, 'ttyACM0');
    symlinkSync('/dev/null', port);
    const r = await bridgeCli(['--port', port, '--keystore', pki, '--give-up-ms', '300']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /refusing .* with test keys \(ab00000000010000 DS, test certificate: CA name "CN=G1 TEST" marked TEST\)/,
      ),
    ]);
  });

  it.skipIf(!externalIpv4)(
    '--tcp to a non-loopback address: refused without connecting; with --allow-test-keys one warning and the commands go out',
    async () => {
      const l = await listener();
      try {
        const where = `${externalIpv4}:${l.port}`;
        const refused = await bridgeCli(['--tcp', where, '--give-up-ms', '1000']);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toMatch(/refusing .*\(--tcp host \S+ is not a loopback address\)/);
        expect([l.connections(), l.received()]).toEqual([0, 0]);

        const allowed = await bridgeCli([
          '--tcp',
          where,
          '--allow-test-keys',
          '--timeout-ms',
          '100',
          '--retries',
          '0',
          '--json',
        ]);
        const err = allowed.stderr.trim().split('\n');
        expect(err).toEqual([
          expect.stringMatching(
            /^gbcs-sim bridge: warning: --allow-test-keys: sending critical commands \(ECS70, ECS43, ECS42, GCS32\) to a live device/,
          ),
        ]);
        expect(allowed.code).toBe(1); // sent, never answered
        expect(l.received()).toBeGreaterThan(0);
      } finally {
        l.server.close();
      }
    },
  );

  it.skipIf(!externalIpv4)(
    'a live target with only non-critical commands: no refusal, no warning',
    async () => {
      const l = await listener();
      try {
        const scenario = join(dir, 'read-only.json');
        writeFileSync(scenario, JSON.stringify({ steps: [{ default: 6 }] })); // ECS52 read the firmware version: non-critical
        const r = await bridgeCli([
          '--tcp',
          `${externalIpv4}:${l.port}`,
          '--scenario',
          scenario,
          '--timeout-ms',
          '100',
          '--retries',
          '0',
        ]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(1);
        expect(l.received()).toBeGreaterThan(0);
      } finally {
        l.server.close();
      }
    },
  );
});
