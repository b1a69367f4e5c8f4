/**
 * Where a virtual device listens (`gbcs-sim serve`): a pseudo-terminal, a serial port or a TCP port,
 * opened as Transports and handed over one by one, so the device side (sim/) sees only the
 * Transport seam.
 *
 * - `pty`: an existing terminal path (one end of a pair the lab made) is opened as is; a path that
 *   does not exist yet makes this start `socat` for a new pair, link PATH to one end (for the
 *   lab's software) and PATH.serve to the other (opened here), and stop socat on `close()`.
 * - `serial`: a real port. Both reopen with backoff after an unplug, forever.
 * - `tcp`: listens (default host 127.0.0.1); each connection is its own transport, at most
 *   `maxConnections` at once.
 */
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { FramingCodec } from './framing/index.ts';
import { SerialLink } from './links/serial.ts';
import { listenTcp } from './links/tcp.ts';
import { type PtyPair, startPtyPair } from './pty.ts';
import { ReconnectingTransport } from './reconnect.ts';
import { FramedTransport, type Transport } from './transport.ts';

export type Endpoint =
  | { kind: 'pty'; path: string }
  | { kind: 'serial'; path: string; baudRate?: number }
  /** `maxConnections`: open connections at once; more are closed at once (`onRefused`). */
  | { kind: 'tcp'; port: number; host?: string; maxConnections?: number };

export interface OpenEndpoint {
  /** Where a lab's software connects: the pty/serial path, or `host:port` (the bound port). */
  readonly where: string;
  /** When the pty pair was made here: the end opened here (`PATH.serve`). */
  readonly ownEnd: string | null;
  /** Closes every transport (and the listener, and socat when started here). */
  close(): Promise<void>;
}

export interface EndpointHandlers {
  /** A transport is open: answer on it. Returns what to do when it goes away for good. */
  onTransport(t: Transport): () => void;
  /** Link state changes (`up`, `down`, `closed`), for events and logs. */
  onLinkState?(description: string, state: string, error?: string): void;
  /** A pty or serial port failed to open (every attempt; it is retried with backoff). */
  onOpenError?(description: string, error: Error, attempt: number, retryInMs: number): void;
  /** TCP: a connection closed at once because `maxConnections` were open. */
  onRefused?(description: string): void;
}

/** True when `path` opens as a terminal (a pty or a serial port). */
function isTerminal(path: string): boolean {
  let fd: number | null = null;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    return isatty(fd);
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Opens `ep`; every transport that comes up is handed to `handlers.onTransport`. A pty or serial
 * port that fails to open is retried with backoff (each failure to `handlers.onOpenError`), except
 * a first open of a path that does not exist or is not a terminal: that throws.
 * @throws TransportError OPEN_FAILED (no socat for a new pty pair, TCP port taken, no such terminal)
 */
export async function openEndpoint(
  ep: Endpoint,
  codec: () => FramingCodec,
  handlers: EndpointHandlers,
): Promise<OpenEndpoint> {
  if (ep.kind === 'tcp') {
    const conns = new Set<Transport>();
    const listener = await listenTcp(
      ep.port,
      (link) => {
        const ft = new FramedTransport(link, codec());
        void ft.open().then(() => {
          conns.add(ft);
          const gone = handlers.onTransport(ft);
          handlers.onLinkState?.(ft.description, 'up');
          ft.onClose(() => {
            gone();
            conns.delete(ft);
            handlers.onLinkState?.(ft.description, 'closed');
          });
        });
      },
      ep.host,
      {
        ...(ep.maxConnections !== undefined ? { maxConnections: ep.maxConnections } : {}),
        ...(handlers.onRefused ? { onRefused: handlers.onRefused } : {}),
      },
    );
    return {
      where: `${ep.host ?? '127.0.0.1'}:${listener.port}`,
      ownEnd: null,
      async close() {
        for (const c of conns) await c.close();
        await listener.close();
      },
    };
  }
  let pair: PtyPair | null = null;
  let path = ep.path;
  if (ep.kind === 'pty' && !existsSync(ep.path)) {
    pair = await startPtyPair(`${ep.path}.serve`, ep.path);
    path = pair.a;
  }
  const baudRate = ep.kind === 'serial' ? ep.baudRate : undefined;
  const t = new ReconnectingTransport(
    () =>
      new FramedTransport(new SerialLink(baudRate === undefined ? { path } : { path, baudRate }), codec()),
    {
      // A first open that fails for a path that is missing or no terminal is a mistake, not an unplug.
      fatal: (_e, attempt) => attempt === 1 && !pair && (!existsSync(path) || !isTerminal(path)),
      onOpenError: (e, attempt, retryInMs) => handlers.onOpenError?.(t.description, e, attempt, retryInMs),
    },
  );
  const gone = handlers.onTransport(t);
  t.onState((s, err) => handlers.onLinkState?.(t.description, s, err?.message));
  try {
    await t.open();
  } catch (e) {
    gone();
    await pair?.stop();
    throw e;
  }
  return {
    where: ep.path,
    ownEnd: pair ? pair.a : null,
    async close() {
      gone();
      await t.close();
      await pair?.stop();
    },
  };
}
