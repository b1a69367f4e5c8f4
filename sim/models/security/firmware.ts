/**
 * Device firmware: the running version, the image received and waiting for activation, and the
 * use cases that activate and read it:
 *
 * - CS06 Activate Firmware (0x0012, ESME): the command names the SHA-256 "manufacturer image hash"
 *   of the image to activate and carries its own Originator Counter. Outcome (cs06.ts response
 *   codes): 1 no image held, 2 the held image has another hash, 3 activation failure (the payload's
 *   counter is not above the last activation's), else 0 and the image's version runs. The response
 *   carries the version running afterwards. A future-dated command (execution date-time after the
 *   device time) or a cancelling one (9999-12-31T23:59:59Z) is answered "Command Accepted"; the
 *   scheduler (sim/device/scheduler.ts) re-enters this handler when it is due and raises 0x8F66/0x8F67
 *   with the outcome (RTDS 4.5.0 11.3).
 * - CS08 Read PPMID/HCALCS Firmware Version (0x0129): the running version, read success.
 *
 * An image reaches a device by the firmware distribution (SRV 11.1; the CHF reports the transfer
 * with CCS08): `receiveFirmwareImage` stores it as the device's held image.
 *
 * State: `device.state.model.firmware` — `{ version: hex (4 octets), image: { hash: hex (32 octets),
 * version: hex } | null, lastActivationCounter: decimal uint64, activatedAtMs: number | null }`.
 */

import {
  ActivateFirmwareResponseCode,
  decodeActivateFirmwareCommand,
  encodeActivateFirmwareResponse,
} from '../../../protocol/asn1/cs06.ts';
import {
  decodeNullCommand,
  encodeReadFirmwareVersionResponse,
  ReadFirmwareVersionResponseCode,
} from '../../../protocol/asn1/cs08.ts';
import { derInteger } from '../../../protocol/asn1/der.ts';
import { CANCELLATION_DATE_TIME } from '../../../protocol/asn1/gbcs-types.ts';
import { fromHex, toHex } from '../../../protocol/bytes.ts';
import { DecodeError } from '../../../protocol/errors.ts';
import type { DeviceCore as Device, ExecutionContext, ExecutionResult } from '../../device/core.ts';
import type { HandlerRow } from '../model-table.ts';
import { handlerRow } from '../model-table.ts';

export const CS06 = 0x0012;
export const CS08 = 0x0129;

/** The version a device runs when first provisioned (4 octets: major, minor, build high, build low) [A]. */
export const FACTORY_FIRMWARE_VERSION = '01000000';

export interface FirmwareModel {
  version: string;
  image: { hash: string; version: string } | null;
  lastActivationCounter: string;
  activatedAtMs: number | null;
}

/** This model's part of the device state (sim/device/state.ts `ModelState`): `firmware`, running version and the image waiting for activation. */
declare module '../../device/state.ts' {
  interface ModelState {
    firmware?: Partial<FirmwareModel>;
  }
}

export function firmwareOf(dev: Device): FirmwareModel {
  const m = dev.state.model;
  const f = m.firmware;
  if (f && typeof f === 'object' && typeof f.version === 'string') {
    f.image ??= null;
    f.lastActivationCounter ??= '0';
    f.activatedAtMs ??= null;
    return f as FirmwareModel;
  }
  const fresh: FirmwareModel = {
    version: FACTORY_FIRMWARE_VERSION,
    image: null,
    lastActivationCounter: '0',
    activatedAtMs: null,
  };
  m.firmware = fresh;
  return fresh;
}

/**
 * A firmware image arrives (firmware distribution): it becomes the held image, identified by its
 * SHA-256 hash. @returns the manufacturer image hash
 * @throws RangeError when `version` is not 1–16 octets of hex
 */
export function receiveFirmwareImage(dev: Device, image: Uint8Array, version: string): Uint8Array {
  const hash = dev.crypto.sha256(image);
  holdFirmwareImage(dev, hash, version);
  return hash;
}

/**
 * The device holds an image known by its manufacturer image hash (received and verified by the
 * firmware distribution, e.g. after alert 0x8F72 "firmware verification successful").
 * @throws RangeError when `hash` is not 32 octets or `version` not 1–16 octets of hex
 */
export function holdFirmwareImage(dev: Device, hash: Uint8Array, version: string): void {
  if (hash.length !== 32) throw new RangeError('a manufacturer image hash is 32 octets (SHA-256)');
  if (!/^([0-9a-f]{2}){1,16}$/.test(version))
    throw new RangeError(`firmware version ${version} is not hex octets`);
  firmwareOf(dev).image = { hash: toHex(hash), version };
}

/** CS06 handler. */
export function activateFirmware(ctx: ExecutionContext): ExecutionResult {
  if (ctx.fault?.kind === 'asn1-status') return { payload: derInteger(ctx.fault.status) };
  const fw = firmwareOf(ctx.device);
  const outcome = (responseCode: number) => ({
    payload: encodeActivateFirmwareResponse({ responseCode, firmwareVersion: fromHex(fw.version) }),
  });
  let cmd: ReturnType<typeof decodeActivateFirmwareCommand>;
  try {
    cmd = decodeActivateFirmwareCommand(ctx.payload);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return outcome(ActivateFirmwareResponseCode.ACTIVATION_FAILURE);
  }
  const t = cmd.executionDateTime;
  if (t !== null && (t >= CANCELLATION_DATE_TIME || t > ctx.now))
    return { payload: encodeActivateFirmwareResponse(null) };
  if (!fw.image) return outcome(ActivateFirmwareResponseCode.NO_IMAGE_HELD);
  if (fw.image.hash !== toHex(cmd.manufacturerImageHash))
    return outcome(ActivateFirmwareResponseCode.HASH_MISMATCH);
  if (cmd.originatorCounter <= BigInt(fw.lastActivationCounter))
    return outcome(ActivateFirmwareResponseCode.ACTIVATION_FAILURE);
  fw.version = fw.image.version;
  fw.image = null;
  fw.lastActivationCounter = cmd.originatorCounter.toString();
  fw.activatedAtMs = ctx.now;
  return outcome(ActivateFirmwareResponseCode.SUCCESS);
}

/** CS08 handler. */
export function readFirmwareVersion(ctx: ExecutionContext): ExecutionResult {
  if (ctx.fault?.kind === 'asn1-status') return { payload: derInteger(ctx.fault.status) };
  const fw = firmwareOf(ctx.device);
  let ok = true;
  try {
    decodeNullCommand(ctx.payload, 'CS08 command');
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    ok = false;
  }
  return {
    payload: encodeReadFirmwareVersionResponse({
      firmwareVersion: ok ? fromHex(fw.version) : new Uint8Array(4),
      responseCode: ok
        ? ReadFirmwareVersionResponseCode.READ_SUCCESS
        : ReadFirmwareVersionResponseCode.READ_FAILURE,
    }),
  };
}

/** This file's use-case handlers: (device types, Message Codes, handler); sim/models/index.ts puts them in `MODELS`. */
export const HANDLERS: readonly HandlerRow[] = [
  handlerRow(['ESME'], [CS06], activateFirmware),
  handlerRow(['PPMID', 'HCALCS'], [CS08], readFirmwareVersion),
];
