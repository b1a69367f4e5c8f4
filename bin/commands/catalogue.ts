/** `gbcs-sim catalogue` (issue 13): use-case coverage per device type. */
import type { Command } from 'commander';
import { catalogueAction } from '../../app/commands/catalogue.ts';

export function register(program: Command): void {
  program
    .command('catalogue')
    .description(
      'every GBCS Message Code and alert code with, per device type, implemented / generic / refused',
    )
    .option('--coverage', 'the summary per device type only')
    .option('--json', 'JSON Lines: one object per (code, device type), then {"summary": …}')
    .action(catalogueAction);
}
