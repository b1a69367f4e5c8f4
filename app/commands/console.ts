import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import { EXIT_OK, UsageError } from '../cli-io.ts';
import { ConsoleHub, premisesConsole, startConsoleServer } from '../console.ts';
import { withDatabase } from '../dcc-db.ts';

/** A TCP port flag: an integer 0..65535 (0 = any free port). */
export function httpPort(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65_535) throw new UsageError(`${flag}: a port 0..65535`);
  return n;
}

export const consoleAction = async (o: {
  port: string;
  host: string;
  seed: string;
  db?: string;
  crypto: CryptoBackendName;
}) => {
  const port = httpPort('--port', o.port);
  // A missing or foreign --db is refused now (exit 2), not at the page's first /api/timelines.
  if (o.db !== undefined) withDatabase(o.db, false, () => undefined);
  const hub = new ConsoleHub();
  const backend = premisesConsole({ seed: o.seed, crypto: createCrypto(o.crypto), hub });
  const running = await startConsoleServer({
    backend,
    hub,
    host: o.host,
    port,
    ...(o.db !== undefined ? { db: o.db } : {}),
  }).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`console: cannot listen on ${o.host}:${port}: ${e.code ?? e.message}`);
  });
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: running.url })}\n`);
  process.stderr.write(`gbcs-sim console: ${running.url} (seed ${JSON.stringify(o.seed)}); Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await running.close();
  process.exitCode = EXIT_OK;
};
