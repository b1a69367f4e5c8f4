/**
 * The SMKI Recovery's records in the DCC database file (migration 3 of sim/inventory/migrations.ts,
 * beside the Smart Metering Inventory): incidents and their event history, Key Custodians and their
 * approvals, per-device progress, the DCC's register of the cells it placed on each device, the
 * key ring's generations, the Originator Counters reserved per Remote Party, revocations, the
 * notification and progress files, and the state of a drill. Plain SQL, no rules: sim/recovery/procedure.ts
 * decides, this file reads and writes. Every write runs inside the caller's transaction.
 */
import type { Eui64 } from '../../protocol/types.ts';
import type { CellRecord } from '../recovery/estate.ts';
import type { KeyRingState } from '../recovery/key-ring.ts';
import type { Method, RecoveryCase } from '../recovery/keys.ts';
import type { IncidentState } from '../recovery/machine.ts';
import type { Db } from './dcc-database.ts';

export interface IncidentRecord {
  incidentId: number;
  compromisedKey: string;
  evidence: string | null;
  state: IncidentState;
  outcome: 'NoCompromise' | 'Recovered' | null;
  method: Method | null;
  recoveryCase: RecoveryCase | null;
  reportedAt: number;
  stateSince: number;
  /** The execution plan (JSON of procedure.ts `IncidentPlan`), set when execution starts. */
  plan: unknown;
}

export interface IncidentEventRecord {
  seq: number;
  at: number;
  event: string;
  from: IncidentState | null;
  to: IncidentState;
  details: Record<string, unknown> | null;
}

export type DeviceProgressStatus = 'pending' | 'inFlight' | 'recovered' | 'failed';

export interface DeviceProgress {
  deviceId: Eui64;
  deviceType: string;
  premises: number | null;
  /** Index of the next step of the device's plan. */
  step: number;
  status: DeviceProgressStatus;
  attempts: number;
  lastReason: string | null;
  /** The attack probe's verdict after recovery (`accepted` or `refused:<REASON>`), when run. */
  probe: string | null;
  /** Whether the cells the plan targets hold a mix of old and new keys (checked on the device). */
  halfReplaced: boolean | null;
  updatedAt: number;
}

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const parse = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

interface IncidentRow {
  incident_id: number;
  compromised_key: string;
  evidence: string | null;
  state: string;
  outcome: string | null;
  method: string | null;
  recovery_case: string | null;
  reported_at: number;
  state_since: number;
  plan: string | null;
}

const incidentOf = (r: IncidentRow): IncidentRecord => ({
  incidentId: r.incident_id,
  compromisedKey: r.compromised_key,
  evidence: r.evidence,
  state: r.state as IncidentState,
  outcome: r.outcome as IncidentRecord['outcome'],
  method: r.method as Method | null,
  recoveryCase: r.recovery_case as RecoveryCase | null,
  reportedAt: r.reported_at,
  stateSince: r.state_since,
  plan: parse(r.plan),
});

interface ProgressRow {
  device_id: string;
  device_type: string;
  premises: number | null;
  step: number;
  status: string;
  attempts: number;
  last_reason: string | null;
  probe: string | null;
  half_replaced: number | null;
  updated_at: number;
}

const progressOf = (r: ProgressRow): DeviceProgress => ({
  deviceId: r.device_id,
  deviceType: r.device_type,
  premises: r.premises,
  step: r.step,
  status: r.status as DeviceProgressStatus,
  attempts: r.attempts,
  lastReason: r.last_reason,
  probe: r.probe,
  halfReplaced: r.half_replaced === null ? null : r.half_replaced === 1,
  updatedAt: r.updated_at,
});

export class RecoveryStore {
  readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  // ------------------------------------------------------------------------------------------
  // Incidents

  createIncident(key: string, evidence: string | null, at: number, state: IncidentState): number {
    const r = this.db
      .prepare(
        'INSERT INTO recovery_incidents (compromised_key, evidence, state, reported_at, state_since) VALUES (?, ?, ?, ?, ?)',
      )
      .run(key, evidence, state, at, at);
    return Number(r.lastInsertRowid);
  }

  incident(id: number): IncidentRecord | null {
    const r = this.db
      .prepare<[number], IncidentRow>('SELECT * FROM recovery_incidents WHERE incident_id = ?')
      .get(id);
    return r ? incidentOf(r) : null;
  }

  incidents(): IncidentRecord[] {
    return this.db
      .prepare<[], IncidentRow>('SELECT * FROM recovery_incidents ORDER BY incident_id')
      .all()
      .map(incidentOf);
  }

