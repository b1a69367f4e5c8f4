import { MS_PER_DAY } from '../../../protocol/calendar.ts';
/**
 * Consumption for simulated runs: a seeded random source and the statistics that describe a
 * half-hourly profile.
 *
 * The household demand itself — base load, morning and evening peaks, a winter uplift, kettle-like
 * spikes, rooftop PV on some meters, storage heating on twin-element meters — is the ESME model's
 * generator (sim/models/esme/consumption.ts `demandAt`), so the energy a meter records and the
 * energy its profiles report are one and the same. A run makes it reproducible from a seed by
 * handing it a seeded stream (`seededRng`) in place of its per-EUI hash noise: the same seed gives
 * the same 30 days, byte for byte; another seed another household month.
 */

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** FNV-1a 32-bit hash of a string. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A deterministic stream of uniform numbers in [0, 1) for (seed, stream name): sfc32 seeded from
 * FNV-1a hashes, warmed up 12 rounds. Streams of different names are independent, so a device's
 * consumption does not shift when another consumer of randomness (top-up behaviour) draws more.
 */
export function seededRng(seed: string, stream: string): Rng {
  let a = fnv1a(`${seed}|${stream}|a`);
  let b = fnv1a(`${seed}|${stream}|b`);
  let c = fnv1a(`${seed}|${stream}|c`);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A half-hourly import profile row: [end of the half hour (ms), import Wh]. */
export type ProfilePoint = readonly [number, number];

/** The shape of a half-hourly import profile, over whole UTC days. */
export interface ProfileStatistics {
  days: number;
  /** Total import, kWh. */
  importKWh: number;
  /** Mean import per day, kWh. */
  meanDailyKWh: number;
  /** Mean import per half hour of the day (48 values, Wh), index 0 = 00:00–00:30 UTC. */
  meanByHalfHourWh: number[];
  /** Half hour of the day with the highest mean import (0–47). */
  peakHalfHour: number;
  /** Mean import of 17:00–21:00 over that of 01:00–05:00 (the evening peak over the night). */
  eveningToNightRatio: number;
}

/**
 * Statistics of a profile (`[end ms, Wh]` rows). Rows are grouped by the half hour they cover
 * (end − 30 minutes).
 */
export function profileStatistics(rows: readonly ProfilePoint[]): ProfileStatistics {
  const HALF_HOUR = 1_800_000;
  const sums = new Array<number>(48).fill(0);
  const counts = new Array<number>(48).fill(0);
  const days = new Set<number>();
  let total = 0;
  for (const [end, wh] of rows) {
    const start = end - HALF_HOUR;
    const slot = Math.floor((start % MS_PER_DAY) / HALF_HOUR);
    sums[slot]! += wh;
    counts[slot]!++;
    days.add(Math.floor(start / MS_PER_DAY));
    total += wh;
  }
  const mean = sums.map((s, i) => (counts[i]! > 0 ? s / counts[i]! : 0));
  const avg = (from: number, to: number) => {
    const xs = mean.slice(from, to);
    return xs.reduce((x, y) => x + y, 0) / Math.max(1, xs.length);
  };
  const night = avg(2, 10);
  let peak = 0;
  for (let i = 1; i < 48; i++) if (mean[i]! > mean[peak]!) peak = i;
  return {
    days: days.size,
    importKWh: total / 1000,
    meanDailyKWh: total / 1000 / Math.max(1, days.size),
    meanByHalfHourWh: mean,
    peakHalfHour: peak,
    eveningToNightRatio: night > 0 ? avg(34, 42) / night : Number.POSITIVE_INFINITY,
  };
}
