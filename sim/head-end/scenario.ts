/**
 * Scenarios: ordered commands from Remote Parties to the devices of a premises. The default
 * scenario exercises all four devices with critical and non-critical use cases: set clock, send a
 * message, open/read/close the load switch (ESME); read firmware version, Sub-GHz channel, device
 * log (CHF); consumption read, change of tenancy (GPF); consumption read and valve close (GSME,
 * queued in the GPF until the sleepy GSME wakes).
 */
import { concatBytes, fromHex } from '../../protocol/bytes.ts';
import { MS_PER_DAY as DAY } from '../../protocol/calendar.ts';
import { type AccessRequestSpecification, encodeDlmsApdu } from '../../protocol/dlms/apdu.ts';
import type { DlmsData } from '../../protocol/dlms/axdr.ts';
import { encodeDlmsDateTime } from '../../protocol/dlms-date-time.ts';
import { encodeGbzCommands, type ZclCommandSpec } from '../../protocol/gbz/gbz.ts';
import { toZclUtcTime as zclUtc } from '../../protocol/gbz/zcl.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { Role } from '../../protocol/types.ts';
import type { PremisesIds } from '../premises/premises.ts';
import { TEST_PARTIES } from '../smki/test-pki.ts';

export type PartyName = 'supplier' | 'networkOperator' | 'acb';

export interface ScenarioStep {
  label: string;
  device: keyof PremisesIds;
  from: PartyName;
  messageCode: number;
  /** Payload as a function of the Originator Counter. */
  payload: (originatorCounter: bigint) => Uint8Array;
  /** Virtual time before this step (default one minute). */
  afterMs?: number;
}

const ROLE_OF: Record<PartyName, number> = {
  supplier: Role.SUPPLIER,
  networkOperator: Role.NETWORK_OPERATOR,
  acb: Role.ACCESS_CONTROL_BROKER,
};

export function partyEui(name: PartyName): Eui64 {
  return TEST_PARTIES.find((p) => p.role === ROLE_OF[name])!.eui;
}

/** GBCS long-invoke-id-and-priority: 0x20 ‖ low 24 bits of the Originator Counter. */
export function liiap(counter: bigint): number {
  return (0x20 << 24) | Number(counter & 0xffffffn);
}

const obis = (s: string) => fromHex(s);

/** A DLMS access-request payload (GBCS 7.2.x). */
export function dlmsRequest(
  specs: AccessRequestSpecification[],
  data: DlmsData[],
): (c: bigint) => Uint8Array {
  return (c) =>
    encodeDlmsApdu({
      type: 'access-request',
      longInvokeIdAndPriority: liiap(c),
      dateTime: null,
      specifications: specs,
      data,
    });
}

export const dlmsGet = (classId: number, o: string, attributeId: number): AccessRequestSpecification => ({
  type: 'get',
  attribute: { classId, instanceId: obis(o), attributeId },
});
export const dlmsSet = (classId: number, o: string, attributeId: number): AccessRequestSpecification => ({
  type: 'set',
  attribute: { classId, instanceId: obis(o), attributeId },
});
export const dlmsAction = (classId: number, o: string, methodId: number): AccessRequestSpecification => ({
  type: 'action',
  method: { classId, instanceId: obis(o), methodId },
});
export const NULL: DlmsData = { type: 'null-data' };

/** A GBZ payload with one ZCL command per component (ZCL fields little-endian). */
export function gbzRequest(cmds: ZclCommandSpec[]): () => Uint8Array {
  return () => encodeGbzCommands(cmds);
}

/** ZCL clusters of the ZSE: Metering, Device Management. */
export const METERING = 0x0702;
export const DEVICE_MANAGEMENT = 0x0708;
/** ZCL attribute ids, little-endian: CurrentSummationDelivered 0x0000, … */
export const readAttrs = (...ids: number[]) =>
  concatBytes(...ids.map((id) => Uint8Array.of(id & 0xff, id >> 8)));
export const u32le = (v: number) =>
  Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
