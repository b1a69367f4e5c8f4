/**
 * The ESME's configurable COSEM attributes: every attribute a Remote Party writes and reads back
 * (tariff switching tables, price matrices, prepayment thresholds, calendars, labels, alert
 * behaviours, MPANs …) with its data type and the factory default, and the passive → active
 * activations GBCS uses for future-dated changes (ECS01a/b/c/d, ECS02/03, ECS08, ECS28a, ECS46c/d).
 *
 * Values written are kept in `EsmeModel.attributes` as A-XDR hex; a read returns the written value
 * or the default. Types and structures are facts of the GBCS/COSEM object model (interface classes
 * 1, 10, 11, 20, 21, 22, 111, 113, GBCS Extended Data 9000); the defaults are this simulator's
 * factory settings (single-rate tariff, UK bank holidays, credit mode…).
 */
import { ByteReader, fromHex } from '../../../protocol/bytes.ts';
import { type DlmsData, decodeData } from '../../../protocol/dlms/axdr.ts';
import { dataHex, obisHex, parseType, parseValue, readDateTime, type TypeSpec } from './dlms.ts';
import type { EsmeModel } from './state.ts';

export interface StoredAttribute {
  key: string;
  name: string;
  type: TypeSpec;
  default: DlmsData;
  /** A Remote Party may write it (else read-only: read-write-denied on set). */
  writable: boolean;
  /** Readable (some GBCS objects are write-only triggers). */
  readable: boolean;
}

export const attrKey = (classId: number, obis: string, attr: number): string =>
  `${classId}/${/^[0-9a-f]{12}$/.test(obis) ? obis : obisHex(obis)}/${attr}`;

const TABLE = new Map<string, StoredAttribute>();

function def(
  classId: number,
  obis: string,
  attr: number,
  name: string,
  type: string,
  value: string | DlmsData,
  opts: { writable?: boolean; readable?: boolean } = {},
): void {
  const key = attrKey(classId, obis, attr);
  TABLE.set(key, {
    key,
    name,
    type: parseType(type),
    default: typeof value === 'string' ? parseValue(value) : value,
    writable: opts.writable ?? true,
    readable: opts.readable ?? true,
  });
}

const NEVER = 'os:ffffffffffffffffff8000ff';

/** Activation attribute → the passive → active copies it performs (`from` key, `to` key). */
const ACTIVATIONS = new Map<string, Array<[string, string]>>();
function activation(activator: string, copies: Array<[string, string]>): void {
  ACTIVATIONS.set(activator, copies);
}

// --- Tariff switching tables (IC 20 Activity Calendar): primary 0-0:13.0.0, secondary 0-0:13.0.1.
const SEASONS = 'A[S{os,os,os}]';
const WEEKS = 'A[S{os,u,u,u,u,u,u,u}]';
const DAYS = 'A[S{u,A[S{os,os,lu}]}]';
for (const [obis, name, selector] of [
  ['0-0:13.0.0', 'Tariff Switching Table', 1],
  ['0-0:13.0.1', 'Tariff Switching Table Secondary Element', 201],
] as const) {
  def(20, obis, 2, `${name} calendar_name_active`, 'os', 'os:666163746f7279');
  def(
    20,
    obis,
    3,
    `${name} season_profile_active`,
    SEASONS,
    'A[S{os:616c6c,os:07d00101ff000000008000ff,os:01}]',
  );
  def(20, obis, 4, `${name} week_profile_table_active`, WEEKS, 'A[S{os:01,u:1,u:1,u:1,u:1,u:1,u:1,u:1}]');
  def(
    20,
    obis,
    5,
    `${name} day_profile_table_active`,
    DAYS,
    `A[S{u:1,A[S{os:00000000,os:00000a0064ff,lu:${selector}}]}]`,
  );
  def(20, obis, 6, `${name} calendar_name_passive`, 'os', 'os:');
  def(20, obis, 7, `${name} season_profile_passive`, SEASONS, 'A[]');
  def(20, obis, 8, `${name} week_profile_table_passive`, WEEKS, 'A[]');
  def(20, obis, 9, `${name} day_profile_table_passive`, DAYS, 'A[]');
  def(20, obis, 10, `${name} activate_passive_calendar_time`, 'os', NEVER);
  activation(
    attrKey(20, obis, 10),
    [6, 7, 8, 9].map((a) => [attrKey(20, obis, a), attrKey(20, obis, a - 4)]),
  );
}

