/**
 * `gbcs-sim recovery …`: the SMKI Recovery Procedure from the command line — a whole drill over a
 * simulated estate (`recovery drill`), or an incident step by step (`report`, `confirm`, `reject`,
 * `decide`, `approve`, `execute`, `complete`, `close`, `custodian`), read back with `status` and
 * `files`. Each function opens the DCC database, calls sim/recovery, prints, and returns the exit
 * status; refusals (`Refusal`, exit 1) and bad input (`GbcsError`, exit 2) are thrown for the CLI
 * to print as one line. A drill's devices keep their state in a folder (default `<db>.state`,
 * `--ephemeral` for memory): that is what lets `recovery drill --resume --db FILE` continue a
 * killed drill with no device half-replaced.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createCrypto } from '../protocol/crypto/index.ts';
import { GbcsError } from '../protocol/errors.ts';
import { VirtualClock } from '../sim/clock.ts';
import type { DeviceState } from '../sim/device/device.ts';
import {
  Drill,
  type DrillParams,
  type DrillSummary,
  drillEstate,
  drillProblems,
} from '../sim/recovery/drill.ts';
import type { Method } from '../sim/recovery/keys.ts';
import { type IncidentChange, RecoveryProcedure } from '../sim/recovery/procedure.ts';
import { createTestKeys } from '../sim/smki/test-pki.ts';
import type { Db } from '../sim/store/dcc-database.ts';
import { openStateDir, type ServedState } from '../sim/store/state-dir.ts';
import { MemoryStateStore, type StateStore } from '../sim/store/state-store.ts';
import { commandClock, DEFAULT_DB, type Io, isoTime, withDatabase } from './dcc-db.ts';
import { type Progress, type ProgressStream, startProgress } from './progress.ts';

export type CryptoName = 'noble' | 'node';

export interface DrillOptions {
  db?: string;
  /** A new drill's parameters; absent with `resume`. */
  params?: DrillParams;
  resume?: boolean;
  /** Device state folder (default `<db>.state`); null = in memory (`--ephemeral`). */
  state?: string | null;
  crypto?: CryptoName;
  json?: boolean;
  /** Premises per execution batch (default 16). */
  batchPremises?: number;
}

/** The state folder of a drill's devices: `--state DIR`, else `<db>.state`. */
export const defaultDrillState = (db: string): string => `${resolve(db)}.state`;

const stateIdentity = (p: DrillParams) => ({ kind: 'recovery-drill', seed: p.seed, premises: p.premises });

function openDevices(o: DrillOptions, db: string, p: DrillParams, mustExist: boolean): ServedState | null {
  if (o.state === null) return null;
  const dir = o.state ?? defaultDrillState(db);
  if (mustExist && !existsSync(join(dir, 'premises.json')))
    throw new GbcsError(
      'STATE_MISSING',
      `the drill's device state is not in ${dir}: give the --state the drill ran with; a drill run with --ephemeral cannot be resumed: delete ${db} or use another --db`,
    );
  return openStateDir(dir, stateIdentity(p));
}

function summaryText(s: DrillSummary): string[] {
  const counts = Object.entries(s.smiStatusCounts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    `recovery drill: ${s.premises} premises, ${s.compromise} compromised, ${s.method === 'contingency' ? 'the contingency method' : `Method ${s.method}`} (${s.case}), incident ${s.incident}, as of ${s.asOf.slice(0, 10)}`,
    `  relevant devices:  ${s.relevantDevices} (${s.recovered} recovered, ${s.failed} failed, ${s.retried} retried)`,
    `  attacker probe:    ${s.probe}`,
    `  accepted after:    ${s.acceptedCompromisedKeyAfterRecovery} of ${s.probed} probed; half-replaced devices: ${s.halfReplaced}`,
    `  revoked:           ${s.revoked.join(', ') || '—'}`,
    `  SMI Status:        ${counts}`,
    `  wall time:         ${s.wallSeconds} s (inventory ${s.timings.inventorySeconds} s, premises ${s.timings.premisesSeconds} s, procedure ${s.timings.procedureSeconds} s)`,
  ];
}

/**
 * `recovery drill`: runs (or, with `resume`, continues) a drill. Exit 0 when every relevant device
 * is recovered and none accepts the compromised key afterwards, else 1.
 */
