/**
 * `gbcs-sim inventory …`: the Smart Metering Inventory from the command line. Each function is one
 * command: it opens the database, calls the library (sim/inventory), prints, and returns the exit
 * status; refusals (`Refusal`, exit 1) and bad input (`GbcsError`, exit 2) are thrown for the CLI
 * to print as one line.
 */
import { checkCommsHubs } from '../sim/ch/check.ts';
import { checkInventory, checkSqlite } from '../sim/inventory/check.ts';
import { type PreNotification, SmartMeteringInventory } from '../sim/inventory/inventory.ts';
import type { DeviceRecord, DeviceType, SmiStatus } from '../sim/inventory/smi-status.ts';
import {
  commandClock,
  type DbOptions,
  DEFAULT_DB,
  type Io,
  isoTime,
  printChanges,
  withDatabase,
} from './dcc-db.ts';

const inventoryOf = (
  o: DbOptions,
  create: boolean,
  fn: (inv: SmartMeteringInventory, at: number) => number,
): number =>
  withDatabase(o.db ?? DEFAULT_DB, create, (db) =>
    fn(new SmartMeteringInventory(db), commandClock(o.at).now()),
  );

/** `inventory add`: SRV 12.2 Device Pre-notification. */
export function inventoryAdd(o: DbOptions & PreNotification, io: Io): number {
  return inventoryOf(o, true, (inv, at) => {
    printChanges(io, inv.preNotify(o, at), o.json);
    return 0;
  });
}

/** Lifecycle operations by their command-line verb. */
export const INVENTORY_VERBS = {
  whitelist: 'Update HAN Device Log (add), SRV 8.11: Pending → Whitelisted',
  join: 'the device joined the SMHAN (Join Service 8.7): Whitelisted → InstalledNotCommissioned',
  commission: 'Commission Device succeeded, SRV 8.1.1: InstalledNotCommissioned → Commissioned',
  decommission: 'Decommission Device, SRV 8.3',
  'opt-out': 'Service Opt Out, SRV 8.5 (non-domestic): Commissioned → Withdrawn',
  'opt-in': 'Service Opt In, SRV 8.6: Withdrawn → Commissioned',
  suspend: 'the Device Model left the CPL: → Suspended (alert DeviceSuspended)',
  restore: 'the Device Model is back on the CPL: Suspended → previous status (alert DeviceRestored)',
  recovery: 'SMKI Recovery disables communications: Commissioned → Recovery (from Service Release 1.3)',
  recovered:
    'SMKI Recovery complete: Recovery → Recovered (alert RecoveryComplete…; from Service Release 1.3)',
  delete: 'Update Inventory DeleteDevice, SRV 8.4: a Pending device leaves the SMI',
} as const;
export type InventoryVerb = keyof typeof INVENTORY_VERBS;

export interface EventOptions extends DbOptions {
  deviceId: string;
  chf?: string;
  gpf?: string;
  meter?: string;
  by?: string;
  acbCredentials?: boolean;
}

/** `inventory VERB EUI`: one lifecycle operation. */
export function inventoryEvent(verb: InventoryVerb, o: EventOptions, io: Io): number {
  return inventoryOf(o, false, (inv, at) => {
    const id = o.deviceId;
    const changes = (() => {
      switch (verb) {
        case 'whitelist':
          return inv.addToHanDeviceLog(
            id,
            { chf: o.chf!, ...(o.gpf ? { gpf: o.gpf } : {}), ...(o.meter ? { meter: o.meter } : {}) },
            at,
          );
        case 'join':
          return inv.join(id, at);
        case 'commission':
          return inv.commission(id, at, o.by);
        case 'decommission':
          return inv.decommission(id, at, o.by);
        case 'opt-out':
          return inv.serviceOptOut(id, at);
        case 'opt-in':
          return inv.serviceOptIn(id, at);
        case 'suspend':
          return inv.cplSuspend(id, at);
        case 'restore':
          return inv.cplRestore(id, at);
        case 'recovery':
          return inv.startRecovery(id, at);
        case 'recovered':
          return inv.completeRecovery(id, at, { acbCredentials: o.acbCredentials === true });
        case 'delete':
          return inv.deleteDevice(id, at);
      }
    })();
    printChanges(io, changes, o.json);
    return 0;
  });
}

/** `inventory suspend|restore --model MANUFACTURER/MODEL`: a whole Device Model on or off the CPL. */
export function inventoryCplModel(
  action: 'suspend' | 'restore',
  o: DbOptions & { manufacturer: string; model: string },
  io: Io,
): number {
  return inventoryOf(o, false, (inv, at) => {
    const changes = inv.cplModel(action, o.manufacturer, o.model, at);
    printChanges(io, changes, o.json);
    if (changes.length === 0 && !o.json)
      io.err(`gbcs-sim: no device of ${o.manufacturer}/${o.model} to ${action}`);
    return 0;
  });
}

export interface SetOptions extends DbOptions {
  deviceId: string;
  status?: SmiStatus;
  manufacturer?: string;
  model?: string;
  firmware?: string;
  mpxn?: string;
}

