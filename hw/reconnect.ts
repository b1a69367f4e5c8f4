/**
 * Reconnect with backoff: a stable Transport over a succession of real ones. When the current one
 * closes with an error (an unplugged adapter, a killed pty pair, a dropped socket), a new one is
 * made by the factory and opened after 50 ms, 100 ms, 200 ms, … up to `maxDelayMs`, until it opens
 * — or until `giveUpAfterMs` of continuous failure, when the transport closes with GAVE_UP.
 * Frames arriving on whichever transport is current are delivered; `send` while down fails at once
 * with a `disconnected` error, and `waitUp` lets a caller wait for the link to come back.
 */
import { TransportError } from './errors.ts';
import type { Frame, FramingName } from './framing/index.ts';
import { logger } from './log.ts';
import {
  emptyStats,
  type LinkState,
  Listeners,
  type ReconnectableTransport,
  type Transport,
  type TransportStats,
  type Unsubscribe,
} from './transport.ts';

export type { LinkState } from './transport.ts';

const log = logger('hw:reconnect');

export interface ReconnectOptions {
  /** First delay before reopening, ms (default 50). */
  initialDelayMs?: number;
  /** Cap of the doubling delay, ms (default 2000). */
  maxDelayMs?: number;
  /** Continuous failure after which to give up, ms (default: never). Also bounds the first `open`. */
  giveUpAfterMs?: number;
  /** Every failed open attempt (1-based count since the link was last up), with the next delay. */
  onOpenError?: (error: Error, attempt: number, retryInMs: number) => void;
  /**
   * Asked after a failed open while the link has never been up (a reopening after a loss always
   * retries): true closes the transport with that error at once (OPEN_FAILED) instead of retrying
   * — e.g. a first open of a path that is no terminal at all.
   */
  fatal?: (error: Error, attempt: number) => boolean;
}

/**
 * An `onOpenError` that writes one line per failed attempt, rate-limited: the first failure, any
 * failure whose message differs from the last line, and otherwise at most one line per
 * `intervalMs` (default 5000), with the number of attempts so far.
 */
export function openErrorReporter(
  description: string,
  write: (line: string) => void,
  intervalMs = 5000,
): (error: Error, attempt: number, retryInMs: number) => void {
  let lastMessage = '';
  let lastAt = Number.NEGATIVE_INFINITY;
  return (error, attempt, retryInMs) => {
    const now = performance.now();
    if (error.message === lastMessage && now - lastAt < intervalMs) return;
    lastMessage = error.message;
    lastAt = now;
    write(`${description}: open failed (attempt ${attempt}): ${error.message}; retrying in ${retryInMs} ms`);
  };
}

export class ReconnectingTransport implements ReconnectableTransport {
  readonly description: string;
  readonly framing: FramingName;
  readonly maxPayload: number;
  /** Successful reopenings after a loss (the first open is not counted). */
  reconnects = 0;
  private readonly factory: () => Transport;
  private readonly opts: Required<Omit<ReconnectOptions, 'onOpenError' | 'fatal'>>;
  private readonly onOpenError: ReconnectOptions['onOpenError'];
  private readonly fatal: ReconnectOptions['fatal'];
  private failedOpens = 0;
  private current: Transport | null = null;
  private unsub: Unsubscribe[] = [];
  private _state: LinkState = 'idle';
  private readonly frames = new Listeners<[Frame]>();
  private readonly closes = new Listeners<[TransportError | null]>();
  private readonly states = new Listeners<[LinkState, TransportError | null]>();
  private retryTimer: NodeJS.Timeout | null = null;
  private giveUpTimer: NodeJS.Timeout | null = null;
  private delay: number;
  private everUp = false;
  private unopened: Transport | null;
  private readonly totals: TransportStats = emptyStats();

  constructor(factory: () => Transport, options: ReconnectOptions = {}) {
    this.factory = factory;
    this.opts = {
      initialDelayMs: options.initialDelayMs ?? 50,
      maxDelayMs: options.maxDelayMs ?? 2000,
      giveUpAfterMs: options.giveUpAfterMs ?? Number.POSITIVE_INFINITY,
    };
    this.onOpenError = options.onOpenError;
    this.fatal = options.fatal;
    this.delay = this.opts.initialDelayMs;
    // The first transport tells what this one is, and is the first to be opened.
    const first = factory();
    this.unopened = first;
    this.description = first.description;
    this.framing = first.framing;
    this.maxPayload = first.maxPayload;
  }

  get state(): LinkState {
    return this._state;
  }

  get isOpen(): boolean {
    return this._state === 'up';
  }

  /** Totals over every underlying transport. */
  get stats(): TransportStats {
    const c = this.current?.stats ?? emptyStats();
    const t = this.totals;
    return {
      framesIn: t.framesIn + c.framesIn,
      framesOut: t.framesOut + c.framesOut,
      bytesIn: t.bytesIn + c.bytesIn,
      bytesOut: t.bytesOut + c.bytesOut,
      droppedBytes: t.droppedBytes + c.droppedBytes,
      badFrames: t.badFrames + c.badFrames,
      decoderHighWater: Math.max(t.decoderHighWater, c.decoderHighWater),
    };
  }

  /** Opens, retrying with backoff; rejects GAVE_UP after `giveUpAfterMs`. */
  open(): Promise<void> {
    if (this._state !== 'idle') return this.waitUp();
    this._state = 'down';
    const up = this.waitUp();
    this.startGiveUpTimer();
    void this.attempt();
    return up;
  }

