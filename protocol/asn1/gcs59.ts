/**
 * The GPF Device Log backup and restore: GCS59 "Restore GPF Device Log" (Message Code 0x008C) and
 * GCS62 "Backup GPF Device Log" (alert, 0x00B2).
 *
 *   Command  ::= SEQUENCE { deviceLogEntries SEQUENCE OF DeviceLogEntry }
 *   Response ::= SEQUENCE { restoreOutcomes SEQUENCE OF SEQUENCE { deviceLogEntry DeviceLogEntry,
 *                           joinResponseCode JoinResponseCode } }
 *   Alert    ::= SEQUENCE { alertCode INTEGER, backupDateTime GeneralizedTime,
 *                           deviceLogEntries SEQUENCE OF DeviceLogEntry }
 *
 * Pinned by RTDS 4.5.0 8.12.2 and NA_GCS62.
 */
import { DerTag, derGeneralizedTime, derInteger } from './der.ts';
import {
  alertCodeValue,
  DerFields,
  type DeviceLogEntry,
  decodeGbcsCommandDer,
  decodeGbcsDer,
  derDeviceLogEntry,
  derSequence,
  deviceLogEntryValue,
  intValue,
  sequenceOf,
  timeValue,
} from './gbcs-types.ts';

export const GPF_DEVICE_LOG_BACKUP_ALERT_MESSAGE_CODE = 0x00b2;

export interface RestoreOutcome {
  entry: DeviceLogEntry;
  /** JoinResponseCode (cs03.ts). */
  joinResponseCode: number;
}

export interface GpfDeviceLogBackupAlert {
  alertCode: number;
  backupDateTime: number;
  entries: DeviceLogEntry[];
}

/** @throws DecodeError on malformed input */
export function decodeGpfDeviceLogRestoreCommand(bytes: Uint8Array): DeviceLogEntry[] {
  const f = new DerFields(decodeGbcsCommandDer(bytes), 'GCS59 command', DerTag.SEQUENCE);
  const entries = sequenceOf(f.next(DerTag.SEQUENCE, 'Device Log Entries'), 'Device Log Entries', (n) =>
    deviceLogEntryValue(n),
  );
  f.end();
  return entries;
}

export const encodeGpfDeviceLogRestoreCommand = (entries: readonly DeviceLogEntry[]): Uint8Array =>
  derSequence(derSequence(...entries.map(derDeviceLogEntry)));

/** @throws DecodeError on malformed input */
export function decodeGpfDeviceLogRestoreResponse(bytes: Uint8Array): RestoreOutcome[] {
  const f = new DerFields(decodeGbcsDer(bytes), 'GCS59 response', DerTag.SEQUENCE);
  const outcomes = sequenceOf(f.next(DerTag.SEQUENCE, 'Restore Outcomes'), 'Restore Outcomes', (n) => {
    const o = new DerFields(n, 'Restore Outcome', DerTag.SEQUENCE);
    const entry = deviceLogEntryValue(o.next(DerTag.SEQUENCE, 'Device Log Entry'));
    const joinResponseCode = intValue(
      o.next(DerTag.INTEGER, 'Join Response Code'),
      'Join Response Code',
      0,
      255,
    );
    o.end();
    return { entry, joinResponseCode };
  });
  f.end();
  return outcomes;
}

export const encodeGpfDeviceLogRestoreResponse = (outcomes: readonly RestoreOutcome[]): Uint8Array =>
  derSequence(
    derSequence(
      ...outcomes.map((o) => derSequence(derDeviceLogEntry(o.entry), derInteger(o.joinResponseCode))),
    ),
  );

/** @throws DecodeError on malformed input */
export function decodeGpfDeviceLogBackupAlert(bytes: Uint8Array): GpfDeviceLogBackupAlert {
  const f = new DerFields(decodeGbcsDer(bytes), 'GCS62 alert', DerTag.SEQUENCE);
  const alertCode = alertCodeValue(f.next(DerTag.INTEGER, 'Alert Code'));
  const backupDateTime = timeValue(f.next(DerTag.GENERALIZED_TIME, 'Backup Date Time'), 'Backup Date Time');
  const entries = sequenceOf(f.next(DerTag.SEQUENCE, 'Device Log Entries'), 'Device Log Entries', (n) =>
    deviceLogEntryValue(n),
  );
  f.end();
  return { alertCode, backupDateTime, entries };
}

export const encodeGpfDeviceLogBackupAlert = (a: GpfDeviceLogBackupAlert): Uint8Array =>
  derSequence(
    derInteger(a.alertCode),
    derGeneralizedTime(a.backupDateTime),
    derSequence(...a.entries.map(derDeviceLogEntry)),
  );
