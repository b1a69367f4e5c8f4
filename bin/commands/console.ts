/** `gbcs-sim console [--port 8080] [--host 127.0.0.1] [--seed S] [--db FILE]` (issue 15 item 4): the web console. */
import type { Command } from 'commander';
import { consoleAction } from '../../app/commands/console.ts';
import { cryptoOption } from '../common.ts';

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
    .action(consoleAction);
}
