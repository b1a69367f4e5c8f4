/**
 * `serve` as an attacker on the wire or a careless lab would meet it (issue 8 findings 3, 5, 6, 11),
 * in process over in-process links (the CLI and SIGKILL run is test/app/serve-restart.test.ts):
 * - durable device state: a premises rebuilt from its state folder refuses every command it
 *   already accepted; the folder is locked, belongs to one identity, keeps the clock;
 * - the control channel: off unless asked for; `clock.set` within the GBCS date range; meters
 *   catch up at most 92 days; a factory reset keeps the security state;
 * - the GSME queue: the GPF's checks before queueing; one link's share of the queue; a per-link
 *   frame rate; the TCP connection cap; bounded GBT reassembly per link.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BridgeStep, defaultBridgeSteps, defaultScenarioContext } from '../../app/bridge/scenario.ts';
import { ServedPremises, type ServeEvent, startServe } from '../../app/serve.ts';
import { encodeControl } from '../../hw/control.ts';
import { createFraming } from '../../hw/framing/index.ts';
import { GBT_LINK_MAX_BYTES, GbtInbound } from '../../hw/gbt-link.ts';
import { createInProcessPair } from '../../hw/links/in-process.ts';
import { ThrottledReporter, TokenBucket } from '../../hw/rate-limit.ts';
import { FramedTransport } from '../../hw/transport.ts';
import { concatBytes } from '../../protocol/bytes.ts';
import { createCrypto } from '../../protocol/crypto/index.ts';
import { encodeMacMessage } from '../../protocol/envelope.ts';
import { GbcsError } from '../../protocol/errors.ts';
import { encodeGbtBlock, type GbtRoutingHeader } from '../../protocol/gbt.ts';
import {
  encodeGroupingHeaderAndPayload,
  encodeSignatureField,
  groupingHeader,
} from '../../protocol/grouping-header.ts';
import { CraFlag, type Eui64 } from '../../protocol/types.ts';
import { DEVICE_CLOCK_MAX_MS, DEVICE_CLOCK_MIN_MS, MAX_CATCH_UP_MS, WallClock } from '../../sim/clock.ts';
import type { DeviceState } from '../../sim/device/device.ts';
import type { HeadEnd } from '../../sim/head-end/head-end.ts';
import { advanceEsme } from '../../sim/models/esme/consumption.ts';
import type { EsmeModel } from '../../sim/models/esme/state.ts';
import { advanceGsme, type GsmeModel } from '../../sim/models/gsme/state.ts';
import { DEFAULT_PREMISES } from '../../sim/premises/premises.ts';
import { testHeadEnd } from '../../sim/premises/test-bed.ts';
import { createTestKeys } from '../../sim/smki/test-pki.ts';
import { defaultStateDir, openStateDir, StateDirError } from '../../sim/store/state-dir.ts';

const crypto = createCrypto('noble');
const SEED = 'sec';
const IDENTITY = { kind: 'serve', seed: SEED, premises: DEFAULT_PREMISES };
const HALF_HOUR = 1_800_000;
const SECURITY_MODEL_KEYS = ['trustAnchorCells', 'securityCredentials', 'prepayment'];
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'gbcs-sim-serve-sec-'));
  dirs.push(d);
  return d;
};

const ctx = defaultScenarioContext();
const headEnd = () => testHeadEnd({ keys: createTestKeys(SEED), crypto, clock: new WallClock() });
type CommandStep = Extract<BridgeStep, { kind: 'command' }>;
const STEPS = defaultBridgeSteps(ctx).filter((s): s is CommandStep => s.kind === 'command');
const GSME_READ = STEPS.find((s) => s.recipientId === DEFAULT_PREMISES.gsme && s.messageCode === 0x0074)!;
const GSME_VALVE = STEPS.find((s) => s.messageCode === 0x0081)!;
const ESME_READ = STEPS.find((s) => s.messageCode === 0x0052)!;
const build = (h: HeadEnd, s: CommandStep, extra: { sign?: boolean } = {}) =>
  h.buildCommand({
    originatorId: s.originatorId,
    recipientId: s.recipientId,
    messageCode: s.messageCode,
    payload: s.payload,
    ...extra,
  });

/** Polls (event loop turns, not time) until `pred` holds; fails after ~5 s of turns. */
async function until(pred: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!pred()) {
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what}: ${lastEvents.length} ${JSON.stringify(lastEvents.map((e) => (e as { reason?: unknown; event: string }).reason ?? e.event))}`,
      );
    await new Promise((r) => setTimeout(r, 2));
  }
}

let lastEvents: ServeEvent[] = [];

/** A served premises and links to it; events collected. */
function rig(options: Partial<ConstructorParameters<typeof ServedPremises>[0]> = {}) {
  const events: ServeEvent[] = [];
  lastEvents = events;
  const served = new ServedPremises({
    seed: SEED,
    crypto,
    gsmePollMs: 0,
    ...options,
    onEvent: (e) => events.push(e),
  });
  /** Final outcomes of commands (not the `queued` notice of a GSME command). */
  const commandEvents = () =>
    events.filter((e): e is Extract<ServeEvent, { event: 'command' }> => e.event === 'command' && !e.queued);
  async function link() {
    const pair = createInProcessPair();
    const dev = new FramedTransport(pair.b, createFraming('binary'));
    const near = new FramedTransport(pair.a, createFraming('binary'));
    await Promise.all([dev.open(), near.open()]);
    served.attach(dev);
    const gbcs: Uint8Array[] = [];
    const control: Uint8Array[] = [];
    near.onFrame((f) => (f.channel === 'gbcs' ? gbcs : control).push(f.payload));
    return {
      near,
      gbcs,
      control,
      send: (payload: Uint8Array) => near.send({ channel: 'gbcs', payload }),
      close: () => Promise.all([dev.close(), near.close()]),
    };
  }
  return { served, events, commandEvents, link };
}

// ---------------------------------------------------------------------------------------------

describe('durable device state (finding 3)', () => {
  it('a premises restarted on its state folder refuses every command it accepted (REPLAY) and keeps its clock', async () => {
    const dir = tempDir();
    const h = headEnd();
    const first = rig({ state: openStateDir(dir, IDENTITY) });
    const setTo = Date.UTC(2031, 5, 1);
    first.served.control({ v: 1, id: 1, op: 'clock.set', ms: setTo });
    const a = await first.link();
    const sent = STEPS.map((s) => build(h, s).bytes);
    for (const b of sent) await a.send(b);
    await until(() => first.commandEvents().length === sent.length, 'the commands');
    expect(first.commandEvents().map((e) => e.accepted)).toEqual(sent.map(() => true));
    first.served.stop();
    first.served.state.close();
    await a.close();

    const second = rig({ state: openStateDir(dir, IDENTITY) });
    expect(second.served.clock.now()).toBeGreaterThanOrEqual(setTo);
    expect(second.served.clock.now()).toBeLessThan(setTo + 3_600_000);
    const b = await second.link();
    for (const bytes of sent) await b.send(bytes);
    await until(() => second.commandEvents().length === sent.length, 'the resent commands');
    expect(second.commandEvents().map((e) => [e.accepted, e.reason])).toEqual(
      sent.map(() => [false, 'REPLAY']),
    );
    expect(b.gbcs).toEqual([]);
    second.served.stop();
    second.served.state.close();
    await b.close();
  });

  it('the folder: locked while in use, a dead process lock taken over, another identity refused, default names', () => {
    const dir = tempDir();
    const s = openStateDir(dir, IDENTITY);
    expect(() => openStateDir(dir, IDENTITY)).toThrow(
      expect.objectContaining({ code: StateDirError.STATE_IN_USE }),
    );
    s.close();
    // A lock left by a process killed without a chance to remove it.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(join(dir, 'lock'), `${dead.stdout}\n`);
    const again = openStateDir(dir, IDENTITY);
    again.close();
    expect(() => openStateDir(dir, { ...IDENTITY, seed: 'other' })).toThrow(
      expect.objectContaining({ code: StateDirError.STATE_MISMATCH }),
    );
    writeFileSync(join(dir, 'premises.json'), '{"format": "something else"}');
    expect(() => openStateDir(dir, IDENTITY)).toThrow(GbcsError);
    expect(defaultStateDir('1', '/lab')).toBe('/lab/gbcs-sim-state/seed-1');
    expect(defaultStateDir('a/../b', '/lab')).toMatch(/^\/lab\/gbcs-sim-state\/seed-[0-9a-f]{16}$/);
    expect(defaultStateDir('..', '/lab')).toMatch(/^\/lab\/gbcs-sim-state\/seed-[0-9a-f]{16}$/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('control channel (finding 5)', () => {
  it('is off unless asked for: control frames are ignored, counted and reported, never answered', async () => {
    const r = rig();
    const l = await r.link();
    await l.near.send({
      channel: 'control',
      payload: encodeControl({ v: 1, id: 1, op: 'reset', mode: 'factory' }),
    });
    await until(() => r.events.some((e) => e.event === 'limit'), 'the limit event');
    expect(r.events.find((e) => e.event === 'limit')).toMatchObject({ limit: 'control-off', count: 1 });
    expect(r.served.counts.controlIgnored).toBe(1);
    expect(l.control).toEqual([]);
    r.served.stop();
    await l.close();
  });

  it('clock.set refuses what no device can represent; GPF and GSME commands run at both ends of the range', async () => {
    const r = rig({ control: true });
    const h = headEnd();
    const l = await r.link();
    const ask = (params: Record<string, unknown>) => {
      try {
        return r.served.control({ v: 1, id: 1, op: 'clock.set', ...params });
      } catch (e) {
        return (e as GbcsError).code;
      }
    };
    const before = r.served.clock.offsetMs;
    for (const bad of [
      { ms: 1e20 },
      { ms: -1 },
      { ms: DEVICE_CLOCK_MIN_MS - 1 },
      { ms: DEVICE_CLOCK_MAX_MS + 1 },
      { ms: Date.UTC(2030, 0, 1) + 0.5 },
      { ms: '2030' },
      {},
      { ms: Date.UTC(2030, 0, 1), advanceMs: 1 },
      { advanceMs: -1 },
      { advanceMs: DEVICE_CLOCK_MAX_MS },
      { advanceMs: Number.POSITIVE_INFINITY },
    ])
      expect([JSON.stringify(bad), ask(bad)]).toEqual([JSON.stringify(bad), 'BAD_REQUEST']);
    expect(r.served.clock.offsetMs).toBe(before);
    for (const at of [DEVICE_CLOCK_MAX_MS - 3_600_000, DEVICE_CLOCK_MIN_MS]) {
      expect(ask({ ms: at })).toMatchObject({ clockMs: expect.any(Number) });
      const n0 = r.commandEvents().length;
      const built = STEPS.map((s) => build(h, s));
      for (const b of built) await l.send(b.bytes);
      await until(() => r.commandEvents().length === n0 + built.length, 'the commands');
      expect(
        r
          .commandEvents()
          .slice(n0)
          .every((e) => e.accepted),
      ).toBe(true);
      await until(() => l.gbcs.length >= n0 + built.length, 'the responses');
      expect(r.served.counts.internalErrors).toBe(0);
    }
    r.served.stop();
    await l.close();
  });

  it('a clock jump of a century costs at most 92 days of half hours (ESME and GSME), a shorter one every half hour', async () => {
    const r = rig({ control: true });
    const h = headEnd();
    const l = await r.link();
    for (const s of [ESME_READ, GSME_READ]) await l.send(build(h, s).bytes);
    await until(() => r.commandEvents().length === 2, 'the reads');
    const esme = r.served.premises.devices.get(DEFAULT_PREMISES.esme)!.state.model.esme as EsmeModel;
    const gsme = r.served.premises.devices.get(DEFAULT_PREMISES.gsme)!.state.model.gsme as GsmeModel;
    const capSlots = MAX_CATCH_UP_MS / HALF_HOUR;
    const esme10 = structuredClone(esme);
    const tenDays = advanceEsme(esme10, esme10.lastAdvancedMs - esme10.clock.offsetMs + 10 * 86_400_000);
    expect([tenDays.slots, tenDays.skippedMs]).toEqual([480, 0]);
    const century = advanceEsme(esme, DEVICE_CLOCK_MAX_MS);
    expect(century.slots).toBeLessThanOrEqual(capSlots);
    expect(century.skippedMs).toBeGreaterThan(100 * 365 * 86_400_000);
    expect(esme.lastAdvancedMs).toBe(
      Math.floor((DEVICE_CLOCK_MAX_MS + esme.clock.offsetMs) / HALF_HOUR) * HALF_HOUR,
    );
    const gsme10 = structuredClone(gsme);
    const from = Math.ceil(gsme10.clock / HALF_HOUR) * HALF_HOUR;
    expect(advanceGsme(gsme10, from + 10 * 86_400_000)).toBeGreaterThanOrEqual(480);
    expect(advanceGsme(gsme, DEVICE_CLOCK_MAX_MS)).toBeLessThanOrEqual(capSlots);
    expect(gsme.clock).toBe(DEVICE_CLOCK_MAX_MS);
    expect(gsme.price.billingPeriod.nextEnd).toBeGreaterThan(DEVICE_CLOCK_MAX_MS);
    r.served.stop();
    await l.close();
  });

  it('reset factory keeps the security state: a captured command is refused REPLAY; reboot rebuilds from the store', async () => {
    const r = rig({ control: true });
    const h = headEnd();
    const l = await r.link();
    const captured = STEPS.map((s) => build(h, s).bytes);
    for (const b of captured) await l.send(b);
    await until(() => r.commandEvents().length === captured.length, 'the commands');
    const security = (d: DeviceState) => [d.antiReplay, d.alertCounter];
    const held = [...r.served.premises.devices.values()].map((d) => security(d.state));
    expect(held.some(([, alerts]) => alerts !== '0')).toBe(true); // CS14 raised by CCS01
    for (const mode of ['reboot', 'factory'] as const) {
      expect(r.served.control({ v: 1, id: 2, op: 'reset', mode })).toEqual({ mode });
      expect([...r.served.premises.devices.values()].map((d) => security(d.state))).toEqual(held);
      if (mode === 'factory')
        // The application state is back to manufacture: no model data but the security part.
        for (const d of r.served.premises.devices.values())
          expect(Object.keys(d.state.model).filter((k) => !SECURITY_MODEL_KEYS.includes(k))).toEqual([]);
      const n0 = r.commandEvents().length;
      for (const b of captured) await l.send(b);
      await until(() => r.commandEvents().length === n0 + captured.length, 'the replays');
      expect(
        r
          .commandEvents()
          .slice(n0)
          .map((e) => e.reason),
      ).toEqual(captured.map(() => 'REPLAY'));
    }
    r.served.stop();
    await l.close();
  });

  it('every control value is validated', () => {
    const r = rig({ control: true });
    const code = (params: Record<string, unknown>) => {
      try {
        r.served.control({ v: 1, id: 1, ...params } as never);
        return 'ok';
      } catch (e) {
        return (e as GbcsError).code;
      }
    };
    expect(
      [
        { op: 'reset', mode: 'warm' },
        { op: 'fault', fault: 'drop-responses', count: -1 },
        { op: 'fault', fault: 'drop-responses', count: 1.5 },
        { op: 'fault', fault: 'delay-responses', ms: 1e9 },
        { op: 'fault', fault: 'drop', device: 'esme', messageCode: 'x' },
        { op: 'firmware', device: 'esme', offset: 0, total: 2, data: Uint8Array.of(1, 2), sha256: 'zz' },
        { op: 'firmware', device: 'esme', offset: 0, total: 0, data: new Uint8Array(0) },
        { op: 'fault.clear', device: 42 },
      ].map(code),
    ).toEqual([
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
    ]);
    r.served.stop();
  });
});

// ---------------------------------------------------------------------------------------------

/** A MAC'd message with a made-up MAC (the GPF cannot check it). */
function forged(fields: {
  craFlag: CraFlag;
  messageCode: number;
  payload: Uint8Array;
  counter: bigint;
}): Uint8Array {
  const header = groupingHeader({
    craFlag: fields.craFlag,
    originatorCounter: fields.counter,
    originatorId: ctx.parties.supplier,
    recipientId: DEFAULT_PREMISES.gsme,
    messageCode: fields.messageCode,
  });
  const apdu = concatBytes(
    encodeGroupingHeaderAndPayload(header, fields.payload),
    encodeSignatureField({ kind: 'null' }),
  );
  return encodeMacMessage(apdu, new Uint8Array(12).fill(0x5a));
}

describe('the sleepy GSME queue (finding 6)', () => {
  it('the GPF refuses, before queueing, what the GSME would refuse without a key', async () => {
    const r = rig({ gsmePollMs: 1_000_000 });
    const h = headEnd();
    const l = await r.link();
    const gsmePayload = (c: bigint) => (GSME_READ.payload as (c: bigint) => Uint8Array)(c);
    const junk: Array<[string, Uint8Array]> = [
      ['WRONG_DEVICE_TYPE', build(h, { ...ESME_READ, recipientId: DEFAULT_PREMISES.gsme }).bytes],
      [
        'UNKNOWN_MESSAGE_CODE',
        forged({ craFlag: CraFlag.COMMAND, messageCode: 0xfffe, payload: gsmePayload(1n), counter: 1n }),
      ],
      [
        'NOT_A_COMMAND',
        forged({ craFlag: CraFlag.RESPONSE, messageCode: 0x0074, payload: gsmePayload(2n), counter: 2n }),
      ],
      ['SIGNATURE_MISSING', build(h, GSME_VALVE, { sign: false }).bytes],
      [
        'DECODE',
        forged({
          craFlag: CraFlag.COMMAND,
          messageCode: 0x0074,
          payload: Uint8Array.of(1, 2, 3),
          counter: 3n,
        }),
      ],
    ];
    for (const [, b] of junk) await l.send(b);
    await until(() => r.commandEvents().length === junk.length, 'the refusals');
    expect(r.commandEvents().map((e) => e.reason)).toEqual(junk.map(([reason]) => reason));
    expect(r.served.premises.gsmeQueue).toHaveLength(0);
    r.served.stop();
    await l.close();
  });

  it('one link cannot take the whole queue: after 300 forged commands on one link, a signed one on another runs', async () => {
    const r = rig({ gsmePollMs: 1_000_000, limits: { framesPerSecond: 0 } });
    const h = headEnd();
    const attacker = await r.link();
    const lab = await r.link();
    for (let i = 0; i < 300; i++) {
      const b = build(h, GSME_READ).bytes;
      b[b.length - 1]! ^= 0xff; // the MAC no longer verifies; only the GSME can tell
      await attacker.send(b);
    }
    await until(() => r.events.length === 300, 'the forged commands');
    const full = r.commandEvents().filter((e) => e.reason === 'QUEUE_FULL');
    expect(full).toHaveLength(300 - r.served.limits.gsmeQueuePerLink);
    const valve = build(h, GSME_VALVE);
    await lab.send(valve.bytes);
    await until(
      () => r.served.premises.gsmeQueue.length === r.served.limits.gsmeQueuePerLink + 1,
      'the signed command',
    );
    expect(r.events.at(-1)).toMatchObject({ accepted: true, queued: true });
    const beforeWake = r.commandEvents().length;
    expect(r.served.gsmeWake()).toBe(r.served.limits.gsmeQueuePerLink + 1);
    await until(() => lab.gbcs.length === 1, 'its response');
    expect(h.checkResponse(valve.header, lab.gbcs[0]!).ok).toBe(true);
    const woken = r.commandEvents().slice(beforeWake);
    expect(woken.filter((e) => e.reason === 'MAC_INVALID')).toHaveLength(r.served.limits.gsmeQueuePerLink);
    expect(attacker.gbcs).toEqual([]);
    r.served.stop();
    await Promise.all([attacker.close(), lab.close()]);
  });

  it('a link over its frame rate has frames dropped (counted, reported once a second), until tokens refill', async () => {
    let now = 0;
    const r = rig({ limits: { framesPerSecond: 10 }, monotonic: () => now });
    const h = headEnd();
    const l = await r.link();
    for (let i = 0; i < 25; i++) await l.send(build(h, ESME_READ).bytes);
    await until(() => r.served.counts.rateLimited === 15 && r.commandEvents().length === 10, 'the flood');
    expect(r.events.filter((e) => e.event === 'limit')).toEqual([
      { event: 'limit', limit: 'rate', link: expect.any(String), count: 1 },
    ]);
    now = 1000;
    for (let i = 0; i < 11; i++) await l.send(build(h, ESME_READ).bytes);
    await until(() => r.commandEvents().length === 20 && r.served.counts.rateLimited === 16, 'the refill');
    expect(r.events.filter((e) => e.event === 'limit').at(-1)).toMatchObject({ count: 15 });
    r.served.stop();
    await l.close();
  });

  it('token bucket and throttled reporter (driven clock)', () => {
    let t = 0;
    const b = new TokenBucket(2, 4, () => t);
    expect(Array.from({ length: 6 }, () => b.take())).toEqual([true, true, true, true, false, false]);
    t = 500;
    expect([b.take(), b.take()]).toEqual([true, false]);
    expect(new TokenBucket(0).take()).toBe(true);
    const rep = new ThrottledReporter(1000, () => t);
    expect([rep.note('a'), rep.note('a'), rep.note('a'), rep.note('b')]).toEqual([1, 0, 0, 1]);
    t = 1500;
    expect(rep.note('a')).toBe(3);
  });
});

// ---------------------------------------------------------------------------------------------

describe('connections and reassembly (finding 11)', () => {
  it('TCP: a connection beyond the cap is closed at once and counted; the others stay open', async () => {
    const running = await startServe({
      seed: SEED,
      crypto,
      gsmePollMs: 0,
      endpoint: { kind: 'tcp', port: 0 },
      framing: 'binary',
      limits: { maxConnections: 2 },
    });
    const port = Number(running.where.split(':')[1]);
    const sockets: Socket[] = [];
    const closed: number[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => {});
        s.on('close', () => closed.push(i));
        sockets.push(s);
        await new Promise((r) => s.once('connect', r));
        await until(() => running.served.status().links !== undefined, 'accept');
      }
      await until(() => closed.length === 1, 'the refused connection');
      expect(closed).toEqual([2]);
      expect(running.served.counts.refusedConnections).toBe(1);
    } finally {
      for (const s of sockets) s.destroy();
      await running.stop();
    }
  });

  it('frames of the wrong framing (binary to a gfi serve over TCP): counted and reported as frame-error', async () => {
    const events: ServeEvent[] = [];
    lastEvents = events;
    const running = await startServe({
      seed: SEED,
      crypto,
      gsmePollMs: 0,
      endpoint: { kind: 'tcp', port: 0 },
      framing: 'gfi',
      onEvent: (e) => events.push(e),
    });
    const port = Number(running.where.split(':')[1]);
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    try {
      await new Promise((r) => s.once('connect', r));
      const line = createFraming('binary').encode({
        channel: 'gbcs',
        payload: build(headEnd(), ESME_READ).bytes,
      });
      s.write(line);
      await until(() => running.served.counts.bytesDiscarded >= line.length, 'the bytes discarded');
      const fe = events.filter((e) => e.event === 'frame-error');
      expect(fe).toHaveLength(1);
      expect(fe[0]).toMatchObject({ code: 'DISCARDED', link: expect.stringContaining('127.0.0.1') });
      expect(running.served.counts).toMatchObject({ commands: 0, frames: 0, bytesDiscarded: line.length });
    } finally {
      s.destroy();
      await running.stop();
    }
  });

  it('GBT reassembly per link: at most 4 unfinished messages and 512 KiB; a flood pushes out only its own', () => {
    const inbound = new GbtInbound();
    const routing = (counter: bigint): GbtRoutingHeader => ({
      craFlag: CraFlag.COMMAND,
      originatorCounter: counter,
      originatorId: ctx.parties.supplier as Eui64,
      recipientId: DEFAULT_PREMISES.esme,
      messageCode: 0x0052,
    });
    const block = (counter: bigint, n: number, last: boolean, data: Uint8Array) =>
      encodeGbtBlock({
        routing: routing(counter),
        securityControl: 0x11,
        invocationCounter: 0,
        lastBlock: last,
        streaming: false,
        window: 1,
        blockNumber: n,
        blockNumberAck: 0,
        data,
      });
    let maxHeld = 0;
    for (let m = 1n; m <= 10n; m++)
      for (let n = 1; n <= 200; n++) {
        expect(inbound.accept(block(m, n, false, new Uint8Array(1200).fill(n))).status).toBe('incomplete');
        maxHeld = Math.max(maxHeld, inbound.bytesHeld);
        expect(inbound.size).toBeLessThanOrEqual(4);
      }
    expect(maxHeld).toBeLessThanOrEqual(GBT_LINK_MAX_BYTES);
    expect(inbound.evicted).toBeGreaterThan(0);
    // A whole message still goes through after the flood.
    expect(inbound.accept(block(99n, 1, false, Uint8Array.of(1, 2)))).toMatchObject({ status: 'incomplete' });
    const done = inbound.accept(block(99n, 2, true, Uint8Array.of(3)));
    expect(done).toMatchObject({ status: 'message', blocks: 2 });
  });
});
