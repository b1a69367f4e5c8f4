/**
 * The ESME's state (DESIGN §3: plain, serialisable data), kept at `device.state.model.esme`:
 * energy registers, prepayment balances, supply state, logs and profile buffers, the clock offset,
 * and every COSEM attribute a Remote Party has written (tariffs, calendars, thresholds, labels…) as
 * A-XDR hex. Units: energy in Wh / varh, money in 10^-5 of the currency unit (the GBCS currency
 * scaler −5), times in milliseconds since the Unix epoch (ESME time = device clock + clock offset).
 *
 * History: a meter is provisioned as one that has been in service for a while. Between
 * `installedAtMs` and `createdAtMs` its half-hourly consumption comes from the deterministic
 * generator (esme-consumption.ts), computed on demand, so range reads of profiles and daily logs
 * find data without the state holding a year of buffers; from `createdAtMs` on, `advanceEsme`
 * accrues consumption and stores buffer entries.
 */

import { MS_PER_DAY } from '../../../protocol/calendar.ts';
import type { DeviceState } from '../../device/state.ts';

/** ESME variants: single or twin element (a secondary measuring element), single or polyphase. */
export interface EsmeVariant {
  elements: 1 | 2;
  phases: 1 | 3;
}

/** Cumulative registers (Wh, varh) and the tariff matrices. */
export interface EsmeRegisters {
  importWh: number;
  exportWh: number;
  importVarh: number;
  exportVarh: number;
  /** Tariff TOU registers 1–48 (import, Wh). */
  touWh: number[];
  /** Tariff TOU Block register matrix: index (tou−1)·4 + (block−1), 8 TOU × 4 blocks (Wh). */
  blockTouWh: number[];
  /** Tariff Block Counter Matrix: same layout, since the last reset (ECS05, ECS48). */
  blockCounterWh: number[];
  /** Secondary element (twin ESME): total import and its 4 TOU registers. */
  secondaryImportWh: number;
  secondaryTouWh: number[];
}

/** Prepayment and debt registers (10^-5 currency units). */
export interface EsmePrepayment {
  meterBalance: number;
  emergencyCredit: number;
  /** Emergency credit invoked (in use). */
  emergencyCreditActive: boolean;
  accumulatedDebt: number;
  /** Time-based debt registers 1 and 2, and the payment-based debt register. */
  timeDebt1: number;
  timeDebt2: number;
  paymentDebt: number;
  /** Start of the day whose standing charge and time-based debt recovery have been taken. */
  chargedThroughMs: number;
}

/**
 * Supply (load switch, class 70 control_state): 0 disconnected, 1 connected, 2 ready for
 * reconnection (armed). `cause` says why it is not connected (GBCS disablement reasons).
 */
export interface EsmeSupply {
  controlState: 0 | 1 | 2;
  cause: 'none' | 'remote' | 'credit' | 'load-limit' | 'tamper';
  /** When armed after a credit disablement: the consumer restores it at this time (virtual button press). */
  consumerRestoreAtMs: number | null;
}

/** Maximum demand registers (W) and their capture times. */
export interface EsmeMaxDemand {
  importW: number;
  importAtMs: number;
  /** Over the configurable time period (ECS37 schedule). */
  importConfigurableW: number;
  importConfigurableAtMs: number;
  exportW: number;
  exportAtMs: number;
  /** Last resets (ECS57), reported by ECS18a/b. */
  importResetAtMs: number;
  importConfigurableResetAtMs: number;
  exportResetAtMs: number;
}

/** Stored profile rows after `createdAtMs` (numbers only; see esme-history.ts for the columns). */
export interface EsmeBuffers {
  /** [t, import Wh, import varh, export Wh, export varh] per half hour. */
  halfHour: number[][];
  /** [t, …snapshot] per day at 00:00 (daily read log, prepayment daily read log, export). */
  daily: number[][];
  /** [t, …snapshot] on the billing calendar (billing data log). */
  billing: number[][];
  /** [t, …snapshot] on change of payment mode or tariff. */
  modeChange: number[][];
  /** [t, amount] prepayment credits (top-ups). */
  credits: number[][];
  /** [t, amount] payment-based debt recovery. */
  debtPayments: number[][];
  /** [t, V phase 1, V phase 2, V phase 3] per voltage capture period. */
  voltage: number[][];
}

/** Stored log entries after `createdAtMs`: [t, code, …extra]. */
export interface EsmeLogs {
  event: number[][];
  security: number[][];
  power: number[][];
  /** [t, code, cause, duration s]. */
  alcs: number[][];
  /** [start, end] boost periods. */
  boost: number[][];
}

export interface EsmeModel {
  version: 1;
  variant: EsmeVariant;
  /** Seed of the consumption generator (from the EUI). */
  seed: number;
  installedAtMs: number;
  createdAtMs: number;
  /** ESME time up to which consumption has been accrued. */
  lastAdvancedMs: number;
  clock: { offsetMs: number; status: number; base: number; presetMs: number | null };
  registers: EsmeRegisters;
  prepayment: EsmePrepayment;
  supply: EsmeSupply;
  maxDemand: EsmeMaxDemand;
  /** Load limiting: when demand went over the threshold (null = under), events counted. */
  loadLimit: { overSinceMs: number | null; events: number };
  /** RMS voltage sag / swell counts per phase. */
  voltageEvents: { sags: number[]; swells: number[] };
  /**
   * Auxiliary load control switches 1–5: output on/off, a remote override until a time (ECS47,
   * boost), and the levels (%) of the auxiliary proportional controllers' outputs and inputs (APC).
   */
  alcs: {
    outputs: boolean[];
    overrideUntilMs: Array<number | null>;
    outputLevels: number[];
    inputLevels: number[];
    lastScript: number;
  };
  /** An ongoing supply outage (power failure) ends at this time; a boost period ends at this time. */
  disturbances: { outageUntilMs: number | null; outageStartMs: number | null; boostUntilMs: number | null };
  buffers: EsmeBuffers;
  logs: EsmeLogs;
  /** Logs cleared by command (ECS15a/c): entries before this time are gone. */
  cleared: Partial<Record<keyof EsmeLogs, number>>;
  /** COSEM attributes written by Remote Parties: `class/obis/attr` → A-XDR hex. */
  attributes: Record<string, string>;
}

