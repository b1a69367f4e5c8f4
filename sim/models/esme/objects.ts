/**
 * The ESME's COSEM object model: for each (class-id, OBIS code) the attributes a Remote Party may
 * read or write — each with its data type and a value from the device state — and the methods it
 * may invoke. The configurable attributes come from esme-config.ts; this file adds the measured and
 * computed ones (registers, clock, credit, supply state, profiles, collections) and the methods
 * (credit adjustments, resets, scripts for the load switch and auxiliary switches, the clock's
 * adjust-to-preset-time).
 *
 * Results follow the Green Book: an unknown object or attribute is object-undefined (4), a write
 * to a read-only attribute or a read of a write-only one read-write-denied (3), a value of the
 * wrong type type-unmatched (12), parameters a method cannot act on other-reason (250).
 */
import { fromHex } from '../../../protocol/bytes.ts';
import { ActionResult, DataAccessResult } from '../../../protocol/dlms/apdu.ts';
import type { DlmsData } from '../../../protocol/dlms/axdr.ts';
import {
  attrKey,
  isActivation,
  readStored,
  type StoredAttribute,
  storedAttributes,
  storedNumber,
  writeStored,
} from './config.ts';
import {
  activateNow,
  adjustMeterBalance,
  armSupply,
  combinedCredit,
  demandAt,
  disableSupply,
  EsmeEvent,
  enableSupply,
  hashNoise,
  invokeEmergencyCredit,
  logEvent,
} from './consumption.ts';
import {
  arr,
  bool,
  conforms,
  dateTimeBytes,
  dl,
  dlu,
  en,
  lu,
  obisHex,
  os,
  parseType,
  readDateTime,
  scalerUnit,
  st,
  type TypeSpec,
  u8,
  utf8,
} from './dlms.ts';
import { bufferValue, type EntrySelection, profileDefs } from './history.ts';
import type { EsmeModel } from './state.ts';
import { compileCalendar, compilePrices, priceIndex, selectorAt } from './tariff.ts';

/** What an attribute or method sees: the model, ESME time, the device identity. */
export interface EsmeContext {
  model: EsmeModel;
  /** ESME time (device clock + clock offset), ms. */
  now: number;
  /** Device-clock time (the HAN time the Communications Hub gives), ms. */
  hanNow: number;
  eui: string;
}

/** A get result: the value, or a Data-Access-Result error code. */
export type GetResult = DlmsData | number;

export interface AttributeImpl {
  /** Read; `sel` is the selective access of a get-with-selection (profile buffers only). */
  get?: (c: EsmeContext, sel: EntrySelection | null) => GetResult;
  /** Type a written value must have. */
  type?: TypeSpec;
  /** Write (after the type check); returns a Data-Access-Result. */
  set?: (c: EsmeContext, v: DlmsData) => number;
  /** Accepts selective access (profile buffers). */
  selective?: boolean;
  /** Only readable through IC 30 get_protected_attributes (sensitive data). */
  protectedOnly?: boolean;
}

export interface MethodImpl {
  param: TypeSpec;
  /** Returns an Action-Result. */
  run: (c: EsmeContext, p: DlmsData) => number;
}

export interface CosemObject {
  classId: number;
  obis: string;
  name: string;
  attributes: Map<number, AttributeImpl>;
  methods: Map<number, MethodImpl>;
}

const OBJECTS = new Map<string, CosemObject>();

/**
 * The object `classId`/`obis`, created on first mention. Objects first met through their
 * configurable attributes carry a provisional name (`… (configuration)`) until a definition names them.
 */
function obj(classId: number, obis: string, name: string): CosemObject {
  const hex = /^[0-9a-f]{12}$/.test(obis) ? obis : obisHex(obis);
  const key = `${classId}/${hex}`;
  let o = OBJECTS.get(key);
  if (!o) {
    o = { classId, obis: hex, name, attributes: new Map(), methods: new Map() };
    o.attributes.set(1, { get: () => os(fromHex(hex)) });
    OBJECTS.set(key, o);
  } else if (o.name.endsWith('(configuration)')) {
    o.name = name;
  }
  return o;
}

