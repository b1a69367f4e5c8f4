/**
 * Device-initiated traffic: GBCS alerts (GBCS 7.2.9, 16; gbcs-wire-and-security.md §2.4, §3.1;
 * DESIGN §1 step 8). An alert carries CRA flag 3, the device's own Originator Counter
 * (`state.alertCounter`, incremented durably before the alert leaves), the device as originator and
 * a Remote Party as recipient; no Grouping Header date-time (RTDS, all 63 alerts).
 *
 * Protection follows the Message Code (`kind` in protocol/use-case-catalogue.ts): a critical alert
 * (`alert-critical`: ECS68, ECS80, GCS53, GCA 0x1000, the future-dated outcome alerts 0x00CA–0x00CD,
 * 0x0124, CS09, CCS08, …) is signed by the device DS key (`DF…`, no MAC); a non-critical one (GNCA
 * 0x1001, MIIWA 0x00F0, CS14, DBCH06–11, GCS62) is MAC'd with KDF(device, CRA 03, counter, recipient).
 *
 * Payload forms (as RTDS 4.5.0 shows them):
 * - DLMS data-notification `0F ‖ LIIAP ‖ 00 ‖ structure { long-unsigned alert code, octet-string
 *   date-time(12), …use-case part }`, LIIAP = 0x20 ‖ low 24 bits of the alert's counter; a
 *   sensitive use-case part (ECS68) is a protected-attributes pair { array(1) protection-parameters,
 *   octet-string `31 00000000 ‖ ciphertext ‖ tag12` } encrypted for the recipient (KDF purpose 04).
 * - GBZ alert form `01 09 ‖ count ‖ alert code(2) ‖ timestamp(4, UTCTime) ‖ part` (GCS53's part is
 *   an encrypted ZCL component; 8F66/8F67 the future-dated outcome; 8F72/8F1C a firmware hash).
 * - ASN.1 `SEQUENCE { INTEGER alert code, GeneralizedTime, …use-case part }` (CS09, CCS08, GCS62,
 *   the future-dated outcomes of CS06 0x00CA, CS02b 0x00CB, CS02g 0x0124).
 *
 * Recipients (RTDS): ESME/GSME alerts go to the Supplier, ECS80 (supply outage restored) to the
 * Network Operator, CHF/GPF/PPMID alerts to the DCC (the Access Control Broker), future-dated
 * outcome alerts to the originator of the future-dated command.
 *
 * The second half of this file is the device event API: what happens to a device (power outage,
 * tamper, billing calendar, firmware, CHF device-log and Sub-GHz changes, …) and the alert it
 * raises in consequence.
 */

import { DerTag, derConstructed, derGeneralizedTime, derInteger, derTlv } from '../../protocol/asn1/der.ts';
import { concatBytes, fromHex, u16be, u64be } from '../../protocol/bytes.ts';
import { encodeDlmsApdu } from '../../protocol/dlms/apdu.ts';
import { type DlmsData, encodeData, type TypeDescription } from '../../protocol/dlms/axdr.ts';
import { decodeCipheredContent } from '../../protocol/dlms/ciphered-content.ts';
import { encodeDlmsDateTime } from '../../protocol/dlms-date-time.ts';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import { encodeGbz, type GbzAlertBody } from '../../protocol/gbz/gbz.ts';
import { ZCL_EPOCH_MS } from '../../protocol/gbz/zcl.ts';
import { type GroupingHeader, groupingHeader } from '../../protocol/grouping-header.ts';
import { encryptPartFor } from '../../protocol/security/protect.ts';
import { CraFlag, type Eui64, KdfPurpose, Role } from '../../protocol/types.ts';
import { type DeviceType, useCaseOf } from '../../protocol/use-case-catalogue.ts';
import type { AlertBody, AlertRecipient, AlertSpec, RaisedAlert } from './alert-types.ts';
import type { DeviceCore as Device } from './core.ts';
import { findTrustAnchor } from './credentials.ts';
import { protect } from './pipeline/protect.ts';

/** The alert machinery's part of the model state (sim/device/state.ts `ModelState`): `alerting`, outage bookkeeping of the event API. */
declare module './state.ts' {
  interface ModelState {
    alerting?: AlertingState;
  }
}

export type { AlertBody, AlertRecipient, AlertSpec, RaisedAlert } from './alert-types.ts';

/** Error code of alerts that cannot be built (no recipient, no Message Code for the alert). */
export const ALERT_ERROR = 'ALERT' as const;

