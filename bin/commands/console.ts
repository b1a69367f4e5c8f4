/** `gbcs-sim console [--port 8080] [--host 127.0.0.1] [--seed S] [--db FILE]` (issue 15 item 4): the web console. */
import type { Command } from 'commander';
import { ConsoleHub, premisesConsole, startConsoleServer } from '../../app/console.ts';
import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import { cryptoOption, EXIT_OK, UsageError } from '../common.ts';

/** A TCP port flag: an integer 0..65535 (0 = any free port). */
export function httpPort(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65_535) throw new UsageError(`${flag}: a port 0..65535`);
  return n;
}

export function register(program: Command): void {
  program
    .command('console')
    .description('web console: a virtual premises, its devices, live trace, time series, SMI/CH timelines')
    .option('--port <n>', 'HTTP port (0 = any free port)', '8080')
    .option(
      '--host <host>',
      'listen address (the console is unauthenticated: keep it on loopback)',
      '127.0.0.1',
    )
    .option('--seed <seed>', 'seed of the test PKI and the premises', '1')
    .option('--db <file>', 'a DCC database (inventory, ch) whose SMI and hub timelines the page shows')
    .addOption(cryptoOption())
    .action(
      async (o: { port: string; host: string; seed: string; db?: string; crypto: CryptoBackendName }) => {
        const port = httpPort('--port', o.port);
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
        process.stderr.write(
          `gbcs-sim console: ${running.url} (seed ${JSON.stringify(o.seed)}); Ctrl-C stops\n`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        await running.close();
        process.exitCode = EXIT_OK;
      },
    );
}