const ro = (get: (c: EsmeContext) => DlmsData): AttributeImpl => ({ get: (c) => get(c) });
const method = (param: string, run: (c: EsmeContext, p: DlmsData) => number): MethodImpl => ({
  param: parseType(param),
  run,
});
const num = (d: DlmsData): number => ('value' in d && typeof d.value === 'number' ? d.value : 0);

// ---------------------------------------------------------------------------------------------
// Configurable attributes (esme-config.ts)

/** Side effects of writing particular configurable attributes. */
const AFTER_WRITE = new Map<string, (c: EsmeContext, v: DlmsData) => void>();

function storedImpl(a: StoredAttribute): AttributeImpl {
  return {
    get: a.readable ? (c) => readStored(c.model, a.key) : () => DataAccessResult.READ_WRITE_DENIED,
    type: a.type,
    set: a.writable
      ? (c, v) => {
          // An activation date-time must be now (zeros), never (FF) or a real instant: 2027-02-29
          // is refused, not rolled over to 1 March.
          if (isActivation(a.key) && v.type === 'octet-string' && readDateTime(v.value) === null)
            return DataAccessResult.OTHER_REASON;
          writeStored(c.model, a.key, v);
          if (isActivation(a.key) && v.type === 'octet-string') {
            const at = readDateTime(v.value);
            if (at === 'now' || (typeof at === 'number' && at <= c.now)) activateNow(c.model, c.now, a.key);
          }
          AFTER_WRITE.get(a.key)?.(c, v);
          return DataAccessResult.SUCCESS;
        }
      : undefined,
  };
}

for (const a of storedAttributes()) {
  const [cls, hex, id] = a.key.split('/');
  obj(
    Number(cls),
    hex!,
    `${a.name.replace(/ (\(active\)|\(passive\)|[a-z_]+)$/, '')} (configuration)`,
  ).attributes.set(Number(id), storedImpl(a));
}

