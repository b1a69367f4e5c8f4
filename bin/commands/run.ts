/** `gbcs-sim run` (DESIGN §4). */
import type { Command } from 'commander';
import { runAction } from '../../app/commands/run.ts';
import { cryptoOption } from '../common.ts';

export function register(program: Command): void {
  program
    .command('run')
    .description('the main job: a virtual premises (CHF, GPF, ESME, GSME) driven by the default scenario')
    .option('--seed <seed>', 'seed of the test PKI and premises', '1')
    .option('--json', 'JSON Lines trace')
    .option(
      '--faults <file>',
      'inject device faults: JSON/YAML { "<device EUI>": [rules…] } (README: Fault injection)',
    )
    .option(
      '--db <file>',
      'the DCC database (SQLite): the premises in the Smart Metering Inventory, commands through the DCC gate (installed and commissioned first when new)',
    )
    .addOption(cryptoOption())
    .action(runAction);
}
