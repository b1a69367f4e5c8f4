/**
 * Message-throughput benchmark group: GBCS commands per second through the whole device pipeline
 * (DESIGN §1: decode → route → authorise → verifyMac → verifySignature → checkReplay → payload
 * check → execute → protect), on a fleet of N ESMEs of the test key set, per crypto back-end; and
 * the head-end side, responses per second through `HeadEnd.checkResponse` (decode, MAC or
 * signature verification, correlation).
 *
 * - non-critical: ECS52 (read firmware version) from the Network Operator: MAC only; MAC'd response.
 * - critical: ECS43 / ECS42 (open / close the load switch) in turn from the Supplier, signed and
 *   MAC'd by the ACB; the device verifies both and signs its response with its own DS key.
 *
 * Two kinds of fleet: "ESME model" devices run the real ESME executor (sim/models), whose
 * per-command work and ~40 ms first-command model creation (synthetic history) dwarf the security
 * steps, so those fleets stay small (1 and 100); "stub model" devices answer every command with
 * the response payload the ESME model gave to the same kind of command (captured in setup, so its
 * DLMS invoke-id is that command's), and the rows show the protocol and security pipeline itself,
 * for fleets of 1 and 1,000.
 *
 * Commands are built before timing, round robin over the fleet with each originator's strictly
 * increasing Originator Counter, so every device sees its counters rise; the timed operation is one
 * `device.handle(bytes)`, which must be accepted (a rejection aborts the bench). When a pool of
 * pre-built commands (≥ 2,000) is used up it is replayed after resetting the fleet's anti-replay
 * floors (N assignments per pool: well under 1 µs per command).
 *
 * Static ECDH results Z are cached per key pair (DESIGN §1 step 4), so the timed rows measure the
 * per-message work. The caches are filled before timing, by one command per device, and shared by
 * both back-ends' fleets (Z is the same on both; computed by node:crypto's ECDH so that setup stays
 * short); the Supplier key's verifier table is built then too. Head-end rows cycle through the
 * responses of that first lap (at least 64): a head-end facing 1,000 devices verifies 1,000
 * distinct device keys, more than noble's per-key tables (64 by default) cover.
 */
import { toHex } from '../protocol/bytes.ts';
import { type CryptoBackendName, createCrypto, SharedSecretCache } from '../protocol/crypto/index.ts';
import type { KeyResolver } from '../protocol/security/verify.ts';
import type { Eui64 } from '../protocol/types.ts';
import { useCaseOf } from '../protocol/use-case-catalogue.ts';
import { VirtualClock } from '../sim/clock.ts';
import { Device, type DeviceState, type Executor } from '../sim/device/device.ts';
import { type BuiltCommand, HeadEnd } from '../sim/head-end/head-end.ts';
import { DEFAULT_SCENARIO, type PartyName, partyEui } from '../sim/head-end/scenario.ts';
import { executorModel, modelFor } from '../sim/models/index.ts';
import { createTestKeys, TEST_PARTIES, type TestKeys } from '../sim/smki/test-pki.ts';
import type { BenchCase, BenchGroup, BenchRatio } from './harness.ts';

/** Fleet sizes: devices with the ESME model, with the stub model, and head-end rows (stub fleets' responses). */
const MODEL_FLEETS = [1, 100] as const;
const STUB_FLEETS = [1, 1000] as const;
const HEAD_END_FLEETS = [1, 1000] as const;
const BACKENDS = ['noble', 'node'] as const;
/** Pre-built commands per fleet and kind: at least this many (and at least one per device). */
const POOL = 2000;
/** Responses the head-end rows cycle through: one per device, at least this many. */
const RESPONSES = 64;

type Kind = 'non-critical' | 'critical';
const KINDS: readonly Kind[] = ['non-critical', 'critical'];

type Model = 'ESME' | 'stub';
const esmes = (n: number) => `${n.toLocaleString('en-US')} ESME${n > 1 ? 's' : ''}`;
const deviceRow = (kind: Kind, model: Model, n: number) =>
  `device, ${model} model: ${kind === 'critical' ? 'critical (signed) ECS43/42' : 'non-critical (MAC) ECS52'}, ${esmes(n)}`;
const headEndRow = (kind: Kind, n: number) =>
  `head-end: check ${kind === 'critical' ? 'signed' : "MAC'd"} response, ${esmes(n)}`;

const START = Date.UTC(2026, 0, 1, 8, 0, 0);
const step = (label: string) => {
  const s = DEFAULT_SCENARIO.find((x) => x.label.includes(label));
  if (!s) throw new Error(`no scenario step "${label}"`);
  return s;
};

/** EUIs of the bench fleet (prefix d1: apart from the default premises' d0…). */
const fleetEui = (i: number): Eui64 => `d1${i.toString(16).padStart(14, '0')}`;

