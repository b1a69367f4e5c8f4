/**
 * The ESME's profile generic objects (IC 7): half-hour profiles, daily read logs, billing data
 * logs, voltage profiles and the event, security, power, ALCS and boost button logs. Each buffer
 * joins the synthetic service history (before `createdAtMs`) and the entries stored since, and is
 * returned as GBCS returns buffers: a compact-array of rows whose first column is the capture time
 * in GBCS UTC seconds (double-long-unsigned since 2000-01-01).
 *
 * Selective access (IC 7 buffer, Blue Book): selector 1 range — structure { restricting object,
 * from, to, selected values } with from/to as GBCS UTC seconds (restricting object
 * 0-0:94.44.100.255) or date-time octet-strings (the clock); selector 2 entry — structure
 * { from entry, to entry (0 = last), from value, to value }. The protected reads (IC 30
 * get_protected_attributes) restrict by date-time range (restriction type 1) or entry (type 2).
 */
import type { DlmsData } from '../../../protocol/dlms/axdr.ts';
import { SNAPSHOT, syntheticHistory } from './consumption.ts';
import {
  arr,
  compactArray,
  dl,
  dlu,
  en,
  fromGbcsSeconds,
  lu,
  readDateTime,
  st,
  toGbcsSeconds,
} from './dlms.ts';
import { CAPACITY, type EsmeBuffers, type EsmeLogs, type EsmeModel, lastEntries } from './state.ts';

/** One profile generic object's buffer. */
export interface ProfileDef {
  obis: string;
  name: string;
  /** All entries, oldest first: number rows whose column 0 is the capture time (ms). */
  entries(model: EsmeModel): number[][];
  /** The Data row of an entry. */
  row(model: EsmeModel, e: number[]): DlmsData;
}

const time = (ms: number) => dlu(toGbcsSeconds(ms));
const cols = (e: number[], from: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => e[from + i] ?? 0);

function buffer(model: EsmeModel, which: keyof EsmeBuffers): number[][] {
  // The history's last half hour ends at createdAtMs (captured then); live accrual captures after it.
  const past = syntheticHistory(model).buffers[which].filter((e) => e[0]! <= model.createdAtMs);
  const all = past.length === 0 ? model.buffers[which] : [...past, ...model.buffers[which]];
  return lastEntries(all, CAPACITY[which]);
}

function logOf(model: EsmeModel, which: keyof EsmeLogs): number[][] {
  const cleared = model.cleared[which] ?? Number.NEGATIVE_INFINITY;
  const past = syntheticHistory(model).logs[which].filter(
    (e) => e[0]! <= model.createdAtMs && e[0]! >= cleared,
  );
  const stored = model.logs[which].filter((e) => e[0]! >= cleared);
  return lastEntries([...past, ...stored], CAPACITY[which]);
}

/** Energy columns of a register snapshot (daily read log, billing data log). */
function energy(model: EsmeModel, e: number[]): DlmsData[] {
  const twin = model.variant.elements === 2;
  const blocks = [0, 1, 2, 3].map((b) =>
    arr(Array.from({ length: 8 }, (_, tou) => dlu(e[SNAPSHOT.blockTou + tou * 4 + b] ?? 0))),
  );
  return [
    dlu(e[SNAPSHOT.import] ?? 0),
    ...(twin ? [dlu(e[SNAPSHOT.secondaryImport] ?? 0)] : []),
    arr(cols(e, SNAPSHOT.tou, 48).map(dlu)),
    ...(twin ? [arr(cols(e, SNAPSHOT.secondaryTou, 4).map(dlu))] : []),
    ...blocks,
  ];
}

/** Prepayment columns of a snapshot: meter balance, emergency credit, accumulated debt, time debts 1/2, payment debt. */
const prepayment = (e: number[]): DlmsData[] => cols(e, SNAPSHOT.prepayment, 6).map(dl);

