/**
 * What each ZCL command does to a GSME (GBCS GCS/CS use cases over the ZSE clusters;
 * protocol/gbz/zcl-se.ts for the payloads). One processor per component (gsme-gbz.ts runs them in
 * order); tariff and calendar updates arrive as several components and are committed together once
 * the whole command succeeded (GCS01a/b, GCS05: an update that fails half way changes nothing).
 *
 * Execution time of a command that carries one (a start / implementation time, or the GBZ
 * from-date-time): 0 = now, 0xFFFFFFFE/0xFFFFFFFF = cancel the pending one, a time in the future
 * = pending until the GSME clock reaches it (`GsmeModel.pending`; sim/device/scheduler.ts raises the
 * 0x8F66/0x8F67 outcome alert), a time in the past = now.
 */
import { fromHex, toHex } from '../../../protocol/bytes.ts';

/** Bytes of a hex string held in the model ('' = none). */
const bytesOfHex = (h: string): Uint8Array => (h ? fromHex(h) : new Uint8Array(0));

import { DecodeError } from '../../../protocol/errors.ts';
import {
  decodeReadAttributes,
  fromZclUtcTime,
  isClusterSpecific,
  isServerToClient,
  toZclUtcTime,
  ZclCommand,
  ZclStatus,
} from '../../../protocol/gbz/zcl.ts';
import {
  decodeZse,
  encodeMeteringSnapshotPayload,
  encodePrepaySnapshotPayload,
  encodeZse,
  ZseCalendar,
  ZseCluster,
  type ZseCommandDef,
  ZseDeviceManagement,
  ZseEvents,
  ZseMessaging,
  ZseMetering,
  ZsePrepayment,
  ZsePrice,
} from '../../../protocol/gbz/zcl-se.ts';
import type { ExecutionContext } from '../../device/core.ts';
import { hasAttributeTable, readGsmeAttributes } from './attributes.ts';
import { type GbzRequest, type GbzResult, notFound, ok, part, status } from './gbz.ts';
import {
  accumulatedDebt,
  advanceGsme,
  afterBalanceChange,
  type CalendarData,
  currentTier,
  DAY,
  GsmeEvent,
  type GsmeModel,
  HALF_HOUR,
  isPrepaymentMode,
  LogId,
  logEvent,
  type MeteringSnapshot,
  nextPeriodEnd,
  type PendingAction,
  type PrepaySnapshot,
  SampleId,
  SnapshotCause,
  SupplyStatus,
  type TariffData,
  takeBillingSnapshot,
} from './state.ts';

/** ZCL frame controls of responses (ZSE direction of the response command). */
export const FC = {
  /** Cluster-specific, server to client. */
  SERVER: 0x09,
  /** … with default response disabled. */
  SERVER_NO_DEFAULT: 0x19,
  /** Cluster-specific, client to server. */
  CLIENT: 0x01,
} as const;

/** Issuer Calendar Id aliases of the current calendars (GBCS GCS21b/GCS21f requests). */
export const CURRENT_TOU_CALENDAR = 0xffffffff;
export const CURRENT_FRIENDLY_CREDIT_CALENDAR = 0xfffffffe;

/** The largest number of events in one Publish Event Log (RTDS CS10a/CS10b: 32). */
export const MAX_EVENTS_PER_PUBLISH = 32;

/** Staged parts of a multi-component update, committed when the command completes. */
interface Staged {
  tariff?: Partial<TariffData> & { issuerTariffId: number };
  tariffStart?: number;
  tariffComponents: Array<{ clusterId: number; frameControl: number; commandId: number }>;
  calendars: Map<
    number,
    Partial<CalendarData> & {
      dayProfiles: CalendarData['dayProfiles'];
      weekProfiles: CalendarData['weekProfiles'];
    }
  >;
  calendarStart: Map<number, number>;
}

/** Per-command processing context. */
export interface GsmeSession {
  m: GsmeModel;
  now: number;
  ctx: ExecutionContext;
  /** GPF mirror: data may be read, nothing is changed. */
  readOnly: boolean;
  /** Get Sampled Data Response frame control (GSME 0x09 per RTDS GCS18, GPF 0x19 per GCS61). */
  sampledDataFrameControl: number;
  /** Encrypt sampled data (GCS17/GCS18/GCS61). */
  encryptSampledData: boolean;
  staged: Staged;
}

export function newSession(m: GsmeModel, ctx: ExecutionContext, readOnly = false): GsmeSession {
  return {
    m,
    now: ctx.now,
    ctx,
    readOnly,
    sampledDataFrameControl: readOnly ? FC.SERVER_NO_DEFAULT : FC.SERVER,
    encryptSampledData: true,
    staged: { tariffComponents: [], calendars: new Map(), calendarStart: new Map() },
  };
}

// ---------------------------------------------------------------------------------------------
// Execution times

export type ExecTime = { kind: 'now' } | { kind: 'cancel' } | { kind: 'at'; ms: number };

/** A ZigBee UTCTime start / implementation time as an execution time at `now`. */
export function execTime(utc: number, now: number): ExecTime {
  if (utc === 0) return { kind: 'now' };
  if (utc >= 0xfffffffe) return { kind: 'cancel' };
  const ms = fromZclUtcTime(utc);
  return ms > now ? { kind: 'at', ms } : { kind: 'now' };
}

function schedule(
  s: GsmeSession,
  req: GbzRequest,
  at: number,
  kind: PendingAction['kind'],
  data: Record<string, unknown>,
): void {
  const h = s.ctx.header;
  s.m.pending = s.m.pending.filter((p) => p.kind !== kind);
  s.m.pending.push({
    at,
    kind,
    data,
    messageCode: h.messageCode,
    originatorCounter: h.originatorCounter.toString(),
    clusterId: req.clusterId,
    frameControl: req.frameControl,
    commandId: req.commandId,
  });
}

function cancel(s: GsmeSession, kind: PendingAction['kind']): void {
  s.m.pending = s.m.pending.filter((p) => p.kind !== kind);
}

/** Applies, schedules or cancels an action by its execution time. */
function byTime(
  s: GsmeSession,
  req: GbzRequest,
  t: ExecTime,
  kind: PendingAction['kind'],
  data: Record<string, unknown>,
): void {
  if (t.kind === 'cancel') cancel(s, kind);
  else if (t.kind === 'at') schedule(s, req, t.ms, kind, data);
  else {
    cancel(s, kind);
    applyAction(s.m, { kind, data, at: s.now } as PendingAction);
  }
}

/**
 * Applies a (due) action to the model. Used for immediate commands and, through advanceGsme, for
 * pending ones when their time comes. @returns whether it was actioned.
 */
