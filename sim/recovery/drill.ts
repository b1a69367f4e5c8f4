/**
 * A recovery drill (`gbcs-sim recovery drill`): builds an estate of N premises — the Smart
 * Metering Inventory (every CHF, GPF, ESME and GSME Commissioned) and the DCC's register of the
 * cells each device was manufactured with — compromises a key, runs the SMKI Recovery Procedure
 * (report → confirm → PMA decision → Key Custodian approvals → execution on every Relevant Device
 * → revocation → closed), and after each device's recovery sends it what an attacker holding the
 * compromised key would send (probe.ts). Durable and resumable: the drill's progress is in the DCC
 * database, the devices' in their state store; a drill killed at any moment continues with
 * `resume` (every phase is idempotent, see procedure.ts).
 */
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import { GbcsError } from '../../protocol/errors.ts';
import { VirtualClock } from '../clock.ts';
import type { DeviceState } from '../device/device.ts';
import { Refusal } from '../inventory/errors.ts';
import { SmiEvent, type SmiStatus } from '../inventory/smi-status.ts';
import { createTestKeys } from '../smki/test-pki.ts';
import { Provision, RegulatoryTimeline } from '../smki/timeline.ts';
import { type Db, transaction } from '../store/dcc-database.ts';
import { RecoveryStore } from '../store/recovery-store.ts';
import type { StateStore } from '../store/state-store.ts';
import {
  createPremisesEstate,
  type Estate,
  type EstateDeviceType,
  estateIds,
  provisionedCells,
} from './estate.ts';
import { keyIdOf } from './key-ring.ts';
import { METHODS, type Method, type MethodAvailability, methodLabel } from './keys.ts';
import { IncidentState } from './machine.ts';
import type { IncidentPlan } from './plan.ts';
import { makeProbe, probeDescription } from './probe.ts';
import { compromisedKeyOf, type IncidentChange, RecoveryProcedure } from './procedure.ts';

/** What names a drill: the same parameters give the same estate, incident and summary (but time). */
export interface DrillParams {
  premises: number;
  /** The `--compromise` key name. */
  compromise: string;
  /** The method; null = the first the procedure offers at `asOf`. */
  method: Method | null;
  /** When everything happens (ms, UTC). */
  asOf: number;
  seed: string;
}

/** Limits of a drill's parameters. */
export const DRILL_LIMITS = { maxPremises: 1_000_000 } as const;

/** The last line of a drill. */
export interface DrillSummary {
  premises: number;
  compromise: string;
  method: Method;
  case: string | null;
  incident: number;
  asOf: string;
  seed: string;
  relevantDevices: number;
  recovered: number;
  failed: number;
  /** Devices that needed more commands than steps (a retry). */
  retried: number;
  /** Relevant devices that, after their recovery, still accepted the compromised key (probe.ts). */
  acceptedCompromisedKeyAfterRecovery: number;
  probed: number;
  probe: string;
  /** Devices whose target cells hold a mix of old and new keys (read from the devices). */
  halfReplaced: number;
  revoked: string[];
  smiStatusCounts: Record<SmiStatus, number>;
  /** Wall time of this run (a resumed run counts its own). */
  wallSeconds: number;
  /** Where that time went: building the inventory and register, materialising premises, the procedure. */
  timings: { inventorySeconds: number; premisesSeconds: number; procedureSeconds: number };
}

export interface DrillHooks {
  /** One object per phase (estate built, each incident event, execution done). */
  onPhase?: (o: Record<string, unknown>) => void;
  /** Devices done of the total, after each batch. */
  onProgress?: (done: number, total: number) => void;
  /** A monotonic clock in ms for the timings (default performance.now). */
  now?: () => number;
  /** Premises per execution batch (default 16). */
  batchPremises?: number;
}

export interface DrillOptions {
  crypto: GbcsCrypto;
  /** Where the devices keep their state (default: in memory, no resume). */
  deviceStore?: StateStore<DeviceState>;
  timeline?: RegulatoryTimeline;
  /** Premises kept materialised at once. */
  resident?: number;
}

