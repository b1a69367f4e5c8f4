/**
 * The GSME (gas smart meter, SMETS2) as plain, serialisable data, and the clock that drives it.
 *
 * A GSME is battery powered and sleepy: its registers run whether or not anyone talks to it. The
 * model keeps the state a GSME holds — consumption registers (total, TOU tiers, blocks), the
 * active and pending tariff, TOU and friendly-credit calendars, CV and conversion factor, billing
 * calendar, prepayment (credit, emergency credit, three debts, top-up and debt-repayment logs, UTRN
 * counters), valve (supply status), uncontrolled-flow settings, the daily/billing/profile/network
 * data logs, the general and security event logs, MPRN, CIN, supplier contact, firmware version —
 * and `advanceGsme` moves it forward in time: half-hourly consumption from a deterministic
 * generator, credit running down in prepayment mode (standing charge, consumption cost, debt
 * recovery), emergency credit, the valve closing when credit is exhausted, daily and billing
 * snapshots, network-data sampling, and future-dated actions falling due.
 *
 * Units: volume in 0.001 m³ (Metering Unit of Measure m³, Multiplier 1, Divisor 1000); money in
 * the currency's smallest unit given by the Price Trailing Digit (default 5 digits: 1e-5 GBP);
 * times in ms since the Unix epoch (ZCL UTCTime on the wire). Every field is JSON data: numbers,
 * strings (hex for bytes), arrays and plain objects.
 *
 * Sources: GBCS use cases GCS01–GCS62 (gbcs-wire-and-security.md §5), the ZSE clusters they use
 * (protocol/gbz/zcl-se.ts), RTDS 4.5.0 for the structures.
 */

import { MS_PER_DAY } from '../../../protocol/calendar.ts';
import type { PublishTariffInformation } from '../../../protocol/gbz/zcl-se.ts';
import type { Eui64 } from '../../../protocol/types.ts';
import { MAX_CATCH_UP_MS } from '../../clock.ts';

export const MINUTE = 60_000;
export const HALF_HOUR = 30 * MINUTE;
export const DAY = MS_PER_DAY;

/** ZSE Metering SupplyStatus (0x0014). */
export const SupplyStatus = { OFF: 0, ARMED: 1, ON: 2 } as const;

/** ZSE snapshot causes (Get Snapshot / Get Prepay Snapshot `Snapshot Cause` bits). */
export const SnapshotCause = {
  GENERAL: 0x00000001,
  END_OF_BILLING_PERIOD: 0x00000002,
  END_OF_BLOCK_PERIOD: 0x00000004,
  CHANGE_OF_TARIFF_INFORMATION: 0x00000008,
  CHANGE_OF_PRICE_MATRIX: 0x00000010,
  CHANGE_OF_BLOCK_THRESHOLDS: 0x00000020,
  CHANGE_OF_CV: 0x00000040,
  CHANGE_OF_CF: 0x00000080,
  CHANGE_OF_CALENDAR: 0x00000100,
  CHANGE_OF_TENANCY: 0x00001000,
  CHANGE_OF_SUPPLIER: 0x00002000,
  CHANGE_OF_METER_MODE: 0x00004000,
  DEBT_PAYMENT: 0x00008000,
} as const;

/** GBCS event/alert codes the GSME logs (gbcs-parser code tables; GBCS Table 16.2). */
export const GsmeEvent = {
  COMBINED_CREDIT_BELOW_LOW_CREDIT_THRESHOLD: 0x810d,
  CREDIT_ADDED_LOCALLY: 0x810e,
  EMERGENCY_CREDIT_AVAILABLE: 0x8119,
  CLOCK_ADJUSTED: 0x8145,
  IMMEDIATE_COMMAND_ACTIONED: 0x8154,
  IMMEDIATE_COMMAND_NOT_ACTIONED: 0x8155,
  DEVICE_JOINED: 0x8183,
  DEBT_COLLECTION_COMPLETED_TIME_DEBT_1: 0x81a7,
  DEBT_COLLECTION_COMPLETED_TIME_DEBT_2: 0x81a8,
  DEBT_COLLECTION_COMPLETED_PAYMENT_DEBT: 0x81a9,
  EMERGENCY_CREDIT_EXHAUSTED: 0x81aa,
  EMERGENCY_CREDIT_ACTIVATED: 0x81ab,
  CLOCK_NOT_ADJUSTED_OUTSIDE_TOLERANCE: 0x81c6,
  BILLING_DATA_LOG_UPDATED: 0x8f0a,
  CLOCK_NOT_ADJUSTED: 0x8f0c,
  CREDIT_BELOW_DISABLEMENT_THRESHOLD: 0x8f0f,
  LOW_BATTERY: 0x8f1f,
  SUPPLY_ARMED: 0x8f32,
  DUPLICATE_UTRN: 0x8f51,
  EVENT_LOG_CLEARED: 0x8f52,
  SUPPLY_INTERRUPTED: 0x8f57,
  UTRN_NOT_AUTHENTIC: 0x8f63,
  UTRN_NOT_FOR_THIS_DEVICE: 0x8f64,
  FUTURE_DATED_ACTIONED: 0x8f66,
  FUTURE_DATED_NOT_ACTIONED: 0x8f67,
  DEVICE_COMMISSIONED: 0x8f69,
  UPDATE_SECURITY_CREDENTIALS: 0x8f70,
  FIRMWARE_VERIFICATION_SUCCESSFUL: 0x8f72,
} as const;