// --- Special days tables (IC 11): active 0-0:11.0.n, passive 0-1:11.0.n.
const SPECIAL_DAYS = 'A[S{lu,os,u}]';
const BANK_HOLIDAYS = 'A[S{lu:1,os:ffff0101ff,u:1},S{lu:2,os:ffff0c19ff,u:1},S{lu:3,os:ffff0c1aff,u:1}]';
for (const [n, name] of [
  [0, 'Tariff Switching Table Special Days'],
  [1, 'Tariff Switching Table Secondary Element Special Days'],
  [2, 'Non-Disablement Calendar Special Days'],
  [3, 'Auxiliary Load Control Calendar Special Days'],
] as const) {
  def(11, `0-0:11.0.${n}`, 2, `${name} (active)`, SPECIAL_DAYS, BANK_HOLIDAYS);
  def(11, `0-1:11.0.${n}`, 2, `${name} (passive)`, SPECIAL_DAYS, 'A[]');
}

// --- Schedules (IC 10): MD configurable period, non-disablement calendar, ALCS calendar.
const SCHEDULE = 'A[S{lu,b,os,lu,os,lu,bs,bs,os,os}]';
const entry = (i: number, script: string, selector: number, time: string) =>
  `S{lu:${i},b:true,os:${obisHex(script)},lu:${selector},os:${time},lu:65535,bs7:fe,bs0:,os:ffffffffff,os:ffffffffff}`;
def(
  10,
  '0-0:12.0.0',
  2,
  'Maximum Demand Configurable Time Period',
  SCHEDULE,
  `A[${entry(1, '0-0:10.128.100', 1, '10000000')},${entry(2, '0-0:10.128.100', 2, '13000000')}]`,
);
def(
  10,
  '0-0:12.0.1',
  2,
  'Non-Disablement Calendar (active)',
  SCHEDULE,
  `A[${entry(1, '0-0:10.0.106', 32, '10000000')},${entry(2, '0-0:10.0.106', 33, '08000000')}]`,
);
def(10, '0-1:12.0.1', 2, 'Non-Disablement Calendar (passive)', SCHEDULE, 'A[]');
def(
  10,
  '0-0:12.0.2',
  2,
  'Auxiliary Load Control Calendar (active)',
  SCHEDULE,
  `A[${entry(1, '0-0:10.0.103', 0x0101, '001e0000')},${entry(2, '0-0:10.0.103', 0x0102, '071e0000')}]`,
);
def(10, '0-1:12.0.2', 2, 'Auxiliary Load Control Calendar (passive)', SCHEDULE, 'A[]');

// --- Tariff threshold matrix (IC 21 Register Monitor thresholds): active 0-0:16.0.11..18, passive 0-0:16.1.11..18.
for (let tou = 1; tou <= 8; tou++) {
  const none = 'A[dlu:4294967295,dlu:4294967295,dlu:4294967295]';
  def(21, `0-0:16.0.${10 + tou}`, 2, `Tariff Threshold Matrix Blocks TOU${tou} (active)`, 'A[dlu]', none);
  def(21, `0-0:16.1.${10 + tou}`, 2, `Tariff Threshold Matrix Blocks TOU${tou} (passive)`, 'A[dlu]', none);
}
def(21, '0-0:16.0.0', 2, 'Instantaneous Power Thresholds (W)', 'A[dlu]', 'A[dlu:3000,dlu:6000]');
def(21, '0-0:16.0.1', 2, 'Meter Balance Thresholds', 'A[dl]', 'A[dl:200000]');

