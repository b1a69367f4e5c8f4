/**
 * The SMI Status machine of the Smart Metering Inventory as data (reference
 * `smki-recovery-ch-domain.md` §4.2–§4.3): statuses, events, guards and effects are tables, and
 * `smiTransition` is the one function that reads them. It is pure: the inventory (inventory.ts)
 * loads the facts a guard needs, calls it, and writes the outcome in one transaction.
 *
 * Tags (as in the reference): S = stated by the source, I = inferred from it, A = a simulation
 * assumption. Statuses and Device Types are the DUIS v5.4 `DeviceStatus` / `DeviceType` tokens.
 */
import type { Eui64 } from '../../protocol/types.ts';
import { Provision } from '../smki/timeline.ts';

/** SMI Status (DUIS `DeviceStatus`) [S39]. */
export const SmiStatus = {
  PENDING: 'Pending',
  WHITELISTED: 'Whitelisted',
  INSTALLED_NOT_COMMISSIONED: 'InstalledNotCommissioned',
  COMMISSIONED: 'Commissioned',
  DECOMMISSIONED: 'Decommissioned',
  WITHDRAWN: 'Withdrawn',
  SUSPENDED: 'Suspended',
  RECOVERY: 'Recovery',
  RECOVERED: 'Recovered',
} as const;
export type SmiStatus = (typeof SmiStatus)[keyof typeof SmiStatus];
export const SMI_STATUSES: readonly SmiStatus[] = Object.values(SmiStatus);

/**
 * Device Types held with an SMI Status [S39][S1]. IHD and CAD are Type 2 Devices, which have no SMI
 * Status: this inventory does not hold them (`TYPE_2_DEVICE_TYPES`).
 */
export const DeviceType = {
  ESME: 'ESME',
  GSME: 'GSME',
  GPF: 'GPF',
  CHF: 'CHF',
  HCALCS: 'HCALCS',
  PPMID: 'PPMID',
} as const;
export type DeviceType = (typeof DeviceType)[keyof typeof DeviceType];
export const DEVICE_TYPES: readonly DeviceType[] = Object.values(DeviceType);
export const TYPE_2_DEVICE_TYPES: readonly string[] = ['IHD', 'CAD'];

const COMMS_HUB_TYPES: ReadonlySet<DeviceType> = new Set(['CHF', 'GPF']);
const METER_TYPES: ReadonlySet<DeviceType> = new Set(['ESME', 'GSME']);
export const isCommsHubDevice = (t: DeviceType): boolean => COMMS_HUB_TYPES.has(t);
export const isMeter = (t: DeviceType): boolean => METER_TYPES.has(t);

/** One device of the SMI (§4.1 [S1][S39]). Times are ms since the epoch (the virtual clock). */
export interface DeviceRecord {
  deviceId: Eui64;
  deviceType: DeviceType;
  manufacturer: string;
  model: string;
  firmwareVersion: string | null;
  /** Import MPAN (ESME) or MPRN (GSME). */
  importMpxn: string | null;
  /** Associated CHF (Smart Meters, and any device in a CHF Device Log). */
  chf: Eui64 | null;
  /** Associated GPF (GSME). */
  gpf: Eui64 | null;
  /** Associated Smart Meter (PPMID, HCALCS). */
  meter: Eui64 | null;
  /** Non-domestic premises: the guard of Service Opt Out (§4.3 row 10). */
  nonDomestic: boolean;
  /** The responsible Supplier's EUI, when known: the guard of commission / decommission. */
  supplier: Eui64 | null;
  status: SmiStatus;
  /** When the current status took effect. */
  statusSince: number;
  /** The status to return to on CPL restore (set while Suspended). */
  previousStatus: SmiStatus | null;
  dateCommissioned: number | null;
}

