/**
 * CS04 unjoins: CS04AC "Method A or C Unjoin" (0x000F), CS04B "Method B Unjoin" (0x0010).
 *
 *   Command  ::= entityId OCTET STRING (SIZE(8))
 *   Response ::= UnjoinResponseCode INTEGER { success(0), notInDeviceLog(1), otherFailure(2) }
 *
 * Pinned by RTDS 4.5.0 8.8.1 / 8.8.2.
 */
import type { Eui64 } from '../types.ts';
import { DerTag } from './der.ts';
import { decodeGbcsCommandDer, derEui, euiValue, expectTag } from './gbcs-types.ts';

export { decodeResponseCode, encodeResponseCode } from './cs03.ts';

export const UnjoinResponseCode = { SUCCESS: 0, NOT_IN_DEVICE_LOG: 1, OTHER_FAILURE: 2 } as const;

/** @throws DecodeError on malformed input */
export function decodeUnjoinDeviceCommand(bytes: Uint8Array): Eui64 {
  const n = decodeGbcsCommandDer(bytes);
  expectTag(n, DerTag.OCTET_STRING, 'Entity Id');
  return euiValue(n, 'Entity Id');
}

export const encodeUnjoinDeviceCommand = (entityId: Eui64): Uint8Array => derEui(entityId);