/** GBCS alert codes (GBCS Table 16.2; gbcs-parser code tables) that the device models raise. */
export const AlertCode = {
  GPF_DEVICE_LOG_CHANGED: 0x8071,
  COMBINED_CREDIT_BELOW_LOW_CREDIT_THRESHOLD: 0x810d,
  CREDIT_ADDED_LOCALLY: 0x810e,
  EMERGENCY_CREDIT_AVAILABLE: 0x8119,
  SMART_METER_INTEGRITY_WARNING: 0x81a0,
  EMERGENCY_CREDIT_EXHAUSTED: 0x81aa,
  EMERGENCY_CREDIT_ACTIVATED: 0x81ab,
  BILLING_DATA_LOG_UPDATED: 0x8f0a,
  CREDIT_BELOW_DISABLEMENT_THRESHOLD: 0x8f0f,
  CHF_DEVICE_LOG_CHANGED: 0x8f12,
  FIRMWARE_VERIFICATION_FAILED: 0x8f1c,
  LIMITED_DUTY_CYCLE_ACTION_TAKEN: 0x8f20,
  SUB_GHZ_CHANNEL_CHANGED: 0x8f26,
  SUB_GHZ_CHANNEL_SCAN_OUTCOME: 0x8f28,
  SUB_GHZ_CONFIGURATION_CHANGED: 0x8f2a,
  MESSAGE_DISCARDED_DUTY_CYCLE: 0x8f2c,
  NO_MORE_SUB_GHZ_DEVICE_CAPACITY: 0x8f2d,
  SOURCE_HAS_NO_AUTHORITY: 0x8f30,
  SUPPLY_ARMED: 0x8f32,
  SUPPLY_OUTAGE_RESTORED: 0x8f35,
  SUPPLY_OUTAGE_RESTORED_3_MINUTES: 0x8f36,
  TAMPER_DETECT: 0x8f3f,
  SUPPLY_INTERRUPTED: 0x8f57,
  UTRN_NOT_AUTHENTIC: 0x8f63,
  UTRN_NOT_FOR_THIS_DEVICE: 0x8f64,
  FUTURE_DATED_COMMAND_ACTIONED: 0x8f66,
  FUTURE_DATED_COMMAND_NOT_ACTIONED: 0x8f67,
  FIRMWARE_VERIFICATION_SUCCESSFUL: 0x8f72,
  BATTERY_COVER_REMOVED: 0x8f73,
  METER_COVER_REMOVED: 0x8f74,
  STRONG_MAGNETIC_FIELD: 0x8f75,
  TERMINAL_COVER_REMOVED: 0x8f76,
  SECOND_TERMINAL_COVER_REMOVED: 0x8f77,
  OTHER_PHYSICAL_ACCESS: 0x8f78,
  COMMAND_NOT_SUPPORTED: 0x8f85,
  APC_LIMIT_LEVEL_PROCESSED: 0x8f86,
  APC_LIMIT_LEVEL_ENDED: 0x8f87,
  APC_OPERATIONAL_UPDATE: 0x8f88,
  FIRMWARE_TRANSFER_FAILED: 0x8f89,
  FIRMWARE_TRANSFER_SUCCEEDED: 0x8f8a,
  READ_FIRMWARE_VERSION: 0x8f8b,
} as const;

/** Message Codes that carry alerts (GBCS Table 13.3; RTDS 4.5.0). */
export const AlertMessageCode = {
  CS14: 0x0018,
  ECS68: 0x0061,
  ECS80: 0x0067,
  GCS53: 0x008b,
  GCS62: 0x00b2,
  FUTURE_DATED_FIRMWARE_ACTIVATION: 0x00ca,
  FUTURE_DATED_SECURITY_CREDENTIALS: 0x00cb,
  FUTURE_DATED_DLMS: 0x00cc,
  FUTURE_DATED_GBZ: 0x00cd,
  FIRMWARE_RECEIPT_ESME: 0x00ce,
  FIRMWARE_RECEIPT_GSME: 0x00cf,
  MIIWA_ESME: 0x00f0,
  MIIWA_GSME: 0x00f2,
  DBCH06: 0x0110,
  DBCH07: 0x0111,
  DBCH08: 0x0112,
  DBCH09: 0x0113,
  DBCH10: 0x0114,
  DBCH11: 0x0115,
  ECS100: 0x0120,
  ECS101: 0x0121,
  ECS102: 0x0122,
  ECS200: 0x0123,
  FUTURE_DATED_LOAD_CONTROLLER_CREDENTIALS: 0x0124,
  CCS08: 0x0128,
  CS09: 0x012b,
  GCA: 0x1000,
  GNCA: 0x1001,
} as const;

/** Alert codes with a dedicated Message Code, per device type; anything else is GCA / GNCA. */
const DEDICATED: ReadonlyArray<[readonly DeviceType[], readonly number[], number]> = [
  [['ESME'], [AlertCode.BILLING_DATA_LOG_UPDATED], AlertMessageCode.ECS68],
  [['GSME'], [AlertCode.BILLING_DATA_LOG_UPDATED], AlertMessageCode.GCS53],
  // ECS80: every "Supply Outage Restored" variant (0x8F35–0x8F3C, per phase, ≥ 3 minutes).
  [['ESME'], [0x8f35, 0x8f36, 0x8f37, 0x8f38, 0x8f39, 0x8f3a, 0x8f3b, 0x8f3c], AlertMessageCode.ECS80],
  [['ESME'], [AlertCode.SMART_METER_INTEGRITY_WARNING], AlertMessageCode.MIIWA_ESME],
  [['GSME'], [AlertCode.SMART_METER_INTEGRITY_WARNING], AlertMessageCode.MIIWA_GSME],
  [
    ['ESME'],
    [AlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL, AlertCode.FIRMWARE_VERIFICATION_FAILED],
    AlertMessageCode.FIRMWARE_RECEIPT_ESME,
  ],
  [
    ['GSME'],
    [AlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL, AlertCode.FIRMWARE_VERIFICATION_FAILED],
    AlertMessageCode.FIRMWARE_RECEIPT_GSME,
  ],
  [['ESME'], [AlertCode.COMMAND_NOT_SUPPORTED], AlertMessageCode.ECS100],
  [['ESME'], [AlertCode.APC_LIMIT_LEVEL_PROCESSED], AlertMessageCode.ECS101],
  [['ESME'], [AlertCode.APC_LIMIT_LEVEL_ENDED], AlertMessageCode.ECS102],
  [['ESME'], [AlertCode.APC_OPERATIONAL_UPDATE], AlertMessageCode.ECS200],
  [['CHF'], [AlertCode.CHF_DEVICE_LOG_CHANGED], AlertMessageCode.CS14],
  [['CHF'], [AlertCode.LIMITED_DUTY_CYCLE_ACTION_TAKEN], AlertMessageCode.DBCH06],
  [['CHF'], [AlertCode.SUB_GHZ_CHANNEL_CHANGED], AlertMessageCode.DBCH07],
  [['CHF'], [AlertCode.SUB_GHZ_CHANNEL_SCAN_OUTCOME], AlertMessageCode.DBCH08],
  [['CHF'], [AlertCode.SUB_GHZ_CONFIGURATION_CHANGED], AlertMessageCode.DBCH09],
  [['CHF'], [AlertCode.MESSAGE_DISCARDED_DUTY_CYCLE], AlertMessageCode.DBCH10],
  [['CHF'], [AlertCode.NO_MORE_SUB_GHZ_DEVICE_CAPACITY], AlertMessageCode.DBCH11],
  [
    ['CHF'],
    [AlertCode.FIRMWARE_TRANSFER_SUCCEEDED, AlertCode.FIRMWARE_TRANSFER_FAILED],
    AlertMessageCode.CCS08,
  ],
  [['GPF'], [AlertCode.GPF_DEVICE_LOG_CHANGED], AlertMessageCode.GCS62],
  [['PPMID'], [AlertCode.READ_FIRMWARE_VERSION], AlertMessageCode.CS09],
];

