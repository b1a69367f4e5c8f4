/**
 * The control channel takes CBOR integers of any width (fresh-user finding: uint64 `ms`/`advanceMs`
 * and ids ≥ 2^32 were refused or never answered): the frames are built by hand, byte by byte, in
 * the three forms a standard encoder may choose (uint32 `1a`, uint64 `1b`, float64 `fb`).
 */
import { Decoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { ServedPremises } from '../../app/serve.ts';
import { decodeControl, malformedRequestId } from '../../hw/control.ts';
import { createFraming } from '../../hw/framing/index.ts';
import { createInProcessPair } from '../../hw/links/in-process.ts';
import { FramedTransport } from '../../hw/transport.ts';
import { concatBytes, fromHex } from '../../protocol/bytes.ts';
import { createCrypto } from '../../protocol/crypto/index.ts';
import { DEVICE_CLOCK_MAX_MS } from '../../sim/clock.ts';

const text = (s: string) => concatBytes(Uint8Array.of(0x60 + s.length), new TextEncoder().encode(s));
/** A CBOR unsigned integer in the given width (RFC 8949 §3.1: 1a uint32, 1b uint64, fb float64). */
function uint(n: bigint, form: 'u32' | 'u64' | 'f64'): Uint8Array {
  const b = new DataView(new ArrayBuffer(9));
  if (form === 'u32') {
    b.setUint8(0, 0x1a);
    b.setUint32(1, Number(n));
    return new Uint8Array(b.buffer, 0, 5);
  }
  if (form === 'u64') {
    b.setUint8(0, 0x1b);
    b.setBigUint64(1, n);
  } else {
    b.setUint8(0, 0xfb);
    b.setFloat64(1, Number(n));
  }
  return new Uint8Array(b.buffer);
}
/** {v: 1, id, op: "clock.set", key: value} as hand-built CBOR. */
const clockSet = (id: Uint8Array, key: string, value: Uint8Array) =>
  concatBytes(
    Uint8Array.of(0xa4),
    text('v'),
    Uint8Array.of(1),
    text('id'),
    id,
    text('op'),
    text('clock.set'),
    text(key),
    value,
  );

const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

async function rig() {
  const served = new ServedPremises({
    seed: 'control-integers',
    crypto: createCrypto(),
    gsmePollMs: 0,
    control: true,
  });
  const pair = createInProcessPair();
  const dev = new FramedTransport(pair.b, createFraming('binary'));
  const near = new FramedTransport(pair.a, createFraming('binary'));
  await Promise.all([dev.open(), near.open()]);
  served.attach(dev);
  const answers: Record<string, unknown>[] = [];
  near.onFrame((f) => f.channel === 'control' && answers.push(decoder.decode(f.payload)));
  const ask = async (payload: Uint8Array) => {
    const n = answers.length;
    await near.send({ channel: 'control', payload });
    const end = Date.now() + 5000;
    while (answers.length === n && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
    return answers[n];
  };
  return { served, ask, close: () => Promise.all([dev.close(), near.close()]).then(() => served.stop()) };
}

describe('control channel integers (CBOR widths)', () => {
  it('decodeControl turns safe uint64 values and ids into Numbers; ids beyond 2^53−1 are refused', () => {
    const m = decodeControl(clockSet(uint(2n ** 32n, 'u64'), 'ms', uint(1_796_700_000_000n, 'u64')));
    expect(m).toMatchObject({ id: 2 ** 32, ms: 1_796_700_000_000 });
    const big = clockSet(uint(2n ** 53n, 'u64'), 'ms', uint(1n, 'u32'));
    expect(() => decodeControl(big)).toThrow(/id must be an unsigned integer/);
    expect(malformedRequestId(big)).toBeNull();
    expect(malformedRequestId(clockSet(uint(2n ** 53n - 1n, 'u64'), 'ms', uint(1n, 'u32')))).toBe(
      2 ** 53 - 1,
    );
  });

  it('clock.set ms and advanceMs in uint32, uint64 and float64 forms; ids ≥ 2^32 answered and echoed', async () => {
    const r = await rig();
    try {
      const today = 1_796_700_000_000n;
      for (const form of ['u64', 'f64'] as const) {
        const a = await r.ask(clockSet(uint(2n ** 32n + 7n, form), 'ms', uint(today, form)));
        expect([form, a]).toEqual([
          form,
          { v: 1, id: 2 ** 32 + 7, ok: true, result: { clockMs: expect.any(Number) } },
        ]);
        expect(Math.abs(r.served.clock.now() - Number(today))).toBeLessThan(60_000);
      }
      for (const form of ['u32', 'u64', 'f64'] as const) {
        const before = r.served.clock.now();
        const a = await r.ask(clockSet(uint(2n, form), 'advanceMs', uint(2n ** 32n - 1n, form)));
        expect(a).toMatchObject({ id: 2, ok: true });
        expect(r.served.clock.now() - before).toBeGreaterThanOrEqual(2 ** 32 - 1);
      }
      const before = r.served.clock.offsetMs;
      // out of range, as uint64 beyond 2^53 and as a safe uint64 beyond the device range: answered BAD_REQUEST
      for (const value of [uint(2n ** 64n - 1n, 'u64'), uint(BigInt(DEVICE_CLOCK_MAX_MS) + 1n, 'u64')]) {
        const a = await r.ask(clockSet(uint(3n, 'u64'), 'ms', value));
        expect(a).toMatchObject({ id: 3, ok: false, error: { code: 'BAD_REQUEST' } });
      }
      expect(r.served.clock.offsetMs).toBe(before);
    } finally {
      await r.close();
    }
  });
});