const PROFILES: ProfileDef[] = [
  {
    obis: '0-0:99.1.0',
    name: 'Half Hour Profile Data (active import)',
    entries: (m) => buffer(m, 'halfHour'),
    row: (_m, e) => st(time(e[0]!), dlu(e[1] ?? 0)),
  },
  {
    obis: '0-0:99.1.1',
    name: 'Half Hour Profile Data (export: active, reactive)',
    entries: (m) => buffer(m, 'halfHour'),
    row: (_m, e) => st(time(e[0]!), dlu(e[3] ?? 0), dlu(e[4] ?? 0)),
  },
  {
    obis: '0-0:99.1.2',
    name: 'Half Hour Profile Data (reactive import)',
    entries: (m) => buffer(m, 'halfHour'),
    row: (_m, e) => st(time(e[0]!), dlu(e[2] ?? 0)),
  },
  {
    obis: '0-0:99.1.3',
    name: 'Daily Consumption Log',
    entries: (m) => {
      const d = buffer(m, 'daily');
      return d.slice(1).map((e, i) => [e[0]!, (e[SNAPSHOT.import] ?? 0) - (d[i]![SNAPSHOT.import] ?? 0)]);
    },
    row: (_m, e) => st(time(e[0]!), dlu(e[1] ?? 0)),
  },
  {
    obis: '0-0:98.1.9',
    name: 'Daily Read Log',
    entries: (m) => buffer(m, 'daily'),
    row: (m, e) => st(time(e[0]!), ...energy(m, e)),
  },
  {
    obis: '0-0:98.1.8',
    name: 'Prepayment Daily Read Log',
    entries: (m) => buffer(m, 'daily'),
    row: (_m, e) => st(time(e[0]!), ...prepayment(e)),
  },
  {
    obis: '0-0:98.1.10',
    name: 'Daily Read Log (export)',
    entries: (m) => buffer(m, 'daily'),
    row: (_m, e) => st(time(e[0]!), dlu(e[SNAPSHOT.export] ?? 0)),
  },
  {
    obis: '0-0:98.1.0',
    name: 'Billing Data Log (billing calendar: energy)',
    entries: (m) => buffer(m, 'billing'),
    row: (m, e) => st(time(e[0]!), ...energy(m, e)),
  },
  {
    obis: '0-0:98.1.1',
    name: 'Billing Data Log (billing calendar: prepayment)',
    entries: (m) => buffer(m, 'billing'),
    row: (_m, e) => st(time(e[0]!), ...prepayment(e)),
  },
  {
    obis: '0-0:98.1.2',
    name: 'Billing Data Log (change of mode / tariff)',
    entries: (m) => buffer(m, 'modeChange'),
    row: (m, e) => st(time(e[0]!), ...energy(m, e), ...prepayment(e)),
  },
  {
    obis: '0-0:98.1.4',
    name: 'Billing Data Log (payment-based debt payments)',
    entries: (m) => buffer(m, 'debtPayments'),
    row: (_m, e) => st(time(e[0]!), dlu(e[1] ?? 0)),
  },
  {
    obis: '0-0:98.1.5',
    name: 'Billing Data Log (prepayment credits)',
    entries: (m) => buffer(m, 'credits'),
    row: (_m, e) => st(time(e[0]!), dlu(e[1] ?? 0)),
  },
  ...[32, 52, 72].map(
    (c, ph): ProfileDef => ({
      obis: `1-0:${c}.24.0`,
      name: `Average RMS Voltage Profile L${ph + 1}`,
      entries: (m) => (ph < m.variant.phases ? buffer(m, 'voltage') : []),
      row: (_m, e) => st(time(e[0]!), dlu(e[1 + ph] ?? 0)),
    }),
  ),
  {
    obis: '0-0:99.98.0',
    name: 'Event Log',
    entries: (m) => logOf(m, 'event'),
    row: (_m, e) => st(time(e[0]!), lu(e[1] ?? 0)),
  },
  {
    obis: '0-0:99.98.1',
    name: 'Security Log',
    entries: (m) => logOf(m, 'security'),
    row: (_m, e) => st(time(e[0]!), lu(e[1] ?? 0)),
  },
  {
    obis: '0-0:99.98.4',
    name: 'Power Event Log',
    entries: (m) => logOf(m, 'power'),
    row: (_m, e) => st(time(e[0]!), lu(e[1] ?? 0), dlu(e[2] ?? 0)),
  },
  {
    obis: '0-17:99.98.2',
    name: 'Auxiliary Load Control Switch Event Log',
    entries: (m) => logOf(m, 'alcs'),
    row: (_m, e) => st(time(e[0]!), lu(e[1] ?? 0), en(e[2] ?? 0), dlu(e[3] ?? 0)),
  },
  {
    obis: '0-0:99.98.20',
    name: 'Boost Button Event Log',
    entries: (m) => logOf(m, 'boost'),
    row: (_m, e) => st(time(e[0]!), time(e[1] ?? e[0]!)),
  },
];