/** Events that move an SMI Status (one per operation of the reference). */
export const SmiEvent = {
  PRE_NOTIFICATION: 'preNotification',
  CH_DELIVERED: 'commsHubDelivered',
  HAN_DEVICE_LOG_ADD: 'hanDeviceLogAdd',
  JOIN: 'join',
  SET_PENDING: 'updateStatusPending',
  SET_INSTALLED_NOT_COMMISSIONED: 'updateStatusInstalledNotCommissioned',
  SET_COMMISSIONED: 'updateStatusCommissioned',
  SET_WITHDRAWN: 'updateStatusWithdrawn',
  UPDATE_DEVICE_DETAILS: 'updateDeviceDetails',
  UPDATE_MPXN: 'updateMpxn',
  COMMISSION: 'commission',
  CH_COMMISSIONED: 'commsHubCommissioned',
  CH_INSTALLED_NO_WAN: 'commsHubInstalledNoWan',
  DECOMMISSION: 'decommission',
  SERVICE_OPT_OUT: 'serviceOptOut',
  SERVICE_OPT_IN: 'serviceOptIn',
  CPL_SUSPEND: 'cplSuspend',
  CPL_RESTORE: 'cplRestore',
  RECOVERY: 'recovery',
  RECOVERED: 'recovered',
  DELETE: 'deleteDevice',
} as const;
export type SmiEvent = (typeof SmiEvent)[keyof typeof SmiEvent];
export const SMI_EVENTS: readonly SmiEvent[] = Object.values(SmiEvent);

/** DCC alerts the inventory raises (DUIS `DeviceStatusChange` choices [S39]). */
export const DccAlert = {
  METER_DECOMMISSIONING_OR_WITHDRAWAL: 'MeterDecommissioningOrWithdrawal',
  CHF_DECOMMISSIONING: 'CHFDecommissioning',
  DEVICE_REMOVED_FROM_INVENTORY: 'DeviceRemovedFromInventory',
  DEVICE_SUSPENDED: 'DeviceSuspended',
  DEVICE_RESTORED: 'DeviceRestored',
  RECOVERY_COMPLETE: 'RecoveryComplete',
  RECOVERY_COMPLETE_ACB_CREDENTIALS: 'RecoveryCompleteACBCredentials',
  /** A CHF (and GPF) Device Log restored on a replacement hub (SRV 8.12.1 / 8.12.2) [S39]. */
  DEVICE_LOG_RESTORED: 'DeviceLogRestored',
} as const;
export type DccAlert = (typeof DccAlert)[keyof typeof DccAlert];

/** Parameters an event may carry. */
export interface SmiParams {
  /** hanDeviceLogAdd: the CHF whose Device Log the device joins. */
  chf?: Eui64;
  /** hanDeviceLogAdd: the GPF (GSME) or the Smart Meter (PPMID, HCALCS) it is associated with. */
  gpf?: Eui64;
  meter?: Eui64;
  /** commission / decommission: the Supplier asking (checked against the responsible one). */
  by?: Eui64;
  /** recovered: the recovery left DCC ACB credentials in Supplier/NO cells (Method 2). */
  acbCredentials?: boolean;
  /** recovered with ACB credentials: which cells hold them (e.g. `supplier/ds`), for the alert. */
  acbCells?: string[];
}

/** What a guard may look at, loaded by the caller. */
export interface SmiContext {
  device: DeviceRecord;
  at: number;
  params: SmiParams;
  /** The device `params.chf` names, if any. */
  chfRecord: DeviceRecord | null;
  /** How many devices name this one as their CHF, GPF or meter, and CH records as their CHF or GPF. */
  referencedBy: number;
}

export interface SmiGuard {
  /** Stable refusal code. */
  code: string;
  test: (c: SmiContext) => boolean;
  message: (c: SmiContext) => string;
  tag: 'S' | 'I' | 'A';
}