/**
 * The Message Code that carries `alertCode` from a device of `deviceType`: a dedicated use case
 * where GBCS has one, else for meters the generic critical (0x1000, alert codes 0x8Fxx) or
 * non-critical (0x1001) alert.
 * @throws GbcsError ALERT when a CHF/GPF/PPMID/HCALCS alert code has no Message Code.
 */
export function alertMessageCode(deviceType: DeviceType, alertCode: number): number {
  for (const [types, codes, mc] of DEDICATED) {
    if (types.includes(deviceType) && codes.includes(alertCode)) return mc;
  }
  if (deviceType === 'ESME' || deviceType === 'GSME') {
    return (alertCode & 0xff00) === 0x8f00 ? AlertMessageCode.GCA : AlertMessageCode.GNCA;
  }
  throw new GbcsError(
    ALERT_ERROR,
    `no Message Code for alert 0x${alertCode.toString(16)} from a ${deviceType}`,
  );
}

/** The default recipient of an alert Message Code from a device type (RTDS 4.5.0, see file doc). */
export function defaultAlertRecipient(deviceType: DeviceType, messageCode: number): AlertRecipient {
  if (messageCode === AlertMessageCode.ECS80) return 'network-operator';
  if (deviceType === 'ESME' || deviceType === 'GSME') return 'supplier';
  return 'acb';
}

const ROLE_OF_RECIPIENT: Record<string, number | undefined> = {
  supplier: Role.SUPPLIER,
  'network-operator': Role.NETWORK_OPERATOR,
  acb: Role.ACCESS_CONTROL_BROKER,
  'load-controller': Role.LOAD_CONTROLLER,
};

/**
 * The EUI of an alert recipient: the subject of the device's trust-anchor cell for the role (KA
 * cell first: a MAC'd alert needs it; else DS).
 * @throws GbcsError ALERT when the device holds no cell for the role.
 */
export function resolveAlertRecipient(dev: Device, r: AlertRecipient): Eui64 {
  const role = ROLE_OF_RECIPIENT[r];
  if (role === undefined) return r;
  const cell = findTrustAnchor(dev.credentials, role, 'ka') ?? findTrustAnchor(dev.credentials, role, 'ds');
  if (!cell) throw new GbcsError(ALERT_ERROR, `${dev.eui} holds no trust anchor for the ${r} (role ${role})`);
  return cell.subjectUniqueId;
}

/** ZigBee UTCTime: seconds since 2000-01-01T00:00:00Z. */
export const ZIGBEE_EPOCH_MS = ZCL_EPOCH_MS;
export const zigbeeTime = (ms: number): number => Math.floor((ms - ZIGBEE_EPOCH_MS) / 1000);

/** Key for a sensitive part of an alert: KDF(device, purpose 04, alert counter, recipient). */
function encryptForAlertRecipient(dev: Device, h: GroupingHeader, plaintext: Uint8Array): Uint8Array {
  const pub = dev.remotePartyKaKey(h.recipientId);
  const z = pub && dev.sharedSecretWith(h.recipientId, pub);
  if (!z) throw new GbcsError(ALERT_ERROR, `no KA key to encrypt an alert for ${h.recipientId}`);
  // The alert's own counter and recipient (no supplementary counter on alerts).
  const parties = {
    originator: dev.eui,
    purpose: KdfPurpose.ENCRYPTION,
    counter: h.originatorCounter,
    recipient: h.recipientId,
  };
  return encryptPartFor(dev.crypto, z, parties, plaintext);
}

const octets = (value: Uint8Array): DlmsData => ({ type: 'octet-string', value });

/**
 * Protection parameters of a protected-attributes pair (Blue Book IC 30; RTDS ECS68): protection
 * type 2 (authentication and encryption), transaction id `04 ‖ counter(8)`, the two system titles,
 * key-info "agreed key" with key parameters 02 (C(0e, 2s ECC CDH)).
 */