// Alert behaviours (ECS25): the write objects .11–.14 update the readable .15–.18.
for (const channel of [30, 33]) {
  for (let k = 0; k < 4; k++) {
    AFTER_WRITE.set(attrKey(1, `0-${channel}:97.98.${11 + k}`, 2), (c, v) =>
      writeStored(c.model, attrKey(1, `0-${channel}:97.98.${15 + k}`, 2), v),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Identity and device information

const VARIANT_LETTER = (m: EsmeModel) =>
  m.variant.phases === 3 ? 'C' : m.variant.elements === 2 ? 'B' : 'A';
obj(1, '0-0:96.1.1', 'Device Identity').attributes.set(
  2,
  ro((c) => os(fromHex(c.eui))),
);
obj(1, '0-0:96.1.2', 'ESME Variant').attributes.set(
  2,
  ro((c) => os(new TextEncoder().encode(VARIANT_LETTER(c.model)))),
);
obj(1, '0-0:94.44.0.0', 'Randomised Offset (s)').attributes.set(
  2,
  ro((c) => lu(c.model.seed % (storedNumber(c.model, attrKey(1, '0-0:94.44.0.1', 2)) + 1))),
);

// ---------------------------------------------------------------------------------------------
// Energy registers (IC 3)

const WH = scalerUnit(0, 30);
const VARH = scalerUnit(0, 32);
const W = scalerUnit(0, 27);
const COUNT = scalerUnit(0, 255);
const CURRENCY = scalerUnit(-5, 254);

function register(
  obis: string,
  name: string,
  value: (m: EsmeModel, c: EsmeContext) => number,
  unit: DlmsData,
): CosemObject {
  const o = obj(3, obis, name);
  o.attributes.set(
    2,
    ro((c) => dlu(value(c.model, c))),
  );
  o.attributes.set(
    3,
    ro(() => unit),
  );
  return o;
}
register('1-0:1.8.0', 'Active Import Register', (m) => m.registers.importWh, WH);
register('1-0:2.8.0', 'Active Export Register', (m) => m.registers.exportWh, WH);
register('1-0:3.8.0', 'Reactive Import Register', (m) => m.registers.importVarh, VARH);
register('1-0:4.8.0', 'Reactive Export Register', (m) => m.registers.exportVarh, VARH);
register(
  '1-20:1.8.0',
  'Active Import Register (secondary element)',
  (m) => m.registers.secondaryImportWh,
  WH,
);
for (let n = 1; n <= 48; n++) {
  register(`1-0:1.8.${n}`, `Tariff TOU Register ${n}`, (m) => m.registers.touWh[n - 1] ?? 0, WH);
}

/** The unit price in force now (10^-5 currency units per kWh): primary or secondary element. */
function currentPrice(m: EsmeModel, now: number, secondary: boolean): number {
  const sel = selectorAt(compileCalendar(m, secondary), now);
  const table = compilePrices(m, secondary ? '0-0:19.20.5' : '0-0:19.20.0');
  let block = 1;
  if (sel >= 101 && sel <= 108) {
    const tou = sel - 100;
    const c = m.registers.blockCounterWh;
    const since = [0, 1, 2, 3].reduce((a, b) => a + (c[(tou - 1) * 4 + b] ?? 0), 0);
    const th = readStored(m, attrKey(21, `0-0:16.0.${10 + tou}`, 2));
    for (const x of th.type === 'array' ? th.value : [])
      if (num(x) !== 0xffffffff && since >= num(x)) block++;
  }
  const price = table.prices.get(priceIndex(secondary ? sel - 200 : sel, Math.min(block, 4))) ?? 0;
  return price * 10 ** (table.priceScale + 5);
}
register('0-0:94.44.1.7', 'Active Tariff Price', (m, c) => currentPrice(m, c.now, false), CURRENCY);
register(
  '0-0:94.44.1.8',
  'Active Tariff Price (secondary element)',
  (m, c) => currentPrice(m, c.now, true),
  CURRENCY,
);

const resetMethod = (reset: (c: EsmeContext) => void) =>
  method('i', (c) => {
    reset(c);
    return ActionResult.SUCCESS;
  });

register('0-0:94.44.42', 'Load Limit Counter', (m) => m.loadLimit.events, COUNT).methods.set(
  1,
  resetMethod((c) => {
    c.model.loadLimit.events = 0;
  }),
);
for (const [phase, c] of [
  [0, 32],
  [1, 52],
  [2, 72],
] as const) {
  register(
    `1-0:${c}.32.0.4`,
    `Number of Voltage Sags L${phase + 1}`,
    (m) => m.voltageEvents.sags[phase] ?? 0,
    COUNT,
  ).methods.set(
    1,
    resetMethod((x) => {
      x.model.voltageEvents.sags[phase] = 0;
    }),
  );
  register(
    `1-0:${c}.36.0.4`,
    `Number of Voltage Swells L${phase + 1}`,
    (m) => m.voltageEvents.swells[phase] ?? 0,
    COUNT,
  ).methods.set(
    1,
    resetMethod((x) => {
      x.model.voltageEvents.swells[phase] = 0;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Maximum demand (IC 4 Extended Register) and the times of their last resets

function maxDemand(
  obis: string,
  name: string,
  value: (m: EsmeModel) => [number, number],
  reset: (m: EsmeModel, t: number) => void,
): void {
  const o = obj(4, obis, name);
  o.attributes.set(
    2,
    ro((c) => dlu(value(c.model)[0])),
  );
  o.attributes.set(
    3,
    ro(() => W),
  );
  o.attributes.set(
    5,
    ro((c) => os(dateTimeBytes(value(c.model)[1]))),
  );
  o.methods.set(
    1,
    resetMethod((c) => reset(c.model, c.now)),
  );
}
maxDemand(
  '1-0:1.6.0',
  'Maximum Demand Active Import',
  (m) => [m.maxDemand.importW, m.maxDemand.importAtMs],
  (m, t) => {
    Object.assign(m.maxDemand, { importW: 0, importAtMs: t, importResetAtMs: t });
  },
);
maxDemand(
  '1-0:1.6.1',
  'Maximum Demand Active Import (configurable time period)',
  (m) => [m.maxDemand.importConfigurableW, m.maxDemand.importConfigurableAtMs],
  (m, t) => {
    Object.assign(m.maxDemand, {
      importConfigurableW: 0,
      importConfigurableAtMs: t,
      importConfigurableResetAtMs: t,
    });
  },
);
maxDemand(
  '1-0:2.6.0',
  'Maximum Demand Active Export',
  (m) => [m.maxDemand.exportW, m.maxDemand.exportAtMs],
  (m, t) => {
    Object.assign(m.maxDemand, { exportW: 0, exportAtMs: t, exportResetAtMs: t });
  },
);
for (const [n, field] of [
  [0, 'importResetAtMs'],
  [1, 'importConfigurableResetAtMs'],
  [2, 'exportResetAtMs'],
] as const) {
  obj(1, `0-0:94.44.5.${n}`, 'Maximum Demand Last Reset').attributes.set(
    2,
    ro((c) => os(dateTimeBytes(c.model.maxDemand[field]))),
  );
}

// ---------------------------------------------------------------------------------------------
// Collections read through IC 30 (sensitive), and the unprotected power collection

function importCollection(m: EsmeModel): DlmsData {
  const r = m.registers;
  return st(
    dlu(r.importWh),
    WH,
    dlu(r.importVarh),
    VARH,
    ...(m.variant.elements === 2 ? [dlu(r.secondaryImportWh)] : []),
  );
}
const protectedCollection = (obis: string, name: string, value: (m: EsmeModel) => DlmsData) =>
  obj(1, obis, name).attributes.set(2, { get: (c) => value(c.model), protectedOnly: true });
protectedCollection('0-0:94.44.34.10', 'Import Register Collection', importCollection);
protectedCollection('0-0:94.44.34.1', 'Tariff TOU Register Collection', (m) =>
  st(
    arr(m.registers.touWh.map(dlu)),
    ...(m.variant.elements === 2 ? [arr(m.registers.secondaryTouWh.map(dlu))] : []),
  ),
);
protectedCollection('0-0:94.44.34.2', 'Tariff Block TOU Register Collection', (m) =>
  st(arr([...m.registers.blockTouWh, ...m.registers.blockCounterWh].map(dlu))),
);
protectedCollection('0-0:94.44.34.30', 'Prepayment Register Collection', (m) => {
  const p = m.prepayment;
  return st(
    dl(p.meterBalance),
    dl(p.emergencyCredit),
    dl(p.accumulatedDebt),
    dl(p.timeDebt1),
    dl(p.timeDebt2),
    dl(p.paymentDebt),
  );
});
obj(1, '0-0:94.44.34.20', 'Power Import Collection').attributes.set(
  2,
  ro((c) => {
    const m = c.model;
    const connected = m.supply.controlState === 1 && m.disturbances.outageUntilMs === null ? 1 : 0;
    const d = demandAt(m, c.now, (slot, k) => hashNoise(m.seed, slot, k));
    const nowW = Math.max(0, d.loadW - d.pvW) * connected;
    const last = m.buffers.halfHour[m.buffers.halfHour.length - 1];
    return st(dlu(nowW), W, dlu((last?.[1] ?? 0) * 2));
  }),
);

// Auxiliary controller operational data (APC): JSON text as the controllers report it.
for (let n = 1; n <= 5; n++) {
  obj(1, `0-0:94.44.0.${30 + n}`, `Auxiliary Controller ${n} Operational Data`).attributes.set(
    2,
    ro((c) =>
      utf8(
        JSON.stringify({
          outputState: c.model.alcs.outputLevels[n - 1] ?? 0,
          inputState: c.model.alcs.inputLevels[n - 1] ?? 0,
        }),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Profile generic (IC 7): buffer (2), capture_period (4), entries_in_use (7), profile_entries (8)

const CAPTURE_PERIOD: Record<string, number> = {
  '0-0:99.1.0': 1800,
  '0-0:99.1.1': 1800,
  '0-0:99.1.2': 1800,
  '0-0:99.1.3': 86400,
  '0-0:98.1.9': 86400,
  '0-0:98.1.8': 86400,
  '0-0:98.1.10': 86400,
};
const LOG_OF: Record<string, keyof EsmeModel['logs']> = {
  '0-0:99.98.0': 'event',
  '0-0:99.98.1': 'security',
  '0-0:99.98.4': 'power',
  '0-17:99.98.2': 'alcs',
  '0-0:99.98.20': 'boost',
};
for (const p of profileDefs()) {
  const o = obj(7, p.obis, p.name);
  o.attributes.set(2, {
    selective: true,
    get: (c, sel) => bufferValue(c.model, p, sel ?? { kind: 'all' }),
  });
  if (!o.attributes.has(4))
    o.attributes.set(
      4,
      ro(() => dlu(CAPTURE_PERIOD[p.obis] ?? 0)),
    );
  o.attributes.set(
    7,
    ro((c) => dlu(p.entries(c.model).length)),
  );
  o.attributes.set(
    8,
    ro((c) => dlu(p.entries(c.model).length)),
  );
  const logName = LOG_OF[p.obis];
  if (logName) {
    o.methods.set(
      1,
      resetMethod((c) => {
        c.model.cleared[logName] = c.now + 1;
        c.model.logs[logName] = [];
        if (logName === 'event') logEvent(c.model, c.now + 1, EsmeEvent.EVENT_LOG_CLEARED);
      }),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Clock (IC 8)

const clock = obj(8, '0-0:1.0.0', 'Clock');
// time (2): readable, and writable as IC 8 allows (GBCS ECS70 uses the adjust-to-preset methods).
clock.attributes.set(2, {
  get: (c) => os(dateTimeBytes(c.now)),
  type: parseType('os'),
  set: (c, v) => {
    // A date-time that names no instant (2027-02-29, 04-31, a wildcard) is refused, not rolled over.
    const t = clockInstant(v);
    if (typeof t !== 'number') return DataAccessResult.OTHER_REASON;
    c.model.clock.offsetMs = t - c.hanNow;
    c.model.clock.status = 0;
    logEvent(c.model, t, EsmeEvent.CLOCK_ADJUSTED);
    return DataAccessResult.SUCCESS;
  },
});
clock.attributes.set(
  3,
  ro(() => ({ type: 'long', value: 0 })),
);
clock.attributes.set(
  4,
  ro((c) => u8(c.model.clock.status)),
);
clock.attributes.set(9, {
  get: (c) => en(c.model.clock.base),
  type: parseType('e'),
  set: (c, v) => {
    c.model.clock.base = num(v);
    return DataAccessResult.SUCCESS;
  },
});
/** Validity window of the last preset_adjusting_time, ms (null = unspecified). */
const presetWindow = new WeakMap<EsmeModel, { from: number | null; to: number | null }>();
/**
 * A clock parameter: an instant, or null when not specified (all FF). undefined when it is neither —
 * an impossible date (2027-02-29), a field out of range or a partial wildcard: the ESME refuses it
 * rather than roll it over to another day.
 */
function clockInstant(x: DlmsData | undefined): number | null | undefined {
  const t = x?.type === 'octet-string' ? readDateTime(x.value) : undefined;
  return typeof t === 'number' ? t : t === 'never' ? null : undefined;
}

// preset_adjusting_time (preset, validity interval start, end). A parameter that names no instant
// gets other-reason (250) and leaves the preset as it was; with GBCS's break-on-error requests
// (esme.ts) the adjust_to_preset_time that follows is then not executed.
clock.methods.set(
  5,
  method('S{os,os,os}', (c, p) => {
    const [preset, from, to] = (p.type === 'structure' ? p.value : []).map(clockInstant);
    if (preset === undefined || from === undefined || to === undefined) return ActionResult.OTHER_REASON;
    c.model.clock.presetMs = preset;
    presetWindow.set(c.model, { from, to });
    return ActionResult.SUCCESS;
  }),
);
// adjust_to_preset_time: to the preset time when one was given; otherwise (GBCS ECS70, preset
// unspecified) to the HAN time the Communications Hub provides, if it lies in the validity window.
clock.methods.set(
  4,
  method('i', (c) => {
    const m = c.model;
    const w = presetWindow.get(m) ?? { from: null, to: null };
    const target = m.clock.presetMs ?? c.hanNow;
    if ((w.from !== null && target < w.from) || (w.to !== null && target > w.to)) {
      logEvent(m, c.now, EsmeEvent.CLOCK_NOT_ADJUSTED);
      m.clock.status = 0x01;
      return ActionResult.OTHER_REASON;
    }
    m.clock.offsetMs = target - c.hanNow;
    m.clock.status = 0;
    m.clock.presetMs = null;
    logEvent(m, target, EsmeEvent.CLOCK_ADJUSTED);
    return ActionResult.SUCCESS;
  }),
);
clock.methods.set(
  6,
  method('l', (c, p) => {
    c.model.clock.offsetMs += num(p) * 1000;
    return ActionResult.SUCCESS;
  }),
);

// ---------------------------------------------------------------------------------------------
// Supply: disconnect control (IC 70), its script table (IC 9), load limiter (IC 71)

const loadSwitch = obj(70, '0-0:96.3.10', 'Load Switch (Disconnect Control)');
loadSwitch.attributes.set(
  2,
  ro((c) => bool(c.model.supply.controlState === 1)),
);
loadSwitch.attributes.set(
  3,
  ro((c) => en(c.model.supply.controlState)),
);
loadSwitch.attributes.set(
  4,
  ro(() => en(4)),
);
loadSwitch.methods.set(
  1,
  method('i', (c) => {
    disableSupply(c.model, c.now, 'remote');
    return ActionResult.SUCCESS;
  }),
);
loadSwitch.methods.set(
  2,
  method('i', (c) => {
    armSupply(c.model, c.now);
    return ActionResult.SUCCESS;
  }),
);

/** Disconnect control scripts (0-0:10.0.106): 51 enable (close), 52 disable (open), 54 arm. */
obj(9, '0-0:10.0.106', 'Disconnect Control Scripts').methods.set(
  1,
  method('lu', (c, p) => {
    const m = c.model;
    switch (num(p)) {
      case 51:
        enableSupply(m, c.now);
        return ActionResult.SUCCESS;
      case 52:
        disableSupply(m, c.now, 'remote');
        return ActionResult.SUCCESS;
      case 54:
        armSupply(m, c.now);
        return ActionResult.SUCCESS;
      default:
        return ActionResult.OTHER_REASON;
    }
  }),
);

const limiter = obj(71, '0-0:17.0.0', 'Load Limiter');
limiter.attributes.set(
  4,
  ro((c) => dlu(storedNumber(c.model, attrKey(9000, '0-0:94.44.128.7', 2)))),
);
limiter.attributes.set(
  6,
  ro((c) => dlu(storedNumber(c.model, attrKey(9000, '0-0:94.44.128.6', 2)))),
);
limiter.attributes.set(
  7,
  ro((c) => dlu(storedNumber(c.model, attrKey(9000, '0-0:94.44.128.8', 2)))),
);

// ---------------------------------------------------------------------------------------------
// Tariff scripts (0-0:10.0.100): 99 resets the Tariff Block Counter Matrix (ECS05)

obj(9, '0-0:10.0.100', 'Tariff Block Counter Matrix TOU Scripts').methods.set(
  1,
  method('lu', (c, p) => {
    if (num(p) !== 99) return ActionResult.OTHER_REASON;
    c.model.registers.blockCounterWh.fill(0);
    return ActionResult.SUCCESS;
  }),
);

// ---------------------------------------------------------------------------------------------
// Auxiliary load control switches (IC 70 0-n:96.3.10) and their scripts (ECS47)

for (let n = 1; n <= 5; n++) {
  const sw = obj(70, `0-${n}:96.3.10`, `Auxiliary Load Control Switch ${n}`);
  sw.attributes.set(
    2,
    ro((c) => bool(c.model.alcs.outputs[n - 1] ?? false)),
  );
  sw.attributes.set(
    3,
    ro((c) => en(c.model.alcs.outputs[n - 1] ? 1 : 0)),
  );
}

/** Minutes of a command parameter (94.44.117/119/121.x): a duration (long-unsigned) or until a date-time. */
function durationMs(c: EsmeContext, key: string): number {
  const v = readStored(c.model, key);
  if (v.type === 'long-unsigned') return v.value > 0 ? v.value * 60_000 : 30 * 60_000;
  if (v.type === 'octet-string') {
    const t = readDateTime(v.value);
    if (typeof t === 'number' && t > c.now) return t - c.now;
  }
  return 30 * 60_000;
}

/**
 * Auxiliary controller scripts (0-0:10.0.103 state, 0-0:10.0.107 APC limit): the script id's high
 * byte is the target — 1–5 a switch, 0x11–0x15 controller n's output, 0x21–0x25 its input — and
 * the low byte the action: for a switch 0x11 on / 0x12 off for the commanded period, 0x20 back to
 * its calendar; for a controller, the level in percent.
 */
function auxiliaryScript(c: EsmeContext, id: number, limit: boolean): number {
  const a = c.model.alcs;
  const target = id >> 8;
  const action = id & 0xff;
  a.lastScript = id;
  if (target >= 1 && target <= 5 && !limit) {
    const i = target - 1;
    if (action === 0x20) {
      a.overrideUntilMs[i] = c.now;
    } else if (action === 0x11 || action === 0x12) {
      const until = c.now + durationMs(c, attrKey(1, `0-0:94.44.117.${action === 0x11 ? 1 : 2}`, 2));
      a.outputs[i] = action === 0x11;
      a.overrideUntilMs[i] = until;
    } else return ActionResult.OTHER_REASON;
    c.model.logs.alcs.push([
      c.now,
      (target << 8) | action,
      1,
      Math.round(((a.overrideUntilMs[i] ?? c.now) - c.now) / 1000),
    ]);
    return ActionResult.SUCCESS;
  }
  if (action > 100) return ActionResult.OTHER_REASON;
  if (target >= 0x11 && target <= 0x15) {
    const i = target - 0x11;
    a.outputLevels[i] = limit ? Math.min(a.outputLevels[i] ?? 0, action) : action;
    return ActionResult.SUCCESS;
  }
  if (target >= 0x21 && target <= 0x25) {
    const i = target - 0x21;
    a.inputLevels[i] = limit ? Math.min(a.inputLevels[i] ?? 0, action) : action;
    return ActionResult.SUCCESS;
  }
  return ActionResult.OTHER_REASON;
}
obj(9, '0-0:10.0.103', 'Auxiliary Load Control Scripts').methods.set(
  1,
  method('lu', (c, p) => auxiliaryScript(c, num(p), false)),
);
obj(9, '0-0:10.0.107', 'Auxiliary Proportional Controller Limit Scripts').methods.set(
  1,
  method('lu', (c, p) => auxiliaryScript(c, num(p), true)),
);

// ---------------------------------------------------------------------------------------------
// Credit (IC 112), charges (IC 113): prepayment operations

const meterBalance = obj(112, '0-0:19.10.0', 'Meter Balance');
meterBalance.attributes.set(
  2,
  ro((c) => dl(c.model.prepayment.meterBalance)),
);
meterBalance.methods.set(
  1,
  method('dl', (c, p) => {
    adjustMeterBalance(c.model, c.now, num(p));
    return ActionResult.SUCCESS;
  }),
);
meterBalance.methods.set(
  2,
  method('dl', (c, p) => {
    adjustMeterBalance(c.model, c.now, num(p) - c.model.prepayment.meterBalance);
    return ActionResult.SUCCESS;
  }),
);
const ec = obj(112, '0-0:19.10.1', 'Emergency Credit Balance');
ec.attributes.set(
  2,
  ro((c) => dl(c.model.prepayment.emergencyCredit)),
);
ec.attributes.set(
  8,
  ro((c) =>
    en(
      c.model.prepayment.emergencyCreditActive
        ? 3
        : combinedCredit(c.model) < storedNumber(c.model, attrKey(9000, '0-0:94.44.128.3', 2))
          ? 2
          : 1,
    ),
  ),
);
ec.attributes.set(
  9,
  ro((c) => dl(storedNumber(c.model, attrKey(9000, '0-0:94.44.128.2', 2)))),
);
ec.attributes.set(
  10,
  ro((c) => dl(storedNumber(c.model, attrKey(9000, '0-0:94.44.128.3', 2)))),
);
ec.methods.set(
  2,
  method('dl', (c, p) => {
    c.model.prepayment.emergencyCredit = num(p);
    if (num(p) === 0) c.model.prepayment.emergencyCreditActive = false;
    return ActionResult.SUCCESS;
  }),
);
// invoke_credit (ECS09): accepted; the credit becomes active only when the meter is eligible.
ec.methods.set(
  3,
  method('i', (c) => {
    invokeEmergencyCredit(c.model, c.now);
    return ActionResult.SUCCESS;
  }),
);
const debt = obj(112, '0-0:19.10.2', 'Accumulated Debt Register');
debt.attributes.set(
  2,
  ro((c) => dl(c.model.prepayment.accumulatedDebt)),
);
debt.methods.set(
  2,
  method('dl', (c, p) => {
    c.model.prepayment.accumulatedDebt = num(p);
    return ActionResult.SUCCESS;
  }),
);

for (const [n, field] of [
  [1, 'timeDebt1'],
  [2, 'timeDebt2'],
  [3, 'paymentDebt'],
] as const) {
  const charge = obj(
    113,
    `0-0:19.20.${n}`,
    n === 3 ? 'Debt Recovery per Payment' : `Debt Recovery Rates ${n}`,
  );
  charge.methods.set(
    4,
    method('dl', (c, p) => {
      c.model.prepayment[field] = Math.max(0, num(p));
      return ActionResult.SUCCESS;
    }),
  );
}
for (const n of [0, 1, 2, 4, 5]) {
  const key = (a: number) => attrKey(113, `0-0:19.20.${n}`, a);
  obj(113, `0-0:19.20.${n}`, 'Charge').methods.set(
    2,
    method('i', (c) => {
      writeStored(c.model, key(5), readStored(c.model, key(6)));
      return ActionResult.SUCCESS;
    }),
  );
}

// ---------------------------------------------------------------------------------------------

/** The object `classId`/`obis` (OBIS as 12 hex digits), if the ESME has it in its variant. */
export function esmeObject(model: EsmeModel, classId: number, obis: string): CosemObject | undefined {
  const o = OBJECTS.get(`${classId}/${obis}`);
  if (!o) return undefined;
  const b = fromHex(obis);
  const polyphase = b[0] === 1 && (b[2] === 52 || b[2] === 72);
  if (polyphase && model.variant.phases !== 3) return undefined;
  if (model.variant.elements !== 2 && SECONDARY_ELEMENT.has(`${classId}/${obis}`)) return undefined;
  return o;
}

/** Objects of the secondary measuring element (twin-element ESMEs only). */
const SECONDARY_ELEMENT = new Set(
  [
    [20, '0-0:13.0.1'],
    [11, '0-0:11.0.1'],
    [11, '0-1:11.0.1'],
    [113, '0-0:19.20.5'],
    [3, '0-0:94.44.1.8'],
    [3, '1-20:1.8.0'],
    [9000, '0-0:94.44.128.30'],
  ].map(([c, o]) => `${c}/${obisHex(o as string)}`),
);

/** Every object (for documentation and tests). */
export function esmeObjects(): CosemObject[] {
  return [...OBJECTS.values()];
}

/** Checks a written value against an attribute's type. */
export function typeMatches(impl: AttributeImpl, v: DlmsData): boolean {
  return impl.type ? conforms(v, impl.type) : false;
}