/** `inventory set`: SRV 8.4 Update Inventory (one choice: status, device details or MPxN). */
export function inventorySet(o: SetOptions, io: Io): number {
  return inventoryOf(o, false, (inv, at) => {
    const changes =
      o.status !== undefined
        ? inv.updateStatus(o.deviceId, o.status, at)
        : o.mpxn !== undefined
          ? inv.updateMpxn(o.deviceId, o.mpxn, at)
          : inv.updateDetails(
              o.deviceId,
              {
                ...(o.manufacturer !== undefined ? { manufacturer: o.manufacturer } : {}),
                ...(o.model !== undefined ? { model: o.model } : {}),
                ...(o.firmware !== undefined ? { firmwareVersion: o.firmware } : {}),
              },
              at,
            );
    printChanges(io, changes, o.json);
    return 0;
  });
}

const deviceJson = (d: DeviceRecord) => ({
  ...d,
  statusSince: isoTime(d.statusSince),
  dateCommissioned: d.dateCommissioned === null ? null : isoTime(d.dateCommissioned).slice(0, 10),
});

function deviceText(d: DeviceRecord): string[] {
  const rows: Array<[string, string | null]> = [
    ['device', `${d.deviceId} (${d.deviceType})`],
    ['SMI Status', `${d.status} since ${isoTime(d.statusSince)}`],
    ['status to restore', d.previousStatus],
    ['model', `${d.manufacturer} ${d.model}${d.firmwareVersion ? `, firmware ${d.firmwareVersion}` : ''}`],
    ['MPxN', d.importMpxn],
    ['CHF', d.chf],
    ['GPF', d.gpf],
    ['meter', d.meter],
    ['premises', d.nonDomestic ? 'non-domestic' : 'domestic'],
    ['responsible Supplier', d.supplier],
    ['date commissioned', d.dateCommissioned === null ? null : isoTime(d.dateCommissioned).slice(0, 10)],
  ];
  return rows.filter(([, v]) => v !== null).map(([k, v]) => `${`${k}:`.padEnd(22)}${v}`);
}

/** `inventory status EUI`. */
export function inventoryStatus(o: DbOptions & { deviceId: string }, io: Io): number {
  return inventoryOf(o, false, (inv) => {
    const d = inv.require(o.deviceId);
    if (o.json) io.out(JSON.stringify(deviceJson(d)));
    else for (const l of deviceText(d)) io.out(l);
    return 0;
  });
}

/** `inventory history EUI`: the status history, oldest first. */
export function inventoryHistory(o: DbOptions & { deviceId: string }, io: Io): number {
  return inventoryOf(o, false, (inv) => {
    for (const h of inv.history(o.deviceId))
      io.out(
        o.json
          ? JSON.stringify({ ...h, at: isoTime(h.at) })
          : `${isoTime(h.at)}  ${(h.from ?? '(new)').padEnd(24)} → ${h.to.padEnd(24)}  ${h.event}${h.srv ? ` (${h.srv})` : ''}${
              h.details ? `  ${JSON.stringify(h.details)}` : ''
            }`,
      );
    return 0;
  });
}

/** `inventory list`: devices, optionally by status / type. */
export function inventoryList(
  o: DbOptions & { status?: SmiStatus; deviceType?: DeviceType },
  io: Io,
): number {
  return inventoryOf(o, false, (inv) => {
    const filter = {
      ...(o.status ? { status: o.status } : {}),
      ...(o.deviceType ? { deviceType: o.deviceType } : {}),
    };
    for (const d of inv.list(filter))
      io.out(
        o.json
          ? JSON.stringify(deviceJson(d))
          : `${d.deviceId}  ${d.deviceType.padEnd(6)}  ${d.status.padEnd(24)}  since ${isoTime(d.statusSince)}  ${d.manufacturer} ${d.model}`,
      );
    return 0;
  });
}

/** `inventory alerts [EUI]`: the DCC alert log. */
export function inventoryAlerts(o: DbOptions & { deviceId?: string }, io: Io): number {
  return inventoryOf(o, false, (inv) => {
    for (const a of inv.alerts(o.deviceId))
      io.out(
        o.json
          ? JSON.stringify({ ...a, at: isoTime(a.at) })
          : `${isoTime(a.at)}  ${a.deviceId}  ${a.alert}${a.details ? `  ${JSON.stringify(a.details)}` : ''}`,
      );
    return 0;
  });
}

/**
 * `inventory check`: SQLite's integrity and foreign-key checks plus the inventory's and the CH
 * records' invariants. Exit 0 when all hold, 1 otherwise (each problem on stdout).
 */
export function inventoryCheck(o: DbOptions, io: Io): number {
  return withDatabase(o.db ?? DEFAULT_DB, false, (db) => {
    const inv = checkInventory(db);
    const ch = checkCommsHubs(db);
    const problems = [...checkSqlite(db), ...inv.problems, ...ch.problems];
    const counts = { ...inv.counts, ...ch.counts };
    if (o.json) io.out(JSON.stringify({ ok: problems.length === 0, problems, counts }));
    else {
      for (const p of problems) io.out(`problem: ${p}`);
      io.out(
        `${problems.length === 0 ? 'ok' : `${problems.length} problem(s)`}: integrity_check, foreign keys, ${counts.devices} devices (${counts.smiHistory} history entries, ${counts.dccAlerts} alerts), ${counts.hubs} hubs (${counts.chHistory} events, charges ${counts.chargesPence} p)`,
      );
    }
    return problems.length === 0 ? 0 : 1;
  });
}
