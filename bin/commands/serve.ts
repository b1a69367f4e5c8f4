/** `gbcs-sim serve` (issue 5): a virtual premises answering on a pty, serial port or TCP port. */
import { type Command, Option } from 'commander';
import { serveAction } from '../../app/commands/serve.ts';
import { DEFAULT_SERVE_LIMITS } from '../../app/serve.ts';
import { cryptoOption } from '../common.ts';

export function register(program: Command): void {
  program
    .command('serve')
    .description('a virtual premises (CHF, GPF, ESME, GSME) answering GBCS on a pty, serial port or TCP port')
    .option('--pty <path>', 'an existing pty, or a path where serve links a new socat pty pair')
    .option('--serial <path>', 'a serial port')
    .option('--tcp <port>', 'listen on a TCP port (0 = any free port)')
    .option('--host <host>', 'TCP listen address', '127.0.0.1')
    .option('--baud <n>', 'serial bits per second (default 115200)')
    .addOption(new Option('--framing <name>', 'line framing').choices(['gfi', 'binary']).default('gfi'))
    .option('--seed <seed>', 'seed of the test PKI (the bridge must use the same)', '1')
    .option('--gsme-poll-ms <ms>', 'GSME wake-up period, wall ms (0 = always awake)', '1000')
    .option('--block-limit <bytes>', 'responses longer than this go as GBT blocks', '1200')
    .option('--max-payload <bytes>', 'framing payload bound (default: gfi 2048, binary 4096)')
    .option('--json', 'one JSON object per event on stdout')
    .option('--faults <file>', 'inject device faults at start: JSON/YAML { "<device EUI>": [rules…] }')
    .option('--state <dir>', 'device state folder (default ./gbcs-sim-state/seed-<seed>)')
    .option('--ephemeral', 'keep device state in memory only (a restart forgets it)')
    .option('--control', 'answer the CBOR control channel (lab only: unauthenticated clock, faults, resets)')
    .option('--max-connections <n>', 'TCP connections at once', String(DEFAULT_SERVE_LIMITS.maxConnections))
    .option(
      '--rate-limit <n>',
      'GBCS frames per second per link (0 = no limit)',
      String(DEFAULT_SERVE_LIMITS.framesPerSecond),
    )
    .option('--http <port>', 'also serve the web console for this premises on 127.0.0.1:PORT')
    .option(
      '--allow-test-keys',
      'serve the test-key devices on a --serial port that is not a pseudo-terminal (a live line)',
    )
    .addOption(cryptoOption())
    .action(serveAction);
}
