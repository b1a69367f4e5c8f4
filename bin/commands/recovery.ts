/**
 * `gbcs-sim recovery …`: the SMKI Recovery Procedure — a drill over a simulated estate, an incident
 * step by step, and its status and files. Flags only; the actions are app/commands/recovery.ts.
 */
import type { Command } from 'commander';
import { DEFAULT_DB } from '../../app/commands/dcc-options.ts';
import {
  approveAction,
  custodianAction,
  decideAction,
  drillAction,
  executeAction,
  filesAction,
  incidentStepAction,
  KEY_NAMES,
  METHODS,
  RECOVERY_STEPS,
  type RecoveryStep,
  reportAction,
  statusAction,
} from '../../app/commands/recovery.ts';
import { cryptoOption } from '../common.ts';

export function register(program: Command): void {
  const recovery = program
    .command('recovery')
    .description(
      'the SMKI Recovery Procedure: drills over a simulated estate, incidents step by step (SQLite --db)',
    );

  recovery
    .command('drill')
    .description(
      'build N premises, compromise KEY, run the procedure, probe every Relevant Device with the compromised key; resumable (--resume); last line {"summary": …}',
    )
    .option('--premises <n>', 'premises in the estate (CHF, GPF, ESME, GSME each)')
    .option('--compromise <key>', KEY_NAMES.join(' | '))
    .option('--method <m>', `${METHODS.join(' | ')} (default: the first the procedure offers at --as-of)`)
    .option('--as-of <date>', 'when it happens: YYYY-MM-DD or ISO date-time (default: now)')
    .option('--seed <s>', 'the estate key set', '1')
    .option('--db <file>', 'the DCC database (SQLite)', DEFAULT_DB)
    .option('--state <dir>', "the devices' state folder (default: <db>.state)")
    .option('--ephemeral', 'devices in memory (no resume)')
    .option('--resume', 'continue the drill in --db (its parameters are stored there)')
    .option('--batch <n>', 'premises per execution batch (one transaction each)', '16')
    .option('--json', 'one JSON object per phase')
    .addOption(cryptoOption())
    .action(drillAction);

  const step = (name: RecoveryStep | 'custodian', description: string) =>
    recovery
      .command(name)
      .description(description)
      .option('--db <file>', 'the DCC database (SQLite)', DEFAULT_DB)
      .option('--at <date>', 'when it happens: YYYY-MM-DD or ISO date-time (default: now)')
      .option('--json', 'JSON Lines: one object per change');

  step('report', RECOVERY_STEPS.report)
    .requiredOption('--compromise <key>', KEY_NAMES.join(' | '))
    .option('--evidence <text>', 'what was seen')
    .action(reportAction);
  for (const s of ['confirm', 'reject', 'complete', 'close'] as const)
    step(s, RECOVERY_STEPS[s]).argument('<incident>', 'incident id').action(incidentStepAction(s));
  step('decide', RECOVERY_STEPS.decide)
    .argument('<incident>', 'incident id')
    .requiredOption('--method <m>', METHODS.join(' | '))
    .action(decideAction);
  step('approve', RECOVERY_STEPS.approve)
    .argument('<incident>', 'incident id')
    .requiredOption('--custodian <name>', 'an appointed Key Custodian')
    .action(approveAction);
  step('execute', RECOVERY_STEPS.execute)
    .argument('<incident>', 'incident id')
    .option('--state <dir>', "the drill devices' state folder (default: <db>.state)")
    .addOption(cryptoOption())
    .action(executeAction);
  step('custodian', 'appoint a Key Custodian (Recovery Procedure Paragraph 3.4, from 9 February 2016)')
    .argument('<name>', 'the Key Custodian')
    .action(custodianAction);

  recovery
    .command('status')
    .description('every incident, or one: state, method, devices, availability of each method, events, files')
    .argument('[incident]', 'incident id')
    .option('--db <file>', 'the DCC database (SQLite)', DEFAULT_DB)
    .option('--at <date>', 'date for the methods offered (default: the incident’s last change)')
    .option('--json', 'JSON')
    .action(statusAction);
  recovery
    .command('files')
    .description('the notification and progress files of an incident (listed, or written to --out DIR)')
    .argument('<incident>', 'incident id')
    .option('--db <file>', 'the DCC database (SQLite)', DEFAULT_DB)
    .option('--out <dir>', 'write them there')
    .option('--json', 'JSON Lines')
    .action(filesAction);
}