/** Guards by name. */
export const SMI_GUARDS = {
  commsHubDevice: {
    code: 'NOT_A_COMMS_HUB_DEVICE',
    test: (c) => isCommsHubDevice(c.device.deviceType),
    message: (c) => `only a CHF or GPF takes this event; ${c.device.deviceId} is a ${c.device.deviceType}`,
    tag: 'S',
  },
  notCommsHubDevice: {
    code: 'COMMS_HUB_DEVICE',
    test: (c) => !isCommsHubDevice(c.device.deviceType),
    message: (c) =>
      `${c.device.deviceId} is a ${c.device.deviceType}: Communications Hub Functions follow the CH lifecycle (SRV 8.14.x, 8.4 UpdateDeviceStatusCH)`,
    tag: 'S',
  },
  meter: {
    code: 'NOT_A_METER',
    test: (c) => isMeter(c.device.deviceType),
    message: (c) => `only an ESME or GSME takes this event; ${c.device.deviceId} is a ${c.device.deviceType}`,
    tag: 'A',
  },
  nonDomestic: {
    code: 'NOT_NON_DOMESTIC',
    test: (c) => c.device.nonDomestic,
    message: (c) =>
      `Service Opt Out (SRV 8.5) is for non-domestic premises; ${c.device.deviceId} is domestic`,
    tag: 'I',
  },
  chfInSmi: {
    code: 'CHF_NOT_IN_SMI',
    test: (c) =>
      c.chfRecord !== null &&
      c.chfRecord.deviceType === 'CHF' &&
      c.chfRecord.status !== SmiStatus.DECOMMISSIONED &&
      c.chfRecord.status !== SmiStatus.WITHDRAWN,
    message: (c) =>
      c.params.chf === undefined
        ? 'the CHF whose Device Log the device joins is required (chf)'
        : c.chfRecord === null
          ? `CHF ${c.params.chf} is not in the Smart Metering Inventory`
          : c.chfRecord.deviceType !== 'CHF'
            ? `${c.params.chf} is a ${c.chfRecord.deviceType}, not a CHF`
            : `CHF ${c.params.chf} is ${c.chfRecord.status}`,
    tag: 'I',
  },
  responsibleSupplier: {
    code: 'NOT_RESPONSIBLE_SUPPLIER',
    test: (c) => c.params.by === undefined || c.device.supplier === null || c.params.by === c.device.supplier,
    message: (c) =>
      `${c.params.by} is not the responsible Supplier of ${c.device.deviceId} (${c.device.supplier})`,
    tag: 'S',
  },
  notReferenced: {
    code: 'DEVICE_REFERENCED',
    test: (c) => c.referencedBy === 0,
    message: (c) =>
      `${c.referencedBy} device(s) or Communications Hub record(s) name ${c.device.deviceId} as their CHF, GPF or meter`,
    tag: 'A',
  },
} as const satisfies Record<string, SmiGuard>;
export type SmiGuardName = keyof typeof SMI_GUARDS;

/** An alert to log. */
export interface AlertSpec {
  alert: DccAlert;
  details?: Record<string, unknown>;
}

/** What an effect adds to the transition: field changes and alerts. */
export interface EffectOutput {
  patch?: Partial<DeviceRecord>;
  alerts?: AlertSpec[];
}

