/**
 * The Device Log of a meter, HAN device or GPF — the devices it is joined to — as the join use
 * cases change and read it:
 *
 * - CS03A1 Method A Join (Meter) (0x000D, ESME), CS03A2 Method A Join (non Meter) (0x00AB, PPMID,
 *   HCALCS), CS03B Method B Join (0x000E, GSME), CS03C Method C Join (0x00AF, GSME, PPMID): the
 *   command names the join method and role, the other device's Entity Identifier and Device Type,
 *   and (Method C) its KA Device Certificate. Response code (cs03.ts `JoinResponseCode`): 1 when the
 *   join method and role is not the one of the Message Code (A1: Method A initiator, A2: Method A
 *   responder, B: Method B, C: Method C); 2 when this device cannot join that device type that way
 *   (`JOIN_PARTNERS`; RTDS 8.7.2 CS03B ERROR: a GSME asked to join a PPMID by Method B); 11 when
 *   Method C comes without a KA Device Certificate of the entity (RTDS 8.7.2 CS03C ERROR); 3 when
 *   the entity is logged with another device type; 4 when the log is full (`DEVICE_LOG_CAPACITY`).
 *   Joining an entity already logged with the same type succeeds and changes nothing.
 * - CS04AC Method A or C Unjoin (0x000F, ESME, GSME, PPMID), CS04B Method B Unjoin (0x0010, GSME):
 *   0 removed, 1 not in the Device Log.
 * - CS07 Read Device Join Details (0x0013, GSME): the entries; an empty log is a read failure (1)
 *   with no entries (RTDS 8.9 ERROR).
 * - GCS59 Restore GPF Device Log (0x008C, GPF): each entry is added as a join would add it and
 *   answered with its join response code (RTDS 8.12.2).
 * - CS08 Read PPMID/HCALCS Firmware Version (0x0129): the running firmware version (see
 *   security-and-join-firmware.ts).
 *
 * An injected `asn1-status` fault replaces the response code; the Device Log changes only when that
 * code is success.
 *
 * State: `device.state.model.deviceLog` — `{ deviceId: Eui64, deviceType: number (DeviceType code),
 * joinedAtMs: number }[]`, in joining order.
 */

import {
  decodeJoinDeviceCommand,
  encodeResponseCode,
  JoinMethodAndRole,
  JoinResponseCode,
} from '../../../protocol/asn1/cs03.ts';
import { decodeUnjoinDeviceCommand, UnjoinResponseCode } from '../../../protocol/asn1/cs04.ts';
import {
  decodeNullCommand,
  encodeReadDeviceJoinDetailsResponse,
  ReadJoinDetailsResponseCode,
} from '../../../protocol/asn1/cs07.ts';
import { derInteger } from '../../../protocol/asn1/der.ts';
import { type DeviceLogEntry, DeviceTypeCode } from '../../../protocol/asn1/gbcs-types.ts';
import {
  decodeGpfDeviceLogRestoreCommand,
  encodeGpfDeviceLogRestoreResponse,
} from '../../../protocol/asn1/gcs59.ts';
import { DecodeError } from '../../../protocol/errors.ts';
import type { Eui64 } from '../../../protocol/types.ts';
import type { DeviceType } from '../../../protocol/use-case-catalogue.ts';
import type { DeviceCore as Device, ExecutionContext, ExecutionResult } from '../../device/core.ts';
import { certificateInfo } from '../../smki/certificate-info.ts';
import type { HandlerRow } from '../model-table.ts';
import { handlerRow } from '../model-table.ts';

export const MessageCode = {
  CS03A1: 0x000d,
  CS03A2: 0x00ab,
  CS03B: 0x000e,
  CS03C: 0x00af,
  CS04AC: 0x000f,
  CS04B: 0x0010,
  CS07: 0x0013,
  GCS59: 0x008c,
} as const;

export interface DeviceLogRecord {
  deviceId: Eui64;
  /** DeviceType code (gbcs-types.ts `DeviceTypeCode`). */
  deviceType: number;
  joinedAtMs: number;
}

/** This model's part of the device state (sim/device/state.ts `ModelState`): `deviceLog`, the Device Log (devices joined). */
declare module '../../device/state.ts' {
  interface ModelState {
    deviceLog?: DeviceLogRecord[];
  }
}

