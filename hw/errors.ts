/**
 * Transport errors (DESIGN §7, after node-serialport): a `TransportError` is a `GbcsError` with a
 * stable `code` and two flags that reconnect logic branches on — `disconnected` (the link went away:
 * unplugged adapter, killed pty pair, reset TCP peer; reopening may help) and `canceled` (an
 * operation aborted on purpose by `close()`).
 */
import { GbcsError } from '../protocol/errors.ts';

/** Stable codes of transport errors. */
export const TransportErrorCode = {
  /** The port, pty or socket could not be opened (missing path, refused connection, busy port). */
  OPEN_FAILED: 'OPEN_FAILED',
  /** The link went away (read/write I/O error, peer closed, path vanished). */
  DISCONNECTED: 'DISCONNECTED',
  /** An operation needs an open transport. */
  NOT_OPEN: 'NOT_OPEN',
  /** A write failed without the link being known to be gone. */
  WRITE_FAILED: 'WRITE_FAILED',
  /** A frame's payload exceeds the framing's maximum. */
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  /** Aborted by `close()`. */
  CANCELED: 'CANCELED',
  /** No answer in time (correlation, control requests). */
  TIMEOUT: 'TIMEOUT',
  /** Reconnecting gave up after its time budget. */
  GAVE_UP: 'GAVE_UP',
} as const;
export type TransportErrorCode = (typeof TransportErrorCode)[keyof typeof TransportErrorCode];

export interface TransportErrorFlags {
  disconnected?: boolean;
  canceled?: boolean;
  cause?: unknown;
}

export class TransportError extends GbcsError {
  /** The link is gone; reopening (reconnect with backoff) may bring it back. */
  readonly disconnected: boolean;
  /** Aborted on purpose (close); not a fault. */
  readonly canceled: boolean;
  constructor(code: TransportErrorCode, message: string, flags: TransportErrorFlags = {}) {
    super(code, message, flags.cause === undefined ? undefined : { cause: flags.cause });
    this.name = 'TransportError';
    this.disconnected = flags.disconnected ?? false;
    this.canceled = flags.canceled ?? false;
  }
  override toJSON(): { code: string; message: string; disconnected: boolean; canceled: boolean } {
    return {
      code: this.code,
      message: this.message,
      disconnected: this.disconnected,
      canceled: this.canceled,
    };
  }
}

/** Node error codes that mean "the device or peer is gone" rather than "bad call". */
const GONE = new Set([
  'EIO',
  'ENXIO',
  'ENODEV',
  'ENOENT',
  'EBADF',
  'EPIPE',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);

/** True when `e` (any thrown value) looks like a vanished link: a `disconnected` flag or a known errno. */
export function looksDisconnected(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const o = e as { disconnected?: unknown; code?: unknown; message?: unknown };
  if (o.disconnected === true) return true;
  if (typeof o.code === 'string' && GONE.has(o.code)) return true;
  return typeof o.message === 'string' && /\b(EIO|ENXIO|ENODEV|EBADF|bad file descriptor)\b/i.test(o.message);
}

/** Wraps any thrown value as a TransportError of `code` (disconnected when it looks so). */
export function asTransportError(code: TransportErrorCode, what: string, e: unknown): TransportError {
  if (e instanceof TransportError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const disconnected = looksDisconnected(e);
  return new TransportError(
    disconnected && code === 'WRITE_FAILED' ? 'DISCONNECTED' : code,
    `${what}: ${msg}`,
    {
      disconnected,
      cause: e,
    },
  );
}
