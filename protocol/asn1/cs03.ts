/**
 * CS03 joins: CS03A1 "Method A Join (Meter)" (0x000D), CS03A2 "Method A Join (non Meter)" (0x00AB),
 * CS03B "Method B Join" (0x000E), CS03C "Method C Join" (0x00AF).
 *
 *   Command  ::= SEQUENCE { joinMethodAndRole INTEGER { methodAInitiator(0), methodAResponder(1),
 *                  methodB(2), methodC(3) }, entityId OCTET STRING (SIZE(8)), deviceType DeviceType,
 *                  otherDeviceCertificate Certificate OPTIONAL }
 *   Response ::= JoinResponseCode INTEGER
 *
 * Pinned by RTDS 4.5.0 8.7.1 / 8.7.2.
 */
import type { Eui64 } from '../types.ts';
import { DerTag, derInteger } from './der.ts';
import {
  DerFields,
  decodeGbcsCommandDer,
  decodeGbcsDer,
  derEui,
  derSequence,
  euiValue,
  expectTag,
  intValue,
  rawTlv,
} from './gbcs-types.ts';

export const JoinMethodAndRole = {
  METHOD_A_INITIATOR: 0,
  METHOD_A_RESPONDER: 1,
  METHOD_B: 2,
  METHOD_C: 3,
} as const;

/** JoinResponseCode ::= INTEGER (CS03x responses, GCS59 restore outcomes). */
export const JoinResponseCode = {
  SUCCESS: 0,
  INVALID_MESSAGE_CODE_FOR_JOIN_METHOD_AND_ROLE: 1,
  INVALID_JOIN_METHOD_AND_ROLE: 2,
  INCOMPATIBLE_WITH_EXISTING_ENTRY: 3,
  DEVICE_LOG_FULL: 4,
  WRITE_FAILURE: 5,
  KEY_AGREEMENT_NO_RESOURCES: 6,
  KEY_AGREEMENT_UNKNOWN_ISSUER: 7,
  KEY_AGREEMENT_UNSUPPORTED_SUITE: 8,
  KEY_AGREEMENT_BAD_MESSAGE: 9,
  KEY_AGREEMENT_BAD_KEY_CONFIRM: 10,
  INVALID_OR_MISSING_CERTIFICATE: 11,
  NO_PARTNER_LINK_KEY_RECEIVED: 12,
  NO_CBKE_RESPONSE: 13,
} as const;

export interface JoinDeviceCommand {
  joinMethodAndRole: number;
  entityId: Eui64;
  deviceType: number;
  /** The other device's certificate (Method C), DER; null when absent. */
  certificate: Uint8Array | null;
}

/** @throws DecodeError on malformed input */
export function decodeJoinDeviceCommand(bytes: Uint8Array): JoinDeviceCommand {
  const f = new DerFields(decodeGbcsCommandDer(bytes), 'CS03 command', DerTag.SEQUENCE);
  const joinMethodAndRole = intValue(
    f.next(DerTag.INTEGER, 'Join Method and Role'),
    'Join Method and Role',
    0,
    255,
  );
  const entityId = euiValue(f.next(DerTag.OCTET_STRING, 'Entity Id'), 'Entity Id');
  const deviceType = intValue(f.next(DerTag.INTEGER, 'Device Type'), 'Device Type', 0, 255);
  const cert = f.optional(DerTag.SEQUENCE);
  f.end();
  return { joinMethodAndRole, entityId, deviceType, certificate: cert === null ? null : rawTlv(bytes, cert) };
}

export function encodeJoinDeviceCommand(c: JoinDeviceCommand): Uint8Array {
  return derSequence(
    derInteger(c.joinMethodAndRole),
    derEui(c.entityId),
    derInteger(c.deviceType),
    ...(c.certificate === null ? [] : [c.certificate]),
  );
}

/** A bare INTEGER response code (CS03x, CS04x). @throws DecodeError on malformed input */
export function decodeResponseCode(bytes: Uint8Array, what = 'Response Code'): number {
  const n = decodeGbcsDer(bytes);
  expectTag(n, DerTag.INTEGER, what);
  return intValue(n, what, 0, 255);
}

export const encodeResponseCode = (code: number): Uint8Array => derInteger(code);