/** Effects by name: pure functions of the context (and the status being left). */
export const SMI_EFFECTS = {
  /** hanDeviceLogAdd: record the CHF (and GPF / meter) association. */
  associate: (c) => ({
    patch: {
      chf: c.params.chf ?? c.device.chf,
      gpf: c.params.gpf ?? c.device.gpf,
      meter: c.params.meter ?? c.device.meter,
    },
  }),
  /** DateCommissioned of the DUIS inventory. */
  dateCommissioned: (c) => ({ patch: { dateCommissioned: c.at } }),
  /** DCC alert on decommissioning: CHFDecommissioning (CHF) or MeterDecommissioningOrWithdrawal (meters) [S39]. */
  alertDecommissioning: (c) =>
    c.device.deviceType === 'CHF'
      ? { alerts: [{ alert: DccAlert.CHF_DECOMMISSIONING }] }
      : isMeter(c.device.deviceType)
        ? {
            alerts: [
              {
                alert: DccAlert.METER_DECOMMISSIONING_OR_WITHDRAWAL,
                details: { importMpxn: c.device.importMpxn },
              },
            ],
          }
        : {},
  /** Withdrawal (Service Opt Out) of a meter: MeterDecommissioningOrWithdrawal [I]. */
  alertWithdrawal: (c) => ({
    alerts: [
      { alert: DccAlert.METER_DECOMMISSIONING_OR_WITHDRAWAL, details: { importMpxn: c.device.importMpxn } },
    ],
  }),
  /** CPL removal: remember the status to restore, alert DeviceSuspended [S39]. */
  suspend: (c) => ({
    patch: { previousStatus: c.device.status },
    alerts: [
      {
        alert: DccAlert.DEVICE_SUSPENDED,
        details: { manufacturer: c.device.manufacturer, model: c.device.model },
      },
    ],
  }),
  /** CPL reinstatement: alert DeviceRestored [S39]. */
  restore: (c) => ({
    patch: { previousStatus: null },
    alerts: [
      {
        alert: DccAlert.DEVICE_RESTORED,
        details: { manufacturer: c.device.manufacturer, model: c.device.model },
      },
    ],
  }),
  /** Recovery complete: RecoveryCompleteACBCredentials (Method 2) or RecoveryComplete [S39]. */
  alertRecoveryComplete: (c) => ({
    alerts: [
      {
        alert: c.params.acbCredentials
          ? DccAlert.RECOVERY_COMPLETE_ACB_CREDENTIALS
          : DccAlert.RECOVERY_COMPLETE,
        ...(c.params.acbCredentials && c.params.acbCells ? { details: { cells: c.params.acbCells } } : {}),
      },
    ],
  }),
  /** 8.4 DeleteDevice: DeviceRemovedFromInventory [S39]. */
  alertRemoved: () => ({ alerts: [{ alert: DccAlert.DEVICE_REMOVED_FROM_INVENTORY }] }),
} as const satisfies Record<string, (c: SmiContext) => EffectOutput>;
export type SmiEffectName = keyof typeof SMI_EFFECTS;

/** A row of the transition table. */
export interface SmiRule {
  event: SmiEvent;
  /** Statuses it leaves; 'absent' for events that create the record. */
  from: readonly SmiStatus[] | 'absent';
  /** The new status; 'previous' = the one saved on suspension; 'same' = no status change; 'deleted'. */
  to: SmiStatus | 'previous' | 'same' | 'deleted';
  guards: readonly SmiGuardName[];
  effects: readonly SmiEffectName[];
  /** The provision that must be in force (regulatory timeline), beyond the inventory's start. */
  provision: Provision | null;
  /** DUIS Service Request Variant, or what raises the event. */
  srv: string;
  /** §4.3 row(s). */
  row: string;
  tag: 'S' | 'I' | 'A' | 'S/I';
  title: string;
}

const S = SmiStatus;
const ALL_BUT_DECOMMISSIONED_OR_SUSPENDED = SMI_STATUSES.filter(
  (s) => s !== S.DECOMMISSIONED && s !== S.SUSPENDED,
);

/**
 * The transition table (§4.3). Several rows may share (status, event): the first whose guards
 * hold applies. 'Recovered' behaves as 'Commissioned' for the lifecycle events (row 16 [A]).
 */
