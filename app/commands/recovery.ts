/**
 * What `gbcs-sim recovery …` does with its parsed flags (bin/commands/recovery.ts defines the flags):
 * checks their values and combinations (exit 2, one line, nothing written), builds the options of
 * app/recovery.ts and sets the exit status it returns. Also what the flags need of sim/: the
 * `--compromise` keys, the `--method` values and the step descriptions.
 */

import { KEY_NAMES, METHODS } from '../../sim/recovery/keys.ts';
import { UsageError } from '../cli-io.ts';
import { commandClock, processIo } from '../dcc-db.ts';
import {
  type CryptoName,
  RECOVERY_STEPS,
  type RecoveryStep,
  recoveryDrill,
  recoveryFiles,
  recoveryStatus,
  recoveryStep,
} from '../recovery.ts';
import { exit, number, oneOf, parseDate } from './dcc-options.ts';

export { type CryptoName, KEY_NAMES, METHODS, RECOVERY_STEPS, type RecoveryStep };

const incidentId = (v: string): number => number('INCIDENT', v, 1, Number.MAX_SAFE_INTEGER, true);

const compromiseKey = (v: string): string => {
  if (!KEY_NAMES.includes(v))
    throw new UsageError(`--compromise: one of ${KEY_NAMES.join(' | ')} (got ${v})`);
  return v;
};

export interface DrillFlags {
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
}

/** `recovery drill`: a new drill from its flags, or `--resume` with the parameters stored in --db. */
export function drillAction(o: DrillFlags): void {
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
    const given = (['premises', 'compromise', 'method', 'asOf'] as const).filter((k) => o[k] !== undefined);
    if (given.length)
      throw new UsageError(
        `--resume takes the drill's parameters from --db: drop ${given.map((k) => `--${k.replace('asOf', 'as-of')}`).join(', ')}`,
      );
    exit(recoveryDrill({ ...common, resume: true }, processIo()));
    return;
  }
  if (o.premises === undefined) throw new UsageError('--premises is required (or --resume)');
  if (o.compromise === undefined) throw new UsageError(`--compromise is required: ${KEY_NAMES.join(' | ')}`);
  const compromise = compromiseKey(o.compromise);
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
}

/** The flags every step takes. */
export interface StepFlags {
  db: string;
  at?: string;
  json?: boolean;
}

const base = (o: StepFlags) => ({
  db: o.db,
  json: o.json === true,
  ...(o.at !== undefined ? { at: parseDate('--at', o.at) } : {}),
});

/** `recovery report --compromise KEY [--evidence TEXT]`. */
export const reportAction = (o: StepFlags & { compromise: string; evidence?: string }): void =>
  exit(
    recoveryStep(
      'report',
      {
        ...base(o),
        compromise: compromiseKey(o.compromise),
        ...(o.evidence !== undefined ? { evidence: o.evidence } : {}),
      },
      processIo(),
    ),
  );

/** `recovery confirm|reject|complete|close INCIDENT`. */
export const incidentStepAction =
  (step: 'confirm' | 'reject' | 'complete' | 'close') =>
  (id: string, o: StepFlags): void =>
    exit(recoveryStep(step, { ...base(o), incident: incidentId(id) }, processIo()));

/** `recovery decide INCIDENT --method M`. */
export const decideAction = (id: string, o: StepFlags & { method: string }): void =>
  exit(
    recoveryStep(
      'decide',
      { ...base(o), incident: incidentId(id), method: oneOf('--method', o.method, METHODS) },
      processIo(),
    ),
  );

/** `recovery approve INCIDENT --custodian NAME`. */
export const approveAction = (id: string, o: StepFlags & { custodian: string }): void =>
  exit(
    recoveryStep('approve', { ...base(o), incident: incidentId(id), custodian: o.custodian }, processIo()),
  );

/** `recovery execute INCIDENT [--state DIR]`. */
export const executeAction = (id: string, o: StepFlags & { state?: string; crypto: CryptoName }): void =>
  exit(
    recoveryStep(
      'execute',
      { ...base(o), incident: incidentId(id), crypto: o.crypto, ...(o.state ? { state: o.state } : {}) },
      processIo(),
    ),
  );

/** `recovery custodian NAME`. */
export const custodianAction = (name: string, o: StepFlags): void =>
  exit(recoveryStep('custodian', { ...base(o), custodian: name }, processIo()));

/** `recovery status [INCIDENT]`. */
export const statusAction = (id: string | undefined, o: { db: string; at?: string; json?: boolean }): void =>
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
  );

/** `recovery files INCIDENT [--out DIR]`. */
export const filesAction = (id: string, o: { db: string; out?: string; json?: boolean }): void =>
  exit(
    recoveryFiles(
      { db: o.db, incident: incidentId(id), json: o.json === true, ...(o.out ? { out: o.out } : {}) },
      processIo(),
    ),
  );
