/**
 * TCP links: a client (`connectTcp`) and a server that hands each accepted connection over as a
 * link (`listenTcp`). Nagle is off: frames are small and latency matters more than packet count.
 */
import { createServer, type Server, Socket } from 'node:net';
import { asTransportError, TransportError } from '../errors.ts';
import type { ByteLink } from '../link.ts';

export class TcpLink implements ByteLink {
  readonly description: string;
  onData: ((chunk: Uint8Array) => void) | null = null;
  onClose: ((error: TransportError | null) => void) | null = null;
  private socket: Socket | null;
  private readonly target: { host: string; port: number } | null;
  private opened = false;
  private reported = false;
  private closing = false;

  /** A client link to `host:port`, or (with `socket`) an accepted connection. */
  constructor(target: { host: string; port: number } | { socket: Socket }) {
    if ('socket' in target) {
      this.socket = target.socket;
      this.target = null;
      this.description = `tcp ${target.socket.remoteAddress}:${target.socket.remotePort}`;
    } else {
      this.socket = null;
      this.target = target;
      this.description = `tcp ${target.host}:${target.port}`;
    }
  }

  async open(): Promise<void> {
    if (this.opened) throw new TransportError('OPEN_FAILED', `${this.description}: already opened once`);
    this.opened = true;
    let s = this.socket;
    if (!s) {
      const t = this.target!;
      s = new Socket();
      this.socket = s;
      await new Promise<void>((resolve, reject) => {
        const fail = (e: Error) => {
          this.reported = true;
          reject(
            new TransportError('OPEN_FAILED', `connect ${this.description}: ${e.message}`, {
              disconnected: true,
              cause: e,
            }),
          );
        };
        s!.once('error', fail);
        s!.connect(t.port, t.host, () => {
          s!.off('error', fail);
          resolve();
        });
      });
    }
    s.setNoDelay(true);
    s.on('data', (b: Buffer) => this.onData?.(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    s.on('error', () => {
      // 'close' follows and reports.
    });
    s.on('close', () => {
      this.finish(
        this.closing
          ? null
          : new TransportError('DISCONNECTED', `${this.description}: connection closed`, {
              disconnected: true,
            }),
      );
    });
  }

  private finish(err: TransportError | null): void {
    if (this.reported) return;
    this.reported = true;
    this.onClose?.(err);
  }

  async close(): Promise<void> {
    const s = this.socket;
    if (!s || this.reported) return;
    this.closing = true;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.end();
      setTimeout(() => s.destroy(), 200).unref();
    });
    this.finish(null);
  }

  async write(bytes: Uint8Array): Promise<void> {
    const s = this.socket;
    if (!s || this.reported || s.destroyed)
      throw new TransportError('NOT_OPEN', `${this.description}: not open`, { disconnected: this.reported });
    await new Promise<void>((resolve, reject) => {
      let written = false;
      let drained = true;
      const settle = () => written && drained && resolve();
      const ok = s.write(bytes, (e) => {
        if (e) return reject(asTransportError('WRITE_FAILED', `write ${this.description}`, e));
        written = true;
        settle();
      });
      if (!ok) {
        drained = false;
        s.once('drain', () => {
          drained = true;
          settle();
        });
      }
    });
  }
}

export interface TcpListener {
  /** The bound port (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on `port` (`host` default 127.0.0.1); `onLink` gets each accepted connection, not yet
 * opened. With `maxConnections`, a connection beyond that many open ones is closed at once
 * (node:net `server.maxConnections`) and reported to `onRefused` with the peer's address.
 */
export async function listenTcp(
  port: number,
  onLink: (link: TcpLink) => void,
  host = '127.0.0.1',
  options: { maxConnections?: number; onRefused?: (peer: string) => void } = {},
): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    onLink(new TcpLink({ socket }));
  });
  if (options.maxConnections !== undefined) {
    server.maxConnections = options.maxConnections;
    server.on('drop', (d) => options.onRefused?.(`tcp ${d?.remoteAddress}:${d?.remotePort}`));
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new TransportError('OPEN_FAILED', `listen ${host}:${port}: ${e.message}`, { cause: e })),
    );
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
