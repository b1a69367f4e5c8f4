/**
 * The DCC's gate between Remote Parties and the devices: before a command leaves for a device it
 * consults the Smart Metering Inventory (sim/inventory) for the recipient's SMI Status, and after
 * the device has answered — or alerted — it moves the inventory on (whitelisting, join,
 * commissioning). The devices never see it (they answer what reaches them); the DCC is where the
 * SMI Status matters.
 *
 * The rule chosen (smki-recovery-ch-domain.md §4.3 "Service eligibility", tagged [A] there; the
 * use-case lists are this simulator's reading of it, [A]):
 * - the recipient must be in the SMI, else `UNKNOWN_DEVICE` [A: the DCC serves only devices it holds];
 * - Commissioned, Recovered (`serviceEligibility` `all`): every command;
 * - Whitelisted, InstalledNotCommissioned (`installation`): only `INSTALLATION_USE_CASES` — credential
 *   use cases (CS02a–g), joins and unjoins (CS03x, CS04x, CS07) and the commissioning clock sets
 *   (ECS70, GCS28) — else `DEVICE_NOT_COMMISSIONED`;
 * - Recovery (`recovery-only`): only the DCC's recovery Update Security Credentials (CS02b
 *   anyExceptAbnormalRootByRecovery / anyByContingency), else `DEVICE_IN_RECOVERY`;
 * - Pending, Suspended, Decommissioned, Withdrawn (`none`): nothing — `DEVICE_NOT_INSTALLED`,
 *   `DEVICE_SUSPENDED`, `DEVICE_DECOMMISSIONED`, `DEVICE_WITHDRAWN`.
 * A refused command is not sent and changes nothing (device or inventory).
 *
 * What moves the inventory (each only from the status the transition table takes it from; any
 * other status is left as it is):
 * - a successful CCS01 (Update HAN Device Log, SRV 8.11) to a CHF: the device it adds, Pending →
 *   Whitelisted, associated with that CHF (and a GSME with the hub's GPF) — §4.3 row 3 [I];
 * - CS14 (0x8F12) from a CHF whose changed device now has a Trust Centre link key (it joined the
 *   SMHAN), or a successful CS03x join command naming the recipient or its partner: Whitelisted →
 *   InstalledNotCommissioned — row 4 [A];
 * - a successful ECS70 / GCS28 (Commission Device, SRV 8.1.1), or alert 0x8F69 "Device
 *   commissioned" from the device: InstalledNotCommissioned → Commissioned — row 6 [I]; the
 *   command's originator is the Supplier the responsible-Supplier guard checks.
 * The caller gives the gate only responses and alerts it has verified (the head-end does).
 *
 * Device Log copies (device-log-copies.ts): every CS14 replaces the DCC's copy of that CHF's Device
 * Log (entries with their link key hashes), every GCS62 the copy of that GPF's. On a hub
 * replacement `restoreCommands` builds CCS03 (restore_PAN: the old network's Extended PAN ID and the
 * copied entries but the old GPF — the new CHF logs its own) and GCS59 from them, and
 * `deviceLogRestored` logs the DCC alert DeviceLogRestored (old and new CHF and GPF) [S39]. The old
 * network's Extended PAN ID is the old CHF's EUI, as a hub forms its network (chf/state.ts) [A].
 */
import { decodeJoinDeviceCommand } from '../../protocol/asn1/cs03.ts';
import { decodeDer, derIntegerValue } from '../../protocol/asn1/der.ts';
import {
  decodeGpfDeviceLogBackupAlert,
  encodeGpfDeviceLogRestoreCommand,
} from '../../protocol/asn1/gcs59.ts';
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { encodeDlmsApdu } from '../../protocol/dlms/apdu.ts';
import type { DlmsData } from '../../protocol/dlms/axdr.ts';
import { decodeGbcsMessage } from '../../protocol/envelope.ts';
import { GbcsError } from '../../protocol/errors.ts';
import type { GroupingHeader } from '../../protocol/grouping-header.ts';
import { decodePayload } from '../../protocol/payload.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { useCaseOf } from '../../protocol/use-case-catalogue.ts';
import type { Clock } from '../clock.ts';
import { liiap } from '../head-end/scenario.ts';
import { type ChfLogCopyEntry, DeviceLogCopies } from '../inventory/device-log-copies.ts';
import type { InventoryChange, SmartMeteringInventory } from '../inventory/inventory.ts';
import { SmiStatus as S, type SmiStatus, serviceEligibility } from '../inventory/smi-status.ts';