  updateIncident(
    id: number,
    f: {
      state: IncidentState;
      at: number;
      outcome?: string | null;
      method?: string | null;
      recoveryCase?: string | null;
      plan?: unknown;
    },
  ): void {
    const cur = this.incident(id)!;
    this.db
      .prepare(
        'UPDATE recovery_incidents SET state = ?, state_since = ?, outcome = ?, method = ?, recovery_case = ?, plan = ? WHERE incident_id = ?',
      )
      .run(
        f.state,
        f.state === cur.state ? cur.stateSince : f.at,
        f.outcome === undefined ? cur.outcome : f.outcome,
        f.method === undefined ? cur.method : f.method,
        f.recoveryCase === undefined ? cur.recoveryCase : f.recoveryCase,
        f.plan === undefined ? json(cur.plan) : json(f.plan),
        id,
      );
  }

  addEvent(
    id: number,
    at: number,
    event: string,
    from: IncidentState | null,
    to: IncidentState,
    details?: Record<string, unknown>,
  ): void {
    this.db
      .prepare(
        'INSERT INTO recovery_events (incident_id, at, event, from_state, to_state, details) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(id, at, event, from, to, json(details));
  }

  events(id: number): IncidentEventRecord[] {
    return this.db
      .prepare<
        [number],
        {
          seq: number;
          at: number;
          event: string;
          from_state: string | null;
          to_state: string;
          details: string | null;
        }
      >(
        'SELECT seq, at, event, from_state, to_state, details FROM recovery_events WHERE incident_id = ? ORDER BY seq',
      )
      .all(id)
      .map((r) => ({
        seq: r.seq,
        at: r.at,
        event: r.event,
        from: r.from_state as IncidentState | null,
        to: r.to_state as IncidentState,
        details: parse(r.details),
      }));
  }

  lastEventAt(id: number): number | null {
    const r = this.db
      .prepare<[number], { at: number }>('SELECT max(at) AS at FROM recovery_events WHERE incident_id = ?')
      .get(id);
    return r?.at ?? null;
  }

  // ------------------------------------------------------------------------------------------
  // Key Custodians

  custodians(): string[] {
    return this.db
      .prepare<[], { name: string }>('SELECT name FROM recovery_key_custodians ORDER BY name')
      .all()
      .map((r) => r.name);
  }

  appointCustodian(name: string, at: number): void {
    this.db
      .prepare('INSERT OR IGNORE INTO recovery_key_custodians (name, appointed_at) VALUES (?, ?)')
      .run(name, at);
  }

  approvals(id: number): string[] {
    return this.db
      .prepare<[number], { custodian: string }>(
        'SELECT custodian FROM recovery_approvals WHERE incident_id = ? ORDER BY at, custodian',
      )
      .all(id)
      .map((r) => r.custodian);
  }

  approve(id: number, custodian: string, at: number): void {
    this.db
      .prepare('INSERT INTO recovery_approvals (incident_id, custodian, at) VALUES (?, ?, ?)')
      .run(id, custodian, at);
  }

  // ------------------------------------------------------------------------------------------
  // Per-device progress

  addDevice(
    id: number,
    d: { deviceId: Eui64; deviceType: string; premises: number | null },
    at: number,
  ): void {
    this.db
      .prepare(
        "INSERT INTO recovery_devices (incident_id, device_id, device_type, premises, status, updated_at) VALUES (?, ?, ?, ?, 'pending', ?)",
      )
      .run(id, d.deviceId, d.deviceType, d.premises, at);
  }

  progress(id: number, deviceId: Eui64): DeviceProgress | null {
    const r = this.db
      .prepare<[number, string], ProgressRow>(
        'SELECT * FROM recovery_devices WHERE incident_id = ? AND device_id = ?',
      )
      .get(id, deviceId);
    return r ? progressOf(r) : null;
  }

  setProgress(id: number, p: DeviceProgress): void {
    this.db
      .prepare(
        `UPDATE recovery_devices SET step = ?, status = ?, attempts = ?, last_reason = ?, probe = ?, half_replaced = ?, updated_at = ?
         WHERE incident_id = ? AND device_id = ?`,
      )
      .run(
        p.step,
        p.status,
        p.attempts,
        p.lastReason,
        p.probe,
        p.halfReplaced === null ? null : p.halfReplaced ? 1 : 0,
        p.updatedAt,
        id,
        p.deviceId,
      );
  }

  /** Devices of the incident not yet recovered or failed, in premises order. */
  outstanding(id: number, limit = -1): DeviceProgress[] {
    return this.db
      .prepare<[number, number], ProgressRow>(
        "SELECT * FROM recovery_devices WHERE incident_id = ? AND status IN ('pending','inFlight') ORDER BY premises, device_id LIMIT ?",
      )
      .all(id, limit)
      .map(progressOf);
  }

  /** Devices of the incident on the given premises. */
  devicesOfPremises(id: number, premises: number): DeviceProgress[] {
    return this.db
      .prepare<[number, number], ProgressRow>(
        'SELECT * FROM recovery_devices WHERE incident_id = ? AND premises = ? ORDER BY device_id',
      )
      .all(id, premises)
      .map(progressOf);
  }

  /** Premises indices (ascending) holding devices of the incident that are not done, or whose probe is not recorded. */
  premisesToVisit(id: number, fromPremises: number, limit: number, withProbe: boolean): number[] {
    const cond = withProbe
      ? "(status IN ('pending','inFlight') OR (status = 'recovered' AND probe IS NULL))"
      : "status IN ('pending','inFlight')";
    return this.db
      .prepare<[number, number, number], { premises: number }>(
        `SELECT DISTINCT premises FROM recovery_devices WHERE incident_id = ? AND premises >= ? AND ${cond} ORDER BY premises LIMIT ?`,
      )
      .all(id, fromPremises, limit)
      .map((r) => r.premises);
  }

  allProgress(id: number): DeviceProgress[] {
    return this.db
      .prepare<[number], ProgressRow>(
        'SELECT * FROM recovery_devices WHERE incident_id = ? ORDER BY premises, device_id',
      )
      .all(id)
      .map(progressOf);
  }

  progressCounts(id: number): Record<DeviceProgressStatus, number> & {
    total: number;
    probesAccepted: number;
    probed: number;
    halfReplaced: number;
    retried: number;
  } {
    const r = this.db
      .prepare<
        [number],
        {
          total: number;
          pending: number;
          inFlight: number;
          recovered: number;
          failed: number;
          probesAccepted: number;
          probed: number;
          halfReplaced: number;
          retried: number;
        }
      >(
        `SELECT count(*) AS total,
           sum(status = 'pending') AS pending, sum(status = 'inFlight') AS inFlight,
           sum(status = 'recovered') AS recovered, sum(status = 'failed') AS failed,
           sum(probe = 'accepted') AS probesAccepted, sum(probe IS NOT NULL) AS probed,
           sum(half_replaced = 1) AS halfReplaced, sum(attempts > step) AS retried
         FROM recovery_devices WHERE incident_id = ?`,
      )
      .get(id)!;
    return {
      total: r.total,
      pending: r.pending ?? 0,
      inFlight: r.inFlight ?? 0,
      recovered: r.recovered ?? 0,
      failed: r.failed ?? 0,
      probesAccepted: r.probesAccepted ?? 0,
      probed: r.probed ?? 0,
      halfReplaced: r.halfReplaced ?? 0,
      retried: r.retried ?? 0,
    };
  }

  // ------------------------------------------------------------------------------------------
  // The DCC register of device cells

  setCells(deviceId: Eui64, cells: readonly CellRecord[]): void {
    const st = this.db.prepare(
      `INSERT INTO dcc_device_cells (device_id, role, usage, cell, subject_eui, key_id) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id, role, usage, cell) DO UPDATE SET subject_eui = excluded.subject_eui, key_id = excluded.key_id`,
    );
    for (const c of cells) st.run(deviceId, c.role, c.usage, c.cell, c.subjectEui, c.keyId);
  }

  cells(deviceId: Eui64): CellRecord[] {
    return this.db
      .prepare<
        [string],
        {
          role: number;
          usage: 'ds' | 'ka';
          cell: 'management' | 'prepayment';
          subject_eui: string;
          key_id: string;
        }
      >(
        'SELECT role, usage, cell, subject_eui, key_id FROM dcc_device_cells WHERE device_id = ? ORDER BY role, usage, cell',
      )
      .all(deviceId)
      .map((r) => ({
        role: r.role,
        usage: r.usage,
        cell: r.cell,
        subjectEui: r.subject_eui,
        keyId: r.key_id,
      }));
  }

  /**
   * Devices with a cell of one of `roles` holding one of `keyIds` whose SMI Status is one of
   * `statuses` (the Relevant Device rule), with their type, in EUI order.
   */
  devicesHolding(
    keyIds: readonly string[],
    roles: readonly number[],
    statuses: readonly string[],
  ): Array<{ deviceId: Eui64; deviceType: string }> {
    const q = (n: number) => Array(n).fill('?').join(',');
    return this.db
      .prepare(
        `SELECT DISTINCT d.device_id AS deviceId, d.device_type AS deviceType
         FROM dcc_device_cells c JOIN devices d ON d.device_id = c.device_id
         WHERE c.key_id IN (${q(keyIds.length)}) AND c.role IN (${q(roles.length)}) AND d.smi_status IN (${q(statuses.length)})
         ORDER BY d.device_id`,
      )
      .all(...keyIds, ...roles, ...statuses) as Array<{ deviceId: Eui64; deviceType: string }>;
  }

  // ------------------------------------------------------------------------------------------
  // Key ring, counters, revocations, files

  keyRing(): KeyRingState | null {
    const r = this.db.prepare<[], { state: string }>('SELECT state FROM dcc_key_ring WHERE id = 1').get();
    return r ? (JSON.parse(r.state) as KeyRingState) : null;
  }

  setKeyRing(s: KeyRingState): void {
    this.db
      .prepare(
        'INSERT INTO dcc_key_ring (id, state) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state',
      )
      .run(JSON.stringify(s));
  }

  counter(originator: Eui64): bigint {
    const r = this.db
      .prepare<[string], { reserved: string }>('SELECT reserved FROM dcc_counters WHERE originator = ?')
      .get(originator);
    return r ? BigInt(r.reserved) : 0n;
  }

  setCounter(originator: Eui64, reserved: bigint): void {
    this.db
      .prepare(
        'INSERT INTO dcc_counters (originator, reserved) VALUES (?, ?) ON CONFLICT (originator) DO UPDATE SET reserved = excluded.reserved',
      )
      .run(originator, reserved.toString());
  }

  revoke(serial: string, incidentId: number, at: number, reason: string, subject: string): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO smki_revocations (serial, incident_id, at, reason, subject) VALUES (?, ?, ?, ?, ?)',
      )
      .run(serial, incidentId, at, reason, subject);
  }

  revocations(
    incidentId?: number,
  ): Array<{ serial: string; incidentId: number | null; at: number; reason: string; subject: string }> {
    return this.db
      .prepare<
        [{ id: number | null }],
        { serial: string; incident_id: number | null; at: number; reason: string; subject: string }
      >('SELECT * FROM smki_revocations WHERE (@id IS NULL OR incident_id = @id) ORDER BY at, serial')
      .all({ id: incidentId ?? null })
      .map((r) => ({
        serial: r.serial,
        incidentId: r.incident_id,
        at: r.at,
        reason: r.reason,
        subject: r.subject,
      }));
  }

  putFile(id: number, name: string, at: number, content: string): void {
    this.db
      .prepare(
        'INSERT INTO recovery_files (incident_id, name, at, content) VALUES (?, ?, ?, ?) ON CONFLICT (incident_id, name) DO UPDATE SET at = excluded.at, content = excluded.content',
      )
      .run(id, name, at, content);
  }

  files(id: number): Array<{ name: string; at: number; content: string }> {
    return this.db
      .prepare<[number], { name: string; at: number; content: string }>(
        'SELECT name, at, content FROM recovery_files WHERE incident_id = ? ORDER BY name',
      )
      .all(id);
  }

  // ------------------------------------------------------------------------------------------
  // The drill

  drill(): {
    params: unknown;
    phase: string;
    nextPremises: number;
    incidentId: number | null;
    summary: unknown;
  } | null {
    const r = this.db
      .prepare<
        [],
        {
          params: string;
          phase: string;
          next_premises: number;
          incident_id: number | null;
          summary: string | null;
        }
      >('SELECT params, phase, next_premises, incident_id, summary FROM recovery_estate WHERE id = 1')
      .get();
    return r
      ? {
          params: JSON.parse(r.params),
          phase: r.phase,
          nextPremises: r.next_premises,
          incidentId: r.incident_id,
          summary: parse(r.summary),
        }
      : null;
  }

  setDrill(f: {
    params?: unknown;
    phase: string;
    nextPremises: number;
    incidentId: number | null;
    summary?: unknown;
  }): void {
    const cur = this.drill();
    this.db
      .prepare(
        `INSERT INTO recovery_estate (id, params, phase, next_premises, incident_id, summary) VALUES (1, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET params = excluded.params, phase = excluded.phase, next_premises = excluded.next_premises,
           incident_id = excluded.incident_id, summary = excluded.summary`,
      )
      .run(
        JSON.stringify(f.params ?? cur?.params),
        f.phase,
        f.nextPremises,
        f.incidentId,
        json(f.summary === undefined ? cur?.summary : f.summary),
      );
  }
}
