/**
 * The CHF Device Log ("whitelist": a device not in it cannot use the HAN) and the Historic Device
 * Log, as the CHF use cases read and change them (smki-recovery-ch-domain.md §4.4; RTDS 4.5.0 8.9,
 * 8.11, 8.12.1). COSEM: ZigBee network control (IC 104) 0-0:30.3.0.255 for the Device Log and
 * 0-0:30.3.1.255 for the Historic Device Log.
 *
 * - CCS01 Add Device to CHF device log (0x0001): `register_device` (method 1) with
 *   { device id octet-string(8), key type enum, install code octet-string (6–16 octets), category
 *   enum }, `join_timeout` (attribute 3, long-unsigned seconds, 1–3600), `enable_disable_joining`
 *   (attribute 2, boolean). A device already logged keeps its entry (install code ignored, success).
 *   A full log (`DEVICE_LOG_CAPACITY`) refuses with other-reason.
 * - CCS02 Remove device from CHF device log (0x0002): `unregister_device` (method 2) with the device
 *   id. A device with an established Trust Centre link key goes to the Historic Device Log first
 *   (updated if already there; 15 entries, oldest overwritten). A device not logged: success, no
 *   change (RTDS 8.11 CCS02 removes a device the hub never logged).
 * - CCS03 Restore CHF Device Log (0x0003): `restore_PAN` (method 5) with { Extended PAN ID
 *   octet-string(8), array of { device id, link key hash octet-string(16) } }: the log becomes the
 *   hub's own GPF and those devices (to rejoin with their keys); the network takes that PAN ID.
 * - CCS04/CCS05 (0x0004) read and CCS06 (0x010F) read-and-check: `active_devices` (attribute 4), an
 *   array of { device id, status bit-string(8), max/average/min RSSI integer (dBm), max/average/min
 *   LQI unsigned, last communication date-time, hops, transmission failures, transmission
 *   successes, application version, stack version } for the joined devices; CCS06 first checks
 *   communication with each (last communication = now, one more success).
 * - CCS07 Read CHF Device Logs (0x00FE): `backup_PAN` (method 4) on both logs: { date-time,
 *   Extended PAN ID, array of { device id, link key hash (16 octets; zeros when none) } }.
 *
 * Every change of the Device Log raises CS14 (0x8F12) with the changed device and the whole log
 * (an empty key for a device without a Trust Centre link key), and is logged in the CHF Event Log
 * (chf-events.ts). Radio figures (RSSI, LQI) are a
 * deterministic function of the device id [A]; the active-device status is 0xC8 (joined,
 * authorised, reachable) [A].
 */

import { equalBytes, fromHex, toHex } from '../../../protocol/bytes.ts';
import {
  type AccessRequestSpecification,
  ActionResult,
  DataAccessResult,
} from '../../../protocol/dlms/apdu.ts';
import type { DlmsData } from '../../../protocol/dlms/axdr.ts';
import { encodeDlmsDateTime } from '../../../protocol/dlms-date-time.ts';
import { GbcsError } from '../../../protocol/errors.ts';
import type { Eui64 } from '../../../protocol/types.ts';
import {
  AlertCode,
  type AlertSpec,
  deviceLogChangedSpec,
  type RaisedAlert,
  raiseAlert,
} from '../../device/alerts.ts';
import type { DeviceCore as Device, ExecutionContext, ExecutionResult } from '../../device/core.ts';
import type { HandlerRow } from '../model-table.ts';
import { handlerRow } from '../model-table.ts';
import { octets, raiseIfPossible, respondDlms, type SpecAnswer } from './dlms.ts';
import { logChfEvent } from './events.ts';
import {
  type ChfLogEntry,
  type ChfModel,
  chfModelOf,
  DEVICE_LOG_CAPACITY,
  HISTORIC_LOG_CAPACITY,
} from './state.ts';

export const MessageCode = {
  CCS01: 0x0001,
  CCS02: 0x0002,
  CCS03: 0x0003,
  CCS04: 0x0004,
  CCS06: 0x010f,
  CCS07: 0x00fe,
} as const;

const DEVICE_LOG = Uint8Array.of(0, 0, 30, 3, 0, 0xff);
const HISTORIC_LOG = Uint8Array.of(0, 0, 30, 3, 1, 0xff);
const ZIGBEE_NETWORK_CONTROL = 104;
const NO_KEY = new Uint8Array(16);

const isEui = (d: DlmsData | undefined): d is { type: 'octet-string'; value: Uint8Array } =>
  d?.type === 'octet-string' && d.value.length === 8;

/** The CS14 alert of a Device Log change. */
export function deviceLogChangedAlert(chf: ChfModel, changed: Eui64, at: number): AlertSpec {
  const entries = chf.deviceLog.map((e) => ({
    deviceId: e.deviceId,
    key: e.linkKeyHash ? fromHex(e.linkKeyHash) : new Uint8Array(0),
  }));
  return deviceLogChangedSpec(changed, entries, at);
}

