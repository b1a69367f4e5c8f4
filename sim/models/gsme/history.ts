/**
 * A GSME as found in the field: its factory settings, the commissioning an installer and the
 * supplier carry out, and the weeks of life since — so that a freshly provisioned virtual GSME
 * already holds what a real one would (daily reads, billing snapshots, top-ups, events, a running
 * network data log).
 *
 * The history is simulated with the same rules as live operation (gsme-state.ts advanceGsme), from
 * `commissionedAt` to the first instant the device is asked anything:
 * - at commissioning: the device joins the HAN (events 0x8183, 0x8F69), the supplier's credentials
 *   are installed (0x8F70), the clock is set (0x8145), the tariff, calendars, CV/conversion factor
 *   and billing calendar are set, payment mode becomes prepayment (billing snapshots with causes
 *   "change of tariff information" and "change of meter mode"), the valve opens, the network
 *   operator starts the network data log (6-minute samples, 41 at most);
 * - every week from commissioning: the consumer tops up (a £20 UTRN, CS01b);
 * - every night at 01:00: the supplier reads the daily read log (GCS16a).
 * Every command is logged (0x8154 with its Message Code).
 * Defaults: commissioned 31 days before first use (`GsmeOptions.historyDays`).
 */

import { toZclUtcTime as toZclSeconds } from '../../../protocol/gbz/zcl.ts';
import type { Eui64 } from '../../../protocol/types.ts';
import {
  advanceGsme,
  applyTopUp,
  type CalendarData,
  DAY,
  GsmeEvent,
  type GsmeModel,
  hash32,
  LogId,
  logEvent,
  MINUTE,
  nextPeriodEnd,
  PaymentControl,
  SampleId,
  SnapshotCause,
  SupplyStatus,
  seedOf,
  type TariffData,
  takeBillingSnapshot,
} from './state.ts';

export interface GsmeOptions {
  /** Days of life before the first instant the device is asked anything (default 31). */
  historyDays?: number;
  /**
   * Seed of the consumption generator (gsme-state.ts halfHourDemand; a 32-bit unsigned integer).
   * Default: from the EUI, so a given GSME always draws the same gas.
   */
  seed?: number;
}

const GBP = 826;
/** 5 digits after the decimal point: money in 1e-5 GBP, prices per kWh likewise. */
const PRICE_TRAILING_DIGIT = 0x50;
const POUND = 100_000;
const HOUR = 60 * MINUTE;

function defaultTariff(start: number): TariffData {
  return {
    providerId: 0,
    issuerEventId: toZclSeconds(start),
    issuerTariffId: 1,
    startTime: start,
    tariffTypeChargingScheme: 0x00,
    label: '',
    numberOfPriceTiersInUse: 4,
    numberOfBlockThresholdsInUse: 3,
    unitOfMeasure: 0x00,
    currency: GBP,
    priceTrailingDigit: PRICE_TRAILING_DIGIT,
    standingCharge: 26_500,
    tierBlockMode: 0xff,
    blockThresholdMultiplier: 1,
    blockThresholdDivisor: 1000,
    blockThresholds: [500_000, 1_000_000, 1_500_000],
    tierPrices: [3_200, 3_500, 2_900, 3_100],
    blockPrices: [3_000, 3_300, 3_600, 4_000],
  };
}

/** Seasonal weekday/weekend TOU calendar: four day types, winter and summer weeks. */
function defaultTouCalendar(start: number): CalendarData {
  return {
    providerId: 0,
    issuerEventId: toZclSeconds(start),
    issuerCalendarId: toZclSeconds(start),
    startTime: start,
    calendarType: 0x00,
    calendarTimeReference: 0,
    name: '',
    dayProfiles: [1, 2, 3, 4].map((dayId) => ({ dayId, entries: [{ startTime: 0, value: dayId }] })),
    weekProfiles: [
      { weekId: 1, dayIdRefs: [1, 1, 1, 1, 1, 2, 2] },
      { weekId: 2, dayIdRefs: [3, 3, 3, 3, 3, 4, 4] },
    ],
    seasons: [
      { date: [0xff, 10, 1, 0xff], weekIdRef: 1 },
      { date: [0xff, 4, 1, 0xff], weekIdRef: 2 },
    ],
    specialDays: [],
  };
}