export const LogId = { GENERAL: 3, SECURITY: 4 } as const;
/** Capacity of each event log (SMETS2: 100 entries each). */
export const EVENT_LOG_CAPACITY = 100;
/** Capacity of the daily read logs and of the billing data log (SMETS2 GSME). */
export const DAILY_LOG_CAPACITY = 731;
export const PREPAY_DAILY_LOG_CAPACITY = 31;
export const BILLING_LOG_CAPACITY = 12;
/** Half-hour profile data log: 13 months in SMETS2; the simulator keeps 3 months. */
export const PROFILE_LOG_CAPACITY = 92 * 48;
export const TOP_UP_LOG_CAPACITY = 5 * 12;
export const DEBT_LOG_CAPACITY = 10 * 12;

/** Sampled-data log ids (ZSE Metering Get Sampled Data, as GBCS assigns them). */
export const SampleId = { PROFILE: 0, DAILY_CONSUMPTION: 1, NETWORK_DATA: 2 } as const;

/** Payment Control Configuration (Prepayment 0x0000) values GBCS uses (gbcs-parser GCS02/03). */
export const PaymentControl = {
  CREDIT_MODE: 0x0c94,
  PREPAYMENT_MODE: 0x0c97,
} as const;
/** Bit 1 of Payment Control Configuration: prepayment (credit management) enabled. */
export const isPrepaymentMode = (pcc: number): boolean => (pcc & 0x0002) !== 0 && (pcc & 0x0001) !== 0;

/** A Publish Tariff Information as the meter holds it, with its thresholds and prices. */
export interface TariffData extends Omit<PublishTariffInformation, 'startTime' | 'tariffLabel'> {
  /** Activation time (ms). */
  startTime: number;
  /** Hex. */
  label: string;
  /** Block thresholds, in kWh × multiplier / divisor. */
  blockThresholds: number[];
  /** Price per kWh by TOU tier (index tier − 1), money units (× 10^-(trailing digits)). */
  tierPrices: number[];
  /** Price per kWh by block (index block − 1), no-tier prices. */
  blockPrices: number[];
}

export interface CalendarData {
  providerId: number;
  issuerEventId: number;
  issuerCalendarId: number;
  startTime: number;
  /** 0x00 delivered (TOU), 0x03 friendly credit. */
  calendarType: number;
  calendarTimeReference: number;
  /** Hex. */
  name: string;
  dayProfiles: Array<{ dayId: number; entries: Array<{ startTime: number; value: number }> }>;
  weekProfiles: Array<{ weekId: number; dayIdRefs: number[] }>;
  seasons: Array<{ date: number[]; weekIdRef: number }>;
  specialDays: Array<{ date: number[]; dayIdRef: number }>;
}

export interface MeteringSnapshot {
  time: number;
  cause: number;
  currentSummationDelivered: number;
  tierSummations: number[];
  blockSummations: number[];
}

export interface PrepaySnapshot {
  time: number;
  cause: number;
  accumulatedDebt: number;
  debts: number[];
  emergencyCreditRemaining: number;
  creditRemaining: number;
}

export interface LoggedEvent {
  logId: number;
  eventId: number;
  time: number;
  /** Hex. */
  data: string;
}

export interface DebtData {
  /** Outstanding amount (money units). */
  amount: number;
  /** 0 time-based, 1 payment-based. */
  recoveryMethod: number;
  /** Time-based: 0 hourly, 1 daily, 2 weekly … */
  recoveryFrequency: number;
  /** Time-based: amount per period. */
  recoveryAmount: number;
  /** Payment-based: share of each top-up, in 0.01 % (ZSE Debt Recovery Top Up Percentage). */
  recoveryTopUpPercentage: number;
  /** Minutes after midnight for daily collection. */
  collectionTime: number;
  /** ms: next time-based collection. */
  nextCollection: number;
}

