/**
 * A virtual premises on a port (`gbcs-sim serve`, issue 5): the premises of `gbcs-sim run` (CHF,
 * GPF, ESME, GSME under the deterministic test key set of `--seed`) answering GBCS frames that
 * arrive on one or more transports, plus the CBOR control channel (hw/control.ts).
 *
 * What happens to a GBCS frame:
 * 1. GBT blocks are reassembled per transport (hw/gbt-link.ts), bounded;
 * 2. a byte-identical repeat of a command already answered is a link-level retransmission (the
 *    harness timed out, or the line dropped the response): the cached response is sent again and
 *    the devices see nothing — anti-replay still guards them against any other repeat;
 * 3. the CHF routes it (Premises.submit); the answer goes back on the transport it came from,
 *    segmented into GBT blocks when larger than the block limit;
 * 4. GSME commands wait in the GPF until the GSME wakes: every `gsmePollMs` (wall time), or at
 *    once when 0, or on a `gsme.wake` control request. The GPF checks what it can first
 *    (sim/premises/gpf-queue.ts), and each link may hold at most `gsmeQueuePerLink` of the 256 places.
 *
 * Rejected commands get no response (as from a device that drops them); each one is reported as
 * an event with its reason (`command` with `accepted: false` and e.g. `reason: "REPLAY"`).
 *
 * Device state lives in a `ServedState` (sim/store/state-dir.ts): a state folder whose files are written
 * before a response leaves (Device.handle persists before it returns), or memory. The control
 * channel is off unless `control: true` (a lab-only interface: it can set the clock, inject
 * faults and reset devices, unauthenticated). Per link: a token bucket on GBCS frames, bounded GBT
 * reassembly, a share of the GSME queue (`ServeLimits`).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  CONTROL_VERSION,
  type ControlRequest,
  type ControlResponse,
  decodeControl,
  encodeControl,
  isControlRequest,
  malformedRequestId,
} from '../hw/control.ts';
import { type Endpoint, openEndpoint } from '../hw/endpoint.ts';
import { createFraming, type Frame, type FramingName } from '../hw/framing/index.ts';
import {
  DEFAULT_BLOCK_LIMIT,
  GBT_LINK_MAX_BYTES,
  GBT_LINK_MAX_MESSAGES,
  GbtInbound,
  segmentForLink,
} from '../hw/gbt-link.ts';
import { ThrottledReporter, TokenBucket } from '../hw/rate-limit.ts';
import type { Transport, Unsubscribe } from '../hw/transport.ts';
import { toHex } from '../protocol/bytes.ts';
import type { GbcsCrypto } from '../protocol/crypto/index.ts';
import { decodeGbcsMessage } from '../protocol/envelope.ts';
import { DecodeError, GbcsError } from '../protocol/errors.ts';
import type { Eui64 } from '../protocol/types.ts';
import { type Clock, clockSetTarget, WallClock } from '../sim/clock.ts';
import type { CommandOutcome } from '../sim/device/device.ts';
import { factoryResetState } from '../sim/device/factory-reset.ts';
import { type FaultConfig, parseFaultConfig } from '../sim/device/faults.ts';
import {
  createPremises,
  DEFAULT_PREMISES,
  type Premises,
  type PremisesIds,
} from '../sim/premises/premises.ts';
import { createTestKeys, type TestKeys } from '../sim/smki/test-pki.ts';
import { memoryState, type ServedState } from '../sim/store/state-dir.ts';

/** A clock that follows another (the wall clock) with an adjustable offset: `clock.set` moves it. */
export class AdjustableClock implements Clock {
  private readonly base: Clock;
  private offset = 0;
  constructor(base: Clock = new WallClock()) {
    this.base = base;
  }
  now(): number {
    return this.base.now() + this.offset;
  }
  /** Makes `now()` return `ms` (ms since the Unix epoch) at this instant. */
  set(ms: number): void {
    this.offset = ms - this.base.now();
  }
  advance(ms: number): void {
    this.offset += ms;
  }
  /** The offset from the base clock, ms (what a state folder keeps). */
  get offsetMs(): number {
    return this.offset;
  }
  set offsetMs(ms: number) {
    this.offset = ms;
  }
}

