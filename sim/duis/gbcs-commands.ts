/**
 * The DCC's transform of a DUIS service request into the payload of a GBCS command, for the Service
 * Reference Variants gbcs-sim carries. Which GBCS use case a variant becomes for a device type is
 * transform.ts (`gbcsCommandsFor`); this file builds the payload from the request Body, with the
 * DLMS objects and ZCL commands the project's default scenario uses for the same use cases
 * (sim/head-end/scenario.ts, pinned there against the device models):
 *
 * | SRV | request Body | device | use case | payload |
 * |---|---|---|---|---|
 * | 3.1 | DisplayMessage/SupplierMessage | ESME | ECS10 | set IC1 0-2:96.13.1.255 attr 2 = the message (octet-string) |
 * | 3.2 | RestrictAccessForChangeOfTenancy/RestrictionDateTime | GSME, GPF | GCS09 | ZCL Device Management Publish Change of Tenancy, implementation time = RestrictionDateTime |
 * | 4.1.1 | ReadInstantaneousImportRegisters | ESME | ECS17b | get IC3 1-0:1.8.0.255 attr 2 (total active import) [inferred: the other registers of ECS17b are not read] |
 * | 4.1.1 | ReadInstantaneousImportRegisters | GSME, GPF | GCS13a | ZCL Read Attributes Metering 0x0302, 0x0301, 0x0300, 0x0000 |
 * | 6.11, 8.1.1 | SynchroniseClock / CommissionDeviceSynchroniseClock: CurrentDateTime, TolerancePeriod (s) | ESME | ECS70 | set clock with validity window CurrentDateTime ± TolerancePeriod |
 * | 7.1 | EnableSupply | ESME | ECS42 | execute script 51 of 0-0:10.0.106.255 |
 * | 7.2 | DisableSupply | ESME | ECS43 | execute script 52 of 0-0:10.0.106.255 |
 * | 7.2 | DisableSupply | GSME | GCS32 | ZCL Metering Change Supply: off, now |
 * | 7.4 | ReadSupplyStatus | ESME | ECS45 | get IC70 0-0:96.3.10.255 attr 3 |
 * | 8.11 | UpdateHANDeviceLog (RequestType Add): DeviceID, JoinTimePeriod, InstallCode | CHF | CCS01 | add to the device log (IC104 0-0:30.3.0.255) |
 * | 11.2 | ReadFirmwareVersion | ESME | ECS52 | get IC1 0-0:0.2.1.255 attr 2 |
 *
 * Every other device variant is refused as not carried (service.ts `NOT_CARRIED`): the request is
 * valid DUIS, gbcs-sim has no builder for its GBCS payload. A variant the DCC has no GBCS command for
 * on the target's device type is DUIS E11 (Service Reference not compatible with the device) [stated].
 */
import { concatBytes } from '../../protocol/bytes.ts';
import { toZclUtcTime } from '../../protocol/gbz/zcl.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { DeviceType } from '../../protocol/use-case-catalogue.ts';
import {
  CLOSE_SUPPLY,
  DEVICE_MANAGEMENT,
  dlmsAction,
  dlmsGet,
  dlmsRequest,
  dlmsSet,
  gbzRequest,
  METERING,
  NULL,
  OPEN_SUPPLY,
  readAttrs,
  SWITCH_SCRIPTS,
  setClockRequest,
  u32le,
} from '../head-end/scenario.ts';
import { euiOfDuis } from './request-id.ts';
import { type GbcsCommandOfRequest, gbcsCommandsFor } from './transform.ts';
import { elementChildren, leafText } from './xml.ts';

/** A GBCS command payload as a function of the Originator Counter (DLMS payloads embed its low 24 bits). */
export type PayloadOf = (originatorCounter: bigint) => Uint8Array;

export type CommandBuild =
  | { ok: true; command: GbcsCommandOfRequest; payload: PayloadOf }
  /** `E11`: no GBCS command of this variant for the device type; `not-carried`: gbcs-sim has no builder; `bad-body`: a Body value it cannot use. */
  | { ok: false; why: 'E11' | 'not-carried' | 'bad-body'; detail: string };

/** Text of a child element of `el` (DUIS namespace), or null. */
function child(el: Element, name: string): string | null {
  const c = elementChildren(el).find((e) => e.localName === name);
  return c ? leafText(c) : null;
}

const dateOf = (text: string | null): number | null => {
  if (text === null) return null;
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : null;
};

/** A payload, why the Body cannot be used (a string), or null: the Body asks for another use case of the variant. */
type Builder = (body: Element) => PayloadOf | string | null;

const ISSUER_EVENT = (c: bigint) => Number(c & 0xffffffffn);

