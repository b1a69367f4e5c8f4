/** `gbcs-sim fleet run` (issue 12): a lazy fleet of premises driven by a mix over worker threads. Flags only. */
import type { Command } from 'commander';
import { fleetRunAction } from '../../app/commands/fleet.ts';
import { cryptoOption } from '../common.ts';

export function register(program: Command): void {
  const fleet = program.command('fleet').description('a fleet of premises derived from a seed (sim/fleet/)');
  fleet
    .command('run')
    .description('drive N premises with a mix of use cases over W worker threads; last line {"summary": …}')
    .requiredOption('--premises <n>', 'premises in the fleet (1 to 2^40 - 1)')
    .option('--workers <w>', 'worker threads; premises are sharded by Communications Hub', '1')
    .option(
      '--mix <file>',
      'JSON or YAML list of {label, weight} (default scenario labels); default mix in the README',
    )
    .option('--duration <s>', 'seconds of the timed part', '10')
    .option('--rate <r>', 'commands per second in all (default: as fast as it goes)')
    .option('--commands <n>', 'stop after this many commands in all')
    .option('--warm', 'materialise every premises before the timed part')
    .option('--seed <seed>', 'seed of the keys and EUIs', '1')
    .option('--json', 'print only the summary line')
    .addOption(cryptoOption())
    .action(fleetRunAction);
}
