/**
 * Reading the ESME's calendars: which tariff rate (script selector of 0-0:10.0.100) the Tariff
 * Switching Table names at an instant (IC 20 season → week → day profile, IC 11 special days), the
 * unit price of that rate (IC 113 charge tables), and the state IC 10 schedules and IC 22 single
 * action schedules put a switch in. All times are UTC (GBCS date-times carry no deviation).
 *
 * Selectors (script 0-0:10.0.100 "Tariff Block Counter Matrix TOU"): 1–48 TOU rate n; 101–108
 * block tariff TOU rate n−100 (block from the Tariff Threshold Matrix); 201–204 secondary element
 * TOU rate n−200; 99 resets the Tariff Block Counter Matrix (ECS05).
 */
import { toHex } from '../../../protocol/bytes.ts';
import type { DlmsData } from '../../../protocol/dlms/axdr.ts';
import { attrKey, readStored } from './config.ts';
import { DAY_MS, dateMatches, readDateTime, timeOfDayMs } from './dlms.ts';
import type { EsmeModel } from './state.ts';

interface DayAction {
  todMs: number;
  selector: number;
}

export interface CompiledCalendar {
  seasons: Array<{ start: Uint8Array; week: string }>;
  weeks: Map<string, number[]>;
  days: Map<number, DayAction[]>;
  specialDays: Array<{ date: Uint8Array; day: number }>;
  /** The day profile of the last UTC day asked about (days repeat 48 half hours in a row). */
  cache: { day: number; actions: DayAction[] | undefined } | null;
}

const items = (d: DlmsData): DlmsData[] => (d.type === 'array' || d.type === 'structure' ? d.value : []);
const bytesOf = (d: DlmsData | undefined): Uint8Array =>
  d && (d.type === 'octet-string' || d.type === 'visible-string') ? d.value : new Uint8Array(0);
const num = (d: DlmsData | undefined): number =>
  d && 'value' in d && typeof d.value === 'number' ? d.value : 0;

/** Compiles the active tables of an activity calendar (0-0:13.0.0 or 0-0:13.0.1) and its special days. */
export function compileCalendar(model: EsmeModel, secondary: boolean): CompiledCalendar {
  const obis = secondary ? '0-0:13.0.1' : '0-0:13.0.0';
  const seasons = items(readStored(model, attrKey(20, obis, 3))).map((s) => {
    const [, start, week] = items(s);
    return { start: bytesOf(start), week: toHex(bytesOf(week)) };
  });
  const weeks = new Map<string, number[]>();
  for (const w of items(readStored(model, attrKey(20, obis, 4)))) {
    const [name, ...days] = items(w);
    weeks.set(toHex(bytesOf(name)), days.map(num));
  }
  const days = new Map<number, DayAction[]>();
  for (const d of items(readStored(model, attrKey(20, obis, 5)))) {
    const [id, actions] = items(d);
    const list = items(actions ?? { type: 'null-data' })
      .map((a) => {
        const [start, , selector] = items(a);
        return { todMs: timeOfDayMs(bytesOf(start)) ?? 0, selector: num(selector) };
      })
      .sort((a, b) => a.todMs - b.todMs);
    days.set(num(id), list);
  }
  const specialDays = items(readStored(model, attrKey(11, secondary ? '0-0:11.0.1' : '0-0:11.0.0', 2))).map(
    (e) => {
      const [, date, day] = items(e);
      return { date: bytesOf(date), day: num(day) };
    },
  );
  return { seasons, weeks, days, specialDays, cache: null };
}

/** Start of the season `start` (12-byte date-time, year FFFF = every year) most recently ≤ t, or null. */
function seasonStartBefore(start: Uint8Array, t: number): number | null {
  if (start.length !== 12) return null;
  const year = (start[0]! << 8) | start[1]!;
  if (year !== 0xffff) {
    const v = readDateTime(start);
    return typeof v === 'number' && v <= t ? v : null;
  }
  const y = new Date(t).getUTCFullYear();
  for (const yy of [y, y - 1]) {
    const b = Uint8Array.from(start);
    b[0] = yy >> 8;
    b[1] = yy & 0xff;
    const v = readDateTime(b);
    if (typeof v === 'number' && v <= t) return v;
  }
  return null;
}

