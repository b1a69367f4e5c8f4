/**
 * The GSME device model: the GBCS use cases a gas smart meter executes (GBZ: GCS01a–GCS61, CS10a,
 * CS10b, CS11, CS01b, PCS01, PCS02), on the state of gsme-state.ts. (The GSME's ASN.1 use cases —
 * GCS28 clock, CS03/CS04 joins, CS07 — are in security-and-join-*.ts.)
 *
 * Every command first brings the model to the device clock (consumption, credit, snapshots,
 * pending future-dated actions: gsme-state.ts advanceGsme), then runs its components
 * (gsme-gbz.ts, gsme-commands.ts). Every command is logged in the General Event
 * Log as 0x8154 "Immediate HAN Interface Command Received and Successfully Actioned" (0x8155 when
 * it failed).
 *
 * The GSME is battery powered and sleepy: on a premises its traffic waits in the GPF until it wakes
 * (sim/premises/premises.ts gsmeWake); the GPF serves cached reads meanwhile (gpf.ts).
 *
 * Model state: `device.state.model.gsme` (GsmeModel, plain JSON).
 */

import { DecodeError, GbcsError } from '../../../protocol/errors.ts';
import { ZclStatus } from '../../../protocol/gbz/zcl.ts';
import { decodeZse, encodeZse, ZseCluster, ZsePrepayment } from '../../../protocol/gbz/zcl-se.ts';
import { ALERT_ERROR, type AlertSpec, type RaisedAlert, raiseAlert } from '../../device/alerts.ts';
import type { DeviceCore as Device, ExecutionContext, ExecutionResult } from '../../device/core.ts';
import { applyUtrn, TopUpResultType, topUpResultOf } from '../common/utrn-topup.ts';
import type { DeferredRow, HandlerRow, ModelProvisioner } from '../model-table.ts';
import { deferredRow, handlerRow } from '../model-table.ts';
import {
  advanceTo,
  commitStaged,
  FC,
  type GsmeSession,
  newSession,
  processGsmeComponent,
  processorKey,
  publishSnapshotPayload,
} from './commands.ts';
import { type GbzRequest, type GbzResult, runGbzCommand, status, type UseCaseRules } from './gbz.ts';
import { createGsmeModel, type GsmeOptions } from './history.ts';
import {
  applyTopUp,
  GsmeEvent,
  type GsmeModel,
  LogId,
  logEvent,
  type MeteringSnapshot,
  SupplyStatus,
} from './state.ts';

/** This model's part of the device state (sim/device/state.ts `ModelState`): `gsme`, the GSME model (gsme/state.ts). */
declare module '../../device/state.ts' {
  interface ModelState {
    gsme?: GsmeModel;
  }
}

/** GSME Message Codes (GBCS use-case catalogue). */
export const GsmeMessageCode = {
  CS10a: 0x0014,
  CS11: 0x0015,
  GCS01a: 0x006b,
  GCS02: 0x006c,
  GCS03: 0x006d,
  GCS04: 0x006e,
  GCS05: 0x006f,
  GCS06: 0x0070,
  GCS07: 0x0071,
  GCS11: 0x0073,
  GCS13a: 0x0074,
  GCS14: 0x0075,
  GCS15c: 0x0076,
  GCS16a: 0x0077,
  GCS17: 0x0078,
  GCS18: 0x0079,
  GCS21a: 0x007b,
  GCS23: 0x007c,
  GCS24: 0x007d,
  GCS25: 0x007e,
  GCS28: 0x007f,
  GCS31: 0x0080,
  GCS32: 0x0081,
  GCS33: 0x0082,
  GCS36: 0x0083,
  GCS38: 0x0084,
  GCS39: 0x0085,
  GCS40a: 0x0086,
  GCS41: 0x0087,
  GCS44: 0x0088,
  GCS46: 0x0089,
  GCS60: 0x008d,
  PCS02: 0x0090,
  GCS16b: 0x0096,
  CS01b: 0x0097,
  PCS01: 0x009b,
  GCS21d: 0x009d,
  GCS21e: 0x009e,
  GCS21f: 0x009f,
  CS10b: 0x00a1,
  GCS01b: 0x00a3,
  GCS20: 0x00ad,
  GCS40b: 0x00b4,
  GCS21b: 0x00b5,
  GCS13c: 0x00b6,
  GCS13b: 0x00b8,
  GCS21j: 0x00bf,
  GCS40c: 0x00c0,
  GCS40d: 0x00c2,
  GCS15b: 0x00c3,
  GCS15d: 0x00c4,
  GCS15e: 0x00c5,
  GCS25a: 0x00d8,
  GCS21k: 0x00da,
  GCS20r: 0x00f1,
  GCS21m: 0x00fb,
  GCS24a: 0x00fc,
  GCS60a: 0x012a,
} as const;

const M = GsmeMessageCode;

/**
 * Presentation rules by use case, as RTDS 4.5.0 shows them: the consumption registers (GCS13a/b/c)
 * and the prepayment registers (GCS14) travel encrypted; some Read Attributes Responses set
 * disable-default-response (0x18).
 */
