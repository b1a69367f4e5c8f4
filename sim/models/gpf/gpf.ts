/**
 * The Gas Proxy Function (GPF) of a Communications Hub: the GSME's always-awake mirror and the
 * keeper of its own Device Log.
 *
 * - Mirror: the sleepy GSME sends its data to the GPF whenever it wakes (sim/premises/premises.ts
 *   gsmeWake → `syncGpfMirror`); the GPF answers reads of it at once from that cached copy —
 *   GCS13a/b/c (consumption registers), GCS14 (prepayment registers), GCS16b (prepayment daily
 *   read log), GCS60a (meter balance), GCS61 (gas daily consumption log, Get Sampled Data sample
 *   id 1). The cached data is as of the last synchronisation; the GPF never changes it.
 * - Its own: GCS09 Set Change of Tenancy date (Publish Change of Tenancy). (Its Device Log —
 *   GCS59 restore, GCS62 backup — is kept by security-and-join-devices.ts and sim/device/alerts.ts.)
 *
 * A GPF that has never heard from its GSME holds the mirror of a GSME that has lived some weeks
 * (gsme-history.ts), so it answers like a GPF in service.
 *
 * Model state: `device.state.model.gpf` (plain JSON):
 * `{ version, mirror: GsmeModel, mirrorUpdatedAt, changeOfTenancy }`.
 */

import { DecodeError } from '../../../protocol/errors.ts';
import { fromZclUtcTime, ZclStatus } from '../../../protocol/gbz/zcl.ts';
import { decodeZse, ZseCluster, ZseDeviceManagement } from '../../../protocol/gbz/zcl-se.ts';
import type { DeviceCore as Device, ExecutionContext, ExecutionResult } from '../../device/core.ts';
import { newSession, processGsmeComponent, processorKey } from '../gsme/commands.ts';
import { type GbzRequest, type GbzResult, ok, runGbzCommand, status } from '../gsme/gbz.ts';
import { GSME_USE_CASE_RULES, GsmeMessageCode, gsmeModelOf } from '../gsme/gsme.ts';
import { createGsmeModel } from '../gsme/history.ts';
import type { GsmeModel } from '../gsme/state.ts';
import type { HandlerRow } from '../model-table.ts';
import { handlerRow } from '../model-table.ts';

export interface GpfModel {
  version: 1;
  /** The GSME data as of the last synchronisation (never advanced by the GPF). */
  mirror: GsmeModel;
  mirrorUpdatedAt: number;
  /** GCS09: the Change of Tenancy date (ms), or null. */
  changeOfTenancy: number | null;
}

/** This model's part of the device state (sim/device/state.ts `ModelState`): `gpf`, the GPF mirror and Device Log state. */
declare module '../../device/state.ts' {
  interface ModelState {
    gpf?: GpfModel;
  }
}

export const GpfMessageCode = {
  GCS09: 0x0072,
  GCS61: 0x00a0,
} as const;

/** Use cases the GPF answers from its mirror. */
export const GPF_MIRROR_CODES: readonly number[] = [
  GsmeMessageCode.GCS13a,
  GsmeMessageCode.GCS13b,
  GsmeMessageCode.GCS13c,
  GsmeMessageCode.GCS14,
  GsmeMessageCode.GCS16b,
  GsmeMessageCode.GCS60a,
  GpfMessageCode.GCS61,
];

/** The GPF model of a device, created on first use. */
export function gpfModelOf(dev: Device, now: number): GpfModel {
  let g = dev.state.model.gpf;
  if (g?.version !== 1) {
    g = { version: 1, mirror: createGsmeModel(dev.eui, now), mirrorUpdatedAt: now, changeOfTenancy: null };
    dev.state.model.gpf = g;
  }
  return g;
}

/**
 * The GSME has woken and reported: the GPF's mirror becomes a copy of the GSME's data (GBCS: the
 * GSME updates its GPF mirror at each wake). Both devices' states are persisted.
 */
export function syncGpfMirror(gpf: Device, gsme: Device): void {
  const now = gsme.clock.now();
  const source = gsmeModelOf(gsme, now);
  const g = gpfModelOf(gpf, now);
  g.mirror = JSON.parse(JSON.stringify(source)) as GsmeModel;
  g.mirrorUpdatedAt = now;
  gsme.persist();
  gpf.persist();
}

function publishChangeOfTenancy(ctx: ExecutionContext, req: GbzRequest): GbzResult {
  let q: { implementationDateTime: number };
  try {
    q = decodeZse(ZseDeviceManagement.PublishChangeOfTenancy, req.payload);
  } catch (e) {
    if (e instanceof DecodeError || e instanceof RangeError) return status(ZclStatus.MALFORMED_COMMAND);
    throw e;
  }
  const g = gpfModelOf(ctx.device, ctx.now);
  g.changeOfTenancy = q.implementationDateTime === 0 ? ctx.now : fromZclUtcTime(q.implementationDateTime);
  return ok();
}

/** Executes a GBZ use case on the GPF: its own Change of Tenancy, or a read of the mirror. */
export function executeGpfGbz(ctx: ExecutionContext): ExecutionResult {
  const g = gpfModelOf(ctx.device, ctx.now);
  const s = newSession(g.mirror, ctx, true);
  s.now = g.mirrorUpdatedAt;
  const cot = processorKey(
    ZseCluster.DEVICE_MANAGEMENT,
    0x09,
    ZseDeviceManagement.PublishChangeOfTenancy.commandId,
  );
  return runGbzCommand(
    ctx,
    (req) =>
      processorKey(req.clusterId, req.frameControl, req.commandId) === cot
        ? publishChangeOfTenancy(ctx, req)
        : processGsmeComponent(s, req),
    GSME_USE_CASE_RULES[ctx.header.messageCode] ?? {},
  );
}

/** This file's use-case handlers: (device types, Message Codes, handler); sim/models/index.ts puts them in `MODELS`. */
export const HANDLERS: readonly HandlerRow[] = [
  handlerRow(['GPF'], [...GPF_MIRROR_CODES, GpfMessageCode.GCS09], executeGpfGbz),
];