export const SMI_TRANSITIONS: readonly SmiRule[] = [
  {
    event: SmiEvent.PRE_NOTIFICATION,
    from: 'absent',
    to: S.PENDING,
    guards: [],
    effects: [],
    provision: null,
    srv: '12.2',
    row: '1',
    tag: 'S/I',
    title: 'Device Pre-notification',
  },
  {
    event: SmiEvent.CH_DELIVERED,
    from: 'absent',
    to: S.PENDING,
    guards: ['commsHubDevice'],
    effects: [],
    provision: Provision.SECTION_F6,
    srv: 'CH delivery',
    row: '2',
    tag: 'A',
    title: 'DCC delivers the Communications Hub (CHF + GPF) to a Supplier',
  },
  {
    event: SmiEvent.HAN_DEVICE_LOG_ADD,
    from: [S.PENDING],
    to: S.WHITELISTED,
    guards: ['notCommsHubDevice', 'chfInSmi'],
    effects: ['associate'],
    provision: null,
    srv: '8.11',
    row: '3',
    tag: 'I',
    title: 'Update HAN Device Log (add) succeeded: the device is in the CHF Device Log',
  },
  {
    event: SmiEvent.JOIN,
    from: [S.WHITELISTED],
    to: S.INSTALLED_NOT_COMMISSIONED,
    guards: ['notCommsHubDevice'],
    effects: [],
    provision: null,
    srv: '8.7',
    row: '4',
    tag: 'A',
    title: 'the device joined the SMHAN (Join Service)',
  },
  {
    event: SmiEvent.SET_PENDING,
    from: [S.WHITELISTED, S.INSTALLED_NOT_COMMISSIONED],
    to: S.PENDING,
    guards: ['notCommsHubDevice'],
    effects: [],
    provision: null,
    srv: '8.4',
    row: '5',
    tag: 'S',
    title: 'Update Inventory: status Pending (UpdateDeviceStatusExceptCH)',
  },
  {
    event: SmiEvent.SET_INSTALLED_NOT_COMMISSIONED,
    from: [S.WHITELISTED],
    to: S.INSTALLED_NOT_COMMISSIONED,
    guards: ['notCommsHubDevice'],
    effects: [],
    provision: null,
    srv: '8.4',
    row: '4',
    tag: 'S',
    title: 'Update Inventory: status InstalledNotCommissioned (UpdateDeviceStatusExceptCH)',
  },
  {
    event: SmiEvent.SET_INSTALLED_NOT_COMMISSIONED,
    from: [S.PENDING],
    to: S.INSTALLED_NOT_COMMISSIONED,
    guards: ['commsHubDevice'],
    effects: [],
    provision: null,
    srv: '8.4',
    row: '7',
    tag: 'S',
    title: 'Update Inventory: CH status InstalledNotCommissioned (UpdateDeviceStatusCH)',
  },
  {
    event: SmiEvent.SET_COMMISSIONED,
    from: [S.PENDING, S.INSTALLED_NOT_COMMISSIONED, S.WITHDRAWN],
    to: S.COMMISSIONED,
    guards: ['commsHubDevice'],
    effects: ['dateCommissioned'],
    provision: null,
    srv: '8.4',
    row: '7',
    tag: 'S',
    title: 'Update Inventory: CH status Commissioned (UpdateDeviceStatusCH)',
  },
  {
    event: SmiEvent.SET_WITHDRAWN,
    from: [S.COMMISSIONED, S.INSTALLED_NOT_COMMISSIONED],
    to: S.WITHDRAWN,
    guards: ['commsHubDevice'],
    effects: [],
    provision: null,
    srv: '8.4',
    row: '7',
    tag: 'S',
    title: 'Update Inventory: CH status Withdrawn (UpdateDeviceStatusCH)',
  },
  {
    event: SmiEvent.UPDATE_DEVICE_DETAILS,
    from: SMI_STATUSES,
    to: 'same',
    guards: [],
    effects: [],
    provision: null,
    srv: '8.4',
    row: '—',
    tag: 'S',
    title: 'Update Inventory: device details (manufacturer, model, firmware version)',
  },
  {
    event: SmiEvent.UPDATE_MPXN,
    from: SMI_STATUSES,
    to: 'same',
    guards: ['meter'],
    effects: [],
    provision: null,
    srv: '8.4',
    row: '—',
    tag: 'S',
    title: 'Update Inventory: MPxN',
  },
  {
    event: SmiEvent.COMMISSION,
    from: [S.INSTALLED_NOT_COMMISSIONED],
    to: S.COMMISSIONED,
    guards: ['notCommsHubDevice', 'responsibleSupplier'],
    effects: ['dateCommissioned'],
    provision: null,
    srv: '8.1.1',
    row: '6',
    tag: 'I',
    title: 'Commission Device succeeded (ECS70 / GCS28 clock set, device alert 0x8F69)',
  },
  {
    event: SmiEvent.CH_COMMISSIONED,
    from: [S.PENDING, S.INSTALLED_NOT_COMMISSIONED],
    to: S.COMMISSIONED,
    guards: ['commsHubDevice'],
    effects: ['dateCommissioned'],
    provision: Provision.SECTION_F7,
    srv: '8.14.1',
    row: '7',
    tag: 'A',
    title: 'CH installed (8.14.1) and its CHF connected to the SM WAN',
  },
  {
    event: SmiEvent.CH_INSTALLED_NO_WAN,
    from: [S.PENDING],
    to: S.INSTALLED_NOT_COMMISSIONED,
    guards: ['commsHubDevice'],
    effects: [],
    provision: Provision.SECTION_F7,
    srv: '8.14.2',
    row: '8',
    tag: 'A',
    title: 'CH installed with no SM WAN ("install and leave")',
  },
  {
    event: SmiEvent.DECOMMISSION,
    from: [S.COMMISSIONED, S.INSTALLED_NOT_COMMISSIONED, S.RECOVERED],
    to: S.DECOMMISSIONED,
    guards: ['responsibleSupplier'],
    effects: ['alertDecommissioning'],
    provision: null,
    srv: '8.3',
    row: '9, 16',
    tag: 'S',
    title: 'Decommission Device',
  },
  {
    event: SmiEvent.SERVICE_OPT_OUT,
    from: [S.COMMISSIONED, S.RECOVERED],
    to: S.WITHDRAWN,
    guards: ['meter', 'nonDomestic'],
    effects: ['alertWithdrawal'],
    provision: null,
    srv: '8.5',
    row: '10, 16',
    tag: 'I',
    title: 'Service Opt Out (ACB credentials swapped for Supplier-provided ones)',
  },
  {
    event: SmiEvent.SERVICE_OPT_IN,
    from: [S.WITHDRAWN],
    to: S.COMMISSIONED,
    guards: ['meter'],
    effects: [],
    provision: null,
    srv: '8.6',
    row: '11',
    tag: 'I',
    title: 'Service Opt In',
  },
  {
    event: SmiEvent.CPL_SUSPEND,
    from: ALL_BUT_DECOMMISSIONED_OR_SUSPENDED,
    to: S.SUSPENDED,
    guards: [],
    effects: ['suspend'],
    provision: null,
    srv: 'CPL',
    row: '12',
    tag: 'S/I',
    title: 'Device Model removed from the Central Products List',
  },
  {
    event: SmiEvent.CPL_RESTORE,
    from: [S.SUSPENDED],
    to: 'previous',
    guards: [],
    effects: ['restore'],
    provision: null,
    srv: 'CPL',
    row: '13',
    tag: 'I',
    title: 'Device Model reinstated on the Central Products List',
  },
  {
    event: SmiEvent.RECOVERY,
    from: [S.COMMISSIONED, S.RECOVERED],
    to: S.RECOVERY,
    guards: [],
    effects: [],
    provision: Provision.SMI_STATUS_RECOVERY,
    srv: 'SMKI Recovery',
    row: '14, 16',
    tag: 'S',
    title: 'DCC disables communications with a Relevant Device under the SMKI Recovery Procedure',
  },
  {
    event: SmiEvent.RECOVERED,
    from: [S.RECOVERY],
    to: S.RECOVERED,
    guards: [],
    effects: ['alertRecoveryComplete'],
    provision: Provision.SMI_STATUS_RECOVERY,
    srv: 'SMKI Recovery',
    row: '15',
    tag: 'S',
    title: 'communications restored after the recovery Update Security Credentials',
  },
  {
    event: SmiEvent.DELETE,
    from: [S.PENDING],
    to: 'deleted',
    guards: ['notReferenced'],
    effects: ['alertRemoved'],
    provision: null,
    srv: '8.4',
    row: '17',
    tag: 'S',
    title: 'Update Inventory: DeleteDevice',
  },
];