// --- Charges (IC 113): price matrix, debt recovery, standing charge, secondary price matrix.
const CHARGE = 'S{S{i,i},S{lu,os,i},A[S{os,l}]}';
function priceMatrix(prices: Array<[number, number]>, registerObis: string): DlmsData {
  return parseValue(
    `S{S{i:3,i:-5},S{lu:3,os:${obisHex(registerObis)},i:2},A[${prices
      .map(([i, p]) => `S{os:${i.toString(16).padStart(2, '0')},l:${p}}`)
      .join(',')}]}`,
  );
}
const primaryIndices = [
  ...Array.from({ length: 48 }, (_, i) => i + 1),
  ...[0xa0, 0xb0, 0xc0, 0xd0].flatMap((b) => Array.from({ length: 8 }, (_, i) => b + i + 1)),
];
// Factory prices (10^-5 currency units per kWh): TOU 1 and block 1 of TOU 1 at 15p, the rest unpriced.
const factoryPrices = primaryIndices.map((i): [number, number] => [i, i === 1 || i === 0xa1 ? 15000 : 0]);
def(
  113,
  '0-0:19.20.0',
  5,
  'Tariff Block Price Matrix TOU unit_charge_active',
  CHARGE,
  priceMatrix(factoryPrices, '1-0:1.8.0'),
);
def(
  113,
  '0-0:19.20.0',
  6,
  'Tariff Block Price Matrix TOU unit_charge_passive',
  CHARGE,
  priceMatrix([], '1-0:1.8.0'),
);
def(113, '0-0:19.20.0', 7, 'Tariff Block Price Matrix TOU unit_charge_activation_time', 'os', NEVER);
const secondaryPrices: Array<[number, number]> = [1, 2, 3, 4].map((i) => [i, i === 1 ? 9000 : 0]);
def(
  113,
  '0-0:19.20.5',
  5,
  'Secondary Tariff TOU Price Matrix unit_charge_active',
  CHARGE,
  priceMatrix(secondaryPrices, '1-20:1.8.0'),
);
def(
  113,
  '0-0:19.20.5',
  6,
  'Secondary Tariff TOU Price Matrix unit_charge_passive',
  CHARGE,
  priceMatrix([], '1-20:1.8.0'),
);
def(113, '0-0:19.20.5', 7, 'Secondary Tariff TOU Price Matrix unit_charge_activation_time', 'os', NEVER);
const flatCharge = (p: number) => `S{S{i:0,i:-5},S{lu:0,os:000000000000,i:0},A[S{os:,l:${p}}]}`;
def(113, '0-0:19.20.4', 5, 'Standing Charge unit_charge_active (per day)', CHARGE, flatCharge(25000));
def(113, '0-0:19.20.4', 6, 'Standing Charge unit_charge_passive', CHARGE, flatCharge(0));
def(113, '0-0:19.20.4', 7, 'Standing Charge unit_charge_activation_time', 'os', NEVER);
for (const n of [1, 2]) {
  def(
    113,
    `0-0:19.20.${n}`,
    5,
    `Debt Recovery Rates ${n} unit_charge_active (per period)`,
    CHARGE,
    flatCharge(0),
  );
  def(113, `0-0:19.20.${n}`, 6, `Debt Recovery Rates ${n} unit_charge_passive`, CHARGE, flatCharge(0));
  def(113, `0-0:19.20.${n}`, 8, `Debt Recovery Rates ${n} period (s)`, 'dlu', 'dlu:86400');
}
def(113, '0-0:19.20.3', 13, 'Debt Recovery per Payment proportion (1/10000)', 'lu', 'lu:0');
for (const obis of ['0-0:19.20.0', '0-0:19.20.4', '0-0:19.20.5']) {
  activation(attrKey(113, obis, 7), [[attrKey(113, obis, 6), attrKey(113, obis, 5)]]);
}

// --- Account (IC 111): active 0-0:19.0.0, passive 0-1:19.0.0 (ECS02/ECS03 payment mode change).
const CREDIT_CHARGE = 'A[S{os,os,bs}]';
const cc = (credit: string, charge: string, bits: string) =>
  `S{os:${obisHex(credit)},os:${obisHex(charge)},bs3:${bits}}`;