export const GSME_USE_CASE_RULES: Readonly<Record<number, UseCaseRules>> = {
  [M.GCS13a]: { readResponseFrameControl: 0x18, encryptReadOf: [ZseCluster.METERING] },
  [M.GCS13b]: { readResponseFrameControl: 0x18, encryptReadOf: [ZseCluster.METERING] },
  [M.GCS13c]: { readResponseFrameControl: 0x18, encryptReadOf: [ZseCluster.METERING] },
  [M.GCS14]: { encryptReadOf: [ZseCluster.PREPAYMENT] },
  [M.GCS21f]: { readResponseFrameControl: 0x18 },
};

/** Every GBZ use case the GSME executes. */
export const GSME_GBZ_CODES: readonly number[] = Object.values(M).filter((c) => c !== M.GCS28);

// ---------------------------------------------------------------------------------------------
// Model access

/**
 * The GSME model of a device, created on first use as a GSME that has lived some weeks
 * (gsme-history.ts), and brought to `now`.
 */
export function gsmeModelOf(
  dev: Device,
  now: number,
  options?: GsmeOptions,
  raise?: (spec: AlertSpec) => void,
): GsmeModel {
  const model = dev.state.model;
  let m = model.gsme;
  if (m?.version !== 1) {
    m = createGsmeModel(dev.eui, now, options);
    model.gsme = m;
  }
  const gsme = m;
  advanceTo(m, now, raise && ((s) => raise(billingDataLogUpdated(gsme, s))));
  return m;
}

/**
 * GCS53 "Push Billing Data Log as an Alert": 0x8F0A with the new billing data log entry as an
 * encrypted Publish Snapshot component (RTDS NA_GCS53), to the Supplier.
 */
export function billingDataLogUpdated(m: GsmeModel, s: MeteringSnapshot): AlertSpec {
  return {
    alertCode: GsmeEvent.BILLING_DATA_LOG_UPDATED,
    at: s.time,
    body: {
      form: 'gbz-encrypted-component',
      clusterId: ZseCluster.METERING,
      frameControl: FC.SERVER_NO_DEFAULT,
      commandId: 0x06,
      zclPayload: publishSnapshotPayload(s, Math.max(0, m.logs.billing.indexOf(s))),
    },
  };
}

/**
 * Advances a GSME device's model to its clock (for time-driven runs between commands). Billing
 * periods that end on the way raise GCS53 (sim/device/alerts.ts), handed to `onAlert`. `options` apply
 * when the model is created here (its first use), as for gsmeModelOf.
 */
export function tickGsme(dev: Device, onAlert?: (a: RaisedAlert) => void, options?: GsmeOptions): GsmeModel {
  const m = gsmeModelOf(dev, dev.clock.now(), options, (spec) => {
    const a = tryRaise(() => raiseAlert(dev, spec));
    if (a) onAlert?.(a);
  });
  dev.persist();
  return m;
}

/**
 * The consumer opens an armed valve at the meter (its button): supply status ARMED → ON, and gas
 * flows again from the half hour under way. Any other state is left alone.
 * @returns whether the valve opened.
 */
export function restoreGsmeSupply(dev: Device): boolean {
  const m = tickGsme(dev);
  if (m.metering.supplyStatus !== SupplyStatus.ARMED) return false;
  m.metering.supplyStatus = SupplyStatus.ON;
  dev.persist();
  return true;
}

/** An alert the device cannot address (no trust anchor for the recipient) is not sent. */
function tryRaise(f: () => RaisedAlert): RaisedAlert | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof GbcsError && e.code === ALERT_ERROR) return undefined;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Consumer Top Up (CS01b from the DCC, PCS01 from a PPMID)

/** Money units of the GSME (10^-5 GBP) per penny. */
const UNITS_PER_PENNY = 1000;

