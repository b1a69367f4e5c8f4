/** `gbcs-sim simulate` (issue 3): a commissioned premises through N virtual days. */
import type { Command } from 'commander';
import { simulateAction } from '../../app/commands/simulate.ts';
import { cryptoOption } from '../common.ts';

export function register(program: Command): void {
  program
    .command('simulate')
    .description(
      'a commissioned premises through N virtual days: half-hour profiles, daily reads, alerts, prepayment credit, UTRN top-ups',
    )
    .option('--days <n>', 'virtual days (1-366)', '30')
    .option('--seed <seed>', 'seed of the test PKI, the premises and the consumption', '1')
    .option('--top-up <pounds>', 'what one UTRN top-up buys, in pounds', '30')
    .option('--json', 'one JSON object per day, then {"summary": …}')
    .addOption(cryptoOption())
    .action(simulateAction);
}