/** ZCL UTCTime: seconds since 2000-01-01T00:00:00Z. */

const SCENARIO_START = Date.UTC(2026, 0, 1, 8, 0, 0);
/** Issuer Event ID of the scenario's ZSE commands (any value a supplier's system would choose). */
const ISSUER_EVENT_ID = 0x0c0ffee0;

/**
 * Message Code 0x0074's GBZ payload: a Metering Read Attributes of Divisor 0x0302, Multiplier 0x0301,
 * Unit of Measure 0x0300 and CurrentSummationDelivered 0x0000 — sent to the GPF (its cached copy)
 * and to the GSME alike.
 */
const readGasConsumptionRegister = gbzRequest([
  {
    clusterId: METERING,
    frameControl: 0x00,
    commandId: 0x00,
    zcl: readAttrs(0x0302, 0x0301, 0x0300, 0x0000),
  },
]);

/** ESME Clock (IC 8, 0-0:1.0.0.255) and the load switch script table (IC 9, 0-0:10.0.106.255). */
export const CLOCK = '0000010000ff';
export const SWITCH_SCRIPTS = '00000a006aff';
/** Script identifiers of the ESME load switch script table: 51 close (enable), 52 open (disable). */
export const CLOSE_SUPPLY = 51;
export const OPEN_SUPPLY = 52;

/**
 * ECS70 Set Clock (GBCS): clock time-adjust mode 5, the Supplier's time with its validity window
 * (`from`…`to`, ms since the epoch) to the ESME Clock, then read the time and status back.
 */
export function setClockRequest(at: number, from: number, to: number): (c: bigint) => Uint8Array {
  return dlmsRequest(
    [
      dlmsSet(8, CLOCK, 9),
      dlmsAction(8, CLOCK, 5),
      dlmsAction(8, CLOCK, 4),
      dlmsGet(8, CLOCK, 2),
      dlmsGet(8, CLOCK, 4),
    ],
    [
      { type: 'enum', value: 5 },
      {
        type: 'structure',
        value: [
          { type: 'octet-string', value: encodeDlmsDateTime(at) },
          { type: 'octet-string', value: encodeDlmsDateTime(from) },
          { type: 'octet-string', value: encodeDlmsDateTime(to) },
        ],
      },
      { type: 'integer', value: 0 },
      NULL,
      NULL,
    ],
  );
}

/**
 * ECS70 Set Clock on ESME as the Supplier sends it: clock_time_shift_limit (IC 8 attribute 9) 5 s,
 * preset_adjusting_time (method 5) to `at` within the validity window [at − 1 day, at + 1 day],
 * adjust_to_preset_time (method 4), then read time (2) and status (4).
 */
export function setEsmeClockPayload(at: number): (c: bigint) => Uint8Array {
  return setClockRequest(at, at - DAY, at + DAY);
}

/**
 * CCS01 Add Device to CHF device log: register_device (IC 104 0-0:30.3.0.255 method 1) with the
 * device id, key type 1, the Install Code (6–16 octets) and category 0; join_timeout (attribute 3,
 * seconds 1–3600); enable_disable_joining (attribute 2) true — the join window opens.
 */
export function addToChfDeviceLogPayload(
  deviceId: Eui64,
  installCode: Uint8Array,
  joinTimeoutS: number,
): (c: bigint) => Uint8Array {
  const log = '00001e0300ff';
  return dlmsRequest(
    [dlmsAction(104, log, 1), dlmsSet(104, log, 3), dlmsSet(104, log, 2)],
    [
      {
        type: 'structure',
        value: [
          { type: 'octet-string', value: fromHex(deviceId) },
          { type: 'enum', value: 1 },
          { type: 'octet-string', value: installCode },
          { type: 'enum', value: 0 },
        ],
      },
      { type: 'long-unsigned', value: joinTimeoutS },
      { type: 'boolean', value: true },
    ],
  );
}