/** A head-end's keys: the test parties' key pairs and the fleet's public keys, memoised (a head-end holds them in memory). */
function resolver(keys: TestKeys, devices: ReadonlySet<Eui64>): KeyResolver {
  const parties = new Set(TEST_PARTIES.map((p) => p.eui));
  const memo = new Map<string, Uint8Array | undefined>();
  const get = (k: string, f: () => Uint8Array | undefined) => {
    if (!memo.has(k)) memo.set(k, f());
    return memo.get(k);
  };
  return {
    publicKey: (eui, usage) =>
      get(`pub/${eui}/${usage}`, () =>
        parties.has(eui) || devices.has(eui) ? keys.publicKey(eui, usage) : undefined,
      ),
    privateKey: (eui, usage) =>
      get(`priv/${eui}/${usage}`, () => (parties.has(eui) ? keys.privateKey(eui, usage) : undefined)),
  };
}

interface Fleet {
  devices: Device[];
  /** The head-end that checks this fleet's responses (its own crypto instance: another process in life). */
  headEnd: HeadEnd;
}

interface Caches {
  device: SharedSecretCache;
  headEnd: SharedSecretCache;
}

function makeFleet(
  keys: TestKeys,
  euis: readonly Eui64[],
  backend: CryptoBackendName,
  caches: Caches,
  executor: Executor,
  states?: readonly DeviceState[],
): Fleet {
  const clock = new VirtualClock(START);
  const anchors = keys.trustAnchors();
  const crypto = createCrypto(backend);
  const devices = euis.map(
    (eui, i) =>
      new Device({
        eui,
        deviceType: 'ESME',
        credentials: {
          ds: { publicKey: keys.publicKey(eui, 'ds'), privateKey: keys.privateKey(eui, 'ds') },
          ka: { publicKey: keys.publicKey(eui, 'ka'), privateKey: keys.privateKey(eui, 'ka') },
          trustAnchors: anchors,
        },
        crypto,
        clock,
        // Z on a device's first command: node:crypto's ECDH through the shared cache (setup speed);
        // after that each device holds its own Z per cell, as in the simulator.
        ecdh: (priv, pub) => caches.device.get(toHex(priv), priv, pub),
        model: executorModel('ESME', executor),
        ...(states ? { state: states[i]! } : {}),
      }),
  );
  const headEnd = new HeadEnd({
    crypto: createCrypto(backend),
    keys: resolver(keys, new Set(euis)),
    acbId: partyEui('acb'),
    clock,
    cache: caches.headEnd,
  });
  return { devices, headEnd };
}

const KIND_STEPS: Record<Kind, { from: PartyName; labels: string[] }> = {
  'non-critical': { from: 'networkOperator', labels: ['read the ESME firmware version'] },
  critical: { from: 'supplier', labels: ['remotely open the load switch', 'remotely close the load switch'] },
};

/** `commands[i]` goes to `euis[i % n]`: round robin, counters rising per device. */
function buildCommands(headEnd: HeadEnd, euis: readonly Eui64[], kind: Kind): BuiltCommand[] {
  const { from, labels } = KIND_STEPS[kind];
  const steps = labels.map(step);
  for (const s of steps) {
    const critical = useCaseOf(s.messageCode)?.commandSignature === 'required';
    if (critical !== (kind === 'critical')) throw new Error(`${s.label}: not a ${kind} command`);
  }
  const count = Math.ceil(POOL / euis.length) * euis.length;
  const out: BuiltCommand[] = [];
  for (let i = 0; i < count; i++) {
    const s = steps[Math.floor(i / euis.length) % steps.length]!;
    out.push(
      headEnd.buildCommand({
        originatorId: partyEui(from),
        recipientId: euis[i % euis.length]!,
        messageCode: s.messageCode,
        payload: s.payload,
      }),
    );
  }
  return out;
}

interface Checked {
  header: BuiltCommand['header'];
  response: Uint8Array;
}

/**
 * Runs commands [0, count) on the fleet and checks the first `check` responses (the rest are checked
 * by the head-end rows, or not needed). Throws on any failure.
 */
function firstLap(fleet: Fleet, commands: readonly BuiltCommand[], count: number, check: number): Checked[] {
  const out: Checked[] = [];
  const n = fleet.devices.length;
  for (let i = 0; i < count; i++) {
    const c = commands[i]!;
    const r = fleet.devices[i % n]!.handle(c.bytes);
    if (!r.accepted) throw new Error(`bench command rejected: ${r.rejection.reason} ${r.rejection.detail}`);
    const v = i < check ? fleet.headEnd.checkResponse(c.header, r.response) : null;
    if (v && !v.ok) throw new Error(`bench response does not check: ${v.problems.join('; ')}`);
    out.push({ header: c.header, response: r.response });
  }
  return out;
}

/** The timed device operation: the next pre-built command, replaying the pool on reset floors. */
function deviceCase(fleet: Fleet, commands: readonly BuiltCommand[], from: number): () => unknown {
  let next = from;
  const n = fleet.devices.length;
  return () => {
    if (next === commands.length) {
      for (const d of fleet.devices) d.state.antiReplay = {};
      next = 0;
    }
    const i = next++;
    const out = fleet.devices[i % n]!.handle(commands[i]!.bytes);
    if (!out.accepted) throw new Error(`bench command rejected: ${out.rejection.reason}`);
    return out.response;
  };
}