function consumerTopUp(s: GsmeSession, req: GbzRequest): GbzResult {
  let q: { originatingDevice: number; topUpCode: Uint8Array };
  try {
    q = decodeZse(ZsePrepayment.ConsumerTopUp, req.payload);
  } catch (e) {
    if (e instanceof DecodeError || e instanceof RangeError) return status(ZclStatus.MALFORMED_COMMAND);
    throw e;
  }
  const utrn = new TextDecoder().decode(q.topUpCode);
  const p = s.m.prepayment;
  let result: number = TopUpResultType.REJECTED_INVALID;
  let value = 0;
  if (/^[0-9]{20}$/.test(utrn)) {
    // GBCS §14 verification and the UTRN counter record (utrn-topup.ts); the credit is the meter's.
    const v = applyUtrn(s.ctx, utrn, q.originatingDevice);
    result = topUpResultOf(v.verdict);
    value = v.valuePence * UNITS_PER_PENNY;
    if (
      result === TopUpResultType.ACCEPTED &&
      (value > p.maxCreditPerTopUp || p.creditRemaining + value > p.maxCreditLimit)
    ) {
      result = TopUpResultType.REJECTED_MAX_CREDIT_REACHED;
    }
  }
  if (result === TopUpResultType.ACCEPTED) {
    applyTopUp(s.m, utrn, value, s.now);
    if (q.originatingDevice !== 0) logEvent(s.m, LogId.GENERAL, GsmeEvent.CREDIT_ADDED_LOCALLY, s.now);
  } else {
    logEvent(
      s.m,
      LogId.SECURITY,
      result === TopUpResultType.REJECTED_DUPLICATE ? GsmeEvent.DUPLICATE_UTRN : GsmeEvent.UTRN_NOT_AUTHENTIC,
      s.now,
    );
  }
  const accepted = result === TopUpResultType.ACCEPTED;
  const payload = encodeZse(ZsePrepayment.ConsumerTopUpResponse, {
    resultType: result,
    // A refused top-up reports no value and no credit (RTDS 2.2 CS01b ERROR: 0xFFFFFFFF).
    topUpValue: accepted ? Math.min(0x7fffffff, value) : -1,
    sourceOfTopUp: q.originatingDevice,
    creditRemaining: accepted
      ? Math.max(-0x80000000, Math.min(0x7fffffff, Math.round(p.creditRemaining)))
      : -1,
  });
  return {
    type: 'responses',
    parts: [{ frameControl: FC.SERVER, commandId: ZsePrepayment.ConsumerTopUpResponse.commandId, payload }],
  };
}

const EXTRA = new Map([
  [processorKey(ZseCluster.PREPAYMENT, 0x01, ZsePrepayment.ConsumerTopUp.commandId), consumerTopUp],
]);

// ---------------------------------------------------------------------------------------------
// Handlers

/** Event data of 0x8154/0x8155: the command's Message Code, big-endian. */
export const messageCodeData = (code: number): string => code.toString(16).padStart(4, '0');

/** Executes a GBZ use case on the GSME. */
export function executeGsmeGbz(ctx: ExecutionContext): ExecutionResult {
  // Billing periods that ended while the GSME slept push their entry (GCS53) with this command.
  const m = gsmeModelOf(ctx.device, ctx.now, undefined, (spec) => void tryRaise(() => ctx.raiseAlert(spec)));
  const s = newSession(m, ctx);
  return runGbzCommand(
    ctx,
    (req) => processGsmeComponent(s, req, EXTRA),
    GSME_USE_CASE_RULES[ctx.header.messageCode] ?? {},
    (results) => {
      const failed = results.some(
        (r) =>
          (r.type === 'default' && r.status !== ZclStatus.SUCCESS && r.status !== ZclStatus.NOT_FOUND) ||
          (r.type === 'read' && r.records.some((x) => x.status !== ZclStatus.SUCCESS)),
      );
      if (!failed) commitStaged(s);
      // Every HAN command is logged, with its Message Code as the event data (RTDS CS10a).
      logEvent(
        m,
        LogId.GENERAL,
        failed ? GsmeEvent.IMMEDIATE_COMMAND_NOT_ACTIONED : GsmeEvent.IMMEDIATE_COMMAND_ACTIONED,
        ctx.now,
        messageCodeData(ctx.header.messageCode),
      );
    },
  );
}

/**
 * Provisioning: a GSME commissioned 31 days before, or the day before for the scenarios that read
 * its event logs (RTDS 6.13 CS10a/CS10b: the RTDS GSME's General and Security Event Logs begin on
 * 31 December 2014, the day before its clock).
 */
/** Provisions a GSME model's state (`DeviceModel.provision`). */
export const provision: ModelProvisioner = (state, hints) => {
  const recent = hints.messageCode === M.CS10a || hints.messageCode === M.CS10b;
  state.model.gsme = createGsmeModel(state.eui, hints.nowMs, recent ? { historyDays: 1 } : {});
};

/** This file's use-case handlers: (device types, Message Codes, handler); sim/models/index.ts puts them in `MODELS`. */
export const HANDLERS: readonly HandlerRow[] = [handlerRow(['GSME'], GSME_GBZ_CODES, executeGsmeGbz)];

/**
 * Deferred executions of future-dated commands: (device types, Message Codes, executor).
 *
 * A future-dated GSME command comes due (sim/device/scheduler.ts raises the 0x8F66/0x8F67 alert): the
 * model catches up to the due time, applying its pending action then (gsme-state.ts advanceGsme);
 * the outcome is what the meter logged for it (0x8F67 "not actioned" at that instant, else
 * actioned).
 */
export const DEFERRED: readonly DeferredRow[] = [
  deferredRow(['GSME'], [M.GCS01a, M.GCS01b, M.GCS02, M.GCS03, M.GCS05], (dev, task) => {
    const m = gsmeModelOf(dev, Math.max(task.dueMs, dev.clock.now()));
    dev.persist();
    const failed = m.logs.events.some(
      (e) => e.time === task.dueMs && e.eventId === GsmeEvent.FUTURE_DATED_NOT_ACTIONED,
    );
    return { actioned: !failed };
  }),
];