/** Use cases the DCC sends to a Whitelisted or InstalledNotCommissioned device (see file doc, [A]). */
export const INSTALLATION_USE_CASES: readonly string[] = [
  'CS02a',
  'CS02b',
  'CS02c',
  'CS02d',
  'CS02e',
  'CS02f',
  'CS02g',
  'CS03A1',
  'CS03A2',
  'CS03B',
  'CS03C',
  'CS04AC',
  'CS04B',
  'CS07',
  'ECS70',
  'GCS28',
];

/** Stable codes of the gate's refusals. */
export const GateRefusal = {
  UNKNOWN_DEVICE: 'UNKNOWN_DEVICE',
  DEVICE_NOT_INSTALLED: 'DEVICE_NOT_INSTALLED',
  DEVICE_NOT_COMMISSIONED: 'DEVICE_NOT_COMMISSIONED',
  DEVICE_IN_RECOVERY: 'DEVICE_IN_RECOVERY',
  DEVICE_SUSPENDED: 'DEVICE_SUSPENDED',
  DEVICE_DECOMMISSIONED: 'DEVICE_DECOMMISSIONED',
  DEVICE_WITHDRAWN: 'DEVICE_WITHDRAWN',
} as const;
export type GateRefusal = (typeof GateRefusal)[keyof typeof GateRefusal];

export type GateVerdict =
  | { ok: true; status: SmiStatus }
  | { ok: false; code: GateRefusal; message: string; status: SmiStatus | null };

/** What an observation did to the inventory; `skipped` names inventory refusals it met (nothing written). */
export interface GateObservation {
  changes: InventoryChange[];
  skipped: Array<{ deviceId: Eui64; code: string; message: string }>;
}

const CCS01 = 0x0001;
const CS14 = 0x0018;
const GCS62 = 0x00b2;
const DEVICE_COMMISSIONED = 0x8f69;
const JOINS = ['CS03A1', 'CS03A2', 'CS03B', 'CS03C'];
const COMMISSIONING = ['ECS70', 'GCS28'];
const ZIGBEE_NETWORK_CONTROL = 104;
const DEVICE_LOG_OBIS = '00001e0300ff';

/** The header and payload of a whole (non-GBT) message, or null when it cannot be read. */
function open(bytes: Uint8Array): { header: GroupingHeader; payload: Uint8Array } | null {
  try {
    const m = decodeGbcsMessage(bytes);
    return m.form === 'gbt' ? null : { header: m.apdu.header, payload: m.apdu.payload };
  } catch (e) {
    if (e instanceof GbcsError) return null;
    throw e;
  }
}

/** The device a CCS01 payload registers (IC 104 0-0:30.3.0.255 method 1, first field). */
function registeredDevice(payload: Uint8Array): Eui64 | null {
  try {
    const d = decodePayload(payload);
    if (d.encoding !== 'dlms' || d.apdu.type !== 'access-request') return null;
    const i = d.apdu.specifications.findIndex(
      (s) =>
        s.type === 'action' &&
        s.method.classId === ZIGBEE_NETWORK_CONTROL &&
        toHex(s.method.instanceId) === DEVICE_LOG_OBIS &&
        s.method.methodId === 1,
    );
    const data = d.apdu.data[i];
    const id = data?.type === 'structure' ? data.value[0] : undefined;
    return id?.type === 'octet-string' && id.value.length === 8 ? toHex(id.value) : null;
  } catch (e) {
    if (e instanceof GbcsError) return null;
    throw e;
  }
}

/** The fields of a DLMS alert's notification body after the alert code and time. */
function dlmsAlertBody(payload: Uint8Array): { code: number | null; rest: DlmsData[] } {
  const d = decodePayload(payload);
  if (d.encoding === 'dlms' && d.apdu.type === 'data-notification') {
    const body = d.apdu.notificationBody;
    const v = body.type === 'structure' ? body.value : [];
    return { code: v[0]?.type === 'long-unsigned' ? v[0].value : null, rest: v.slice(2) };
  }
  if (d.encoding === 'gbz' && d.gbz.type === 'alert') return { code: d.gbz.alertCode, rest: [] };
  if (d.encoding === 'asn1') {
    const first = decodeDer(payload, 0, { allowNonMinimalLength: true }).children?.[0];
    return { code: first?.tag === 0x02 ? Number(derIntegerValue(first)) : null, rest: [] };
  }
  return { code: null, rest: [] };
}

/** CS14's changed device and whether it now has a Trust Centre link key (a non-empty key). */
function cs14Joined(rest: DlmsData[]): Eui64 | null {
  const s = rest[0];
  if (s?.type !== 'structure') return null;
  const [, changed, log] = s.value;
  if (changed?.type !== 'octet-string' || changed.value.length !== 8 || log?.type !== 'array') return null;
  const id = toHex(changed.value);
  const entry = log.value.find(
    (e) => e.type === 'structure' && e.value[0]?.type === 'octet-string' && toHex(e.value[0].value) === id,
  );
  const key = entry?.type === 'structure' ? entry.value[1] : undefined;
  return key?.type === 'octet-string' && key.value.length > 0 ? id : null;
}