export function recoveryDrill(o: DrillOptions, io: Io): number {
  const dbPath = o.db ?? DEFAULT_DB;
  if (!o.resume) {
    const problems = o.params ? drillProblems(o.params) : ['the drill parameters are required'];
    if (problems.length) throw new GbcsError('BAD_VALUE', problems.join('; '));
    if (existsSync(dbPath))
      withDatabase(dbPath, false, (db) => {
        if (Drill.recorded(db))
          throw new GbcsError(
            'DRILL_EXISTS',
            `${dbPath} holds a drill: continue it with --resume (a drill run with --ephemeral cannot be resumed: delete ${dbPath} or use another --db)`,
          );
        Drill.refuseForeignEstate(db, dbPath);
      });
  }
  if (o.resume && dbPath !== ':memory:' && !existsSync(dbPath))
    throw new GbcsError(
      'DB_NOT_FOUND',
      `no database at ${dbPath}: no drill to resume (start one with recovery drill --premises N --compromise KEY --db ${dbPath})`,
    );
  return withDatabase(dbPath, !o.resume, (db) => {
    let params = o.params;
    if (o.resume) {
      const rec = Drill.recorded(db);
      if (!rec) throw new GbcsError('DRILL_NOT_FOUND', `${dbPath} holds no drill to resume`);
      params = rec.params;
    }
    const crypto = createCrypto(o.crypto ?? 'noble');
    const p = params!;
    // Refusals that need nothing written come first (a method not available at --as-of, a key no device holds).
    new Drill(db, p, { crypto, deviceStore: new MemoryStateStore<DeviceState>() }).precheck();
    const state = openDevices(o, dbPath, p, o.resume === true && Drill.recorded(db)?.phase !== 'building');
    try {
      const drill = new Drill(db, p, {
        crypto,
        ...(state ? { deviceStore: state.devices as StateStore<DeviceState> } : {}),
      });
      if (o.resume) io.err(`gbcs-sim: resuming the drill in ${dbPath}`);
      // The shared progress bar (app/progress.ts), started when the devices to recover are known:
      // on a terminal only, never in CI; phase lines are printed above it.
      let bar = null as Progress | null;
      const line = (l: string) => (bar ? bar.print(() => io.out(l)) : io.out(l));
      let summary: DrillSummary;
      try {
        summary = drill.run({
          onPhase: (ph) => {
            if (o.json) line(JSON.stringify(ph));
            else if (ph.phase === 'incident')
              line(
                `${ph.at}  incident ${ph.incidentId}  ${ph.from ?? '(new)'} → ${ph.to}  ${ph.event}${ph.details ? `  ${JSON.stringify(ph.details)}` : ''}`,
              );
            else if (ph.phase === 'estate') {
              line(`estate: ${ph.premises} premises, ${ph.devices} devices Commissioned`);
              for (const m of ph.methods as Array<Record<string, unknown>>)
                line(
                  m.available
                    ? `  method ${m.method}: offered (${m.case})`
                    : `  method ${m.method}: not available — ${m.reason}${m.citation ? ` (${m.citation})` : ''}`,
                );
            }
          },
          onProgress: (done, total) => {
            if (!bar && io.errIsTty && io.progressStream)
              bar = startProgress({
                label: 'recovery drill',
                unit: 'devices',
                total,
                stream: io.progressStream as ProgressStream,
              });
            bar?.update(done);
          },
          ...(o.batchPremises ? { batchPremises: o.batchPremises } : {}),
        });
      } finally {
        bar?.stop();
      }
      if (!o.json) for (const l of summaryText(summary)) io.out(l);
      io.out(JSON.stringify({ summary }));
      return summary.failed === 0 &&
        summary.acceptedCompromisedKeyAfterRecovery === 0 &&
        summary.halfReplaced === 0
        ? 0
        : 1;
    } finally {
      state?.close();
    }
  });
}

// ------------------------------------------------------------------------------------------------
// Step by step

export const RECOVERY_STEPS = {
  report: 'a Party or the DCC reports a suspected compromise of --compromise KEY: a new incident',
  confirm: 'the DCC confirms the compromise (the notification file is issued)',
  reject: 'the DCC finds no compromise: the incident closes',
  decide: 'the SMKI PMA decides --method 1|2|3|contingency',
  approve: 'a Key Custodian (--custodian NAME) approves the use of the recovery keys',
  execute: 'execution: the Relevant Devices are selected and recovered (the drill estate in --db)',
  complete: 'post-recovery: the compromised certificates are revoked',
  close: 'the final progress file; closed',
} as const;
export type RecoveryStep = keyof typeof RECOVERY_STEPS;