/** Bounds that keep one link (or a flood of them) from starving the others (issue 8 findings 6, 11). */
export interface ServeLimits {
  /** TCP connections at once (a pty or serial port is one link); more are closed at once. Default 16. */
  maxConnections: number;
  /** GBCS frames a link may send per second (token bucket; burst the same); more are dropped. 0 = no limit. Default 500. */
  framesPerSecond: number;
  /** Unfinished GBT messages per link (default 4) and the block bytes they hold (default 512 KiB). */
  gbtMessagesPerLink: number;
  gbtBytesPerLink: number;
  /** Places of the GPF's 256-message GSME queue one link may hold at once (default 32). */
  gsmeQueuePerLink: number;
}

export const DEFAULT_SERVE_LIMITS: ServeLimits = {
  maxConnections: 16,
  framesPerSecond: 500,
  gbtMessagesPerLink: GBT_LINK_MAX_MESSAGES,
  gbtBytesPerLink: GBT_LINK_MAX_BYTES,
  gsmeQueuePerLink: 32,
};

export interface ServeOptions {
  /** Seed of the test key set (the bridge must use the same one). */
  seed: string;
  crypto: GbcsCrypto;
  clock?: AdjustableClock;
  ids?: PremisesIds;
  /** GSME wake-up period, ms of wall time (default 1000; 0 = answer GSME commands at once). */
  gsmePollMs?: number;
  /** Responses longer than this go as GBT blocks (bytes, default 1200). */
  blockLimit?: number;
  /** Events (commands handled, control requests), for `serve --json`. */
  onEvent?: (event: ServeEvent) => void;
  /** Device faults to inject at start (sim/device/faults.ts; `serve --faults FILE`). */
  faults?: FaultConfig;
  /** Where device state lives (sim/store/state-dir.ts `openStateDir`); default: memory. */
  state?: ServedState;
  /** Answer the CBOR control channel (lab only: unauthenticated). Default false: control frames are ignored. */
  control?: boolean;
  limits?: Partial<ServeLimits>;
  /** Monotonic ms for the rate limits (default performance.now; tests drive it). */
  monotonic?: () => number;
}

export type ServeEvent =
  | {
      event: 'command';
      device: Eui64 | null;
      messageCode: number | null;
      counter: string | null;
      accepted: boolean;
      reason: string | null;
      detail: string | null;
      queued?: boolean;
      duplicate?: boolean;
      /** Message Codes of alerts the command raised (sent after the response). */
      alerts?: number[];
      blocksIn: number;
      blocksOut: number;
    }
  | { event: 'control'; op: string; ok: boolean; code?: string }
  | {
      /**
       * A bound refused something (at most one event a second per link and limit; `count` = how
       * many since the last): `rate` GBCS frames dropped over the link's rate, `connections` TCP
       * connections closed at the cap, `control-off` control frames ignored (no `--control`).
       */
      event: 'limit';
      limit: 'rate' | 'connections' | 'control-off';
      link: string;
      count: number;
    }
  | { event: 'internal-error'; message: string }
  | {
      /**
       * A line's bytes did not make frames (`DISCARDED`, at most one event a second per link: the
       * bytes and bad candidates since the last) or a GBT block was refused (its code).
       */
      event: 'frame-error';
      code: string;
      message: string;
      link?: string;
    }
  | { event: 'link'; description: string; state: string; error?: string };

/** Link faults played by the harness itself (`fault` control op). */
interface LinkFaults {
  dropResponses: number;
  corruptResponses: number;
  delayMs: number;
}

interface FirmwareImage {
  total: number;
  bytes: Uint8Array;
  filled: number;
  sha256: string | null;
}

const MAX_FIRMWARE_BYTES = 16 * 1024 * 1024;
const DEDUP_ENTRIES = 128;
const MAX_GSME_QUEUE = 256;

export interface ServeCounts {
  commands: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  undeliverable: number;
  controls: number;
  /** GBCS frames dropped over a link's rate. */
  rateLimited: number;
  /** Control frames ignored (control channel off). */
  controlIgnored: number;
  /** TCP connections closed at the cap. */
  refusedConnections: number;
  /** Exceptions from the devices (a bug: reported, serve goes on). */
  internalErrors: number;
  /** Frames decoded off the links (GBCS and control). */
  frames: number;
  /** Frame errors: bad frame candidates on a line (bad CRC, length, hex) and GBT blocks refused. */
  frameErrors: number;
  /** Line bytes the decoders discarded (noise, bad candidates, a line of the other framing). */
  bytesDiscarded: number;
}

