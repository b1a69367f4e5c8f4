/**
 * A shard of a fleet: the premises (one Communications Hub each) whose index ≡ shard (mod shards),
 * behind a serialisable message interface — commands in (`ShardCommand`: the recipient's EUI and
 * the GBCS bytes, as a broker subject and body would carry them), replies out (`ShardReply`: the
 * responses, alerts included, as bytes). The same messages travel over `worker_threads` today
 * (app/fleet/) and could travel over a message broker between machines (README "Fleet scale").
 *
 * The load generator's side lives here too: the mix (weighted steps of the default scenario,
 * sim/head-end/scenario.ts) and a head-end per shard that builds each command as its Remote Party
 * would (signed when critical, MAC'd by the ACB). GSME commands go through the GPF's queue; the
 * shard wakes the GSME at once, so its response is part of the reply.
 */
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import { SharedSecretCache } from '../../protocol/crypto/index.ts';
import type { KeyResolver } from '../../protocol/security/verify.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { Clock } from '../clock.ts';
import { HeadEnd } from '../head-end/head-end.ts';
import { DEFAULT_SCENARIO, partyEui, type ScenarioStep } from '../head-end/scenario.ts';
import { TEST_PARTIES } from '../smki/test-pki.ts';
import { Fleet, fleetIds, premisesIndexOf } from './fleet.ts';

/** One weighted entry of a mix: a step of the default scenario, by its label. */
export interface MixEntry {
  label: string;
  weight: number;
}

/**
 * The default mix: reads and switch operations on the ESME (non-critical and critical), a read
 * served by the GPF's mirror, and a GSME read through the GPF's queue. Weights in percent.
 */
export const DEFAULT_MIX: readonly MixEntry[] = [
  { label: 'read the load switch status', weight: 40 },
  { label: 'read the ESME firmware version', weight: 20 },
  { label: 'remotely open the load switch', weight: 10 },
  { label: 'remotely close the load switch', weight: 10 },
  { label: 'read the gas consumption register cached in the GPF', weight: 10 },
  { label: 'read the GSME consumption register (waits for the GSME to wake)', weight: 10 },
];

/** What is wrong with a mix (empty when usable): unknown labels, weights that are not positive. */
export function mixProblems(mix: readonly MixEntry[]): string[] {
  const out: string[] = [];
  if (mix.length === 0) out.push('the mix has no entries');
  for (const [i, e] of mix.entries()) {
    if (!DEFAULT_SCENARIO.some((s) => s.label === e?.label))
      out.push(`entry ${i}: no scenario step labelled ${JSON.stringify(e?.label)}`);
    if (!(typeof e?.weight === 'number' && e.weight > 0 && Number.isFinite(e.weight)))
      out.push(`entry ${i}: weight must be a positive number`);
  }
  return out;
}

/** A command into a shard: the recipient (routing key) and the GBCS message. */
export interface ShardCommand {
  kind: 'command';
  recipient: Eui64;
  bytes: Uint8Array;
}

/** A shard's reply: accepted or not (with the reason), and every message the premises sent back. */
export interface ShardReply {
  kind: 'reply';
  recipient: Eui64;
  accepted: boolean;
  reason?: string;
  responses: Uint8Array[];
}

/** The shard that premises `index` belongs to (by its Communications Hub). */
export const shardOf = (index: number, shards: number): number => index % shards;

/** Key lookups of a fleet's head-end: the test parties' keys and any fleet device's public keys. */
export function fleetKeyResolver(fleet: Fleet): KeyResolver {
  const parties = new Set(TEST_PARTIES.map((p) => p.eui));
  const known = (eui: Eui64) => {
    if (parties.has(eui)) return true;
    const i = premisesIndexOf(eui);
    return i !== undefined && i < fleet.size;
  };
  return {
    // Device keys are not memoised (a million of them): the head-end's Z cache holds what recurs.
    publicKey: (eui, usage) => (known(eui) ? fleet.publicKey(eui, usage) : undefined),
    privateKey: (eui, usage) => (parties.has(eui) ? fleet.keys.privateKey(eui, usage) : undefined),
  };
}

export interface ShardOptions {
  seed: string;
  /** Premises in the whole fleet. */
  premises: number;
  shard: number;
  shards: number;
  /** The devices' back-end. */
  crypto: GbcsCrypto;
  /** The head-end's back-end (the DCC's systems, not under test). */
  headEndCrypto: GbcsCrypto;
  clock: Clock;
  mix: readonly MixEntry[];
  /** Seed of the command choice (which premises, which step). */
  choiceSeed?: number;
}

