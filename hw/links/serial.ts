/**
 * A serial port or pseudo-terminal through serialport 13 (real ports: @serialport/bindings-cpp;
 * `mock: true`: @serialport/binding-mock, for unit tests).
 *
 * Unplug detection: serialport reports a read or write I/O error as a `close` with
 * `disconnected: true`. A pty whose other end vanished is not always noticed by a reader that is
 * not writing, so the link also watches its path (every `watchMs`): a path that disappears, or now
 * names another device (a restarted socat links it to a new /dev/pts/N), counts as an unplug.
 *
 * Workaround (@serialport/bindings-cpp 13, src/poller.cpp): `Poller::poll(events)` restarts the
 * fd's uv_poll with only the events just asked for, so a read that re-arms "readable" while a
 * write waits for "writable" (the OS buffer was full) cancels the write's wait; with a silent peer
 * the write then never completes. Seen with bulk traffic both ways over a pty. While a write is
 * pending longer than `kickMs`, the link re-arms both events every `kickMs`.
 */
import { stat } from 'node:fs/promises';
import { SerialPort, SerialPortMock } from 'serialport';
import { asTransportError, looksDisconnected, TransportError } from '../errors.ts';
import type { ByteLink } from '../link.ts';
import { logger } from '../log.ts';

const log = logger('hw:serial');

export interface SerialLinkOptions {
  /** Device path: /dev/ttyUSB0, /dev/serial/by-id/…, a pty or a symlink to one. */
  path: string;
  /** Bits per second (default 115200; ignored by ptys). */
  baudRate?: number;
  /** Use the serialport mock binding (the port must exist: `MockBinding.createPort(path)`). */
  mock?: boolean;
  /** Path watch interval, ms (default 250; 0 = off; always off with `mock`). */
  watchMs?: number;
  /** Re-arm period for a stalled write (the poller workaround above), ms (default 20). */
  kickMs?: number;
}

/** uv_poll event flags of bindings-cpp's Poller. */
const UV_READABLE_WRITABLE = 0b0011;

/** What this link uses of a SerialPortStream (the real and the mock class alike). */
interface PortLike {
  readonly isOpen: boolean;
  open(cb: (err: Error | null) => void): void;
  close(cb?: (err: Error | null) => void): void;
  write(data: Buffer, cb: (err: Error | null | undefined) => void): boolean;
  on(event: 'data', l: (b: Buffer) => void): unknown;
  on(event: 'close', l: (err?: { disconnected?: boolean; message?: string } | null) => void): unknown;
  on(event: 'error', l: (err: Error) => void): unknown;
  on(event: 'drain', l: () => void): unknown;
  once(event: 'drain', l: () => void): unknown;
  removeAllListeners(): unknown;
}

export class SerialLink implements ByteLink {
  readonly description: string;
  onData: ((chunk: Uint8Array) => void) | null = null;
  onClose: ((error: TransportError | null) => void) | null = null;
  private readonly opts: Required<Omit<SerialLinkOptions, 'mock'>> & { mock: boolean };
  private pendingWrites = 0;
  private kick: NodeJS.Timeout | null = null;
  private port: PortLike | null = null;
  private closedReported = false;
  private closing = false;
  private watch: NodeJS.Timeout | null = null;
  private identity: { dev: number; rdev: number; ino: number } | null = null;

  constructor(options: SerialLinkOptions) {
    this.opts = {
      path: options.path,
      baudRate: options.baudRate ?? 115_200,
      mock: options.mock ?? false,
      watchMs: options.mock ? 0 : (options.watchMs ?? 250),
      kickMs: options.kickMs ?? 20,
    };
    this.description = `serial ${this.opts.path} @${this.opts.baudRate}`;
  }

  /** The serialport stream while open (tests reach the mock binding's port through it). */
  get serialPort(): unknown {
    return this.port;
  }