const BY_OBIS = new Map(PROFILES.map((p) => [p.obis, p]));

export function profileDef(obis: string): ProfileDef | undefined {
  return BY_OBIS.get(obis);
}

export function profileDefs(): ProfileDef[] {
  return PROFILES;
}

/** A selection of entries: by capture time (inclusive, ms) or by entry number (1-based, inclusive; 0 = last). */
export type EntrySelection =
  | { kind: 'all' }
  | { kind: 'range'; fromMs: number; toMs: number }
  | { kind: 'entries'; from: number; to: number };

/** The buffer of `def` as a compact-array, restricted to `sel`. */
export function bufferValue(model: EsmeModel, def: ProfileDef, sel: EntrySelection): DlmsData {
  const all = def.entries(model);
  let chosen: number[][];
  if (sel.kind === 'range') chosen = all.filter((e) => e[0]! >= sel.fromMs && e[0]! <= sel.toMs);
  else if (sel.kind === 'entries') {
    const from = Math.max(1, sel.from);
    const to = sel.to === 0 ? all.length : Math.min(all.length, sel.to);
    chosen = all.slice(from - 1, to);
  } else chosen = all;
  const template = def.row(model, all[0] ?? [model.createdAtMs]);
  return compactArray(
    template,
    chosen.map((e) => def.row(model, e)),
  );
}

const n = (d: DlmsData | undefined): number | null =>
  d && 'value' in d && typeof d.value === 'number' ? d.value : null;

function instant(d: DlmsData | undefined): number | null {
  if (!d) return null;
  if (d.type === 'double-long-unsigned') return fromGbcsSeconds(d.value);
  if (d.type === 'octet-string') {
    const t = readDateTime(d.value);
    return typeof t === 'number' ? t : null;
  }
  return null;
}

/**
 * The selection a get-with-selection asks for (IC 7 buffer access selectors 1 and 2), or null
 * when the parameters are malformed (the device answers other-reason / type-unmatched).
 */
export function selectionOf(selector: number, params: DlmsData): EntrySelection | null {
  if (params.type !== 'structure') return null;
  const [a, b, c] = params.value;
  if (selector === 1) {
    if (a?.type !== 'structure') return null;
    const from = instant(b);
    const to = instant(c);
    if (from === null || to === null) return null;
    return { kind: 'range', fromMs: from, toMs: to };
  }
  if (selector === 2) {
    const from = n(a);
    const to = n(b);
    if (from === null || to === null) return null;
    return { kind: 'entries', from, to };
  }
  return null;
}

/**
 * The selection of an IC 30 restriction: structure { enum restriction type, value } — 0 none,
 * 1 by date-time range structure { from, to }, 2 by entry structure { from, to }.
 */
export function restrictionOf(restriction: DlmsData | undefined): EntrySelection | null {
  if (restriction?.type !== 'structure') return { kind: 'all' };
  const [type, value] = restriction.value;
  if (type?.type !== 'enum' || type.value === 0) return { kind: 'all' };
  if (value?.type !== 'structure' || value.value.length < 2) return null;
  const [from, to] = value.value;
  if (type.value === 1) {
    const f = instant(from);
    const t = instant(to);
    return f === null || t === null ? null : { kind: 'range', fromMs: f, toMs: t };
  }
  if (type.value === 2) {
    const f = n(from);
    const t = n(to);
    return f === null || t === null ? null : { kind: 'entries', from: f, to: t };
  }
  return null;
}
