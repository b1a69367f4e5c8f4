/**
 * DLMS helpers of the ESME model: a compact notation for attribute types and values, type checks
 * for `set`, GBCS date-times and UTC seconds, OBIS codes, and compact-array buffers.
 *
 * Type notation (the same letters the dump tools print): `dlu` double-long-unsigned, `dl`
 * double-long, `lu` long-unsigned, `l` long, `u` unsigned, `i` integer, `e` enum, `b` boolean,
 * `bs` bit-string, `os` octet-string, `vs` visible-string, `utf8` utf8-string, `l64`/`l64u`,
 * `null`; `S{a,b,…}` structure, `A[x]` array of x, `x|y` either. Value literals add the value:
 * `dlu:5`, `os:0102ff` (hex), `vs"text"`, `bs7:fe` (bit count, hex), `b:true`,
 * `S{lu:1,os:ffff0c19ff,u:1}`, `A[dl:0]`, `A[]`, `null`.
 */
import { fromHex, toHex } from '../../../protocol/bytes.ts';
import { EPOCH_2000_MS, MS_PER_DAY } from '../../../protocol/calendar.ts';
import type { DlmsData, DlmsDataType, TypeDescription } from '../../../protocol/dlms/axdr.ts';
import { encodeData } from '../../../protocol/dlms/axdr.ts';
import { dlmsDateTimeInstant, encodeDlmsDateTime } from '../../../protocol/dlms-date-time.ts';
import { DecodeError } from '../../../protocol/errors.ts';

// ---------------------------------------------------------------------------------------------
// Type specs

export type TypeSpec =
  | { kind: 'prim'; type: DlmsDataType }
  | { kind: 'structure'; elements: TypeSpec[] }
  | { kind: 'array'; element: TypeSpec }
  | { kind: 'oneof'; options: TypeSpec[] };

const ABBR: Record<string, DlmsDataType> = {
  null: 'null-data',
  b: 'boolean',
  bs: 'bit-string',
  dl: 'double-long',
  dlu: 'double-long-unsigned',
  os: 'octet-string',
  vs: 'visible-string',
  utf8: 'utf8-string',
  i: 'integer',
  l: 'long',
  u: 'unsigned',
  lu: 'long-unsigned',
  l64: 'long64',
  l64u: 'long64-unsigned',
  e: 'enum',
};

class Cursor {
  pos = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text.replace(/\s+/g, '');
  }
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  eat(c: string): void {
    if (this.text[this.pos] !== c) throw new SyntaxError(`expected '${c}' at ${this.pos} in ${this.text}`);
    this.pos++;
  }
  word(): string {
    const m = /^[a-z0-9]+/.exec(this.text.slice(this.pos));
    if (!m) throw new SyntaxError(`expected a type at ${this.pos} in ${this.text}`);
    this.pos += m[0].length;
    return m[0];
  }
  done(): void {
    if (this.pos !== this.text.length) throw new SyntaxError(`trailing text at ${this.pos} in ${this.text}`);
  }
}

function parseTypeAt(c: Cursor): TypeSpec {
  const first = parseSingleType(c);
  if (c.peek() !== '|') return first;
  const options = [first];
  while (c.peek() === '|') {
    c.eat('|');
    options.push(parseSingleType(c));
  }
  return { kind: 'oneof', options };
}

function parseSingleType(c: Cursor): TypeSpec {
  if (c.peek() === 'S') {
    c.eat('S');
    c.eat('{');
    const elements: TypeSpec[] = [];
    while (c.peek() !== '}') {
      elements.push(parseTypeAt(c));
      if (c.peek() === ',') c.eat(',');
    }
    c.eat('}');
    return { kind: 'structure', elements };
  }
  if (c.peek() === 'A') {
    c.eat('A');
    c.eat('[');
    const element = parseTypeAt(c);
    c.eat(']');
    return { kind: 'array', element };
  }
  const w = c.word();
  const type = ABBR[w];
  if (!type) throw new SyntaxError(`unknown type '${w}' in ${c.text}`);
  return { kind: 'prim', type };
}

/** Parses the type notation (module docstring). @throws SyntaxError (a bug in a model table). */
export function parseType(text: string): TypeSpec {
  const c = new Cursor(text);
  const t = parseTypeAt(c);
  c.done();
  return t;
}

/** Whether `d` has the shape `spec` requires (values are not range-checked beyond their type). */
export function conforms(d: DlmsData, spec: TypeSpec): boolean {
  switch (spec.kind) {
    case 'prim':
      return d.type === spec.type;
    case 'structure':
      return (
        d.type === 'structure' &&
        d.value.length === spec.elements.length &&
        d.value.every((x, i) => conforms(x, spec.elements[i]!))
      );
    case 'array':
      return d.type === 'array' && d.value.every((x) => conforms(x, spec.element));
    case 'oneof':
      return spec.options.some((o) => conforms(d, o));
  }
}

