import type { Command } from 'commander';
import { conformanceAction, DEFAULT_MIN_MATCH } from '../../app/commands/conformance.ts';
import { collect, cryptoOption } from '../common.ts';

export function register(program: Command): void {
  program
    .command('conformance')
    .description('play each RTDS scenario against a device like the RTDS one and compare the responses')
    .requiredOption('--rtds <dir>', 'RTDS tree (folders of *_GBCS.HEX files)')
    .requiredOption('--keystore <path>', 'keystore with the RTDS identities (repeatable)', collect)
    .option('--acb <eui>', 'EUI of the Access Control Broker')
    .option('--json', 'one JSON line per scenario, then {"summary": …}')
    .option('--min-match <percent>', 'exit 1 when fewer scenarios match', String(DEFAULT_MIN_MATCH))
    .option('--out <dir>', 'write our responses and alerts as RTDS-named hex files under DIR/<folder>/')
    .addOption(cryptoOption())
    .action(conformanceAction);
}
