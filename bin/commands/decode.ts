/** `gbcs-sim decode` (DESIGN §4). */
import type { Command } from 'commander';
import { decodeAction } from '../../app/commands/decode.ts';
import { collect, cryptoOption } from '../common.ts';

export function register(program: Command): void {
  program
    .command('decode')
    .description('decode (and, with keys, verify) GBCS messages')
    .argument('<input...>', 'file with one hex message, a directory of *.HEX files, or - for stdin lines')
    .option(
      '--keystore <path>',
      'keystore directory, DCC Boxed keystore.json or gbcs-sim keystore (repeatable)',
      collect,
    )
    .option('--acb <eui>', 'EUI of the Access Control Broker (default: the keystore role-4 party)')
    .option('--json', 'JSON Lines output')
    .addOption(cryptoOption())
    .action(decodeAction);
}