  /** Resolves when up (at once if up); rejects when closed, or after `timeoutMs`. */
  waitUp(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    if (this._state === 'up') return Promise.resolve();
    if (this._state === 'closed')
      return Promise.reject(
        new TransportError('NOT_OPEN', `${this.description}: closed`, { disconnected: true }),
      );
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      const off = this.states.add((s, err) => {
        if (s === 'up') done(null);
        else if (s === 'closed')
          done(err ?? new TransportError('NOT_OPEN', `${this.description}: closed`, { disconnected: true }));
      });
      const done = (err: TransportError | null) => {
        off();
        if (timer) clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(
          () =>
            done(
              new TransportError('TIMEOUT', `${this.description}: not back within ${timeoutMs} ms`, {
                disconnected: true,
              }),
            ),
          timeoutMs,
        );
      }
    });
  }

  private setState(s: LinkState, err: TransportError | null = null): void {
    this._state = s;
    this.states.emit(s, err);
  }

  private startGiveUpTimer(): void {
    if (!Number.isFinite(this.opts.giveUpAfterMs) || this.giveUpTimer) return;
    this.giveUpTimer = setTimeout(() => {
      this.giveUpTimer = null;
      if (this._state !== 'down') return;
      const err = new TransportError(
        'GAVE_UP',
        `${this.description}: no link for ${this.opts.giveUpAfterMs} ms, giving up`,
        { disconnected: true },
      );
      void this.shutdown(err);
    }, this.opts.giveUpAfterMs);
  }

  private async attempt(): Promise<void> {
    this.retryTimer = null;
    if (this._state !== 'down') return;
    const t = this.unopened ?? this.factory();
    this.unopened = null;
    const unsub = [t.onFrame((f) => this.frames.emit(f)), t.onClose((err) => this.lost(t, err))];
    try {
      await t.open();
    } catch (e) {
      for (const u of unsub) u();
      const err = e as Error;
      this.failedOpens++;
      if (this._state !== 'down') return;
      if (!this.everUp && this.fatal?.(err, this.failedOpens)) {
        void this.shutdown(
          e instanceof TransportError
            ? e
            : new TransportError('OPEN_FAILED', `${this.description}: ${err.message}`, {
                disconnected: true,
              }),
        );
        return;
      }
      log.debug(() => `${this.description}: open failed (${err.message}), retry in ${this.delay} ms`);
      this.onOpenError?.(err, this.failedOpens, this.delay);
      this.scheduleRetry();
      return;
    }
    if (this._state !== 'down') {
      // Closed while opening.
      for (const u of unsub) u();
      await t.close();
      return;
    }
    this.current = t;
    this.unsub = unsub;
    if (this.everUp) this.reconnects++;
    this.everUp = true;
    this.failedOpens = 0;
    this.delay = this.opts.initialDelayMs;
    if (this.giveUpTimer) clearTimeout(this.giveUpTimer);
    this.giveUpTimer = null;
    log.info(() => `${this.description}: link up${this.reconnects ? ` (reconnect ${this.reconnects})` : ''}`);
    this.setState('up');
  }

  private scheduleRetry(): void {
    if (this._state !== 'down') return;
    this.retryTimer = setTimeout(() => void this.attempt(), this.delay);
    this.delay = Math.min(this.opts.maxDelayMs, this.delay * 2);
  }

  private lost(t: Transport, err: TransportError | null): void {
    if (t !== this.current) return;
    this.retire(t);
    if (this._state !== 'up') return;
    log.warn(() => `${this.description}: link lost (${err?.message ?? 'closed'}), reconnecting`);
    this.setState('down', err);
    this.startGiveUpTimer();
    this.scheduleRetry();
  }

  private retire(t: Transport): void {
    const s = t.stats;
    const tt = this.totals;
    tt.framesIn += s.framesIn;
    tt.framesOut += s.framesOut;
    tt.bytesIn += s.bytesIn;
    tt.bytesOut += s.bytesOut;
    tt.droppedBytes += s.droppedBytes;
    tt.badFrames += s.badFrames;
    tt.decoderHighWater = Math.max(tt.decoderHighWater, s.decoderHighWater);
    for (const u of this.unsub) u();
    this.unsub = [];
    this.current = null;
  }

  private async shutdown(err: TransportError | null): Promise<void> {
    if (this._state === 'closed') return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.giveUpTimer) clearTimeout(this.giveUpTimer);
    this.retryTimer = this.giveUpTimer = null;
    const t = this.current;
    this._state = 'closed';
    if (t) {
      this.retire(t);
      await t.close().catch(() => {});
    }
    this.states.emit('closed', err);
    this.closes.emit(err);
  }

  close(): Promise<void> {
    return this.shutdown(null);
  }

  send(frame: Frame): Promise<void> {
    const t = this.current;
    if (this._state !== 'up' || !t) {
      return Promise.reject(
        new TransportError('DISCONNECTED', `${this.description}: link down`, { disconnected: true }),
      );
    }
    return t.send(frame);
  }

  onFrame(listener: (frame: Frame) => void): Unsubscribe {
    return this.frames.add(listener);
  }

  /** Only the final close (asked for, or GAVE_UP). */
  onClose(listener: (error: TransportError | null) => void): Unsubscribe {
    return this.closes.add(listener);
  }

  /** Every state change: `down` carries the loss, `closed` the final error. */
  onState(listener: (state: LinkState, error: TransportError | null) => void): Unsubscribe {
    return this.states.add(listener);
  }
}