/** Entries a Device Log holds (GBCS: a handful of HAN partners per meter; the GPF logs its GSME and HAN devices) [A]. */
export const DEVICE_LOG_CAPACITY: Readonly<Record<DeviceType, number>> = {
  ESME: 5,
  GSME: 5,
  GPF: 5,
  CHF: 0,
  PPMID: 5,
  HCALCS: 5,
};

/** The join method each join Message Code carries. */
const METHOD_OF_CODE: Readonly<Record<number, number>> = {
  [MessageCode.CS03A1]: JoinMethodAndRole.METHOD_A_INITIATOR,
  [MessageCode.CS03A2]: JoinMethodAndRole.METHOD_A_RESPONDER,
  [MessageCode.CS03B]: JoinMethodAndRole.METHOD_B,
  [MessageCode.CS03C]: JoinMethodAndRole.METHOD_C,
};

const { GSME, ESME, GPF, HCALCS, PPMID, TYPE2 } = DeviceTypeCode;

/**
 * The device types a device joins, per join method (GBCS HAN joining [A]): an ESME initiates
 * Method A with its HAN devices; PPMID/HCALCS respond to an ESME's Method A; a GSME joins the GPF
 * by Method B and a PPMID or Type 2 device by Method C; a PPMID joins a GSME by Method C.
 */
export const JOIN_PARTNERS: Readonly<Record<DeviceType, Partial<Record<number, readonly number[]>>>> = {
  ESME: { [JoinMethodAndRole.METHOD_A_INITIATOR]: [HCALCS, PPMID, TYPE2] },
  GSME: { [JoinMethodAndRole.METHOD_B]: [GPF], [JoinMethodAndRole.METHOD_C]: [PPMID, TYPE2] },
  PPMID: { [JoinMethodAndRole.METHOD_A_RESPONDER]: [ESME], [JoinMethodAndRole.METHOD_C]: [GSME] },
  HCALCS: { [JoinMethodAndRole.METHOD_A_RESPONDER]: [ESME] },
  GPF: {},
  CHF: {},
};

/** The Device Log of a device model (created empty). */
export function deviceLogOf(dev: Device): DeviceLogRecord[] {
  const m = dev.state.model;
  if (!Array.isArray(m.deviceLog)) m.deviceLog = [];
  return m.deviceLog;
}

/** Adds an entry as a join does; returns the join response code (0, 3 or 4). */
export function addToDeviceLog(dev: Device, entry: DeviceLogEntry, now: number): number {
  const log = deviceLogOf(dev);
  const same = log.find((e) => e.deviceId === entry.deviceId);
  if (same)
    return same.deviceType === entry.deviceType
      ? JoinResponseCode.SUCCESS
      : JoinResponseCode.INCOMPATIBLE_WITH_EXISTING_ENTRY;
  if (log.length >= DEVICE_LOG_CAPACITY[dev.deviceType]) return JoinResponseCode.DEVICE_LOG_FULL;
  log.push({ deviceId: entry.deviceId, deviceType: entry.deviceType, joinedAtMs: now });
  return JoinResponseCode.SUCCESS;
}

const injected = (ctx: ExecutionContext): number | undefined =>
  ctx.fault?.kind === 'asn1-status' ? ctx.fault.status : undefined;

/** Whether a Method C certificate is the KA Device Certificate of the entity. */
function isEntityKaCertificate(der: Uint8Array, entityId: Eui64): boolean {
  try {
    const info = certificateInfo(der);
    return info.kind === 'device' && info.usage === 'ka' && info.eui === entityId;
  } catch {
    return false;
  }
}

