/**
 * `gbcs-sim recovery …`: the SMKI Recovery Procedure — a drill over a simulated estate, an incident
 * step by step, and its status and files. Flags only; the commands are app/recovery.ts.
 */
import type { Command } from 'commander';
import { commandClock, DEFAULT_DB, processIo } from '../../app/dcc-db.ts';
import {
  type CryptoName,
  KEY_NAMES,
  METHODS,
  type Method,
  RECOVERY_STEPS,
  type RecoveryStep,
  recoveryDrill,
  recoveryFiles,
  recoveryStatus,
  recoveryStep,
} from '../../app/recovery.ts';
import { cryptoOption, UsageError } from '../common.ts';
import { exit, number, oneOf, parseDate } from './dcc-options.ts';

const incidentId = (v: string): number => number('INCIDENT', v, 1, Number.MAX_SAFE_INTEGER, true);

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
    .action(
      (o: {
        premises?: string;
        compromise?: string;
        method?: string;
        asOf?: string;
        seed: string;
        db: string;
        state?: string;
        ephemeral?: boolean;
        resume?: boolean;
        batch: string;
        json?: boolean;
        crypto: CryptoName;
      }) => {
        if (o.state !== undefined && o.ephemeral)
          throw new UsageError('--state and --ephemeral exclude each other');
        const common = {
          db: o.db,
          json: o.json === true,
          crypto: o.crypto,
          state: o.ephemeral ? null : o.state,
          batchPremises: number('--batch', o.batch, 1, 10_000, true),
        };
        if (o.resume) {
          const given = (['premises', 'compromise', 'method', 'asOf'] as const).filter(
            (k) => o[k] !== undefined,
          );
          if (given.length)
            throw new UsageError(
              `--resume takes the drill's parameters from --db: drop ${given.map((k) => `--${k.replace('asOf', 'as-of')}`).join(', ')}`,
            );
          exit(recoveryDrill({ ...common, resume: true }, processIo()));
          return;
        }
        if (o.premises === undefined) throw new UsageError('--premises is required (or --resume)');
        if (o.compromise === undefined)
          throw new UsageError(`--compromise is required: ${KEY_NAMES.join(' | ')}`);
        const compromise = KEY_NAMES.includes(o.compromise)
          ? o.compromise
          : (() => {
              throw new UsageError(`--compromise: one of ${KEY_NAMES.join(' | ')} (got ${o.compromise})`);
            })();
        exit(
          recoveryDrill(
            {
              ...common,
              params: {
                premises: number('--premises', o.premises, 1, 1_000_000, true),
                compromise,
                method: o.method === undefined ? null : oneOf('--method', o.method, METHODS),
                asOf: o.asOf === undefined ? commandClock(undefined).now() : parseDate('--as-of', o.asOf),
                seed: o.seed,
              },
            },
            processIo(),
          ),
        );
      },
    );

  const step = (name: RecoveryStep | 'custodian', description: string) =>
    recovery
      .command(name)
      .description(description)
      .option('--db <file>', 'the DCC database (SQLite)', DEFAULT_DB)
      .option('--at <date>', 'when it happens: YYYY-MM-DD or ISO date-time (default: now)')
      .option('--json', 'JSON Lines: one object per change');
  type StepFlags = { db: string; at?: string; json?: boolean };
  const base = (o: StepFlags) => ({
    db: o.db,
    json: o.json === true,
    ...(o.at !== undefined ? { at: parseDate('--at', o.at) } : {}),
  });

  step('report', RECOVERY_STEPS.report)
    .requiredOption('--compromise <key>', KEY_NAMES.join(' | '))
    .option('--evidence <text>', 'what was seen')
    .action((o: StepFlags & { compromise: string; evidence?: string }) => {
      if (!KEY_NAMES.includes(o.compromise))
        throw new UsageError(`--compromise: one of ${KEY_NAMES.join(' | ')} (got ${o.compromise})`);
      exit(
        recoveryStep(
          'report',
          {
            ...base(o),
            compromise: o.compromise,
            ...(o.evidence !== undefined ? { evidence: o.evidence } : {}),
          },
          processIo(),
        ),
      );
    });
  for (const s of ['confirm', 'reject', 'complete', 'close'] as const)
    step(s, RECOVERY_STEPS[s])
      .argument('<incident>', 'incident id')
      .action((id: string, o: StepFlags) =>
        exit(recoveryStep(s, { ...base(o), incident: incidentId(id) }, processIo())),
      );
  step('decide', RECOVERY_STEPS.decide)
    .argument('<incident>', 'incident id')
    .requiredOption('--method <m>', METHODS.join(' | '))
    .action((id: string, o: StepFlags & { method: string }) =>
      exit(
        recoveryStep(
          'decide',
          { ...base(o), incident: incidentId(id), method: oneOf('--method', o.method, METHODS) as Method },
          processIo(),
        ),
      ),
    );
  step('approve', RECOVERY_STEPS.approve)
    .argument('<incident>', 'incident id')
    .requiredOption('--custodian <name>', 'an appointed Key Custodian')
    .action((id: string, o: StepFlags & { custodian: string }) =>
      exit(
        recoveryStep(
          'approve',
          { ...base(o), incident: incidentId(id), custodian: o.custodian },
          processIo(),
        ),
      ),
    );
  step('execute', RECOVERY_STEPS.execute)
    .argument('<incident>', 'incident id')
    .option('--state <dir>', "the drill devices' state folder (default: <db>.state)")
    .addOption(cryptoOption())
    .action((id: string, o: StepFlags & { state?: string; crypto: CryptoName }) =>
      exit(
        recoveryStep(
          'execute',
          { ...base(o), incident: incidentId(id), crypto: o.crypto, ...(o.state ? { state: o.state } : {}) },
          processIo(),
        ),
      ),
    );
  step('custodian', 'appoint a Key Custodian (Recovery Procedure Paragraph 3.4, from 9 February 2016)')
    .argument('<name>', 'the Key Custodian')
    .action((name: string, o: StepFlags) =>
      exit(recoveryStep('custodian', { ...base(o), custodian: name }, processIo())),
    );

  recovery
    .command('status')
    .description('every incident, or one: state, method, devices, availability of each method, events, files')
    .argument('[incident]', 'incident id')
    .option('--db <file>', 'the DCC database (SQLite)', DEFAULT_DB)
    .option('--at <date>', 'date for the methods offered (default: the incident’s last change)')
    .option('--json', 'JSON')
    .action((id: string | undefined, o: { db: string; at?: string; json?: boolean }) =>
      exit(
        recoveryStatus(
          {
            db: o.db,
            json: o.json === true,
            ...(id !== undefined ? { incident: incidentId(id) } : {}),
            ...(o.at !== undefined ? { at: parseDate('--at', o.at) } : {}),
          },
          processIo(),
        ),
      ),
    );
  recovery
    .command('files')
    .description('the notification and progress files of an incident (listed, or written to --out DIR)')
    .argument('<incident>', 'incident id')
    .option('--db <file>', 'the DCC database (SQLite)', DEFAULT_DB)
    .option('--out <dir>', 'write them there')
    .option('--json', 'JSON Lines')
    .action((id: string, o: { db: string; out?: string; json?: boolean }) =>
      exit(
        recoveryFiles(
          { db: o.db, incident: incidentId(id), json: o.json === true, ...(o.out ? { out: o.out } : {}) },
          processIo(),
        ),
      ),
    );
}