/** A future-dated action waiting for its time (GBCS: executed then, outcome alert 0x8F66/0x8F67). */
export interface PendingAction {
  at: number;
  kind:
    | 'tariff'
    | 'calendar'
    | 'payment-mode'
    | 'low-credit-warning'
    | 'debt-cap'
    | 'max-credit'
    | 'emergency-credit'
    | 'billing-period'
    | 'block-period'
    | 'conversion-factor'
    | 'calorific-value'
    | 'supply'
    | 'debt';
  /** The action's own data (plain JSON). */
  data: Record<string, unknown>;
  messageCode: number;
  /** Decimal string (uint64). */
  originatorCounter: string;
  clusterId: number;
  frameControl: number;
  commandId: number;
}

export interface GsmeModel {
  version: 1;
  eui: Eui64;
  /** Generator seed (from the EUI). */
  seed: number;
  commissionedAt: number;
  /** The model is simulated up to this instant (ms). */
  clock: number;
  metering: {
    currentSummationDelivered: number;
    tierSummations: number[];
    /** No-tier block counters of the current block period. */
    blockSummations: number[];
    /** Consumption since midnight (0.001 m³), for the daily consumption log. */
    dayConsumption: number;
    /** Consumption in the current block period (kWh × 1000), for block selection. */
    blockPeriodConsumption: number;
    /** Credit mode meter balance: cost since the last billing reset (Bill to Date Delivered). */
    billToDate: number;
    supplyStatus: number;
    supplyTamperState: number;
    supplyDepletionState: number;
    uncontrolledFlowState: number;
    loadLimitSupplyState: number;
    uncontrolledFlow: {
      threshold: number;
      unitOfMeasure: number;
      multiplier: number;
      divisor: number;
      stabilisationPeriod: number;
      measurementPeriod: number;
    };
    /** Remaining battery life (days), at commissioning. */
    batteryDaysAtCommissioning: number;
    /** MPRN (Site ID), text. */
    siteId: string;
    /** Firmware version (hex). */
    firmwareVersion: string;
    customerIdNumber: string;
    manufacturerName: string;
    modelIdentifier: string;
    hwVersion: number;
  };
  price: {
    active: TariffData;
    pending: TariffData | null;
    conversionFactor: number;
    conversionFactorTrailingDigit: number;
    calorificValue: number;
    calorificValueUnit: number;
    calorificValueTrailingDigit: number;
    billingPeriod: { startTime: number; duration: number; durationType: number; nextEnd: number };
    blockPeriod: { startTime: number; duration: number; durationType: number; nextEnd: number };
  };
  calendars: { tou: CalendarData; friendlyCredit: CalendarData };
  prepayment: {
    paymentControlConfiguration: number;
    creditRemaining: number;
    emergencyCreditRemaining: number;
    emergencyCreditLimit: number;
    emergencyCreditThreshold: number;
    emergencyCreditActive: boolean;
    lowCreditWarningLevel: number;
    cutOffValue: number;
    maxCreditLimit: number;
    maxCreditPerTopUp: number;
    overallDebtCap: number;
    /** Debt 1, Debt 2 (time-based), Debt 3 (payment-based). */
    debts: DebtData[];
    /** Highest PTUT counter accepted per supplier (decimal strings), and the recent ones. */
    utrnCounters: string[];
    topUpLog: Array<{ utrn: string; amount: number; time: number }>;
    debtLog: Array<{ time: number; amountCollected: number; debtType: number; outstandingDebt: number }>;
    lowCreditNotified: boolean;
  };
  logs: {
    daily: MeteringSnapshot[];
    prepayDaily: PrepaySnapshot[];
    billing: MeteringSnapshot[];
    prepayBilling: PrepaySnapshot[];
    /** Half-hour consumption (0.001 m³), newest last; `profileStart` is the end of the first slot. */
    profile: number[];
    profileStart: number;
    /** Day consumption (0.001 m³) recorded at each midnight, newest last. */
    dailyConsumption: Array<{ time: number; value: number }>;
    network: {
      sampleId: number;
      startTime: number;
      interval: number;
      maxSamples: number;
      samples: number[];
      /** Consumption since the last sample (0.001 m³, fractional). */
      pending: number;
    } | null;
    events: LoggedEvent[];
    securityEvents: LoggedEvent[];
  };
  deviceManagement: {
    /** Event id (hex, 4 digits) → configuration bitmap. */
    eventConfiguration: Record<string, number>;
    supplierName: string;
    supplierContact: string;
    changeOfTenancy: number | null;
    privacyPinDisabledUntil: number | null;
  };
  message: { id: number; control: number; startTime: number; duration: number; text: string } | null;
  pending: PendingAction[];
}

