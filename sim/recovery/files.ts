/**
 * The files of the SMKI Recovery Procedure exchanged between the affected Subscribers, the DCC and
 * the SMKI PMA (reference §3.3 [S32]): the Organisation Compromise Notification File and the
 * Organisation Compromise Recovery Progress Files when the compromised key is an Organisation
 * key; the Other Compromise Notification File and Other Compromise Recovery Progress Files for any
 * other key. Their names are stated by the 2015 file-format consultation; their layout is not
 * public, so this layout is gbcs-sim's [A]: UTF-8 CSV (RFC 4180, CRLF line ends), a header block
 * of `Field,Value` records, a blank line, then (progress files) one record per Relevant Device:
 *
 * ```
 * FileType,OrganisationCompromiseNotification | OrganisationCompromiseRecoveryProgress | OtherCompromise…
 * Layout,gbcs-sim/1
 * IncidentId,1
 * GeneratedAt,2016-11-07T00:00:00.000Z
 * CompromisedKey,supplier-ds
 * Description,the Supplier’s digital-signing key
 * Case,R2                      (progress files; notification: once decided)
 * Method,2
 * State,Executing
 * RelevantDevices,3000         (progress files)
 * Recovered,2998
 * Failed,2
 * Outstanding,0
 * Revoked,<serial> <serial>…   (final progress file)
 *
 * DeviceId,DeviceType,Premises,Status,Step,Attempts,LastReason
 * e50000000000000003,ESME,0,recovered,2,1,
 * ```
 */
import type { DeviceProgress, IncidentRecord } from '../store/recovery-store.ts';

export type RecoveryFileKind = 'notification' | 'progress';

/** The file's name: `<FileType>-<incident>[-<n>].csv`. */
export function recoveryFileName(
  kind: RecoveryFileKind,
  organisation: boolean,
  incidentId: number,
  n = 0,
): string {
  const who = organisation ? 'OrganisationCompromise' : 'OtherCompromise';
  return kind === 'notification'
    ? `${who}Notification-${incidentId}.csv`
    : `${who}RecoveryProgress-${incidentId}-${String(n).padStart(2, '0')}.csv`;
}

const field = (v: string | number | null | undefined): string => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const record = (...vs: Array<string | number | null | undefined>): string => vs.map(field).join(',');

/** The notification file of an incident. */
export function notificationFile(
  i: IncidentRecord,
  organisation: boolean,
  description: string,
  at: number,
): string {
  return `${[
    record('FileType', `${organisation ? 'Organisation' : 'Other'}CompromiseNotification`),
    record('Layout', 'gbcs-sim/1'),
    record('IncidentId', i.incidentId),
    record('GeneratedAt', new Date(at).toISOString()),
    record('ReportedAt', new Date(i.reportedAt).toISOString()),
    record('CompromisedKey', i.compromisedKey),
    record('Description', description),
    record('Evidence', i.evidence),
    record('State', i.state),
  ].join('\r\n')}\r\n`;
}

/** A progress file: the header, then one record per Relevant Device. */
export function progressFile(
  i: IncidentRecord,
  organisation: boolean,
  devices: readonly DeviceProgress[],
  at: number,
  revoked: readonly string[] | null,
): string {
  const count = (s: string) => devices.filter((d) => d.status === s).length;
  const head = [
    record('FileType', `${organisation ? 'Organisation' : 'Other'}CompromiseRecoveryProgress`),
    record('Layout', 'gbcs-sim/1'),
    record('IncidentId', i.incidentId),
    record('GeneratedAt', new Date(at).toISOString()),
    record('CompromisedKey', i.compromisedKey),
    record('Case', i.recoveryCase),
    record('Method', i.method),
    record('State', i.state),
    record('RelevantDevices', devices.length),
    record('Recovered', count('recovered')),
    record('Failed', count('failed')),
    record('Outstanding', count('pending') + count('inFlight')),
    ...(revoked ? [record('Revoked', revoked.join(' '))] : []),
  ];
  const rows = devices.map((d) =>
    record(d.deviceId, d.deviceType, d.premises, d.status, d.step, d.attempts, d.lastReason),
  );
  return `${[...head, '', record('DeviceId', 'DeviceType', 'Premises', 'Status', 'Step', 'Attempts', 'LastReason'), ...rows].join('\r\n')}\r\n`;
}
