/**
 * A byte link: the raw pipe under a framed transport (a serial port or pty, a TCP socket, an
 * in-process pipe). It knows nothing of frames. One link is opened at most once; reconnecting makes
 * a new one (hw/reconnect.ts).
 */
import type { TransportError } from './errors.ts';

export interface ByteLink {
  /** Human-readable (`serial /tmp/hub @115200`, `tcp 127.0.0.1:7000`). */
  readonly description: string;
  /** @throws TransportError OPEN_FAILED (`disconnected` when the device or peer is not there). */
  open(): Promise<void>;
  /** Idempotent; `onClose(null)` follows a close asked for. */
  close(): Promise<void>;
  /**
   * Writes bytes in order. Resolves once the OS has taken them — after waiting for the stream to
   * drain when its buffer is full (backpressure). @throws TransportError (DISCONNECTED, WRITE_FAILED, NOT_OPEN)
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Set before `open`: bytes as they arrive. */
  onData: ((chunk: Uint8Array) => void) | null;
  /** Set before `open`: called once when an open link closes — `null` when asked, else why. */
  onClose: ((error: TransportError | null) => void) | null;
}
