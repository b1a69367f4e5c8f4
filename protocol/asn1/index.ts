/**
 * The GBCS ASN.1 payloads by Message Code and CRA flag: which codec reads a command (CRA 1), a
 * response (CRA 2) or an alert (CRA 3). CS02c/CS02d/CS02e live with the SMKI credentials code.
 */
import {
  decodeFirmwareTransferAlert,
  encodeFirmwareTransferAlert,
  FIRMWARE_TRANSFER_ALERT_MESSAGE_CODE,
} from './ccs08.ts';
import {
  decodeProvideSecurityCredentialDetailsCommand,
  decodeProvideSecurityCredentialDetailsResponse,
  encodeProvideSecurityCredentialDetailsCommand,
  encodeProvideSecurityCredentialDetailsResponse,
} from './cs02a.ts';
import {
  decodeUpdateSecurityCredentialsAlert,
  decodeUpdateSecurityCredentialsCommand,
  decodeUpdateSecurityCredentialsResponse,
  encodeUpdateSecurityCredentialsAlert,
  encodeUpdateSecurityCredentialsCommand,
  encodeUpdateSecurityCredentialsResponse,
  modeOfMessageCode,
  UPDATE_SECURITY_CREDENTIALS_ALERT_CODE,
} from './cs02b.ts';
import {
  decodeJoinDeviceCommand,
  decodeResponseCode,
  encodeJoinDeviceCommand,
  encodeResponseCode,
} from './cs03.ts';
import { decodeUnjoinDeviceCommand, encodeUnjoinDeviceCommand } from './cs04.ts';
import {
  ACTIVATE_FIRMWARE_ALERT_MESSAGE_CODE,
  decodeActivateFirmwareAlert,
  decodeActivateFirmwareCommand,
  decodeActivateFirmwareResponse,
  encodeActivateFirmwareAlert,
  encodeActivateFirmwareCommand,
  encodeActivateFirmwareResponse,
} from './cs06.ts';
import {
  decodeNullCommand,
  decodeReadDeviceJoinDetailsResponse,
  encodeNullCommand,
  encodeReadDeviceJoinDetailsResponse,
} from './cs07.ts';
import { decodeReadFirmwareVersionResponse, encodeReadFirmwareVersionResponse } from './cs08.ts';
import {
  decodeSetTimeCommand,
  decodeSetTimeResponse,
  encodeSetTimeCommand,
  encodeSetTimeResponse,
} from './gcs28.ts';
import {
  decodeGpfDeviceLogBackupAlert,
  decodeGpfDeviceLogRestoreCommand,
  decodeGpfDeviceLogRestoreResponse,
  encodeGpfDeviceLogBackupAlert,
  encodeGpfDeviceLogRestoreCommand,
  encodeGpfDeviceLogRestoreResponse,
  GPF_DEVICE_LOG_BACKUP_ALERT_MESSAGE_CODE,
} from './gcs59.ts';

type Decoder = (bytes: Uint8Array) => unknown;
// biome-ignore lint/suspicious/noExplicitAny: each codec pair is typed in its own module
type Encoder = (value: any) => Uint8Array;
interface Codec {
  decode: Decoder;
  encode: Encoder;
}
const c = <T>(decode: (b: Uint8Array) => T, encode: (v: T) => Uint8Array): Codec => ({ decode, encode });

const JOIN: Partial<Record<1 | 2 | 3, Codec>> = {
  1: c(decodeJoinDeviceCommand, encodeJoinDeviceCommand),
  2: c(decodeResponseCode, encodeResponseCode),
};
const CS02A: Partial<Record<1 | 2 | 3, Codec>> = {
  1: c(decodeProvideSecurityCredentialDetailsCommand, encodeProvideSecurityCredentialDetailsCommand),
  2: c(decodeProvideSecurityCredentialDetailsResponse, encodeProvideSecurityCredentialDetailsResponse),
};
const CS02B_ALERT = { 3: c(decodeUpdateSecurityCredentialsAlert, encodeUpdateSecurityCredentialsAlert) };