export interface StepOptions {
  db?: string;
  at?: number;
  json?: boolean;
  incident?: number;
  compromise?: string;
  evidence?: string;
  method?: Method;
  custodian?: string;
  state?: string | null;
  crypto?: CryptoName;
}

/** The procedure over a database: the drill's estate when it has one (devices reachable), else none. */
function procedureOf(db: Db, dbPath: string, o: StepOptions, withDevices: boolean) {
  const rec = Drill.recorded(db);
  const crypto = createCrypto(o.crypto ?? 'noble');
  const keys = createTestKeys(rec?.params.seed ?? '1');
  let state: ServedState | null = null;
  let estate = null;
  if (rec && withDevices) {
    state = openDevices(o, dbPath, rec.params, false);
    estate = drillEstate(rec.params, {
      crypto,
      ...(state ? { deviceStore: state.devices as StateStore<DeviceState> } : {}),
    });
  }
  const clock = rec ? new VirtualClock(rec.params.asOf) : null;
  const procedure = new RecoveryProcedure({
    db,
    keys,
    crypto,
    estate,
    ...(clock ? { clockMs: () => clock.now() } : {}),
  });
  return { procedure, close: () => state?.close() };
}

const changeLine = (c: IncidentChange): string =>
  `${isoTime(c.at)}  incident ${c.incidentId}  ${c.from ?? '(new)'} → ${c.to}  ${c.event}${c.details ? `  ${JSON.stringify(c.details)}` : ''}`;

/** `recovery STEP …`: one step of an incident. */
export function recoveryStep(step: RecoveryStep | 'custodian', o: StepOptions, io: Io): number {
  const dbPath = o.db ?? DEFAULT_DB;
  return withDatabase(dbPath, false, (db) => {
    const at = commandClock(o.at).now();
    const { procedure, close } = procedureOf(db, dbPath, o, step === 'execute');
    try {
      const need = <T>(v: T | undefined, flag: string): T => {
        if (v === undefined) throw new GbcsError('BAD_VALUE', `${step} needs ${flag}`);
        return v;
      };
      const id = () => need(o.incident, 'an INCIDENT id');
      let changes: IncidentChange[] = [];
      switch (step) {
        case 'custodian':
          procedure.appointKeyCustodian(need(o.custodian, 'a NAME'), at);
          io.out(
            o.json
              ? JSON.stringify({ change: 'keyCustodian', name: o.custodian, at: isoTime(at) })
              : `${isoTime(at)}  Key Custodian appointed: ${o.custodian}`,
          );
          return 0;
        case 'report':
          changes = procedure.report(need(o.compromise, '--compromise KEY'), at, o.evidence ?? null);
          break;
        case 'confirm':
          changes = procedure.confirm(id(), at);
          break;
        case 'reject':
          changes = procedure.reject(id(), at);
          break;
        case 'decide':
          changes = procedure.decide(id(), need(o.method, '--method'), at);
          break;
        case 'approve':
          changes = procedure.approve(id(), need(o.custodian, '--custodian NAME'), at);
          break;
        case 'execute': {
          changes = procedure.execute(id(), at);
          for (const c of changes)
            io.out(o.json ? JSON.stringify({ ...c, at: isoTime(c.at) }) : changeLine(c));
          if (!procedure.estate) {
            io.err(
              'gbcs-sim: no simulated estate in this database: the Relevant Devices are selected, not reached',
            );
            return 0;
          }
          const counts = procedure.runDevices(id(), at, { check: true });
          io.out(
            o.json
              ? JSON.stringify({ change: 'devices', incidentId: id(), ...counts })
              : `devices: ${counts.recovered} recovered, ${counts.failed} failed of ${counts.total}`,
          );
          return counts.failed === 0 ? 0 : 1;
        }
        case 'complete':
          changes = procedure.complete(id(), at);
          break;
        case 'close':
          changes = procedure.close(id(), at);
          break;
      }
      for (const c of changes) io.out(o.json ? JSON.stringify({ ...c, at: isoTime(c.at) }) : changeLine(c));
      return 0;
    } finally {
      close();
    }
  });
}