/** Friendly-credit hours: evenings and nights, longer at weekends. */
function defaultFriendlyCreditCalendar(start: number): CalendarData {
  const day = (dayId: number, off: number, on: number) => ({
    dayId,
    entries: [
      { startTime: 0, value: 1 },
      { startTime: off * 60, value: 0 },
      { startTime: on * 60, value: 1 },
    ],
  });
  return {
    providerId: 0,
    issuerEventId: toZclSeconds(start),
    issuerCalendarId: toZclSeconds(start) + 1,
    startTime: start,
    calendarType: 0x03,
    calendarTimeReference: 0,
    name: '',
    dayProfiles: [day(1, 8, 18), day(2, 7, 17), day(3, 10, 14), day(4, 9, 13)],
    weekProfiles: [
      { weekId: 1, dayIdRefs: [1, 1, 1, 1, 1, 3, 3] },
      { weekId: 2, dayIdRefs: [2, 2, 2, 2, 2, 4, 4] },
    ],
    seasons: [
      { date: [0xff, 10, 1, 0xff], weekIdRef: 1 },
      { date: [0xff, 4, 1, 0xff], weekIdRef: 2 },
    ],
    specialDays: [],
  };
}

/** GSME events and alerts a supplier may configure (GBCS Table 16.2, non-critical GSME set). */
export const CONFIGURABLE_GSME_EVENTS: readonly number[] = [
  0x810d, 0x810e, 0x8119, 0x8145, 0x8154, 0x8155, 0x8161, 0x8162, 0x8168, 0x8183, 0x8184, 0x81a1, 0x81a4,
  0x81a5, 0x81a6, 0x81a7, 0x81a8, 0x81a9, 0x81aa, 0x81ab, 0x81ac, 0x81ad, 0x81ae, 0x81af, 0x81b0, 0x81b1,
  0x81b2, 0x81b3, 0x81b4, 0x81b5, 0x81b6, 0x81b9, 0x81ba, 0x81bc, 0x81bd, 0x81be, 0x81bf, 0x81c0, 0x81c2,
  0x81c3, 0x81c4, 0x81c5, 0x81a0, 0x81c6,
];

/**
 * Default configuration of an event (ZSE Device Management event configuration bitmap): bits 0–2
 * which log records it (1 general event log, 2 security log, 3 both), bit 3 alert to the WAN,
 * bit 4 alert to the HAN.
 */
function defaultEventConfiguration(id: number): number {
  if (id >= 0x81ac && id <= 0x81b3) return 0x0b; // device errors: log and alert
  if (id === 0x81aa || id === 0x81ab || id === 0x81c4) return 0x1b; // EC and UTRN lock-out: also HAN
  if (id === 0x8168 || id === 0x8119) return 0x10;
  if (id === 0x810d) return 0x18;
  if (id === 0x810e || id === 0x81a6) return 0x08;
  if (id >= 0x8145 && id <= 0x8162) return 0x03;
  return 0x0b;
}

function utrnDigits(seed: number, n: number): string {
  let s = '7394';
  for (let i = 0; s.length < 20; i++) s += String(hash32(seed ^ n, i) % 10);
  return s;
}

