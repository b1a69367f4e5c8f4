/** Listening with a node:http server (the SMKI repository, the DUIS service): address, URL, close. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  server: Server;
  /** `http://host:port` (IPv6 hosts in brackets). */
  url: string;
  /** Stops listening and ends keep-alive connections (they would hold close() open). */
  close(): Promise<void>;
}

/** Listens on `port` (0: any free port) of `host` (default 127.0.0.1). Rejects on a listen error. */
export async function listen(server: Server, o: { port?: number; host?: string }): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