/** CS03x handler. */
export function joinDevice(ctx: ExecutionContext): ExecutionResult {
  const dev = ctx.device;
  const fault = injected(ctx);
  let cmd: ReturnType<typeof decodeJoinDeviceCommand>;
  try {
    cmd = decodeJoinDeviceCommand(ctx.payload);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { payload: encodeResponseCode(fault ?? JoinResponseCode.INVALID_JOIN_METHOD_AND_ROLE) };
  }
  const check = (): number => {
    if (METHOD_OF_CODE[ctx.header.messageCode] !== cmd.joinMethodAndRole)
      return JoinResponseCode.INVALID_MESSAGE_CODE_FOR_JOIN_METHOD_AND_ROLE;
    if (!JOIN_PARTNERS[dev.deviceType][cmd.joinMethodAndRole]?.includes(cmd.deviceType))
      return JoinResponseCode.INVALID_JOIN_METHOD_AND_ROLE;
    if (
      cmd.joinMethodAndRole === JoinMethodAndRole.METHOD_C &&
      (cmd.certificate === null || !isEntityKaCertificate(cmd.certificate, cmd.entityId))
    )
      return JoinResponseCode.INVALID_OR_MISSING_CERTIFICATE;
    return JoinResponseCode.SUCCESS;
  };
  const entry = { deviceId: cmd.entityId, deviceType: cmd.deviceType };
  if (fault !== undefined) {
    // The injected code is the answer; the join happens only when it says success.
    if (fault === JoinResponseCode.SUCCESS) addToDeviceLog(dev, entry, ctx.now);
    return { payload: encodeResponseCode(fault) };
  }
  const code = check();
  return {
    payload: encodeResponseCode(
      code === JoinResponseCode.SUCCESS ? addToDeviceLog(dev, entry, ctx.now) : code,
    ),
  };
}

/** CS04x handler. */
export function unjoinDevice(ctx: ExecutionContext): ExecutionResult {
  const fault = injected(ctx);
  let entityId: Eui64;
  try {
    entityId = decodeUnjoinDeviceCommand(ctx.payload);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { payload: encodeResponseCode(fault ?? UnjoinResponseCode.OTHER_FAILURE) };
  }
  const log = deviceLogOf(ctx.device);
  const i = log.findIndex((e) => e.deviceId === entityId);
  const code = fault ?? (i < 0 ? UnjoinResponseCode.NOT_IN_DEVICE_LOG : UnjoinResponseCode.SUCCESS);
  if (code === UnjoinResponseCode.SUCCESS && i >= 0) log.splice(i, 1);
  return { payload: encodeResponseCode(code) };
}

/** CS07 handler. */
export function readDeviceJoinDetails(ctx: ExecutionContext): ExecutionResult {
  if (ctx.fault?.kind === 'asn1-status') return { payload: derInteger(ctx.fault.status) };
  try {
    decodeNullCommand(ctx.payload, 'CS07 command');
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return {
      payload: encodeReadDeviceJoinDetailsResponse({
        responseCode: ReadJoinDetailsResponseCode.READ_FAILURE,
        entries: null,
      }),
    };
  }
  const log = deviceLogOf(ctx.device);
  return {
    payload: encodeReadDeviceJoinDetailsResponse(
      log.length === 0
        ? { responseCode: ReadJoinDetailsResponseCode.READ_FAILURE, entries: null }
        : {
            responseCode: ReadJoinDetailsResponseCode.SUCCESS,
            entries: log.map((e) => ({ deviceId: e.deviceId, deviceType: e.deviceType })),
          },
    ),
  };
}

/** GCS59 handler. */
export function restoreGpfDeviceLog(ctx: ExecutionContext): ExecutionResult {
  if (ctx.fault?.kind === 'asn1-status') return { payload: derInteger(ctx.fault.status) };
  let entries: DeviceLogEntry[];
  try {
    entries = decodeGpfDeviceLogRestoreCommand(ctx.payload);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { payload: encodeGpfDeviceLogRestoreResponse([]) };
  }
  return {
    payload: encodeGpfDeviceLogRestoreResponse(
      entries.map((entry) => ({ entry, joinResponseCode: addToDeviceLog(ctx.device, entry, ctx.now) })),
    ),
  };
}

/** This file's use-case handlers: (device types, Message Codes, handler); sim/models/index.ts puts them in `MODELS`. */
export const HANDLERS: readonly HandlerRow[] = [
  handlerRow(['ESME'], [MessageCode.CS03A1], joinDevice),
  handlerRow(['PPMID', 'HCALCS'], [MessageCode.CS03A2], joinDevice),
  handlerRow(['GSME'], [MessageCode.CS03B], joinDevice),
  handlerRow(['GSME', 'PPMID'], [MessageCode.CS03C], joinDevice),
  handlerRow(['ESME', 'GSME', 'PPMID', 'HCALCS'], [MessageCode.CS04AC], unjoinDevice),
  handlerRow(['GSME'], [MessageCode.CS04B], unjoinDevice),
  handlerRow(['GSME', 'ESME', 'PPMID', 'HCALCS'], [MessageCode.CS07], readDeviceJoinDetails),
  handlerRow(['GPF'], [MessageCode.GCS59], restoreGpfDeviceLog),
];