/** The script selector in force at `t` (0 when the calendar names none). */
export function selectorAt(cal: CompiledCalendar, t: number): number {
  const dayStart = Math.floor(t / DAY_MS) * DAY_MS;
  let actions: DayAction[] | undefined;
  if (cal.cache?.day === dayStart) actions = cal.cache.actions;
  else {
    const special = cal.specialDays.find((s) => dateMatches(s.date, dayStart));
    let dayId: number | undefined = special?.day;
    if (dayId === undefined) {
      let best: { at: number; week: string } | null = null;
      for (const s of cal.seasons) {
        const at = seasonStartBefore(s.start, dayStart + DAY_MS - 1);
        if (at !== null && (best === null || at > best.at)) best = { at, week: s.week };
      }
      const week = cal.weeks.get(best?.week ?? cal.seasons[cal.seasons.length - 1]?.week ?? '');
      const weekday = (new Date(dayStart).getUTCDay() + 6) % 7;
      dayId = week?.[weekday];
    }
    actions = dayId === undefined ? undefined : cal.days.get(dayId);
    cal.cache = { day: dayStart, actions };
  }
  if (!actions || actions.length === 0) return 0;
  const tod = t - dayStart;
  let sel = actions[actions.length - 1]!.selector;
  for (const a of actions) if (a.todMs <= tod) sel = a.selector;
  return sel;
}

/** Unit prices of a charge table (IC 113 unit_charge): index byte → price, and the scalers. */
export interface PriceTable {
  commodityScale: number;
  priceScale: number;
  prices: Map<string, number>;
  /** 10^commodityScale and 10^(priceScale + 5), computed once (`costOf` runs every half hour). */
  commodityUnit: number;
  priceUnit: number;
}

export function compilePrices(model: EsmeModel, obis: string): PriceTable {
  const v = readStored(model, attrKey(113, obis, 5));
  const [scales, , table] = items(v);
  const [commodity, price] = items(scales ?? { type: 'null-data' });
  const prices = new Map<string, number>();
  for (const e of items(table ?? { type: 'null-data' })) {
    const [index, p] = items(e);
    prices.set(toHex(bytesOf(index)), num(p));
  }
  const commodityScale = num(commodity);
  const priceScale = num(price);
  return {
    commodityScale,
    priceScale,
    prices,
    commodityUnit: 10 ** commodityScale,
    priceUnit: 10 ** (priceScale + 5),
  };
}

/**
 * Cost in 10^-5 currency units of `wh` at price `index`: the price applies per unit of
 * 10^commodityScale Wh and is scaled by 10^priceScale currency units.
 */
export function costOf(table: PriceTable, index: string, wh: number): number {
  const p = table.prices.get(index) ?? 0;
  return (wh / table.commodityUnit) * p * table.priceUnit;
}

/** The flat charge of a one-entry charge table (standing charge, debt recovery rate), 10^-5 units. */
export function flatCharge(model: EsmeModel, obis: string): number {
  const t = compilePrices(model, obis);
  const first = [...t.prices.values()][0] ?? 0;
  return first * 10 ** (t.priceScale + 5);
}

/** Price-matrix index of a rate: TOU n → n; block tariff TOU n block k → 0xa0 + 0x10·(k−1) + n. */
export function priceIndex(selector: number, block: number): string {
  const i = selector >= 101 && selector <= 108 ? 0xa0 + 0x10 * (block - 1) + (selector - 100) : selector;
  if (Number.isInteger(i) && i >= 0 && i < 256) {
    // The accrual asks for one every half hour: the 256 one-byte indices are formatted once.
    let hex = PRICE_INDEX_HEX[i];
    if (hex === undefined) {
      hex = i.toString(16).padStart(2, '0');
      PRICE_INDEX_HEX[i] = hex;
    }
    return hex;
  }
  return i.toString(16).padStart(2, '0');
}
const PRICE_INDEX_HEX: Array<string | undefined> = [];

// ---------------------------------------------------------------------------------------------
// Schedules (IC 10) and single action schedules (IC 22)

export interface ScheduleEntry {
  enabled: boolean;
  selector: number;
  todMs: number;
  /** Execution weekdays, Monday first. */
  weekdays: boolean[];
}

