/**
 * The Smart Metering Inventory on SQLite (reference §4): devices with their SMI Status and status
 * history, the operations that move them (each one transaction, refused with a stable code and no
 * change when the transition table or a guard says no), and the DCC alert log.
 *
 * Every operation takes the time it happens (`at`, ms since the epoch, from the caller's Clock) and
 * is gated by the regulatory timeline: the simulated DCC systems start when SEC F6–F9 take effect
 * (2016-02-10 by default, [A]: the simulator models no DCC before the provisions that started this
 * project), and 'recovery' / 'recovered' need Service Release 1.3 ([SEED] variation (b)(ii)).
 *
 * Used by: `app/inventory.ts` (CLI), `sim/ch` (a hub's CHF and GPF follow its lifecycle), and —
 * later — the device pipeline (join, commission) and the recovery engine (recovery, recovered).
 */
import { GbcsError } from '../../protocol/errors.ts';
import { type Eui64, isEui64 } from '../../protocol/types.ts';
import { Provision, RegulatoryTimeline } from '../smki/timeline.ts';
import { type Db, transaction } from '../store/dcc-database.ts';
import { Refusal } from './errors.ts';
import {
  type DccAlert,
  DEVICE_TYPES,
  type DeviceRecord,
  type DeviceType,
  SMI_STATUSES,
  type SmiContext,
  SmiEvent,
  type SmiParams,
  SmiStatus,
  smiTransition,
  TYPE_2_DEVICE_TYPES,
} from './smi-status.ts';

/** One change an operation made, in order: JSON Lines of the CLI. */
export type InventoryChange =
  | {
      change: 'smiStatus';
      deviceId: Eui64;
      deviceType: DeviceType;
      event: SmiEvent;
      srv: string;
      /** null: the record was created. */
      from: SmiStatus | null;
      /** null: the record was deleted. */
      to: SmiStatus | null;
      at: number;
    }
  | { change: 'dccAlert'; alert: DccAlert; deviceId: Eui64; at: number; details?: Record<string, unknown> };

/** One row of a device's history. */
export interface SmiHistoryEntry {
  seq: number;
  at: number;
  event: SmiEvent;
  srv: string | null;
  from: SmiStatus | null;
  to: SmiStatus;
  details: Record<string, unknown> | null;
}

export interface DccAlertEntry {
  seq: number;
  at: number;
  alert: DccAlert;
  deviceId: Eui64;
  details: Record<string, unknown> | null;
}

/** Device Pre-notification (SRV 12.2) payload [S41][S39]. */
export interface PreNotification {
  deviceId: Eui64;
  deviceType: DeviceType;
  /** DUIS DeviceManufacturer / DeviceModel: 1–30 characters. */
  manufacturer: string;
  model: string;
  /** DUIS FirmwareVersion: 1–8 characters. */
  firmwareVersion?: string | null;
  importMpxn?: string | null;
  nonDomestic?: boolean;
  supplier?: Eui64 | null;
}

interface DeviceRow {
  device_id: string;
  device_type: string;
  manufacturer: string;
  model: string;
  firmware_version: string | null;
  import_mpxn: string | null;
  chf_id: string | null;
  gpf_id: string | null;
  meter_id: string | null;
  non_domestic: number;
  supplier_id: string | null;
  smi_status: string;
  status_since: number;
  previous_status: string | null;
  date_commissioned: number | null;
}

const fromRow = (r: DeviceRow): DeviceRecord => ({
  deviceId: r.device_id,
  deviceType: r.device_type as DeviceType,
  manufacturer: r.manufacturer,
  model: r.model,
  firmwareVersion: r.firmware_version,
  importMpxn: r.import_mpxn,
  chf: r.chf_id,
  gpf: r.gpf_id,
  meter: r.meter_id,
  nonDomestic: r.non_domestic === 1,
  supplier: r.supplier_id,
  status: r.smi_status as SmiStatus,
  statusSince: r.status_since,
  previousStatus: r.previous_status as SmiStatus | null,
  dateCommissioned: r.date_commissioned,
});

