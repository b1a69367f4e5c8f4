/**
 * A stored device state with a wrongly typed field is refused when it is loaded (STATE_UNUSABLE
 * naming the file and field, so `serve` exits 2 at start-up) — it used to be accepted and then
 * fail every command with an internal error ("Cannot convert r to a BigInt"). Property: mutated
 * copies of a valid state file are either refused at load or loaded and serve commands without an
 * internal error.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BridgeStep, defaultBridgeSteps, defaultScenarioContext } from '../../app/bridge/scenario.ts';
import { ServedPremises, type ServeEvent } from '../../app/serve.ts';
import { createFraming } from '../../hw/framing/index.ts';
import { createInProcessPair } from '../../hw/links/in-process.ts';
import { FramedTransport } from '../../hw/transport.ts';
import { createCrypto } from '../../protocol/crypto/index.ts';
import { GbcsError } from '../../protocol/errors.ts';
import { WallClock } from '../../sim/clock.ts';
import { DEFAULT_PREMISES } from '../../sim/premises/premises.ts';
import { testHeadEnd } from '../../sim/premises/test-bed.ts';
import { createTestKeys } from '../../sim/smki/test-pki.ts';
import { openStateDir } from '../../sim/store/state-dir.ts';

const crypto = createCrypto('noble');
const SEED = 'shape';
const IDENTITY = { kind: 'serve', seed: SEED, premises: DEFAULT_PREMISES };
const root = mkdtempSync(join(tmpdir(), 'gbcs-sim-state-shape-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type CommandStep = Extract<BridgeStep, { kind: 'command' }>;
const STEPS = defaultBridgeSteps(defaultScenarioContext()).filter(
  (s): s is CommandStep => s.kind === 'command',
);
const ESME_STEPS = STEPS.filter((s) => s.recipientId === DEFAULT_PREMISES.esme);
const h = testHeadEnd({ keys: createTestKeys(SEED), crypto, clock: new WallClock() });

/** Serves the state folder `dir`, sends `steps`; the events (throws what start-up throws). */
async function serveOn(dir: string, steps: CommandStep[]): Promise<ServeEvent[]> {
  const events: ServeEvent[] = [];
  const state = openStateDir(dir, IDENTITY);
  let served: ServedPremises;
  try {
    served = new ServedPremises({ seed: SEED, crypto, gsmePollMs: 0, state, onEvent: (e) => events.push(e) });
  } catch (e) {
    state.close();
    throw e;
  }
  const pair = createInProcessPair();
  const dev = new FramedTransport(pair.b, createFraming('binary'));
  const near = new FramedTransport(pair.a, createFraming('binary'));
  await Promise.all([dev.open(), near.open()]);
  served.attach(dev);
  const done = () =>
    events.filter((e) => (e.event === 'command' && !e.queued) || e.event === 'internal-error');
  for (const s of steps) {
    const n = done().length;
    const b = h.buildCommand({
      originatorId: s.originatorId,
      recipientId: s.recipientId,
      messageCode: s.messageCode,
      payload: s.payload,
    });
    await near.send({ channel: 'gbcs', payload: b.bytes });
    for (let i = 0; i < 5000 && done().length === n; i++) await new Promise((r) => setTimeout(r, 1));
  }
  served.stop();
  state.close();
  await Promise.all([dev.close(), near.close()]);
  return events;
}

const internalErrors = (events: ServeEvent[]) => events.filter((e) => e.event === 'internal-error');

describe('stored device state: its shape is checked when loaded', () => {
  const valid = join(root, 'valid');
  const file = `${DEFAULT_PREMISES.esme}.json`;

  it('a valid folder loads and serves; antiReplay "garbage" is refused at start-up naming the file and field', async () => {
    expect(internalErrors(await serveOn(valid, STEPS))).toEqual([]);
    const bad = join(root, 'garbage');
    cpSync(valid, bad, { recursive: true });
    const s = JSON.parse(readFileSync(join(bad, file), 'utf8'));
    writeFileSync(join(bad, file), JSON.stringify({ ...s, antiReplay: 'garbage' }));
    const e = await serveOn(bad, ESME_STEPS).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GbcsError);
    expect((e as GbcsError).code).toBe('STATE_UNUSABLE');
    expect((e as GbcsError).message).toBe(
      `device state ${join(bad, file)}: antiReplay: an object of decimal counters`,
    );
  });

  it('property: each mutated field is refused at load, or loads and serves without an internal error', async () => {
    const base = JSON.parse(readFileSync(join(valid, file), 'utf8'));
    const role = Object.keys(base.antiReplay)[0]!;
    const paths = [
      ['eui'],
      ['deviceType'],
      ['antiReplay'],
      ['antiReplay', role],
      ['retiredFloors'],
      ['alertCounter'],
      ['credentials'],
      ['credentials', 'ds'],
      ['credentials', 'ka', 'privateKey'],
      ['credentials', 'ds', 'publicKey'],
      ['credentials', 'trustAnchors'],
      ['credentials', 'trustAnchors', '0', 'role'],
      ['credentials', 'trustAnchors', '0', 'publicKey'],
      ['model'],
      ['faults'],
      ['schedule'],
    ];
    const values: unknown[] = ['garbage', '12', -1, 7.5, null, true, [], {}, [1], undefined];
    let refused = 0;
    let loaded = 0;
    let i = 0;
    for (const path of paths)
      for (const value of values) {
        const mutated = structuredClone(base);
        let at = mutated;
        for (const k of path.slice(0, -1)) at = at[k];
        if (value === undefined) delete at[path.at(-1)!];
        else at[path.at(-1)!] = value;
        const dir = join(root, `m${i++}`);
        cpSync(valid, dir, { recursive: true });
        writeFileSync(join(dir, file), JSON.stringify(mutated));
        const r = await serveOn(dir, ESME_STEPS.slice(0, 2)).catch((x: unknown) => x);
        const what = `${path.join('.')} = ${JSON.stringify(value)}`;
        if (Array.isArray(r)) {
          loaded++;
          expect([what, internalErrors(r)]).toEqual([what, []]);
        } else {
          refused++;
          expect([what, (r as GbcsError).code]).toEqual([what, 'STATE_UNUSABLE']);
        }
        rmSync(dir, { recursive: true, force: true });
      }
    expect(refused).toBeGreaterThan(0);
    expect(loaded).toBeGreaterThan(0);
  });
});