export function applyAction(m: GsmeModel, a: Pick<PendingAction, 'kind' | 'data' | 'at'>): boolean {
  const d = a.data;
  const p = m.prepayment;
  switch (a.kind) {
    case 'tariff': {
      m.price.active = d.tariff as TariffData;
      m.price.pending = null;
      takeBillingSnapshot(m, a.at, SnapshotCause.CHANGE_OF_TARIFF_INFORMATION);
      return true;
    }
    case 'calendar': {
      const cal = d.calendar as CalendarData;
      if (cal.calendarType === 0x03) m.calendars.friendlyCredit = cal;
      else m.calendars.tou = cal;
      return true;
    }
    case 'payment-mode': {
      const before = p.paymentControlConfiguration;
      p.paymentControlConfiguration = d.paymentControlConfiguration as number;
      p.cutOffValue = d.cutOffValue as number;
      if (isPrepaymentMode(before) !== isPrepaymentMode(p.paymentControlConfiguration)) {
        takeBillingSnapshot(m, a.at, SnapshotCause.CHANGE_OF_METER_MODE);
      }
      afterBalanceChange(m, a.at);
      return true;
    }
    case 'low-credit-warning':
      p.lowCreditWarningLevel = d.level as number;
      return true;
    case 'debt-cap':
      p.overallDebtCap = d.cap as number;
      return true;
    case 'max-credit':
      p.maxCreditLimit = d.maxCreditLimit as number;
      p.maxCreditPerTopUp = d.maxCreditPerTopUp as number;
      return true;
    case 'emergency-credit':
      p.emergencyCreditLimit = d.limit as number;
      p.emergencyCreditThreshold = d.threshold as number;
      if (!p.emergencyCreditActive) p.emergencyCreditRemaining = p.emergencyCreditLimit;
      return true;
    case 'conversion-factor':
      m.price.conversionFactor = d.value as number;
      m.price.conversionFactorTrailingDigit = d.trailingDigit as number;
      takeBillingSnapshot(m, a.at, SnapshotCause.CHANGE_OF_CF);
      return true;
    case 'calorific-value':
      m.price.calorificValue = d.value as number;
      m.price.calorificValueUnit = d.unit as number;
      m.price.calorificValueTrailingDigit = d.trailingDigit as number;
      takeBillingSnapshot(m, a.at, SnapshotCause.CHANGE_OF_CV);
      return true;
    case 'billing-period':
    case 'block-period': {
      const period = a.kind === 'billing-period' ? m.price.billingPeriod : m.price.blockPeriod;
      period.startTime = d.startTime as number;
      period.duration = d.duration as number;
      period.durationType = d.durationType as number;
      period.nextEnd = nextPeriodEnd(period.startTime, period.duration, period.durationType, a.at);
      return true;
    }
    case 'supply': {
      const target = d.supplyStatus as number;
      if (target === SupplyStatus.ARMED && m.metering.supplyStatus === SupplyStatus.ON) return false;
      m.metering.supplyStatus = target;
      if (target === SupplyStatus.ARMED) logEvent(m, LogId.GENERAL, GsmeEvent.SUPPLY_ARMED, a.at);
      return true;
    }
    case 'debt': {
      const debt = p.debts[d.index as number];
      if (!debt) return false;
      debt.amount = d.amount as number;
      debt.recoveryMethod = d.recoveryMethod as number;
      debt.recoveryFrequency = d.recoveryFrequency as number;
      debt.recoveryAmount = d.recoveryAmount as number;
      debt.recoveryTopUpPercentage = d.recoveryTopUpPercentage as number;
      debt.collectionTime = d.collectionTime as number;
      debt.nextCollection = Math.floor(a.at / DAY) * DAY + DAY + (d.collectionTime as number) * 60_000;
      return true;
    }
  }
  return false;
}