export class ServedPremises {
  readonly keys: TestKeys;
  readonly clock: AdjustableClock;
  readonly ids: PremisesIds;
  premises: Premises;
  readonly counts: ServeCounts = {
    commands: 0,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    undeliverable: 0,
    controls: 0,
    rateLimited: 0,
    controlIgnored: 0,
    refusedConnections: 0,
    internalErrors: 0,
    frames: 0,
    frameErrors: 0,
    bytesDiscarded: 0,
  };
  readonly limits: ServeLimits;
  readonly state: ServedState;
  readonly controlEnabled: boolean;
  private readonly crypto: GbcsCrypto;
  private readonly gsmePollMs: number;
  private readonly blockLimit: number;
  private readonly onEvent: (e: ServeEvent) => void;
  private readonly links = new Map<
    Transport,
    { inbound: GbtInbound; bucket: TokenBucket; off: Unsubscribe[] }
  >();
  private readonly reporter: ThrottledReporter;
  private readonly pendingDiscards = new Map<string, { droppedBytes: number; badFrames: number }>();
  private readonly monotonic: (() => number) | undefined;
  /** Transport to answer on, per message in the GPF's GSME queue (same order). */
  private gsmeReplyTo: Transport[] = [];
  /** Command hex → encoded response frames (null while queued for the GSME). Insertion-ordered LRU. */
  private readonly answered = new Map<string, Uint8Array[] | null>();
  private faults: LinkFaults = { dropResponses: 0, corruptResponses: 0, delayMs: 0 };
  private readonly firmware = new Map<string, FirmwareImage>();
  private poll: NodeJS.Timeout | null = null;

  /** Device faults from `--faults FILE`, re-applied after a factory reset. */
  private readonly faultConfig: FaultConfig;

  constructor(options: ServeOptions) {
    this.crypto = options.crypto;
    this.faultConfig = options.faults ?? {};
    this.keys = createTestKeys(options.seed);
    this.clock = options.clock ?? new AdjustableClock();
    this.ids = options.ids ?? DEFAULT_PREMISES;
    this.gsmePollMs = options.gsmePollMs ?? 1000;
    this.blockLimit = options.blockLimit ?? DEFAULT_BLOCK_LIMIT;
    this.onEvent = options.onEvent ?? (() => {});
    this.limits = { ...DEFAULT_SERVE_LIMITS, ...options.limits };
    this.state = options.state ?? memoryState();
    this.controlEnabled = options.control ?? false;
    this.monotonic = options.monotonic;
    this.reporter = new ThrottledReporter(1000, options.monotonic);
    this.clock.offsetMs = this.state.clockOffsetMs;
    this.premises = this.build();
    if (this.gsmePollMs > 0) {
      this.poll = setInterval(() => this.gsmeWake(), this.gsmePollMs);
      this.poll.unref();
    }
  }

  /** The premises from the state store: stored device states (a restart), else new devices. */
  private build(): Premises {
    return createPremises(this.keys, this.clock, this.crypto, this.ids, this.faultConfig, this.state.devices);
  }

  /** Answers the frames of `t` on `t`. Returns a detach function. */
  attach(t: Transport): Unsubscribe {
    const l = this.limits;
    const entry = {
      inbound: new GbtInbound(l.gbtMessagesPerLink, l.gbtBytesPerLink),
      bucket: new TokenBucket(l.framesPerSecond, l.framesPerSecond, this.monotonic),
      off: [] as Unsubscribe[],
    };
    entry.off.push(t.onFrame((f) => this.onFrame(t, f)));
    if (t.onDiscard) entry.off.push(t.onDiscard((d) => this.discarded(t.description, d)));
    this.links.set(t, entry);
    return () => {
      for (const u of entry.off) u();
      this.links.delete(t);
      // What the throttle held back is reported when the link goes.
      const key = `frame-error ${t.description}`;
      const p = this.pendingDiscards.get(key);
      this.pendingDiscards.delete(key);
      if (p) this.discardEvent(t.description, p);
    };
  }

  /** Reports a link state change as an event. */
  linkEvent(description: string, state: string, error?: string): void {
    this.onEvent(
      error ? { event: 'link', description, state, error } : { event: 'link', description, state },
    );
  }

  /** Reports a refusal by a bound (throttled: see the `limit` event). */
  limitEvent(limit: 'rate' | 'connections' | 'control-off', link: string): void {
    const n = this.reporter.note(`${limit} ${link}`);
    if (n > 0) this.onEvent({ event: 'limit', limit, link, count: n });
  }