/** Builders by use-case variant (the RTDS name of transform.data.ts); a string return is why the Body cannot be used. */
const BUILDERS: Readonly<Record<string, Builder>> = {
  ECS10: (b) => {
    const text = child(b, 'SupplierMessage');
    if (text === null) return 'DisplayMessage has no SupplierMessage';
    return dlmsRequest(
      [dlmsSet(1, '0002600d01ff', 2)],
      [{ type: 'octet-string', value: new TextEncoder().encode(text) }],
    );
  },
  GCS09: (b) => {
    const at = dateOf(child(b, 'RestrictionDateTime'));
    if (at === null) return 'RestrictionDateTime is not a date-time';
    return (c) =>
      gbzRequest([
        {
          clusterId: DEVICE_MANAGEMENT,
          frameControl: 0x09,
          commandId: 0x00, // Publish Change of Tenancy
          zcl: concatBytes(
            u32le(0),
            u32le(ISSUER_EVENT(c)),
            Uint8Array.of(0x00),
            u32le(toZclUtcTime(at)),
            u32le(0x200),
          ),
        },
      ])();
  },
  ECS17b: () => dlmsRequest([dlmsGet(3, '0100010800ff', 2)], [NULL]),
  GCS13a: () =>
    gbzRequest([
      {
        clusterId: METERING,
        frameControl: 0x00,
        commandId: 0x00,
        zcl: readAttrs(0x0302, 0x0301, 0x0300, 0x0000),
      },
    ]),
  ECS70: (b) => {
    const now = dateOf(child(b, 'CurrentDateTime'));
    const tol = Number(child(b, 'TolerancePeriod') ?? '');
    if (now === null) return 'CurrentDateTime is not a date-time';
    if (!Number.isInteger(tol) || tol < 0) return 'TolerancePeriod is not a number of seconds';
    return setClockRequest(now, now - tol * 1000, now + tol * 1000);
  },
  ECS42: () =>
    dlmsRequest([dlmsAction(9, SWITCH_SCRIPTS, 1)], [{ type: 'long-unsigned', value: CLOSE_SUPPLY }]),
  ECS43: () =>
    dlmsRequest([dlmsAction(9, SWITCH_SCRIPTS, 1)], [{ type: 'long-unsigned', value: OPEN_SUPPLY }]),
  GCS32: () => (c) =>
    gbzRequest([
      {
        clusterId: METERING,
        frameControl: 0x01,
        commandId: 0x0b, // Change Supply
        zcl: concatBytes(u32le(0), u32le(ISSUER_EVENT(c)), u32le(0), u32le(0), Uint8Array.of(0x00, 0x01)),
      },
    ])(),
  ECS45: () => dlmsRequest([dlmsGet(70, '000060030aff', 3)], [NULL]),
  CCS01: (b) => {
    if (child(b, 'RequestType') !== 'Add') return null; // Remove: CCS02
    const device: Eui64 | null = euiOfDuis(child(b, 'DeviceID') ?? '');
    const add = elementChildren(b).find((e) => e.localName === 'AddDeviceToCHFWhitelist');
    const join = Number(add ? child(add, 'JoinTimePeriod') : '');
    const code = add ? child(add, 'InstallCode') : null;
    if (!device) return 'DeviceID is not an EUI-64';
    if (!Number.isInteger(join) || join < 0 || join > 0xffff) return 'JoinTimePeriod is not 0…65535';
    if (!code || !/^([0-9a-fA-F]{2})+$/.test(code)) return 'InstallCode is not hex';
    return dlmsRequest(
      [dlmsAction(104, '00001e0300ff', 1), dlmsSet(104, '00001e0300ff', 3), dlmsSet(104, '00001e0300ff', 2)],
      [
        {
          type: 'structure',
          value: [
            { type: 'octet-string', value: Buffer.from(device, 'hex') },
            { type: 'enum', value: 1 },
            { type: 'octet-string', value: Buffer.from(code, 'hex') },
            { type: 'enum', value: 0 },
          ],
        },
        { type: 'long-unsigned', value: join },
        { type: 'boolean', value: true },
      ],
    );
  },
  ECS52: () => dlmsRequest([dlmsGet(1, '0000000201ff', 2)], [NULL]),
};

/** SRV 8.1.1's ECS70 is filed as `ECS70Commission`: same command, same builder. */
const BUILDER_OF: Readonly<Record<string, string>> = { ECS70Commission: 'ECS70' };

/** The use-case variants gbcs-sim builds (for the README and coverage tests). */
export const CARRIED_VARIANTS: readonly string[] = [...Object.keys(BUILDERS), ...Object.keys(BUILDER_OF)];

/**
 * The GBCS command (use case and payload) that a device service request becomes for a target of
 * `deviceType`. Never throws.
 */
export function buildGbcsCommand(srv: string, deviceType: DeviceType, body: Element): CommandBuild {
  const commands = gbcsCommandsFor(srv, deviceType);
  if (commands.length === 0)
    return { ok: false, why: 'E11', detail: `${srv} has no GBCS command for a ${deviceType}` };
  for (const command of commands) {
    const builder = BUILDERS[BUILDER_OF[command.variant] ?? command.variant];
    if (!builder) continue;
    const payload = builder(body);
    if (payload === null) continue;
    if (typeof payload === 'string') return { ok: false, why: 'bad-body', detail: `${srv}: ${payload}` };
    return { ok: true, command, payload };
  }
  return {
    ok: false,
    why: 'not-carried',
    detail: `${srv} to a ${deviceType} (${commands.map((c) => c.variant).join(', ')}): gbcs-sim builds no payload for it`,
  };
}
