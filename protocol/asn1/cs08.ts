/**
 * CS08 "Read PPMID/HCALCS Firmware Version" (Message Code 0x0129).
 *
 *   Command  ::= NULL
 *   Response ::= SEQUENCE { firmwareVersion OCTET STRING, responseCode INTEGER { readSuccess(0), readFailure(1) } }
 *
 * Pinned by RTDS 4.5.0 11.2.
 */
import { DerTag, derInteger } from './der.ts';
import { DerFields, decodeGbcsDer, derOctets, derSequence, intValue, octets } from './gbcs-types.ts';

export { decodeNullCommand, encodeNullCommand } from './cs07.ts';

export const ReadFirmwareVersionResponseCode = { READ_SUCCESS: 0, READ_FAILURE: 1 } as const;

export interface ReadFirmwareVersionResponse {
  firmwareVersion: Uint8Array;
  responseCode: number;
}

/** @throws DecodeError on malformed input */
export function decodeReadFirmwareVersionResponse(bytes: Uint8Array): ReadFirmwareVersionResponse {
  const f = new DerFields(decodeGbcsDer(bytes), 'CS08 response', DerTag.SEQUENCE);
  const firmwareVersion = octets(f.next(DerTag.OCTET_STRING, 'Firmware Version'), 'Firmware Version');
  const responseCode = intValue(f.next(DerTag.INTEGER, 'Response Code'), 'Response Code', 0, 255);
  f.end();
  return { firmwareVersion, responseCode };
}

export const encodeReadFirmwareVersionResponse = (r: ReadFirmwareVersionResponse): Uint8Array =>
  derSequence(derOctets(r.firmwareVersion), derInteger(r.responseCode));