export function protectionParameters(h: GroupingHeader): DlmsData {
  return {
    type: 'array',
    value: [
      {
        type: 'structure',
        value: [
          { type: 'enum', value: 2 },
          {
            type: 'structure',
            value: [
              octets(concatBytes(Uint8Array.of(KdfPurpose.ENCRYPTION), u64be(h.originatorCounter))),
              octets(fromHex(h.originatorId)),
              octets(fromHex(h.recipientId)),
              octets(new Uint8Array(0)),
              {
                type: 'structure',
                value: [
                  { type: 'enum', value: 2 },
                  { type: 'structure', value: [octets(Uint8Array.of(0x02)), octets(new Uint8Array(0))] },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}

function alertPayload(
  dev: Device,
  h: GroupingHeader,
  encoding: 'dlms' | 'gbz' | 'asn1',
  alertCode: number,
  at: number,
  body: AlertBody | undefined,
): Uint8Array {
  const form = body?.form;
  const mismatch = () =>
    new GbcsError(
      ALERT_ERROR,
      `an alert body of form ${form} does not fit Message Code 0x${h.messageCode.toString(16)} (${encoding})`,
    );
  if (encoding === 'dlms') {
    const head: DlmsData[] = [{ type: 'long-unsigned', value: alertCode }, octets(encodeDlmsDateTime(at))];
    let rest: DlmsData[] = [];
    if (body?.form === 'dlms') rest = body.elements;
    else if (body?.form === 'dlms-protected') {
      rest = [protectionParameters(h), octets(encryptForAlertRecipient(dev, h, encodeData(body.plaintext)))];
    } else if (body) throw mismatch();
    return encodeDlmsApdu({
      type: 'data-notification',
      longInvokeIdAndPriority: (0x20000000 | Number(h.originatorCounter & 0xffffffn)) >>> 0,
      dateTime: null,
      notificationBody: { type: 'structure', value: [...head, ...rest] },
    });
  }
  if (encoding === 'gbz') {
    let part: GbzAlertBody = { type: 'none' };
    if (body?.form === 'gbz') part = body.part;
    else if (body?.form === 'gbz-encrypted-component') {
      part = {
        type: 'component',
        component: {
          encrypted: true,
          lastComponent: true,
          clusterId: body.clusterId,
          fromDateTime: null,
          zclHeader: {
            frameControl: body.frameControl,
            manufacturerCode: null,
            transactionSequenceNumber: 0,
            commandId: body.commandId,
          },
          additionalHeaderControl: 0,
          additionalFrameCounter: 0,
          cipheredContent: decodeCipheredContent(encryptForAlertRecipient(dev, h, body.zclPayload)),
        },
      };
    } else if (body) throw mismatch();
    return encodeGbz({
      type: 'alert',
      componentCount: part.type === 'none' ? 0 : 1,
      alertCode,
      timestamp: zigbeeTime(at),
      alertBody: part,
    });
  }
  if (body && body.form !== 'asn1') throw mismatch();
  return derConstructed(
    DerTag.SEQUENCE,
    derInteger(alertCode),
    derGeneralizedTime(Math.floor(at / 1000) * 1000),
    ...(body?.elements ?? []),
  );
}

/**
 * Raises an alert: takes the next alert counter (persisted), builds the payload in the Message
 * Code's encoding and protects it (signed when the Message Code is a critical alert, else MAC'd
 * with KDF CRA 03).
 * @throws GbcsError ALERT (no Message Code for the alert, no recipient cell, a body of the wrong
 *   form, no KA key to MAC or encrypt for the recipient); the counter moves only for an alert that
 *   leaves, and is persisted before it does.
 */
export function raiseAlert(dev: Device, spec: AlertSpec): RaisedAlert {
  const messageCode = spec.messageCode ?? alertMessageCode(dev.deviceType, spec.alertCode);
  const uc = useCaseOf(messageCode);
  if (!uc || (uc.kind !== 'alert' && uc.kind !== 'alert-critical') || !uc.encoding) {
    throw new GbcsError(ALERT_ERROR, `Message Code 0x${messageCode.toString(16)} is not an alert`);
  }
  const recipientId = resolveAlertRecipient(
    dev,
    spec.recipient ?? defaultAlertRecipient(dev.deviceType, messageCode),
  );
  const supplementary =
    spec.supplementaryRemotePartyId === undefined
      ? null
      : resolveAlertRecipient(dev, spec.supplementaryRemotePartyId);
  const signed = uc.kind === 'alert-critical';
  // GCA / GNCA serve both meters: the GSME sends them in the GBZ alert form (RTDS GNCA-ZigBee).
  const encoding =
    dev.deviceType === 'GSME' && uc.devices.includes('GSME') && uc.devices.includes('ESME')
      ? 'gbz'
      : uc.encoding;
  if (!signed && !dev.remotePartyKaKey(recipientId)) {
    throw new GbcsError(ALERT_ERROR, `no KA trust anchor for ${recipientId} to MAC an alert`);
  }
  const at = spec.at ?? dev.clock.now();
  const counter = BigInt(dev.state.alertCounter || '0') + 1n;
  const header = groupingHeader({
    craFlag: CraFlag.ALERT,
    originatorCounter: counter,
    originatorId: dev.eui,
    recipientId,
    messageCode,
    supplementaryRemotePartyId: supplementary,
  });
  const payload = alertPayload(dev, header, encoding, spec.alertCode, at, spec.body);
  const bytes = protect(dev, header, payload, signed);
  // Durable before the alert leaves: a restarted device never reuses a counter (KDF uniqueness).
  dev.state.alertCounter = counter.toString();
  dev.persist();
  return { bytes, header, alertCode: spec.alertCode, messageCode, at, signed };
}

// ---------------------------------------------------------------------------------------------
// Future-dated outcome alerts (GBCS 7.2.9.3; gbcs-wire-and-security.md §2.4): built by
// sim/device/scheduler.ts when a future-dated command comes due.

/** Identity of the future-dated command an outcome alert reports on. */
export interface FutureDatedCommand {
  messageCode: number;
  /** uint64: the command's Originator Counter. */
  originatorCounter: bigint;
  /** The command's originator: the outcome alert goes back to it. */
  originatorId: Eui64;
}

/**
 * 0x00CC (DLMS): the octet-string(19) `message code(2) ‖ originator counter(8) ‖ class id(2) ‖
 * instance id(6) ‖ attribute id(1)` of the activation-time attribute that came due (RTDS ECS01a,
 * ECS08 …).
 */
export function futureDatedDlmsAlert(
  cmd: FutureDatedCommand,
  target: { classId: number; instanceId: Uint8Array; attributeId: number },
  actioned: boolean,
): AlertSpec {
  return {
    alertCode: actioned
      ? AlertCode.FUTURE_DATED_COMMAND_ACTIONED
      : AlertCode.FUTURE_DATED_COMMAND_NOT_ACTIONED,
    messageCode: AlertMessageCode.FUTURE_DATED_DLMS,
    recipient: cmd.originatorId,
    body: {
      form: 'dlms',
      elements: [
        octets(
          concatBytes(
            u16be(cmd.messageCode),
            u64be(cmd.originatorCounter),
            u16be(target.classId),
            target.instanceId,
            Uint8Array.of(target.attributeId),
          ),
        ),
      ],
    },
  };
}

/** 0x00CD (GBZ): the future-dated outcome part naming the ZCL command that came due (RTDS GCS01a). */
export function futureDatedGbzAlert(
  cmd: FutureDatedCommand,
  target: { clusterId: number; frameControl: number; commandId: number },
  actioned: boolean,
): AlertSpec {
  const alertCode = actioned
    ? AlertCode.FUTURE_DATED_COMMAND_ACTIONED
    : AlertCode.FUTURE_DATED_COMMAND_NOT_ACTIONED;
  return {
    alertCode,
    messageCode: AlertMessageCode.FUTURE_DATED_GBZ,
    recipient: cmd.originatorId,
    body: {
      form: 'gbz',
      part: {
        type: 'future-dated-outcome',
        messageCode: cmd.messageCode,
        originatorCounter: cmd.originatorCounter,
        clusterId: target.clusterId,
        frameControl: target.frameControl,
        commandId: target.commandId,
      },
    },
  };
}

/**
 * ASN.1 outcome alerts: 0x00CA (CS06) `SEQUENCE { alert code, executionDateTime, originatorCounter
 * INTEGER, executionOutcome }`; 0x00CB (CS02b) and 0x0124 (CS02g) `SEQUENCE { alert code,
 * executionDateTime, executionOutcome }` (RTDS CS06, CS02b, CS02g). `outcome` is the DER of the
 * execution outcome, as the immediate command would have returned it.
 */
export function futureDatedAsn1Alert(
  cmd: FutureDatedCommand,
  alertMessageCodeOf: number,
  outcome: Uint8Array,
  actioned: boolean,
  payloadOriginatorCounter: bigint | null,
): AlertSpec {
  const elements =
    alertMessageCodeOf === AlertMessageCode.FUTURE_DATED_FIRMWARE_ACTIVATION
      ? [derInteger(payloadOriginatorCounter ?? cmd.originatorCounter), outcome]
      : [outcome];
  return {
    alertCode: actioned
      ? AlertCode.FUTURE_DATED_COMMAND_ACTIONED
      : AlertCode.FUTURE_DATED_COMMAND_NOT_ACTIONED,
    messageCode: alertMessageCodeOf,
    recipient: cmd.originatorId,
    body: { form: 'asn1', elements },
  };
}

// ---------------------------------------------------------------------------------------------
// The device event API: things that happen to a device, and the alerts they raise.

/** Per-device state of the event API, in `state.model.alerting` (plain data). */
export interface AlertingState {
  /** Start of the current supply outage (ms), or null while powered. */
  outageStartedAt: number | null;
  /** Outages seen, and how many lasted 3 minutes or more (ECS80). */
  outages: number;
  longOutages: number;
}

export function alertingState(dev: Device): AlertingState {
  const m = dev.state.model;
  const s = m.alerting;
  if (s && typeof s === 'object') return s;
  const fresh: AlertingState = { outageStartedAt: null, outages: 0, longOutages: 0 };
  m.alerting = fresh;
  return fresh;
}

/** GBCS: a supply outage is reported to the Network Operator only when it lasts 3 minutes or more. */
export const LONG_OUTAGE_MS = 3 * 60_000;

/**
 * The supply fails (ESME): the device notes when, in non-volatile memory. No alert leaves: the
 * device has no power (the restoration alert reports the outage).
 */
export function powerFailed(dev: Device, at: number = dev.clock.now()): void {
  const s = alertingState(dev);
  if (s.outageStartedAt === null) s.outageStartedAt = at;
  dev.persist();
}

/**
 * The supply returns (ESME). An outage of 3 minutes or more raises 0x8F36 "Supply Outage Restored
 * - Outage >= 3 minutes" to the Network Operator (ECS80, critical) with the outage start and
 * restoration date-times (RTDS ECS80); a shorter one raises nothing (the 3-minute rule).
 * @returns the alerts raised (none if the supply had not failed).
 */
export function powerRestored(dev: Device, at: number = dev.clock.now()): RaisedAlert[] {
  const s = alertingState(dev);
  const start = s.outageStartedAt;
  if (start === null) return [];
  s.outageStartedAt = null;
  s.outages++;
  if (at - start < LONG_OUTAGE_MS) {
    dev.persist();
    return [];
  }
  s.longOutages++;
  return [
    raiseAlert(dev, {
      alertCode: AlertCode.SUPPLY_OUTAGE_RESTORED_3_MINUTES,
      at,
      body: { form: 'dlms', elements: [octets(encodeDlmsDateTime(start)), octets(encodeDlmsDateTime(at))] },
    }),
  ];
}

export type TamperKind =
  | 'tamper'
  | 'battery-cover'
  | 'meter-cover'
  | 'magnetic-field'
  | 'terminal-cover'
  | 'second-terminal-cover'
  | 'other';

const TAMPER_CODES: Record<TamperKind, number> = {
  tamper: AlertCode.TAMPER_DETECT,
  'battery-cover': AlertCode.BATTERY_COVER_REMOVED,
  'meter-cover': AlertCode.METER_COVER_REMOVED,
  'magnetic-field': AlertCode.STRONG_MAGNETIC_FIELD,
  'terminal-cover': AlertCode.TERMINAL_COVER_REMOVED,
  'second-terminal-cover': AlertCode.SECOND_TERMINAL_COVER_REMOVED,
  other: AlertCode.OTHER_PHYSICAL_ACCESS,
};

/** Unauthorised physical access (ESME, GSME): a critical alert (GCA 0x1000) to the Supplier. */
export function tamperDetected(dev: Device, kind: TamperKind = 'tamper'): RaisedAlert {
  return raiseAlert(dev, { alertCode: TAMPER_CODES[kind] });
}

/**
 * Any alert code without a use-case part, to its default recipient: GCA/GNCA for meters (e.g.
 * 0x8F30 "Source does not have Authority for Command", 0x8F32 "Supply Armed", 0x810D low credit).
 */
export function alertEvent(dev: Device, alertCode: number, recipient?: AlertRecipient): RaisedAlert {
  return raiseAlert(dev, { alertCode, ...(recipient ? { recipient } : {}) });
}

/**
 * "Smart Meter Integrity Issue - Warning" 0x81A0 (MIIWA, non-critical) with its 2-byte other-info
 * (e.g. 0x0005 "Error Unexpected Hardware Reset", RTDS MIIWA-DLMS).
 */
export function integrityWarning(dev: Device, otherInfo: number): RaisedAlert {
  const body: AlertBody | undefined =
    dev.deviceType === 'GSME' ? undefined : { form: 'dlms', elements: [octets(u16be(otherInfo))] };
  return raiseAlert(dev, { alertCode: AlertCode.SMART_METER_INTEGRITY_WARNING, ...(body ? { body } : {}) });
}

/** A GSME prepayment credit added at the meter (0x810E, GNCA, no part; RTDS GNCA-ZigBee). */
export function creditAddedLocally(dev: Device): RaisedAlert {
  return raiseAlert(dev, { alertCode: AlertCode.CREDIT_ADDED_LOCALLY });
}

/**
 * One entry of the ESME Billing Data Log (GBCS ECS20c / ECS68; DLMS profile of the billing
 * calendar): energies in Wh, money in the meter's currency unit (pence), time as ZigBee UTCTime
 * seconds. Arrays are fixed by the GBCS object model: 48 TOU registers, 4 block registers, 4 × 8
 * TOU-by-block registers.
 */
export interface BillingSnapshot {
  /** Instant of the snapshot (ms). */
  at: number;
  activeImportWh: number;
  /** Meter balance at the snapshot, pence (≥ 0; the log holds it unsigned). */
  meterBalance: number;
  touRegistersWh: readonly number[];
  blockRegistersWh: readonly number[];
  touBlockRegistersWh: ReadonlyArray<readonly number[]>;
}

const u32 = (n: number): number => Math.max(0, Math.min(0xffffffff, Math.round(n)));
function dluArray(values: readonly number[], length: number): DlmsData {
  return {
    type: 'array',
    value: Array.from({ length }, (_, i) => ({
      type: 'double-long-unsigned' as const,
      value: u32(values[i] ?? 0),
    })),
  };
}

/** The billing data log entry as Data (structure of 9: 3 registers, arrays of 48, 4, 4 × 8). */
export function billingSnapshotData(s: BillingSnapshot): DlmsData {
  const matrix = Array.from({ length: 4 }, (_, i) => dluArray(s.touBlockRegistersWh[i] ?? [], 8));
  return {
    type: 'structure',
    value: [
      { type: 'double-long-unsigned', value: u32(zigbeeTime(s.at)) },
      { type: 'double-long-unsigned', value: u32(s.activeImportWh) },
      { type: 'double-long-unsigned', value: u32(s.meterBalance) },
      dluArray(s.touRegistersWh, 48),
      dluArray(s.blockRegistersWh, 4),
      ...matrix,
    ],
  };
}

/**
 * The billing calendar fired (ESME): 0x8F0A "Billing Data Log Updated" (ECS68, critical) to the
 * Supplier with the new log entry encrypted for it, as a compact-array of one entry (RTDS ECS68).
 * GSME: GCS53, the entry as an encrypted ZCL Publish Snapshot (Metering cluster 0x0702, command
 * 0x06) in the GBZ alert form.
 */
export function billingDataLogUpdated(dev: Device, s: BillingSnapshot): RaisedAlert {
  if (dev.deviceType === 'GSME') {
    return raiseAlert(dev, {
      alertCode: AlertCode.BILLING_DATA_LOG_UPDATED,
      at: s.at,
      body: {
        form: 'gbz-encrypted-component',
        clusterId: 0x0702,
        // ZCL frame control: cluster-specific, server to client, disable default response.
        frameControl: 0x19,
        commandId: 0x06,
        zclPayload: publishSnapshotPayload(s),
      },
    });
  }
  const entry = billingSnapshotData(s);
  const plaintext: DlmsData = {
    type: 'structure',
    value: [
      {
        type: 'compact-array',
        contentsDescription: compactDescriptionOf(entry),
        // A compact-array's contents are the elements' values without their type tags.
        arrayContents: stripTags(entry),
      },
    ],
  };
  return raiseAlert(dev, {
    alertCode: AlertCode.BILLING_DATA_LOG_UPDATED,
    at: s.at,
    body: { form: 'dlms-protected', plaintext },
  });
}

/** Type description (Blue Book compact-array) of a structure of simple values and arrays of them. */
function compactDescriptionOf(d: DlmsData): TypeDescription {
  if (d.type === 'structure') return { type: 'structure', elements: d.value.map(compactDescriptionOf) };
  if (d.type === 'array') {
    const first = d.value[0];
    if (!first) throw new GbcsError(ErrorCode.MISUSE, 'empty array in a compact-array element');
    return { type: 'array', numberOfElements: d.value.length, typeDescription: compactDescriptionOf(first) };
  }
  if (d.type === 'compact-array') throw new GbcsError(ErrorCode.MISUSE, 'nested compact-array');
  return { type: d.type };
}

/** Values of `d` without tags or counts: the contents of a compact-array of one element. */
function stripTags(d: DlmsData): Uint8Array {
  const parts: Uint8Array[] = [];
  const walk = (x: DlmsData): void => {
    if (x.type === 'structure' || x.type === 'array') {
      for (const e of x.value) walk(e);
      return;
    }
    // Fixed-length simple values: the encoding minus its tag byte.
    parts.push(encodeData(x).subarray(1));
  };
  walk(d);
  return concatBytes(...parts);
}

const le = (n: number, bytes: number): Uint8Array => {
  const out = new Uint8Array(bytes);
  let v = BigInt(Math.max(0, Math.round(n)));
  for (let i = 0; i < bytes; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};

/**
 * ZSE Metering Publish Snapshot (ZCL little-endian): issuer event id(4), snapshot time(4), total
 * snapshots found(1), command index(1), total commands(1), snapshot cause(4, bit 0 = general /
 * billing calendar), snapshot payload type(1, 0 = TOU information set delivered registers),
 * current summation delivered(6), number of tiers in use(1), tier summations(6 each).
 */
export function publishSnapshotPayload(s: BillingSnapshot): Uint8Array {
  const tiers = s.touRegistersWh.slice(0, 4);
  return concatBytes(
    le(zigbeeTime(s.at), 4),
    le(zigbeeTime(s.at), 4),
    Uint8Array.of(1, 0, 1),
    le(1, 4),
    Uint8Array.of(0),
    le(s.activeImportWh, 6),
    Uint8Array.of(tiers.length),
    ...tiers.map((t) => le(t, 6)),
  );
}

/**
 * Firmware image received and verified (ESME 0x00CE / GSME 0x00CF): 0x8F72 with the calculated
 * manufacturer image hash (32 bytes) when it verifies, 0x8F1C when it does not (RTDS FDRA-ZigBee).
 */
export function firmwareVerified(dev: Device, calculatedImageHash: Uint8Array, ok: boolean): RaisedAlert {
  if (calculatedImageHash.length !== 32) {
    throw new GbcsError(ErrorCode.MISUSE, 'a manufacturer image hash is 32 bytes (SHA-256)');
  }
  const alertCode = ok ? AlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL : AlertCode.FIRMWARE_VERIFICATION_FAILED;
  const body: AlertBody =
    dev.deviceType === 'GSME'
      ? { form: 'gbz', part: { type: 'firmware-hash', calculatedManufacturerImageHash: calculatedImageHash } }
      : { form: 'dlms', elements: [octets(calculatedImageHash)] };
  return raiseAlert(dev, { alertCode, body });
}

/** An entry of the CHF Device Log (whitelist) as CS14 reports it. */
export interface DeviceLogEntry {
  deviceId: Eui64;
  /** The 16-byte install-code-derived key the CHF holds for the device (hex). */
  installCode: string;
}

/**
 * The CHF Device Log changed (a device added or removed): 0x8F12 (CS14, non-critical) to the DCC
 * with the date-time of the change, the device added or removed and the whole log (RTDS CS14).
 */
export function deviceLogChanged(
  dev: Device,
  changedDevice: Eui64,
  log: readonly DeviceLogEntry[],
  at: number = dev.clock.now(),
): RaisedAlert {
  const entries = log.map((e) => ({ deviceId: e.deviceId, key: fromHex(e.installCode) }));
  return raiseAlert(dev, deviceLogChangedSpec(changedDevice, entries, at));
}

/** The 0x8F12 (CS14) alert of a CHF Device Log change: the whole log as (device id, key) pairs. */
export function deviceLogChangedSpec(
  changedDevice: Eui64,
  log: readonly { deviceId: Eui64; key: Uint8Array }[],
  at: number,
): AlertSpec {
  return {
    alertCode: AlertCode.CHF_DEVICE_LOG_CHANGED,
    at,
    body: {
      form: 'dlms',
      elements: [
        {
          type: 'structure',
          value: [
            octets(encodeDlmsDateTime(at)),
            octets(fromHex(changedDevice)),
            {
              type: 'array',
              value: log.map((e) => ({
                type: 'structure' as const,
                value: [octets(fromHex(e.deviceId)), octets(e.key)],
              })),
            },
          ],
        },
      ],
    },
  };
}

/** An entry of the GPF Device Log (GCS62): device id and GBCS device type code (5 PPMID, 6 type 2). */
export interface GpfDeviceLogEntry {
  deviceId: Eui64;
  deviceType: number;
}

/** The GPF Device Log changed: 0x8071 (GCS62, non-critical, ASN.1) backs it up to the DCC (RTDS GCS62). */
export function gpfDeviceLogBackup(dev: Device, log: readonly GpfDeviceLogEntry[]): RaisedAlert {
  return raiseAlert(dev, {
    alertCode: AlertCode.GPF_DEVICE_LOG_CHANGED,
    body: {
      form: 'asn1',
      elements: [
        derConstructed(
          DerTag.SEQUENCE,
          ...log.map((e) =>
            derConstructed(
              DerTag.SEQUENCE,
              derTlv(DerTag.OCTET_STRING, fromHex(e.deviceId)),
              derInteger(e.deviceType),
            ),
          ),
        ),
      ],
    },
  });
}

/** Sub GHz channel as the CHF reports it: a 32-bit channel mask (page bits 31–27, channels below). */
export type SubGhzChannelMask = number;
const bitString32 = (v: number): DlmsData => ({
  type: 'bit-string',
  bits: 32,
  value: Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff),
});

/** The CHF changed its Sub GHz channel (DBCH07, 0x8F26): the new channel mask and the reason code. */
export function subGhzChannelChanged(dev: Device, channel: SubGhzChannelMask, reason: number): RaisedAlert {
  return raiseAlert(dev, {
    alertCode: AlertCode.SUB_GHZ_CHANNEL_CHANGED,
    body: {
      form: 'dlms',
      elements: [{ type: 'structure', value: [bitString32(channel), octets(Uint8Array.of(reason))] }],
    },
  });
}

/** Outcome of a Sub GHz channel scan request (DBCH08, 0x8F28): scan outcome and channel assessment codes. */
export function subGhzChannelScanOutcome(dev: Device, outcome: number, assessment: number): RaisedAlert {
  return raiseAlert(dev, {
    alertCode: AlertCode.SUB_GHZ_CHANNEL_SCAN_OUTCOME,
    body: {
      form: 'dlms',
      elements: [
        { type: 'structure', value: [octets(Uint8Array.of(outcome)), octets(Uint8Array.of(assessment))] },
      ],
    },
  });
}

/** The CHF could not take one more Sub GHz device (DBCH11, 0x8F2D): the refused device. */
export function noMoreSubGhzDeviceCapacity(dev: Device, refused: Eui64): RaisedAlert {
  return raiseAlert(dev, {
    alertCode: AlertCode.NO_MORE_SUB_GHZ_DEVICE_CAPACITY,
    body: { form: 'dlms', elements: [octets(fromHex(refused))] },
  });
}

/**
 * The CHF Sub GHz configuration changed (DBCH09, 0x8F2A): the configuration now in force, the
 * value of the COSEM Data object 0-0:94.44.10.0 "Sub GHz Configuration Settings" (DBCH04 sets it:
 * a structure of four channel-mask bit-strings and the duty-cycle / frequency-agility parameters).
 * @throws GbcsError MISUSE when `configuration` is not a structure.
 */
export function subGhzConfigurationChanged(dev: Device, configuration: DlmsData): RaisedAlert {
  if (configuration.type !== 'structure') {
    throw new GbcsError(ErrorCode.MISUSE, 'the Sub GHz configuration is a structure');
  }
  return raiseAlert(dev, {
    alertCode: AlertCode.SUB_GHZ_CONFIGURATION_CHANGED,
    body: { form: 'dlms', elements: [configuration] },
  });
}

/**
 * The CHF finished distributing a firmware image to a HAN device (CCS08, 0x8F8A success / 0x8F89
 * failure, critical ASN.1): the device, its firmware version (4 bytes) and the response code.
 */
export function firmwareTransferred(
  dev: Device,
  entity: Eui64,
  firmwareVersion: Uint8Array,
  responseCode: number,
): RaisedAlert {
  return raiseAlert(dev, {
    alertCode:
      responseCode === 0 ? AlertCode.FIRMWARE_TRANSFER_SUCCEEDED : AlertCode.FIRMWARE_TRANSFER_FAILED,
    body: {
      form: 'asn1',
      elements: [
        derTlv(DerTag.OCTET_STRING, fromHex(entity)),
        derTlv(DerTag.OCTET_STRING, firmwareVersion),
        derInteger(responseCode),
      ],
    },
  });
}

/** The PPMID reports its running firmware version (CS09, 0x8F8B, critical ASN.1) with a response code. */
export function firmwareVersionReport(
  dev: Device,
  firmwareVersion: Uint8Array,
  responseCode = 0,
): RaisedAlert {
  return raiseAlert(dev, {
    alertCode: AlertCode.READ_FIRMWARE_VERSION,
    body: {
      form: 'asn1',
      elements: [derTlv(DerTag.OCTET_STRING, firmwareVersion), derInteger(responseCode)],
    },
  });
}

/**
 * A command the device does not support (ECS100, 0x8F85): the octet-string(10) `message code(2) ‖
 * originator counter(8)` of the refused command (RTDS ECS100).
 */
export function commandNotSupported(
  dev: Device,
  messageCode: number,
  originatorCounter: bigint,
): RaisedAlert {
  return raiseAlert(dev, {
    alertCode: AlertCode.COMMAND_NOT_SUPPORTED,
    body: { form: 'dlms', elements: [octets(concatBytes(u16be(messageCode), u64be(originatorCounter)))] },
  });
}

/**
 * An auxiliary proportional controller (APC) limit-level command was processed (ECS101, 0x8F86):
 * the controller, the period it applies to and the level (percent).
 */
export function apcLimitLevelProcessed(
  dev: Device,
  controller: number,
  fromMs: number,
  toMs: number,
  levelPercent: number,
): RaisedAlert {
  return raiseAlert(dev, {
    alertCode: AlertCode.APC_LIMIT_LEVEL_PROCESSED,
    body: {
      form: 'dlms',
      elements: [
        { type: 'unsigned', value: controller },
        octets(encodeDlmsDateTime(fromMs)),
        octets(encodeDlmsDateTime(toMs)),
        { type: 'unsigned', value: levelPercent },
      ],
    },
  });
}

/** An APC limit level ended or was cancelled (ECS102, 0x8F87): the controller and the level now in force. */
export function apcLimitLevelEnded(dev: Device, controller: number, levelPercent: number): RaisedAlert {
  return raiseAlert(dev, {
    alertCode: AlertCode.APC_LIMIT_LEVEL_ENDED,
    body: {
      form: 'dlms',
      elements: [
        { type: 'unsigned', value: controller },
        { type: 'unsigned', value: levelPercent },
      ],
    },
  });
}

/**
 * An APC operational update (ECS200, 0x8F88): a UTF-8 JSON document of the controller states, to
 * the Supplier for the Load Controller (its Supplementary Remote Party, RTDS ECS200) when the device
 * trusts one.
 */
export function apcOperationalUpdate(dev: Device, update: Record<string, string>): RaisedAlert {
  const lc = findTrustAnchor(dev.credentials, Role.LOAD_CONTROLLER, 'ds');
  return raiseAlert(dev, {
    alertCode: AlertCode.APC_OPERATIONAL_UPDATE,
    ...(lc ? { supplementaryRemotePartyId: lc.subjectUniqueId } : {}),
    body: {
      form: 'dlms',
      elements: [{ type: 'utf8-string', value: new TextEncoder().encode(JSON.stringify(update)) }],
    },
  });
}
