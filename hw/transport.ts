/**
 * The Transport seam (DESIGN §1): what sim/ sees of a port. A transport opens, closes, sends frames
 * and delivers the frames it receives; failures are `TransportError`s whose `disconnected` flag
 * tells reconnect logic (hw/reconnect.ts) to reopen. `FramedTransport` is a byte link (serial port,
 * pty, TCP socket, in-process pipe) plus a bounded framing codec.
 */
import { TransportError } from './errors.ts';
import type { Frame, FrameDecoder, FramingCodec, FramingName } from './framing/index.ts';
import type { ByteLink } from './link.ts';

export type Unsubscribe = () => void;

export interface TransportStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Line bytes discarded by the decoder (noise, bad candidates). */
  droppedBytes: number;
  /** Candidates that failed a framing check. */
  badFrames: number;
  /** Largest number of bytes the decoder ever held (bounded by the codec's maxEncodedLength). */
  decoderHighWater: number;
}

export interface Transport {
  readonly description: string;
  readonly framing: FramingName;
  /** Largest payload the framing carries, bytes. */
  readonly maxPayload: number;
  readonly isOpen: boolean;
  /** @throws TransportError OPEN_FAILED */
  open(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
  /**
   * Encodes and writes one frame; frames never interleave on the line. Resolves once written
   * (after any backpressure wait). @throws TransportError (FRAME_TOO_LARGE, NOT_OPEN, DISCONNECTED, WRITE_FAILED)
   */
  send(frame: Frame): Promise<void>;
  onFrame(listener: (frame: Frame) => void): Unsubscribe;
  /** Called once when an open transport closes: `null` when asked, else the error (`disconnected`). */
  onClose(listener: (error: TransportError | null) => void): Unsubscribe;
  /**
   * Called when the decoder discarded line bytes (noise, bad frame candidates, a line of the other
   * framing): how many more bytes were discarded and bad candidates seen since the last call.
   * Optional: transports that decode no line (in-process frames) never call it.
   */
  onDiscard?(listener: (d: { droppedBytes: number; badFrames: number }) => void): Unsubscribe;
  readonly stats: TransportStats;
}

/** State of a link that reconnects (hw/reconnect.ts). */
export type LinkState = 'idle' | 'up' | 'down' | 'closed';

/**
 * A transport that survives unplugs by reopening (ReconnectingTransport): what a harness driving a
 * port needs beyond the seam — wait for the link, hear it go down and up, count the reconnects.
 */
export interface ReconnectableTransport extends Transport {
  /** Successful reopenings after a loss. */
  readonly reconnects: number;
  readonly state: LinkState;
  /** Resolves when the link is up; rejects when closed for good or after `timeoutMs`. */
  waitUp(timeoutMs?: number): Promise<void>;
  onState(listener: (state: LinkState, error: TransportError | null) => void): Unsubscribe;
}

export function emptyStats(): TransportStats {
  return {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    droppedBytes: 0,
    badFrames: 0,
    decoderHighWater: 0,
  };
}

/** A tiny listener set. */
export class Listeners<T extends unknown[]> {
  private readonly set = new Set<(...args: T) => void>();
  add(l: (...args: T) => void): Unsubscribe {
    this.set.add(l);
    return () => this.set.delete(l);
  }
  emit(...args: T): void {
    for (const l of [...this.set]) l(...args);
  }
}

export interface FramedTransportOptions {
  /**
   * Line idle time after which a partial frame is given up (the decoder is flushed and rescanned),
   * ms; default 500, 0 = never. Guards against a bogus frame header swallowing the real frames
   * behind it until more bytes arrive.
   */
  idleFlushMs?: number;
}

export class FramedTransport implements Transport {
  readonly description: string;
  readonly framing: FramingName;
  readonly maxPayload: number;
  readonly stats: TransportStats = emptyStats();
  private readonly link: ByteLink;
  private readonly codec: FramingCodec;
  private readonly decoder: FrameDecoder;
  private readonly frames = new Listeners<[Frame]>();
  private readonly closes = new Listeners<[TransportError | null]>();
  private readonly discards = new Listeners<[{ droppedBytes: number; badFrames: number }]>();
  private state: 'new' | 'open' | 'closed' = 'new';
  private writeChain: Promise<void> = Promise.resolve();
  private readonly idleFlushMs: number;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(link: ByteLink, codec: FramingCodec, options: FramedTransportOptions = {}) {
    this.link = link;
    this.codec = codec;
    this.decoder = codec.createDecoder();
    this.description = `${link.description} (${codec.name})`;
    this.framing = codec.name;
    this.maxPayload = codec.maxPayload;
    this.idleFlushMs = options.idleFlushMs ?? 500;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  async open(): Promise<void> {
    if (this.state !== 'new') throw new TransportError('OPEN_FAILED', `${this.description}: opened once`);
    this.link.onData = (chunk) => this.receive(chunk);
    this.link.onClose = (err) => this.closed(err);
    await this.link.open();
    this.state = 'open';
  }

  private receive(chunk: Uint8Array): void {
    this.stats.bytesIn += chunk.length;
    this.deliver(this.decoder.push(chunk));
    if (this.idleFlushMs > 0) {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = null;
      if (this.decoder.buffered > 0) {
        this.idleTimer = setTimeout(() => {
          this.idleTimer = null;
          this.deliver(this.decoder.flush());
        }, this.idleFlushMs);
        this.idleTimer.unref();
      }
    }
  }

  private deliver(frames: Frame[]): void {
    const s = this.decoder.stats;
    const droppedBytes = s.droppedBytes - this.stats.droppedBytes;
    const badFrames = s.badCandidates - this.stats.badFrames;
    this.stats.droppedBytes = s.droppedBytes;
    this.stats.badFrames = s.badCandidates;
    this.stats.decoderHighWater = s.highWater;
    if (droppedBytes > 0 || badFrames > 0) this.discards.emit({ droppedBytes, badFrames });
    for (const f of frames) {
      this.stats.framesIn++;
      this.frames.emit(f);
    }
  }

  private closed(err: TransportError | null): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.closes.emit(err);
  }

  async close(): Promise<void> {
    if (this.state !== 'open') {
      this.state = 'closed';
      return;
    }
    await this.link.close();
    this.closed(null);
  }

  send(frame: Frame): Promise<void> {
    if (this.state !== 'open') {
      return Promise.reject(
        new TransportError('NOT_OPEN', `${this.description}: not open`, {
          disconnected: this.state === 'closed',
        }),
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = this.codec.encode(frame);
    } catch (e) {
      return Promise.reject(e);
    }
    const p = this.writeChain.then(async () => {
      await this.link.write(bytes);
      this.stats.framesOut++;
      this.stats.bytesOut += bytes.length;
    });
    this.writeChain = p.catch(() => {});
    return p;
  }

  onFrame(listener: (frame: Frame) => void): Unsubscribe {
    return this.frames.add(listener);
  }

  onClose(listener: (error: TransportError | null) => void): Unsubscribe {
    return this.closes.add(listener);
  }

  onDiscard(listener: (d: { droppedBytes: number; badFrames: number }) => void): Unsubscribe {
    return this.discards.add(listener);
  }
}