/** Every entry of a CS14's Device Log: device id and link key hash (null for an empty key). */
function cs14Log(rest: DlmsData[]): ChfLogCopyEntry[] | null {
  const s = rest[0];
  const log = s?.type === 'structure' ? s.value[2] : undefined;
  if (log?.type !== 'array') return null;
  const out: ChfLogCopyEntry[] = [];
  for (const e of log.value) {
    const [id, key] = e.type === 'structure' ? e.value : [];
    if (id?.type !== 'octet-string' || id.value.length !== 8 || key?.type !== 'octet-string') return null;
    out.push({ deviceId: toHex(id.value), linkKeyHash: key.value.length > 0 ? toHex(key.value) : null });
  }
  return out;
}

/** CCS03: restore_PAN (IC 104 0-0:30.3.0.255 method 5) with { Extended PAN ID, [{ device id, key hash(16) }] }. */
function restorePanPayload(pan: Eui64, entries: readonly ChfLogCopyEntry[], counter: bigint): Uint8Array {
  const os = (value: Uint8Array): DlmsData => ({ type: 'octet-string', value });
  return encodeDlmsApdu({
    type: 'access-request',
    longInvokeIdAndPriority: liiap(counter),
    dateTime: null,
    specifications: [
      {
        type: 'action',
        method: { classId: ZIGBEE_NETWORK_CONTROL, instanceId: fromHex(DEVICE_LOG_OBIS), methodId: 5 },
      },
    ],
    data: [
      {
        type: 'structure',
        value: [
          os(fromHex(pan)),
          {
            type: 'array',
            value: entries.map((e) => ({
              type: 'structure' as const,
              value: [
                os(fromHex(e.deviceId)),
                os(e.linkKeyHash ? fromHex(e.linkKeyHash) : new Uint8Array(16)),
              ],
            })),
          },
        ],
      },
    ],
  });
}

/** The DCC gate over one Smart Metering Inventory (see file doc). */
export class DccGate {
  readonly inventory: SmartMeteringInventory;
  private readonly clock: Clock;
  private logCopies: DeviceLogCopies | null = null;

  constructor(inventory: SmartMeteringInventory, clock: Clock) {
    this.inventory = inventory;
    this.clock = clock;
  }

  /** The DCC's copies of the CHF and GPF Device Logs (in the inventory's database). */
  get copies(): DeviceLogCopies {
    this.logCopies ??= new DeviceLogCopies(this.inventory.db);
    return this.logCopies;
  }

  /**
   * The commands that restore a replaced hub's Device Logs from the DCC's copies: the CCS03 payload
   * for the new CHF (a function of the Originator Counter, as DLMS payloads are) and the GCS59
   * payload for the new GPF; null where the DCC holds no copy.
   */
  restoreCommands(
    oldChf: Eui64,
    oldGpf: Eui64,
  ): { ccs03: ((c: bigint) => Uint8Array) | null; gcs59: Uint8Array | null } {
    const chf = this.copies.get(oldChf);
    const gpf = this.copies.get(oldGpf);
    const entries = chf?.kind === 'CHF' ? chf.entries.filter((e) => e.deviceId !== oldGpf) : null;
    return {
      ccs03: entries && ((c) => restorePanPayload(oldChf, entries, c)),
      gcs59: gpf?.kind === 'GPF' ? encodeGpfDeviceLogRestoreCommand(gpf.entries) : null,
    };
  }

  /** The replacement hub's Device Logs are restored: DCC alert DeviceLogRestored [S39]. */
  deviceLogRestored(ids: { oldChf: Eui64; newChf: Eui64; oldGpf: Eui64; newGpf: Eui64 }): InventoryChange[] {
    return this.inventory.raiseDccAlert('DeviceLogRestored', ids.newChf, this.clock.now(), { ...ids });
  }

