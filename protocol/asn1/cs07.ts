/**
 * CS07 "Read Device Join Details" (Message Code 0x0013): the device's Device Log.
 *
 *   Command  ::= NULL
 *   Response ::= SEQUENCE { responseCode INTEGER { success(0), readFailure(1) },
 *                           deviceLogEntries SEQUENCE OF DeviceLogEntry OPTIONAL }
 *
 * Pinned by RTDS 4.5.0 8.9.
 */
import { DerTag, derInteger } from './der.ts';
import {
  DerFields,
  type DeviceLogEntry,
  decodeGbcsCommandDer,
  decodeGbcsDer,
  derDeviceLogEntry,
  derNull,
  derSequence,
  deviceLogEntryValue,
  expectTag,
  intValue,
  nullValue,
  sequenceOf,
} from './gbcs-types.ts';

export const ReadJoinDetailsResponseCode = { SUCCESS: 0, READ_FAILURE: 1 } as const;

export interface ReadDeviceJoinDetailsResponse {
  responseCode: number;
  /** null when absent (a failed read). */
  entries: DeviceLogEntry[] | null;
}

/** A NULL command payload (CS07, CS08). @throws DecodeError on anything else */
export function decodeNullCommand(bytes: Uint8Array, what: string): null {
  const n = decodeGbcsCommandDer(bytes);
  expectTag(n, DerTag.NULL, what);
  return nullValue(n, what);
}

export const encodeNullCommand = (): Uint8Array => derNull();

/** @throws DecodeError on malformed input */
export function decodeReadDeviceJoinDetailsResponse(bytes: Uint8Array): ReadDeviceJoinDetailsResponse {
  const f = new DerFields(decodeGbcsDer(bytes), 'CS07 response', DerTag.SEQUENCE);
  const responseCode = intValue(f.next(DerTag.INTEGER, 'Response Code'), 'Response Code', 0, 255);
  const e = f.optional(DerTag.SEQUENCE);
  f.end();
  return {
    responseCode,
    entries: e === null ? null : sequenceOf(e, 'Device Log Entries', (n) => deviceLogEntryValue(n)),
  };
}

export function encodeReadDeviceJoinDetailsResponse(r: ReadDeviceJoinDetailsResponse): Uint8Array {
  return derSequence(
    derInteger(r.responseCode),
    ...(r.entries === null ? [] : [derSequence(...r.entries.map(derDeviceLogEntry))]),
  );
}
