/**
 * The ESME over virtual time: a household consumption generator and the half-hourly accrual that
 * turns it into what a meter records — energy registers split by the tariff switching table, the
 * tariff block counters, prepayment charges and debt recovery, supply disablement on exhausted
 * credit, maximum demand, load limiting, voltage profiles and sag/swell counts, auxiliary load
 * control switching, boost presses, power outages, daily / billing snapshots and half-hour profiles.
 *
 * `advanceEsme(model, toMs, rng?)` accrues every whole half hour between the model's
 * `lastAdvancedMs` and `toMs` (device-clock milliseconds; the ESME clock offset is applied) — at
 * most the last `MAX_CATCH_UP_MS` (92 days, sim/clock.ts) of it: a longer jump skips the stretch
 * before, so its cost is bounded. It is idempotent: time already accrued is never accrued again,
 * so the device's command handler and a fleet simulation can both call it. `createEsmeModel` builds a model whose registers already hold
 * its synthetic service history (esme-state.ts).
 *
 * The generator is a pure function of (seed, half hour) unless an `rng` is passed: base load,
 * morning and evening peaks, a winter uplift, kettle-like spikes, rooftop PV on one meter in three
 * (net export), a storage-heating secondary circuit on twin-element meters, mains voltage around
 * 240 V, an outage about once a month and a boost press about every five days.
 */

import { MS_PER_DAY as DAY_MS } from '../../../protocol/calendar.ts';
import { MAX_CATCH_UP_MS } from '../../clock.ts';
import { activate, activationTime, attrKey, isActivation, readStored, storedNumber } from './config.ts';
import { blankEsmeModel, CAPACITY, type EsmeModel, type EsmeVariant, pushCapped } from './state.ts';
import {
  blockOf,
  type CompiledCalendar,
  compileCalendar,
  compileExecutionTimes,
  compilePrices,
  compileSchedule,
  costOf,
  firesWithin,
  flatCharge,
  type PriceTable,
  priceIndex,
  selectorAt,
  slotOfWeek,
  weekTable,
} from './tariff.ts';

// Local copies: imported bindings cost a getter call per use in transpiled code (the hot loop).
const HALF_HOUR_MS = 1_800_000;

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** Event and alert codes the model logs (GBCS alert code table). */
export const EsmeEvent = {
  SUPPLY_INTERRUPTED: 0x8f57,
  SUPPLY_RESTORED: 0x8f35,
  SUPPLY_RESTORED_LONG: 0x8f36,
  SWELL: 0x8024,
  SAG: 0x802c,
  LOAD_LIMIT_THRESHOLD: 0x8f01,
  SUPPLY_ARMED_LOAD_LIMIT: 0x8f33,
  SUPPLY_ENABLED_AFTER_LOAD_LIMIT: 0x8f34,
  SUPPLY_ARMED: 0x8f32,
  CREDIT_BELOW_DISABLEMENT: 0x8f0f,
  LOW_CREDIT: 0x810d,
  EMERGENCY_CREDIT_AVAILABLE: 0x8119,
  EMERGENCY_CREDIT_ACTIVATED: 0x81ab,
  EMERGENCY_CREDIT_EXHAUSTED: 0x81aa,
  CREDIT_ADDED: 0x810e,
  DEBT_TIME_1_CLEARED: 0x81a7,
  DEBT_TIME_2_CLEARED: 0x81a8,
  DEBT_PAYMENT_CLEARED: 0x81a9,
  EVENT_LOG_CLEARED: 0x8f52,
  CLOCK_ADJUSTED: 0x8145,
  CLOCK_NOT_ADJUSTED: 0x8f0c,
  FUTURE_DATED_OK: 0x8f66,
  COMMISSIONED: 0x8f69,
  USER_COMMAND: 0x8161,
} as const;

// ---------------------------------------------------------------------------------------------
// The generator