  /** Whether a command with this recipient and Message Code may be sent (see file doc). */
  admit(recipientId: Eui64, messageCode: number): GateVerdict {
    const d = this.inventory.get(recipientId);
    if (!d)
      return {
        ok: false,
        code: 'UNKNOWN_DEVICE',
        message: `${recipientId} is not in the Smart Metering Inventory`,
        status: null,
      };
    const uc = useCaseOf(messageCode);
    const name = uc?.useCase ?? `0x${messageCode.toString(16).padStart(4, '0')}`;
    const e = serviceEligibility(d.status);
    const refuse = (code: GateRefusal, why: string): GateVerdict => ({
      ok: false,
      code,
      message: `${name} to ${recipientId} (${d.deviceType}, SMI Status ${d.status}): ${why}`,
      status: d.status,
    });
    switch (e.access) {
      case 'all':
        return { ok: true, status: d.status };
      case 'installation':
        return INSTALLATION_USE_CASES.includes(name)
          ? { ok: true, status: d.status }
          : refuse(
              'DEVICE_NOT_COMMISSIONED',
              'before commissioning only credential, join and commissioning use cases',
            );
      case 'recovery-only':
        return uc?.useCase === 'CS02b' && /ByRecovery|ByContingency/.test(uc.title)
          ? { ok: true, status: d.status }
          : refuse('DEVICE_IN_RECOVERY', 'only the DCC recovery Update Security Credentials');
      case 'none':
        return refuse(e.reason as GateRefusal, `no traffic in SMI Status ${d.status}`);
    }
  }

  /**
   * `admit` for the bytes of a protected command. A message the gate cannot read (malformed, or a
   * GBT block) is not its to judge: it passes, and the device refuses it if it must.
   */
  admitBytes(bytes: Uint8Array): GateVerdict | null {
    const m = open(bytes);
    return m ? this.admit(m.header.recipientId, m.header.messageCode) : null;
  }

  /**
   * The device answered `command` (its bytes as sent); `success`: the response verified and reports
   * success. Moves the inventory as the file doc says.
   */
  responded(command: Uint8Array, success: boolean): GateObservation {
    const out: GateObservation = { changes: [], skipped: [] };
    const m = success ? open(command) : null;
    if (!m) return out;
    const { header, payload } = m;
    const useCase = useCaseOf(header.messageCode)?.useCase ?? '';
    if (header.messageCode === CCS01) {
      const id = registeredDevice(payload);
      const d = id ? this.inventory.get(id) : null;
      if (id && d?.status === S.PENDING) {
        const gpf = d.deviceType === 'GSME' ? this.inventory.gpfOfChf(header.recipientId) : null;
        this.move(out, id, () =>
          this.inventory.addToHanDeviceLog(
            id,
            { chf: header.recipientId, ...(gpf ? { gpf } : {}) },
            this.clock.now(),
          ),
        );
      }
    } else if (JOINS.includes(useCase)) {
      let partner: Eui64 | null = null;
      try {
        partner = decodeJoinDeviceCommand(payload).entityId;
      } catch (e) {
        if (!(e instanceof GbcsError)) throw e;
      }
      for (const id of [header.recipientId, partner]) if (id) this.joined(out, id);
    } else if (COMMISSIONING.includes(useCase)) {
      this.commissioned(out, header.recipientId, header.originatorId);
    }
    return out;
  }

  /** An alert reached the DCC (its bytes; verified by the caller). Moves the inventory as the file doc says. */
  alerted(alert: Uint8Array): GateObservation {
    const out: GateObservation = { changes: [], skipped: [] };
    const m = open(alert);
    if (!m) return out;
    let body: ReturnType<typeof dlmsAlertBody>;
    try {
      body = dlmsAlertBody(m.payload);
    } catch (e) {
      if (e instanceof GbcsError) return out;
      throw e;
    }
    if (m.header.messageCode === CS14) {
      const log = cs14Log(body.rest);
      if (log)
        this.copies.save({
          kind: 'CHF',
          deviceId: m.header.originatorId,
          at: this.clock.now(),
          entries: log,
        });
      const id = cs14Joined(body.rest);
      if (id) this.joined(out, id);
    } else if (m.header.messageCode === GCS62) {
      try {
        const a = decodeGpfDeviceLogBackupAlert(m.payload);
        this.copies.save({
          kind: 'GPF',
          deviceId: m.header.originatorId,
          at: this.clock.now(),
          entries: a.entries,
        });
      } catch (e) {
        if (!(e instanceof GbcsError)) throw e;
      }
    } else if (body.code === DEVICE_COMMISSIONED) {
      this.commissioned(out, m.header.originatorId, undefined);
    }
    return out;
  }

  private joined(out: GateObservation, id: Eui64): void {
    if (this.inventory.get(id)?.status === S.WHITELISTED)
      this.move(out, id, () => this.inventory.join(id, this.clock.now()));
  }

  private commissioned(out: GateObservation, id: Eui64, by: Eui64 | undefined): void {
    if (this.inventory.get(id)?.status === S.INSTALLED_NOT_COMMISSIONED)
      this.move(out, id, () => this.inventory.commission(id, this.clock.now(), by));
  }

  private move(out: GateObservation, id: Eui64, op: () => InventoryChange[]): void {
    try {
      out.changes.push(...op());
    } catch (e) {
      if (!(e instanceof GbcsError)) throw e;
      out.skipped.push({ deviceId: id, code: e.code, message: e.message });
    }
  }
}