/** A small deterministic generator (mulberry32): uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Shard {
  readonly fleet: Fleet;
  readonly headEnd: HeadEnd;
  readonly shard: number;
  readonly shards: number;
  /** Premises of this shard: indices shard, shard + shards, … below the fleet size. */
  readonly count: number;
  private readonly steps: { step: ScenarioStep; cumulative: number }[];
  private readonly total: number;
  private readonly rand: () => number;

  constructor(o: ShardOptions) {
    const problems = mixProblems(o.mix);
    if (problems.length) throw new RangeError(`bad mix: ${problems.join('; ')}`);
    if (
      !Number.isInteger(o.shards) ||
      o.shards < 1 ||
      !Number.isInteger(o.shard) ||
      o.shard < 0 ||
      o.shard >= o.shards
    )
      throw new RangeError(`bad shard ${o.shard} of ${o.shards}`);
    this.fleet = new Fleet({
      seed: o.seed,
      size: o.premises,
      crypto: o.crypto,
      clock: o.clock,
      keyCrypto: o.headEndCrypto,
    });
    this.shard = o.shard;
    this.shards = o.shards;
    this.count = Math.max(0, Math.ceil((o.premises - o.shard) / o.shards));
    // The head-end keeps the ACB's Z with each device it addresses (two a premises at most).
    this.headEnd = new HeadEnd({
      crypto: o.headEndCrypto,
      keys: fleetKeyResolver(this.fleet),
      acbId: partyEui('acb'),
      clock: o.clock,
      cache: new SharedSecretCache(o.headEndCrypto, 3 * this.count + 16),
    });
    let c = 0;
    this.steps = o.mix.map((e) => {
      c += e.weight;
      return { step: DEFAULT_SCENARIO.find((s) => s.label === e.label)!, cumulative: c };
    });
    this.total = c;
    this.rand = mulberry32(o.choiceSeed ?? 1 + o.shard);
  }

  /** Premises index of the shard's k-th premises. */
  indexAt(k: number): number {
    return this.shard + k * this.shards;
  }

  /** Materialises every premises of the shard (`--warm`). */
  warm(): void {
    for (let k = 0; k < this.count; k++) this.fleet.premises(this.indexAt(k));
  }

  /** The next command of the mix, to a premises of this shard chosen uniformly. */
  nextCommand(): ShardCommand {
    const index = this.indexAt(Math.floor(this.rand() * this.count));
    const x = this.rand() * this.total;
    const { step } = this.steps.find((s) => x < s.cumulative) ?? this.steps[this.steps.length - 1]!;
    const recipient = fleetIds(index)[step.device];
    const built = this.headEnd.buildCommand({
      originatorId: partyEui(step.from),
      recipientId: recipient,
      messageCode: step.messageCode,
      payload: step.payload,
    });
    return { kind: 'command', recipient, bytes: built.bytes };
  }

  /** Routes a command to its premises by recipient; a GSME command wakes the GSME at once. Never throws on bad input. */
  handle(c: ShardCommand): ShardReply {
    const i = premisesIndexOf(c.recipient);
    if (i === undefined || i >= this.fleet.size || shardOf(i, this.shards) !== this.shard)
      return {
        kind: 'reply',
        recipient: c.recipient,
        accepted: false,
        reason: 'NOT_IN_SHARD',
        responses: [],
      };
    const p = this.fleet.premises(i);
    const r = p.submit(c.bytes);
    if (r.status === 'undeliverable')
      return {
        kind: 'reply',
        recipient: c.recipient,
        accepted: false,
        reason: r.outcome.accepted ? 'UNDELIVERABLE' : r.outcome.rejection.reason,
        responses: [],
      };
    const outcomes = r.status === 'queued' ? p.gsmeWake() : [r.outcome];
    const responses: Uint8Array[] = [];
    let accepted = outcomes.length > 0;
    let reason: string | undefined;
    for (const o of outcomes) {
      if (o.accepted) {
        responses.push(o.response);
        for (const a of o.alerts ?? []) responses.push(a.bytes);
      } else {
        accepted = false;
        reason = o.rejection.reason;
      }
    }
    return { kind: 'reply', recipient: c.recipient, accepted, ...(reason ? { reason } : {}), responses };
  }
}
