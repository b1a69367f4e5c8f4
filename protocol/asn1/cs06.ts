/**
 * CS06 "Activate Firmware" (Message Code 0x0012) and its future-dated outcome alert (0x00CA,
 * alert codes 0x8F66 / 0x8F67).
 *
 *   Command  ::= SEQUENCE { manufacturerImageHash OCTET STRING (SIZE(32)), originatorCounter SeqNumber,
 *                           executionDateTime GeneralizedTime OPTIONAL }
 *   Response ::= CHOICE { commandAccepted NULL, executionOutcome ExecutionOutcome }
 *   ExecutionOutcome ::= SEQUENCE { responseCode INTEGER { success(0), noImageHeld(1), hashMismatch(2),
 *                           activationFailure(3) }, firmwareVersion OCTET STRING }
 *   Alert    ::= SEQUENCE { alertCode INTEGER, executionDateTime GeneralizedTime,
 *                           originatorCounter SeqNumber, executionOutcome ExecutionOutcome }
 *
 * Pinned by RTDS 4.5.0 11.3 (immediate, future-dated, cancellation, 8F66 alert).
 */

import type { DerNode } from './der.ts';
import { DerTag, derGeneralizedTime, derInteger } from './der.ts';
import {
  alertCodeValue,
  DerFields,
  decodeGbcsCommandDer,
  decodeGbcsDer,
  derNull,
  derOctets,
  derSequence,
  intValue,
  nullValue,
  octets,
  seqNumberValue,
  timeValue,
} from './gbcs-types.ts';

export const ACTIVATE_FIRMWARE_ALERT_MESSAGE_CODE = 0x00ca;

export const ActivateFirmwareResponseCode = {
  SUCCESS: 0,
  NO_IMAGE_HELD: 1,
  HASH_MISMATCH: 2,
  ACTIVATION_FAILURE: 3,
} as const;

export interface ActivateFirmwareCommand {
  /** SHA-256 of the manufacturer image, 32 octets. */
  manufacturerImageHash: Uint8Array;
  originatorCounter: bigint;
  /** ms since epoch (UTC); null = immediate. */
  executionDateTime: number | null;
}

export interface ActivateFirmwareOutcome {
  responseCode: number;
  /** The firmware version running after the attempt. */
  firmwareVersion: Uint8Array;
}

/** `null` = commandAccepted (future-dated or cancelling). */
export type ActivateFirmwareResponse = ActivateFirmwareOutcome | null;

export interface ActivateFirmwareAlert {
  alertCode: number;
  executionDateTime: number;
  originatorCounter: bigint;
  executionOutcome: ActivateFirmwareOutcome;
}

/** @throws DecodeError on malformed input */
export function decodeActivateFirmwareCommand(bytes: Uint8Array): ActivateFirmwareCommand {
  const f = new DerFields(decodeGbcsCommandDer(bytes), 'CS06 command', DerTag.SEQUENCE);
  const manufacturerImageHash = octets(
    f.next(DerTag.OCTET_STRING, 'Manufacturer Image Hash'),
    'Manufacturer Image Hash',
    32,
  );
  const originatorCounter = seqNumberValue(
    f.next(DerTag.INTEGER, 'Originator Counter'),
    'Originator Counter',
  );
  const t = f.optional(DerTag.GENERALIZED_TIME);
  f.end();
  return {
    manufacturerImageHash,
    originatorCounter,
    executionDateTime: t === null ? null : timeValue(t, 'Execution Date Time'),
  };
}

export function encodeActivateFirmwareCommand(c: ActivateFirmwareCommand): Uint8Array {
  return derSequence(
    derOctets(c.manufacturerImageHash),
    derInteger(c.originatorCounter),
    ...(c.executionDateTime === null ? [] : [derGeneralizedTime(c.executionDateTime)]),
  );
}

function outcomeValue(n: DerNode): ActivateFirmwareOutcome {
  const f = new DerFields(n, 'Execution Outcome', DerTag.SEQUENCE);
  const responseCode = intValue(f.next(DerTag.INTEGER, 'Response Code'), 'Response Code', 0, 255);
  const firmwareVersion = octets(f.next(DerTag.OCTET_STRING, 'Firmware Version'), 'Firmware Version');
  f.end();
  return { responseCode, firmwareVersion };
}

const derOutcome = (o: ActivateFirmwareOutcome) =>
  derSequence(derInteger(o.responseCode), derOctets(o.firmwareVersion));

/** @throws DecodeError on malformed input */
export function decodeActivateFirmwareResponse(bytes: Uint8Array): ActivateFirmwareResponse {
  const n = decodeGbcsDer(bytes);
  if (n.tag === DerTag.NULL) return nullValue(n, 'Command Accepted');
  return outcomeValue(n);
}

export const encodeActivateFirmwareResponse = (r: ActivateFirmwareResponse): Uint8Array =>
  r === null ? derNull() : derOutcome(r);

/** @throws DecodeError on malformed input */
export function decodeActivateFirmwareAlert(bytes: Uint8Array): ActivateFirmwareAlert {
  const f = new DerFields(decodeGbcsDer(bytes), 'CS06 alert', DerTag.SEQUENCE);
  const alertCode = alertCodeValue(f.next(DerTag.INTEGER, 'Alert Code'));
  const executionDateTime = timeValue(
    f.next(DerTag.GENERALIZED_TIME, 'Execution Date Time'),
    'Execution Date Time',
  );
  const originatorCounter = seqNumberValue(
    f.next(DerTag.INTEGER, 'Originator Counter'),
    'Originator Counter',
  );
  const executionOutcome = outcomeValue(f.next(DerTag.SEQUENCE, 'Execution Outcome'));
  f.end();
  return { alertCode, executionDateTime, originatorCounter, executionOutcome };
}

export function encodeActivateFirmwareAlert(a: ActivateFirmwareAlert): Uint8Array {
  return derSequence(
    derInteger(a.alertCode),
    derGeneralizedTime(a.executionDateTime),
    derInteger(a.originatorCounter),
    derOutcome(a.executionOutcome),
  );
}
