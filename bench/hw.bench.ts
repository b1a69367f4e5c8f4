/**
 * Serial-link benchmark group (issue 5): GBCS frames over a real kernel pseudo-terminal pair made
 * by socat, per framing (GFI text lines vs binary length+CRC), through the same SerialLink +
 * FramedTransport the bridge and serve use.
 *
 * - round trip: one 160-byte frame (a typical signed command) out, the peer echoes it, 1 in flight;
 * - pipelined: up to 32 frames in flight, each op sends one frame (ops/s = frames/s each way);
 * - GBCS command: a non-critical command (ECS45, MAC'd) built by the head-end, verified, executed
 *   and answered by a served virtual premises, and the response verified — the whole bridge path;
 * - decode, adversarial (issue 8 finding 11: a decoder's cost per byte is bounded): 64 KiB of
 *   candidates that never complete a frame, per op — binary: a maximal-length header every 7 bytes
 *   (each candidate's CRC would span 4 KiB if checked from scratch), in one push; GFI: maximal
 *   lines with a bad terminator, a byte at a time (each push would re-check the line so far);
 * - decode, frames: 64 KiB of back-to-back 160-byte frames, per op (the baseline).
 *
 * Latency p50/p99 is per frame, from the send to the echo's arrival (includes both framings'
 * encode/decode and socat's relay). The pty cases need socat; without it only the decode cases run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultBridgeSteps, defaultScenarioContext } from '../app/bridge/scenario.ts';
import { ServedPremises } from '../app/serve.ts';
import { createFraming, type Frame, type FramingName } from '../hw/framing/index.ts';
import { SerialLink } from '../hw/links/serial.ts';
import { type PtyPair, socatAvailable, startPtyPair } from '../hw/pty.ts';
import { FramedTransport } from '../hw/transport.ts';
import { createCrypto } from '../protocol/crypto/index.ts';
import { WallClock } from '../sim/clock.ts';
import { testHeadEnd } from '../sim/premises/test-bed.ts';
import { createTestKeys } from '../sim/smki/test-pki.ts';
import type { BenchCase, BenchGroup } from './harness.ts';

const FRAMINGS: readonly FramingName[] = ['gfi', 'binary'];
const PAYLOAD_BYTES = 160;
const WINDOW = 32;
const RT = `round trip, 1 in flight (${PAYLOAD_BYTES}-byte frames)`;
const PIPE = `pipelined, ${WINDOW} in flight (ops = frames)`;
const GBCS = 'GBCS command → served premises → verified response';
const DECODE_BYTES = 64 * 1024;
const ADVERSARIAL = `decode ${DECODE_BYTES / 1024} KiB of never-completing headers (ops = 64 KiB)`;
const FRAMES = `decode ${DECODE_BYTES / 1024} KiB of ${PAYLOAD_BYTES}-byte frames (ops = 64 KiB)`;

const cleanup: Array<() => Promise<void>> = [];
let dir: string | null = null;

const ms = () => performance.now();

/** Two open transports on the ends of a new pty pair. */
async function pair(name: string, framing: FramingName): Promise<[FramedTransport, FramedTransport]> {
  const a = join(dir!, `${name}-a`);
  const b = join(dir!, `${name}-b`);
  const p: PtyPair = await startPtyPair(a, b);
  const ta = new FramedTransport(new SerialLink({ path: a }), createFraming(framing));
  const tb = new FramedTransport(new SerialLink({ path: b }), createFraming(framing));
  await Promise.all([ta.open(), tb.open()]);
  cleanup.push(async () => {
    await Promise.all([ta.close(), tb.close()]);
    await p.stop();
  });
  return [ta, tb];
}

/** Echo cases over one pair: frames carry a sequence number in their first 4 bytes. */
async function echoCases(framing: FramingName): Promise<BenchCase[]> {
  const [near, far] = await pair(`echo-${framing}`, framing);
  far.onFrame((f) => void far.send(f).catch(() => {}));
  const sentAt = new Map<number, number>();
  const waiters = new Map<number, () => void>();
  let freed: (() => void) | null = null;
  const rtSamples: number[] = [];
  const pipeSamples: number[] = [];
  let current: number[] = rtSamples;
  near.onFrame((f: Frame) => {
    const seq = new DataView(f.payload.buffer, f.payload.byteOffset).getUint32(0);
    const t0 = sentAt.get(seq);
    if (t0 === undefined) return;
    sentAt.delete(seq);
    current.push((ms() - t0) * 1000);
    waiters.get(seq)?.();
    waiters.delete(seq);
    const f2 = freed;
    freed = null;
    f2?.();
  });
  let seq = 0;
  const frame = (): { f: Frame; n: number } => {
    const n = ++seq >>> 0;
    const payload = new Uint8Array(PAYLOAD_BYTES).fill(0x5a);
    new DataView(payload.buffer).setUint32(0, n);
    return { f: { channel: 'gbcs', payload }, n };
  };
  return [
    {
      name: RT,
      variant: framing,
      samplesUs: rtSamples,
      run: async () => {
        current = rtSamples;
        const { f, n } = frame();
        const echoed = new Promise<void>((r) => waiters.set(n, r));
        sentAt.set(n, ms());
        await near.send(f);
        await echoed;
      },
    },
    {
      name: PIPE,
      variant: framing,
      samplesUs: pipeSamples,
      run: async () => {
        current = pipeSamples;
        while (sentAt.size >= WINDOW) await new Promise<void>((r) => (freed = r));
        const { f, n } = frame();
        sentAt.set(n, ms());
        await near.send(f);
      },
    },
  ];
}