// ---------------------------------------------------------------------------------------------
// Deterministic generator

/** 32-bit mix (xorshift-multiply), deterministic. */
export function hash32(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export function seedOf(eui: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < eui.length; i++) h = Math.imul(h ^ eui.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Relative gas demand by half hour of the day (heating peaks morning and evening). */
const DAY_SHAPE = [
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 5, 9, 12, 12, 10, 8, 6, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 7, 8, 10, 12, 12,
  11, 10, 10, 9, 9, 8, 8, 7, 6, 5, 4, 3, 2, 2,
];
const DAY_SHAPE_SUM = DAY_SHAPE.reduce((a, b) => a + b, 0);

/**
 * Gas drawn in the half hour ending at `slotEnd` (0.001 m³), before the valve: about 3.5 m³ a day
 * in mid-winter and 1 m³ in mid-summer, shaped over the day, with ±40 % noise from the seed.
 */
export function halfHourDemand(seed: number, slotEnd: number): number {
  const slotStart = slotEnd - HALF_HOUR;
  const d = new Date(slotStart);
  const dayOfYear = Math.floor((slotStart - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY);
  const winter = (1 + Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365)) / 2;
  const perDay = 1000 + 2500 * winter;
  const slot = d.getUTCHours() * 2 + (d.getUTCMinutes() >= 30 ? 1 : 0);
  const noise = 0.6 + 0.8 * (hash32(seed, Math.floor(slotStart / HALF_HOUR)) / 0x100000000);
  return Math.round(((perDay * DAY_SHAPE[slot]!) / DAY_SHAPE_SUM) * noise);
}

// ---------------------------------------------------------------------------------------------
// Calendar and tariff evaluation

/** Day of week Monday = 0 … Sunday = 6 (ZCL week profiles start on Monday). */
export function weekdayMon0(ms: number): number {
  return (new Date(ms).getUTCDay() + 6) % 7;
}

function dateMatches(date: number[], ms: number): boolean {
  const d = new Date(ms);
  const [y, m, dom, dow] = date;
  return (
    (y === 0xff || y === d.getUTCFullYear() - 1900) &&
    (m === 0xff || m === d.getUTCMonth() + 1) &&
    (dom === 0xff || dom === d.getUTCDate()) &&
    (dow === 0xff || dow === weekdayMon0(ms) + 1)
  );
}

/** Ordinal of a season start (month, day) for "latest start on or before" comparisons. */
const monthDay = (date: number[]): number => (date[1] ?? 1) * 40 + (date[2] ?? 1);

/** The value (price tier / friendly-credit enable) a calendar gives at an instant; 1 when empty. */
export function calendarValueAt(cal: CalendarData, ms: number): number {
  const d = new Date(ms);
  let dayId: number | undefined = cal.specialDays.find((s) => dateMatches(s.date, ms))?.dayIdRef;
  if (dayId === undefined) {
    const today = (d.getUTCMonth() + 1) * 40 + d.getUTCDate();
    const seasons = [...cal.seasons].sort((a, b) => monthDay(a.date) - monthDay(b.date));
    // The latest season starting on or before today; before the first, the last (it wraps).
    const season =
      [...seasons].reverse().find((s) => monthDay(s.date) <= today) ?? seasons[seasons.length - 1];
    const week = cal.weekProfiles.find((w) => w.weekId === season?.weekIdRef) ?? cal.weekProfiles[0];
    dayId = week?.dayIdRefs[weekdayMon0(ms)];
  }
  const day = cal.dayProfiles.find((p) => p.dayId === dayId) ?? cal.dayProfiles[0];
  if (!day || day.entries.length === 0) return 1;
  const minutes = d.getUTCHours() * 60 + d.getUTCMinutes();
  const sorted = [...day.entries].sort((a, b) => a.startTime - b.startTime);
  return ([...sorted].reverse().find((e) => e.startTime <= minutes) ?? sorted[sorted.length - 1]!).value;
}

/** kWh (× 1000) of a volume (0.001 m³): volume × CV (MJ/m³) × conversion factor / 3.6. */
export function kwhMilliOf(m: GsmeModel, volume: number): number {
  const p = m.price;
  const cv = p.calorificValue / 10 ** (p.calorificValueTrailingDigit >> 4);
  const cf = p.conversionFactor / 10 ** (p.conversionFactorTrailingDigit >> 4);
  return (volume * cv * cf) / 3.6;
}

/** Current TOU tier (1-based), or 0 when the tariff has no tiers. */
export function currentTier(m: GsmeModel, ms: number): number {
  const t = m.price.active;
  if (t.numberOfPriceTiersInUse === 0) return 0;
  return Math.min(Math.max(1, calendarValueAt(m.calendars.tou, ms)), t.numberOfPriceTiersInUse);
}

/** Current block (1-based) from the block-period consumption and the thresholds. */
export function currentBlock(m: GsmeModel): number {
  const t = m.price.active;
  const kwh = m.metering.blockPeriodConsumption / 1000;
  const scale = t.blockThresholdMultiplier / Math.max(1, t.blockThresholdDivisor);
  let block = 1;
  for (let i = 0; i < t.numberOfBlockThresholdsInUse; i++) {
    if (kwh >= (t.blockThresholds[i] ?? Number.POSITIVE_INFINITY) * scale) block = i + 2;
  }
  return block;
}

/** Price per kWh (money units) now: the TOU tier price, else the block price. */
export function currentPrice(m: GsmeModel, ms: number): number {
  const t = m.price.active;
  const tier = currentTier(m, ms);
  if (tier > 0 && t.tierPrices[tier - 1] !== undefined) return t.tierPrices[tier - 1]!;
  return t.blockPrices[currentBlock(m) - 1] ?? t.blockPrices[0] ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Periods

/** Adds a ZSE duration (duration type low nibble: 0 minutes, 1 days, 2 weeks, 3 months). */
export function addDuration(ms: number, duration: number, durationType: number): number {
  const n = Math.max(1, duration);
  switch (durationType & 0x0f) {
    case 0:
      return ms + n * MINUTE;
    case 1:
      return ms + n * DAY;
    case 2:
      return ms + n * 7 * DAY;
    default: {
      const d = new Date(ms);
      return Date.UTC(
        d.getUTCFullYear(),
        d.getUTCMonth() + n,
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
      );
    }
  }
}

/** The first period end strictly after `now` for a period train starting at `start`. */
export function nextPeriodEnd(start: number, duration: number, durationType: number, now: number): number {
  let end = addDuration(start, duration, durationType);
  let guard = 0;
  while (end <= now && guard++ < 100_000) end = addDuration(end, duration, durationType);
  return end;
}

// ---------------------------------------------------------------------------------------------
// Logs and events

export function logEvent(m: GsmeModel, logId: number, eventId: number, time: number, data = ''): void {
  const log = logId === LogId.SECURITY ? m.logs.securityEvents : m.logs.events;
  log.push({ logId, eventId, time, data });
  if (log.length > EVENT_LOG_CAPACITY) log.splice(0, log.length - EVENT_LOG_CAPACITY);
}

function pushCapped<T>(list: T[], item: T, capacity: number): void {
  list.push(item);
  if (list.length > capacity) list.splice(0, list.length - capacity);
}

export function meteringSnapshot(m: GsmeModel, time: number, cause: number): MeteringSnapshot {
  return {
    time,
    cause,
    currentSummationDelivered: m.metering.currentSummationDelivered,
    tierSummations: [...m.metering.tierSummations],
    blockSummations: [...m.metering.blockSummations],
  };
}

export function prepaySnapshot(m: GsmeModel, time: number, cause: number): PrepaySnapshot {
  const p = m.prepayment;
  return {
    time,
    cause,
    accumulatedDebt: accumulatedDebt(m),
    debts: p.debts.map((d) => d.amount),
    emergencyCreditRemaining: p.emergencyCreditRemaining,
    creditRemaining: p.creditRemaining,
  };
}

export function accumulatedDebt(m: GsmeModel): number {
  return m.prepayment.debts.reduce((a, d) => a + d.amount, 0);
}

/** A billing data log entry (metering and prepayment snapshots) for a cause (GBCS GCS15b/c). */
export function takeBillingSnapshot(m: GsmeModel, time: number, cause: number): void {
  pushCapped(m.logs.billing, meteringSnapshot(m, time, cause), BILLING_LOG_CAPACITY);
  pushCapped(m.logs.prepayBilling, prepaySnapshot(m, time, cause), BILLING_LOG_CAPACITY);
}

/** Remaining battery life (days) at an instant. */
export function batteryDays(m: GsmeModel, ms: number): number {
  return Math.max(0, m.metering.batteryDaysAtCommissioning - Math.floor((ms - m.commissionedAt) / DAY));
}

// ---------------------------------------------------------------------------------------------
// Prepayment

/** Credit plus usable emergency credit. */
export const availableCredit = (m: GsmeModel): number =>
  m.prepayment.creditRemaining +
  (m.prepayment.emergencyCreditActive ? m.prepayment.emergencyCreditRemaining : 0);

/** Charges an amount to the meter balance (credit first, then active emergency credit). */
export function charge(m: GsmeModel, amount: number, time: number): void {
  const p = m.prepayment;
  if (!isPrepaymentMode(p.paymentControlConfiguration)) {
    m.metering.billToDate += amount;
    return;
  }
  let rest = amount;
  if (p.creditRemaining > 0) {
    const take = Math.min(p.creditRemaining, rest);
    p.creditRemaining -= take;
    rest -= take;
  }
  if (rest > 0 && p.emergencyCreditActive && p.emergencyCreditRemaining > 0) {
    const take = Math.min(p.emergencyCreditRemaining, rest);
    p.emergencyCreditRemaining -= take;
    rest -= take;
    if (p.emergencyCreditRemaining === 0)
      logEvent(m, LogId.GENERAL, GsmeEvent.EMERGENCY_CREDIT_EXHAUSTED, time);
  }
  p.creditRemaining -= rest;
  afterBalanceChange(m, time);
}

/** Low-credit, emergency-credit and disablement rules after the balance moved. */
export function afterBalanceChange(m: GsmeModel, time: number): void {
  const p = m.prepayment;
  if (!isPrepaymentMode(p.paymentControlConfiguration)) return;
  const credit = availableCredit(m);
  if (credit < p.lowCreditWarningLevel && !p.lowCreditNotified) {
    p.lowCreditNotified = true;
    logEvent(m, LogId.GENERAL, GsmeEvent.COMBINED_CREDIT_BELOW_LOW_CREDIT_THRESHOLD, time);
  } else if (credit >= p.lowCreditWarningLevel) {
    p.lowCreditNotified = false;
  }
  if (credit <= p.cutOffValue && m.metering.supplyStatus === SupplyStatus.ON) {
    m.metering.supplyStatus = SupplyStatus.OFF;
    logEvent(m, LogId.GENERAL, GsmeEvent.CREDIT_BELOW_DISABLEMENT_THRESHOLD, time);
    logEvent(m, LogId.GENERAL, GsmeEvent.SUPPLY_INTERRUPTED, time);
  }
}

/** Time-based debt collection falling due at `time`. */
/** Time between time-debt collections: recovery frequency 0 hourly, 2 weekly, otherwise daily. */
const collectionPeriod = (recoveryFrequency: number): number =>
  recoveryFrequency === 0 ? 60 * MINUTE : recoveryFrequency === 2 ? 7 * DAY : DAY;

function collectTimeDebts(m: GsmeModel, time: number): void {
  const p = m.prepayment;
  if (!isPrepaymentMode(p.paymentControlConfiguration)) return;
  p.debts.forEach((d, i) => {
    if (d.recoveryMethod !== 0 || d.amount <= 0 || d.nextCollection > time) return;
    while (d.nextCollection <= time) {
      const take = Math.min(d.amount, d.recoveryAmount);
      if (take > 0) {
        charge(m, take, d.nextCollection);
        d.amount -= take;
        pushCapped(
          p.debtLog,
          { time: d.nextCollection, amountCollected: take, debtType: i, outstandingDebt: d.amount },
          DEBT_LOG_CAPACITY,
        );
        if (d.amount === 0) {
          logEvent(
            m,
            LogId.GENERAL,
            i === 0
              ? GsmeEvent.DEBT_COLLECTION_COMPLETED_TIME_DEBT_1
              : GsmeEvent.DEBT_COLLECTION_COMPLETED_TIME_DEBT_2,
            d.nextCollection,
          );
        }
      }
      d.nextCollection += collectionPeriod(d.recoveryFrequency);
    }
  });
}

/**
 * Adds a top-up (GBCS CS01b / PCS01 after UTRN verification): payment-based debt recovery takes
 * its share first, the rest is credit; emergency credit in use is repaid; a disabled supply
 * becomes armed when credit is back above the disablement threshold.
 * @returns the credit added to the meter balance.
 */
export function applyTopUp(m: GsmeModel, utrn: string, value: number, time: number): number {
  const p = m.prepayment;
  const pd = p.debts[2];
  let credit = value;
  if (pd && pd.amount > 0 && pd.recoveryTopUpPercentage > 0) {
    const take = Math.min(pd.amount, Math.floor((value * pd.recoveryTopUpPercentage) / 10000));
    pd.amount -= take;
    credit -= take;
    pushCapped(
      p.debtLog,
      { time, amountCollected: take, debtType: 2, outstandingDebt: pd.amount },
      DEBT_LOG_CAPACITY,
    );
    if (pd.amount === 0) logEvent(m, LogId.GENERAL, GsmeEvent.DEBT_COLLECTION_COMPLETED_PAYMENT_DEBT, time);
  }
  if (p.emergencyCreditActive) {
    // Repay emergency credit used, then the rest goes to credit.
    const used = p.emergencyCreditLimit - p.emergencyCreditRemaining;
    const repay = Math.min(used, credit);
    p.emergencyCreditRemaining += repay;
    credit -= repay;
    if (p.emergencyCreditRemaining >= p.emergencyCreditLimit) p.emergencyCreditActive = false;
  }
  p.creditRemaining += credit;
  pushCapped(p.topUpLog, { utrn, amount: value, time }, TOP_UP_LOG_CAPACITY);
  if (m.metering.supplyStatus === SupplyStatus.OFF && availableCredit(m) > p.cutOffValue) {
    m.metering.supplyStatus = SupplyStatus.ARMED;
    logEvent(m, LogId.GENERAL, GsmeEvent.SUPPLY_ARMED, time);
  }
  afterBalanceChange(m, time);
  return credit;
}

// ---------------------------------------------------------------------------------------------
// Time

/** Hook for pending actions falling due (set by the command layer, which knows how to apply them). */
export type PendingExecutor = (m: GsmeModel, action: PendingAction) => boolean;

/** What happens while time passes that a caller may turn into alerts (sim/device/alerts.ts). */
export interface AdvanceHooks {
  runPending?: PendingExecutor;
  /** A billing period ended: the new billing data log entry (GCS53, alert 0x8F0A). */
  onBillingSnapshot?: (snapshot: MeteringSnapshot) => void;
}

/**
 * Moves the GSME from `m.clock` to `to` (ms): half-hourly consumption into the registers and the
 * profile log, cost and standing charge against credit (or into Bill to Date in credit mode),
 * time-debt collection, network-data samples, midnight snapshots (daily read logs, daily
 * consumption), billing and block period ends, and pending future-dated actions at their time.
 * Boundaries at exactly `to` are included. A `to` before the clock (or no finite number) changes
 * nothing. At most the last MAX_CATCH_UP_MS (92 days, sim/clock.ts) before `to` is accrued: a
 * longer jump skips the stretch before it (`skipGsme`), so the cost is bounded.
 * @returns the half hours accrued
 */
export function advanceGsme(m: GsmeModel, to: number, hooks: AdvanceHooks = {}): number {
  const runPending = hooks.runPending;
  if (!(to > m.clock) || !Number.isFinite(to)) return 0;
  const skipTo = Math.floor((to - MAX_CATCH_UP_MS) / HALF_HOUR) * HALF_HOUR;
  if (skipTo > m.clock) skipGsme(m, skipTo, runPending);
  let slots = 0;
  let slotEnd = Math.floor(m.clock / HALF_HOUR) * HALF_HOUR + HALF_HOUR;
  for (; slotEnd <= to; slotEnd += HALF_HOUR) {
    runDue(m, slotEnd - HALF_HOUR + 1, runPending);
    const slotStart = slotEnd - HALF_HOUR;
    const flowing = m.metering.supplyStatus === SupplyStatus.ON;
    const v = flowing ? halfHourDemand(m.seed, slotEnd) : 0;
    const tier = currentTier(m, slotStart);
    m.metering.currentSummationDelivered += v;
    if (tier > 0) m.metering.tierSummations[tier - 1] = (m.metering.tierSummations[tier - 1] ?? 0) + v;
    const block = currentBlock(m);
    m.metering.blockSummations[block - 1] = (m.metering.blockSummations[block - 1] ?? 0) + v;
    const kwhMilli = kwhMilliOf(m, v);
    m.metering.blockPeriodConsumption += kwhMilli;
    const cost = Math.round((kwhMilli / 1000) * currentPrice(m, slotStart));
    const standing = Math.round(m.price.active.standingCharge / 48);
    charge(m, cost + standing, slotEnd);
    pushCapped(m.logs.profile, v, PROFILE_LOG_CAPACITY);
    m.logs.profileStart = slotEnd - (m.logs.profile.length - 1) * HALF_HOUR;
    m.metering.dayConsumption += v;
    sampleNetwork(m, slotStart, slotEnd, v);
    collectTimeDebts(m, slotEnd);
    if (slotEnd % DAY === 0) {
      pushCapped(m.logs.daily, meteringSnapshot(m, slotEnd, SnapshotCause.GENERAL), DAILY_LOG_CAPACITY);
      pushCapped(
        m.logs.prepayDaily,
        prepaySnapshot(m, slotEnd, SnapshotCause.GENERAL),
        PREPAY_DAILY_LOG_CAPACITY,
      );
      pushCapped(
        m.logs.dailyConsumption,
        { time: slotEnd, value: m.metering.dayConsumption },
        DAILY_LOG_CAPACITY,
      );
      m.metering.dayConsumption = 0;
      if (batteryDays(m, slotEnd) === 365) logEvent(m, LogId.GENERAL, GsmeEvent.LOW_BATTERY, slotEnd);
    }
    const bp = m.price.billingPeriod;
    if (slotEnd >= bp.nextEnd) {
      takeBillingSnapshot(m, bp.nextEnd, SnapshotCause.END_OF_BILLING_PERIOD);
      hooks.onBillingSnapshot?.(m.logs.billing[m.logs.billing.length - 1]!);
      m.metering.billToDate = 0;
      bp.nextEnd = addDuration(bp.nextEnd, bp.duration, bp.durationType);
    }
    const kp = m.price.blockPeriod;
    if (slotEnd >= kp.nextEnd) {
      m.metering.blockPeriodConsumption = 0;
      m.metering.blockSummations = m.metering.blockSummations.map(() => 0);
      kp.nextEnd = addDuration(kp.nextEnd, kp.duration, kp.durationType);
    }
    m.clock = slotEnd;
    slots++;
  }
  runDue(m, to, runPending);
  m.clock = Math.max(m.clock, to);
  return slots;
}

/**
 * Moves the GSME clock to `t` (a half-hour boundary) without accruing the stretch: no consumption,
 * charges, samples or logs. Pending actions due in it run (logged at their own time); the billing
 * and block periods and the time-debt collections that ended in it move to their first end after
 * `t` (a billing period that ended clears Bill to Date, a block period its counters).
 */
function skipGsme(m: GsmeModel, t: number, runPending?: PendingExecutor): void {
  runDue(m, t, runPending);
  const bp = m.price.billingPeriod;
  if (bp.nextEnd <= t) {
    m.metering.billToDate = 0;
    bp.nextEnd = periodEndAfter(bp.nextEnd, bp.duration, bp.durationType, t);
  }
  const kp = m.price.blockPeriod;
  if (kp.nextEnd <= t) {
    m.metering.blockPeriodConsumption = 0;
    m.metering.blockSummations = m.metering.blockSummations.map(() => 0);
    kp.nextEnd = periodEndAfter(kp.nextEnd, kp.duration, kp.durationType, t);
  }
  for (const d of m.prepayment.debts) {
    const every = collectionPeriod(d.recoveryFrequency);
    if (d.nextCollection <= t) d.nextCollection += (Math.floor((t - d.nextCollection) / every) + 1) * every;
  }
  m.metering.dayConsumption = 0;
  m.clock = t;
}

/**
 * The first end strictly after `t` of the period train through `end`: O(1) for minute, day and
 * week periods, one step a period for months (at most 12 a year of the device clock range).
 */
function periodEndAfter(end: number, duration: number, durationType: number, t: number): number {
  const unit = [MINUTE, DAY, 7 * DAY][durationType & 0x0f];
  if (unit !== undefined) {
    const length = Math.max(1, duration) * unit;
    return end > t ? end : end + (Math.floor((t - end) / length) + 1) * length;
  }
  let e = end;
  while (e <= t) e = addDuration(e, duration, durationType);
  return e;
}

function runDue(m: GsmeModel, upTo: number, runPending?: PendingExecutor): void {
  if (!runPending) return;
  const due = m.pending.filter((p) => p.at <= upTo).sort((a, b) => a.at - b.at);
  if (due.length === 0) return;
  m.pending = m.pending.filter((p) => p.at > upTo);
  for (const action of due) {
    // The outcome alert (0x8F66/0x8F67) is raised by the device's scheduler (sim/device/scheduler.ts).
    const ok = runPending(m, action);
    logEvent(
      m,
      LogId.GENERAL,
      ok ? GsmeEvent.FUTURE_DATED_ACTIONED : GsmeEvent.FUTURE_DATED_NOT_ACTIONED,
      action.at,
    );
  }
}

function sampleNetwork(m: GsmeModel, slotStart: number, slotEnd: number, v: number): void {
  const n = m.logs.network;
  if (!n || n.samples.length >= n.maxSamples || slotEnd <= n.startTime) return;
  const interval = n.interval * 1000;
  let t = Math.max(slotStart, n.startTime);
  // Consumption is spread evenly over the half hour.
  const rate = v / HALF_HOUR;
  let next = n.startTime + (n.samples.length + 1) * interval;
  while (next <= slotEnd && n.samples.length < n.maxSamples) {
    n.pending += rate * (next - t);
    n.samples.push(Math.min(0xffffff, Math.round(n.pending)));
    n.pending = 0;
    t = next;
    next = n.startTime + (n.samples.length + 1) * interval;
  }
  if (n.samples.length < n.maxSamples) n.pending += rate * (slotEnd - t);
}