export function compileSchedule(model: EsmeModel, obis: string): ScheduleEntry[] {
  return items(readStored(model, attrKey(10, obis, 2))).map((e) => {
    const f = items(e);
    const bits = f[6]?.type === 'bit-string' ? f[6] : null;
    const weekdays = Array.from({ length: 7 }, (_, i) =>
      bits && bits.bits > i ? ((bits.value[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0 : true,
    );
    return {
      enabled: f[1]?.type === 'boolean' ? f[1].value : true,
      selector: num(f[3]),
      todMs: timeOfDayMs(bytesOf(f[4])) ?? 0,
      weekdays,
    };
  });
}

/** The selector of the schedule entry most recently executed at or before `t` (within 8 days), or null. */
export function lastScheduled(
  entries: ScheduleEntry[],
  t: number,
  accept?: (s: number) => boolean,
): number | null {
  const day0 = Math.floor(t / DAY_MS) * DAY_MS;
  for (let d = 0; d <= 8; d++) {
    const day = day0 - d * DAY_MS;
    const weekday = (new Date(day).getUTCDay() + 6) % 7;
    let best: ScheduleEntry | null = null;
    for (const e of entries) {
      if (!e.enabled || !e.weekdays[weekday] || (accept && !accept(e.selector))) continue;
      if (day + e.todMs > t) continue;
      if (!best || e.todMs >= best.todMs) best = e;
    }
    if (best) return best.selector;
  }
  return null;
}

/**
 * The selector `lastScheduled` gives at the start of each half hour of the week (Monday 00:00
 * first; 336 entries), for schedules evaluated every half hour.
 */
export function weekTable(entries: ScheduleEntry[], accept?: (s: number) => boolean): Array<number | null> {
  const monday = Date.UTC(2001, 0, 1); // a Monday
  // `lastScheduled` at each half hour, with the entries that can run on each weekday (enabled,
  // scheduled that day, accepted) filtered once instead of 336 × 9 times.
  const byWeekday: ScheduleEntry[][] = [];
  for (let w = 0; w < 7; w++)
    byWeekday.push(entries.filter((e) => e.enabled && e.weekdays[w] && (!accept || accept(e.selector))));
  const out: Array<number | null> = new Array(336);
  for (let i = 0; i < 336; i++) {
    const t = monday + 7 * DAY_MS + i * 1_800_000;
    const day0 = Math.floor(t / DAY_MS) * DAY_MS;
    let sel: number | null = null;
    for (let d = 0; d <= 8; d++) {
      const day = day0 - d * DAY_MS;
      let best: ScheduleEntry | null = null;
      for (const e of byWeekday[(new Date(day).getUTCDay() + 6) % 7]!) {
        if (day + e.todMs > t) continue;
        if (!best || e.todMs >= best.todMs) best = e;
      }
      if (best) {
        sel = best.selector;
        break;
      }
    }
    out[i] = sel;
  }
  return out;
}

/** Index of the half hour of the week (Monday 00:00 = 0) of `t`. */
export function slotOfWeek(t: number): number {
  const days = Math.floor(t / DAY_MS);
  const weekday = (days + 3) % 7; // 1970-01-01 was a Thursday (weekday 3, Monday = 0)
  return weekday * 48 + Math.floor((t - days * DAY_MS) / 1_800_000);
}

/** Execution times of a single action schedule (IC 22 execution_time): [4-byte time, 5-byte date]. */
export function compileExecutionTimes(
  model: EsmeModel,
  obis: string,
): Array<{ todMs: number; date: Uint8Array }> {
  return items(readStored(model, attrKey(22, obis, 4))).map((e) => {
    const [time, date] = items(e);
    return { todMs: timeOfDayMs(bytesOf(time)) ?? 0, date: bytesOf(date) };
  });
}

/** Whether a single action schedule fires within [t, t + periodMs). */
export function firesWithin(
  times: Array<{ todMs: number; date: Uint8Array }>,
  t: number,
  periodMs: number,
): boolean {
  const day = Math.floor(t / DAY_MS) * DAY_MS;
  for (const x of times) {
    const at = day + x.todMs;
    if (at >= t && at < t + periodMs && dateMatches(x.date, at)) return true;
  }
  return false;
}

/** Block (1–4) of block-tariff TOU rate `tou` given its consumption since the counters were reset. */
export function blockOf(model: EsmeModel, tou: number, consumedWh: number): number {
  const thresholds = items(readStored(model, attrKey(21, `0-0:16.0.${10 + tou}`, 2))).map(num);
  let block = 1;
  for (const th of thresholds) if (th !== 0xffffffff && consumedWh >= th) block++;
  return Math.min(block, 4);
}
