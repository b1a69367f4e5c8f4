/** `gbcs-sim replay` (DESIGN §4). */
import type { Command } from 'commander';
import { replayAction } from '../../app/commands/replay.ts';
import { collect, cryptoOption } from '../common.ts';

export function register(program: Command): void {
  program
    .command('replay')
    .description('feed recorded commands to virtual devices holding the keystore identities')
    .argument('<input...>', 'file, directory of *.HEX files, or - for stdin lines')
    .requiredOption('--keystore <path>', 'keystore (repeatable)', collect)
    .option('--acb <eui>', 'EUI of the Access Control Broker')
    .option('--keep-state', 'one device per EUI across inputs (anti-replay floors persist)')
    .option(
      '--device-type <eui=type>',
      'device type of an EUI, e.g. 00db1234567890a3=GPF (repeatable)',
      collect,
    )
    .option('--json', 'JSON Lines output')
    .addOption(cryptoOption())
    .action(replayAction);
}