export type SmiOutcome =
  | {
      ok: true;
      rule: SmiRule;
      from: SmiStatus | null;
      /** null: the record is deleted. */
      to: SmiStatus | null;
      patch: Partial<DeviceRecord>;
      alerts: AlertSpec[];
    }
  | { ok: false; code: string; message: string };

/** The rows for `event` that leave `status` (null: no record yet). */
export function smiRulesFor(status: SmiStatus | null, event: SmiEvent): SmiRule[] {
  return SMI_TRANSITIONS.filter(
    (r) =>
      r.event === event &&
      (r.from === 'absent' ? status === null : status !== null && r.from.includes(status)),
  );
}

/**
 * The one transition function. `context.device` is the current record (for creating events: the
 * record to create, with its status ignored) and `exists` says whether it is in the SMI.
 * Returns the new status, the field changes and the alerts, or the refusal with its stable code:
 * DEVICE_EXISTS / UNKNOWN_DEVICE, ILLEGAL_TRANSITION, or the first failing guard's code.
 * Timeline and time-order checks are the caller's (they need the clock and the history).
 */
export function smiTransition(event: SmiEvent, context: SmiContext, exists: boolean): SmiOutcome {
  const creating = SMI_TRANSITIONS.some((r) => r.event === event && r.from === 'absent');
  const id = context.device.deviceId;
  if (creating && exists)
    return { ok: false, code: 'DEVICE_EXISTS', message: `${id} is already in the Smart Metering Inventory` };
  if (!creating && !exists)
    return { ok: false, code: 'UNKNOWN_DEVICE', message: `${id} is not in the Smart Metering Inventory` };
  const from = creating ? null : context.device.status;
  const rules = smiRulesFor(from, event);
  if (rules.length === 0)
    return {
      ok: false,
      code: 'ILLEGAL_TRANSITION',
      message: `${event} is not allowed for ${id} in SMI Status ${from}`,
    };
  let firstFailure: SmiGuard | null = null;
  for (const rule of rules) {
    const failed = rule.guards.map((g) => SMI_GUARDS[g] as SmiGuard).find((g) => !g.test(context));
    if (failed) {
      firstFailure ??= failed;
      continue;
    }
    const patch: Partial<DeviceRecord> = {};
    const alerts: AlertSpec[] = [];
    for (const e of rule.effects) {
      const out: EffectOutput = SMI_EFFECTS[e](context);
      Object.assign(patch, out.patch);
      alerts.push(...(out.alerts ?? []));
    }
    const to =
      rule.to === 'deleted'
        ? null
        : rule.to === 'same'
          ? context.device.status
          : rule.to === 'previous'
            ? (context.device.previousStatus ?? S.PENDING)
            : rule.to;
    return { ok: true, rule, from, to, patch, alerts };
  }
  return { ok: false, code: firstFailure!.code, message: firstFailure!.message(context) };
}