  async open(): Promise<void> {
    if (this.port) throw new TransportError('OPEN_FAILED', `${this.description}: already opened once`);
    const { path, baudRate } = this.opts;
    const port: PortLike = this.opts.mock
      ? new SerialPortMock({ path, baudRate, autoOpen: false })
      : new SerialPort({ path, baudRate, autoOpen: false });
    this.port = port;
    try {
      if (!this.opts.mock) this.identity = await identify(path);
      await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    } catch (e) {
      this.port = null;
      this.closedReported = true;
      // Missing, busy or refused: reconnect logic may try again later, so flag it disconnected.
      throw new TransportError('OPEN_FAILED', `open ${this.description}: ${(e as Error).message ?? e}`, {
        disconnected: true,
        cause: e,
      });
    }
    port.on('data', (b: Buffer) => this.onData?.(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    port.on('close', (err) => {
      if (this.closing && !err?.disconnected) this.finish(null);
      else {
        const why = err?.message ?? 'closed by the other side';
        this.finish(
          new TransportError('DISCONNECTED', `${this.description}: ${why}`, { disconnected: true }),
        );
      }
    });
    port.on('error', (e: Error) => {
      log.debug(() => `${this.description}: ${e.message}`);
      if (looksDisconnected(e)) this.drop(e);
    });
    if (this.opts.watchMs > 0) {
      this.watch = setInterval(() => void this.checkPath(), this.opts.watchMs);
      this.watch.unref();
    }
  }

  private async checkPath(): Promise<void> {
    if (!this.identity || this.closedReported) return;
    const now = await identify(this.opts.path).catch(() => null);
    const same =
      now !== null &&
      now.rdev === this.identity.rdev &&
      now.ino === this.identity.ino &&
      now.dev === this.identity.dev;
    if (!same)
      this.drop(
        new TransportError('DISCONNECTED', now ? 'path now names another device' : 'path vanished', {
          disconnected: true,
        }),
      );
  }

  /** The link is gone: close the port quietly and report once. */
  private drop(cause: Error): void {
    if (this.closedReported) return;
    const err = new TransportError('DISCONNECTED', `${this.description}: ${cause.message}`, {
      disconnected: true,
      cause,
    });
    const port = this.port;
    if (port?.isOpen) {
      this.closing = true;
      port.close(() => {});
    }
    this.finish(err);
  }

  private finish(err: TransportError | null): void {
    if (this.closedReported) return;
    this.closedReported = true;
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    if (this.kick) clearInterval(this.kick);
    this.kick = null;
    log.debug(() => `${this.description}: closed${err ? ` (${err.message})` : ''}`);
    this.onClose?.(err);
  }

  async close(): Promise<void> {
    const port = this.port;
    if (!port || this.closedReported) return;
    this.closing = true;
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    this.finish(null);
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port || this.closedReported || !port.isOpen)
      throw new TransportError('NOT_OPEN', `${this.description}: not open`, {
        disconnected: this.closedReported,
      });
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    this.pendingWrites++;
    if (!this.kick && this.opts.kickMs > 0 && !this.opts.mock) {
      this.kick = setInterval(() => this.rearm(), this.opts.kickMs);
      this.kick.unref();
    }
    try {
      await this.writeOnce(port, buf);
    } finally {
      if (--this.pendingWrites === 0 && this.kick) {
        clearInterval(this.kick);
        this.kick = null;
      }
    }
  }

  /** Re-arms the binding's poller for both directions (see the workaround note above). */
  private rearm(): void {
    const poller = (this.port as { port?: { poller?: { poll?: (flags: number) => void } } } | null)?.port
      ?.poller;
    try {
      poller?.poll?.(UV_READABLE_WRITABLE);
    } catch {
      // closed meanwhile
    }
  }

  private writeOnce(port: PortLike, buf: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let full = false;
      let written = false;
      let drained = true;
      const settle = () => {
        if (written && drained) resolve();
      };
      full = !port.write(buf, (e) => {
        if (e) {
          const err = asTransportError('WRITE_FAILED', `write ${this.description}`, e);
          if (err.disconnected) this.drop(e);
          reject(err);
          return;
        }
        written = true;
        settle();
      });
      if (full) {
        drained = false;
        port.once('drain', () => {
          drained = true;
          settle();
        });
      }
    });
  }
}

async function identify(path: string): Promise<{ dev: number; rdev: number; ino: number }> {
  const s = await stat(path);
  return { dev: s.dev, rdev: s.rdev, ino: s.ino };
}