function toHistoric(chf: ChfModel, e: ChfLogEntry): void {
  if (!e.linkKeyHash) return;
  const rest = chf.historicLog.filter((h) => h.deviceId !== e.deviceId);
  chf.historicLog = [...rest, { deviceId: e.deviceId, linkKeyHash: e.linkKeyHash }].slice(
    -HISTORIC_LOG_CAPACITY,
  );
}

/** Radio figures of a device: deterministic per device id [A]. */
function radio(dev: Device, id: Eui64) {
  const h = dev.crypto.sha256(fromHex(id));
  const avgRssi = -45 - (h[0]! % 40);
  const avgLqi = 120 + (h[1]! % 100);
  return {
    maxRssi: avgRssi + 3 + (h[2]! % 8),
    avgRssi,
    minRssi: avgRssi - 5 - (h[3]! % 15),
    maxLqi: Math.min(255, avgLqi + 10 + (h[4]! % 20)),
    avgLqi,
    minLqi: Math.max(0, avgLqi - 20 - (h[5]! % 30)),
  };
}

function activeDevice(dev: Device, e: ChfLogEntry): DlmsData {
  const r = radio(dev, e.deviceId);
  const i = (value: number): DlmsData => ({ type: 'integer', value });
  const u = (value: number): DlmsData => ({ type: 'unsigned', value: Math.max(0, Math.min(255, value)) });
  return {
    type: 'structure',
    value: [
      octets(fromHex(e.deviceId)),
      { type: 'bit-string', bits: 8, value: Uint8Array.of(0xc8) },
      i(r.maxRssi),
      i(r.avgRssi),
      i(r.minRssi),
      u(r.maxLqi),
      u(r.avgLqi),
      u(r.minLqi),
      octets(encodeDlmsDateTime(e.lastCommunicationMs ?? e.addedAtMs)),
      u(1),
      u(e.failures),
      u(e.successes),
      u(1),
      u(1),
    ],
  };
}

function backup(
  chf: ChfModel,
  entries: ReadonlyArray<{ deviceId: Eui64; linkKeyHash: string | null }>,
  now: number,
): DlmsData {
  return {
    type: 'structure',
    value: [
      octets(encodeDlmsDateTime(now)),
      octets(fromHex(chf.extendedPanId)),
      {
        type: 'array',
        value: entries.map((e) => ({
          type: 'structure' as const,
          value: [octets(fromHex(e.deviceId)), octets(e.linkKeyHash ? fromHex(e.linkKeyHash) : NO_KEY)],
        })),
      },
    ],
  };
}

const is = (spec: AccessRequestSpecification, obis: Uint8Array) =>
  (spec.type === 'action' ? spec.method : spec.attribute).classId === ZIGBEE_NETWORK_CONTROL &&
  equalBytes((spec.type === 'action' ? spec.method : spec.attribute).instanceId, obis);