/**
 * Which traffic the DCC lets through for a device in `status` (§4.3, "Service eligibility" [A]):
 * - `all`: device-bound Service Requests (Commissioned, Recovered);
 * - `installation`: join, commissioning and credential Service Requests only (Whitelisted,
 *   InstalledNotCommissioned);
 * - `recovery-only`: nothing but the DCC's recovery traffic (Recovery);
 * - `none`: refused — `reason` is the stable code (DEVICE_SUSPENDED, DEVICE_DECOMMISSIONED,
 *   DEVICE_WITHDRAWN, DEVICE_NOT_INSTALLED).
 * For the device pipeline (issue 10 item 2) to decide what a device may be sent.
 */
export function serviceEligibility(
  status: SmiStatus,
): { access: 'all' | 'installation' | 'recovery-only' } | { access: 'none'; reason: string } {
  switch (status) {
    case S.COMMISSIONED:
    case S.RECOVERED:
      return { access: 'all' };
    case S.WHITELISTED:
    case S.INSTALLED_NOT_COMMISSIONED:
      return { access: 'installation' };
    case S.RECOVERY:
      return { access: 'recovery-only' };
    case S.SUSPENDED:
      return { access: 'none', reason: 'DEVICE_SUSPENDED' };
    case S.DECOMMISSIONED:
      return { access: 'none', reason: 'DEVICE_DECOMMISSIONED' };
    case S.WITHDRAWN:
      return { access: 'none', reason: 'DEVICE_WITHDRAWN' };
    case S.PENDING:
      return { access: 'none', reason: 'DEVICE_NOT_INSTALLED' };
  }
}