const toParams = (d: DeviceRecord) => [
  d.deviceType,
  d.manufacturer,
  d.model,
  d.firmwareVersion,
  d.importMpxn,
  d.chf,
  d.gpf,
  d.meter,
  d.nonDomestic ? 1 : 0,
  d.supplier,
  d.status,
  d.statusSince,
  d.previousStatus,
  d.dateCommissioned,
  d.deviceId,
];

const iso = (ms: number): string => new Date(ms).toISOString();

/** @throws GbcsError BAD_VALUE for a malformed EUI-64 (16 lowercase hex digits). */
export function checkEui(eui: string, what = 'device id'): Eui64 {
  if (!isEui64(eui))
    throw new GbcsError('BAD_VALUE', `${what}: not an EUI-64 (16 lowercase hex digits): ${eui}`);
  return eui;
}

/**
 * Problems with a pre-notification payload (DUIS v5.4 lengths and enumerations), empty when valid.
 */
export function preNotificationProblems(p: PreNotification): string[] {
  const out: string[] = [];
  if (!isEui64(p.deviceId)) out.push(`device id: not an EUI-64 (16 lowercase hex digits): ${p.deviceId}`);
  if (TYPE_2_DEVICE_TYPES.includes(p.deviceType))
    out.push(
      `device type ${p.deviceType}: a Type 2 Device has no SMI Status; this inventory holds ${DEVICE_TYPES.join(', ')}`,
    );
  else if (!DEVICE_TYPES.includes(p.deviceType))
    out.push(`device type: one of ${DEVICE_TYPES.join(', ')} (got ${p.deviceType})`);
  if (!(p.manufacturer.length >= 1 && p.manufacturer.length <= 30)) out.push('manufacturer: 1–30 characters');
  if (!(p.model.length >= 1 && p.model.length <= 30)) out.push('model: 1–30 characters');
  if (p.firmwareVersion != null && !(p.firmwareVersion.length >= 1 && p.firmwareVersion.length <= 8))
    out.push('firmware version: 1–8 characters');
  if (p.importMpxn != null && !(p.importMpxn.length >= 1 && p.importMpxn.length <= 13))
    out.push('MPxN: 1–13 characters');
  if (p.supplier != null && !isEui64(p.supplier)) out.push(`supplier: not an EUI-64: ${p.supplier}`);
  return out;
}

export interface InventoryOptions {
  /** The regulatory timeline (default: the direction's dates and the documented defaults). */
  timeline?: RegulatoryTimeline;
}

/** The Smart Metering Inventory held in `db` (opened with `openDccDatabase`). */
export class SmartMeteringInventory {
  readonly db: Db;
  readonly timeline: RegulatoryTimeline;
  private readonly st;