const CODECS = new Map<number, Partial<Record<1 | 2 | 3, Codec>>>([
  [0x0008, CS02A],
  [0x011b, CS02A],
  [0x000d, JOIN],
  [0x000e, JOIN],
  [0x00ab, JOIN],
  [0x00af, JOIN],
  [0x000f, { 1: c(decodeUnjoinDeviceCommand, encodeUnjoinDeviceCommand), 2: JOIN[2]! }],
  [0x0010, { 1: c(decodeUnjoinDeviceCommand, encodeUnjoinDeviceCommand), 2: JOIN[2]! }],
  [
    0x0012,
    {
      1: c(decodeActivateFirmwareCommand, encodeActivateFirmwareCommand),
      2: c(decodeActivateFirmwareResponse, encodeActivateFirmwareResponse),
    },
  ],
  [ACTIVATE_FIRMWARE_ALERT_MESSAGE_CODE, { 3: c(decodeActivateFirmwareAlert, encodeActivateFirmwareAlert) }],
  [
    0x0013,
    {
      1: c((b) => decodeNullCommand(b, 'CS07 command'), encodeNullCommand),
      2: c(decodeReadDeviceJoinDetailsResponse, encodeReadDeviceJoinDetailsResponse),
    },
  ],
  [
    0x0129,
    {
      1: c((b) => decodeNullCommand(b, 'CS08 command'), encodeNullCommand),
      2: c(decodeReadFirmwareVersionResponse, encodeReadFirmwareVersionResponse),
    },
  ],
  [
    0x007f,
    { 1: c(decodeSetTimeCommand, encodeSetTimeCommand), 2: c(decodeSetTimeResponse, encodeSetTimeResponse) },
  ],
  [
    0x008c,
    {
      1: c(decodeGpfDeviceLogRestoreCommand, encodeGpfDeviceLogRestoreCommand),
      2: c(decodeGpfDeviceLogRestoreResponse, encodeGpfDeviceLogRestoreResponse),
    },
  ],
  [
    GPF_DEVICE_LOG_BACKUP_ALERT_MESSAGE_CODE,
    { 3: c(decodeGpfDeviceLogBackupAlert, encodeGpfDeviceLogBackupAlert) },
  ],
  [FIRMWARE_TRANSFER_ALERT_MESSAGE_CODE, { 3: c(decodeFirmwareTransferAlert, encodeFirmwareTransferAlert) }],
  [UPDATE_SECURITY_CREDENTIALS_ALERT_CODE.CS02b, CS02B_ALERT],
  [UPDATE_SECURITY_CREDENTIALS_ALERT_CODE.CS02g, CS02B_ALERT],
]);

const CS02B: Partial<Record<1 | 2 | 3, Codec>> = {
  1: c(decodeUpdateSecurityCredentialsCommand, encodeUpdateSecurityCredentialsCommand),
  2: c(decodeUpdateSecurityCredentialsResponse, encodeUpdateSecurityCredentialsResponse),
};

/**
 * The codec (decode and encode) of an ASN.1 payload, or undefined when this module has none for
 * the Message Code and CRA flag (1 command, 2 response, 3 alert).
 */
export function asn1CodecFor(messageCode: number, craFlag: number): Codec | undefined {
  const table = modeOfMessageCode(messageCode) !== undefined ? CS02B : CODECS.get(messageCode);
  return table?.[craFlag as 1 | 2 | 3];
}

/** The decoder of an ASN.1 payload, or undefined when this module has none for the code and CRA flag. */
export function asn1DecoderFor(messageCode: number, craFlag: number): Decoder | undefined {
  return asn1CodecFor(messageCode, craFlag)?.decode;
}

/**
 * Decodes an ASN.1 payload with its use-case codec.
 * @returns the decoded value, or undefined when no codec is known for (messageCode, craFlag)
 * @throws DecodeError on a payload that does not follow the use case's ASN.1 structure
 */
export function decodeAsn1Payload(messageCode: number, craFlag: number, bytes: Uint8Array): unknown {
  return asn1DecoderFor(messageCode, craFlag)?.(bytes);
}
