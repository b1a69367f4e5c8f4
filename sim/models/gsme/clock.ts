/**
 * GCS28 "Set Clock on GSME" (0x007F): the GSME takes the Communications Hub's time when that time
 * lies inside the command's validity interval [start, end]. The GSME's clock is the hub time plus
 * an offset; a successful synchronisation zeroes the offset and makes the time reliable. Outside
 * the interval (or with an interval whose end precedes its start) the clock is left as it is. The
 * response reports the GSME's time and its status: 0 reliable, 1 invalid, 2 unreliable (RTDS 4.5.0
 * 6.11 and 8.1.1: a GSME never synchronised answers an out-of-interval command "unreliable").
 *
 * State: `device.state.model.gsmeClock` — `{ offsetMs: number (GSME time − hub time),
 * timeStatus: 0 | 1 | 2, lastSyncMs: number | null }`; a new GSME has offset 0 and status
 * unreliable (2) until its first synchronisation.
 */

import { derInteger } from '../../../protocol/asn1/der.ts';
import {
  DeviceTimeStatus,
  decodeSetTimeCommand,
  encodeSetTimeResponse,
} from '../../../protocol/asn1/gcs28.ts';
import { DecodeError } from '../../../protocol/errors.ts';
import type { DeviceCore as Device, ExecutionContext, ExecutionResult } from '../../device/core.ts';
import type { HandlerRow } from '../model-table.ts';
import { handlerRow } from '../model-table.ts';

export const GCS28 = 0x007f;

export interface GsmeClockModel {
  offsetMs: number;
  timeStatus: number;
  lastSyncMs: number | null;
}

/** This model's part of the device state (sim/device/state.ts `ModelState`): `gsmeClock`, the GSME clock offset (GCS28). */
declare module '../../device/state.ts' {
  interface ModelState {
    gsmeClock?: Partial<GsmeClockModel>;
  }
}

export function gsmeClockOf(dev: Device): GsmeClockModel {
  const m = dev.state.model;
  const c = m.gsmeClock;
  if (c && typeof c === 'object' && typeof c.offsetMs === 'number') {
    c.timeStatus ??= DeviceTimeStatus.UNRELIABLE;
    c.lastSyncMs ??= null;
    return c as GsmeClockModel;
  }
  const fresh: GsmeClockModel = { offsetMs: 0, timeStatus: DeviceTimeStatus.UNRELIABLE, lastSyncMs: null };
  m.gsmeClock = fresh;
  return fresh;
}

/** GCS28 handler. */
export function setClockOnGsme(ctx: ExecutionContext): ExecutionResult {
  if (ctx.fault?.kind === 'asn1-status') return { payload: derInteger(ctx.fault.status) };
  const clock = gsmeClockOf(ctx.device);
  const hubTime = ctx.now;
  let inside = false;
  try {
    const cmd = decodeSetTimeCommand(ctx.payload);
    inside =
      cmd.validityIntervalStart <= cmd.validityIntervalEnd &&
      cmd.validityIntervalStart <= hubTime &&
      hubTime <= cmd.validityIntervalEnd;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
  if (inside) {
    clock.offsetMs = 0;
    clock.timeStatus = DeviceTimeStatus.RELIABLE;
    clock.lastSyncMs = hubTime;
  }
  return {
    payload: encodeSetTimeResponse({
      deviceTime: hubTime + clock.offsetMs,
      deviceTimeStatus: clock.timeStatus,
    }),
  };
}

/** This file's use-case handlers: (device types, Message Codes, handler); sim/models/index.ts puts them in `MODELS`. */
export const HANDLERS: readonly HandlerRow[] = [handlerRow(['GSME'], [GCS28], setClockOnGsme)];