/** Problems with drill parameters (usage errors), empty when valid. */
export function drillProblems(p: DrillParams): string[] {
  const out: string[] = [];
  if (!Number.isInteger(p.premises) || p.premises < 1 || p.premises > DRILL_LIMITS.maxPremises)
    out.push(`--premises: an integer from 1 to ${DRILL_LIMITS.maxPremises} (got ${p.premises})`);
  if (p.method !== null && !METHODS.includes(p.method)) out.push(`--method: one of ${METHODS.join(' | ')}`);
  try {
    compromisedKeyOf(p.compromise);
  } catch (e) {
    out.push(`--compromise: ${(e as Error).message}`);
  }
  if (!/^[\x21-\x7e]{1,64}$/.test(p.seed)) out.push('--seed: 1–64 printable characters');
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The estate of a drill (the same for its first run and every resume). */
export function drillEstate(p: DrillParams, o: DrillOptions): Estate {
  return createPremisesEstate({
    seed: p.seed,
    size: p.premises,
    keys: createTestKeys(p.seed),
    clock: new VirtualClock(p.asOf),
    crypto: o.crypto,
    ...(o.deviceStore ? { store: o.deviceStore } : {}),
    ...(o.resident ? { resident: o.resident } : {}),
  });
}

/** A drill in a DCC database. */
export class Drill {
  readonly db: Db;
  readonly params: DrillParams;
  readonly estate: Estate;
  readonly procedure: RecoveryProcedure;
  #premisesMs = 0;

  /**
   * @throws GbcsError BAD_VALUE (parameters), DRILL_MISMATCH (the database holds another drill)
   */
  constructor(db: Db, params: DrillParams, o: DrillOptions) {
    const problems = drillProblems(params);
    if (problems.length) throw new GbcsError('BAD_VALUE', problems.join('; '));
    this.db = db;
    this.params = params;
    const estate = drillEstate(params, o);
    // Time spent materialising premises (the split the bench reports).
    this.estate = {
      ...estate,
      premises: (i) => {
        const t = performance.now();
        try {
          return estate.premises(i);
        } finally {
          this.#premisesMs += performance.now() - t;
        }
      },
    };
    this.procedure = new RecoveryProcedure({
      db,
      keys: estate.keys,
      crypto: o.crypto,
      estate: this.estate,
      timeline: o.timeline ?? new RegulatoryTimeline(),
      clockMs: () => params.asOf,
    });
    const existing = this.procedure.store.drill();
    if (existing && !same(existing.params, params))
      throw new GbcsError(
        'DRILL_MISMATCH',
        `the database holds another drill (${JSON.stringify(existing.params)}); use another --db or --resume`,
      );
  }

  /**
   * A new drill builds its own estate: a database that already holds devices or hubs (and no drill)
   * would mix them into the drill's counts (`smiStatusCounts`). As `ch simulate` refuses the same.
   * @throws GbcsError DB_NOT_EMPTY
   */
  static refuseForeignEstate(db: Db, path: string): void {
    const { n } = db
      .prepare('SELECT (SELECT count(*) FROM devices) + (SELECT count(*) FROM ch_hubs) AS n')
      .get() as { n: number };
    if (n > 0)
      throw new GbcsError(
        'DB_NOT_EMPTY',
        `${path} already holds ${n} devices or hubs the drill did not create: run the drill into a new --db`,
      );
  }

  /** The drill recorded in a database, or null. */
  static recorded(db: Db): { params: DrillParams; phase: string; summary: DrillSummary | null } | null {
    try {
      const d = new RecoveryStore(db).drill();
      return d
        ? {
            params: d.params as DrillParams,
            phase: d.phase,
            summary: (d.summary as DrillSummary | null) ?? null,
          }
        : null;
    } catch {
      return null;
    }
  }

  /** Methods offered at the drill's date, and the chosen one. @throws Refusal when none / not the asked one */
  chooseMethod(): { method: Method; availability: MethodAvailability[] } {
    const key = compromisedKeyOf(this.params.compromise);
    const availability = this.procedure.availability(key, this.params.asOf);
    const offered = availability.filter((a) => a.available).map((a) => a.method);
    const why = (a: MethodAvailability) =>
      a.available ? '' : `${methodLabel(a.method)}: ${a.reason}${a.citation ? ` (${a.citation})` : ''}`;
    if (this.params.method !== null) {
      const a = availability.find((x) => x.method === this.params.method)!;
      if (!a.available)
        throw new Refusal(
          a.code,
          `${why(a)}; offered on ${new Date(this.params.asOf).toISOString().slice(0, 10)}: ${offered.length ? offered.map(methodLabel).join(', ') : 'none'}`,
        );
      return { method: this.params.method, availability };
    }
    if (offered.length === 0)
      throw new Refusal(
        availability.flatMap((a) => (!a.available && a.code !== 'METHOD_NOT_OFFERED' ? [a.code] : []))[0] ??
          'METHOD_NOT_OFFERED',
        `no method is available for ${key.name} on ${new Date(this.params.asOf).toISOString().slice(0, 10)}: ${availability.map(why).join('; ')}`,
      );
    return { method: offered[0]!, availability };
  }

  /**
   * What can be refused before anything is written: no method available at the date (or not the
   * one asked), a key no device type holds, a date before the simulated DCC systems (SEC F6).
   * @throws Refusal
   */
  precheck(): { method: Method; availability: MethodAvailability[] } {
    const chosen = this.chooseMethod();
    const f6 = this.procedure.timeline.check(Provision.SECTION_F6, this.params.asOf, 'building the estate');
    if (!f6.ok)
      throw new Refusal(
        f6.code,
        `${f6.message}: the simulated DCC systems start when SEC F6–F9 take effect [assumption] (${f6.citation})`,
      );
    const key = compromisedKeyOf(this.params.compromise);
    if (key.kind === 'organisation') {
      const party = this.procedure.ring.eui(key.party);
      const held = (['CHF', 'GPF', 'ESME', 'GSME'] as EstateDeviceType[]).some((t) =>
        provisionedCells(this.estate.keys, t, keyIdOf).some(
          (c) => c.subjectEui === party && c.usage === key.usage && c.cell === key.cell,
        ),
      );
      if (!held)
        throw new Refusal(
          'KEY_NOT_HELD',
          `no device holds ${key.title} (${key.name})${key.party === 'wanProvider' && key.usage === 'ka' ? ': a CHF holds the WAN Provider’s digital-signing key only' : ''}`,
        );
    }
    return chosen;
  }

  /**
   * Phase 1 (resumable, idempotent): Key Custodians appointed; every device of the estate in the
   * Smart Metering Inventory, Commissioned, and its manufactured cells in the DCC register.
   */
  buildEstate(): NonNullable<ReturnType<RecoveryStore['drill']>> {
    const store = this.procedure.store;
    const inv = this.procedure.inventory;
    const at = this.params.asOf;
    let d = store.drill();
    const chunk = 250;
    for (
      let i = d?.nextPremises ?? 0;
      (d === null || d.phase === 'building') && i < this.params.premises;
      i += chunk
    ) {
      const end = Math.min(this.params.premises, i + chunk);
      transaction(this.db, () => {
        // The first chunk also records the drill and appoints the Key Custodians: all or nothing.
        if (i === 0)
          for (let k = 1; k <= 5; k++) this.procedure.appointKeyCustodian(`Key Custodian ${k}`, at);
        for (let p = i; p < end; p++) {
          const ids = estateIds(p);
          for (const type of ['CHF', 'GPF'] as const) {
            const id = type === 'CHF' ? ids.chf : ids.gpf;
            inv.commsHubDelivered(
              { deviceId: id, deviceType: type, manufacturer: 'DCC', model: 'CH drill' },
              at,
            );
            inv.apply(id, SmiEvent.CH_COMMISSIONED, at);
          }
          for (const type of ['ESME', 'GSME'] as const) {
            const id = type === 'ESME' ? ids.esme : ids.gsme;
            inv.preNotify(
              {
                deviceId: id,
                deviceType: type,
                manufacturer: 'GBCS-SIM',
                model: type === 'ESME' ? 'ESME drill' : 'GSME drill',
                importMpxn: `${type === 'ESME' ? 1 : 9}${String(p).padStart(12, '0')}`.slice(0, 13),
              },
              at,
            );
            inv.addToHanDeviceLog(
              id,
              type === 'GSME' ? { chf: ids.chf, gpf: ids.gpf } : { chf: ids.chf },
              at,
            );
            inv.join(id, at);
            inv.commission(id, at);
          }
          for (const [type, id] of [
            ['CHF', ids.chf],
            ['GPF', ids.gpf],
            ['ESME', ids.esme],
            ['GSME', ids.gsme],
          ] as const)
            store.setCells(id, provisionedCells(this.estate.keys, type, keyIdOf));
        }
        store.setDrill({
          params: this.params,
          phase: end === this.params.premises ? 'incident' : 'building',
          nextPremises: end,
          incidentId: null,
        });
      });
      d = store.drill()!;
    }
    return d!;
  }

  /** Runs (or resumes) the drill to its end. @throws Refusal when the procedure refuses a step */
  run(hooks: DrillHooks = {}): DrillSummary {
    const now = hooks.now ?? (() => performance.now());
    const t0 = now();
    const store = this.procedure.store;
    const phase = (o: Record<string, unknown>) => hooks.onPhase?.(o);
    let d = store.drill();
    if (d?.phase === 'done' && d.summary) return d.summary as DrillSummary;
    const { method, availability } = this.precheck();
    const at = this.params.asOf;
    const inv = this.procedure.inventory;
    // Phase 1: the estate in the inventory and the register, in chunks (resumable).
    const tInv = now();
    d = this.buildEstate();
    const inventorySeconds = (now() - tInv) / 1000;
    phase({
      phase: 'estate',
      premises: this.params.premises,
      devices: this.params.premises * 4,
      smiStatusCounts: inv.statusCounts(),
      methods: availability.map((a) =>
        a.available
          ? { method: a.method, available: true, case: a.option.case }
          : {
              method: a.method,
              available: false,
              code: a.code,
              reason: a.reason,
              ...(a.citation ? { citation: a.citation } : {}),
            },
      ),
      method,
    });
    // Phase 2: the incident.
    const tProc = now();
    const emit = (cs: IncidentChange[]) => {
      for (const c of cs) phase({ phase: 'incident', ...c, at: new Date(c.at).toISOString() });
    };
    let id = d.incidentId;
    if (id === null) {
      let changes: IncidentChange[] = [];
      transaction(this.db, () => {
        changes = this.procedure.report(this.params.compromise, at, 'recovery drill');
        id = changes[0]!.incidentId;
        store.setDrill({ phase: 'incident', nextPremises: this.params.premises, incidentId: id });
      });
      emit(changes);
    }
    const incidentId = id!;
    const p = this.procedure;
    const state = () => p.incident(incidentId).state;
    if (state() === IncidentState.REPORTED) emit(p.confirm(incidentId, at));
    if (state() === IncidentState.CONFIRMED) emit(p.decide(incidentId, method, at));
    if (state() === IncidentState.DECIDED) {
      const a = availability.find((x) => x.method === method);
      if (a?.available && a.option.usesRecoveryKeys)
        for (const c of p.store
          .custodians()
          .filter((n) => !p.store.approvals(incidentId).includes(n))
          .slice(0, Math.max(0, p.quorum - p.store.approvals(incidentId).length)))
          emit(p.approve(incidentId, c, at));
      emit(p.execute(incidentId, at));
    }
    const key = compromisedKeyOf(this.params.compromise);
    if (state() === IncidentState.EXECUTING) {
      const plan = p.incident(incidentId).plan as IncidentPlan;
      const probe = makeProbe(key, plan.before, p.dcc, at);
      const counts = p.runDevices(incidentId, at, {
        probe,
        check: true,
        ...(hooks.batchPremises ? { batchPremises: hooks.batchPremises } : {}),
        ...(hooks.onProgress ? { onBatch: hooks.onProgress } : {}),
      });
      phase({ phase: 'execute', incidentId, ...counts });
      emit(p.complete(incidentId, at));
    }
    if (state() === IncidentState.POST_RECOVERY) emit(p.close(incidentId, at));
    const procedureSeconds = (now() - tProc - this.#premisesMs) / 1000;
    const s = p.status(incidentId);
    const summary: DrillSummary = {
      premises: this.params.premises,
      compromise: this.params.compromise,
      method: s.incident.method ?? method,
      case: s.incident.recoveryCase,
      incident: incidentId,
      asOf: new Date(at).toISOString(),
      seed: this.params.seed,
      relevantDevices: s.devices.total,
      recovered: s.devices.recovered,
      failed: s.devices.failed,
      retried: s.devices.retried,
      acceptedCompromisedKeyAfterRecovery: s.devices.probesAccepted,
      probed: s.devices.probed,
      probe: probeDescription(key),
      halfReplaced: s.devices.halfReplaced,
      revoked: s.revocations.map((r) => r.serial),
      smiStatusCounts: inv.statusCounts(),
      wallSeconds: Math.round((now() - t0) / 10) / 100,
      timings: {
        inventorySeconds: Math.round(inventorySeconds * 100) / 100,
        premisesSeconds: Math.round(this.#premisesMs / 10) / 100,
        procedureSeconds: Math.round(procedureSeconds * 100) / 100,
      },
    };
    transaction(this.db, () =>
      store.setDrill({ phase: 'done', nextPremises: this.params.premises, incidentId, summary }),
    );
    return summary;
  }
}
