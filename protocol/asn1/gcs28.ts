/**
 * GCS28 "Set Clock on GSME" (Message Code 0x007F): the GSME takes the time from the
 * Communications Hub if that time is inside the command's validity interval.
 *
 *   Command  ::= SEQUENCE { validityIntervalStart GeneralizedTime, validityIntervalEnd GeneralizedTime }
 *   Response ::= SEQUENCE { deviceTime GeneralizedTime, deviceTimeStatus INTEGER { reliable(0),
 *                           invalid(1), unreliable(2) } }
 *
 * Pinned by RTDS 4.5.0 6.11 and 8.1.1.
 */
import { DerTag, derGeneralizedTime, derInteger } from './der.ts';
import {
  DerFields,
  decodeGbcsCommandDer,
  decodeGbcsDer,
  derSequence,
  intValue,
  timeValue,
} from './gbcs-types.ts';

export const DeviceTimeStatus = { RELIABLE: 0, INVALID: 1, UNRELIABLE: 2 } as const;

export interface SetTimeCommand {
  /** ms since epoch, UTC. */
  validityIntervalStart: number;
  validityIntervalEnd: number;
}

export interface SetTimeResponse {
  /** ms since epoch, UTC (whole seconds). */
  deviceTime: number;
  deviceTimeStatus: number;
}

/** @throws DecodeError on malformed input */
export function decodeSetTimeCommand(bytes: Uint8Array): SetTimeCommand {
  const f = new DerFields(decodeGbcsCommandDer(bytes), 'GCS28 command', DerTag.SEQUENCE);
  const validityIntervalStart = timeValue(
    f.next(DerTag.GENERALIZED_TIME, 'Validity Interval Start'),
    'Validity Interval Start',
  );
  const validityIntervalEnd = timeValue(
    f.next(DerTag.GENERALIZED_TIME, 'Validity Interval End'),
    'Validity Interval End',
  );
  f.end();
  return { validityIntervalStart, validityIntervalEnd };
}

export const encodeSetTimeCommand = (c: SetTimeCommand): Uint8Array =>
  derSequence(derGeneralizedTime(c.validityIntervalStart), derGeneralizedTime(c.validityIntervalEnd));

/** @throws DecodeError on malformed input */
export function decodeSetTimeResponse(bytes: Uint8Array): SetTimeResponse {
  const f = new DerFields(decodeGbcsDer(bytes), 'GCS28 response', DerTag.SEQUENCE);
  const deviceTime = timeValue(f.next(DerTag.GENERALIZED_TIME, 'Device Time'), 'Device Time');
  const deviceTimeStatus = intValue(
    f.next(DerTag.INTEGER, 'Device Time Status'),
    'Device Time Status',
    0,
    255,
  );
  f.end();
  return { deviceTime, deviceTimeStatus };
}

/** `deviceTime` is truncated to whole seconds. */
export const encodeSetTimeResponse = (r: SetTimeResponse): Uint8Array =>
  derSequence(derGeneralizedTime(Math.floor(r.deviceTime / 1000) * 1000), derInteger(r.deviceTimeStatus));
