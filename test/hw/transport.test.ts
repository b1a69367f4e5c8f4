/**
 * The Transport seam without real hardware: serialport with its mock binding
 * (@serialport/binding-mock), in-process pairs, reconnect with backoff, correlation, GBT on a
 * link, the CBOR control channel, port listing without udev, scenario files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from 'cbor-x';
import { SerialPortMock } from 'serialport';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultScenarioContext, loadScenarioFile, resolveScenario } from '../../app/bridge/scenario.ts';
import { ServedPremises } from '../../app/serve.ts';
import {
  ControlClient,
  ControlError,
  type ControlResponse,
  decodeControl,
  encodeControl,
} from '../../hw/control.ts';
import { TransportError } from '../../hw/errors.ts';
import { createFraming, type Frame } from '../../hw/framing/index.ts';
import { GbtInbound, isGbtBlock, segmentForLink } from '../../hw/gbt-link.ts';
import { createInProcessPair } from '../../hw/links/in-process.ts';
import { SerialLink } from '../../hw/links/serial.ts';
import { listenTcp, TcpLink } from '../../hw/links/tcp.ts';
import { listPorts } from '../../hw/ports.ts';
import { ReconnectingTransport } from '../../hw/reconnect.ts';
import { FramedTransport, type Transport } from '../../hw/transport.ts';
import { Waitress } from '../../hw/waitress.ts';
import { equalBytes } from '../../protocol/bytes.ts';
import { createCrypto } from '../../protocol/crypto/index.ts';
import { decodeGbcsMessage } from '../../protocol/envelope.ts';
import { DecodeError } from '../../protocol/errors.ts';
import { WallClock } from '../../sim/clock.ts';
import { DEFAULT_PREMISES } from '../../sim/premises/premises.ts';
import { testHeadEnd } from '../../sim/premises/test-bed.ts';
import { createTestKeys } from '../../sim/smki/test-pki.ts';

const ascii = (s: string) => new TextEncoder().encode(s);
const nextFrame = (t: Transport): Promise<Frame> =>
  new Promise((resolve) => {
    const off = t.onFrame((f) => {
      off();
      resolve(f);
    });
  });
const until = async (cond: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
};

// The mock binding instance serialport itself uses (its CJS copy: importing @serialport/binding-mock
// from ESM would give a second registry of mock ports).
const MockBinding = SerialPortMock.binding;

// Reaching into the mock binding's port (emitData, recording, pendingRead).
const mockPort = (link: SerialLink): any => (link.serialPort as any).port;

describe('SerialLink over the serialport mock binding', () => {
  beforeEach(() => MockBinding.createPort('/dev/ROBOT', { record: true }));
  afterEach(() => MockBinding.reset());

  it('writes encoded frames; decodes what the port receives, garbage and all, in any chunking', async () => {
    const codec = createFraming('gfi');
    const link = new SerialLink({ path: '/dev/ROBOT', mock: true });
    const t = new FramedTransport(link, codec);
    await t.open();
    await t.send({ channel: 'gbcs', payload: Uint8Array.of(0xdd, 0x00) });
    await until(() => mockPort(link).recording.length > 0, 'the recording');
    expect(mockPort(link).recording.toString()).toBe('GBCS:DATA#0:2:DD00\r\n');

    const got: Frame[] = [];
    t.onFrame((f) => got.push(f));
    const line = Buffer.from('noise\x00\xffGBCS:DATA#0:1:AB\r\nGBCS:DA\r\nGBCS:DATA#3:2:CDEF\r\n');
    for (let i = 0; i < line.length; i += 5) mockPort(link).emitData(line.subarray(i, i + 5));
    await until(() => got.length === 2, 'two frames');
    expect(got.map((f) => [f.n, Buffer.from(f.payload).toString('hex')])).toEqual([
      [0, 'ab'],
      [3, 'cdef'],
    ]);
    expect(t.stats.droppedBytes).toBeGreaterThan(0);
    await t.close();
    expect(t.isOpen).toBe(false);
  });

  it('opening a port that is not there fails with OPEN_FAILED, disconnected', async () => {
    const t = new FramedTransport(new SerialLink({ path: '/dev/NOPE', mock: true }), createFraming('binary'));
    const e = await t.open().catch((x) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect(e).toMatchObject({ code: 'OPEN_FAILED', disconnected: true });
  });

  it('a read error closes the transport with a disconnected error; send then fails NOT_OPEN', async () => {
    const link = new SerialLink({ path: '/dev/ROBOT', mock: true });
    const t = new FramedTransport(link, createFraming('gfi'));
    await t.open();
    const closed = new Promise<TransportError | null>((r) => t.onClose(r));
    await until(() => typeof mockPort(link).pendingRead === 'function', 'a pending read');
    mockPort(link).pendingRead(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
    const err = await closed;
    expect(err).toMatchObject({ code: 'DISCONNECTED', disconnected: true });
    await expect(t.send({ channel: 'gbcs', payload: Uint8Array.of(1) })).rejects.toMatchObject({
      code: 'NOT_OPEN',
    });
  });

  it('ReconnectingTransport reopens the port after an unplug and counts the reconnect', async () => {
    let current: SerialLink | null = null;
    const r = new ReconnectingTransport(
      () => {
        current = new SerialLink({ path: '/dev/ROBOT', mock: true });
        return new FramedTransport(current, createFraming('gfi'));
      },
      { initialDelayMs: 5 },
    );
    const states: string[] = [];
    r.onState((s) => states.push(s));
    await r.open();
    const first = current!;
    await until(() => typeof mockPort(first).pendingRead === 'function', 'a pending read');
    mockPort(first).pendingRead(new Error('EIO'));
    await until(() => r.reconnects === 1, 'a reconnect');
    expect(states).toEqual(['up', 'down', 'up']);
    expect(current).not.toBe(first);
    const f = nextFrame(r);
    mockPort(current!).emitData(Buffer.from('GBCS:DATA#0:1:01\r\n'));
    expect([...(await f).payload]).toEqual([1]);
    await r.close();
    expect(r.state).toBe('closed');
  });
});

describe('ReconnectingTransport', () => {
  it('send while down fails at once, disconnected; gives up after giveUpAfterMs with GAVE_UP', async () => {
    const r = new ReconnectingTransport(
      () => new FramedTransport(new SerialLink({ path: '/dev/none-such', mock: true }), createFraming('gfi')),
      { initialDelayMs: 5, maxDelayMs: 20, giveUpAfterMs: 150 },
    );
    const opened = r.open().catch((e) => e);
    await expect(r.send({ channel: 'gbcs', payload: Uint8Array.of(1) })).rejects.toMatchObject({
      code: 'DISCONNECTED',
      disconnected: true,
    });
    expect(await opened).toMatchObject({ code: 'GAVE_UP', disconnected: true });
    expect(r.state).toBe('closed');
  });
});

describe('in-process and TCP links', () => {
  it('in-process pair: frames both ways, split into 3-byte deliveries; unplug closes both ends', async () => {
    const pair = createInProcessPair(3);
    const a = new FramedTransport(pair.a, createFraming('binary'));
    const b = new FramedTransport(pair.b, createFraming('binary'));
    await Promise.all([a.open(), b.open()]);
    const f = nextFrame(b);
    await a.send({ channel: 'control', payload: ascii('hello') });
    expect(await f).toMatchObject({ channel: 'control' });
    const closes = Promise.all([a, b].map((t) => new Promise((r) => t.onClose(r))));
    pair.unplug();
    expect(await closes).toEqual([
      expect.objectContaining({ disconnected: true }),
      expect.objectContaining({ disconnected: true }),
    ]);
  });

  it('TCP: client and accepted connection exchange frames; a closed server end is a disconnect', async () => {
    let server: FramedTransport | null = null;
    const l = await listenTcp(0, (link) => {
      server = new FramedTransport(link, createFraming('gfi'));
      void server.open();
    });
    const c = new FramedTransport(new TcpLink({ host: '127.0.0.1', port: l.port }), createFraming('gfi'));
    await c.open();
    await until(() => server?.isOpen === true, 'the accepted connection');
    const f = nextFrame(server!);
    await c.send({ channel: 'gbcs', payload: Uint8Array.of(0xdf) });
    expect([...(await f).payload]).toEqual([0xdf]);
    const closed = new Promise<TransportError | null>((r) => c.onClose(r));
    await server!.close();
    expect(await closed).toMatchObject({ disconnected: true });
    await l.close();
  });
});

describe('Waitress', () => {
  it('resolves by key, times out with TIMEOUT, refuses a second waiter for a key', async () => {
    const w = new Waitress<number>();
    const p = w.wait('a', 1000);
    await expect(w.wait('a', 10)).rejects.toMatchObject({ code: 'MISUSE' });
    expect(w.resolve('a', 7)).toBe(true);
    expect(await p).toBe(7);
    expect(w.resolve('a', 8)).toBe(false);
    await expect(w.wait('b', 5)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(w.size).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------

const crypto = createCrypto('noble');
const keys = createTestKeys('hw');
const headEnd = () => testHeadEnd({ keys, crypto, clock: new WallClock() });

describe('GBT on a link', () => {
  it('a command longer than the block limit goes as blocks ≤ the limit and reassembles byte for byte', () => {
    const built = headEnd().buildCommand({
      originatorId: defaultScenarioContext().parties.supplier,
      recipientId: DEFAULT_PREMISES.esme,
      messageCode: 0x0021,
      payload: new Uint8Array(700).fill(0x20),
    });
    expect(segmentForLink(built.bytes, 1200)).toEqual([built.bytes]);
    const blocks = segmentForLink(built.bytes, 200);
    expect(blocks.length).toBeGreaterThan(3);
    for (const b of blocks) {
      expect(b.length).toBeLessThanOrEqual(200);
      expect(isGbtBlock(b)).toBe(true);
      expect(decodeGbcsMessage(b).form).toBe('gbt');
    }
    const inbound = new GbtInbound();
    const results = [...blocks].reverse().map((b) => inbound.accept(b));
    const last = results.at(-1)!;
    expect(last.status).toBe('message');
    expect(last.status === 'message' && equalBytes(last.bytes, built.bytes)).toBe(true);
    expect(inbound.size).toBe(0);
    expect(inbound.accept(blocks[0]!)).toMatchObject({ status: 'incomplete' });
    expect(inbound.accept(blocks[0]!)).toMatchObject({ status: 'error', code: 'DUPLICATE_BLOCK' });
  });
});

describe('CBOR control channel', () => {
  it('codec: plain CBOR maps, byte strings untagged; bad input is DecodeError BAD_VALUE', () => {
    const b = encodeControl({ v: 1, id: 3, op: 'firmware', data: Uint8Array.of(1, 2) });
    expect(b[0]! >> 5).toBe(5); // a map
    expect(Buffer.from(b).toString('hex')).toContain('4201 02'.replace(' ', '')); // bstr(2) 01 02
    expect(decodeControl(b)).toMatchObject({ id: 3, op: 'firmware' });
    for (const bad of [Uint8Array.of(0xff), encodeControl({ v: 2, id: 1, op: 'x' }), Uint8Array.of(0x01)]) {
      expect(() => decodeControl(bad)).toThrow(DecodeError);
    }
  });

  it('malformed requests: BAD_REQUEST when the id can be read, dropped (frame-error) when not', async () => {
    const events: Array<Record<string, unknown>> = [];
    const served = new ServedPremises({
      seed: 'hw',
      crypto,
      gsmePollMs: 0,
      control: true,
      onEvent: (e) => events.push(e),
    });
    const pair = createInProcessPair();
    const dev = new FramedTransport(pair.b, createFraming('binary'));
    const harness = new FramedTransport(pair.a, createFraming('binary'));
    await Promise.all([dev.open(), harness.open()]);
    served.attach(dev);
    const answers: Array<ReturnType<typeof decodeControl>> = [];
    harness.onFrame((f) => f.channel === 'control' && answers.push(decodeControl(f.payload)));
    const raw = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true });
    try {
      for (const m of [
        { v: 2, id: 1, op: 'ping' },
        { v: 1, id: 2 },
        { v: 1, id: 3, op: 7 },
        {},
        [1, 2],
        { v: 1, op: 'ping' },
        { v: 1, id: 4, ok: 'nonsense' }, // looks like a response: never answered
      ])
        await harness.send({ channel: 'control', payload: raw.encode(m) });
      await harness.send({ channel: 'control', payload: encodeControl({ v: 1, id: 5, op: 'ping' }) });
      await until(() => answers.length >= 4, 'four answers');
      expect(
        answers.map((m) => {
          const r = m as ControlResponse;
          return [r.id, r.ok ? 'ok' : r.error.code];
        }),
      ).toEqual([
        [1, 'BAD_REQUEST'],
        [2, 'BAD_REQUEST'],
        [3, 'BAD_REQUEST'],
        [5, 'ok'],
      ]);
      expect(events.filter((e) => e.event === 'frame-error')).toHaveLength(7);
    } finally {
      served.stop();
      await harness.close();
    }
  });

  it('status, clock.set, reset, faults (own, delegated, unsupported), firmware push — over an in-process link', async () => {
    const served = new ServedPremises({ seed: 'hw', crypto, gsmePollMs: 0, control: true });
    const pair = createInProcessPair();
    const dev = new FramedTransport(pair.b, createFraming('gfi'));
    const harness = new FramedTransport(pair.a, createFraming('gfi'));
    await Promise.all([dev.open(), harness.open()]);
    served.attach(dev);
    const c = new ControlClient(harness, { timeoutMs: 2000 });
    try {
      expect(await c.request('ping')).toEqual({ pong: true });
      const st = (await c.request('status')) as { devices: Array<{ deviceType: string }> };
      expect(st.devices.map((d) => d.deviceType).sort()).toEqual(['CHF', 'ESME', 'GPF', 'GSME']);
      expect(await c.request('clock.set', { ms: Date.UTC(2030, 0, 1) })).toMatchObject({
        clockMs: expect.any(Number),
      });
      expect(served.clock.now()).toBeGreaterThanOrEqual(Date.UTC(2030, 0, 1));
      // Without a count a link fault is one-shot (count 1), never set for good.
      expect(await c.request('fault', { fault: 'drop-responses' })).toMatchObject({
        faults: { dropResponses: 1 },
      });
      expect(await c.request('fault', { fault: 'corrupt-responses' })).toMatchObject({
        faults: { corruptResponses: 1 },
      });
      await c.request('fault', { fault: 'corrupt-responses', count: 0 });
      expect(await c.request('fault', { fault: 'drop-responses', count: 2 })).toMatchObject({
        faults: { dropResponses: 2 },
      });
      // Device faults are sim/device/faults.ts rules for the device's injectFault; the premises has none.
      await expect(c.request('fault', { fault: 'brown-out' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      await expect(c.request('fault', { fault: 'brown-out', device: 'esme' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      expect(await c.request('fault', { fault: 'drop', device: 'esme', messageCode: 0x21 })).toEqual({
        injected: { kind: 'drop', messageCode: 0x21 },
        device: DEFAULT_PREMISES.esme,
      });
      expect(served.premises.devices.get(DEFAULT_PREMISES.esme)!.state.faults).toEqual([
        { kind: 'drop', messageCode: 0x21 },
      ]);
      await c.request('fault.clear', { device: 'esme' });
      expect(served.premises.devices.get(DEFAULT_PREMISES.esme)!.state.faults).toBeUndefined();
      await expect(c.request('fault', { fault: 'x', device: 'ffffffffffffffff' })).rejects.toMatchObject({
        code: 'NO_DEVICE',
      });
      await expect(c.request('warp')).rejects.toBeInstanceOf(ControlError);
      await expect(c.request('warp')).rejects.toMatchObject({ code: 'UNKNOWN_OP' });
      const image = new Uint8Array(5000).map((_, i) => i & 0xff);
      const r = (await c.pushFirmware('esme', image, 1024)) as Record<string, unknown>;
      expect(r).toMatchObject({ complete: true, received: 5000, total: 5000, delivered: false });
      expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(await c.request('reset', { mode: 'factory' })).toEqual({ mode: 'factory' });
      expect(((await c.request('status')) as { firmware: unknown[] }).firmware).toEqual([]);
    } finally {
      c.dispose();
      served.stop();
      await Promise.all([dev.close(), harness.close()]);
    }
  });
});

describe('port listing', () => {
  it('never throws; falls back to a /dev scan where udev is missing', async () => {
    const l = await listPorts();
    expect(['serialport', 'scan']).toContain(l.source);
    if (l.source === 'scan') expect(l.warning).toMatch(/serialport list failed/);
    for (const p of l.ports) expect(p.path).toMatch(/^\/dev\//);
  });
});

describe('scenario files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-scenario-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ctx = defaultScenarioContext();

  it('YAML: default steps, builders, hex payloads, use-case ids, control, wait, repeat', () => {
    const f = join(dir, 's.yaml');
    writeFileSync(
      f,
      [
        'steps:',
        '  - default: 1',
        "  - default: 'read the load switch status'",
        '  - {device: esme, from: networkOperator, messageCode: 0x0052, payload: {default: 4}}',
        '  - {device: d000000000000001, from: supplier, messageCode: CCS01, payload: "D9 20 00", repeat: 2}',
        '  - control: {op: fault, fault: drop-responses, count: 1}',
        '  - wait: 10',
      ].join('\n'),
    );
    const steps = loadScenarioFile(f, ctx);
    expect(steps.map((s) => s.kind)).toEqual([
      'command',
      'command',
      'command',
      'command',
      'command',
      'control',
      'wait',
    ]);
    expect(steps[0]).toMatchObject({
      kind: 'command',
      messageCode: 0x62,
      recipientId: DEFAULT_PREMISES.esme,
    });
    expect(steps[2]).toMatchObject({ messageCode: 0x52, originatorId: ctx.parties.networkOperator });
    expect(steps[3]).toMatchObject({ messageCode: 0x0001, recipientId: DEFAULT_PREMISES.chf });
    expect(steps[5]).toMatchObject({
      kind: 'control',
      op: 'fault',
      params: { fault: 'drop-responses', count: 1 },
    });
  });

  it('JSON with premises and parties overrides; bad files are BAD_SCENARIO', () => {
    const steps = resolveScenario(
      {
        premises: { esme: 'AAAAAAAAAAAAAAAA' },
        parties: { supplier: 'bbbbbbbbbbbbbbbb' },
        steps: [{ default: 1 }],
      },
      ctx,
    );
    expect(steps[0]).toMatchObject({ recipientId: 'aaaaaaaaaaaaaaaa', originatorId: 'bbbbbbbbbbbbbbbb' });
    for (const bad of [
      {},
      { steps: [] },
      { steps: [{ default: 99 }] },
      { steps: [{ device: 'fridge', from: 'supplier', messageCode: 1, payload: '00' }] },
      { steps: [{ device: 'esme', from: 'supplier', messageCode: 'ECS999', payload: '00' }] },
      { steps: [{ device: 'esme', from: 'supplier', messageCode: 1, payload: 'XYZ' }] },
      { premises: { boiler: 'aaaaaaaaaaaaaaaa' }, steps: [{ default: 1 }] },
    ]) {
      expect(() => resolveScenario(bad, ctx)).toThrow(expect.objectContaining({ code: 'BAD_SCENARIO' }));
    }
    const f = join(dir, 'broken.json');
    writeFileSync(f, '{"steps": [');
    expect(() => loadScenarioFile(f, ctx)).toThrow(expect.objectContaining({ code: 'BAD_SCENARIO' }));
  });
});