export const DEFAULT_SCENARIO: readonly ScenarioStep[] = [
  {
    label: "set the ESME clock (adjust to the Supplier's time within a validity window)",
    device: 'esme',
    from: 'supplier',
    messageCode: 0x0062,
    payload: setEsmeClockPayload(SCENARIO_START),
  },
  {
    label: 'send a message to the customer display',
    device: 'esme',
    from: 'supplier',
    messageCode: 0x0021,
    payload: dlmsRequest(
      [dlmsSet(1, '0002600d01ff', 2)],
      [{ type: 'octet-string', value: new TextEncoder().encode('Welcome to smart metering') }],
    ),
  },
  {
    label: 'remotely open the load switch',
    device: 'esme',
    from: 'supplier',
    messageCode: 0x0050,
    payload: dlmsRequest([dlmsAction(9, SWITCH_SCRIPTS, 1)], [{ type: 'long-unsigned', value: OPEN_SUPPLY }]),
  },
  {
    label: 'read the load switch status',
    device: 'esme',
    from: 'networkOperator',
    messageCode: 0x0052,
    payload: dlmsRequest([dlmsGet(70, '000060030aff', 3)], [NULL]),
  },
  {
    label: 'remotely close the load switch',
    device: 'esme',
    from: 'supplier',
    messageCode: 0x004f,
    payload: dlmsRequest(
      [dlmsAction(9, SWITCH_SCRIPTS, 1)],
      [{ type: 'long-unsigned', value: CLOSE_SUPPLY }],
    ),
  },
  {
    label: 'read the ESME firmware version',
    device: 'esme',
    from: 'supplier',
    messageCode: 0x0059,
    payload: dlmsRequest([dlmsGet(1, '0000000201ff', 2)], [NULL]),
  },
  {
    label: 'add the ESME to the CHF device log (whitelist, install code)',
    device: 'chf',
    from: 'supplier',
    messageCode: 0x0001,
    payload: addToChfDeviceLogPayload('d000000000000003', new TextEncoder().encode('0123456789ABCDEF'), 90),
  },
  {
    label: 'read the CHF Sub-GHz channel',
    device: 'chf',
    from: 'supplier',
    messageCode: 0x010a,
    payload: dlmsRequest([dlmsGet(1, '00005e2c0a02', 2)], [NULL]),
  },
  {
    label: 'read the gas consumption register cached in the GPF',
    device: 'gpf',
    from: 'supplier',
    messageCode: 0x0074,
    payload: readGasConsumptionRegister,
  },
  {
    label: 'set the change of tenancy date on the GPF',
    device: 'gpf',
    from: 'supplier',
    messageCode: 0x0072,
    payload: gbzRequest([
      {
        clusterId: DEVICE_MANAGEMENT,
        frameControl: 0x09,
        commandId: 0x00, // Publish Change of Tenancy
        zcl: concatBytes(
          u32le(0), // Provider ID
          u32le(ISSUER_EVENT_ID),
          Uint8Array.of(0x00), // Tariff Type
          u32le(zclUtc(SCENARIO_START + 7 * DAY)), // Implementation Date/Time
          u32le(0x200), // Proposed Tenancy Change Control
        ),
      },
    ]),
  },
  {
    label: 'read the GSME consumption register (waits for the GSME to wake)',
    device: 'gsme',
    from: 'supplier',
    messageCode: 0x0074,
    payload: readGasConsumptionRegister,
  },
  {
    label: 'remotely close the gas valve',
    device: 'gsme',
    from: 'supplier',
    messageCode: 0x0081,
    payload: gbzRequest([
      {
        clusterId: METERING,
        frameControl: 0x01,
        commandId: 0x0b, // Change Supply
        zcl: concatBytes(
          u32le(0), // Provider ID
          u32le(ISSUER_EVENT_ID + 1),
          u32le(0), // Request Date/Time: now
          u32le(0), // Implementation Date/Time: now
          Uint8Array.of(0x00, 0x01), // Proposed Supply Status: off; Supply Control Bits
        ),
      },
    ]),
  },
];