/** This model's part of the device state (sim/device/state.ts `ModelState`): `esme`, the ESME model (`ESME_STATE_KEY`). */
declare module '../../device/state.ts' {
  interface ModelState {
    esme?: EsmeModel;
  }
}

/** Where the model lives in the device state. */
export const ESME_STATE_KEY = 'esme';

/** A deterministic 32-bit seed from an EUI-64 (FNV-1a). */
export function seedFromEui(eui: string): number {
  let h = 0x811c9dc5;
  for (const c of eui) {
    h ^= c.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Days of synthetic service history before provisioning (the daily read log holds 731). */
export const HISTORY_DAYS = 400;

/**
 * A freshly provisioned ESME model whose history ends at `nowMs`. Registers are zero here;
 * `createEsmeModel` in esme-consumption.ts fills them from the synthetic history.
 */
export function blankEsmeModel(eui: string, nowMs: number, variant: EsmeVariant): EsmeModel {
  const createdAtMs = Math.floor(nowMs / 1000) * 1000;
  const installedAtMs = Math.floor((createdAtMs - HISTORY_DAYS * MS_PER_DAY) / 1_800_000) * 1_800_000;
  return {
    version: 1,
    variant,
    seed: seedFromEui(eui),
    installedAtMs,
    createdAtMs,
    lastAdvancedMs: createdAtMs,
    clock: { offsetMs: 0, status: 0, base: 1, presetMs: null },
    registers: {
      importWh: 0,
      exportWh: 0,
      importVarh: 0,
      exportVarh: 0,
      touWh: new Array(48).fill(0),
      blockTouWh: new Array(32).fill(0),
      blockCounterWh: new Array(32).fill(0),
      secondaryImportWh: 0,
      secondaryTouWh: new Array(4).fill(0),
    },
    prepayment: {
      meterBalance: 0,
      emergencyCredit: 0,
      emergencyCreditActive: false,
      accumulatedDebt: 0,
      timeDebt1: 0,
      timeDebt2: 0,
      paymentDebt: 0,
      chargedThroughMs: Math.floor(createdAtMs / MS_PER_DAY) * MS_PER_DAY,
    },
    supply: { controlState: 1, cause: 'none', consumerRestoreAtMs: null },
    maxDemand: {
      importW: 0,
      importAtMs: installedAtMs,
      importConfigurableW: 0,
      importConfigurableAtMs: installedAtMs,
      exportW: 0,
      exportAtMs: installedAtMs,
      importResetAtMs: installedAtMs,
      importConfigurableResetAtMs: installedAtMs,
      exportResetAtMs: installedAtMs,
    },
    loadLimit: { overSinceMs: null, events: 0 },
    voltageEvents: { sags: [0, 0, 0], swells: [0, 0, 0] },
    alcs: {
      outputs: [false, false, false, false, false],
      overrideUntilMs: [null, null, null, null, null],
      outputLevels: [0, 0, 0, 0, 0],
      inputLevels: [0, 0, 0, 0, 0],
      lastScript: 0,
    },
    disturbances: { outageUntilMs: null, outageStartMs: null, boostUntilMs: null },
    buffers: {
      halfHour: [],
      daily: [],
      billing: [],
      modeChange: [],
      credits: [],
      debtPayments: [],
      voltage: [],
    },
    logs: { event: [], security: [], power: [], alcs: [], boost: [] },
    cleared: {},
    attributes: {},
  };
}

/** The ESME model in a device state, if provisioned. */
export function esmeModelIn(state: DeviceState): EsmeModel | undefined {
  const m = state.model[ESME_STATE_KEY];
  return m && typeof m === 'object' && m.version === 1 ? m : undefined;
}

/**
 * Appends to a stored buffer or log of capacity `max` (oldest entries dropped, as on a device).
 * Trimming is amortised: the list may briefly hold up to an eighth more, which `lastEntries` hides.
 */
export function pushCapped(list: number[][], row: number[], max: number): void {
  list.push(row);
  if (list.length > max + Math.max(8, max >> 3)) list.splice(0, list.length - max);
}

/** The newest `max` entries of a list kept by `pushCapped`. */
export function lastEntries<T>(list: T[], max: number): T[] {
  return list.length > max ? list.slice(list.length - max) : list;
}

/** Buffer capacities (GBCS: daily read log 731 days, half-hour profile 13 months, logs 100…). */
export const CAPACITY = {
  halfHour: 13 * 31 * 48,
  daily: 731,
  billing: 12,
  modeChange: 5,
  credits: 5,
  debtPayments: 5,
  voltage: 13 * 31 * 48,
  event: 100,
  security: 100,
  power: 100,
  alcs: 100,
  boost: 100,
} as const;