/** A stateless uniform number in [0, 1) from (seed, slot, k). */
export function hashNoise(seed: number, slot: number, k: number): number {
  let h = (seed ^ Math.imul(slot | 0, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 0x100000000;
}

/** What the premises draws in one half hour. */
export interface SlotDemand {
  /** Average load (W) and its peak (W). */
  loadW: number;
  peakW: number;
  /** PV generation (W, average). */
  pvW: number;
  /** Secondary (storage heating) circuit load (W, average). */
  secondaryW: number;
  /** Average RMS voltage per phase (V). */
  voltage: [number, number, number];
}

function seasonFactor(t: number): number {
  // Day of the (365.2425-day) year since 1 January 1970; the phase error of ignoring leap days is < 1 day.
  const day = (t / DAY_MS) % 365.2425;
  return 1 + 0.35 * Math.cos((2 * Math.PI * (day - 15)) / 365.2425);
}

/** The demand of the half hour starting at `t`; `noise(slot, k)` gives the k-th random number of the slot. */
export function demandAt(
  model: EsmeModel,
  t: number,
  noise: (slot: number, k: number) => number,
): SlotDemand {
  // noise(slot, k) is called directly (no per-slot closures: this runs 19,200 times per new model).
  const slot = Math.floor(t / HALF_HOUR_MS);
  const hour = (((t % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000;
  const s = seasonFactor(t);
  let w = 130;
  if (hour >= 6.5 && hour < 9) w += 550;
  else if (hour >= 9 && hour < 16.5) w += 220;
  else if (hour >= 16.5 && hour < 22.5) w += 900 + 500 * Math.sin(((hour - 16.5) / 6) * Math.PI);
  else if (hour >= 22.5) w += 150;
  w *= s * (0.65 + 0.7 * noise(slot, 0));
  let peak = w * (1.1 + 0.6 * noise(slot, 1));
  if (noise(slot, 2) < 0.12 && hour >= 6 && hour < 23) {
    const kettle = 2800 * (0.1 + 0.15 * noise(slot, 3));
    w += kettle;
    peak = Math.max(peak, 3000 + w);
  }
  const hasPv = model.seed % 3 === 0;
  const daylight = Math.max(0, Math.sin(((hour - 6) / 13) * Math.PI));
  const pvW = hasPv ? 3000 * daylight * (1.6 - s) * (0.3 + 0.7 * noise(slot, 4)) : 0;
  const heating =
    model.variant.elements === 2 && hour >= 0.5 && hour < 7.5 ? 2000 * s * (0.8 + 0.2 * noise(slot, 5)) : 0;
  const base = 240 + 4 * Math.sin((hour / 24) * 2 * Math.PI);
  return {
    loadW: w,
    peakW: peak,
    pvW,
    secondaryW: heating,
    voltage: [
      base + 6 * (noise(slot, 6) - 0.5),
      base + 6 * (noise(slot, 7) - 0.5),
      base + 6 * (noise(slot, 8) - 0.5),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Reading the configuration the accrual needs

const PAYMENT_MODE = attrKey(111, '0-0:19.0.0', 2);

/** 1 credit mode, 2 prepayment mode (account_mode_and_status, first element). */
export function paymentMode(model: EsmeModel): number {
  const v = readStored(model, PAYMENT_MODE);
  const mode = v.type === 'structure' ? v.value[0] : undefined;
  return mode?.type === 'enum' ? mode.value : 1;
}

const ext = (obis: string) => attrKey(9000, obis, 2);

/** The configuration compiled once per stretch of time without configuration changes. */
interface Segment {
  primary: CompiledCalendar;
  secondary: CompiledCalendar;
  prices: PriceTable;
  secondaryPrices: PriceTable;
  /** Per half hour of the week: ALCS n calendar selector, non-disablement and MD period selectors. */
  alcsWeek: Array<Array<number | null>>;
  nonDisablementWeek: Array<number | null>;
  mdPeriodWeek: Array<number | null>;
  billing: Array<{ todMs: number; date: Uint8Array }>;
  blockReset: Array<{ todMs: number; date: Uint8Array }>;
  voltagePeriodMs: number;
  loadLimitW: number;
  loadLimitDisables: boolean;
  loadLimitRestoreMs: number;
  sagV: number;
  swellV: number;
  disablementThreshold: number;
  ecThreshold: number;
  ecLimit: number;
  lowCredit: number;
  prepayment: boolean;
  boostSwitches: number[];
}

/**
 * Compiled segments, shared by models configured alike. A segment is a pure function of
 * `model.attributes` (every value it holds comes from `readStored`), so it is looked up by the
 * attributes object with a snapshot of its entries (any write or activation changes an entry and
 * misses), then by a fingerprint of the sorted entries. Segments are read-only once compiled (the
 * calendars' day memo only caches what `selectorAt` derives). The model state is not touched.
 */
const SEGMENT_BY_ATTRIBUTES = new WeakMap<Record<string, string>, { entries: string[]; seg: Segment }>();
const SEGMENT_CACHE = new Map<string, Segment>();
const SEGMENT_CACHE_SIZE = 64;

/** Whether `attributes` holds exactly `entries` (key, value, key, value …). */
function sameEntries(attributes: Record<string, string>, entries: string[]): boolean {
  let n = 0;
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue;
    n += 2;
    if (n > entries.length) return false;
  }
  if (n !== entries.length) return false;
  for (let i = 0; i < entries.length; i += 2) if (attributes[entries[i]!] !== entries[i + 1]) return false;
  return true;
}

function compileSegment(model: EsmeModel): Segment {
  const attributes = model.attributes;
  const known = SEGMENT_BY_ATTRIBUTES.get(attributes);
  if (known && sameEntries(attributes, known.entries)) return known.seg;
  const keys = Object.keys(attributes).sort();
  const entries: string[] = [];
  for (const k of keys) entries.push(k, attributes[k]!);
  const fingerprint = entries.join('\n');
  let seg = SEGMENT_CACHE.get(fingerprint);
  if (!seg) {
    seg = compileSegmentNow(model);
    SEGMENT_CACHE.set(fingerprint, seg);
    if (SEGMENT_CACHE.size > SEGMENT_CACHE_SIZE) SEGMENT_CACHE.delete(SEGMENT_CACHE.keys().next().value!);
  }
  SEGMENT_BY_ATTRIBUTES.set(attributes, { entries, seg });
  return seg;
}

function compileSegmentNow(model: EsmeModel): Segment {
  const boostSwitches = [1, 2, 3, 4, 5].filter((n) => {
    const v = readStored(model, attrKey(1, `0-0:94.44.6.${n}`, 2));
    return v.type === 'boolean' && v.value;
  });
  return {
    primary: compileCalendar(model, false),
    secondary: compileCalendar(model, true),
    prices: compilePrices(model, '0-0:19.20.0'),
    secondaryPrices: compilePrices(model, '0-0:19.20.5'),
    alcsWeek: (() => {
      const alcs = compileSchedule(model, '0-0:12.0.2');
      return [1, 2, 3, 4, 5].map((n) => weekTable(alcs, (x) => x >> 8 === n));
    })(),
    nonDisablementWeek: weekTable(compileSchedule(model, '0-0:12.0.1'), (x) => x === 32 || x === 33),
    mdPeriodWeek: weekTable(compileSchedule(model, '0-0:12.0.0')),
    billing: compileExecutionTimes(model, '0-0:15.0.0'),
    blockReset: compileExecutionTimes(model, '0-0:15.1.0'),
    voltagePeriodMs: Math.max(60, storedNumber(model, attrKey(7, '1-0:32.24.0', 4))) * 1000,
    loadLimitW: storedNumber(model, ext('0-0:94.44.128.7')),
    loadLimitDisables: (() => {
      const v = readStored(model, ext('0-0:94.44.0.3'));
      return v.type === 'boolean' && v.value;
    })(),
    loadLimitRestoreMs: storedNumber(model, ext('0-0:94.44.128.8')) * 1000,
    sagV: storedNumber(model, attrKey(71, '0-0:17.0.3', 4)),
    swellV: storedNumber(model, attrKey(71, '0-0:17.0.4', 4)),
    disablementThreshold: storedNumber(model, ext('0-0:94.44.128.22')),
    ecThreshold: storedNumber(model, ext('0-0:94.44.128.3')),
    ecLimit: storedNumber(model, ext('0-0:94.44.128.2')),
    lowCredit: storedNumber(model, ext('0-0:94.44.128.9')),
    prepayment: paymentMode(model) === 2,
    boostSwitches,
  };
}

// ---------------------------------------------------------------------------------------------
// Snapshots (rows of the daily read log, billing data log, change of mode/tariff log)

/**
 * Register snapshot columns: [t, import, secondary import, TOU 1–48, secondary TOU 1–4,
 * TOU-block matrix 32 ((tou−1)·4 + block−1), export, meter balance, emergency credit,
 * accumulated debt, time debt 1, time debt 2, payment debt].
 */
export const SNAPSHOT = {
  t: 0,
  import: 1,
  secondaryImport: 2,
  tou: 3,
  secondaryTou: 51,
  blockTou: 55,
  export: 87,
  prepayment: 88,
  length: 94,
} as const;

export function snapshotRow(model: EsmeModel, t: number): number[] {
  const r = model.registers;
  const p = model.prepayment;
  return [
    t,
    r.importWh,
    r.secondaryImportWh,
    ...r.touWh,
    ...r.secondaryTouWh,
    ...r.blockTouWh,
    r.exportWh,
    p.meterBalance,
    p.emergencyCredit,
    p.accumulatedDebt,
    p.timeDebt1,
    p.timeDebt2,
    p.paymentDebt,
  ].map((x) => Math.round(x));
}

// ---------------------------------------------------------------------------------------------
// Logs

/** Records options: stored logs and buffers are written only from `createdAtMs` on. */
function log(model: EsmeModel, which: keyof EsmeModel['logs'], row: number[]): void {
  pushCapped(model.logs[which], row, CAPACITY[which]);
}

export function logEvent(model: EsmeModel, t: number, code: number): void {
  log(model, 'event', [t, code]);
}

// ---------------------------------------------------------------------------------------------
// Prepayment operations (also used by command handlers and the UTRN top-up)

/** Credit available to the consumer: meter balance plus emergency credit in use. */
export function combinedCredit(model: EsmeModel): number {
  const p = model.prepayment;
  return p.meterBalance + (p.emergencyCreditActive ? p.emergencyCredit : 0);
}

function deduct(model: EsmeModel, amount: number): void {
  if (!(amount > 0)) return;
  const p = model.prepayment;
  if (p.emergencyCreditActive && p.meterBalance <= 0) {
    const fromEc = Math.min(amount, Math.max(0, p.emergencyCredit));
    p.emergencyCredit -= fromEc;
    p.meterBalance -= amount - fromEc;
  } else {
    p.meterBalance -= amount;
  }
}

/**
 * Re-arms a supply disabled for lack of credit once credit is back above the disablement
 * threshold; the consumer restores it (presses the button) 15 minutes later.
 */
function rearmIfCredit(model: EsmeModel, t: number): void {
  const s = model.supply;
  if (s.cause !== 'credit' || s.controlState !== 0) return;
  if (combinedCredit(model) >= storedNumber(model, ext('0-0:94.44.128.22'))) {
    s.controlState = 2;
    s.consumerRestoreAtMs = t + 15 * 60_000;
    logEvent(model, t, EsmeEvent.SUPPLY_ARMED);
  }
}

/**
 * A top-up of `amount` (10^-5 currency units), as a verified UTRN adds it (CS01a): logged in the
 * prepayment credits log; first the payment-based debt recovery (19.20.3 proportion), then the
 * emergency credit used is repaid, the rest goes to the meter balance. Re-arms a supply disabled
 * for lack of credit. Returns the amount credited to the meter balance.
 */
export function applyTopUp(model: EsmeModel, t: number, amount: number): number {
  const p = model.prepayment;
  pushCapped(model.buffers.credits, [t, Math.round(amount)], CAPACITY.credits);
  let rest = amount;
  const proportion = storedNumber(model, attrKey(113, '0-0:19.20.3', 13)) / 10_000;
  const recovered = Math.min(p.paymentDebt, Math.floor(rest * proportion));
  if (recovered > 0) {
    p.paymentDebt -= recovered;
    rest -= recovered;
    pushCapped(model.buffers.debtPayments, [t, recovered], CAPACITY.debtPayments);
    if (p.paymentDebt === 0) logEvent(model, t, EsmeEvent.DEBT_PAYMENT_CLEARED);
  }
  if (p.emergencyCreditActive) {
    const limit = storedNumber(model, ext('0-0:94.44.128.2'));
    const used = Math.max(0, limit - p.emergencyCredit);
    const repay = Math.min(used, rest);
    p.emergencyCredit += repay;
    rest -= repay;
    if (p.emergencyCredit >= limit) {
      p.emergencyCreditActive = false;
      p.emergencyCredit = 0;
    }
  }
  p.meterBalance += rest;
  logEvent(model, t, EsmeEvent.CREDIT_ADDED);
  rearmIfCredit(model, t);
  return rest;
}

/** ECS04a: adds `delta` (may be negative) to the meter balance. */
export function adjustMeterBalance(model: EsmeModel, t: number, delta: number): void {
  model.prepayment.meterBalance += delta;
  rearmIfCredit(model, t);
}

/**
 * ECS09: invokes emergency credit. It becomes active when the meter is in prepayment mode and the
 * meter balance is below the emergency credit threshold; returns whether it was activated.
 */
export function invokeEmergencyCredit(model: EsmeModel, t: number): boolean {
  const p = model.prepayment;
  if (p.emergencyCreditActive || paymentMode(model) !== 2) return false;
  if (p.meterBalance >= storedNumber(model, ext('0-0:94.44.128.3'))) return false;
  p.emergencyCreditActive = true;
  p.emergencyCredit = storedNumber(model, ext('0-0:94.44.128.2'));
  logEvent(model, t, EsmeEvent.EMERGENCY_CREDIT_ACTIVATED);
  rearmIfCredit(model, t);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Supply (load switch)

/** Remote disconnect (ECS43): the supply is disabled and stays so until reconnected or armed. */
export function disableSupply(model: EsmeModel, t: number, cause: EsmeModel['supply']['cause']): void {
  model.supply = { controlState: 0, cause, consumerRestoreAtMs: null };
  logEvent(model, t, cause === 'credit' ? EsmeEvent.CREDIT_BELOW_DISABLEMENT : EsmeEvent.USER_COMMAND);
}

/** Arm (ECS44): ready for reconnection by the consumer. */
export function armSupply(model: EsmeModel, t: number): void {
  model.supply = { controlState: 2, cause: 'none', consumerRestoreAtMs: null };
  logEvent(model, t, EsmeEvent.SUPPLY_ARMED);
}

/** Remote reconnect (ECS42). */
export function enableSupply(model: EsmeModel, t: number): void {
  model.supply = { controlState: 1, cause: 'none', consumerRestoreAtMs: null };
  logEvent(model, t, EsmeEvent.USER_COMMAND);
}

// ---------------------------------------------------------------------------------------------
// Activations (future-dated passive → active)

/** Runs every activation whose time is ≤ t; returns whether any ran (configuration changed). */
export function runDueActivations(model: EsmeModel, t: number): boolean {
  let ran = false;
  for (const key of Object.keys(model.attributes)) {
    if (!isActivation(key)) continue;
    const at = activationTime(model, key);
    if (at === null || at > t) continue;
    const modeBefore = paymentMode(model);
    activate(model, key);
    logEvent(model, at, EsmeEvent.FUTURE_DATED_OK);
    afterConfigChange(model, at, key, modeBefore);
    ran = true;
  }
  return ran;
}

/** What follows an activation: payment mode or tariff changes snapshot the registers (98.1.2). */
export function afterConfigChange(model: EsmeModel, t: number, key: string, modeBefore: number): void {
  const tariff = key.startsWith('20/') || key.startsWith('113/');
  if (tariff || paymentMode(model) !== modeBefore) {
    pushCapped(model.buffers.modeChange, snapshotRow(model, t), CAPACITY.modeChange);
  }
}

/** Activates immediately (activation time "now"), as a command writing it does. */
export function activateNow(model: EsmeModel, t: number, key: string): void {
  const modeBefore = paymentMode(model);
  activate(model, key);
  afterConfigChange(model, t, key, modeBefore);
}

// ---------------------------------------------------------------------------------------------
// The half-hour accrual

interface AccrueOptions {
  /** Store buffer rows and log entries (false while building the synthetic history). */
  record: boolean;
  rnd: (slot: number, k: number) => number;
}

/**
 * What the parts of one half hour's accrual share: the model, the segment's settings, the slot's
 * start `t` and end, the noise, and the model parts as they were at the start of the slot (`s`, the
 * supply state, is read as it was then even after a part replaces `model.supply`).
 */
interface SlotContext {
  model: EsmeModel;
  seg: Segment;
  t: number;
  end: number;
  slot: number;
  noise: AccrueOptions['rnd'];
  o: AccrueOptions;
  r: EsmeModel['registers'];
  p: EsmeModel['prepayment'];
  s: EsmeModel['supply'];
  dist: EsmeModel['disturbances'];
}

/** Accrues the half hour starting at `t`: each part in turn, in this order. */
function accrueSlot(model: EsmeModel, seg: Segment, t: number, o: AccrueOptions): void {
  const slot = Math.floor(t / HALF_HOUR_MS);
  const noise = o.rnd;
  const r = model.registers;
  const p = model.prepayment;
  const s = model.supply;
  const dist = model.disturbances;
  const end = t + HALF_HOUR_MS;

  const c: SlotContext = { model, seg, t, end, slot, noise, o, r, p, s, dist };
  boundaryEvents(c);
  auxiliaryLoadControl(c);
  const onFraction = powerOutage(c);
  const { d, connected, importWh, exportWh, importVarh, exportVarh, cost } = energy(c, onFraction);
  maximumDemand(c, importWh, exportWh);
  loadLimiting(c, d, connected);
  voltage(c, d, onFraction);
  halfHourProfile(c, { importWh, importVarh, exportWh, exportVarh });
  prepaymentCharge(c, cost);
}

/** Day and billing boundaries at t (daily snapshot, standing charge and time debts, billing snapshot, block counter reset), re-arming and consumer restore. */
function boundaryEvents(c: SlotContext): void {
  const { model, seg, t, o, r, p, s, end } = c;
  if (t % DAY_MS === 0) {
    if (o.record) pushCapped(model.buffers.daily, snapshotRow(model, t), CAPACITY.daily);
    if (seg.prepayment && t > p.chargedThroughMs) {
      deduct(model, flatCharge(model, '0-0:19.20.4'));
      for (const [n, key] of [
        [1, 'timeDebt1'],
        [2, 'timeDebt2'],
      ] as const) {
        const rate = flatCharge(model, `0-0:19.20.${n}`);
        const x = Math.min(p[key], rate);
        if (x > 0) {
          p[key] -= x;
          deduct(model, x);
          if (p[key] === 0 && o.record)
            logEvent(model, t, n === 1 ? EsmeEvent.DEBT_TIME_1_CLEARED : EsmeEvent.DEBT_TIME_2_CLEARED);
        }
      }
      p.chargedThroughMs = t;
    }
  }
  if (firesWithin(seg.billing, t, HALF_HOUR_MS) && o.record) {
    pushCapped(model.buffers.billing, snapshotRow(model, t), CAPACITY.billing);
  }
  if (firesWithin(seg.blockReset, t, HALF_HOUR_MS)) r.blockCounterWh.fill(0);
  // Credit added by any means (a top-up, an adjustment) re-arms a supply disabled for lack of it.
  if (o.record) rearmIfCredit(model, t);
  if (s.controlState === 2 && s.consumerRestoreAtMs !== null && s.consumerRestoreAtMs <= end) {
    model.supply = { controlState: 1, cause: 'none', consumerRestoreAtMs: null };
    if (o.record)
      logEvent(
        model,
        t,
        s.cause === 'load-limit' ? EsmeEvent.SUPPLY_ENABLED_AFTER_LOAD_LIMIT : EsmeEvent.USER_COMMAND,
      );
  }
}

/** Auxiliary load control switches: calendar, remote overrides, boost. */
function auxiliaryLoadControl(c: SlotContext): void {
  const { model, seg, t, o, slot, noise, dist } = c;
  for (let n = 1; n <= 5; n++) {
    const a = model.alcs;
    const until = a.overrideUntilMs[n - 1];
    if (until !== null && until !== undefined) {
      if (until > t) continue;
      a.overrideUntilMs[n - 1] = null;
    }
    const sel = seg.alcsWeek[n - 1]![slotOfWeek(t)] ?? null;
    const on = sel !== null && (sel & 0xff) === 0x01;
    if (on !== a.outputs[n - 1]) {
      a.outputs[n - 1] = on;
      if (o.record) log(model, 'alcs', [t, (n << 8) | (on ? 0x01 : 0x02), 0, 0]);
    }
  }
  if (dist.boostUntilMs !== null && dist.boostUntilMs <= t) {
    if (o.record) log(model, 'boost', [dist.boostUntilMs - 3_600_000, dist.boostUntilMs]);
    dist.boostUntilMs = null;
  } else if (dist.boostUntilMs === null && seg.boostSwitches.length > 0 && noise(slot, 20) < 1 / 240) {
    dist.boostUntilMs = t + 3_600_000;
    for (const n of seg.boostSwitches) {
      model.alcs.outputs[n - 1] = true;
      model.alcs.overrideUntilMs[n - 1] = dist.boostUntilMs;
      if (o.record) log(model, 'alcs', [t, (n << 8) | 0x11, 2, 3600]);
    }
  }
}

/** Power outages: about one a month, 1 minute to 4 hours. Returns the fraction of the half hour with power. */
function powerOutage(c: SlotContext): number {
  const { model, t, o, slot, noise, dist, end } = c;
  let onFraction = 1;
  if (dist.outageUntilMs === null && noise(slot, 21) < 1 / 1500) {
    const start = t + Math.floor(noise(slot, 22) * HALF_HOUR_MS);
    dist.outageStartMs = start;
    dist.outageUntilMs = start + Math.floor(60_000 + noise(slot, 23) * 4 * 3_600_000);
    if (o.record) log(model, 'power', [start, EsmeEvent.SUPPLY_INTERRUPTED, 0]);
  }
  if (dist.outageUntilMs !== null) {
    const from = Math.max(t, dist.outageStartMs ?? t);
    const to = Math.min(end, dist.outageUntilMs);
    onFraction = 1 - Math.max(0, to - from) / HALF_HOUR_MS;
    if (dist.outageUntilMs <= end) {
      const long = dist.outageUntilMs - (dist.outageStartMs ?? t) >= 180_000;
      if (o.record)
        log(model, 'power', [
          dist.outageUntilMs,
          long ? EsmeEvent.SUPPLY_RESTORED_LONG : EsmeEvent.SUPPLY_RESTORED,
          Math.round((dist.outageUntilMs - (dist.outageStartMs ?? t)) / 1000),
        ]);
      dist.outageUntilMs = null;
      dist.outageStartMs = null;
    }
  }
  return onFraction;
}

/** Energy: the registers (TOU, block, secondary element) and the cost of the half hour. */
function energy(
  c: SlotContext,
  onFraction: number,
): {
  d: ReturnType<typeof demandAt>;
  connected: number;
  importWh: number;
  exportWh: number;
  importVarh: number;
  exportVarh: number;
  cost: number;
} {
  const { model, seg, t, slot, noise, r, s } = c;
  const d = demandAt(model, t, noise);
  const connected = s.controlState === 1 ? onFraction : 0;
  const netW = (d.loadW - d.pvW) * connected;
  const importWh = Math.max(0, netW) / 2;
  const exportWh = Math.max(0, -netW) / 2;
  const importVarh = importWh * (0.2 + 0.1 * noise(slot, 9));
  const exportVarh = exportWh * 0.05;
  const secondaryWh = (d.secondaryW * connected) / 2;
  r.importWh += importWh;
  r.exportWh += exportWh;
  r.importVarh += importVarh;
  r.exportVarh += exportVarh;
  let cost = 0;
  const sel = selectorAt(seg.primary, t);
  if (sel >= 1 && sel <= 48) {
    r.touWh[sel - 1]! += importWh;
    cost += costOf(seg.prices, priceIndex(sel, 1), importWh);
  } else if (sel >= 101 && sel <= 108) {
    const tou = sel - 100;
    const since = [0, 1, 2, 3].reduce((acc, b) => acc + r.blockCounterWh[(tou - 1) * 4 + b]!, 0);
    const block = blockOf(model, tou, since);
    r.blockTouWh[(tou - 1) * 4 + block - 1]! += importWh;
    r.blockCounterWh[(tou - 1) * 4 + block - 1]! += importWh;
    cost += costOf(seg.prices, priceIndex(sel, block), importWh);
  }
  if (model.variant.elements === 2) {
    r.secondaryImportWh += secondaryWh;
    const sel2 = selectorAt(seg.secondary, t);
    if (sel2 >= 201 && sel2 <= 204) {
      r.secondaryTouWh[sel2 - 201]! += secondaryWh;
      cost += costOf(seg.secondaryPrices, priceIndex(sel2 - 200, 1), secondaryWh);
    }
  }
  return { d, connected, importWh, exportWh, importVarh, exportVarh, cost };
}

/** Maximum demand (W averaged over the half hour), over the configurable period too. */
function maximumDemand(c: SlotContext, importWh: number, exportWh: number): void {
  const { model, seg, t, end } = c;
  const md = model.maxDemand;
  const avgImportW = importWh * 2;
  if (avgImportW > md.importW) {
    md.importW = avgImportW;
    md.importAtMs = end;
  }
  if (seg.mdPeriodWeek[slotOfWeek(t)] === 1 && avgImportW > md.importConfigurableW) {
    md.importConfigurableW = avgImportW;
    md.importConfigurableAtMs = end;
  }
  if (exportWh * 2 > md.exportW) {
    md.exportW = exportWh * 2;
    md.exportAtMs = end;
  }
}

/** Load limiting. */
function loadLimiting(c: SlotContext, d: ReturnType<typeof demandAt>, connected: number): void {
  const { model, seg, t, o, s, end } = c;
  const peak = d.peakW * connected;
  if (seg.loadLimitW > 0 && peak > seg.loadLimitW) {
    if (model.loadLimit.overSinceMs === null) {
      model.loadLimit.overSinceMs = t;
      model.loadLimit.events++;
      if (o.record) logEvent(model, t, EsmeEvent.LOAD_LIMIT_THRESHOLD);
      if (seg.loadLimitDisables && s.controlState === 1) {
        model.supply = {
          controlState: 2,
          cause: 'load-limit',
          consumerRestoreAtMs: end + seg.loadLimitRestoreMs,
        };
        if (o.record) logEvent(model, t, EsmeEvent.SUPPLY_ARMED_LOAD_LIMIT);
      }
    }
  } else {
    model.loadLimit.overSinceMs = null;
  }
}

/** Voltage: sag / swell counts and the average RMS voltage profile. */
function voltage(c: SlotContext, d: ReturnType<typeof demandAt>, onFraction: number): void {
  const { model, seg, t, o, slot, noise, end } = c;
  const phases = model.variant.phases;
  for (let ph = 0; ph < phases; ph++) {
    const v = d.voltage[ph]! + (noise(slot, 24 + ph) < 0.002 ? (noise(slot, 27) < 0.5 ? -40 : 25) : 0);
    if (seg.sagV > 0 && v < seg.sagV) {
      model.voltageEvents.sags[ph]!++;
      if (o.record) log(model, 'power', [t, EsmeEvent.SAG + (phases === 3 ? ph + 1 : 0), Math.round(v)]);
    } else if (seg.swellV > 0 && v > seg.swellV) {
      model.voltageEvents.swells[ph]!++;
      if (o.record) log(model, 'power', [t, EsmeEvent.SWELL + (phases === 3 ? ph + 1 : 0), Math.round(v)]);
    }
  }
  if (o.record && end % seg.voltagePeriodMs < HALF_HOUR_MS) {
    const on = onFraction > 0.5 ? 1 : 0;
    pushCapped(
      model.buffers.voltage,
      [end - (end % seg.voltagePeriodMs), ...d.voltage.map((v) => Math.round(v * on))],
      CAPACITY.voltage,
    );
  }
}

/** Half-hour profile (captured at the end of the interval). */
function halfHourProfile(
  c: SlotContext,
  e: { importWh: number; importVarh: number; exportWh: number; exportVarh: number },
): void {
  const { model, o, end } = c;
  if (o.record) {
    pushCapped(
      model.buffers.halfHour,
      [
        end,
        Math.round(e.importWh),
        Math.round(e.importVarh),
        Math.round(e.exportWh),
        Math.round(e.exportVarh),
      ],
      CAPACITY.halfHour,
    );
  }
}

/** Prepayment: the half hour's cost, credit alerts, disablement below the threshold. */
function prepaymentCharge(c: SlotContext, cost: number): void {
  const { model, seg, o, p, s, end } = c;
  if (seg.prepayment) {
    const before = combinedCredit(model);
    deduct(model, cost);
    const after = combinedCredit(model);
    if (o.record && before >= seg.lowCredit && after < seg.lowCredit)
      logEvent(model, end, EsmeEvent.LOW_CREDIT);
    if (o.record && before >= seg.ecThreshold && p.meterBalance < seg.ecThreshold && !p.emergencyCreditActive)
      logEvent(model, end, EsmeEvent.EMERGENCY_CREDIT_AVAILABLE);
    if (p.emergencyCreditActive && p.emergencyCredit <= 0 && o.record)
      logEvent(model, end, EsmeEvent.EMERGENCY_CREDIT_EXHAUSTED);
    const protectedPeriod = seg.nonDisablementWeek[slotOfWeek(end)] === 32;
    if (s.controlState === 1 && after < seg.disablementThreshold && !protectedPeriod) {
      model.supply = { controlState: 0, cause: 'credit', consumerRestoreAtMs: null };
      if (o.record) logEvent(model, end, EsmeEvent.CREDIT_BELOW_DISABLEMENT);
    }
  }
}

/** What happened while advancing: new entries, for harnesses that raise alerts. */
export interface AdvanceSummary {
  /** Half hours accrued (at most MAX_CATCH_UP_MS / 30 min). */
  slots: number;
  /** Milliseconds skipped without accrual (a jump longer than MAX_CATCH_UP_MS), else 0. */
  skippedMs: number;
  events: number[][];
  power: number[][];
}

/**
 * Accrues every whole half hour from `model.lastAdvancedMs` up to `toMs` (device-clock ms; the
 * ESME clock offset is added), at most the last MAX_CATCH_UP_MS of it: the stretch before is
 * skipped (activations due in it take effect, nothing accrues). Activations due in between take
 * effect at their time. `rng` replaces the generator's hash noise (a fleet run's seeded generator,
 * for instance). A target that is no finite number changes nothing.
 */
export function advanceEsme(model: EsmeModel, toMs: number, rng?: Rng): AdvanceSummary {
  const target = toMs + model.clock.offsetMs;
  if (!Number.isFinite(target)) return { slots: 0, skippedMs: 0, events: [], power: [] };
  const events0 = model.logs.event.length;
  const power0 = model.logs.power.length;
  const draws = new Map<string, number>();
  const rnd = rng
    ? (slot: number, k: number) => {
        const key = `${slot}/${k}`;
        let v = draws.get(key);
        if (v === undefined) {
          v = rng();
          draws.set(key, v);
        }
        return v;
      }
    : (slot: number, k: number) => hashNoise(model.seed, slot, k);
  let seg = compileSegment(model);
  const options: AccrueOptions = { record: true, rnd };
  let slots = 0;
  let t = Math.floor(model.lastAdvancedMs / HALF_HOUR_MS) * HALF_HOUR_MS;
  if (runDueActivations(model, model.lastAdvancedMs)) seg = compileSegment(model);
  const skipTo = Math.floor((target - MAX_CATCH_UP_MS) / HALF_HOUR_MS) * HALF_HOUR_MS;
  let skippedMs = 0;
  if (skipTo > t) {
    if (runDueActivations(model, skipTo)) seg = compileSegment(model);
    skippedMs = skipTo - t;
    t = skipTo;
    model.lastAdvancedMs = t;
  }
  while (t + HALF_HOUR_MS <= target) {
    if (runDueActivations(model, t)) seg = compileSegment(model);
    accrueSlot(model, seg, t, options);
    draws.clear();
    t += HALF_HOUR_MS;
    model.lastAdvancedMs = t;
    slots++;
  }
  if (runDueActivations(model, target)) seg = compileSegment(model);
  return {
    slots,
    skippedMs,
    events: model.logs.event.slice(Math.min(events0, model.logs.event.length)),
    power: model.logs.power.slice(Math.min(power0, model.logs.power.length)),
  };
}

// ---------------------------------------------------------------------------------------------
// Provisioning with a synthetic history

/** Buffers and logs the synthetic history would have recorded (esme-history.ts reads them). */
export interface SyntheticHistory {
  buffers: EsmeModel['buffers'];
  logs: EsmeModel['logs'];
}

const HISTORY_CACHE = new Map<string, SyntheticHistory>();

const historyKey = (m: EsmeModel) =>
  `${m.seed}/${m.variant.elements}/${m.variant.phases}/${m.installedAtMs}/${m.createdAtMs}`;

function replay(model: EsmeModel, record: boolean): EsmeModel {
  const scratch = blankEsmeModel('', model.createdAtMs, model.variant);
  scratch.seed = model.seed;
  scratch.installedAtMs = model.installedAtMs;
  scratch.createdAtMs = model.createdAtMs;
  const seg = compileSegment(scratch);
  const seed = model.seed;
  const options: AccrueOptions = { record, rnd: (slot, k) => hashNoise(seed, slot, k) };
  for (let t = model.installedAtMs; t + HALF_HOUR_MS <= model.createdAtMs; t += HALF_HOUR_MS) {
    accrueSlot(scratch, seg, t, options);
  }
  return scratch;
}

/**
 * The buffers and logs of the synthetic service history (`installedAtMs` → `createdAtMs`), by
 * replaying the generator under the factory configuration. Cached: it is a pure function of the
 * seed, the variant and the two instants.
 */
export function syntheticHistory(model: EsmeModel): SyntheticHistory {
  const key = historyKey(model);
  let h = HISTORY_CACHE.get(key);
  if (!h) {
    const scratch = replay(model, true);
    h = { buffers: scratch.buffers, logs: scratch.logs };
    HISTORY_CACHE.set(key, h);
    if (HISTORY_CACHE.size > 8) HISTORY_CACHE.delete(HISTORY_CACHE.keys().next().value!);
  }
  return h;
}

/**
 * A provisioned ESME (`device.state.model.esme`) for `eui` at device-clock time `nowMs`: factory
 * configuration, registers, maximum demand, counters and switch states carried over from its
 * synthetic service history, commissioned (event log) at `nowMs`.
 */
const END_STATE_CACHE = new Map<string, EsmeModel>();

export function createEsmeModel(eui: string, nowMs: number, variant: EsmeVariant): EsmeModel {
  const model = blankEsmeModel(eui, nowMs, variant);
  const key = historyKey(model);
  let cached = END_STATE_CACHE.get(key);
  if (!cached) {
    cached = replay(model, false);
    END_STATE_CACHE.set(key, cached);
    if (END_STATE_CACHE.size > 8) END_STATE_CACHE.delete(END_STATE_CACHE.keys().next().value!);
  }
  const past = structuredClone(cached);
  model.registers = past.registers;
  model.maxDemand = past.maxDemand;
  model.loadLimit = past.loadLimit;
  model.voltageEvents = past.voltageEvents;
  model.alcs = past.alcs;
  model.disturbances = past.disturbances;
  model.supply = past.supply;
  model.prepayment = { ...past.prepayment, chargedThroughMs: model.prepayment.chargedThroughMs };
  model.lastAdvancedMs = Math.floor(model.createdAtMs / HALF_HOUR_MS) * HALF_HOUR_MS;
  logEvent(model, model.createdAtMs, EsmeEvent.COMMISSIONED);
  // A commissioned meter starts with a credit on account (prepayment mode, if switched to, has it).
  model.prepayment.meterBalance = 1_000_000;
  return model;
}
