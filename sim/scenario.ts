/**
 * Scenarios: ordered commands from Remote Parties to the devices of a premises. The default
 * scenario exercises all four devices with critical and non-critical use cases: set clock, send a
 * message, open/read/close the load switch (ESME); read firmware version, Sub-GHz channel, device
 * log (CHF); consumption read, change of tenancy (GPF); consumption read and valve close (GSME,
 * queued in the GPF until the sleepy GSME wakes).
 */
import { concatBytes, fromHex } from '../protocol/bytes.ts';
import { type AccessRequestSpecification, encodeDlmsApdu } from '../protocol/dlms/apdu.ts';
import type { DlmsData } from '../protocol/dlms/axdr.ts';
import { encodeDlmsDateTime } from '../protocol/dlms-date-time.ts';
import { encodeGbz, type GbzComponent } from '../protocol/gbz/gbz.ts';
import type { Eui64 } from '../protocol/types.ts';
import type { PremisesIds } from './premises.ts';
import { TEST_PARTIES } from './test-pki.ts';

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

const ROLE_OF: Record<PartyName, number> = { supplier: 2, networkOperator: 3, acb: 4 };

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

const get = (classId: number, o: string, attributeId: number): AccessRequestSpecification => ({
  type: 'get',
  attribute: { classId, instanceId: obis(o), attributeId },
});
const set = (classId: number, o: string, attributeId: number): AccessRequestSpecification => ({
  type: 'set',
  attribute: { classId, instanceId: obis(o), attributeId },
});
const action = (classId: number, o: string, methodId: number): AccessRequestSpecification => ({
  type: 'action',
  method: { classId, instanceId: obis(o), methodId },
});
const NULL: DlmsData = { type: 'null-data' };

/** A GBZ payload with one ZCL command per component (ZCL fields little-endian). */
export function gbzRequest(
  cmds: Array<{ clusterId: number; frameControl: number; commandId: number; zcl: Uint8Array }>,
): () => Uint8Array {
  return () => {
    const components: GbzComponent[] = cmds.map((c, i) => ({
      encrypted: false,
      lastComponent: i === cmds.length - 1,
      clusterId: c.clusterId,
      fromDateTime: null,
      zclHeader: {
        frameControl: c.frameControl,
        manufacturerCode: null,
        transactionSequenceNumber: i,
        commandId: c.commandId,
      },
      zclPayload: c.zcl,
    }));
    return encodeGbz({ type: 'components', components });
  };
}

const METERING = 0x0702;
const PREPAYMENT = 0x0705;
/** ZCL attribute ids, little-endian: CurrentSummationDelivered 0x0000, … */
const readAttrs = (...ids: number[]) => concatBytes(...ids.map((id) => Uint8Array.of(id & 0xff, id >> 8)));

const SCENARIO_START = Date.UTC(2026, 0, 1, 8, 0, 0);

export const DEFAULT_SCENARIO: readonly ScenarioStep[] = [
  {
    label: 'set the ESME clock',
    device: 'esme',
    from: 'supplier',
    messageCode: 0x0062,
    payload: dlmsRequest(
      [set(8, '0000010000ff', 2)],
      [{ type: 'octet-string', value: encodeDlmsDateTime(SCENARIO_START) }],
    ),
  },
  {
    label: 'send a message to the customer display',
    device: 'esme',
    from: 'supplier',
    messageCode: 0x0021,
    payload: dlmsRequest(
      [set(1, '00005e2c0200', 2)],
      [{ type: 'octet-string', value: new TextEncoder().encode('Welcome to smart metering') }],
    ),
  },
  {
    label: 'remotely open the load switch',
    device: 'esme',
    from: 'supplier',
    messageCode: 0x0050,
    payload: dlmsRequest([action(70, '0000600300ff', 1)], [{ type: 'integer', value: 0 }]),
  },
  {
    label: 'read the load switch status',
    device: 'esme',
    from: 'networkOperator',
    messageCode: 0x0052,
    payload: dlmsRequest([get(70, '0000600300ff', 3)], [NULL]),
  },
  {
    label: 'remotely close the load switch',
    device: 'esme',
    from: 'supplier',
    messageCode: 0x004f,
    payload: dlmsRequest([action(70, '0000600300ff', 2)], [{ type: 'integer', value: 0 }]),
  },
  {
    label: 'read the ESME firmware version',
    device: 'esme',
    from: 'supplier',
    messageCode: 0x0059,
    payload: dlmsRequest([get(1, '0000000201ff', 2)], [NULL]),
  },
  {
    label: 'add the ESME to the CHF device log',
    device: 'chf',
    from: 'supplier',
    messageCode: 0x0001,
    payload: dlmsRequest(
      [action(30000, '00001d0200ff', 1)],
      [{ type: 'octet-string', value: fromHex('d000000000000003') }],
    ),
  },
  {
    label: 'read the CHF Sub-GHz channel',
    device: 'chf',
    from: 'supplier',
    messageCode: 0x010a,
    payload: dlmsRequest([get(1, '00005e2c0a02', 2)], [NULL]),
  },
  {
    label: 'read the gas consumption register cached in the GPF',
    device: 'gpf',
    from: 'supplier',
    messageCode: 0x0074,
    payload: gbzRequest([
      { clusterId: METERING, frameControl: 0x00, commandId: 0x00, zcl: readAttrs(0x0000, 0x0300) },
    ]),
  },
  {
    label: 'set the change of tenancy date on the GPF',
    device: 'gpf',
    from: 'supplier',
    messageCode: 0x0072,
    payload: gbzRequest([
      { clusterId: 0x0708, frameControl: 0x01, commandId: 0x00, zcl: fromHex('00000000804a371c') },
    ]),
  },
  {
    label: 'read the GSME consumption register (waits for the GSME to wake)',
    device: 'gsme',
    from: 'supplier',
    messageCode: 0x0074,
    payload: gbzRequest([
      { clusterId: METERING, frameControl: 0x00, commandId: 0x00, zcl: readAttrs(0x0000) },
    ]),
  },
  {
    label: 'remotely close the gas valve',
    device: 'gsme',
    from: 'supplier',
    messageCode: 0x0081,
    payload: gbzRequest([
      { clusterId: PREPAYMENT, frameControl: 0x01, commandId: 0x00, zcl: Uint8Array.of(0x00) },
    ]),
  },
];
