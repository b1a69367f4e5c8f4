/**
 * The SMKI Recovery Procedure as the DCC runs it (SEC Appendix L; reference §3): incidents through
 * the machine of machine.ts, Key Custodians, the Relevant Devices selected from the Smart Metering
 * Inventory and the DCC's register of the cells it placed, per-device execution of the method's
 * CS02b steps through real devices (retries, progress that survives a crash), SMI Status
 * Commissioned → Recovery → Recovered with the DCC alerts RecoveryComplete /
 * RecoveryCompleteACBCredentials, the notification and progress files, and the revocation of the
 * compromised certificates — each step gated by the regulatory timeline.
 *
 * Durability: every operation is a transaction of the DCC database. Device work runs in batches of
 * premises: one transaction reserves the Originator Counters and marks the batch's devices
 * in flight (SMI Recovery), the commands go to the devices (whose own state store makes each
 * command atomic and durable), a second transaction records the outcomes. After a crash a device
 * still marked in flight may or may not have executed its last command: the DCC sends it again with
 * the keys its register names and, if the device refuses them as no longer held, with the keys the
 * step would have left — every step is idempotent (it installs the same certificates again), so no
 * device is left half-replaced and the counts balance.
 */
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import { GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { Device } from '../device/device.ts';
import { Refusal } from '../inventory/errors.ts';
import { SmartMeteringInventory } from '../inventory/inventory.ts';
import { SmiStatus } from '../inventory/smi-status.ts';
import { SmkiRepository } from '../smki/repository.ts';
import type { TestKeys } from '../smki/test-pki.ts';
import { type AsOf, Provision, RegulatoryTimeline } from '../smki/timeline.ts';
import { type Db, transaction } from '../store/dcc-database.ts';
import { type DeviceProgress, type IncidentRecord, RecoveryStore } from '../store/recovery-store.ts';
import { CONTINGENCY_ORIGINATOR, CounterSource, Dcc, type StepSpec } from './dcc.ts';
import type { CellRecord, Estate, EstateDeviceType, EstatePremises } from './estate.ts';
import { notificationFile, progressFile, recoveryFileName } from './files.ts';
import { DccKeyRing, keyIdOf } from './key-ring.ts';
import {
  COMPROMISABLE_KEYS,
  type CompromisedKey,
  KEY_NAMES,
  type Method,
  type MethodAvailability,
  methodAvailability,
  ROLE_OF_PARTY,
} from './keys.ts';
import { IncidentEvent, IncidentState, incidentTransition } from './machine.ts';
import { compromisedSlot, type IncidentPlan, planIncident, stepsFor } from './plan.ts';

/** Key Custodian approvals needed to use the recovery keys [A: the quorum is not public]. */
export const DEFAULT_QUORUM = 3;
/** Commands per step before a device is given up as failed. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Refusals that mean "not the key I hold": after a lost response, try the keys the step leaves. */
const KEY_REFUSALS = new Set(['SIGNATURE_INVALID', 'MAC_INVALID', 'NO_TRUST_ANCHOR']);

export interface ProcedureOptions {
  db: Db;
  /** The estate's key set: whose keys the DCC plays (the estate's, when there is one). */
  keys: TestKeys;
  crypto: GbcsCrypto;
  timeline?: RegulatoryTimeline;
  /** The devices; null for an inventory without simulated devices (no execution). */
  estate?: Estate | null;
  quorum?: number;
  maxAttempts?: number;
  /** Base of the Originator Counters (ms; default the estate clock, else 0). */
  clockMs?: () => number;
}

/** One change a procedure operation made, for the CLI (JSON Lines). */
export interface IncidentChange {
  change: 'incident';
  incidentId: number;
  event: string;
  from: IncidentState | null;
  to: IncidentState;
  at: number;
  details?: Record<string, unknown>;
}

/** What the probe of a device found: `accepted`, `refused:<REASON>` or `n/a:<why>`. */
export type ProbeVerdict = string;

export interface RunHooks {
  /** Premises per batch (default 16). */
  batchPremises?: number;
  /** Runs the attack probe on a device its recovery has just finished; its verdict is recorded. */
  probe?: (ctx: {
    device: Device;
    deviceType: EstateDeviceType;
    premises: EstatePremises;
    cells: CellRecord[];
  }) => ProbeVerdict;
  /** Checks each device for a half-done replacement (reads the device: the simulator's oracle). */
  check?: boolean;
  /** After each batch (committed): devices done so far, and the total. */
  onBatch?: (done: number, total: number) => void;
}

/** Parses a `--compromise` name. @throws GbcsError BAD_VALUE (usage) for an unknown one */
export function compromisedKeyOf(name: string): CompromisedKey {
  const k = COMPROMISABLE_KEYS[name];
  if (!k) throw new GbcsError('BAD_VALUE', `unknown key ${name} (one of ${KEY_NAMES.join(', ')})`);
  return k;
}

export class RecoveryProcedure {
  readonly db: Db;
  readonly store: RecoveryStore;
  readonly inventory: SmartMeteringInventory;
  readonly timeline: RegulatoryTimeline;
  readonly ring: DccKeyRing;
  readonly dcc: Dcc;
  readonly estate: Estate | null;
  readonly quorum: number;
  readonly maxAttempts: number;

  constructor(o: ProcedureOptions) {
    this.db = o.db;
    this.store = new RecoveryStore(o.db);
    this.timeline = o.timeline ?? new RegulatoryTimeline();
    this.inventory = new SmartMeteringInventory(o.db, { timeline: this.timeline });
    this.ring = new DccKeyRing(o.keys, this.store.keyRing() ?? undefined);
    this.estate = o.estate ?? null;
    this.quorum = o.quorum ?? DEFAULT_QUORUM;
    this.maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const clockMs = o.clockMs ?? (this.estate ? () => this.estate!.clock.now() : () => 0);
    this.dcc = new Dcc({
      ring: this.ring,
      store: this.store,
      crypto: o.crypto,
      timeline: this.timeline,
      counters: new CounterSource(this.store, clockMs),
    });
  }

  // ------------------------------------------------------------------------------------------
  // Key Custodians and incidents

  /**
   * Appoints a Key Custodian: a preparatory arrangement of the Procedure's initial scope (Sections
   * 1, 2 and Paragraph 3.4, in force from 9 February 2016; the direction's ¶1 names the appointment
   * of Key Custodians as the reason for that date).
   * @throws Refusal NOT_IN_FORCE:RECOVERY_PROCEDURE_INITIAL before then; GbcsError BAD_VALUE for a bad name
   */
  appointKeyCustodian(name: string, at: number): void {
    if (!/^[\p{L}\p{N} ._'-]{1,64}$/u.test(name))
      throw new GbcsError(
        'BAD_VALUE',
        `Key Custodian name: 1–64 letters, digits, spaces or . _ ' - (got ${JSON.stringify(name)})`,
      );
    const c = this.timeline.check(
      Provision.RECOVERY_PROCEDURE_INITIAL,
      at,
      `appointing Key Custodian ${name}`,
    );
    if (!c.ok) throw new Refusal(c.code, `${c.message} (${c.citation})`);
    transaction(this.db, () => this.store.appointCustodian(name, at));
  }

  /** Which methods the procedure offers for `key` at `asOf`, and why not the others. */
  availability(key: CompromisedKey, asOf: AsOf): MethodAvailability[] {
    return methodAvailability(key, this.timeline, asOf);
  }

  /** Devices that hold `key` now (SMI Commissioned or Recovered, per the register). */
  relevantDevices(key: CompromisedKey): Array<{ deviceId: Eui64; deviceType: string }> {
    const plan = planIncident(key, '1', this.ring);
    return this.store.devicesHolding(plan.relevance.keyIds, plan.relevance.roles, [
      SmiStatus.COMMISSIONED,
      SmiStatus.RECOVERED,
    ]);
  }

  /**
   * A Party or the DCC reports a suspected compromise of `keyName`: a new incident, Reported.
   * @throws GbcsError BAD_VALUE (unknown key); Refusal NOT_IN_FORCE:RECOVERY_PROCEDURE_FULL (before
   *   SEC L3), KEY_NOT_HELD (no Commissioned device holds it), INCIDENT_OPEN (one is open for it)
   */
  report(keyName: string, at: number, evidence: string | null = null): IncidentChange[] {
    const key = compromisedKeyOf(keyName);
    return transaction(this.db, () => {
      const c = this.timeline.check(
        Provision.RECOVERY_PROCEDURE_FULL,
        at,
        `reporting a compromise of ${key.name}`,
      );
      if (!c.ok) throw new Refusal(c.code, `${c.message} (${c.citation})`);
      const open = this.store
        .incidents()
        .find((i) => i.compromisedKey === key.name && i.state !== IncidentState.CLOSED);
      if (open)
        throw new Refusal(
          'INCIDENT_OPEN',
          `incident ${open.incidentId} for ${key.name} is open (${open.state})`,
        );
      if (this.relevantDevices(key).length === 0)
        throw new Refusal(
          'KEY_NOT_HELD',
          `no Commissioned device holds ${key.title} (${key.name})${key.kind === 'organisation' && key.party === 'wanProvider' && key.usage === 'ka' ? ': a CHF holds the WAN Provider’s digital-signing key only' : ''}`,
        );
      const id = this.store.createIncident(key.name, evidence, at, IncidentState.REPORTED);
      this.store.addEvent(id, at, 'report', null, IncidentState.REPORTED, { key: key.name });
      return [
        {
          change: 'incident',
          incidentId: id,
          event: 'report',
          from: null,
          to: IncidentState.REPORTED,
          at,
          details: { key: key.name },
        },
      ];
    });
  }

  /** The incident. @throws Refusal UNKNOWN_INCIDENT */
  incident(id: number): IncidentRecord {
    const i = this.store.incident(id);
    if (!i) throw new Refusal('UNKNOWN_INCIDENT', `no recovery incident ${id}`);
    return i;
  }

  confirm(id: number, at: number): IncidentChange[] {
    return this.#transition(id, IncidentEvent.CONFIRM, at, {});
  }
  reject(id: number, at: number): IncidentChange[] {
    return this.#transition(id, IncidentEvent.REJECT, at, {});
  }
  /** The SMKI PMA decides the method. Refused with the reason (and the direction's words) when not available. */
  decide(id: number, method: Method, at: number): IncidentChange[] {
    return this.#transition(id, IncidentEvent.DECIDE, at, { method });
  }
  approve(id: number, custodian: string, at: number): IncidentChange[] {
    return this.#transition(id, IncidentEvent.APPROVE, at, { custodian });
  }
  /** Execution starts: the plan is fixed, the new key generations take effect, the Relevant Devices are selected. */
  execute(id: number, at: number): IncidentChange[] {
    return this.#transition(id, IncidentEvent.EXECUTE, at, {});
  }
  /** Post-recovery: every Relevant Device recovered or failed; the compromised certificates are revoked. */
  complete(id: number, at: number): IncidentChange[] {
    return this.#transition(id, IncidentEvent.COMPLETE, at, {});
  }
  close(id: number, at: number): IncidentChange[] {
    return this.#transition(id, IncidentEvent.CLOSE, at, {});
  }

  #transition(
    id: number,
    event: IncidentEvent,
    at: number,
    params: { method?: Method; custodian?: string },
  ): IncidentChange[] {
    return transaction(this.db, () => {
      const i = this.incident(id);
      const key = compromisedKeyOf(i.compromisedKey);
      const last = this.store.lastEventAt(id);
      if (last !== null && at < last)
        throw new Refusal(
          'OUT_OF_ORDER',
          `${event} at ${new Date(at).toISOString()} is earlier than the incident's last event`,
        );
      const counts = this.store.progressCounts(id);
      const procedure = this.timeline.check(
        Provision.RECOVERY_PROCEDURE_FULL,
        at,
        `the Recovery Procedure step "${event}"`,
      );
      const availability = this.availability(key, at);
      const method = params.method ?? i.method;
      const outcome = incidentTransition(i.state, event, {
        at,
        method,
        availability,
        ...(params.custodian !== undefined ? { custodian: params.custodian } : {}),
        custodians: this.store.custodians(),
        approvals: this.store.approvals(id),
        quorum: this.quorum,
        devicesOutstanding: counts.pending + counts.inFlight,
        procedure: procedure.ok
          ? procedure
          : { ok: false, code: procedure.code, message: procedure.message, citation: procedure.citation },
      });
      if (!outcome.ok)
        throw new Refusal(
          outcome.code,
          outcome.citation ? `${outcome.message} (${outcome.citation})` : outcome.message,
        );
      const details: Record<string, unknown> = {};
      const fields: Parameters<RecoveryStore['updateIncident']>[1] = { state: outcome.to, at };
      if (outcome.rule.outcome) fields.outcome = outcome.rule.outcome;
      if (event === IncidentEvent.DECIDE) {
        const a = availability.find((x) => x.method === method);
        fields.method = method;
        fields.recoveryCase = a?.available ? a.option.case : null;
        details.method = method;
        details.case = fields.recoveryCase;
      }
      if (event === IncidentEvent.APPROVE) {
        this.store.approve(id, params.custodian!, at);
        details.custodian = params.custodian;
        details.approvals = this.store.approvals(id).length;
        details.quorum = this.quorum;
      }
      for (const effect of outcome.rule.effects) {
        if (effect === 'selectRelevantDevices') {
          const plan = planIncident(key, method!, this.ring);
          this.ring.state.caGeneration = plan.after.caGeneration;
          Object.assign(this.ring.state.slots, plan.after.slots);
          this.store.setKeyRing(this.ring.snapshot());
          fields.plan = plan;
          const devices = this.store.devicesHolding(plan.relevance.keyIds, plan.relevance.roles, [
            SmiStatus.COMMISSIONED,
            SmiStatus.RECOVERED,
          ]);
          for (const d of devices)
            this.store.addDevice(
              id,
              { ...d, premises: this.estate?.deviceOf(d.deviceId)?.premises ?? null },
              at,
            );
          details.relevantDevices = devices.length;
        }
        if (effect === 'revoke') {
          const plan = i.plan as IncidentPlan;
          for (const r of plan.revoke) this.store.revoke(r.serial, id, at, 'keyCompromise', r.subject);
          details.revoked = plan.revoke.map((r) => r.serial);
        }
      }
      this.store.updateIncident(id, fields);
      this.store.addEvent(
        id,
        at,
        event,
        outcome.from,
        outcome.to,
        Object.keys(details).length ? details : undefined,
      );
      this.#writeFiles(id, event, at);
      return [
        {
          change: 'incident',
          incidentId: id,
          event,
          from: outcome.from,
          to: outcome.to,
          at,
          ...(Object.keys(details).length ? { details } : {}),
        },
      ];
    });
  }

  /** The notification file at confirmation, a progress file at execution, completion and closure. */
  #writeFiles(id: number, event: IncidentEvent, at: number): void {
    const i = this.incident(id);
    const key = compromisedKeyOf(i.compromisedKey);
    const org = key.kind === 'organisation';
    if (event === IncidentEvent.CONFIRM)
      this.store.putFile(
        id,
        recoveryFileName('notification', org, id),
        at,
        notificationFile(i, org, key.title, at),
      );
    const n = { [IncidentEvent.EXECUTE]: 0, [IncidentEvent.COMPLETE]: 1, [IncidentEvent.CLOSE]: 2 }[
      event as string
    ];
    if (n !== undefined) {
      const revoked = n > 0 ? this.store.revocations(id).map((r) => r.serial) : null;
      this.store.putFile(
        id,
        recoveryFileName('progress', org, id, n),
        at,
        progressFile(i, org, this.store.allProgress(id), at, revoked),
      );
    }
  }

  // ------------------------------------------------------------------------------------------
  // Execution

  /**
   * Recovers the outstanding Relevant Devices of an Executing incident, batch by batch of premises
   * (resuming where a crash left off). Returns the progress counts.
   * @throws Refusal ILLEGAL_TRANSITION (not Executing), NO_ESTATE (no devices to talk to)
   */
  runDevices(id: number, at: number, hooks: RunHooks = {}): ReturnType<RecoveryStore['progressCounts']> {
    const i = this.incident(id);
    if (i.state !== IncidentState.EXECUTING)
      throw new Refusal('ILLEGAL_TRANSITION', `incident ${id} is ${i.state}, not Executing`);
    const estate = this.estate;
    if (!estate)
      throw new Refusal('NO_ESTATE', 'this database has no simulated estate: its devices cannot be reached');
    const plan = i.plan as IncidentPlan;
    const key = compromisedKeyOf(plan.key);
    const batchSize = hooks.batchPremises ?? 16;
    const total = this.store.progressCounts(id).total;
    const originators = [
      ...(['recovery', 'supplier', 'networkOperator', 'acb', 'transCoS', 'wanProvider'] as const).map((p) =>
        this.ring.eui(p),
      ),
      CONTINGENCY_ORIGINATOR,
    ];
    let from = 0;
    for (;;) {
      const batch = this.store.premisesToVisit(id, from, batchSize, hooks.probe !== undefined);
      if (batch.length === 0) break;
      const uncertain = new Set<Eui64>();
      let devices = 0;
      transaction(this.db, () => {
        for (const p of batch)
          for (const d of this.store.devicesOfPremises(id, p)) {
            devices++;
            if (d.status === 'inFlight') uncertain.add(d.deviceId);
            if (d.status !== 'pending') continue;
            if (plan.smi) {
              const s = this.inventory.get(d.deviceId)?.status;
              if (s === SmiStatus.COMMISSIONED || s === SmiStatus.RECOVERED)
                this.inventory.startRecovery(d.deviceId, at);
            }
            this.store.setProgress(id, { ...d, status: 'inFlight', updatedAt: at });
          }
        this.dcc.counters.reserve(originators, devices * (2 * (this.maxAttempts + 1) + 4) + 8);
      });
      const results: Array<{
        progress: DeviceProgress;
        cells: CellRecord[] | null;
        complete: { acbCells: string[] | null } | null;
      }> = [];
      for (const p of batch) {
        const premises = estate.premises(p);
        for (const d of this.store.devicesOfPremises(id, p)) {
          const device = premises.devices.get(d.deviceId);
          if (!device) throw new GbcsError('MISUSE', `device ${d.deviceId} is not on premises ${p}`);
          const type = d.deviceType as EstateDeviceType;
          let progress = { ...d };
          let cells: CellRecord[] | null = null;
          let complete: { acbCells: string[] | null } | null = null;
          if (d.status === 'pending' || d.status === 'inFlight') {
            const r = this.#runDevice(
              plan,
              key,
              progress,
              type,
              device,
              premises,
              at,
              uncertain.has(d.deviceId),
              hooks.check === true,
            );
            progress = r.progress;
            cells = r.cells;
            if (progress.status === 'recovered' && plan.smi) complete = { acbCells: r.acbCells };
          }
          if (hooks.probe && progress.status === 'recovered' && progress.probe === null)
            progress.probe = hooks.probe({
              device,
              deviceType: type,
              premises,
              cells: cells ?? this.store.cells(d.deviceId),
            });
          results.push({ progress, cells, complete });
        }
      }
      transaction(this.db, () => {
        for (const r of results) {
          this.store.setProgress(id, r.progress);
          if (r.cells) this.store.setCells(r.progress.deviceId, r.cells);
          if (r.complete && this.inventory.get(r.progress.deviceId)?.status === SmiStatus.RECOVERY)
            this.inventory.completeRecovery(r.progress.deviceId, at, {
              acbCredentials: r.complete.acbCells !== null,
              ...(r.complete.acbCells ? { acbCells: r.complete.acbCells } : {}),
            });
        }
      });
      const c = this.store.progressCounts(id);
      hooks.onBatch?.(c.recovered + c.failed, total);
      from = batch.at(-1)! + 1;
    }
    return this.store.progressCounts(id);
  }

  /** Runs a device's remaining steps. */
  #runDevice(
    plan: IncidentPlan,
    key: CompromisedKey,
    start: DeviceProgress,
    type: EstateDeviceType,
    device: Device,
    premises: EstatePremises,
    at: number,
    uncertainAtStart: boolean,
    check: boolean,
  ): { progress: DeviceProgress; cells: CellRecord[]; acbCells: string[] | null } {
    const progress: DeviceProgress = { ...start, status: 'inFlight', updatedAt: at };
    let cells = this.store.cells(device.eui);
    const steps = stepsFor(plan, key, type, cells, this.ring);
    const acbCells = steps.find((s) => s.acbCells)?.acbCells ?? null;
    let unsure = uncertainAtStart;
    while (progress.step < steps.length) {
      const step = steps[progress.step]!;
      const r = this.#runStep(step, device, premises, cells, at, unsure);
      progress.attempts += r.attempts;
      cells = r.cells;
      if (!r.ok) {
        progress.status = 'failed';
        progress.lastReason = r.reason;
        break;
      }
      progress.lastReason = r.reason;
      progress.step++;
      unsure = false;
    }
    if (progress.step === steps.length) progress.status = 'recovered';
    if (check) progress.halfReplaced = halfReplaced(device, steps, cells);
    return { progress, cells, acbCells };
  }

  /** One step with retries. `unsure`: the device may have executed it already (a lost response). */
  #runStep(
    step: StepSpec,
    device: Device,
    premises: EstatePremises,
    start: CellRecord[],
    at: number,
    unsure: boolean,
  ): { ok: boolean; attempts: number; cells: CellRecord[]; reason: string | null } {
    let cells = start;
    let attempts = 0;
    let reason: string | null = null;
    let triedExpected = false;
    while (attempts < this.maxAttempts) {
      attempts++;
      let bytes: Uint8Array;
      try {
        bytes = this.dcc.build(step, device, cells, at);
      } catch (e) {
        if (e instanceof Refusal) return { ok: false, attempts, cells, reason: e.code };
        throw e;
      }
      const r = this.dcc.send(premises, device, bytes);
      if (r.delivered && r.accepted) {
        cells = this.dcc.cellsAfter(cells, r.outcomes);
        const refused = r.outcomes.filter((o) => o.statusCode !== 0);
        const expected = step.placements.length + (step.rootCaGeneration === undefined ? 0 : 1);
        if (refused.length === 0 && r.outcomes.length === expected)
          return { ok: true, attempts, cells, reason: null };
        reason = `REPLACEMENT_REFUSED:${r.outcomes.map((o) => o.statusCode).join('/')}`;
        unsure = false;
        continue;
      }
      reason = r.reason;
      if (!r.delivered) {
        unsure = true; // it may have executed: its response was lost
        continue;
      }
      if (unsure && !triedExpected && KEY_REFUSALS.has(r.reason)) {
        // It executed before its response was lost: it holds the keys the step leaves.
        triedExpected = true;
        cells = this.dcc.expectedCells(cells, step);
        attempts--;
        continue;
      }
      if (triedExpected) {
        cells = start;
        triedExpected = false;
      }
    }
    return { ok: false, attempts, cells, reason };
  }

  // ------------------------------------------------------------------------------------------
  // Reading

  /**
   * The SMKI Repository as the DCC's records make it (sim/smki/repository.ts): the Root and Issuing
   * OCA certificates of every CA generation used and the estate parties' Organisation Certificates
   * (In use), with the revocations of every incident applied (status R, reason, date).
   */
  repository(): SmkiRepository {
    const repo = new SmkiRepository();
    const issuedAt = this.ring.keys.pki().notBefore;
    const add = (der: Uint8Array) => {
      try {
        repo.add(der, { issuedAt });
      } catch (e) {
        if (!(e instanceof GbcsError) || e.code !== 'SMKI_DUPLICATE_SERIAL') throw e;
      }
    };
    for (let g = 0; g <= this.ring.state.caGeneration; g++) {
      add(this.ring.ca(g).root.certificate);
      add(this.ring.ca(g).issuing.certificate);
    }
    for (const o of this.ring.keys.pki().organisations) add(o.certificate);
    // The certificates each incident issued for the renewed key.
    for (const i of this.store.incidents()) {
      const plan = i.plan as IncidentPlan | null;
      const key = COMPROMISABLE_KEYS[i.compromisedKey];
      const slot = plan && key ? compromisedSlot(key, this.ring) : null;
      if (!plan || !key || !slot) continue;
      const role = key.kind === 'organisation' ? ROLE_OF_PARTY[key.party] : 1;
      const gen =
        plan.after.slots[
          `${this.ring.keySlot(slot).eui}/${this.ring.keySlot(slot).usage}/${this.ring.keySlot(slot).cell}`
        ] ?? 0;
      add(this.ring.certificate(role, slot, gen, plan.after.caGeneration));
    }
    for (const r of this.store.revocations())
      if (repo.has(r.serial)) repo.setStatus(r.serial, 'R', r.at, r.reason);
    return repo;
  }

  /** An incident with its events, method availability, counts and revocations. */
  status(id: number, at?: number) {
    const i = this.incident(id);
    const key = compromisedKeyOf(i.compromisedKey);
    return {
      incident: i,
      key,
      events: this.store.events(id),
      approvals: this.store.approvals(id),
      custodians: this.store.custodians(),
      quorum: this.quorum,
      devices: this.store.progressCounts(id),
      revocations: this.store.revocations(id),
      availability: this.availability(key, at ?? i.stateSince),
      files: this.store
        .files(id)
        .map((f) => ({ name: f.name, at: f.at, bytes: Buffer.byteLength(f.content) })),
    };
  }

  /** Ids of every incident, oldest first. */
  incidents(): IncidentRecord[] {
    return this.store.incidents();
  }
}

/**
 * Whether some, but not all, of the cells `steps` target hold the register's final keys on the
 * device (read from the device itself: the simulator's oracle, not a DCC capability).
 */
export function halfReplaced(
  device: Device,
  steps: readonly StepSpec[],
  cells: readonly CellRecord[],
): boolean {
  const targets = new Set<string>();
  for (const s of steps) {
    if (s.rootCaGeneration !== undefined) targets.add('0/ds/management');
    for (const p of s.placements)
      targets.add(`${p.cell.role}/${p.cell.keyUsage === 'ka' ? 'ka' : 'ds'}/${p.cell.cellUsage}`);
  }
  let match = 0;
  for (const t of targets) {
    const [role, usage, cell] = t.split('/');
    const want = cells.find((c) => `${c.role}/${c.usage}/${c.cell}` === t)?.keyId;
    const held = device.credentials.trustAnchors.find(
      (a) => String(a.role) === role && a.usage === usage && a.cell === cell,
    );
    if (held && want && keyIdOf(held.publicKey) === want) match++;
  }
  return match > 0 && match < targets.size;
}