  /** A link's decoder discarded bytes: counted, and reported throttled (the `frame-error` event). */
  private discarded(link: string, d: { droppedBytes: number; badFrames: number }): void {
    this.counts.bytesDiscarded += d.droppedBytes;
    this.counts.frameErrors += d.badFrames;
    const key = `frame-error ${link}`;
    const p = this.pendingDiscards.get(key) ?? { droppedBytes: 0, badFrames: 0 };
    p.droppedBytes += d.droppedBytes;
    p.badFrames += d.badFrames;
    this.pendingDiscards.set(key, p);
    if (this.reporter.note(key) === 0) return;
    this.pendingDiscards.delete(key);
    this.discardEvent(link, p);
  }

  private discardEvent(link: string, p: { droppedBytes: number; badFrames: number }): void {
    this.onEvent({
      event: 'frame-error',
      code: 'DISCARDED',
      link,
      message: `${p.droppedBytes} bytes discarded, ${p.badFrames} bad frame candidates (no valid frame: noise or another framing?)`,
    });
  }

  /** A TCP connection was closed at the cap (hw/endpoint.ts). */
  connectionRefused(link: string): void {
    this.counts.refusedConnections++;
    this.limitEvent('connections', link);
  }

  /** Stops the GSME timer and detaches every transport (does not close them). */
  stop(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    for (const [, e] of this.links) for (const u of e.off) u();
    this.links.clear();
  }

  private onFrame(t: Transport, f: Frame): void {
    this.counts.frames++;
    if (f.channel === 'control') {
      if (this.controlEnabled) void this.onControl(t, f.payload);
      else {
        this.counts.controlIgnored++;
        this.limitEvent('control-off', t.description);
      }
      return;
    }
    const link = this.links.get(t);
    if (!link) return;
    if (!link.bucket.take()) {
      this.counts.rateLimited++;
      this.limitEvent('rate', t.description);
      return;
    }
    const r = link.inbound.accept(f.payload);
    if (r.status === 'incomplete') return;
    if (r.status === 'error') {
      this.counts.frameErrors++;
      this.onEvent({ event: 'frame-error', code: r.code, message: r.message, link: t.description });
      return;
    }
    this.handleCommand(t, r.bytes, r.blocks);
  }

  /** Handles one whole GBCS message from `t`. */
  handleCommand(t: Transport, bytes: Uint8Array, blocksIn = 1): void {
    this.counts.commands++;
    const key = toHex(bytes);
    const header = peekHeader(bytes);
    const base = {
      event: 'command' as const,
      device: header?.recipientId ?? null,
      messageCode: header?.messageCode ?? null,
      counter: header?.counter ?? null,
      blocksIn,
    };
    if (this.answered.has(key)) {
      this.counts.duplicates++;
      const frames = this.answered.get(key);
      if (!frames) {
        // Still queued for the GSME: answer on the link the retransmission came from (the first
        // one may be gone).
        const i = this.premises.gsmeQueue.findIndex((q) => toHex(q) === key);
        if (i >= 0) this.gsmeReplyTo[i] = t;
      }
      this.answered.delete(key);
      this.answered.set(key, frames ?? null);
      if (frames) void this.sendResponse(t, frames, false);
      this.onEvent({
        ...base,
        accepted: true,
        reason: null,
        detail: frames ? 'retransmission: response sent again' : 'retransmission: still queued for the GSME',
        duplicate: true,
        blocksOut: frames?.length ?? 0,
      });
      return;
    }
    if (header?.recipientId === this.ids.gsme) {
      // The GPF's queue: 256 places, at most gsmeQueuePerLink of them for one link.
      const mine = this.gsmeReplyTo.reduce((n, x) => (x === t ? n + 1 : n), 0);
      const full =
        this.premises.gsmeQueue.length >= MAX_GSME_QUEUE
          ? 'GSME queue full'
          : mine >= this.limits.gsmeQueuePerLink
            ? `this link holds ${mine} GSME commands already (limit ${this.limits.gsmeQueuePerLink})`
            : null;
      if (full) {
        this.counts.rejected++;
        this.onEvent({ ...base, accepted: false, reason: 'QUEUE_FULL', detail: full, blocksOut: 0 });
        return;
      }
    }
    let sub: ReturnType<Premises['submit']>;
    try {
      sub = this.premises.submit(bytes);
    } catch (e) {
      this.internalError(e);
      return;
    }
    if (sub.status === 'queued') {
      this.gsmeReplyTo.push(t);
      this.remember(key, null);
      this.onEvent({
        ...base,
        accepted: true,
        reason: null,
        detail: 'queued for the GSME',
        queued: true,
        blocksOut: 0,
      });
      if (this.gsmePollMs === 0) this.gsmeWake();
      return;
    }
    if (sub.status === 'undeliverable') this.counts.undeliverable++;
    this.answer(t, key, base, sub.outcome);
  }