/** `recovery status [INCIDENT]`: every incident, or one with its events, counts and availability. */
export function recoveryStatus(
  o: { db?: string; incident?: number; json?: boolean; at?: number },
  io: Io,
): number {
  const dbPath = o.db ?? DEFAULT_DB;
  return withDatabase(dbPath, false, (db) => {
    const { procedure } = procedureOf(db, dbPath, {}, false);
    if (o.incident === undefined) {
      for (const i of procedure.incidents())
        io.out(
          o.json
            ? JSON.stringify({
                ...i,
                plan: undefined,
                reportedAt: isoTime(i.reportedAt),
                stateSince: isoTime(i.stateSince),
              })
            : `${String(i.incidentId).padStart(4)}  ${i.compromisedKey.padEnd(20)} ${i.state.padEnd(12)} ${i.method ? `method ${i.method}` : ''}${i.outcome ? ` (${i.outcome})` : ''}  reported ${isoTime(i.reportedAt).slice(0, 10)}`,
        );
      return 0;
    }
    const s = procedure.status(o.incident, o.at);
    if (o.json) {
      io.out(
        JSON.stringify({
          incident: {
            ...s.incident,
            plan: undefined,
            reportedAt: isoTime(s.incident.reportedAt),
            stateSince: isoTime(s.incident.stateSince),
          },
          key: s.key,
          devices: s.devices,
          approvals: s.approvals,
          quorum: s.quorum,
          revocations: s.revocations.map((r) => ({ ...r, at: isoTime(r.at) })),
          availability: s.availability.map((a) =>
            a.available ? { method: a.method, available: true, case: a.option.case } : { ...a },
          ),
          events: s.events.map((e) => ({ ...e, at: isoTime(e.at) })),
          files: s.files.map((f) => ({ ...f, at: isoTime(f.at) })),
        }),
      );
      return 0;
    }
    const i = s.incident;
    io.out(
      `incident ${i.incidentId}: ${s.key.title} (${s.key.name}) — ${i.state}${i.outcome ? ` (${i.outcome})` : ''}`,
    );
    io.out(
      `  method ${i.method ?? '—'}${i.recoveryCase ? ` (${i.recoveryCase})` : ''}; Key Custodian approvals ${s.approvals.length}/${s.quorum}`,
    );
    io.out(
      `  devices: ${s.devices.total} relevant, ${s.devices.recovered} recovered, ${s.devices.failed} failed, ${s.devices.pending + s.devices.inFlight} outstanding`,
    );
    for (const a of s.availability)
      io.out(
        a.available
          ? `  method ${a.method}: offered (${a.option.case})`
          : `  method ${a.method}: not available — ${a.reason}`,
      );
    for (const r of s.revocations) io.out(`  revoked ${r.serial}  ${r.subject}`);
    for (const e of s.events)
      io.out(
        `  ${isoTime(e.at)}  ${e.event.padEnd(9)} ${(e.from ?? '').padEnd(12)} → ${e.to}${e.details ? `  ${JSON.stringify(e.details)}` : ''}`,
      );
    for (const f of s.files) io.out(`  file ${f.name} (${f.bytes} bytes)`);
    return 0;
  });
}

/** `recovery files INCIDENT [--out DIR]`: the notification and progress files (written to DIR, else listed). */
export function recoveryFiles(
  o: { db?: string; incident: number; out?: string; json?: boolean },
  io: Io,
): number {
  const dbPath = o.db ?? DEFAULT_DB;
  return withDatabase(dbPath, false, (db) => {
    const { procedure } = procedureOf(db, dbPath, {}, false);
    procedure.incident(o.incident);
    const files = procedure.store.files(o.incident);
    if (o.out) {
      try {
        mkdirSync(o.out, { recursive: true });
        for (const f of files) writeFileSync(join(o.out, f.name), f.content);
      } catch (e) {
        throw new GbcsError('BAD_VALUE', `--out ${o.out}: ${(e as Error).message}`);
      }
    }
    for (const f of files)
      io.out(
        o.json
          ? JSON.stringify({
              name: f.name,
              at: isoTime(f.at),
              bytes: Buffer.byteLength(f.content),
              ...(o.out ? { file: join(o.out, f.name) } : {}),
            })
          : `${f.name}  ${Buffer.byteLength(f.content)} bytes  ${isoTime(f.at)}${o.out ? `  → ${join(o.out, f.name)}` : ''}`,
      );
    return 0;
  });
}