/** Moves the model to `now`, applying pending actions when due; `onBillingSnapshot` as advanceGsme. */
export function advanceTo(
  m: GsmeModel,
  now: number,
  onBillingSnapshot?: (s: MeteringSnapshot) => void,
): void {
  advanceGsme(m, now, {
    runPending: (model, action) => applyAction(model, action),
    ...(onBillingSnapshot ? { onBillingSnapshot } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

const MALFORMED = (): GbzResult => status(ZclStatus.MALFORMED_COMMAND);

/**
 * A ZSE command the GSME processes: its definition (cluster, direction, command id, payload fields),
 * whether it changes the meter (`changes`: refused NOT_AUTHORIZED on the GPF's read-only mirror) or
 * only reads it, and what it does with the decoded request. The dispatcher below decodes the
 * payload (MALFORMED_COMMAND when it does not decode) and refuses changes on the mirror, so the
 * processors hold only what each command does.
 */
interface ZseRow {
  def: ZseCommandDef<never>;
  run(s: GsmeSession, req: GbzRequest): GbzResult;
}

function zse<T>(
  d: ZseCommandDef<T>,
  mode: 'reads' | 'changes',
  run: (s: GsmeSession, q: T, req: GbzRequest) => GbzResult,
): ZseRow {
  return {
    def: d as ZseCommandDef<never>,
    run(s, req) {
      let q: T;
      try {
        q = decodeZse(d, req.payload);
      } catch (e) {
        if (e instanceof DecodeError || e instanceof RangeError) return MALFORMED();
        throw e;
      }
      if (mode === 'changes' && s.readOnly) return status(ZclStatus.NOT_AUTHORIZED);
      return run(s, q, req);
    },
  };
}

/** Snapshots in [earliest, latest) matching the cause, newest first (ZSE Get Snapshot). */
function findSnapshots<T extends { time: number; cause: number }>(
  logs: Array<{ entries: T[]; causes: number }>,
  earliest: number,
  latest: number,
  cause: number,
): T[] {
  const lo = fromZclUtcTime(earliest);
  const hi = latest >= 0xfffffffe ? Number.POSITIVE_INFINITY : fromZclUtcTime(latest);
  const found: T[] = [];
  for (const log of logs) {
    if ((log.causes & cause) === 0 && cause !== 0xffffffff) continue;
    for (const e of log.entries) {
      if (e.time >= lo && e.time < hi && (cause === 0xffffffff || (e.cause & cause) !== 0)) found.push(e);
    }
  }
  return found.sort((a, b) => b.time - a.time);
}

const TOTAL_CAUSES = 0xffffffff;

function meteringSnapshotPayload(s: MeteringSnapshot): Uint8Array {
  return encodeMeteringSnapshotPayload({
    currentSummationDelivered: s.currentSummationDelivered,
    tierSummations: s.tierSummations,
    // One tier of block counters, four blocks (ZSE: high nibble tiers, low nibble blocks).
    numberOfTiersAndBlockThresholdsInUse: 0x10 | s.blockSummations.length,
    blockSummations: s.blockSummations,
  });
}

function prepaySnapshotPayload(s: PrepaySnapshot): Uint8Array {
  const clampU = (v: number) => Math.max(0, Math.min(0xffffffff, Math.round(v)));
  const clampI = (v: number) => Math.max(-0x80000000, Math.min(0x7fffffff, Math.round(v)));
  return encodePrepaySnapshotPayload({
    accumulatedDebt: clampI(s.accumulatedDebt),
    type1DebtRemaining: clampU(s.debts[0] ?? 0),
    type2DebtRemaining: clampU(s.debts[1] ?? 0),
    type3DebtRemaining: clampU(s.debts[2] ?? 0),
    emergencyCreditRemaining: clampI(s.emergencyCreditRemaining),
    creditRemaining: clampI(s.creditRemaining),
  });
}

/**
 * ZSE Publish Snapshot of a metering snapshot (payload type 6: TOU and block registers), the
 * answer to Get Snapshot and the component of the GCS53 alert.
 */
export function publishSnapshotPayload(e: MeteringSnapshot, snapshotId: number, found = 1): Uint8Array {
  return encodeZse(ZseMetering.PublishSnapshot, {
    snapshotId,
    snapshotTime: toZclUtcTime(e.time),
    totalSnapshotsFound: Math.min(0xff, found),
    commandIndex: 0,
    totalNumberOfCommands: 1,
    snapshotCause: e.cause,
    snapshotPayloadType: 6,
    snapshotPayload: meteringSnapshotPayload(e),
  });
}

/** The snapshot id: its position counted from the oldest entry of its log. */
const idOf = <T>(log: T[], e: T): number => Math.max(0, log.indexOf(e));

// ---------------------------------------------------------------------------------------------
// Global commands

function readAttributes(s: GsmeSession, req: GbzRequest): GbzResult {
  let ids: number[];
  try {
    ids = decodeReadAttributes(req.payload);
  } catch {
    return MALFORMED();
  }
  if (!hasAttributeTable(req.clusterId)) return status(ZclStatus.UNSUP_CLUSTER_COMMAND);
  return { type: 'read', records: readGsmeAttributes(s.m, req.clusterId, ids, s.now) };
}

/** Responses of one ZSE command, one component per record (server to client, no default response). */
function publishAll<T>(d: ZseCommandDef<T>, records: readonly T[]): GbzResult {
  return {
    type: 'responses',
    parts: records.map((r) => part(FC.SERVER_NO_DEFAULT, d.commandId, encodeZse(d, r))),
  };
}

/**
 * The snapshot a Get Snapshot / Get Prepay Snapshot asks for: among the daily snapshots (cause
 * General) and the billing ones (every other cause) in [earliest, latest) matching the cause, newest
 * first, the one at `snapshotOffset`; with its id (index in its log) and how many matched.
 */
function snapshotAt<T extends { time: number; cause: number }>(
  daily: T[],
  billing: T[],
  q: { earliestStartTime: number; latestEndTime: number; snapshotCause: number; snapshotOffset: number },
): { entry: T; id: number; found: number } | null {
  const found = findSnapshots(
    [
      { entries: daily, causes: SnapshotCause.GENERAL },
      { entries: billing, causes: TOTAL_CAUSES & ~SnapshotCause.GENERAL },
    ],
    q.earliestStartTime,
    q.latestEndTime,
    q.snapshotCause,
  );
  const entry = found[q.snapshotOffset];
  if (!entry) return null;
  return { entry, id: idOf(daily.includes(entry) ? daily : billing, entry), found: found.length };
}

// ---------------------------------------------------------------------------------------------
// Metering

const getSnapshot = zse(ZseMetering.GetSnapshot, 'reads', (s, q) => {
  const hit = snapshotAt(s.m.logs.daily, s.m.logs.billing, q);
  if (!hit) return notFound();
  const payload = publishSnapshotPayload(hit.entry, hit.id, hit.found);
  return {
    type: 'responses',
    parts: [part(FC.SERVER_NO_DEFAULT, ZseMetering.PublishSnapshot.commandId, payload, true)],
  };
});

const startSampling = zse(ZseMetering.StartSampling, 'changes', (s, q) => {
  if (q.sampleType !== 0 || q.sampleRequestInterval === 0 || q.maxNumberOfSamples === 0) {
    return status(ZclStatus.INVALID_FIELD);
  }
  const start = q.startSamplingTime === 0 ? s.now : fromZclUtcTime(q.startSamplingTime);
  s.m.logs.network = {
    sampleId: SampleId.NETWORK_DATA,
    startTime: Math.max(start, s.now),
    interval: q.sampleRequestInterval,
    maxSamples: q.maxNumberOfSamples,
    samples: [],
    pending: 0,
  };
  const payload = encodeZse(ZseMetering.StartSamplingResponse, { sampleId: SampleId.NETWORK_DATA });
  return {
    type: 'responses',
    parts: [part(FC.SERVER, ZseMetering.StartSamplingResponse.commandId, payload)],
  };
});

/** A sampled-data log as (first sample time, interval on the wire, samples). */
function sampledLog(
  m: GsmeModel,
  sampleId: number,
): { times: number[]; interval: number; values: number[] } | null {
  const l = m.logs;
  if (sampleId === SampleId.PROFILE) {
    return {
      times: l.profile.map((_, i) => l.profileStart - HALF_HOUR + i * HALF_HOUR),
      interval: HALF_HOUR / 1000,
      values: l.profile,
    };
  }
  if (sampleId === SampleId.DAILY_CONSUMPTION) {
    // One sample per day, recorded at midnight; a day does not fit the uint16 interval (0xFFFF).
    return {
      times: l.dailyConsumption.map((d) => d.time),
      interval: 0xffff,
      values: l.dailyConsumption.map((d) => d.value),
    };
  }
  if (sampleId === SampleId.NETWORK_DATA && l.network) {
    const n = l.network;
    return {
      times: n.samples.map((_, i) => n.startTime + i * n.interval * 1000),
      interval: n.interval,
      values: n.samples,
    };
  }
  return null;
}

const getSampledData = zse(ZseMetering.GetSampledData, 'reads', (s, q) => {
  if (q.sampleType !== 0) return status(ZclStatus.INVALID_FIELD);
  const log = sampledLog(s.m, q.sampleId);
  if (!log) return notFound();
  const from = fromZclUtcTime(q.earliestSampleTime);
  const first = log.times.findIndex((t) => t >= from);
  if (first < 0 || q.numberOfSamples === 0) return notFound();
  const values = log.values.slice(first, first + q.numberOfSamples);
  const payload = encodeZse(ZseMetering.GetSampledDataResponse, {
    sampleId: q.sampleId,
    sampleStartTime: toZclUtcTime(log.times[first]!),
    sampleType: 0,
    sampleRequestInterval: Math.min(0xffff, log.interval),
    numberOfSamples: values.length,
    samples: values.map((v) => ({ sample: Math.max(0, Math.min(0xffffff, Math.round(v))) })),
  });
  return {
    type: 'responses',
    parts: [
      part(
        s.sampledDataFrameControl,
        ZseMetering.GetSampledDataResponse.commandId,
        payload,
        s.encryptSampledData,
      ),
    ],
  };
});

const changeSupply = zse(ZseMetering.ChangeSupply, 'changes', (s, q, req) => {
  // A GSME valve is never opened remotely: only closed (off) or armed for the consumer to open.
  if (q.proposedSupplyStatus !== SupplyStatus.OFF && q.proposedSupplyStatus !== SupplyStatus.ARMED) {
    return status(ZclStatus.INVALID_VALUE);
  }
  const t = execTime(q.implementationDateTime, s.now);
  if (t.kind === 'cancel') cancel(s, 'supply');
  else if (t.kind === 'at') schedule(s, req, t.ms, 'supply', { supplyStatus: q.proposedSupplyStatus });
  else if (!applyAction(s.m, { kind: 'supply', data: { supplyStatus: q.proposedSupplyStatus }, at: s.now })) {
    return status(ZclStatus.FAILURE);
  }
  const payload = encodeZse(ZseMetering.SupplyStatusResponse, {
    providerId: q.providerId,
    issuerEventId: q.issuerEventId,
    implementationDateTime: q.implementationDateTime,
    supplyStatus: s.m.metering.supplyStatus,
  });
  return { type: 'responses', parts: [part(FC.SERVER, ZseMetering.SupplyStatusResponse.commandId, payload)] };
});

const setSupplyStatus = zse(ZseMetering.SetSupplyStatus, 'changes', (s, q) => {
  const mt = s.m.metering;
  // 0xFF leaves a state as it is.
  if (q.supplyTamperState !== 0xff) mt.supplyTamperState = q.supplyTamperState;
  if (q.supplyDepletionState !== 0xff) mt.supplyDepletionState = q.supplyDepletionState;
  if (q.supplyUncontrolledFlowState !== 0xff) mt.uncontrolledFlowState = q.supplyUncontrolledFlowState;
  if (q.loadLimitSupplyState !== 0xff) mt.loadLimitSupplyState = q.loadLimitSupplyState;
  return ok();
});

const setUncontrolledFlowThreshold = zse(ZseMetering.SetUncontrolledFlowThreshold, 'changes', (s, q) => {
  if (q.divisor === 0) return status(ZclStatus.INVALID_VALUE);
  s.m.metering.uncontrolledFlow = {
    threshold: q.uncontrolledFlowThreshold,
    unitOfMeasure: q.unitOfMeasure,
    multiplier: q.multiplier,
    divisor: q.divisor,
    stabilisationPeriod: q.stabilisationPeriod,
    measurementPeriod: q.measurementPeriod,
  };
  return ok();
});

// ---------------------------------------------------------------------------------------------
// Price (server commands the DCC sends to the GSME, and the reads)

function stageTariff(
  s: GsmeSession,
  req: GbzRequest,
  fields: Partial<TariffData> & { issuerTariffId: number },
  start?: number,
): void {
  const st = s.staged;
  if (st.tariff && st.tariff.issuerTariffId !== fields.issuerTariffId) st.tariff = undefined;
  st.tariff = { ...(st.tariff ?? {}), ...fields };
  if (start !== undefined) st.tariffStart = start;
  st.tariffComponents.push({
    clusterId: req.clusterId,
    frameControl: req.frameControl,
    commandId: req.commandId,
  });
}

const publishTariffInformation = zse(ZsePrice.PublishTariffInformation, 'changes', (s, q, req) => {
  if (q.numberOfPriceTiersInUse > 4 || q.numberOfBlockThresholdsInUse > 3)
    return status(ZclStatus.INVALID_VALUE);
  stageTariff(
    s,
    req,
    {
      providerId: q.providerId,
      issuerEventId: q.issuerEventId,
      issuerTariffId: q.issuerTariffId,
      tariffTypeChargingScheme: q.tariffTypeChargingScheme,
      label: toHex(q.tariffLabel),
      numberOfPriceTiersInUse: q.numberOfPriceTiersInUse,
      numberOfBlockThresholdsInUse: q.numberOfBlockThresholdsInUse,
      unitOfMeasure: q.unitOfMeasure,
      currency: q.currency,
      priceTrailingDigit: q.priceTrailingDigit,
      standingCharge: q.standingCharge,
      tierBlockMode: q.tierBlockMode,
      blockThresholdMultiplier: q.blockThresholdMultiplier,
      blockThresholdDivisor: q.blockThresholdDivisor,
    },
    q.startTime,
  );
  return ok();
});

const publishPriceMatrix = zse(ZsePrice.PublishPriceMatrix, 'changes', (s, q, req) => {
  const base = s.staged.tariff?.issuerTariffId === q.issuerTariffId ? s.staged.tariff : s.m.price.active;
  const tierPrices = [...(base.tierPrices ?? s.m.price.active.tierPrices)];
  const blockPrices = [...(base.blockPrices ?? s.m.price.active.blockPrices)];
  for (const e of q.entries) {
    if (q.subPayloadControl & 0x01) {
      // TOU: the id is the tier (1-based).
      if (e.tierBlockId < 1 || e.tierBlockId > 4) return status(ZclStatus.INVALID_VALUE);
      tierPrices[e.tierBlockId - 1] = e.price;
    } else {
      // Block or block/TOU: high nibble tier (0 = no tier), low nibble block − 1.
      const tier = e.tierBlockId >> 4;
      const block = (e.tierBlockId & 0x0f) + 1;
      if (tier > 4 || block > 4) return status(ZclStatus.INVALID_VALUE);
      if (tier === 0) blockPrices[block - 1] = e.price;
      else if (block === 1) tierPrices[tier - 1] = e.price;
    }
  }
  stageTariff(s, req, { issuerTariffId: q.issuerTariffId, tierPrices, blockPrices }, q.startTime);
  return ok();
});

const publishBlockThresholds = zse(ZsePrice.PublishBlockThresholds, 'changes', (s, q, req) => {
  const thresholds = q.sets[0]?.thresholds.map((t) => t.threshold) ?? [];
  if (thresholds.length > 3) return status(ZclStatus.INVALID_VALUE);
  stageTariff(s, req, { issuerTariffId: q.issuerTariffId, blockThresholds: thresholds }, q.startTime);
  return ok();
});

const publishConversionFactor = zse(ZsePrice.PublishConversionFactor, 'changes', (s, q, req) => {
  byTime(s, req, execTime(q.startTime, s.now), 'conversion-factor', {
    value: q.conversionFactor,
    trailingDigit: q.conversionFactorTrailingDigit,
  });
  return ok();
});

const publishCalorificValue = zse(ZsePrice.PublishCalorificValue, 'changes', (s, q, req) => {
  byTime(s, req, execTime(q.startTime, s.now), 'calorific-value', {
    value: q.calorificValue,
    unit: q.calorificValueUnit,
    trailingDigit: q.calorificValueTrailingDigit,
  });
  return ok();
});

/** Publish Billing Period / Block Period: a period starting at a UTCTime (0 = now) of a duration. */
function publishPeriod(
  s: GsmeSession,
  kind: 'billing-period' | 'block-period',
  startTime: number,
  duration: number,
  durationType: number,
): GbzResult {
  if (duration === 0) return status(ZclStatus.INVALID_VALUE);
  applyAction(s.m, {
    kind,
    at: s.now,
    data: { startTime: startTime === 0 ? s.now : fromZclUtcTime(startTime), duration, durationType },
  });
  return ok();
}

const publishBillingPeriod = zse(ZsePrice.PublishBillingPeriod, 'changes', (s, q) =>
  publishPeriod(
    s,
    'billing-period',
    q.billingPeriodStartTime,
    q.billingPeriodDuration,
    q.billingPeriodDurationType,
  ),
);

const publishBlockPeriod = zse(ZsePrice.PublishBlockPeriod, 'changes', (s, q) =>
  publishPeriod(s, 'block-period', q.blockPeriodStartTime, q.blockPeriodDuration, q.blockPeriodDurationType),
);

const getBillingPeriod = zse(ZsePrice.GetBillingPeriod, 'reads', (s, _q) => {
  const b = s.m.price.billingPeriod;
  const payload = encodeZse(ZsePrice.PublishBillingPeriod, {
    providerId: s.m.price.active.providerId,
    issuerEventId: s.m.price.active.issuerEventId,
    billingPeriodStartTime: toZclUtcTime(b.startTime),
    billingPeriodDuration: b.duration,
    billingPeriodDurationType: b.durationType,
    tariffType: 0x00,
  });
  return { type: 'responses', parts: [part(FC.SERVER, ZsePrice.PublishBillingPeriod.commandId, payload)] };
});

const getCurrentPrice = zse(ZsePrice.GetCurrentPrice, 'reads', (s) => {
  const m = s.m;
  const t = m.price.active;
  const tier = Math.max(1, Math.min(15, t.numberOfPriceTiersInUse === 0 ? 1 : currentTier(m, s.now)));
  const slotStart = Math.floor(s.now / HALF_HOUR) * HALF_HOUR;
  const payload = encodeZse(ZsePrice.PublishPrice, {
    providerId: t.providerId,
    rateLabel: bytesOfHex(t.label),
    issuerEventId: t.issuerEventId,
    currentTime: toZclUtcTime(s.now),
    unitOfMeasure: t.unitOfMeasure,
    currency: t.currency,
    priceTrailingDigitAndPriceTier: (t.priceTrailingDigit & 0xf0) | tier,
    numberOfPriceTiersAndRegisterTier: ((t.numberOfPriceTiersInUse & 0x0f) << 4) | tier,
    startTime: toZclUtcTime(slotStart),
    durationInMinutes: 30,
    price: t.tierPrices[tier - 1] ?? t.blockPrices[0] ?? 0,
    optionalFields: new Uint8Array(0),
  });
  return { type: 'responses', parts: [part(FC.SERVER_NO_DEFAULT, ZsePrice.PublishPrice.commandId, payload)] };
});

// ---------------------------------------------------------------------------------------------
// Calendar

function stagedCalendar(s: GsmeSession, type: number) {
  let c = s.staged.calendars.get(type);
  if (!c) {
    c = { calendarType: type, dayProfiles: [], weekProfiles: [] };
    s.staged.calendars.set(type, c);
  }
  return c;
}

const publishCalendar = zse(ZseCalendar.PublishCalendar, 'changes', (s, q) => {
  if (q.calendarType !== 0x00 && q.calendarType !== 0x03) return status(ZclStatus.INVALID_VALUE);
  const c = stagedCalendar(s, q.calendarType);
  Object.assign(c, {
    providerId: q.providerId,
    issuerEventId: q.issuerEventId,
    issuerCalendarId: q.issuerCalendarId,
    calendarTimeReference: q.calendarTimeReference,
    name: toHex(q.calendarName),
  });
  s.staged.calendarStart.set(q.calendarType, q.startTime);
  return ok();
});

const publishDayProfile = zse(ZseCalendar.PublishDayProfile, 'changes', (s, q) => {
  const c = stagedCalendar(s, q.calendarType);
  c.dayProfiles = [
    ...c.dayProfiles.filter((d) => d.dayId !== q.dayId),
    { dayId: q.dayId, entries: q.entries.map((e) => ({ ...e })) },
  ];
  return ok();
});

/** The calendar a week profile / seasons / special days component belongs to (the one being staged). */
function lastStagedCalendar(s: GsmeSession) {
  const all = [...s.staged.calendars.values()];
  return all[all.length - 1] ?? stagedCalendar(s, 0x00);
}

const publishWeekProfile = zse(ZseCalendar.PublishWeekProfile, 'changes', (s, q) => {
  const c = lastStagedCalendar(s);
  if (q.dayIdRefs.some((d) => !c.dayProfiles.some((p) => p.dayId === d)))
    return status(ZclStatus.INVALID_FIELD);
  c.weekProfiles = [
    ...c.weekProfiles.filter((w) => w.weekId !== q.weekId),
    { weekId: q.weekId, dayIdRefs: q.dayIdRefs },
  ];
  return ok();
});

const publishSeasons = zse(ZseCalendar.PublishSeasons, 'changes', (s, q) => {
  const c = lastStagedCalendar(s);
  if (q.entries.some((e) => !c.weekProfiles.some((w) => w.weekId === e.weekIdRef)))
    return status(ZclStatus.INVALID_FIELD);
  c.seasons = q.entries.map((e) => ({ date: e.seasonStartDate, weekIdRef: e.weekIdRef }));
  return ok();
});

const publishSpecialDays = zse(ZseCalendar.PublishSpecialDays, 'changes', (s, q) => {
  const c = stagedCalendar(s, q.calendarType);
  c.specialDays = q.entries.map((e) => ({ date: e.specialDayDate, dayIdRef: e.dayIdRef }));
  // Special days carry their own start time (future-dated alongside the calendar).
  if (!s.staged.calendarStart.has(q.calendarType)) s.staged.calendarStart.set(q.calendarType, q.startTime);
  return ok();
});

function calendarById(m: GsmeModel, id: number): CalendarData | undefined {
  if (id === CURRENT_TOU_CALENDAR) return m.calendars.tou;
  if (id === CURRENT_FRIENDLY_CREDIT_CALENDAR) return m.calendars.friendlyCredit;
  return [m.calendars.tou, m.calendars.friendlyCredit].find((c) => c.issuerCalendarId === id);
}

/** The identity every ZSE Calendar Publish command carries (Provider ID, Issuer Event ID, Issuer Calendar ID). */
const calendarIdentity = (c: CalendarData) => ({
  providerId: c.providerId,
  issuerEventId: c.issuerEventId,
  issuerCalendarId: c.issuerCalendarId,
});

/** The profiles whose id is at least `start`, in id order, at most `count` of them (0: all) — Get Day / Week Profiles. */
function profilesFrom<T>(profiles: readonly T[], id: (p: T) => number, start: number, count: number): T[] {
  return profiles
    .filter((p) => id(p) >= start)
    .sort((a, b) => id(a) - id(b))
    .slice(0, count === 0 ? undefined : count);
}

const getDayProfiles = zse(ZseCalendar.GetDayProfiles, 'reads', (s, q) => {
  const c = calendarById(s.m, q.issuerCalendarId);
  const days = profilesFrom(c?.dayProfiles ?? [], (d) => d.dayId, q.startDayId, q.numberOfDays);
  if (!c || days.length === 0) return notFound();
  return publishAll(
    ZseCalendar.PublishDayProfile,
    days.map((d) => ({
      ...calendarIdentity(c),
      dayId: d.dayId,
      totalNumberOfScheduleEntries: d.entries.length,
      commandIndex: 0,
      totalNumberOfCommands: 1,
      calendarType: c.calendarType,
      entries: d.entries,
    })),
  );
});

const getWeekProfiles = zse(ZseCalendar.GetWeekProfiles, 'reads', (s, q) => {
  const c = calendarById(s.m, q.issuerCalendarId);
  const weeks = profilesFrom(c?.weekProfiles ?? [], (w) => w.weekId, q.startWeekId, q.numberOfWeeks);
  if (!c || weeks.length === 0) return notFound();
  return publishAll(
    ZseCalendar.PublishWeekProfile,
    weeks.map((w) => ({
      ...calendarIdentity(c),
      weekId: w.weekId,
      dayIdRefs: w.dayIdRefs,
    })),
  );
});

const getSeasons = zse(ZseCalendar.GetSeasons, 'reads', (s, q) => {
  const c = calendarById(s.m, q.issuerCalendarId);
  if (!c || c.seasons.length === 0) return notFound();
  return publishAll(ZseCalendar.PublishSeasons, [
    {
      ...calendarIdentity(c),
      commandIndex: 0,
      totalNumberOfCommands: 1,
      entries: c.seasons.map((x) => ({ seasonStartDate: x.date, weekIdRef: x.weekIdRef })),
    },
  ]);
});

const getSpecialDays = zse(ZseCalendar.GetSpecialDays, 'reads', (s, q) => {
  const c = calendarById(s.m, q.issuerCalendarId);
  if (!c || c.specialDays.length === 0) return notFound();
  const days = c.specialDays.slice(0, q.numberOfEvents === 0 ? undefined : q.numberOfEvents);
  return publishAll(ZseCalendar.PublishSpecialDays, [
    {
      ...calendarIdentity(c),
      startTime: toZclUtcTime(c.startTime),
      calendarType: c.calendarType,
      totalNumberOfSpecialDays: days.length,
      commandIndex: 0,
      totalNumberOfCommands: 1,
      entries: days.map((d) => ({ specialDayDate: d.date, dayIdRef: d.dayIdRef })),
    },
  ]);
});

const getCalendar = zse(ZseCalendar.GetCalendar, 'reads', (s, q) => {
  const cals = [s.m.calendars.tou, s.m.calendars.friendlyCredit].filter(
    (c) => q.calendarType === 0xff || c.calendarType === q.calendarType,
  );
  if (cals.length === 0) return notFound();
  return publishAll(
    ZseCalendar.PublishCalendar,
    cals.map((c) => ({
      ...calendarIdentity(c),
      startTime: toZclUtcTime(c.startTime),
      calendarType: c.calendarType,
      calendarTimeReference: c.calendarTimeReference,
      calendarName: bytesOfHex(c.name),
      numberOfSeasons: c.seasons.length,
      numberOfWeekProfiles: c.weekProfiles.length,
      numberOfDayProfiles: c.dayProfiles.length,
    })),
  );
});

// ---------------------------------------------------------------------------------------------
// Messaging

const displayMessage = zse(ZseMessaging.DisplayMessage, 'changes', (s, q) => {
  s.m.message = {
    id: q.messageId,
    control: q.messageControl,
    startTime: q.startTime === 0 ? s.now : fromZclUtcTime(q.startTime),
    duration: q.durationInMinutes,
    text: new TextDecoder().decode(q.message),
  };
  return ok();
});

// ---------------------------------------------------------------------------------------------
// Prepayment

const selectEmergencyCredit = zse(ZsePrepayment.SelectAvailableEmergencyCredit, 'changes', (s) => {
  const p = s.m.prepayment;
  if (!isPrepaymentMode(p.paymentControlConfiguration) || p.emergencyCreditRemaining <= 0) {
    return status(ZclStatus.FAILURE);
  }
  if (!p.emergencyCreditActive) {
    p.emergencyCreditActive = true;
    logEvent(s.m, LogId.GENERAL, GsmeEvent.EMERGENCY_CREDIT_ACTIVATED, s.now);
    if (
      s.m.metering.supplyStatus === SupplyStatus.OFF &&
      s.m.prepayment.creditRemaining + p.emergencyCreditRemaining > p.cutOffValue
    ) {
      s.m.metering.supplyStatus = SupplyStatus.ARMED;
      logEvent(s.m, LogId.GENERAL, GsmeEvent.SUPPLY_ARMED, s.now);
    }
  }
  return ok();
});

/** ZSE Debt Amount Type: 0/1 debt 1 absolute/incremental, 2/3 debt 2, 4/5 debt 3. */
const changeDebt = zse(ZsePrepayment.ChangeDebt, 'changes', (s, q, req) => {
  if (q.debtAmountType > 5 || q.debtRecoveryMethod > 1) return status(ZclStatus.INVALID_VALUE);
  const index = q.debtAmountType >> 1;
  const debt = s.m.prepayment.debts[index]!;
  const amount = q.debtAmountType & 1 ? debt.amount + q.debtAmount : q.debtAmount;
  if (amount < 0) return status(ZclStatus.INVALID_VALUE);
  const others = accumulatedDebt(s.m) - debt.amount;
  if (others + amount > s.m.prepayment.overallDebtCap) return status(ZclStatus.INVALID_VALUE);
  byTime(s, req, execTime(q.debtRecoveryStartTime, s.now), 'debt', {
    index,
    amount,
    recoveryMethod: q.debtRecoveryMethod,
    recoveryFrequency: q.debtRecoveryFrequency,
    recoveryAmount: Math.max(0, q.debtRecoveryAmount),
    recoveryTopUpPercentage: q.debtRecoveryBalancePercentage,
    collectionTime: q.debtRecoveryCollectionTime,
  });
  return ok();
});

const emergencyCreditSetup = zse(ZsePrepayment.EmergencyCreditSetup, 'changes', (s, q, req) => {
  byTime(s, req, execTime(q.startTime, s.now), 'emergency-credit', {
    limit: q.emergencyCreditLimit,
    threshold: q.emergencyCreditThreshold,
  });
  return ok();
});

/** ZSE Credit Adjustment Type: 0 credit incremental, 1 credit absolute; GBCS credit-mode meter balance 2 absolute, 3 incremental. */
const creditAdjustment = zse(ZsePrepayment.CreditAdjustment, 'changes', (s, q) => {
  const p = s.m.prepayment;
  const v = q.creditAdjustmentValue;
  switch (q.creditAdjustmentType) {
    case 0:
      p.creditRemaining += v;
      break;
    case 1:
      p.creditRemaining = v;
      break;
    case 2:
      s.m.metering.billToDate = v;
      break;
    case 3:
      s.m.metering.billToDate += v;
      break;
    default:
      return status(ZclStatus.INVALID_VALUE);
  }
  if (p.creditRemaining > p.maxCreditLimit) {
    p.creditRemaining = p.maxCreditLimit;
  }
  afterBalanceChange(s.m, s.now);
  return ok();
});

const changePaymentMode = zse(ZsePrepayment.ChangePaymentMode, 'changes', (s, q, req) => {
  byTime(s, req, execTime(q.implementationDateTime, s.now), 'payment-mode', {
    paymentControlConfiguration: q.proposedPaymentControlConfiguration,
    cutOffValue: q.cutOffValue,
  });
  const p = s.m.prepayment;
  return publishAll(ZsePrepayment.ChangePaymentModeResponse, [
    {
      friendlyCredit: s.m.calendars.friendlyCredit.dayProfiles.length > 0 ? 0x01 : 0x00,
      friendlyCreditCalendarId: s.m.calendars.friendlyCredit.issuerCalendarId,
      emergencyCreditLimit: Math.max(0, p.emergencyCreditLimit),
      emergencyCreditThreshold: Math.max(0, p.emergencyCreditThreshold),
    },
  ]);
});

const getPrepaySnapshot = zse(ZsePrepayment.GetPrepaySnapshot, 'reads', (s, q) => {
  const hit = snapshotAt(s.m.logs.prepayDaily, s.m.logs.prepayBilling, q);
  if (!hit) return notFound();
  const e = hit.entry;
  const payload = encodeZse(ZsePrepayment.PublishPrepaySnapshot, {
    snapshotId: hit.id,
    snapshotTime: toZclUtcTime(e.time),
    totalSnapshotsFound: Math.min(0xff, hit.found),
    commandIndex: 0,
    totalNumberOfCommands: 1,
    snapshotCause: e.cause,
    snapshotPayloadType: 0,
    snapshotPayload: prepaySnapshotPayload(e),
  });
  return {
    type: 'responses',
    parts: [part(FC.SERVER_NO_DEFAULT, ZsePrepayment.PublishPrepaySnapshot.commandId, payload, true)],
  };
});

const getTopUpLog = zse(ZsePrepayment.GetTopUpLog, 'reads', (s, q, req) => {
  const from = req.fromDateTime === null ? Number.NEGATIVE_INFINITY : fromZclUtcTime(req.fromDateTime);
  const to = q.latestEndTime >= 0xfffffffe ? Number.POSITIVE_INFINITY : fromZclUtcTime(q.latestEndTime);
  const entries = s.m.prepayment.topUpLog
    .filter((e) => e.time >= from && e.time <= to)
    .sort((a, b) => b.time - a.time)
    .slice(0, q.numberOfRecords === 0 ? undefined : q.numberOfRecords);
  if (entries.length === 0) return notFound();
  return publishAll(ZsePrepayment.PublishTopUpLog, [
    {
      commandIndex: 0,
      totalNumberOfCommands: 1,
      entries: entries.map((e) => ({
        topUpCode: new TextEncoder().encode(e.utrn),
        topUpAmount: Math.min(0x7fffffff, e.amount),
        topUpTime: toZclUtcTime(e.time),
      })),
    },
  ]);
});

const getDebtRepaymentLog = zse(ZsePrepayment.GetDebtRepaymentLog, 'reads', (s, q, req) => {
  const from = req.fromDateTime === null ? Number.NEGATIVE_INFINITY : fromZclUtcTime(req.fromDateTime);
  const to = q.latestEndTime >= 0xfffffffe ? Number.POSITIVE_INFINITY : fromZclUtcTime(q.latestEndTime);
  const entries = s.m.prepayment.debtLog
    .filter((e) => e.time >= from && e.time <= to && (q.debtType === 0xff || e.debtType === q.debtType))
    .sort((a, b) => b.time - a.time)
    .slice(0, q.numberOfDebts === 0 ? undefined : q.numberOfDebts);
  if (entries.length === 0) return notFound();
  const payload = encodeZse(ZsePrepayment.PublishDebtLog, {
    commandIndex: 0,
    totalNumberOfCommands: 1,
    entries: entries.map((e) => ({
      collectionTime: toZclUtcTime(e.time),
      amountCollected: Math.max(0, Math.round(e.amountCollected)),
      debtType: e.debtType,
      outstandingDebt: Math.max(0, Math.round(e.outstandingDebt)),
    })),
  });
  return {
    type: 'responses',
    parts: [part(FC.SERVER_NO_DEFAULT, ZsePrepayment.PublishDebtLog.commandId, payload, true)],
  };
});

const setLowCreditWarningLevel = zse(ZsePrepayment.SetLowCreditWarningLevel, 'changes', (s, q, req) => {
  byTime(s, req, execTime(req.fromDateTime ?? 0, s.now), 'low-credit-warning', {
    level: q.lowCreditWarningLevel,
  });
  return ok();
});

const setMaximumCreditLimit = zse(ZsePrepayment.SetMaximumCreditLimit, 'changes', (s, q, req) => {
  byTime(s, req, execTime(q.implementationDateTime, s.now), 'max-credit', {
    maxCreditLimit: q.maximumCreditLevel,
    maxCreditPerTopUp: q.maximumCreditPerTopUp,
  });
  return ok();
});

const setOverallDebtCap = zse(ZsePrepayment.SetOverallDebtCap, 'changes', (s, q, req) => {
  byTime(s, req, execTime(q.implementationDateTime, s.now), 'debt-cap', { cap: q.overallDebtCap });
  return ok();
});

// ---------------------------------------------------------------------------------------------
// Device Management

const publishChangeOfTenancy = zse(ZseDeviceManagement.PublishChangeOfTenancy, 'changes', (s, q) => {
  const at = q.implementationDateTime === 0 ? s.now : fromZclUtcTime(q.implementationDateTime);
  s.m.deviceManagement.changeOfTenancy = at;
  if (at <= s.now) takeBillingSnapshot(s.m, s.now, SnapshotCause.CHANGE_OF_TENANCY);
  return ok();
});

const publishChangeOfSupplier = zse(ZseDeviceManagement.PublishChangeOfSupplier, 'changes', (s, q) => {
  const dm = s.m.deviceManagement;
  dm.supplierName = new TextDecoder().decode(q.proposedProviderName);
  dm.supplierContact = new TextDecoder().decode(q.proposedProviderContactDetails);
  return ok();
});

const requestNewPasswordResponse = zse(ZseDeviceManagement.RequestNewPasswordResponse, 'changes', (s, q) => {
  const start = q.implementationDateTime === 0 ? s.now : fromZclUtcTime(q.implementationDateTime);
  // GCS11: the privacy PIN is not asked for during the duration (0xFFFF: until re-enabled).
  s.m.deviceManagement.privacyPinDisabledUntil =
    q.durationInMinutes === 0xffff ? Number.MAX_SAFE_INTEGER : start + q.durationInMinutes * 60_000;
  return ok();
});

const updateSiteId = zse(ZseDeviceManagement.UpdateSiteId, 'changes', (s, q) => {
  const text = new TextDecoder().decode(q.siteId);
  if (!/^[0-9]{6,15}$/.test(text)) return status(ZclStatus.INVALID_VALUE);
  s.m.metering.siteId = text;
  return ok();
});

const updateCin = zse(ZseDeviceManagement.UpdateCin, 'changes', (s, q) => {
  s.m.metering.customerIdNumber = new TextDecoder().decode(q.customerIdNumber);
  return ok();
});

const eventKey = (id: number) => id.toString(16).padStart(4, '0');

const setEventConfiguration = zse(ZseDeviceManagement.SetEventConfiguration, 'changes', (s, q) => {
  if (q.configurationControl !== 0) return status(ZclStatus.INVALID_FIELD);
  const cfg = s.m.deviceManagement.eventConfiguration;
  if (q.eventIds.some((e) => !(eventKey(e.eventId) in cfg))) return status(ZclStatus.INVALID_VALUE);
  for (const e of q.eventIds) cfg[eventKey(e.eventId)] = q.eventConfiguration;
  return ok();
});

const getEventConfiguration = zse(ZseDeviceManagement.GetEventConfiguration, 'reads', (s, q) => {
  const cfg = s.m.deviceManagement.eventConfiguration;
  // 0xXXFF asks for every event of group 0xXX.
  const ids = Object.keys(cfg)
    .map((k) => Number.parseInt(k, 16))
    .filter((id) => ((q.eventId & 0xff) === 0xff ? id >> 8 === q.eventId >> 8 : id === q.eventId));
  if (ids.length === 0) return notFound();
  const payload = encodeZse(ZseDeviceManagement.ReportEventConfiguration, {
    commandIndex: 0,
    totalCommands: 1,
    entries: ids.map((eventId) => ({ eventId, eventConfiguration: cfg[eventKey(eventId)] ?? 0 })),
  });
  return {
    type: 'responses',
    parts: [part(FC.CLIENT, ZseDeviceManagement.ReportEventConfiguration.commandId, payload)],
  };
});

// ---------------------------------------------------------------------------------------------
// Events

const getEventLog = zse(ZseEvents.GetEventLog, 'reads', (s, q) => {
  const logId = q.eventControlLogId & 0x0f;
  const logs = s.m.logs;
  const source =
    logId === LogId.GENERAL
      ? logs.events
      : logId === LogId.SECURITY
        ? logs.securityEvents
        : logId === 0
          ? [...logs.events, ...logs.securityEvents]
          : [];
  const from = fromZclUtcTime(q.startTime);
  const to = q.endTime >= 0xfffffffe ? Number.POSITIVE_INFINITY : fromZclUtcTime(q.endTime);
  const matching = source
    .filter((e) => e.time >= from && e.time <= to && (q.eventId === 0 || e.eventId === q.eventId))
    .sort((a, b) => a.time - b.time);
  const limit = Math.min(
    MAX_EVENTS_PER_PUBLISH,
    q.numberOfEvents === 0 ? MAX_EVENTS_PER_PUBLISH : q.numberOfEvents,
  );
  const entries = matching.slice(q.eventOffset, q.eventOffset + limit);
  if (entries.length === 0) return notFound();
  return publishAll(ZseEvents.PublishEventLog, [
    {
      totalNumberOfMatchingEvents: Math.min(0xffff, entries.length),
      commandIndex: 0,
      totalCommands: 1,
      logPayloadControl: 0x00,
      entries: entries.map((e) => ({
        logId: e.logId,
        eventId: e.eventId,
        eventTime: toZclUtcTime(e.time),
        eventData: bytesOfHex(e.data),
      })),
    },
  ]);
});

const clearEventLog = zse(ZseEvents.ClearEventLogRequest, 'changes', (s, q) => {
  const id = q.logId & 0x0f;
  let cleared = 0;
  if (id === LogId.GENERAL || id === 0) {
    s.m.logs.events = [];
    cleared |= 1 << LogId.GENERAL;
  }
  // The security log is never cleared remotely (GBCS: CS11 clears the event log only).
  logEvent(s.m, LogId.SECURITY, GsmeEvent.EVENT_LOG_CLEARED, s.now);
  const payload = encodeZse(ZseEvents.ClearEventLogResponse, { clearedEventsLogs: cleared });
  return { type: 'responses', parts: [part(FC.SERVER, ZseEvents.ClearEventLogResponse.commandId, payload)] };
});

// ---------------------------------------------------------------------------------------------
// Dispatch

type Processor = (s: GsmeSession, req: GbzRequest) => GbzResult;

/** The ZSE commands a GSME processes, one row each (the dispatcher keys them by cluster, direction, command). */
const ROWS: readonly ZseRow[] = [
  getSnapshot,
  startSampling,
  getSampledData,
  changeSupply,
  setSupplyStatus,
  setUncontrolledFlowThreshold,
  publishTariffInformation,
  publishPriceMatrix,
  publishBlockThresholds,
  publishConversionFactor,
  publishCalorificValue,
  publishBillingPeriod,
  publishBlockPeriod,
  getBillingPeriod,
  getCurrentPrice,
  publishCalendar,
  publishDayProfile,
  publishWeekProfile,
  publishSeasons,
  publishSpecialDays,
  getCalendar,
  getDayProfiles,
  getWeekProfiles,
  getSeasons,
  getSpecialDays,
  displayMessage,
  selectEmergencyCredit,
  changeDebt,
  emergencyCreditSetup,
  creditAdjustment,
  changePaymentMode,
  getPrepaySnapshot,
  getTopUpLog,
  setLowCreditWarningLevel,
  getDebtRepaymentLog,
  setMaximumCreditLimit,
  setOverallDebtCap,
  publishChangeOfTenancy,
  publishChangeOfSupplier,
  requestNewPasswordResponse,
  updateSiteId,
  setEventConfiguration,
  getEventConfiguration,
  updateCin,
  getEventLog,
  clearEventLog,
];

const PROCESSORS = new Map<string, Processor>(
  ROWS.map((r) => [
    `${r.def.clusterId}/${r.def.direction === 'server-to-client' ? 's' : 'c'}/${r.def.commandId}`,
    r.run,
  ]),
);

/** Extra processors a use case adds (the GSME's CS01b/PCS01 Consumer Top Up). */
export type ExtraProcessors = ReadonlyMap<string, Processor>;

export const processorKey = (clusterId: number, frameControl: number, commandId: number): string =>
  `${clusterId}/${isServerToClient(frameControl) ? 's' : 'c'}/${commandId}`;

/** Processes one component against the model (no fault handling: gsme-gbz.ts does that). */
export function processGsmeComponent(s: GsmeSession, req: GbzRequest, extra?: ExtraProcessors): GbzResult {
  if (!isClusterSpecific(req.frameControl)) {
    if ((req.frameControl & 0x03) !== 0) return status(ZclStatus.UNSUP_GENERAL_COMMAND);
    if (req.commandId === ZclCommand.READ_ATTRIBUTES) return readAttributes(s, req);
    if (req.commandId === ZclCommand.WRITE_ATTRIBUTES) {
      // GBCS sets GSME data through cluster commands; attributes are read-only over the WAN.
      return { type: 'write', failures: [{ attributeId: 0xffff, status: ZclStatus.READ_ONLY }] };
    }
    return status(ZclStatus.UNSUP_GENERAL_COMMAND);
  }
  const key = processorKey(req.clusterId, req.frameControl, req.commandId);
  const p = extra?.get(key) ?? PROCESSORS.get(key);
  return p ? p(s, req) : status(ZclStatus.UNSUP_CLUSTER_COMMAND);
}

/**
 * Commits the staged tariff and calendars of a command that completed without failure: applied
 * now, pending until their start time, or a pending one cancelled.
 */
export function commitStaged(s: GsmeSession): void {
  const st = s.staged;
  const h = s.ctx.header;
  const pendingOf = (
    kind: PendingAction['kind'],
    at: number,
    data: Record<string, unknown>,
    c: { clusterId: number; frameControl: number; commandId: number },
  ) => {
    s.m.pending = s.m.pending.filter((p) => !(p.kind === kind && p.data.key === data.key));
    s.m.pending.push({
      at,
      kind,
      data,
      messageCode: h.messageCode,
      originatorCounter: h.originatorCounter.toString(),
      ...c,
    });
  };
  if (st.tariff) {
    const tariff: TariffData = { ...s.m.price.active, ...st.tariff } as TariffData;
    const t = execTime(st.tariffStart ?? 0, s.now);
    const c = st.tariffComponents[0]!;
    if (t.kind === 'cancel') {
      s.m.pending = s.m.pending.filter((p) => p.kind !== 'tariff');
      s.m.price.pending = null;
    } else if (t.kind === 'at') {
      tariff.startTime = t.ms;
      s.m.price.pending = tariff;
      pendingOf('tariff', t.ms, { key: 'tariff', tariff }, c);
    } else {
      tariff.startTime = s.now;
      applyAction(s.m, { kind: 'tariff', at: s.now, data: { tariff } });
    }
  }
  for (const [type, staged] of st.calendars) {
    const current = type === 0x03 ? s.m.calendars.friendlyCredit : s.m.calendars.tou;
    const cal: CalendarData = {
      ...current,
      ...staged,
      calendarType: type,
      dayProfiles: staged.dayProfiles.length > 0 ? staged.dayProfiles : current.dayProfiles,
      weekProfiles: staged.weekProfiles.length > 0 ? staged.weekProfiles : current.weekProfiles,
      seasons: staged.seasons ?? current.seasons,
      specialDays: staged.specialDays ?? current.specialDays,
    };
    const t = execTime(st.calendarStart.get(type) ?? 0, s.now);
    const key = `calendar-${type}`;
    if (t.kind === 'cancel')
      s.m.pending = s.m.pending.filter((p) => !(p.kind === 'calendar' && p.data.key === key));
    else if (t.kind === 'at') {
      cal.startTime = t.ms;
      pendingOf(
        'calendar',
        t.ms,
        { key, calendar: cal },
        { clusterId: ZseCluster.CALENDAR, frameControl: 0x09, commandId: 0x00 },
      );
    } else {
      cal.startTime = s.now;
      applyAction(s.m, { kind: 'calendar', at: s.now, data: { calendar: cal } });
    }
  }
}