/** The CHF use cases on IC 104 (see file doc). */
export function chfDeviceLog(ctx: ExecutionContext): ExecutionResult {
  const dev = ctx.device;
  const chf = chfModelOf(dev);
  const now = ctx.now;
  const code = ctx.header.messageCode;
  return respondDlms(ctx, (spec, data): SpecAnswer => {
    const undefinedObject = {
      result: spec.type === 'action' ? ActionResult.OBJECT_UNDEFINED : DataAccessResult.OBJECT_UNDEFINED,
    };
    if (is(spec, DEVICE_LOG)) {
      if (spec.type === 'action') {
        switch (spec.method.methodId) {
          case 1: {
            const v = data.type === 'structure' ? data.value : [];
            const [id, keyType, installCode, category] = v;
            if (
              v.length !== 4 ||
              !isEui(id) ||
              keyType?.type !== 'enum' ||
              installCode?.type !== 'octet-string' ||
              installCode.value.length < 6 ||
              installCode.value.length > 16 ||
              category?.type !== 'enum'
            )
              return { result: ActionResult.TYPE_UNMATCHED };
            const deviceId = toHex(id.value);
            if (chf.deviceLog.some((e) => e.deviceId === deviceId)) return { result: ActionResult.SUCCESS };
            if (chf.deviceLog.length >= DEVICE_LOG_CAPACITY) return { result: ActionResult.OTHER_REASON };
            chf.deviceLog.push({
              deviceId,
              keyType: keyType.value,
              installCode: toHex(installCode.value),
              category: category.value,
              linkKeyHash: null,
              joined: false,
              addedAtMs: now,
              lastCommunicationMs: null,
              successes: 0,
              failures: 0,
            });
            raiseIfPossible(ctx, deviceLogChangedAlert(chf, deviceId, now));
            return { result: ActionResult.SUCCESS };
          }
          case 2: {
            if (!isEui(data)) return { result: ActionResult.TYPE_UNMATCHED };
            const deviceId = toHex(data.value);
            const i = chf.deviceLog.findIndex((e) => e.deviceId === deviceId);
            // Not (or no longer) logged: nothing to remove, and the outcome is the one asked for.
            if (i < 0) return { result: ActionResult.SUCCESS };
            toHistoric(chf, chf.deviceLog[i]!);
            chf.deviceLog.splice(i, 1);
            raiseIfPossible(ctx, deviceLogChangedAlert(chf, deviceId, now));
            return { result: ActionResult.SUCCESS };
          }
          case 4:
            return { result: ActionResult.SUCCESS, data: backup(chf, chf.deviceLog, now) };
          case 5: {
            const v = data.type === 'structure' ? data.value : [];
            const [pan, list] = v;
            if (v.length !== 2 || !isEui(pan) || list?.type !== 'array')
              return { result: ActionResult.TYPE_UNMATCHED };
            const restored: ChfLogEntry[] = [];
            for (const item of list.value) {
              const [id, key] = item.type === 'structure' ? item.value : [];
              if (!isEui(id) || key?.type !== 'octet-string' || key.value.length !== 16)
                return { result: ActionResult.TYPE_UNMATCHED };
              restored.push({
                deviceId: toHex(id.value),
                keyType: 0,
                installCode: '',
                category: 0,
                linkKeyHash: equalBytes(key.value, NO_KEY) ? null : toHex(key.value),
                joined: false,
                addedAtMs: now,
                lastCommunicationMs: null,
                successes: 0,
                failures: 0,
              });
            }
            const gpf = chf.deviceLog[0];
            const log = [...(gpf ? [gpf] : []), ...restored.filter((r) => r.deviceId !== gpf?.deviceId)];
            if (log.length > DEVICE_LOG_CAPACITY) return { result: ActionResult.OTHER_REASON };
            chf.deviceLog = log;
            chf.extendedPanId = toHex(pan.value);
            return { result: ActionResult.SUCCESS };
          }
          default:
            return undefinedObject;
        }
      }
      const attr = spec.attribute.attributeId;
      if (spec.type === 'get' && attr === 4) {
        if (code === MessageCode.CCS06) {
          for (const e of chf.deviceLog) {
            if (!e.joined) continue;
            e.lastCommunicationMs = now;
            e.successes++;
          }
        }
        return {
          result: 0,
          data: {
            type: 'array',
            value: chf.deviceLog.filter((e) => e.joined).map((e) => activeDevice(dev, e)),
          },
        };
      }
      if (spec.type === 'get' && attr === 2)
        return { result: 0, data: { type: 'boolean', value: chf.joining.enabled } };
      if (spec.type === 'get' && attr === 3)
        return { result: 0, data: { type: 'long-unsigned', value: chf.joining.timeoutS } };
      if (spec.type === 'set' && attr === 2) {
        if (data.type !== 'boolean') return { result: DataAccessResult.TYPE_UNMATCHED };
        chf.joining.enabled = data.value;
        chf.joining.openedAtMs = data.value ? now : null;
        return { result: 0 };
      }
      if (spec.type === 'set' && attr === 3) {
        if (data.type !== 'long-unsigned') return { result: DataAccessResult.TYPE_UNMATCHED };
        if (data.value < 1 || data.value > 3600) return { result: DataAccessResult.OTHER_REASON };
        chf.joining.timeoutS = data.value;
        return { result: 0 };
      }
      return undefinedObject;
    }
    if (is(spec, HISTORIC_LOG) && spec.type === 'action' && spec.method.methodId === 4) {
      return { result: ActionResult.SUCCESS, data: backup(chf, chf.historicLog, now) };
    }
    return undefinedObject;
  });
}

/**
 * A device on the CHF Device Log joined the HAN (or rejoined) with a Trust Centre link key: it
 * becomes active and the log records the key's hash (SHA-256, first 16 octets [A]); CS14 reports it.
 * @returns the CS14 alert, or null when the device is not on the Device Log (it cannot join), the
 *   key did not change, or the hub holds no cell to address the alert to
 */
export function hanDeviceJoined(
  dev: Device,
  deviceId: Eui64,
  linkKey: Uint8Array | null,
): RaisedAlert | null {
  const chf = chfModelOf(dev);
  const e = chf.deviceLog.find((x) => x.deviceId === deviceId);
  if (!e) return null;
  const now = dev.clock.now();
  e.joined = true;
  e.lastCommunicationMs = now;
  const hash = linkKey ? toHex(dev.crypto.sha256(linkKey).subarray(0, 16)) : e.linkKeyHash;
  const changed = hash !== e.linkKeyHash;
  e.linkKeyHash = hash;
  if (changed) logChfEvent(chf, 'event', AlertCode.CHF_DEVICE_LOG_CHANGED, now);
  dev.persist();
  if (!changed) return null;
  try {
    return raiseAlert(dev, deviceLogChangedAlert(chf, deviceId, now));
  } catch (e) {
    // No recipient cell (an unprovisioned hub): the join stands, the alert cannot leave.
    if (e instanceof GbcsError) return null;
    throw e;
  }
}

/** This file's use-case handlers: (device types, Message Codes, handler); sim/models/index.ts puts them in `MODELS`. */
export const HANDLERS: readonly HandlerRow[] = [
  handlerRow(
    ['CHF'],
    [
      MessageCode.CCS01,
      MessageCode.CCS02,
      MessageCode.CCS03,
      MessageCode.CCS04,
      MessageCode.CCS06,
      MessageCode.CCS07,
    ],
    chfDeviceLog,
  ),
];