/** A new GSME at commissioning (before any history). */
export function commissionedGsme(eui: Eui64, commissionedAt: number, seed = seedOf(eui)): GsmeModel {
  const monthStart = Date.UTC(
    new Date(commissionedAt).getUTCFullYear(),
    new Date(commissionedAt).getUTCMonth(),
    1,
  );
  const m: GsmeModel = {
    version: 1,
    eui,
    seed,
    commissionedAt,
    clock: commissionedAt,
    metering: {
      currentSummationDelivered: 0,
      tierSummations: [0, 0, 0, 0],
      blockSummations: [0, 0, 0, 0],
      dayConsumption: 0,
      blockPeriodConsumption: 0,
      billToDate: 0,
      supplyStatus: SupplyStatus.OFF,
      supplyTamperState: 0x01,
      supplyDepletionState: 0x01,
      uncontrolledFlowState: 0x01,
      loadLimitSupplyState: 0x00,
      uncontrolledFlow: {
        threshold: 600,
        unitOfMeasure: 0x01,
        multiplier: 1,
        divisor: 100,
        stabilisationPeriod: 60,
        measurementPeriod: 3600,
      },
      batteryDaysAtCommissioning: 15 * 365,
      siteId: String(1_000_000_000 + (seed % 8_999_999_999)),
      firmwareVersion: '02010007',
      customerIdNumber: '',
      manufacturerName: 'gbcs-sim',
      modelIdentifier: 'gbcs-sim GSME',
      hwVersion: 1,
    },
    price: {
      active: defaultTariff(commissionedAt),
      pending: null,
      conversionFactor: 102_264,
      conversionFactorTrailingDigit: 0x50,
      calorificValue: 395,
      calorificValueUnit: 0x01,
      calorificValueTrailingDigit: 0x10,
      billingPeriod: {
        startTime: monthStart,
        duration: 1,
        durationType: 0x03,
        nextEnd: nextPeriodEnd(monthStart, 1, 0x03, commissionedAt),
      },
      blockPeriod: {
        startTime: monthStart,
        duration: 1,
        durationType: 0x03,
        nextEnd: nextPeriodEnd(monthStart, 1, 0x03, commissionedAt),
      },
    },
    calendars: {
      tou: defaultTouCalendar(commissionedAt),
      friendlyCredit: defaultFriendlyCreditCalendar(commissionedAt),
    },
    prepayment: {
      paymentControlConfiguration: PaymentControl.CREDIT_MODE,
      creditRemaining: 0,
      emergencyCreditRemaining: 5 * POUND,
      emergencyCreditLimit: 5 * POUND,
      emergencyCreditThreshold: 1 * POUND,
      emergencyCreditActive: false,
      lowCreditWarningLevel: 2 * POUND,
      cutOffValue: 0,
      maxCreditLimit: 250 * POUND,
      maxCreditPerTopUp: 100 * POUND,
      overallDebtCap: 500 * POUND,
      debts: [
        {
          amount: 20 * POUND,
          recoveryMethod: 0,
          recoveryFrequency: 1,
          recoveryAmount: POUND / 2,
          recoveryTopUpPercentage: 0,
          collectionTime: 0,
          nextCollection: commissionedAt + DAY,
        },
        {
          amount: 0,
          recoveryMethod: 0,
          recoveryFrequency: 1,
          recoveryAmount: 0,
          recoveryTopUpPercentage: 0,
          collectionTime: 0,
          nextCollection: commissionedAt + DAY,
        },
        {
          amount: 10 * POUND,
          recoveryMethod: 1,
          recoveryFrequency: 1,
          recoveryAmount: 0,
          recoveryTopUpPercentage: 1000,
          collectionTime: 0,
          nextCollection: commissionedAt + DAY,
        },
      ],
      utrnCounters: [],
      topUpLog: [],
      debtLog: [],
      lowCreditNotified: false,
    },
    logs: {
      daily: [],
      prepayDaily: [],
      billing: [],
      prepayBilling: [],
      profile: [],
      profileStart: commissionedAt,
      dailyConsumption: [],
      network: null,
      events: [],
      securityEvents: [],
    },
    deviceManagement: {
      eventConfiguration: Object.fromEntries(
        CONFIGURABLE_GSME_EVENTS.map((id) => [
          id.toString(16).padStart(4, '0'),
          defaultEventConfiguration(id),
        ]),
      ),
      supplierName: 'GITTESTSUPPLIER',
      supplierContact: '0800 000 0000',
      changeOfTenancy: null,
      privacyPinDisabledUntil: null,
    },
    message: null,
    pending: [],
  };
  // Commissioning (GBCS 8.x and the supplier's set-up commands).
  const t = commissionedAt;
  logEvent(m, LogId.GENERAL, GsmeEvent.DEVICE_JOINED, t);
  logEvent(m, LogId.SECURITY, GsmeEvent.DEVICE_COMMISSIONED, t);
  logEvent(m, LogId.SECURITY, GsmeEvent.UPDATE_SECURITY_CREDENTIALS, t);
  logEvent(m, LogId.GENERAL, GsmeEvent.CLOCK_ADJUSTED, t);
  takeBillingSnapshot(m, t, SnapshotCause.CHANGE_OF_TARIFF_INFORMATION);
  m.prepayment.paymentControlConfiguration = PaymentControl.PREPAYMENT_MODE;
  takeBillingSnapshot(m, t, SnapshotCause.CHANGE_OF_METER_MODE);
  // The supplier's set-up commands, each logged with its Message Code: tariff (GCS01a), prepayment
  // configuration (GCS05), CV and conversion factor (GCS23), billing calendar (GCS25), MPRN
  // (GCS41), payment mode (GCS03), contact details (GCS44); the network operator's network data log
  // (GCS31).
  for (const code of [0x006b, 0x006f, 0x007c, 0x007e, 0x0087, 0x006d, 0x0088, 0x0080]) {
    logEvent(m, LogId.GENERAL, GsmeEvent.IMMEDIATE_COMMAND_ACTIONED, t, code.toString(16).padStart(4, '0'));
  }
  m.logs.network = {
    sampleId: SampleId.NETWORK_DATA,
    startTime: t,
    interval: 360,
    maxSamples: 41,
    samples: [],
    pending: 0,
  };
  return m;
}