  constructor(db: Db, options: InventoryOptions = {}) {
    this.db = db;
    this.timeline = options.timeline ?? new RegulatoryTimeline();
    this.st = {
      get: db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE device_id = ?'),
      insert: db.prepare(
        `INSERT INTO devices (device_type, manufacturer, model, firmware_version, import_mpxn, chf_id, gpf_id,
           meter_id, non_domestic, supplier_id, smi_status, status_since, previous_status, date_commissioned, device_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      update: db.prepare(
        `UPDATE devices SET device_type = ?, manufacturer = ?, model = ?, firmware_version = ?, import_mpxn = ?,
           chf_id = ?, gpf_id = ?, meter_id = ?, non_domestic = ?, supplier_id = ?, smi_status = ?,
           status_since = ?, previous_status = ?, date_commissioned = ? WHERE device_id = ?`,
      ),
      delete: db.prepare('DELETE FROM devices WHERE device_id = ?'),
      lastAt: db.prepare<[string], { at: number }>(
        'SELECT at FROM smi_history WHERE device_id = ? ORDER BY seq DESC LIMIT 1',
      ),
      history: db.prepare(
        'INSERT INTO smi_history (device_id, at, event, from_status, to_status, srv, details) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      alert: db.prepare('INSERT INTO dcc_alerts (at, alert, device_id, details) VALUES (?, ?, ?, ?)'),
      // Devices naming it as CHF/GPF/meter, and Communications Hub records naming it as CHF or GPF.
      references: db.prepare<[{ id: string }], { n: number }>(
        `SELECT (SELECT count(*) FROM devices WHERE chf_id = @id OR gpf_id = @id OR meter_id = @id)
              + (SELECT count(*) FROM ch_hubs WHERE hub_id = @id OR gpf_id = @id) AS n`,
      ),
    };
  }

  /** The device, or null. */
  get(deviceId: Eui64): DeviceRecord | null {
    const r = this.st.get.get(deviceId);
    return r ? fromRow(r) : null;
  }

  /** The device. @throws Refusal UNKNOWN_DEVICE */
  require(deviceId: Eui64): DeviceRecord {
    const d = this.get(deviceId);
    if (!d) throw new Refusal('UNKNOWN_DEVICE', `${deviceId} is not in the Smart Metering Inventory`);
    return d;
  }

  /**
   * The GPF of a Communications Hub: the GPF its hub record names (sim/ch), else a GPF device whose
   * associated CHF is `chf`; null when neither is on record.
   */
  gpfOfChf(chf: Eui64): Eui64 | null {
    const r = this.db
      .prepare<[{ id: string }], { gpf: string }>(
        `SELECT gpf_id AS gpf FROM ch_hubs WHERE hub_id = @id
         UNION ALL SELECT device_id AS gpf FROM devices WHERE device_type = 'GPF' AND chf_id = @id LIMIT 1`,
      )
      .get({ id: chf });
    return r?.gpf ?? null;
  }

  /** SRV 12.2 Device Pre-notification: a new device at Pending (§4.3 row 1). */
  preNotify(p: PreNotification, at: number): InventoryChange[] {
    const problems = preNotificationProblems(p);
    if (problems.length > 0) throw new GbcsError('BAD_VALUE', problems.join('; '));
    return this.create(SmiEvent.PRE_NOTIFICATION, p, at);
  }

  /** The DCC delivers a Communications Hub: its CHF or GPF enters the SMI at Pending (row 2 [A]). */
  commsHubDelivered(p: PreNotification, at: number): InventoryChange[] {
    return this.create(SmiEvent.CH_DELIVERED, p, at);
  }

  /** SRV 8.11 Update HAN Device Log (add) succeeded: Pending → Whitelisted (row 3). */
  addToHanDeviceLog(
    deviceId: Eui64,
    log: { chf: Eui64; gpf?: Eui64; meter?: Eui64 },
    at: number,
  ): InventoryChange[] {
    return this.apply(deviceId, SmiEvent.HAN_DEVICE_LOG_ADD, at, log);
  }

  /** The device joined the SMHAN (CS03 / Join Service 8.7): Whitelisted → InstalledNotCommissioned (row 4 [A]). */
  join(deviceId: Eui64, at: number): InventoryChange[] {
    return this.apply(deviceId, SmiEvent.JOIN, at);
  }

  /** SRV 8.1.1 succeeded (ECS70/GCS28, alert 0x8F69): InstalledNotCommissioned → Commissioned (row 6). */
  commission(deviceId: Eui64, at: number, by?: Eui64): InventoryChange[] {
    return this.apply(deviceId, SmiEvent.COMMISSION, at, by === undefined ? {} : { by });
  }

  /** SRV 8.3 Decommission Device (row 9). */
  decommission(deviceId: Eui64, at: number, by?: Eui64): InventoryChange[] {
    return this.apply(deviceId, SmiEvent.DECOMMISSION, at, by === undefined ? {} : { by });
  }

  /** SRV 8.5 Service Opt Out: Commissioned → Withdrawn (row 10). */
  serviceOptOut(deviceId: Eui64, at: number): InventoryChange[] {
    return this.apply(deviceId, SmiEvent.SERVICE_OPT_OUT, at);
  }

  /** SRV 8.6 Service Opt In: Withdrawn → Commissioned (row 11). */
  serviceOptIn(deviceId: Eui64, at: number): InventoryChange[] {
    return this.apply(deviceId, SmiEvent.SERVICE_OPT_IN, at);
  }

  /**
   * SRV 8.4 Update Inventory, status choice: UpdateDeviceStatusExceptCH (Pending,
   * InstalledNotCommissioned) or UpdateDeviceStatusCH (Commissioned, Withdrawn,
   * InstalledNotCommissioned) [S39].
   * @throws GbcsError BAD_VALUE for a status 8.4 cannot set; Refusal as for every operation.
   */
  updateStatus(deviceId: Eui64, status: SmiStatus, at: number): InventoryChange[] {
    const event = {
      Pending: SmiEvent.SET_PENDING,
      InstalledNotCommissioned: SmiEvent.SET_INSTALLED_NOT_COMMISSIONED,
      Commissioned: SmiEvent.SET_COMMISSIONED,
      Withdrawn: SmiEvent.SET_WITHDRAWN,
    }[status as string];
    if (!event)
      throw new GbcsError(
        'BAD_VALUE',
        `Update Inventory (8.4) sets Pending or InstalledNotCommissioned (devices), Commissioned, Withdrawn or InstalledNotCommissioned (CHF/GPF); not ${status}`,
      );
    return this.apply(deviceId, event, at);
  }

  /** SRV 8.4 UpdateDeviceDetails: manufacturer, model, firmware version (no status change). */
  updateDetails(
    deviceId: Eui64,
    details: { manufacturer?: string; model?: string; firmwareVersion?: string },
    at: number,
  ): InventoryChange[] {
    const d = this.get(deviceId);
    const next = { ...(d ?? {}), ...details } as PreNotification;
    const problems = d ? preNotificationProblems(next) : [];
    if (problems.length > 0) throw new GbcsError('BAD_VALUE', problems.join('; '));
    return this.apply(deviceId, SmiEvent.UPDATE_DEVICE_DETAILS, at, {}, details);
  }

  /** SRV 8.4 UpdateMPxN (ESME, GSME). */
  updateMpxn(deviceId: Eui64, importMpxn: string, at: number): InventoryChange[] {
    if (!(importMpxn.length >= 1 && importMpxn.length <= 13))
      throw new GbcsError('BAD_VALUE', 'MPxN: 1–13 characters');
    return this.apply(deviceId, SmiEvent.UPDATE_MPXN, at, {}, { importMpxn });
  }

  /** SRV 8.4 DeleteDevice: a Pending device leaves the SMI; alert DeviceRemovedFromInventory (row 17). */
  deleteDevice(deviceId: Eui64, at: number): InventoryChange[] {
    return this.apply(deviceId, SmiEvent.DELETE, at);
  }

  /** The device's model left the CPL: → Suspended, alert DeviceSuspended (row 12). */
  cplSuspend(deviceId: Eui64, at: number): InventoryChange[] {
    return this.apply(deviceId, SmiEvent.CPL_SUSPEND, at);
  }

  /** The device's model is back on the CPL: Suspended → the previous status, alert DeviceRestored (row 13). */
  cplRestore(deviceId: Eui64, at: number): InventoryChange[] {
    return this.apply(deviceId, SmiEvent.CPL_RESTORE, at);
  }

  /**
   * A Device Model (manufacturer + model) removed from / reinstated on the CPL: every device of that
   * model that can move does, in one transaction (devices that cannot — Decommissioned, or already
   * in the target state — are left as they are).
   */
  cplModel(
    action: 'suspend' | 'restore',
    manufacturer: string,
    model: string,
    at: number,
  ): InventoryChange[] {
    return transaction(this.db, () => {
      const ids = this.db
        .prepare<[string, string], { device_id: string }>(
          `SELECT device_id FROM devices WHERE manufacturer = ? AND model = ? ORDER BY device_id`,
        )
        .all(manufacturer, model)
        .map((r) => r.device_id);
      const changes: InventoryChange[] = [];
      for (const id of ids) {
        const status = this.get(id)!.status;
        const movable =
          action === 'suspend'
            ? status !== SmiStatus.SUSPENDED && status !== SmiStatus.DECOMMISSIONED
            : status === SmiStatus.SUSPENDED;
        if (movable)
          changes.push(
            ...this.apply(id, action === 'suspend' ? SmiEvent.CPL_SUSPEND : SmiEvent.CPL_RESTORE, at),
          );
      }
      return changes;
    });
  }

  /**
   * SMKI Recovery: the DCC disables communications with a Relevant Device, Commissioned (or
   * Recovered) → Recovery (row 14). Refused (NOT_IN_FORCE:SMI_STATUS_RECOVERY) before Service
   * Release 1.3. The recovery engine decides which devices are Relevant (§3.1).
   */
  startRecovery(deviceId: Eui64, at: number): InventoryChange[] {
    return this.apply(deviceId, SmiEvent.RECOVERY, at);
  }

  /**
   * SMKI Recovery: communications restored after the recovery CS02b, Recovery → Recovered, alert
   * RecoveryComplete or, when DCC ACB credentials were placed (Method 2), RecoveryCompleteACBCredentials
   * (row 15). Gated like `startRecovery`.
   */
  completeRecovery(
    deviceId: Eui64,
    at: number,
    options: { acbCredentials?: boolean; acbCells?: string[] } = {},
  ): InventoryChange[] {
    return this.apply(deviceId, SmiEvent.RECOVERED, at, {
      acbCredentials: options.acbCredentials === true,
      ...(options.acbCredentials && options.acbCells ? { acbCells: options.acbCells } : {}),
    });
  }

  /** Checks the regulatory timeline for `event` at `at`. @throws Refusal NOT_IN_FORCE:<provision> */
  private gate(event: SmiEvent, provision: Provision | null, at: number): void {
    const start = this.timeline.check(Provision.SECTION_F6, at, event);
    if (!start.ok)
      throw new Refusal(
        start.code,
        `${event} refused on ${iso(at).slice(0, 10)}: the simulated DCC systems start when SEC F6–F9 take effect, ${start.inForceFrom} [assumption]`,
      );
    if (provision !== null) {
      const c = this.timeline.check(provision, at, event);
      if (!c.ok) throw new Refusal(c.code, `${c.message} (${c.citation})`);
    }
  }

  private create(event: SmiEvent, p: PreNotification, at: number): InventoryChange[] {
    return transaction(this.db, () => {
      const device: DeviceRecord = {
        deviceId: p.deviceId,
        deviceType: p.deviceType,
        manufacturer: p.manufacturer,
        model: p.model,
        firmwareVersion: p.firmwareVersion ?? null,
        importMpxn: p.importMpxn ?? null,
        chf: null,
        gpf: null,
        meter: null,
        nonDomestic: p.nonDomestic === true,
        supplier: p.supplier ?? null,
        status: SmiStatus.PENDING,
        statusSince: at,
        previousStatus: null,
        dateCommissioned: null,
      };
      return this.run(event, device, this.get(p.deviceId) !== null, at, {}, {});
    });
  }

  /**
   * Applies `event` to the device (the generic operation behind the named ones), in one
   * transaction. `fields` are plain field updates (8.4 details / MPxN).
   * @throws Refusal UNKNOWN_DEVICE, ILLEGAL_TRANSITION, a guard's code, NOT_IN_FORCE:…, OUT_OF_ORDER
   */
  apply(
    deviceId: Eui64,
    event: SmiEvent,
    at: number,
    params: SmiParams = {},
    fields: Partial<DeviceRecord> = {},
  ): InventoryChange[] {
    return transaction(this.db, () => {
      const device = this.get(deviceId);
      if (!device) {
        this.gate(event, null, at);
        throw new Refusal('UNKNOWN_DEVICE', `${deviceId} is not in the Smart Metering Inventory`);
      }
      return this.run(event, device, true, at, params, fields);
    });
  }

  private run(
    event: SmiEvent,
    device: DeviceRecord,
    exists: boolean,
    at: number,
    params: SmiParams,
    fields: Partial<DeviceRecord>,
  ): InventoryChange[] {
    const chfRecord = params.chf === undefined ? null : this.get(params.chf);
    const ctx: SmiContext = {
      device,
      at,
      params,
      chfRecord,
      referencedBy: exists ? this.st.references.get({ id: device.deviceId })!.n : 0,
    };
    const outcome = smiTransition(event, ctx, exists);
    this.gate(event, outcome.ok ? outcome.rule.provision : null, at);
    if (!outcome.ok) throw new Refusal(outcome.code, outcome.message);
    if (exists) {
      const last = this.st.lastAt.get(device.deviceId);
      if (last && at < last.at)
        throw new Refusal(
          'OUT_OF_ORDER',
          `${event} at ${iso(at)} is earlier than the latest event of ${device.deviceId} (${iso(last.at)})`,
        );
    }
    const { rule, from, to } = outcome;
    const changes: InventoryChange[] = [
      {
        change: 'smiStatus',
        deviceId: device.deviceId,
        deviceType: device.deviceType,
        event,
        srv: rule.srv,
        from,
        to,
        at,
      },
    ];
    const details: Record<string, unknown> = { ...params, ...fields };
    if (to === null) {
      this.st.delete.run(device.deviceId);
    } else {
      const next: DeviceRecord = { ...device, ...fields, ...outcome.patch, status: to };
      if (to !== from) next.statusSince = at;
      if (exists) this.st.update.run(...toParams(next));
      else this.st.insert.run(...toParams(next));
      this.st.history.run(
        device.deviceId,
        at,
        event,
        from,
        to,
        rule.srv,
        Object.keys(details).length ? JSON.stringify(details) : null,
      );
    }
    for (const a of outcome.alerts) {
      this.st.alert.run(at, a.alert, device.deviceId, a.details ? JSON.stringify(a.details) : null);
      changes.push({
        change: 'dccAlert',
        alert: a.alert,
        deviceId: device.deviceId,
        at,
        ...(a.details ? { details: a.details } : {}),
      });
    }
    return changes;
  }

  /** Logs a DCC alert that goes with no SMI Status change (e.g. DeviceLogRestored). */
  raiseDccAlert(
    alert: DccAlert,
    deviceId: Eui64,
    at: number,
    details?: Record<string, unknown>,
  ): InventoryChange[] {
    this.st.alert.run(at, alert, deviceId, details ? JSON.stringify(details) : null);
    return [{ change: 'dccAlert', alert, deviceId, at, ...(details ? { details } : {}) }];
  }

  /** The device's history, oldest first. @throws Refusal UNKNOWN_DEVICE */
  history(deviceId: Eui64): SmiHistoryEntry[] {
    this.require(deviceId);
    return this.db
      .prepare<
        [string],
        {
          seq: number;
          at: number;
          event: string;
          srv: string | null;
          from_status: string | null;
          to_status: string;
          details: string | null;
        }
      >(
        'SELECT seq, at, event, srv, from_status, to_status, details FROM smi_history WHERE device_id = ? ORDER BY seq',
      )
      .all(deviceId)
      .map((r) => ({
        seq: r.seq,
        at: r.at,
        event: r.event as SmiEvent,
        srv: r.srv,
        from: r.from_status as SmiStatus | null,
        to: r.to_status as SmiStatus,
        details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
      }));
  }

  /** Devices, by EUI, optionally filtered. */
  list(filter: { status?: SmiStatus; deviceType?: DeviceType } = {}): DeviceRecord[] {
    return this.db
      .prepare<[{ status: string | null; type: string | null }], DeviceRow>(
        `SELECT * FROM devices WHERE (@status IS NULL OR smi_status = @status) AND (@type IS NULL OR device_type = @type) ORDER BY device_id`,
      )
      .all({ status: filter.status ?? null, type: filter.deviceType ?? null })
      .map(fromRow);
  }

  /** The DCC alert log, oldest first (optionally for one device). */
  alerts(deviceId?: Eui64): DccAlertEntry[] {
    return this.db
      .prepare<
        [{ id: string | null }],
        { seq: number; at: number; alert: string; device_id: string; details: string | null }
      >('SELECT * FROM dcc_alerts WHERE (@id IS NULL OR device_id = @id) ORDER BY seq')
      .all({ id: deviceId ?? null })
      .map((r) => ({
        seq: r.seq,
        at: r.at,
        alert: r.alert as DccAlert,
        deviceId: r.device_id,
        details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
      }));
  }

  /** How many devices are in each SMI Status (every status present, zeros included). */
  statusCounts(filter: { deviceTypes?: readonly DeviceType[] } = {}): Record<SmiStatus, number> {
    const out = Object.fromEntries(SMI_STATUSES.map((s) => [s, 0])) as Record<SmiStatus, number>;
    const rows = this.db
      .prepare<[], { s: string; t: string; n: number }>(
        'SELECT smi_status AS s, device_type AS t, count(*) AS n FROM devices GROUP BY smi_status, device_type',
      )
      .all();
    for (const r of rows)
      if (!filter.deviceTypes || filter.deviceTypes.includes(r.t as DeviceType)) out[r.s as SmiStatus] += r.n;
    return out;
  }
}