/** The bridge path: head-end → pty → served premises → pty → head-end. */
async function gbcsCase(framing: FramingName): Promise<BenchCase> {
  const crypto = createCrypto('noble');
  const seed = 'bench';
  const [harness, dev] = await pair(`gbcs-${framing}`, framing);
  // No frame rate limit: this case measures throughput, not flood control.
  const served = new ServedPremises({ seed, crypto, gsmePollMs: 0, limits: { framesPerSecond: 0 } });
  served.attach(dev);
  cleanup.push(async () => served.stop());
  const ctx = defaultScenarioContext();
  const headEnd = testHeadEnd({ keys: createTestKeys(seed), crypto, clock: new WallClock() });
  const step = defaultBridgeSteps(ctx).find((s) => s.kind === 'command' && s.messageCode === 0x0052)!;
  if (step.kind !== 'command') throw new Error('no ECS45 step');
  const samples: number[] = [];
  let answer: ((b: Uint8Array) => void) | null = null;
  harness.onFrame((f) => {
    const a = answer;
    answer = null;
    a?.(f.payload);
  });
  return {
    name: GBCS,
    variant: framing,
    samplesUs: samples,
    run: async () => {
      const built = headEnd.buildCommand({
        originatorId: step.originatorId,
        recipientId: step.recipientId,
        messageCode: step.messageCode,
        payload: step.payload,
      });
      const got = new Promise<Uint8Array>((r) => (answer = r));
      const t0 = ms();
      await harness.send({ channel: 'gbcs', payload: built.bytes });
      const bytes = await got;
      samples.push((ms() - t0) * 1000);
      const check = headEnd.checkResponse(built.header, bytes);
      if (!check.ok) throw new Error(`response not verified: ${check.problems.join('; ')}`);
      return check;
    },
  };
}

/** The decoder cases: adversarial input and plain frames, 64 KiB per op, no port involved. */
function decodeCases(framing: FramingName): BenchCase[] {
  const codec = createFraming(framing);
  const fill = (unit: Uint8Array): Uint8Array => {
    const out = new Uint8Array(DECODE_BYTES);
    for (let i = 0; i < out.length; i++) out[i] = unit[i % unit.length]!;
    return out;
  };
  const adversarial =
    framing === 'binary'
      ? fill(Uint8Array.of(0xa5, 0x5a, 0x01, 0x10, 0x00, 0xef, 0xff))
      : fill(new TextEncoder().encode(`GBCS:DATA#0:2048:${'AB'.repeat(2048)}X`));
  // The GFI adversary trickles maximal lines with a bad terminator a byte at a time (each push
  // used to re-check every hex digit of the line so far).
  const chunk = framing === 'binary' ? DECODE_BYTES : 1;
  const frame = codec.encode({ channel: 'gbcs', payload: new Uint8Array(PAYLOAD_BYTES).fill(0x5a) });
  const frames = fill(frame).subarray(0, Math.floor(DECODE_BYTES / frame.length) * frame.length);
  const push = (bytes: Uint8Array, size: number) => () => {
    const d = codec.createDecoder();
    let n = 0;
    for (let o = 0; o < bytes.length; o += size) n += d.push(bytes.subarray(o, o + size)).length;
    return n + d.flush().length;
  };
  return [
    { name: ADVERSARIAL, variant: framing, fn: push(adversarial, chunk) },
    { name: FRAMES, variant: framing, fn: push(frames, 4096) },
  ];
}

const notes = [
  `pty pairs by socat (pty,raw,echo=0); SerialLink (serialport 13) on both ends; ${PAYLOAD_BYTES}-byte payloads`,
  'round trip and pipelined: the far end echoes every frame; p50/p99 = send → echo arrival, per frame',
  'GBCS command: ECS45 (non-critical, ACB MAC) verified + executed by the ESME of a served premises, response MAC verified (noble)',
  'decode rows: one decoder fed 64 KiB per op (adversarial: binary a max-length header every 7 bytes in one push; GFI maximal lines with a bad terminator, 1-byte pushes)',
];

export const group: BenchGroup = {
  name: 'hw',
  title: 'GBCS frames over a kernel pty pair (socat), per framing',
  variants: [...FRAMINGS],
  notes,
  async setup(): Promise<BenchCase[]> {
    const cases: BenchCase[] = FRAMINGS.flatMap(decodeCases);
    if (!socatAvailable()) {
      notes.push('socat not found: only the decode cases measured (apt-get install socat)');
      return cases;
    }
    dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-bench-'));
    for (const f of FRAMINGS) cases.push(...(await echoCases(f)));
    for (const f of FRAMINGS) cases.push(await gbcsCase(f));
    // Rows in a stable order: round trip, pipelined, GBCS, decoders.
    const order = [RT, PIPE, GBCS, ADVERSARIAL, FRAMES];
    return cases.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  },
  async teardown(): Promise<void> {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  },
};
