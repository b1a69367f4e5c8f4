/**
 * Reading a device's state from outside (`gbcs-sim test` expectations, the web console): named
 * readings per device type, and plain paths into the device state (DESIGN §3: plain data).
 *
 * Named readings (null while the device model has not been made yet — models are made on the
 * device's first command):
 *
 * | device | reading | value |
 * |---|---|---|
 * | ESME | `supply` | `connected` \| `disconnected` \| `armed` (load switch, IC 70 control_state 1/0/2) |
 * | ESME | `supplyCause` | why not connected: `none` \| `remote` \| `credit` \| `load-limit` \| `tamper` |
 * | ESME | `credit` | meter balance, pence (the model holds 10^-5 currency units) |
 * | ESME | `importWh` | total active import register, Wh |
 * | GSME | `valve` | `open` \| `closed` \| `armed` (ZSE Supply Status 2/0/1) |
 * | GSME | `credit` | credit remaining, pence (ZSE prepayment, 10^-5 units as in the model) |
 * | CHF | `deviceLog` | EUIs in the CHF Device Log (whitelist), in order |
 * | any | `alertCounter` | the device's own alert Originator Counter (decimal string) |
 *
 * A path is dot-separated keys into the whole device state, e.g. `antiReplay.2` (the anti-replay
 * floor of Remote Party Role 2, the Supplier) or `model.esme.supply.controlState`; array items by
 * index (`model.chf.deviceLog.0.deviceId`). A path that leads nowhere reads `undefined`.
 */
import type { DeviceState } from '../device/device.ts';
import type { ChfModel } from './chf/state.ts';
import type { EsmeModel } from './esme/state.ts';
import type { GsmeModel } from './gsme/state.ts';

type Reading = (state: DeviceState) => unknown;

const esme = (s: DeviceState) => s.model.esme as EsmeModel | undefined;
const gsme = (s: DeviceState) => s.model.gsme as GsmeModel | undefined;
const chf = (s: DeviceState) => s.model.chf as ChfModel | undefined;
/** 10^-5 currency units → pence. */
const pence = (v: number) => Math.floor(v / 1000);

const SUPPLY = ['disconnected', 'connected', 'armed'] as const;
const VALVE = ['closed', 'armed', 'open'] as const;

/** Named readings by device type (see the table above). */
export const READINGS: Readonly<Record<string, Readonly<Record<string, Reading>>>> = {
  ESME: {
    supply: (s) => {
      const m = esme(s);
      return m ? SUPPLY[m.supply.controlState] : null;
    },
    supplyCause: (s) => esme(s)?.supply.cause ?? null,
    credit: (s) => {
      const m = esme(s);
      return m ? pence(m.prepayment.meterBalance) : null;
    },
    importWh: (s) => esme(s)?.registers.importWh ?? null,
  },
  GSME: {
    valve: (s) => {
      const m = gsme(s);
      return m ? (VALVE[m.metering.supplyStatus] ?? `status ${m.metering.supplyStatus}`) : null;
    },
    credit: (s) => {
      const m = gsme(s);
      return m ? pence(m.prepayment.creditRemaining) : null;
    },
  },
  CHF: {
    deviceLog: (s) => chf(s)?.deviceLog.map((e) => e.deviceId) ?? null,
  },
};

const COMMON: Readonly<Record<string, Reading>> = {
  alertCounter: (s) => s.alertCounter,
};

/** Names a device of `deviceType` can be read by. */
export function readingNames(deviceType: string): string[] {
  return [...Object.keys(READINGS[deviceType] ?? {}), ...Object.keys(COMMON)];
}

/** Whether `name` is a named reading of `deviceType` (else it is read as a path). */
export function isReading(deviceType: string, name: string): boolean {
  return name in (READINGS[deviceType] ?? {}) || name in COMMON;
}

/** Follows a dot path into plain data; undefined where it leads nowhere. */
export function readPath(value: unknown, path: string): unknown {
  let v: unknown = value;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    if (!Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** A named reading of the device, or else the path into its state. */
export function readDevice(state: DeviceState, name: string): unknown {
  const r = READINGS[state.deviceType]?.[name] ?? COMMON[name];
  return r ? r(state) : readPath(state, name);
}