  private answer(
    t: Transport,
    key: string,
    base: Omit<Extract<ServeEvent, { event: 'command' }>, 'accepted' | 'reason' | 'detail' | 'blocksOut'>,
    outcome: CommandOutcome,
  ): void {
    if (!outcome.accepted) {
      this.counts.rejected++;
      this.onEvent({
        ...base,
        accepted: false,
        reason: outcome.rejection.reason,
        detail: outcome.rejection.detail,
        blocksOut: 0,
      });
      return;
    }
    this.counts.accepted++;
    let frames: Uint8Array[];
    let alertFrames: Uint8Array[];
    try {
      // A device-model fault may drop the response (the device executed, nothing leaves).
      frames = outcome.dropped ? [] : segmentForLink(outcome.response, this.blockLimit);
      alertFrames = (outcome.alerts ?? []).flatMap((a) => segmentForLink(a.bytes, this.blockLimit));
    } catch (e) {
      this.onEvent({
        ...base,
        accepted: true,
        reason: 'SEGMENT',
        detail: (e as Error).message,
        blocksOut: 0,
      });
      return;
    }
    this.remember(key, frames);
    this.onEvent({
      ...base,
      accepted: true,
      reason: null,
      detail: outcome.dropped ? 'response dropped (device fault)' : null,
      blocksOut: frames.length,
      ...(alertFrames.length ? { alerts: outcome.alerts!.map((a) => a.messageCode) } : {}),
    });
    void this.sendResponse(t, frames, true, outcome.delayMs ?? 0).then(() =>
      alertFrames.length ? this.sendResponse(t, alertFrames, false) : undefined,
    );
  }

  private remember(key: string, frames: Uint8Array[] | null): void {
    this.answered.delete(key);
    this.answered.set(key, frames);
    while (this.answered.size > DEDUP_ENTRIES)
      this.answered.delete(this.answered.keys().next().value as string);
  }

