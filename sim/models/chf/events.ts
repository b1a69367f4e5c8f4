/**
 * The CHF's own Event Log and Security Log (the entries ECS35c / ECS35d read, chf-logs.ts): what
 * the Communications Hub Function records of its own events, kept at `model.chf.logs`:
 *
 * ```
 * {
 *   event: [secondsSince2000, eventCode, detailsHex][],     // at most EVENT_LOG_CAPACITY, oldest dropped
 *   security: [secondsSince2000, eventCode, detailsHex][],  // at most SECURITY_LOG_CAPACITY
 *   firmwareSeen: { version: hex, imageHash: hex | null }   // the firmware state last logged
 * }
 * ```
 * Event codes are GBCS alert/event codes (Table 16.2; gbcs-parser code table). What is logged:
 *
 * - every command the CHF executes: 0x8154 "Immediate HAN Interface Command Received and
 *   Successfully Actioned", or 0x8155 "… not Successfully Actioned" when any of its access results
 *   is not success, with the command's Message Code (2 octets, big-endian) as details — as the RTDS
 *   CHF Event Log shows them (RTDS 4.5.0 6.13 ECS35c: octet-strings `00 9B`, `00 90`); chf-dlms.ts
 *   respondDlms logs them once the response is built;
 * - every event the CHF alerts on (Device Log changes 0x8F12, Sub GHz 0x8F26 / 0x8F28 / 0x8F2A), in
 *   the Event Log, no details (chf-dlms.ts raiseIfPossible, chf-device-log.ts hanDeviceJoined);
 * - firmware: a newly held image 0x8F72 "Firmware Verification Successful" (Event Log) and a change
 *   of the running version 0x8F43 "Change in the executing Firmware version" (Security Log, details
 *   the new version), noticed from `model.firmware` (security-and-join-firmware.ts) when the CHF
 *   next executes a command, the activation at its own time;
 * - commissioning: 0x8F69 "Device commissioned" (Security Log) when the logs begin.
 *
 * Capacities are 100 entries each, as the ESME's logs [A].
 */
import { toHex } from '../../../protocol/bytes.ts';
import type { DeviceCore as Device } from '../../device/core.ts';
import { firmwareOf } from '../security/firmware.ts';
import { ChfEvent, type ChfLogs, type ChfModel, chfModelOf, newChfLogs, zigbeeSeconds } from './state.ts';

/** Entries each log keeps [A]. */
export const EVENT_LOG_CAPACITY = 100;
export const SECURITY_LOG_CAPACITY = 100;

export type ChfLogName = 'event' | 'security';

const CAPACITY: Record<ChfLogName, number> = { event: EVENT_LOG_CAPACITY, security: SECURITY_LOG_CAPACITY };

/** The CHF's logs, begun (with the commissioning entry) on first use at `nowMs`. */
export function chfLogsOf(chf: ChfModel, nowMs: number): ChfLogs {
  const l = chf.logs;
  if (l && Array.isArray(l.event) && Array.isArray(l.security)) return l;
  chf.logs = newChfLogs(nowMs);
  return chf.logs;
}

/** Appends an entry (entries stay in time order: a late one is placed by its time); the oldest beyond capacity are dropped. */
export function logChfEvent(
  chf: ChfModel,
  log: ChfLogName,
  code: number,
  atMs: number,
  details: Uint8Array | string = '',
): void {
  const logs = chfLogsOf(chf, atMs);
  const t = zigbeeSeconds(atMs);
  const hex = typeof details === 'string' ? details : toHex(details);
  const rows = logs[log];
  let i = rows.length;
  while (i > 0 && rows[i - 1]![0] > t) i--;
  rows.splice(i, 0, [t, code & 0xffff, hex]);
  if (rows.length > CAPACITY[log]) rows.splice(0, rows.length - CAPACITY[log]);
}

/**
 * Notices firmware changes since the CHF last looked (`model.firmware`): a newly held image is
 * logged 0x8F72 at `nowMs`, a new running version 0x8F43 at its activation time (else `nowMs`).
 */
export function syncChfFirmwareEvents(dev: Device, nowMs: number): void {
  const chf = chfModelOf(dev);
  const logs = chfLogsOf(chf, nowMs);
  const fw = firmwareOf(dev);
  const current = { version: fw.version, imageHash: fw.image?.hash ?? null };
  const seen = logs.firmwareSeen;
  logs.firmwareSeen = current;
  if (!seen) return;
  if (current.imageHash !== null && current.imageHash !== seen.imageHash)
    logChfEvent(chf, 'event', ChfEvent.FIRMWARE_VERIFICATION_SUCCESSFUL, nowMs);
  if (current.version !== seen.version)
    logChfEvent(
      chf,
      'security',
      ChfEvent.FIRMWARE_VERSION_CHANGED,
      Math.min(nowMs, fw.activatedAtMs ?? nowMs),
      current.version,
    );
}

/** Big-endian Message Code, the details of 0x8154 / 0x8155. */
export const messageCodeDetails = (code: number): string => (code & 0xffff).toString(16).padStart(4, '0');
