/**
 * CCS08 "Firmware Transfer Alert" (Message Code 0x0128): the CHF reports the outcome of a firmware
 * image transfer to a HAN device (alert codes 0x8F8A success, 0x8F8B failure …).
 *
 *   Alert ::= SEQUENCE { alertCode INTEGER, executionDateTime GeneralizedTime, entityId OCTET STRING (SIZE(8)),
 *                        firmwareVersion OCTET STRING, responseCode INTEGER { success(0), imageDiscarded(1),
 *                        hardwareVersionMismatch(2), fileTransferFailure(3) } }
 *
 * Pinned by RTDS 4.5.0 NA_CCS08.
 */
import type { Eui64 } from '../types.ts';
import { DerTag, derGeneralizedTime, derInteger } from './der.ts';
import {
  alertCodeValue,
  DerFields,
  decodeGbcsDer,
  derEui,
  derOctets,
  derSequence,
  euiValue,
  intValue,
  octets,
  timeValue,
} from './gbcs-types.ts';

export const FIRMWARE_TRANSFER_ALERT_MESSAGE_CODE = 0x0128;

export const FirmwareTransferResponseCode = {
  SUCCESS: 0,
  IMAGE_DISCARDED: 1,
  HARDWARE_VERSION_MISMATCH: 2,
  FILE_TRANSFER_FAILURE: 3,
} as const;

export interface FirmwareTransferAlert {
  alertCode: number;
  executionDateTime: number;
  entityId: Eui64;
  firmwareVersion: Uint8Array;
  responseCode: number;
}

/** @throws DecodeError on malformed input */
export function decodeFirmwareTransferAlert(bytes: Uint8Array): FirmwareTransferAlert {
  const f = new DerFields(decodeGbcsDer(bytes), 'CCS08 alert', DerTag.SEQUENCE);
  const alertCode = alertCodeValue(f.next(DerTag.INTEGER, 'Alert Code'));
  const executionDateTime = timeValue(
    f.next(DerTag.GENERALIZED_TIME, 'Execution Date Time'),
    'Execution Date Time',
  );
  const entityId = euiValue(f.next(DerTag.OCTET_STRING, 'Entity Id'), 'Entity Id');
  const firmwareVersion = octets(f.next(DerTag.OCTET_STRING, 'Firmware Version'), 'Firmware Version');
  const responseCode = intValue(f.next(DerTag.INTEGER, 'Response Code'), 'Response Code', 0, 255);
  f.end();
  return { alertCode, executionDateTime, entityId, firmwareVersion, responseCode };
}

export function encodeFirmwareTransferAlert(a: FirmwareTransferAlert): Uint8Array {
  return derSequence(
    derInteger(a.alertCode),
    derGeneralizedTime(a.executionDateTime),
    derEui(a.entityId),
    derOctets(a.firmwareVersion),
    derInteger(a.responseCode),
  );
}