const CREDIT_CHARGE_DEFAULT = `A[${[
  cc('0-0:19.10.0', '0-0:19.20.0', 'e0'),
  cc('0-0:19.10.0', '0-0:19.20.4', 'e0'),
  cc('0-0:19.10.0', '0-0:19.20.1', 'c0'),
  cc('0-0:19.10.0', '0-0:19.20.2', 'c0'),
  cc('0-0:19.10.0', '0-0:19.20.3', 'e0'),
  cc('0-0:19.10.1', '0-0:19.20.0', 'e0'),
  cc('0-0:19.10.1', '0-0:19.20.4', 'e0'),
].join(',')}]`;
def(
  111,
  '0-0:19.0.0',
  2,
  'Account mode and status (mode 1 credit, 2 prepayment; status 2 active)',
  'S{e,e}',
  'S{e:1,e:2}',
);
def(111, '0-0:19.0.0', 11, 'Credit charge configuration', CREDIT_CHARGE, CREDIT_CHARGE_DEFAULT);
def(111, '0-0:19.0.0', 16, 'Low credit threshold', 'dl', 'dl:200000');
def(111, '0-0:19.0.0', 18, 'Max provision (per period)', 'lu', 'lu:10000');
def(111, '0-0:19.0.0', 19, 'Max provision period (s)', 'dl', 'dl:604800');
def(111, '0-1:19.0.0', 2, 'Account mode and status (passive)', 'S{e,e}', 'S{e:1,e:2}');
def(111, '0-1:19.0.0', 11, 'Credit charge configuration (passive)', CREDIT_CHARGE, CREDIT_CHARGE_DEFAULT);
def(111, '0-1:19.0.0', 13, 'Account activation time', 'os', NEVER);
activation(attrKey(111, '0-1:19.0.0', 13), [
  [attrKey(111, '0-1:19.0.0', 2), attrKey(111, '0-0:19.0.0', 2)],
  [attrKey(111, '0-1:19.0.0', 11), attrKey(111, '0-0:19.0.0', 11)],
]);

// --- GBCS Extended Data (class 9000): 2 value active, 4 value passive, 6 activate passive value time.
function ext(
  obis: string,
  name: string,
  type: string,
  value: string,
  extra: Array<[string, string]> = [],
): void {
  def(9000, obis, 2, `${name} (active)`, type, value);
  def(9000, obis, 4, `${name} (passive)`, type, value);
  def(9000, obis, 6, `${name} activate_passive_value_time`, 'os', NEVER);
  activation(attrKey(9000, obis, 6), [[attrKey(9000, obis, 4), attrKey(9000, obis, 2)], ...extra]);
}
/** A class-9000 object used only as the activation time of other objects' passive values. */
function activator(obis: string, name: string, copies: Array<[string, string]>): void {
  def(9000, obis, 6, `${name} activate_passive_value_time`, 'os', NEVER);
  activation(attrKey(9000, obis, 6), copies);
}
ext('0-0:94.44.2.0', 'Currency Unit (true = GBP)', 'b', 'b:true');
ext('0-0:94.44.2.10', 'Prepayment Credit Max Credit Threshold', 'dl', 'dl:10000000');
ext('0-0:94.44.2.20', 'Prepayment Credit Max Meter Balance', 'dl', 'dl:20000000');
ext('0-0:94.44.128.2', 'Emergency Credit Limit', 'dl', 'dl:500000');
ext('0-0:94.44.128.3', 'Emergency Credit Threshold', 'dl', 'dl:100000');
ext('0-0:94.44.128.9', 'Low Credit Threshold', 'dl', 'dl:200000');
ext('0-0:94.44.128.12', 'Debt Recovery Rate Cap Amount', 'lu', 'lu:0');
ext('0-0:94.44.128.13', 'Debt Recovery Rate Cap Period (s)', 'dl', 'dl:604800');
ext('0-0:94.44.128.22', 'Disablement Threshold Meter Balance', 'dl', 'dl:0');
ext('0-0:94.44.0.3', 'Load Limit Supply State (disable on overload)', 'b', 'b:false');
ext('0-0:94.44.128.6', 'Load Limit Period (s)', 'dlu', 'dlu:300');
ext('0-0:94.44.128.7', 'Load Limit Power Threshold (W)', 'dlu', 'dlu:15000');
ext('0-0:94.44.128.8', 'Load Limit Restoration Period (s)', 'dlu', 'dlu:30');
activator(
  '0-0:63.1.1',
  'Tariff Threshold Matrix',
  Array.from({ length: 8 }, (_, i): [string, string] => [
    attrKey(21, `0-0:16.1.${11 + i}`, 2),
    attrKey(21, `0-0:16.0.${11 + i}`, 2),
  ]),
);
const specialDays = (n: number): [string, string] => [
  attrKey(11, `0-1:11.0.${n}`, 2),
  attrKey(11, `0-0:11.0.${n}`, 2),
];
const schedule = (n: number): [string, string] => [
  attrKey(10, `0-1:12.0.${n}`, 2),
  attrKey(10, `0-0:12.0.${n}`, 2),
];
activator('0-0:94.44.128.29', 'Tariff Switching Table Special Days', [specialDays(0)]);
activator('0-0:94.44.128.30', 'Tariff Switching Table Secondary Element Special Days', [specialDays(1)]);
activator('0-0:94.44.128.28', 'Non-Disablement Calendar', [schedule(1)]);
activator('0-0:94.44.128.31', 'Non-Disablement Calendar Special Days', [specialDays(2)]);
activator('0-0:94.44.128.26', 'Auxiliary Load Control Calendar', [schedule(2)]);
activator('0-0:94.44.128.35', 'Auxiliary Load Control Calendar Special Days', [specialDays(3)]);
def(9000, '0-0:96.13.0', 2, 'Contact Details Supplier Telephone Number', 'os', 'os:');
def(9000, '0-0:96.13.1', 2, 'Contact Details Supplier Name', 'os', 'os:');