  private async sendResponse(t: Transport, frames: Uint8Array[], fresh: boolean, delayMs = 0): Promise<void> {
    const f = this.faults;
    if (frames.length === 0) return;
    if (fresh && f.dropResponses > 0) {
      f.dropResponses--;
      return;
    }
    let out = frames;
    if (fresh && f.corruptResponses > 0) {
      f.corruptResponses--;
      out = frames.map((b, i) => {
        if (i !== frames.length - 1) return b;
        const c = b.slice();
        c[c.length - 1]! ^= 0x01;
        return c;
      });
    }
    const wait = Math.max(delayMs, f.delayMs);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const payload of out) {
      try {
        await t.send({ channel: 'gbcs', payload });
      } catch {
        return; // the link is down: the harness will retransmit and get the cached response
      }
    }
  }

  /** A device threw (a bug, never bad input): reported; the devices keep serving. */
  private internalError(e: unknown): void {
    this.counts.internalErrors++;
    this.onEvent({ event: 'internal-error', message: e instanceof Error ? e.message : String(e) });
  }

  /** The GSME wakes: every queued command is answered on the transport it came from. */
  gsmeWake(): number {
    if (this.premises.gsmeQueue.length === 0) return 0;
    const queued = [...this.premises.gsmeQueue];
    const replyTo = this.gsmeReplyTo;
    this.gsmeReplyTo = [];
    let outcomes: CommandOutcome[];
    try {
      outcomes = this.premises.gsmeWake();
    } catch (e) {
      // What the GSME had not taken yet stays queued, with its links.
      this.gsmeReplyTo = replyTo.slice(replyTo.length - this.premises.gsmeQueue.length);
      this.internalError(e);
      return 0;
    }
    outcomes.forEach((o, i) => {
      const bytes = queued[i]!;
      const h = peekHeader(bytes);
      const base = {
        event: 'command' as const,
        device: h?.recipientId ?? null,
        messageCode: h?.messageCode ?? null,
        counter: h?.counter ?? null,
        blocksIn: 1,
      };
      const t = replyTo[i];
      if (t) this.answer(t, toHex(bytes), base, o);
    });
    return outcomes.length;
  }

  // -------------------------------------------------------------------------------------------
  // Control channel

  private async onControl(t: Transport, payload: Uint8Array): Promise<void> {
    let req: ControlRequest;
    try {
      const m = decodeControl(payload);
      if (!isControlRequest(m)) return;
      req = m;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.onEvent({ event: 'frame-error', code: e.code, message: e.message });
      // Answer what can be answered: a request whose id is readable gets BAD_REQUEST, not silence.
      const id = malformedRequestId(payload);
      if (id === null) return;
      this.counts.controls++;
      this.onEvent({ event: 'control', op: '?', ok: false, code: 'BAD_REQUEST' });
      const res: ControlResponse = {
        v: CONTROL_VERSION,
        id,
        ok: false,
        error: { code: 'BAD_REQUEST', message: e.message },
      };
      await t.send({ channel: 'control', payload: encodeControl(res) }).catch(() => {});
      return;
    }
    this.counts.controls++;
    let res: ControlResponse;
    try {
      res = { v: CONTROL_VERSION, id: req.id, ok: true, result: this.control(req) };
    } catch (e) {
      const code = e instanceof ControlFailure ? e.code : 'FAILED';
      res = { v: CONTROL_VERSION, id: req.id, ok: false, error: { code, message: (e as Error).message } };
    }
    this.onEvent(
      res.ok
        ? { event: 'control', op: req.op, ok: true }
        : { event: 'control', op: req.op, ok: false, code: res.error.code },
    );
    await t.send({ channel: 'control', payload: encodeControl(res) }).catch(() => {});
  }

  /**
   * Runs one control request; returns its result.
   * @throws ControlFailure with a stable code (BAD_REQUEST, UNKNOWN_OP, UNSUPPORTED, NO_DEVICE, FAILED)
   */
  control(req: ControlRequest): unknown {
    switch (req.op) {
      case 'ping':
        return { pong: true };
      case 'status':
        return this.status();
      case 'reset':
        return this.reset(req.mode === undefined ? 'reboot' : req.mode);
      case 'clock.set':
        return this.setClock(req);
      case 'fault':
        return this.fault(req);
      case 'fault.clear': {
        // The harness's link faults, and every device's rules (those that can clear them).
        this.faults = { dropResponses: 0, corruptResponses: 0, delayMs: 0 };
        const devices =
          req.device === undefined ? [...this.premises.devices.values()] : [this.target(req.device)];
        for (const d of devices) {
          const clear = (d as { clearFaults?: unknown }).clearFaults;
          if (typeof clear === 'function') clear.call(d);
        }
        return { faults: { ...this.faults } };
      }
      case 'firmware':
        return this.firmwareChunk(req);
      case 'gsme.wake':
        return { answered: this.gsmeWake() };
      default:
        throw new ControlFailure('UNKNOWN_OP', `unknown op ${JSON.stringify(req.op)}`);
    }
  }

  status(): Record<string, unknown> {
    return {
      premises: { ...this.ids },
      clockMs: this.clock.now(),
      devices: [...this.premises.devices.values()].map((d) => ({
        eui: d.eui,
        deviceType: d.deviceType,
        antiReplay: { ...d.state.antiReplay },
        alertCounter: d.state.alertCounter,
      })),
      gsmeQueue: this.premises.gsmeQueue.length,
      counts: { ...this.counts },
      faults: { ...this.faults },
      firmware: [...this.firmware.entries()].map(([device, f]) => ({
        device,
        total: f.total,
        received: f.filled,
        sha256: f.sha256,
      })),
      links: [...this.links.keys()].map((t) => ({
        description: t.description,
        open: t.isOpen,
        stats: { ...t.stats },
      })),
    };
  }

  /**
   * `clock.set {ms}` or `{advanceMs}`: the premises clock, an integer number of ms that must stay
   * within what every device can represent (sim/clock.ts DEVICE_CLOCK_MIN_MS..MAX_MS, 2000-01-01
   * to 2136-02-07). Saved in the state folder. Meters catch up at most 92 days after a jump.
   */
  private setClock(req: ControlRequest): Record<string, unknown> {
    const r = clockSetTarget(this.clock.now(), { ms: req.ms, advanceMs: req.advanceMs }, { backwards: true });
    if (!r.ok) throw new ControlFailure('BAD_REQUEST', r.message);
    const target = r.targetMs;
    this.clock.set(target);
    this.state.saveClockOffset(this.clock.offsetMs);
    return { clockMs: this.clock.now() };
  }

  /**
   * `reboot`: as a restart of serve on the same state — volatile state goes (the GSME queue,
   * partial GBT messages, cached responses, link faults, faults injected by control) and the
   * devices are rebuilt from their stored state. `factory`: the same, after each device's stored
   * state is cut back to what a factory reset keeps — its security state (sim/device/factory-reset.ts:
   * anti-replay floors, alert counter, trust-anchor cells, installed credentials, UTRN floor), so a
   * captured command is still refused.
   */
  reset(mode: unknown): Record<string, unknown> {
    if (mode !== 'reboot' && mode !== 'factory')
      throw new ControlFailure('BAD_REQUEST', 'reset mode is "reboot" or "factory"');
    this.premises.gsmeQueue.length = 0;
    this.gsmeReplyTo = [];
    this.answered.clear();
    for (const l of this.links.values()) l.inbound.clear();
    this.faults = { dropResponses: 0, corruptResponses: 0, delayMs: 0 };
    if (mode === 'factory') {
      for (const d of this.premises.devices.values())
        this.state.devices.save(d.eui, factoryResetState(d.state));
      this.firmware.clear();
    }
    this.premises = this.build();
    return { mode };
  }

  private fault(req: ControlRequest): unknown {
    const name = req.fault;
    if (typeof name !== 'string') throw new ControlFailure('BAD_REQUEST', 'fault needs a fault name');
    const count = (v: unknown): number => {
      if (v === undefined) return 1;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
        throw new ControlFailure('BAD_REQUEST', 'count is an integer ≥ 0');
      return v;
    };
    switch (name) {
      case 'drop-responses':
        this.faults.dropResponses = count(req.count);
        return { faults: { ...this.faults } };
      case 'corrupt-responses':
        this.faults.corruptResponses = count(req.count);
        return { faults: { ...this.faults } };
      case 'delay-responses': {
        const ms = req.ms;
        if (typeof ms !== 'number' || !(ms >= 0) || ms > 600_000)
          throw new ControlFailure('BAD_REQUEST', 'delay-responses needs ms in 0..600000');
        this.faults.delayMs = ms;
        return { faults: { ...this.faults } };
      }
    }
    // Device-model faults (sim/device/faults.ts rules): the device's `injectFault(rule)` plays them, when
    // it has one; the rule is `{kind: fault, …parameters}`.
    const { v: _v, id: _id, op: _op, fault: _f, device, ...params } = req;
    const target = this.target(device);
    const fn = (target as { injectFault?: unknown }).injectFault;
    if (typeof fn !== 'function')
      throw new ControlFailure(
        'UNSUPPORTED',
        `fault ${JSON.stringify(name)} is not supported by ${this.targetName(device)}`,
      );
    const rule = { ...params, kind: name };
    if (device !== undefined) {
      const checked = parseFaultConfig({ [this.deviceEui(device)]: [rule] });
      if (!checked.ok) throw new ControlFailure('BAD_REQUEST', checked.problems.join('; '));
    }
    try {
      fn.call(target, rule);
    } catch (e) {
      throw new ControlFailure('FAILED', `fault ${name}: ${(e as Error).message}`);
    }
    return { injected: rule, device: device === undefined ? null : this.deviceEui(device) };
  }

  private target(device: unknown): object {
    if (device === undefined) return this.premises;
    const eui = this.deviceEui(device);
    return this.premises.devices.get(eui)!;
  }

  private targetName(device: unknown): string {
    return device === undefined ? 'the premises' : `device ${String(device)}`;
  }

  private deviceEui(device: unknown): Eui64 {
    if (typeof device !== 'string')
      throw new ControlFailure('BAD_REQUEST', 'device is an EUI-64 or chf|gpf|esme|gsme');
    const d = device.toLowerCase();
    const eui = d in this.ids ? this.ids[d as keyof PremisesIds] : d;
    if (!this.premises.devices.has(eui)) throw new ControlFailure('NO_DEVICE', `no device ${device}`);
    return eui;
  }

  private firmwareChunk(req: ControlRequest): unknown {
    const eui = this.deviceEui(req.device);
    const { offset, total, data } = req;
    if (
      typeof offset !== 'number' ||
      typeof total !== 'number' ||
      !Number.isInteger(offset) ||
      !Number.isInteger(total) ||
      !(data instanceof Uint8Array)
    )
      throw new ControlFailure('BAD_REQUEST', 'firmware needs offset, total (integers) and data (bytes)');
    if (total < 1 || total > MAX_FIRMWARE_BYTES)
      throw new ControlFailure('BAD_REQUEST', `firmware total is 1..${MAX_FIRMWARE_BYTES} bytes`);
    let img = this.firmware.get(eui);
    if (offset === 0 || !img || img.total !== total) {
      if (offset !== 0) throw new ControlFailure('BAD_REQUEST', 'a firmware image starts at offset 0');
      img = { total, bytes: new Uint8Array(total), filled: 0, sha256: null };
      this.firmware.set(eui, img);
    }
    if (req.sha256 !== undefined && (typeof req.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(req.sha256)))
      throw new ControlFailure('BAD_REQUEST', 'firmware sha256: 64 hex digits');
    if (offset !== img.filled) throw new ControlFailure('BAD_REQUEST', `expected offset ${img.filled}`);
    if (offset + data.length > total) throw new ControlFailure('BAD_REQUEST', 'chunk beyond total');
    img.bytes.set(data, offset);
    img.filled += data.length;
    if (img.filled < total) return { device: eui, received: img.filled, total, complete: false };
    img.sha256 = toHex(sha256(img.bytes));
    if (typeof req.sha256 === 'string' && req.sha256.toLowerCase() !== img.sha256) {
      this.firmware.delete(eui);
      throw new ControlFailure('FAILED', `firmware SHA-256 ${img.sha256} differs from ${req.sha256}`);
    }
    const dev = this.premises.devices.get(eui)!;
    const accept = (dev as { acceptFirmwareImage?: unknown }).acceptFirmwareImage;
    const delivered = typeof accept === 'function';
    if (delivered) (accept as (b: Uint8Array) => unknown).call(dev, img.bytes);
    return { device: eui, received: img.filled, total, complete: true, sha256: img.sha256, delivered };
  }
}