/**
 * A GSME that has lived `historyDays` days until `now`: commissioned, then simulated (see the
 * module comment). Deterministic in (eui, now, options).
 */
export function createGsmeModel(eui: Eui64, now: number, options: GsmeOptions = {}): GsmeModel {
  const days = options.historyDays ?? 31;
  const commissionedAt = Math.floor(now / DAY) * DAY - days * DAY;
  const m = commissionedGsme(eui, commissionedAt, options.seed);
  // Life since: a weekly top-up (CS01b) from the commissioning day on, and the supplier's daily
  // read (GCS16a) each night at 01:00.
  const happenings: Array<{ at: number; kind: 'top-up' | 'daily-read'; n: number }> = [];
  for (let week = 0; commissionedAt + week * 7 * DAY <= now; week++) {
    happenings.push({ at: commissionedAt + week * 7 * DAY, kind: 'top-up', n: week });
  }
  for (let day = 0; commissionedAt + day * DAY + HOUR <= now; day++) {
    happenings.push({ at: commissionedAt + day * DAY + HOUR, kind: 'daily-read', n: day });
  }
  happenings.sort((a, b) => a.at - b.at);
  for (const h of happenings) {
    advanceGsme(m, h.at);
    if (h.kind === 'daily-read') {
      logEvent(m, LogId.GENERAL, GsmeEvent.IMMEDIATE_COMMAND_ACTIONED, h.at, '0077');
      continue;
    }
    applyTopUp(m, utrnDigits(m.seed, h.n), 20 * POUND, h.at);
    logEvent(m, LogId.GENERAL, GsmeEvent.IMMEDIATE_COMMAND_ACTIONED, h.at, '0097');
    if (h.n === 0 && m.metering.supplyStatus !== SupplyStatus.ON) {
      // The installer opens the valve once credit is on the meter.
      m.metering.supplyStatus = SupplyStatus.ON;
      logEvent(m, LogId.GENERAL, GsmeEvent.SUPPLY_ARMED, h.at + MINUTE);
    }
  }
  advanceGsme(m, now);
  return m;
}