// --- Single action schedules (IC 22 execution_time): billing calendar, daily block counter reset.
def(22, '0-0:15.0.0', 4, 'Billing Calendar execution_time', 'A[S{os,os}]', 'A[S{os:00000000,os:ffffff01ff}]');
def(22, '0-0:15.1.0', 4, 'Tariff Block Counter Matrix daily reset execution_time', 'A[S{os,os}]', 'A[]');

// --- Load limiting and voltage (IC 71 limiters: 4 threshold_normal, 6 min_over, 7 min_under).
for (const [n, name, threshold] of [
  [1, 'RMS Extreme Over Voltage', 276],
  [2, 'RMS Extreme Under Voltage', 184],
  [3, 'RMS Voltage Sag', 207],
  [4, 'RMS Voltage Swell', 253],
] as const) {
  def(71, `0-0:17.0.${n}`, 4, `${name} Threshold (V)`, 'dlu', `dlu:${threshold}`);
  def(71, `0-0:17.0.${n}`, 6, `${name} Measurement Period (s)`, 'dlu', 'dlu:30');
}
for (const phase of [32, 52, 72]) {
  def(
    1,
    `1-0:${phase}.31.0.4`,
    2,
    `Average RMS Under Voltage Threshold L${(phase - 12) / 20} (V)`,
    'dlu',
    'dlu:216',
  );
  def(
    1,
    `1-0:${phase}.35.0.4`,
    2,
    `Average RMS Over Voltage Threshold L${(phase - 12) / 20} (V)`,
    'dlu',
    'dlu:253',
  );
  def(
    7,
    `1-0:${phase}.24.0`,
    4,
    `Average RMS Voltage Profile L${(phase - 12) / 20} capture_period (s)`,
    'dlu',
    'dlu:1800',
  );
}