/** A control request refused with a stable code (BAD_REQUEST, UNKNOWN_OP, UNSUPPORTED, NO_DEVICE, FAILED). */
export class ControlFailure extends GbcsError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'ControlFailure';
  }
}

function peekHeader(bytes: Uint8Array): { recipientId: Eui64; messageCode: number; counter: string } | null {
  try {
    const m = decodeGbcsMessage(bytes);
    if (m.form === 'gbt') {
      const r = m.block.routing;
      return {
        recipientId: r.recipientId,
        messageCode: r.messageCode,
        counter: r.originatorCounter.toString(),
      };
    }
    const h = m.apdu.header;
    return {
      recipientId: h.recipientId,
      messageCode: h.messageCode,
      counter: h.originatorCounter.toString(),
    };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// `serve`: a served premises on an endpoint (hw/endpoint.ts)

export type ServeEndpoint = Endpoint;

export interface RunningServe {
  served: ServedPremises;
  /** Where a lab's software connects: the pty/serial path or `host:port`. */
  where: string;
  /** Set when serve made the pty pair itself: the end serve opened. */
  ownEnd: string | null;
  /** Stops answering, closes the port(s), stops socat when serve started it. */
  stop(): Promise<void>;
}

export interface StartServeOptions extends ServeOptions {
  endpoint: ServeEndpoint;
  framing: FramingName;
  /** Framing's payload bound, bytes (default per framing). */
  maxPayload?: number;
  /** A pty or serial port failed to open (retried with backoff): for a diagnostic. */
  onOpenError?: (description: string, error: Error, attempt: number, retryInMs: number) => void;
}

/**
 * Opens the endpoint (hw/endpoint.ts: an existing pty is opened as is, a missing pty path gets a
 * socat pair, serial ports and ptys reopen after an unplug, TCP answers each connection) and answers
 * on every transport it yields.
 * @throws TransportError OPEN_FAILED
 */
export async function startServe(options: StartServeOptions): Promise<RunningServe> {
  const served = new ServedPremises(options);
  const endpoint: ServeEndpoint =
    options.endpoint.kind === 'tcp'
      ? {
          ...options.endpoint,
          maxConnections: options.endpoint.maxConnections ?? served.limits.maxConnections,
        }
      : options.endpoint;
  const ep = await openEndpoint(endpoint, () => createFraming(options.framing, options.maxPayload), {
    onTransport: (t) => served.attach(t),
    onLinkState: (d, s, e) => served.linkEvent(d, s, e),
    onRefused: (d) => served.connectionRefused(d),
    ...(options.onOpenError ? { onOpenError: options.onOpenError } : {}),
  }).catch((e) => {
    served.stop();
    throw e;
  });
  return {
    served,
    where: ep.where,
    ownEnd: ep.ownEnd,
    async stop() {
      served.stop();
      await ep.close();
    },
  };
}
