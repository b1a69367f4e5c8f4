/**
 * Integration over REAL kernel pseudo-terminal pairs made by socat (issue 5 "done when"):
 * - `gbcs-sim bridge` drives a `gbcs-sim serve`d virtual premises through the default scenario
 *   (gfi with the pty pair made by serve itself; binary with a pair made beforehand);
 * - socat killed and restarted mid-run: both sides reconnect, and every command is answered or
 *   reported failed — none lost silently;
 * - 1 MiB of random bytes on the line, both ways: decoders stay bounded, resynchronise, and the
 *   next commands are answered and verified.
 * Skipped with a message when socat is missing. No timed assertions.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { defaultBridgeSteps, defaultScenarioContext } from '../../app/bridge/scenario.ts';
import { ServedPremises } from '../../app/serve.ts';
import { createFraming, type FramingName } from '../../hw/framing/index.ts';
import { SerialLink } from '../../hw/links/serial.ts';
import { ReconnectingTransport } from '../../hw/reconnect.ts';
import { FramedTransport, type Transport } from '../../hw/transport.ts';
import { createCrypto } from '../../protocol/crypto/index.ts';
import { WallClock } from '../../sim/clock.ts';
import { testHeadEnd } from '../../sim/premises/test-bed.ts';
import { createTestKeys } from '../../sim/smki/test-pki.ts';
import { describePty, parse, Rig } from '../fixtures/pty.ts';

const rig = new Rig();
afterEach(() => rig.cleanup());
afterAll(() => rig.dispose());

const summaryOf = (lines: string[]) => parse(lines.find((l) => l.startsWith('{"summary"'))!).summary;

describePty('bridge ↔ serve over a socat pty pair', () => {
  it('gfi: serve makes the pair itself; the default scenario is answered and verified, exit 0', async () => {
    const hub = rig.path('hub-gfi');
    const serve = rig.cli([
      'serve',
      '--ephemeral',
      '--pty',
      hub,
      '--framing',
      'gfi',
      '--seed',
      '5',
      '--gsme-poll-ms',
      '100',
      '--json',
    ]);
    const ready = parse(await serve.waitLine((l) => l.includes('"listening"')));
    expect(ready).toMatchObject({ where: hub, ownEnd: `${hub}.serve`, framing: 'gfi' });
    const trace = rig.path('trace.jsonl');
    const bridge = rig.cli([
      'bridge',
      '--port',
      hub,
      '--framing',
      'gfi',
      '--seed',
      '5',
      '--json',
      '--trace',
      trace,
    ]);
    expect(await bridge.exited).toBe(0);
    const steps = bridge.lines.slice(0, -1).map(parse);
    expect(steps).toHaveLength(12);
    expect(steps.every((s) => s.status === 'answered' && s.responseVerified)).toBe(true);
    expect(summaryOf(bridge.lines)).toMatchObject({ sent: 12, answered: 12, failed: 0, reconnects: 0 });
    const { readFileSync } = await import('node:fs');
    const entries = readFileSync(trace, 'utf8').trim().split('\n').map(parse);
    expect(entries.filter((e) => e.dir === 'in' && e.decoded?.header?.craFlag === 2)).toHaveLength(12);
    await serve.stop();
    expect(summaryOf(serve.lines)).toMatchObject({ commands: 12, accepted: 12, rejected: 0 });
  });

  it('binary: on a pair made beforehand (serve opens an existing pty)', async () => {
    const a = rig.path('a-bin');
    const b = rig.path('b-bin');
    await rig.pair(a, b);
    const serve = rig.cli([
      'serve',
      '--ephemeral',
      '--pty',
      b,
      '--framing',
      'binary',
      '--gsme-poll-ms',
      '0',
      '--json',
    ]);
    expect(parse(await serve.waitLine((l) => l.includes('"listening"')))).not.toHaveProperty('ownEnd');
    const bridge = rig.cli(['bridge', '--port', a, '--framing', 'binary', '--json']);
    expect(await bridge.exited).toBe(0);
    expect(summaryOf(bridge.lines)).toMatchObject({ sent: 12, answered: 12, verified: 12, failed: 0 });
  });

  it('socat killed and restarted mid-run: reconnects; every command answered or reported failed', async () => {
    const a = rig.path('a-kill');
    const b = rig.path('b-kill');
    let pair = await rig.pair(a, b);
    const serve = rig.cli(['serve', '--ephemeral', '--pty', b, '--gsme-poll-ms', '100', '--json']);
    await serve.waitLine((l) => l.includes('"listening"'));
    const { writeFileSync } = await import('node:fs');
    const scenario = rig.path('spread.json');
    const steps = Array.from({ length: 12 }, (_, i) => [{ default: i + 1 }, { wait: 120 }]).flat();
    writeFileSync(scenario, JSON.stringify({ steps }));
    const bridge = rig.cli([
      'bridge',
      '--port',
      a,
      '--json',
      '--scenario',
      scenario,
      '--timeout-ms',
      '1500',
      '--retries',
      '4',
    ]);
    await bridge.waitLine((l) => l.includes('"step":7'));
    await pair.stop();
    await new Promise((r) => setTimeout(r, 300));
    pair = await rig.pair(a, b);
    const code = await bridge.exited;
    const results = bridge.lines.filter((l) => l.includes('"status"')).map(parse);
    const summary = summaryOf(bridge.lines);
    expect(results).toHaveLength(12);
    expect(summary.commands).toBe(12);
    expect(summary.sent).toBe(12);
    expect(summary.answered + summary.failed).toBe(12);
    expect(summary.reconnects).toBeGreaterThanOrEqual(1);
    for (const r of results) {
      expect(['answered', 'failed']).toContain(r.status);
      if (r.status === 'failed') expect(r.reason).toMatch(/TIMEOUT|DISCONNECTED/);
      else expect(r.responseVerified).toBe(true);
    }
    expect(code).toBe(summary.failed === 0 ? 0 : 1);
    // serve survived the loss of its pty too.
    expect(serve.child.exitCode).toBeNull();
    expect(
      serve.lines.filter((l) => l.includes('"link"') && l.includes('"down"')).length,
    ).toBeGreaterThanOrEqual(1);
  });
});

describePty('line noise over a real pty', () => {
  const crypto = createCrypto('noble');
  const seed = 'noise';

  const noise = (n: number) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536)
      globalThis.crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
    return b;
  };

  it.each<FramingName>(['gfi', 'binary'])(
    '%s: 1 MiB of random bytes both ways is survived with bounded decoders, then commands are answered',
    async (framing) => {
      const a = rig.path(`a-noise-${framing}`);
      const b = rig.path(`b-noise-${framing}`);
      await rig.pair(a, b);
      const served = new ServedPremises({ seed, crypto, gsmePollMs: 0 });
      const linkB = { current: null as SerialLink | null };
      const dev = new ReconnectingTransport(() => {
        linkB.current = new SerialLink({ path: b });
        return new FramedTransport(linkB.current, createFraming(framing));
      });
      served.attach(dev);
      await dev.open();
      const linkA = new SerialLink({ path: a });
      const harness = new FramedTransport(linkA, createFraming(framing));
      await harness.open();
      const ctx = defaultScenarioContext();
      const headEnd = testHeadEnd({ keys: createTestKeys(seed), crypto, clock: new WallClock() });
      const ask = async (t: Transport, i: number) => {
        const s = defaultBridgeSteps(ctx)[i]!;
        if (s.kind !== 'command') throw new Error('not a command');
        const built = headEnd.buildCommand({
          originatorId: s.originatorId,
          recipientId: s.recipientId,
          messageCode: s.messageCode,
          payload: s.payload,
        });
        const got = new Promise<Uint8Array>((resolve) => {
          const off = t.onFrame((f) => {
            if (f.channel === 'gbcs') {
              off();
              resolve(f.payload);
            }
          });
        });
        await t.send({ channel: 'gbcs', payload: built.bytes });
        return headEnd.checkResponse(built.header, await got);
      };
      try {
        const MiB = 1 << 20;
        const half = MiB / 2;
        const toDevice = noise(MiB);
        const toHarness = noise(MiB);
        const writeAll = async (link: SerialLink, bytes: Uint8Array) => {
          for (let o = 0; o < bytes.length; o += 16384) await link.write(bytes.subarray(o, o + 16384));
        };
        // Noise both ways at once, a command in the middle of the harness's noise.
        await Promise.all([writeAll(linkA, toDevice.subarray(0, half)), writeAll(linkB.current!, toHarness)]);
        expect((await ask(harness, 1)).ok).toBe(true);
        await writeAll(linkA, toDevice.subarray(half));
        // Let the device side drain the noise, then ask again: it resynchronised.
        const r = await ask(harness, 3);
        expect(r.ok).toBe(true);
        const ds = dev.stats;
        const hs = harness.stats;
        const bound = createFraming(framing).maxEncodedLength;
        expect(ds.decoderHighWater).toBeLessThan(bound);
        expect(hs.decoderHighWater).toBeLessThan(bound);
        expect(ds.droppedBytes).toBeGreaterThan(MiB - 64 * 1024);
        expect(hs.droppedBytes).toBeGreaterThan(MiB - 64 * 1024);
        expect(served.counts).toMatchObject({ accepted: 2 });
      } finally {
        served.stop();
        await harness.close();
        await dev.close();
      }
    },
  );
});

describe('pty suite', () => {
  it('runs or says why not', () => {
    expect(typeof describePty).toBe('function');
  });
});