// --- Device information and identity that Remote Parties write (class 1 Data, attribute 2).
def(1, '0-0:94.44.0.1', 2, 'Randomised Offset Limit (s)', 'lu', 'lu:1800');
def(1, '0-0:94.44.0.2', 2, 'Randomised Offset Period (s)', 'lu', 'lu:1800');
def(1, '0-0:94.44.0.4', 2, 'Supply Tamper State (true = disable on tamper)', 'b', 'b:false');
def(1, '0-0:94.44.3.1', 2, 'Disable Privacy PIN Protection', 'os', 'os:');
def(1, '0-0:94.44.3.2', 2, 'Restrict Data Date Time (change of tenancy)', 'os', NEVER);
def(1, '0-0:94.44.34.11', 2, 'MPAN (import)', 'os', 'os:');
def(1, '1-0:0.0.2', 2, 'MPAN (export)', 'os', 'os:');
def(1, '0-2:96.13.1', 2, 'Supplier Message', 'os', 'os:');
def(1, '0-3:96.13.1', 2, 'Customer Identification Number (CIN)', 'os', 'os:');
def(1, '0-0:96.1.4', 2, 'Manufacturer and Model', 'os', 'os"GBCSSIM_ESME"', { writable: false });
def(1, '0-0:96.1.6', 2, 'SMETS Version', 'os', 'os"S2"', { writable: false });
def(1, '0-0:0.2.1', 2, 'Firmware Version', 'os', 'os:01020304', { writable: false });
for (let n = 1; n <= 5; n++) {
  def(1, `0-0:94.44.0.${10 + n}`, 2, `Auxiliary Load Control Switch ${n} Label`, 'vs', `vs"ALCS_${n}"`);
  def(1, `0-0:94.44.0.${20 + n}`, 2, `Auxiliary Controller ${n} Configuration`, 'os', 'os:0000000000000000');
  def(
    1,
    `0-0:94.44.6.${n}`,
    2,
    `Boost Button Associated with ALCS ${n}`,
    'b',
    n === 1 ? 'b:true' : 'b:false',
  );
}
def(1, '0-0:94.44.7', 2, 'Boost Button Enabled', 'b', 'b:true');
// ECS47 parameters: a start date-time or a duration in minutes, per auxiliary controller.
for (const obis of [
  '117.1',
  '117.2',
  '119.1',
  '119.2',
  '119.3',
  '119.4',
  '121.1',
  '121.2',
  '121.3',
  '121.4',
]) {
  def(1, `0-0:94.44.${obis}`, 2, `Auxiliary Controller Command Parameter 94.44.${obis}`, 'os|lu', 'lu:0');
}

// --- Alert and event behaviours (ECS25): written via .11–.14, read back via .15–.18.
for (const [channel, party] of [
  [30, 'Supplier'],
  [33, 'Network Operator'],
] as const) {
  for (let k = 0; k < 4; k++) {
    const what = [
      'Alert Behaviour',
      'HAN Device Event Behaviour',
      'Audible Alarm Behaviour',
      'Logging Behaviour',
    ][k]!;
    const bits = `bs256:${k === 3 ? 'ff'.repeat(32) : '00'.repeat(32)}`;
    def(1, `0-${channel}:97.98.${15 + k}`, 2, `${party} ${what}`, 'bs', bits, { writable: false });
    def(1, `0-${channel}:97.98.${11 + k}`, 2, `${party} ${what} (write)`, 'bs', bits, { readable: false });
  }
}

// ---------------------------------------------------------------------------------------------

/** The stored attribute at `key` (`class/obisHex/attr`), if this is one. */
export function storedAttribute(key: string): StoredAttribute | undefined {
  return TABLE.get(key);
}

/** Every stored attribute (for documentation and tests). */
export function storedAttributes(): StoredAttribute[] {
  return [...TABLE.values()];
}

/** The value of a stored attribute: what was written, else the factory default. */
export function readStored(model: EsmeModel, key: string): DlmsData {
  const hex = model.attributes[key];
  if (hex !== undefined) return decodeData(new ByteReader(fromHex(hex)));
  const a = TABLE.get(key);
  if (!a) throw new RangeError(`not a stored ESME attribute: ${key}`);
  return a.default;
}

export function writeStored(model: EsmeModel, key: string, value: DlmsData): void {
  model.attributes[key] = dataHex(value);
}

/** Whether `key` is an activation time attribute. */
export function isActivation(key: string): boolean {
  return ACTIVATIONS.has(key);
}

/** Every activation attribute key. */
export function activationKeys(): string[] {
  return [...ACTIVATIONS.keys()];
}

/** Copies the passive values of `activator` into their active attributes and clears the time. */
export function activate(model: EsmeModel, activatorKey: string): void {
  for (const [from, to] of ACTIVATIONS.get(activatorKey) ?? [])
    writeStored(model, to, readStored(model, from));
  writeStored(model, activatorKey, parseValue(NEVER));
}

/** The pending activation time of `key` (ms), or null when none is set (never / malformed). */
export function activationTime(model: EsmeModel, key: string): number | null {
  const v = readStored(model, key);
  if (v.type !== 'octet-string') return null;
  const t = readDateTime(v.value);
  return typeof t === 'number' ? t : null;
}

/** A number read from a stored attribute (double-long, long-unsigned …); 0 when not numeric. */
export function storedNumber(model: EsmeModel, key: string): number {
  const v = readStored(model, key);
  return 'value' in v && typeof v.value === 'number' ? v.value : 0;
}