// ---------------------------------------------------------------------------------------------
// Value literals

function parseValueAt(c: Cursor): DlmsData {
  if (c.peek() === 'S' || c.peek() === 'A') {
    const open = c.peek() === 'S' ? '{' : '[';
    const close = open === '{' ? '}' : ']';
    const type = c.peek() === 'S' ? 'structure' : 'array';
    c.pos++;
    c.eat(open);
    const value: DlmsData[] = [];
    while (c.peek() !== close) {
      value.push(parseValueAt(c));
      if (c.peek() === ',') c.eat(',');
    }
    c.eat(close);
    return { type, value };
  }
  const m = /^([a-z0-9]+?)(\d*)(?=[:"])/.exec(c.text.slice(c.pos));
  if (!m) {
    if (c.text.startsWith('null', c.pos)) {
      c.pos += 4;
      return { type: 'null-data' };
    }
    throw new SyntaxError(`expected a value at ${c.pos} in ${c.text}`);
  }
  const all = m[0];
  const abbr = m[1] ?? '';
  const digits = m[2] ?? '';
  c.pos += all.length;
  if (c.peek() === '"') {
    c.eat('"');
    const end = c.text.indexOf('"', c.pos);
    const s = c.text.slice(c.pos, end).replace(/_/g, ' ');
    c.pos = end + 1;
    const bytes = new TextEncoder().encode(s);
    if (abbr + digits === 'vs') return { type: 'visible-string', value: bytes };
    if (abbr + digits === 'utf8') return { type: 'utf8-string', value: bytes };
    return { type: 'octet-string', value: bytes };
  }
  c.eat(':');
  const raw = /^[-a-z0-9]*/.exec(c.text.slice(c.pos))![0];
  c.pos += raw.length;
  const hex = (t: string) => (t === '' ? new Uint8Array(0) : fromHex(t));
  if (abbr === 'bs') {
    const bits = Number(digits);
    return { type: 'bit-string', bits, value: hex(raw) };
  }
  const type = ABBR[abbr + digits] ?? ABBR[abbr];
  if (!type) throw new SyntaxError(`unknown value type '${abbr}' in ${c.text}`);
  switch (type) {
    case 'octet-string':
    case 'visible-string':
    case 'utf8-string':
      return { type, value: hex(raw) };
    case 'boolean':
      return { type, value: raw === 'true' };
    case 'long64':
    case 'long64-unsigned':
      return { type, value: BigInt(raw) };
    case 'double-long':
    case 'double-long-unsigned':
    case 'integer':
    case 'long':
    case 'unsigned':
    case 'long-unsigned':
    case 'enum':
      return { type, value: Number(raw) } as DlmsData;
    default:
      throw new SyntaxError(`no literal form for ${type}`);
  }
}

/**
 * Parses a value literal (module docstring); in quoted strings `_` stands for a space.
 * @throws SyntaxError (a bug in a model table).
 */
export function parseValue(text: string): DlmsData {
  const c = new Cursor(text);
  const v = parseValueAt(c);
  c.done();
  return v;
}

// Constructors for computed values: numbers are rounded and clamped to the type (NaN reads 0).
const clamp = (v: number, min: number, max: number) =>
  Number.isNaN(v) ? 0 : Math.max(min, Math.min(max, Math.round(v)));
export const dlu = (v: number): DlmsData => ({
  type: 'double-long-unsigned',
  value: clamp(v, 0, 0xffffffff),
});
export const dl = (v: number): DlmsData => ({
  type: 'double-long',
  value: clamp(v, -0x80000000, 0x7fffffff),
});
export const lu = (v: number): DlmsData => ({ type: 'long-unsigned', value: v & 0xffff });
export const u8 = (v: number): DlmsData => ({ type: 'unsigned', value: v & 0xff });
export const int8 = (v: number): DlmsData => ({ type: 'integer', value: v });
export const en = (v: number): DlmsData => ({ type: 'enum', value: v });
export const bool = (v: boolean): DlmsData => ({ type: 'boolean', value: v });
export const os = (v: Uint8Array): DlmsData => ({ type: 'octet-string', value: v });
export const utf8 = (s: string): DlmsData => ({ type: 'utf8-string', value: new TextEncoder().encode(s) });
export const st = (...value: DlmsData[]): DlmsData => ({ type: 'structure', value });
export const arr = (value: DlmsData[]): DlmsData => ({ type: 'array', value });
export const scalerUnit = (scaler: number, unit: number): DlmsData => st(int8(scaler), en(unit));

/** Hex of a value's A-XDR encoding (how stored attributes are kept in plain state). */
export const dataHex = (d: DlmsData): string => toHex(encodeData(d));

// ---------------------------------------------------------------------------------------------
// OBIS codes

/** `0-0:94.44.0.4` → `00005e2c0004`; a five-group code gets `.255`. */
export function obisHex(code: string): string {
  const m = /^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?$/.exec(code);
  if (!m) throw new SyntaxError(`not an OBIS code: ${code}`);
  return m
    .slice(1, 7)
    .map((g) =>
      Number(g ?? 255)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('');
}

/** `00005e2c0004` → `0-0:94.44.0.4` (for names and errors). */
export function obisText(hex: string): string {
  const b = fromHex(hex);
  return `${b[0]}-${b[1]}:${b[2]}.${b[3]}.${b[4]}.${b[5]}`;
}

// ---------------------------------------------------------------------------------------------
// Time

/** GBCS UTC seconds (double-long-unsigned in buffers and range selectors) count from 2000-01-01T00:00Z. */
export const GBCS_EPOCH_MS = EPOCH_2000_MS;
export const toGbcsSeconds = (ms: number): number => Math.floor((ms - GBCS_EPOCH_MS) / 1000);
export const fromGbcsSeconds = (s: number): number => GBCS_EPOCH_MS + s * 1000;

export const DAY_MS = MS_PER_DAY;
export const HALF_HOUR_MS = 1_800_000;

/** The 12-byte DLMS date-time of a UTC instant as GBCS payloads carry it (protocol/dlms-date-time.ts, form `gbcs`). */
export const dateTimeBytes = (ms: number): Uint8Array => encodeDlmsDateTime(ms, 'gbcs');

/**
 * Reads a 12-byte DLMS date-time as GBCS commands use it: `'now'` (date and time all zero —
 * "activate immediately"), `'never'` (all `FF` — cancel / not specified), a UTC instant, or null
 * when some field is a wildcard, out of range or the date does not exist (2027-02-29, 04-31: never
 * rolled over to the next month; protocol/dlms-date-time.ts `dlmsDateTimeInstant`).
 */
export function readDateTime(b: Uint8Array): number | 'now' | 'never' | null {
  if (b.length !== 12) return null;
  const head = b.subarray(0, 9);
  if (head.every((x) => x === 0)) return 'now';
  if (head.every((x) => x === 0xff)) return 'never';
  try {
    return dlmsDateTimeInstant(b);
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}

/**
 * Whether the 5-byte DLMS date `b` (year FFFF = every year, month/day FF = every; FD/FE months are
 * DST markers and never match here) names the UTC day of `ms`.
 */
export function dateMatches(b: Uint8Array, ms: number): boolean {
  if (b.length !== 5) return false;
  const d = new Date(ms);
  const year = (b[0]! << 8) | b[1]!;
  const month = b[2]!;
  const day = b[3]!;
  const dow = b[4]!;
  if (year !== 0xffff && year !== d.getUTCFullYear()) return false;
  if (month !== 0xff && month !== d.getUTCMonth() + 1) return false;
  if (day !== 0xff && day !== d.getUTCDate()) return false;
  if (dow !== 0xff && dow !== ((d.getUTCDay() + 6) % 7) + 1) return false;
  return true;
}

/** Milliseconds after midnight of a 4-byte DLMS time (FF fields count as 0); null if malformed. */
export function timeOfDayMs(b: Uint8Array): number | null {
  if (b.length !== 4) return null;
  const f = (x: number) => (x === 0xff ? 0 : x);
  const [h, m, s] = [f(b[0]!), f(b[1]!), f(b[2]!)];
  if (h > 23 || m > 59 || s > 59) return null;
  return ((h * 60 + m) * 60 + s) * 1000;
}

// ---------------------------------------------------------------------------------------------
// Compact arrays (profile generic buffers as GBCS returns them)

function writeUntagged(out: number[], d: DlmsData): void {
  if (d.type === 'structure' || d.type === 'array') {
    for (const x of d.value) writeUntagged(out, x);
    return;
  }
  const b = encodeData(d);
  for (let i = 1; i < b.length; i++) out.push(b[i]!);
}

/** Type-description of a row value (arrays by their element count and first element's type). */
export function typeDescriptionOf(d: DlmsData): TypeDescription {
  if (d.type === 'structure') return { type: 'structure', elements: d.value.map(typeDescriptionOf) };
  if (d.type === 'array') {
    const first = d.value[0];
    return {
      type: 'array',
      numberOfElements: d.value.length,
      typeDescription: first ? typeDescriptionOf(first) : { type: 'null-data' },
    };
  }
  if (d.type === 'compact-array') throw new RangeError('compact-array inside a compact-array');
  return { type: d.type };
}

/**
 * A compact-array (Blue Book 4.1.5) of `rows`, all shaped like `template` (used for the
 * type-description, so an empty buffer still describes its entries).
 */
export function compactArray(template: DlmsData, rows: DlmsData[]): DlmsData {
  const out: number[] = [];
  for (const r of rows) writeUntagged(out, r);
  return {
    type: 'compact-array',
    contentsDescription: typeDescriptionOf(template),
    arrayContents: Uint8Array.from(out),
  };
}