/** The timed head-end operation: check the next of `responses`. */
function headEndCase(fleet: Fleet, responses: readonly Checked[]): () => unknown {
  let j = 0;
  return () => {
    const r = responses[j++ % responses.length]!;
    const check = fleet.headEnd.checkResponse(r.header, r.response);
    if (!check.ok) throw new Error(`bench response does not check: ${check.problems.join('; ')}`);
    return check;
  };
}

const ratio = (name: string): BenchRatio => ({
  label: `${name}: noble / node`,
  numerator: { name, variant: 'noble' },
  denominator: { name, variant: 'node' },
});

export const group: BenchGroup = {
  name: 'pipeline',
  title: 'GBCS commands/s through the device pipeline, responses/s through the head-end; noble vs node',
  variants: [...BACKENDS],
  notes: [
    'one op = one command through Device.handle (decode … execute, protect) on a fleet of N ESMEs, round',
    '  robin; or one response through HeadEnd.checkResponse. Z cached per key pair; caches warm.',
    '"stub model": the device answers with a captured ESME response payload (the ESME model skipped).',
    'critical: the device verifies the Supplier signature (one recurring key) and signs its response;',
    '  the head-end verifies N device keys (noble keeps per-key tables for at most 64 of them).',
  ],
  ratios: [
    ...MODEL_FLEETS.flatMap((n) => KINDS.map((k) => ratio(deviceRow(k, 'ESME', n)))),
    ...STUB_FLEETS.flatMap((n) => KINDS.map((k) => ratio(deviceRow(k, 'stub', n)))),
    ...HEAD_END_FLEETS.flatMap((n) => KINDS.map((k) => ratio(headEndRow(k, n)))),
  ],
  setup(): BenchCase[] {
    const keys = createTestKeys('pipeline-bench');
    const node = createCrypto('node');
    const sizes = [...new Set<number>([...MODEL_FLEETS, ...STUB_FLEETS])].sort((a, b) => a - b);
    const cases: BenchCase[] = [];
    // The stub model's answers: what the ESME model answered to the first command of each kind.
    const captured = new Map<number, Uint8Array>();
    const stub: Executor = (ctx) => {
      const payload = captured.get(ctx.header.messageCode);
      if (!payload)
        throw new Error(`stub model: no captured response for 0x${ctx.header.messageCode.toString(16)}`);
      return { payload };
    };
    const esme = modelFor('ESME');
    const esmeRun: Executor = (ctx) => (esme.handlers.get(ctx.header.messageCode) ?? esme.generic)(ctx);
    const capturing: Executor = (ctx) => {
      const r = esmeRun(ctx);
      if (!captured.has(ctx.header.messageCode)) captured.set(ctx.header.messageCode, r.payload);
      return r;
    };
    for (const n of sizes) {
      const euis = Array.from({ length: n }, (_, i) => fleetEui(i));
      // Z of every key pair, once (node:crypto's ECDH: the same Z as noble's), shared by both back-ends.
      const caches: Caches = { device: new SharedSecretCache(node), headEnd: new SharedSecretCache(node) };
      const builder = makeFleet(keys, euis, 'node', caches, stub).headEnd;
      const pools = new Map(KINDS.map((k) => [k, buildCommands(builder, euis, k)] as const));
      const models: Model[] = [
        ...((MODEL_FLEETS as readonly number[]).includes(n) ? (['ESME'] as const) : []),
        ...((STUB_FLEETS as readonly number[]).includes(n) ? (['stub'] as const) : []),
      ];
      for (const model of models) {
        // ESME models are made on a device's first command (~40 ms each: a synthetic history); the
        // second back-end's fleet starts from copies of the first one's, floors reset.
        let modelStates: DeviceState[] | undefined;
        for (const backend of BACKENDS) {
          // One fleet for both kinds: they come from different roles, so their anti-replay floors differ.
          const fleet = makeFleet(
            keys,
            euis,
            backend,
            caches,
            model === 'ESME' ? capturing : stub,
            modelStates,
          );
          for (const kind of KINDS) {
            const commands = pools.get(kind)!;
            const warm = Math.min(commands.length, Math.max(n, RESPONSES));
            const responses = firstLap(fleet, commands, warm, RESPONSES);
            cases.push({
              name: deviceRow(kind, model, n),
              variant: backend,
              fn: deviceCase(fleet, commands, warm),
            });
            if (model === 'stub' && (HEAD_END_FLEETS as readonly number[]).includes(n))
              cases.push({ name: headEndRow(kind, n), variant: backend, fn: headEndCase(fleet, responses) });
          }
          if (model === 'ESME' && !modelStates)
            modelStates = fleet.devices.map((d) => ({ ...structuredClone(d.state), antiReplay: {} }));
        }
      }
    }
    return cases;
  },
};
