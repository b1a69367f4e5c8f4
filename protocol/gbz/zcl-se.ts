/**
 * ZigBee Smart Energy (ZSE 1.2–1.4, as GBCS profiles it) cluster-specific commands that GBZ
 * payloads carry between the DCC and a GSME/GPF, both directions: Price 0x0700, Metering 0x0702,
 * Messaging 0x0703, Prepayment 0x0705, Calendar 0x0707, Device Management 0x0708, Events 0x0709.
 *
 * Each command is a field list (its ZSE payload layout); one table-driven codec decodes and encodes
 * every command, so both directions stay consistent and round-trip byte for byte. Field layouts
 * follow the ZSE specification as GBCS uses it and are pinned by RTDS 4.5.0 (every GSME/GPF
 * command and response payload decodes and re-encodes to itself: test/protocol/gbz/zcl-se.test.ts).
 *
 * Values: integers, bitmaps and enumerations as numbers (uint48 fits a double exactly); UTCTime as
 * seconds since 2000-01-01 (zcl.ts toZclUtcTime/fromZclUtcTime); octet/character strings as their
 * content bytes; ZCL Date as its four raw octets; lists as arrays of records.
 */
import { ByteReader, concatBytes } from '../bytes.ts';
import { DecodeError, ErrorCode } from '../errors.ts';
import { intLe, intOfLe, isServerToClient, uintLe, uintOfLe, zclString } from './zcl.ts';

export const ZseCluster = {
  BASIC: 0x0000,
  TIME: 0x000a,
  PRICE: 0x0700,
  METERING: 0x0702,
  MESSAGING: 0x0703,
  TUNNELING: 0x0704,
  PREPAYMENT: 0x0705,
  CALENDAR: 0x0707,
  DEVICE_MANAGEMENT: 0x0708,
  EVENTS: 0x0709,
} as const;

/** A command's direction: sent by the cluster's client (to the server) or by its server. */
export type ZseDirection = 'client-to-server' | 'server-to-client';

type Scalar =
  | 'u8'
  | 'u16'
  | 'u24'
  | 'u32'
  | 'u48'
  | 'i32'
  | 'utc'
  | 'bitmap8'
  | 'bitmap16'
  | 'bitmap32'
  | 'enum8'
  | 'enum16';

const SCALAR_SIZE: Record<Scalar, number> = {
  u8: 1,
  u16: 2,
  u24: 3,
  u32: 4,
  u48: 6,
  i32: 4,
  utc: 4,
  bitmap8: 1,
  bitmap16: 2,
  bitmap32: 4,
  enum8: 1,
  enum16: 2,
};

/** A field of a ZSE payload. */
export type ZseField =
  | { name: string; type: Scalar }
  /** Octet/character string: 1-byte length ‖ content. */
  | { name: string; type: 'octstr' }
  /** ZCL Date: year-1900, month, day of month, day of week (0xFF = any), four raw octets. */
  | { name: string; type: 'date' }
  /** A fixed number of uint8 (e.g. the 7 day-id references of a week profile). */
  | { name: string; type: 'u8array'; length: number }
  /** A trailing scalar that may be absent (present when bytes remain). */
  | { name: string; type: 'optional'; of: Scalar }
  /** Whatever bytes remain, raw (e.g. a snapshot sub-payload). */
  | { name: string; type: 'rest' }
  /** Repeated records: `count(record so far)` times, or until the payload ends. */
  | { name: string; type: 'list'; fields: ZseField[]; count?: (rec: ZseRecord) => number };

export type ZseValue = number | Uint8Array | number[] | ZseRecord[] | undefined;
export interface ZseRecord {
  [field: string]: ZseValue;
}

/** A command's definition: where it lives and its payload layout. */
export interface ZseCommandDef<T = ZseRecord> {
  clusterId: number;
  direction: ZseDirection;
  commandId: number;
  name: string;
  fields: ZseField[];
  /** Phantom: the decoded shape. */
  readonly _type?: T;
}

function def<T>(
  clusterId: number,
  direction: ZseDirection,
  commandId: number,
  name: string,
  fields: ZseField[],
): ZseCommandDef<T> {
  return { clusterId, direction, commandId, name, fields };
}

// ---------------------------------------------------------------------------------------------
// Codec

function readFields(r: ByteReader, fields: ZseField[], name: string): ZseRecord {
  const rec: ZseRecord = {};
  for (const f of fields) {
    const what = `${name}: ${f.name}`;
    switch (f.type) {
      case 'octstr': {
        const n = r.u8(`${what} length`);
        rec[f.name] = n === 0xff ? new Uint8Array(0) : r.take(n, what).slice();
        break;
      }
      case 'date':
      case 'u8array':
        rec[f.name] = Array.from(r.take(f.type === 'date' ? 4 : f.length, what));
        break;
      case 'optional':
        rec[f.name] = r.remaining > 0 ? readScalar(r, f.of, what) : undefined;
        break;
      case 'rest':
        rec[f.name] = r.take(r.remaining, what).slice();
        break;
      case 'list': {
        const items: ZseRecord[] = [];
        if (f.count) {
          const n = f.count(rec);
          for (let i = 0; i < n; i++) items.push(readFields(r, f.fields, `${what}[${i}]`));
        } else {
          while (r.remaining > 0) items.push(readFields(r, f.fields, `${what}[${items.length}]`));
        }
        rec[f.name] = items;
        break;
      }
      default:
        rec[f.name] = readScalar(r, f.type, what);
    }
  }
  return rec;
}

function readScalar(r: ByteReader, t: Scalar, what: string): number {
  const b = r.take(SCALAR_SIZE[t], what);
  return t === 'i32' ? intOfLe(b) : uintOfLe(b);
}

function writeScalar(t: Scalar, v: unknown, what: string): Uint8Array {
  if (typeof v !== 'number') throw new RangeError(`${what}: expected a number`);
  return t === 'i32' ? intLe(v, 4, what) : uintLe(v, SCALAR_SIZE[t], what);
}

function writeFields(rec: ZseRecord, fields: ZseField[], name: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of fields) {
    const v = rec[f.name];
    const what = `${name}: ${f.name}`;
    switch (f.type) {
      case 'octstr':
        if (!(v instanceof Uint8Array)) throw new RangeError(`${what}: expected bytes`);
        out.push(zclString(v));
        break;
      case 'date':
      case 'u8array': {
        const n = f.type === 'date' ? 4 : f.length;
        if (!Array.isArray(v) || v.length !== n) throw new RangeError(`${what}: expected ${n} octets`);
        out.push(Uint8Array.from(v.map((x) => uintLe(x as number, 1, what)[0]!)));
        break;
      }
      case 'optional':
        if (v !== undefined) out.push(writeScalar(f.of, v, what));
        break;
      case 'rest':
        if (!(v instanceof Uint8Array)) throw new RangeError(`${what}: expected bytes`);
        out.push(v);
        break;
      case 'list': {
        if (!Array.isArray(v)) throw new RangeError(`${what}: expected a list`);
        const items = v as ZseRecord[];
        if (f.count && f.count(rec) !== items.length) {
          throw new RangeError(`${what}: ${items.length} item(s), the count field says ${f.count(rec)}`);
        }
        items.forEach((it, i) => {
          out.push(...writeFields(it, f.fields, `${what}[${i}]`));
        });
        break;
      }
      default:
        out.push(writeScalar(f.type, v, what));
    }
  }
  return out;
}

/**
 * Decodes a command payload by its definition; the whole payload must be consumed.
 * @throws DecodeError TRUNCATED, TRAILING_BYTES
 */
export function decodeZse<T>(d: ZseCommandDef<T>, payload: Uint8Array, baseOffset = 0): T {
  const r = new ByteReader(payload, baseOffset);
  const rec = readFields(r, d.fields, d.name);
  r.end(d.name);
  return rec as T;
}

/** Encodes a command payload. @throws RangeError for missing or out-of-range fields */
export function encodeZse<T>(d: ZseCommandDef<T>, value: T): Uint8Array {
  return concatBytes(...writeFields(value as ZseRecord, d.fields, d.name));
}

// ---------------------------------------------------------------------------------------------
// Definitions

const C2S: ZseDirection = 'client-to-server';
const S2C: ZseDirection = 'server-to-client';
const { PRICE, METERING, MESSAGING, PREPAYMENT, CALENDAR, DEVICE_MANAGEMENT, EVENTS } = ZseCluster;

const f = (name: string, type: Scalar): ZseField => ({ name, type });
const str = (name: string): ZseField => ({ name, type: 'octstr' });

// Price cluster ------------------------------------------------------------------------------

export interface GetCurrentPrice {
  commandOptions: number;
}
export interface GetBillingPeriod {
  earliestStartTime: number;
  minIssuerEventId: number;
  numberOfCommands: number;
  tariffType: number;
}
export interface PublishPrice {
  providerId: number;
  rateLabel: Uint8Array;
  issuerEventId: number;
  currentTime: number;
  unitOfMeasure: number;
  currency: number;
  priceTrailingDigitAndPriceTier: number;
  numberOfPriceTiersAndRegisterTier: number;
  startTime: number;
  durationInMinutes: number;
  price: number;
  /** The optional fields after Price (19 octets in GBCS, no meaning there), raw. */
  optionalFields: Uint8Array;
}
export interface PublishBlockPeriod {
  providerId: number;
  issuerEventId: number;
  blockPeriodStartTime: number;
  blockPeriodDuration: number;
  blockPeriodControl: number;
  blockPeriodDurationType: number;
  tariffType: number;
  tariffResolutionPeriod: number;
}
export interface PublishConversionFactor {
  issuerEventId: number;
  startTime: number;
  conversionFactor: number;
  conversionFactorTrailingDigit: number;
}
export interface PublishCalorificValue {
  issuerEventId: number;
  startTime: number;
  calorificValue: number;
  calorificValueUnit: number;
  calorificValueTrailingDigit: number;
}
export interface PublishTariffInformation {
  providerId: number;
  issuerEventId: number;
  issuerTariffId: number;
  startTime: number;
  /** ZSE Tariff Type / Charging Scheme: 0x00 TOU, 0x10 block, 0x20 block/TOU with common thresholds. */
  tariffTypeChargingScheme: number;
  tariffLabel: Uint8Array;
  numberOfPriceTiersInUse: number;
  numberOfBlockThresholdsInUse: number;
  unitOfMeasure: number;
  currency: number;
  priceTrailingDigit: number;
  /** Per day, money units. */
  standingCharge: number;
  tierBlockMode: number;
  blockThresholdMultiplier: number;
  blockThresholdDivisor: number;
}
export interface PriceMatrixEntry {
  tierBlockId: number;
  price: number;
}
export interface PublishPriceMatrix {
  providerId: number;
  issuerEventId: number;
  startTime: number;
  issuerTariffId: number;
  commandIndex: number;
  numberOfCommands: number;
  subPayloadControl: number;
  entries: PriceMatrixEntry[];
}
export interface BlockThresholdSet {
  /** High nibble: tier (0 = all tiers), low nibble: number of thresholds that follow. */
  tierNumberOfBlockThresholds: number;
  thresholds: Array<{ threshold: number }>;
}
export interface PublishBlockThresholds {
  providerId: number;
  issuerEventId: number;
  startTime: number;
  issuerTariffId: number;
  commandIndex: number;
  numberOfCommands: number;
  subPayloadControl: number;
  sets: BlockThresholdSet[];
}
export interface PublishBillingPeriod {
  providerId: number;
  issuerEventId: number;
  billingPeriodStartTime: number;
  billingPeriodDuration: number;
  billingPeriodDurationType: number;
  tariffType: number;
}

export const ZsePrice = {
  GetCurrentPrice: def<GetCurrentPrice>(PRICE, C2S, 0x00, 'Get Current Price', [
    f('commandOptions', 'bitmap8'),
  ]),
  GetBillingPeriod: def<GetBillingPeriod>(PRICE, C2S, 0x0b, 'Get Billing Period', [
    f('earliestStartTime', 'utc'),
    f('minIssuerEventId', 'u32'),
    f('numberOfCommands', 'u8'),
    f('tariffType', 'bitmap8'),
  ]),
  PublishPrice: def<PublishPrice>(PRICE, S2C, 0x00, 'Publish Price', [
    f('providerId', 'u32'),
    str('rateLabel'),
    f('issuerEventId', 'u32'),
    f('currentTime', 'utc'),
    f('unitOfMeasure', 'enum8'),
    f('currency', 'u16'),
    f('priceTrailingDigitAndPriceTier', 'bitmap8'),
    f('numberOfPriceTiersAndRegisterTier', 'bitmap8'),
    f('startTime', 'utc'),
    f('durationInMinutes', 'u16'),
    f('price', 'u32'),
    { name: 'optionalFields', type: 'rest' },
  ]),
  PublishBlockPeriod: def<PublishBlockPeriod>(PRICE, S2C, 0x01, 'Publish Block Period', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('blockPeriodStartTime', 'utc'),
    f('blockPeriodDuration', 'u24'),
    f('blockPeriodControl', 'bitmap8'),
    f('blockPeriodDurationType', 'bitmap8'),
    f('tariffType', 'bitmap8'),
    f('tariffResolutionPeriod', 'enum8'),
  ]),
  PublishConversionFactor: def<PublishConversionFactor>(PRICE, S2C, 0x02, 'Publish Conversion Factor', [
    f('issuerEventId', 'u32'),
    f('startTime', 'utc'),
    f('conversionFactor', 'u32'),
    f('conversionFactorTrailingDigit', 'bitmap8'),
  ]),
  PublishCalorificValue: def<PublishCalorificValue>(PRICE, S2C, 0x03, 'Publish Calorific Value', [
    f('issuerEventId', 'u32'),
    f('startTime', 'utc'),
    f('calorificValue', 'u32'),
    f('calorificValueUnit', 'enum8'),
    f('calorificValueTrailingDigit', 'bitmap8'),
  ]),
  PublishTariffInformation: def<PublishTariffInformation>(PRICE, S2C, 0x04, 'Publish Tariff Information', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('issuerTariffId', 'u32'),
    f('startTime', 'utc'),
    f('tariffTypeChargingScheme', 'bitmap8'),
    str('tariffLabel'),
    f('numberOfPriceTiersInUse', 'u8'),
    f('numberOfBlockThresholdsInUse', 'u8'),
    f('unitOfMeasure', 'enum8'),
    f('currency', 'u16'),
    f('priceTrailingDigit', 'bitmap8'),
    f('standingCharge', 'u32'),
    f('tierBlockMode', 'u8'),
    f('blockThresholdMultiplier', 'u24'),
    f('blockThresholdDivisor', 'u24'),
  ]),
  PublishPriceMatrix: def<PublishPriceMatrix>(PRICE, S2C, 0x05, 'Publish Price Matrix', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('startTime', 'utc'),
    f('issuerTariffId', 'u32'),
    f('commandIndex', 'u8'),
    f('numberOfCommands', 'u8'),
    f('subPayloadControl', 'bitmap8'),
    { name: 'entries', type: 'list', fields: [f('tierBlockId', 'u8'), f('price', 'u32')] },
  ]),
  PublishBlockThresholds: def<PublishBlockThresholds>(PRICE, S2C, 0x06, 'Publish Block Thresholds', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('startTime', 'utc'),
    f('issuerTariffId', 'u32'),
    f('commandIndex', 'u8'),
    f('numberOfCommands', 'u8'),
    f('subPayloadControl', 'bitmap8'),
    {
      name: 'sets',
      type: 'list',
      fields: [
        f('tierNumberOfBlockThresholds', 'bitmap8'),
        {
          name: 'thresholds',
          type: 'list',
          fields: [f('threshold', 'u48')],
          count: (r) => (r.tierNumberOfBlockThresholds as number) & 0x0f,
        },
      ],
    },
  ]),
  PublishBillingPeriod: def<PublishBillingPeriod>(PRICE, S2C, 0x09, 'Publish Billing Period', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('billingPeriodStartTime', 'utc'),
    f('billingPeriodDuration', 'u24'),
    f('billingPeriodDurationType', 'bitmap8'),
    f('tariffType', 'bitmap8'),
  ]),
} as const;

// Metering cluster ---------------------------------------------------------------------------

export interface GetSnapshot {
  earliestStartTime: number;
  latestEndTime: number;
  snapshotOffset: number;
  snapshotCause: number;
}
export interface StartSampling {
  issuerEventId: number;
  startSamplingTime: number;
  sampleType: number;
  sampleRequestInterval: number;
  maxNumberOfSamples: number;
}
export interface GetSampledData {
  sampleId: number;
  earliestSampleTime: number;
  sampleType: number;
  numberOfSamples: number;
}
export interface ChangeSupply {
  providerId: number;
  issuerEventId: number;
  requestDateTime: number;
  implementationDateTime: number;
  proposedSupplyStatus: number;
  supplyControlBits: number;
}
export interface SetSupplyStatus {
  issuerEventId: number;
  supplyTamperState: number;
  supplyDepletionState: number;
  supplyUncontrolledFlowState: number;
  loadLimitSupplyState: number;
}
export interface SetUncontrolledFlowThreshold {
  providerId: number;
  issuerEventId: number;
  uncontrolledFlowThreshold: number;
  unitOfMeasure: number;
  multiplier: number;
  divisor: number;
  stabilisationPeriod: number;
  measurementPeriod: number;
}
export interface PublishSnapshot {
  snapshotId: number;
  snapshotTime: number;
  totalSnapshotsFound: number;
  commandIndex: number;
  totalNumberOfCommands: number;
  snapshotCause: number;
  snapshotPayloadType: number;
  /** The sub-payload for the payload type, raw (see encodeMeteringSnapshotPayload). */
  snapshotPayload: Uint8Array;
}
export interface GetSampledDataResponse {
  sampleId: number;
  sampleStartTime: number;
  sampleType: number;
  sampleRequestInterval: number;
  numberOfSamples: number;
  samples: Array<{ sample: number }>;
}
export interface SupplyStatusResponse {
  providerId: number;
  issuerEventId: number;
  implementationDateTime: number;
  supplyStatus: number;
}
export interface StartSamplingResponse {
  sampleId: number;
}

export const ZseMetering = {
  GetSnapshot: def<GetSnapshot>(METERING, C2S, 0x06, 'Get Snapshot', [
    f('earliestStartTime', 'utc'),
    f('latestEndTime', 'utc'),
    f('snapshotOffset', 'u8'),
    f('snapshotCause', 'bitmap32'),
  ]),
  StartSampling: def<StartSampling>(METERING, C2S, 0x07, 'Start Sampling', [
    f('issuerEventId', 'u32'),
    f('startSamplingTime', 'utc'),
    f('sampleType', 'enum8'),
    f('sampleRequestInterval', 'u16'),
    f('maxNumberOfSamples', 'u16'),
  ]),
  GetSampledData: def<GetSampledData>(METERING, C2S, 0x08, 'Get Sampled Data', [
    f('sampleId', 'u16'),
    f('earliestSampleTime', 'utc'),
    f('sampleType', 'enum8'),
    f('numberOfSamples', 'u16'),
  ]),
  ChangeSupply: def<ChangeSupply>(METERING, C2S, 0x0b, 'Change Supply', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('requestDateTime', 'utc'),
    f('implementationDateTime', 'utc'),
    f('proposedSupplyStatus', 'enum8'),
    f('supplyControlBits', 'bitmap8'),
  ]),
  SetSupplyStatus: def<SetSupplyStatus>(METERING, C2S, 0x0d, 'Set Supply Status', [
    f('issuerEventId', 'u32'),
    f('supplyTamperState', 'enum8'),
    f('supplyDepletionState', 'enum8'),
    f('supplyUncontrolledFlowState', 'enum8'),
    f('loadLimitSupplyState', 'enum8'),
  ]),
  SetUncontrolledFlowThreshold: def<SetUncontrolledFlowThreshold>(
    METERING,
    C2S,
    0x0e,
    'Set Uncontrolled Flow Threshold',
    [
      f('providerId', 'u32'),
      f('issuerEventId', 'u32'),
      f('uncontrolledFlowThreshold', 'u16'),
      f('unitOfMeasure', 'enum8'),
      f('multiplier', 'u16'),
      f('divisor', 'u16'),
      f('stabilisationPeriod', 'u8'),
      f('measurementPeriod', 'u16'),
    ],
  ),
  PublishSnapshot: def<PublishSnapshot>(METERING, S2C, 0x06, 'Publish Snapshot', [
    f('snapshotId', 'u32'),
    f('snapshotTime', 'utc'),
    f('totalSnapshotsFound', 'u8'),
    f('commandIndex', 'u8'),
    f('totalNumberOfCommands', 'u8'),
    f('snapshotCause', 'bitmap32'),
    f('snapshotPayloadType', 'enum8'),
    { name: 'snapshotPayload', type: 'rest' },
  ]),
  GetSampledDataResponse: def<GetSampledDataResponse>(METERING, S2C, 0x07, 'Get Sampled Data Response', [
    f('sampleId', 'u16'),
    f('sampleStartTime', 'utc'),
    f('sampleType', 'enum8'),
    f('sampleRequestInterval', 'u16'),
    f('numberOfSamples', 'u16'),
    {
      name: 'samples',
      type: 'list',
      fields: [f('sample', 'u24')],
      count: (r) => r.numberOfSamples as number,
    },
  ]),
  SupplyStatusResponse: def<SupplyStatusResponse>(METERING, S2C, 0x0c, 'Supply Status Response', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('implementationDateTime', 'utc'),
    f('supplyStatus', 'enum8'),
  ]),
  StartSamplingResponse: def<StartSamplingResponse>(METERING, S2C, 0x0d, 'Start Sampling Response', [
    f('sampleId', 'u16'),
  ]),
} as const;

/** Metering snapshot sub-payload type 6 (GBCS): TOU and block registers, delivered. */
export interface MeteringSnapshotPayload {
  currentSummationDelivered: number;
  /** TOU registers (one per tier in use). */
  tierSummations: number[];
  /** High nibble: tiers, low nibble: blocks in use (block counters = max(1, tiers) × blocks). */
  numberOfTiersAndBlockThresholdsInUse: number;
  blockSummations: number[];
}

/** Encodes a Publish Snapshot sub-payload of type 6. @throws RangeError */
export function encodeMeteringSnapshotPayload(p: MeteringSnapshotPayload): Uint8Array {
  const n = p.numberOfTiersAndBlockThresholdsInUse;
  const blocks = Math.max(1, n >> 4) * (n & 0x0f);
  if (p.blockSummations.length !== blocks) {
    throw new RangeError(`${p.blockSummations.length} block register(s), 0x${n.toString(16)} says ${blocks}`);
  }
  return concatBytes(
    uintLe(p.currentSummationDelivered, 6),
    uintLe(p.tierSummations.length, 1),
    ...p.tierSummations.map((t) => uintLe(t, 6)),
    uintLe(n, 1),
    ...p.blockSummations.map((b) => uintLe(b, 6)),
  );
}

/** @throws DecodeError TRUNCATED, TRAILING_BYTES */
export function decodeMeteringSnapshotPayload(b: Uint8Array, baseOffset = 0): MeteringSnapshotPayload {
  const r = new ByteReader(b, baseOffset);
  const currentSummationDelivered = uintOfLe(r.take(6, 'current summation'));
  const tiers = r.u8('number of tiers in use');
  const tierSummations: number[] = [];
  for (let i = 0; i < tiers; i++) tierSummations.push(uintOfLe(r.take(6, 'tier summation')));
  const n = r.u8('number of tiers and block thresholds in use');
  const blockSummations: number[] = [];
  for (let i = 0; i < Math.max(1, n >> 4) * (n & 0x0f); i++) {
    blockSummations.push(uintOfLe(r.take(6, 'block summation')));
  }
  r.end('snapshot sub-payload');
  return {
    currentSummationDelivered,
    tierSummations,
    numberOfTiersAndBlockThresholdsInUse: n,
    blockSummations,
  };
}

// Messaging cluster --------------------------------------------------------------------------

export interface DisplayMessage {
  messageId: number;
  messageControl: number;
  startTime: number;
  durationInMinutes: number;
  message: Uint8Array;
  extendedMessageControl: number | undefined;
}

export const ZseMessaging = {
  DisplayMessage: def<DisplayMessage>(MESSAGING, S2C, 0x00, 'Display Message', [
    f('messageId', 'u32'),
    f('messageControl', 'bitmap8'),
    f('startTime', 'utc'),
    f('durationInMinutes', 'u16'),
    str('message'),
    { name: 'extendedMessageControl', type: 'optional', of: 'bitmap8' },
  ]),
} as const;

// Prepayment cluster -------------------------------------------------------------------------

export interface SelectAvailableEmergencyCredit {
  commandIssueDateTime: number;
  originatingDevice: number;
}
export interface ChangeDebt {
  issuerEventId: number;
  debtLabel: Uint8Array;
  debtAmount: number;
  debtRecoveryMethod: number;
  debtAmountType: number;
  debtRecoveryStartTime: number;
  debtRecoveryCollectionTime: number;
  debtRecoveryFrequency: number;
  debtRecoveryAmount: number;
  debtRecoveryBalancePercentage: number;
}
export interface EmergencyCreditSetup {
  issuerEventId: number;
  startTime: number;
  emergencyCreditLimit: number;
  emergencyCreditThreshold: number;
}
export interface ConsumerTopUp {
  originatingDevice: number;
  topUpCode: Uint8Array;
}
export interface CreditAdjustment {
  issuerEventId: number;
  startTime: number;
  creditAdjustmentType: number;
  creditAdjustmentValue: number;
}
export interface ChangePaymentMode {
  providerId: number;
  issuerEventId: number;
  implementationDateTime: number;
  proposedPaymentControlConfiguration: number;
  cutOffValue: number;
}
export interface GetPrepaySnapshot {
  earliestStartTime: number;
  latestEndTime: number;
  snapshotOffset: number;
  snapshotCause: number;
}
export interface GetTopUpLog {
  latestEndTime: number;
  numberOfRecords: number;
}
export interface SetLowCreditWarningLevel {
  lowCreditWarningLevel: number;
}
export interface GetDebtRepaymentLog {
  latestEndTime: number;
  numberOfDebts: number;
  debtType: number;
}
export interface SetMaximumCreditLimit {
  providerId: number;
  issuerEventId: number;
  implementationDateTime: number;
  maximumCreditLevel: number;
  maximumCreditPerTopUp: number;
}
export interface SetOverallDebtCap {
  providerId: number;
  issuerEventId: number;
  implementationDateTime: number;
  overallDebtCap: number;
}
export interface PublishPrepaySnapshot {
  snapshotId: number;
  snapshotTime: number;
  totalSnapshotsFound: number;
  commandIndex: number;
  totalNumberOfCommands: number;
  snapshotCause: number;
  snapshotPayloadType: number;
  snapshotPayload: Uint8Array;
}
export interface ChangePaymentModeResponse {
  friendlyCredit: number;
  friendlyCreditCalendarId: number;
  emergencyCreditLimit: number;
  emergencyCreditThreshold: number;
}
export interface ConsumerTopUpResponse {
  resultType: number;
  topUpValue: number;
  sourceOfTopUp: number;
  creditRemaining: number;
}
export interface TopUpLogEntry {
  topUpCode: Uint8Array;
  topUpAmount: number;
  topUpTime: number;
}
export interface PublishTopUpLog {
  commandIndex: number;
  totalNumberOfCommands: number;
  entries: TopUpLogEntry[];
}
export interface DebtLogEntry {
  collectionTime: number;
  amountCollected: number;
  debtType: number;
  outstandingDebt: number;
}
export interface PublishDebtLog {
  commandIndex: number;
  totalNumberOfCommands: number;
  entries: DebtLogEntry[];
}

export const ZsePrepayment = {
  SelectAvailableEmergencyCredit: def<SelectAvailableEmergencyCredit>(
    PREPAYMENT,
    C2S,
    0x00,
    'Select Available Emergency Credit',
    [f('commandIssueDateTime', 'utc'), f('originatingDevice', 'enum8')],
  ),
  ChangeDebt: def<ChangeDebt>(PREPAYMENT, C2S, 0x02, 'Change Debt', [
    f('issuerEventId', 'u32'),
    str('debtLabel'),
    f('debtAmount', 'i32'),
    f('debtRecoveryMethod', 'enum8'),
    f('debtAmountType', 'enum8'),
    f('debtRecoveryStartTime', 'utc'),
    f('debtRecoveryCollectionTime', 'u16'),
    f('debtRecoveryFrequency', 'enum8'),
    f('debtRecoveryAmount', 'i32'),
    f('debtRecoveryBalancePercentage', 'u16'),
  ]),
  EmergencyCreditSetup: def<EmergencyCreditSetup>(PREPAYMENT, C2S, 0x03, 'Emergency Credit Setup', [
    f('issuerEventId', 'u32'),
    f('startTime', 'utc'),
    f('emergencyCreditLimit', 'u32'),
    f('emergencyCreditThreshold', 'u32'),
  ]),
  ConsumerTopUp: def<ConsumerTopUp>(PREPAYMENT, C2S, 0x04, 'Consumer Top Up', [
    f('originatingDevice', 'enum8'),
    str('topUpCode'),
  ]),
  CreditAdjustment: def<CreditAdjustment>(PREPAYMENT, C2S, 0x05, 'Credit Adjustment', [
    f('issuerEventId', 'u32'),
    f('startTime', 'utc'),
    f('creditAdjustmentType', 'enum8'),
    f('creditAdjustmentValue', 'i32'),
  ]),
  ChangePaymentMode: def<ChangePaymentMode>(PREPAYMENT, C2S, 0x06, 'Change Payment Mode', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('implementationDateTime', 'utc'),
    f('proposedPaymentControlConfiguration', 'bitmap16'),
    f('cutOffValue', 'i32'),
  ]),
  GetPrepaySnapshot: def<GetPrepaySnapshot>(PREPAYMENT, C2S, 0x07, 'Get Prepay Snapshot', [
    f('earliestStartTime', 'utc'),
    f('latestEndTime', 'utc'),
    f('snapshotOffset', 'u8'),
    f('snapshotCause', 'bitmap32'),
  ]),
  GetTopUpLog: def<GetTopUpLog>(PREPAYMENT, C2S, 0x08, 'Get Top Up Log', [
    f('latestEndTime', 'utc'),
    f('numberOfRecords', 'u8'),
  ]),
  SetLowCreditWarningLevel: def<SetLowCreditWarningLevel>(
    PREPAYMENT,
    C2S,
    0x09,
    'Set Low Credit Warning Level',
    [f('lowCreditWarningLevel', 'u32')],
  ),
  GetDebtRepaymentLog: def<GetDebtRepaymentLog>(PREPAYMENT, C2S, 0x0a, 'Get Debt Repayment Log', [
    f('latestEndTime', 'utc'),
    f('numberOfDebts', 'u8'),
    f('debtType', 'enum8'),
  ]),
  SetMaximumCreditLimit: def<SetMaximumCreditLimit>(PREPAYMENT, C2S, 0x0b, 'Set Maximum Credit Limit', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('implementationDateTime', 'utc'),
    f('maximumCreditLevel', 'u32'),
    f('maximumCreditPerTopUp', 'u32'),
  ]),
  SetOverallDebtCap: def<SetOverallDebtCap>(PREPAYMENT, C2S, 0x0c, 'Set Overall Debt Cap', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('implementationDateTime', 'utc'),
    f('overallDebtCap', 'i32'),
  ]),
  PublishPrepaySnapshot: def<PublishPrepaySnapshot>(PREPAYMENT, S2C, 0x01, 'Publish Prepay Snapshot', [
    f('snapshotId', 'u32'),
    f('snapshotTime', 'utc'),
    f('totalSnapshotsFound', 'u8'),
    f('commandIndex', 'u8'),
    f('totalNumberOfCommands', 'u8'),
    f('snapshotCause', 'bitmap32'),
    f('snapshotPayloadType', 'enum8'),
    { name: 'snapshotPayload', type: 'rest' },
  ]),
  ChangePaymentModeResponse: def<ChangePaymentModeResponse>(
    PREPAYMENT,
    S2C,
    0x02,
    'Change Payment Mode Response',
    [
      f('friendlyCredit', 'bitmap8'),
      f('friendlyCreditCalendarId', 'u32'),
      f('emergencyCreditLimit', 'u32'),
      f('emergencyCreditThreshold', 'u32'),
    ],
  ),
  ConsumerTopUpResponse: def<ConsumerTopUpResponse>(PREPAYMENT, S2C, 0x03, 'Consumer Top Up Response', [
    f('resultType', 'enum8'),
    f('topUpValue', 'i32'),
    f('sourceOfTopUp', 'enum8'),
    f('creditRemaining', 'i32'),
  ]),
  PublishTopUpLog: def<PublishTopUpLog>(PREPAYMENT, S2C, 0x05, 'Publish Top Up Log', [
    f('commandIndex', 'u8'),
    f('totalNumberOfCommands', 'u8'),
    {
      name: 'entries',
      type: 'list',
      fields: [str('topUpCode'), f('topUpAmount', 'i32'), f('topUpTime', 'utc')],
    },
  ]),
  PublishDebtLog: def<PublishDebtLog>(PREPAYMENT, S2C, 0x06, 'Publish Debt Log', [
    f('commandIndex', 'u8'),
    f('totalNumberOfCommands', 'u8'),
    {
      name: 'entries',
      type: 'list',
      fields: [
        f('collectionTime', 'utc'),
        f('amountCollected', 'u32'),
        f('debtType', 'enum8'),
        f('outstandingDebt', 'u32'),
      ],
    },
  ]),
} as const;

/** Prepayment snapshot sub-payload type 0 (debt/credit status). Amounts in the currency's units. */
export interface PrepaySnapshotPayload {
  accumulatedDebt: number;
  type1DebtRemaining: number;
  type2DebtRemaining: number;
  type3DebtRemaining: number;
  emergencyCreditRemaining: number;
  creditRemaining: number;
}

export function encodePrepaySnapshotPayload(p: PrepaySnapshotPayload): Uint8Array {
  return concatBytes(
    intLe(p.accumulatedDebt, 4),
    uintLe(p.type1DebtRemaining, 4),
    uintLe(p.type2DebtRemaining, 4),
    uintLe(p.type3DebtRemaining, 4),
    intLe(p.emergencyCreditRemaining, 4),
    intLe(p.creditRemaining, 4),
  );
}

/** @throws DecodeError TRUNCATED, TRAILING_BYTES */
export function decodePrepaySnapshotPayload(b: Uint8Array, baseOffset = 0): PrepaySnapshotPayload {
  const r = new ByteReader(b, baseOffset);
  const i32 = (w: string) => intOfLe(r.take(4, w));
  const u32 = (w: string) => uintOfLe(r.take(4, w));
  const p = {
    accumulatedDebt: i32('accumulated debt'),
    type1DebtRemaining: u32('type 1 debt'),
    type2DebtRemaining: u32('type 2 debt'),
    type3DebtRemaining: u32('type 3 debt'),
    emergencyCreditRemaining: i32('emergency credit'),
    creditRemaining: i32('credit remaining'),
  };
  r.end('prepay snapshot sub-payload');
  return p;
}

// Calendar cluster ---------------------------------------------------------------------------

export interface GetCalendar {
  earliestStartTime: number;
  minIssuerEventId: number;
  numberOfCalendars: number;
  calendarType: number;
  providerId: number;
}
export interface GetDayProfiles {
  providerId: number;
  issuerCalendarId: number;
  startDayId: number;
  numberOfDays: number;
}
export interface GetWeekProfiles {
  providerId: number;
  issuerCalendarId: number;
  startWeekId: number;
  numberOfWeeks: number;
}
export interface GetSeasons {
  providerId: number;
  issuerCalendarId: number;
}
export interface GetSpecialDays {
  startTime: number;
  numberOfEvents: number;
  calendarType: number;
  providerId: number;
  issuerCalendarId: number;
}
export interface PublishCalendar {
  providerId: number;
  issuerEventId: number;
  issuerCalendarId: number;
  startTime: number;
  calendarType: number;
  calendarTimeReference: number;
  calendarName: Uint8Array;
  numberOfSeasons: number;
  numberOfWeekProfiles: number;
  numberOfDayProfiles: number;
}
export interface DayScheduleEntry {
  /** Minutes after midnight. */
  startTime: number;
  /** Price tier (TOU calendars) or friendly-credit enable (friendly-credit calendars). */
  value: number;
}
export interface PublishDayProfile {
  providerId: number;
  issuerEventId: number;
  issuerCalendarId: number;
  dayId: number;
  totalNumberOfScheduleEntries: number;
  commandIndex: number;
  totalNumberOfCommands: number;
  calendarType: number;
  entries: DayScheduleEntry[];
}
export interface PublishWeekProfile {
  providerId: number;
  issuerEventId: number;
  issuerCalendarId: number;
  weekId: number;
  /** Day-profile ids, Monday to Sunday. */
  dayIdRefs: number[];
}
export interface SeasonEntry {
  /** ZCL Date octets. */
  seasonStartDate: number[];
  weekIdRef: number;
}
export interface PublishSeasons {
  providerId: number;
  issuerEventId: number;
  issuerCalendarId: number;
  commandIndex: number;
  totalNumberOfCommands: number;
  entries: SeasonEntry[];
}
export interface SpecialDayEntry {
  specialDayDate: number[];
  dayIdRef: number;
}
export interface PublishSpecialDays {
  providerId: number;
  issuerEventId: number;
  issuerCalendarId: number;
  startTime: number;
  calendarType: number;
  totalNumberOfSpecialDays: number;
  commandIndex: number;
  totalNumberOfCommands: number;
  entries: SpecialDayEntry[];
}

export const ZseCalendar = {
  GetCalendar: def<GetCalendar>(CALENDAR, C2S, 0x00, 'Get Calendar', [
    f('earliestStartTime', 'utc'),
    f('minIssuerEventId', 'u32'),
    f('numberOfCalendars', 'u8'),
    f('calendarType', 'enum8'),
    f('providerId', 'u32'),
  ]),
  GetDayProfiles: def<GetDayProfiles>(CALENDAR, C2S, 0x01, 'Get Day Profiles', [
    f('providerId', 'u32'),
    f('issuerCalendarId', 'u32'),
    f('startDayId', 'u8'),
    f('numberOfDays', 'u8'),
  ]),
  GetWeekProfiles: def<GetWeekProfiles>(CALENDAR, C2S, 0x02, 'Get Week Profiles', [
    f('providerId', 'u32'),
    f('issuerCalendarId', 'u32'),
    f('startWeekId', 'u8'),
    f('numberOfWeeks', 'u8'),
  ]),
  GetSeasons: def<GetSeasons>(CALENDAR, C2S, 0x03, 'Get Seasons', [
    f('providerId', 'u32'),
    f('issuerCalendarId', 'u32'),
  ]),
  GetSpecialDays: def<GetSpecialDays>(CALENDAR, C2S, 0x04, 'Get Special Days', [
    f('startTime', 'utc'),
    f('numberOfEvents', 'u8'),
    f('calendarType', 'enum8'),
    f('providerId', 'u32'),
    f('issuerCalendarId', 'u32'),
  ]),
  PublishCalendar: def<PublishCalendar>(CALENDAR, S2C, 0x00, 'Publish Calendar', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('issuerCalendarId', 'u32'),
    f('startTime', 'utc'),
    f('calendarType', 'enum8'),
    f('calendarTimeReference', 'u8'),
    str('calendarName'),
    f('numberOfSeasons', 'u8'),
    f('numberOfWeekProfiles', 'u8'),
    f('numberOfDayProfiles', 'u8'),
  ]),
  PublishDayProfile: def<PublishDayProfile>(CALENDAR, S2C, 0x01, 'Publish Day Profile', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('issuerCalendarId', 'u32'),
    f('dayId', 'u8'),
    f('totalNumberOfScheduleEntries', 'u8'),
    f('commandIndex', 'u8'),
    f('totalNumberOfCommands', 'u8'),
    f('calendarType', 'enum8'),
    {
      name: 'entries',
      type: 'list',
      fields: [f('startTime', 'u16'), f('value', 'u8')],
      // One command carries every entry (GBCS: Command Index 0 of 1).
      count: (r) => r.totalNumberOfScheduleEntries as number,
    },
  ]),
  PublishWeekProfile: def<PublishWeekProfile>(CALENDAR, S2C, 0x02, 'Publish Week Profile', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('issuerCalendarId', 'u32'),
    f('weekId', 'u8'),
    { name: 'dayIdRefs', type: 'u8array', length: 7 },
  ]),
  PublishSeasons: def<PublishSeasons>(CALENDAR, S2C, 0x03, 'Publish Seasons', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('issuerCalendarId', 'u32'),
    f('commandIndex', 'u8'),
    f('totalNumberOfCommands', 'u8'),
    {
      name: 'entries',
      type: 'list',
      fields: [{ name: 'seasonStartDate', type: 'date' }, f('weekIdRef', 'u8')],
    },
  ]),
  PublishSpecialDays: def<PublishSpecialDays>(CALENDAR, S2C, 0x04, 'Publish Special Days', [
    f('providerId', 'u32'),
    f('issuerEventId', 'u32'),
    f('issuerCalendarId', 'u32'),
    f('startTime', 'utc'),
    f('calendarType', 'enum8'),
    f('totalNumberOfSpecialDays', 'u8'),
    f('commandIndex', 'u8'),
    f('totalNumberOfCommands', 'u8'),
    {
      name: 'entries',
      type: 'list',
      fields: [{ name: 'specialDayDate', type: 'date' }, f('dayIdRef', 'u8')],
      count: (r) => r.totalNumberOfSpecialDays as number,
    },
  ]),
} as const;

// Device Management cluster ------------------------------------------------------------------

export interface PublishChangeOfTenancy {
  providerId: number;
  issuerEventId: number;
  tariffType: number;
  implementationDateTime: number;
  proposedTenancyChangeControl: number;
}
export interface PublishChangeOfSupplier {
  currentProviderId: number;
  issuerEventId: number;
  tariffType: number;
  proposedProviderId: number;
  providerChangeImplementationTime: number;
  providerChangeControl: number;
  proposedProviderName: Uint8Array;
  proposedProviderContactDetails: Uint8Array;
}
export interface RequestNewPasswordResponse {
  issuerEventId: number;
  implementationDateTime: number;
  durationInMinutes: number;
  passwordType: number;
  password: Uint8Array;
}
export interface UpdateSiteId {
  issuerEventId: number;
  siteIdTime: number;
  providerId: number;
  siteId: Uint8Array;
}
export interface SetEventConfiguration {
  issuerEventId: number;
  startDateTime: number;
  eventConfiguration: number;
  /** 0 = apply by list (the only form GBCS uses). */
  configurationControl: number;
  numberOfEvents: number;
  eventIds: Array<{ eventId: number }>;
}
export interface GetEventConfiguration {
  eventId: number;
}
export interface UpdateCin {
  issuerEventId: number;
  cinImplementationTime: number;
  providerId: number;
  customerIdNumber: Uint8Array;
}
export interface ReportEventConfiguration {
  commandIndex: number;
  totalCommands: number;
  entries: Array<{ eventId: number; eventConfiguration: number }>;
}

export const ZseDeviceManagement = {
  PublishChangeOfTenancy: def<PublishChangeOfTenancy>(
    DEVICE_MANAGEMENT,
    S2C,
    0x00,
    'Publish Change of Tenancy',
    [
      f('providerId', 'u32'),
      f('issuerEventId', 'u32'),
      f('tariffType', 'bitmap8'),
      f('implementationDateTime', 'utc'),
      f('proposedTenancyChangeControl', 'bitmap32'),
    ],
  ),
  PublishChangeOfSupplier: def<PublishChangeOfSupplier>(
    DEVICE_MANAGEMENT,
    S2C,
    0x01,
    'Publish Change of Supplier',
    [
      f('currentProviderId', 'u32'),
      f('issuerEventId', 'u32'),
      f('tariffType', 'bitmap8'),
      f('proposedProviderId', 'u32'),
      f('providerChangeImplementationTime', 'utc'),
      f('providerChangeControl', 'bitmap32'),
      str('proposedProviderName'),
      str('proposedProviderContactDetails'),
    ],
  ),
  RequestNewPasswordResponse: def<RequestNewPasswordResponse>(
    DEVICE_MANAGEMENT,
    S2C,
    0x02,
    'Request New Password Response',
    [
      f('issuerEventId', 'u32'),
      f('implementationDateTime', 'utc'),
      f('durationInMinutes', 'u16'),
      f('passwordType', 'enum8'),
      str('password'),
    ],
  ),
  UpdateSiteId: def<UpdateSiteId>(DEVICE_MANAGEMENT, S2C, 0x03, 'Update Site Id', [
    f('issuerEventId', 'u32'),
    f('siteIdTime', 'utc'),
    f('providerId', 'u32'),
    str('siteId'),
  ]),
  SetEventConfiguration: def<SetEventConfiguration>(DEVICE_MANAGEMENT, S2C, 0x04, 'Set Event Configuration', [
    f('issuerEventId', 'u32'),
    f('startDateTime', 'utc'),
    f('eventConfiguration', 'bitmap8'),
    f('configurationControl', 'enum8'),
    f('numberOfEvents', 'u8'),
    {
      name: 'eventIds',
      type: 'list',
      fields: [f('eventId', 'u16')],
      count: (r) => r.numberOfEvents as number,
    },
  ]),
  GetEventConfiguration: def<GetEventConfiguration>(DEVICE_MANAGEMENT, S2C, 0x05, 'Get Event Configuration', [
    f('eventId', 'u16'),
  ]),
  UpdateCin: def<UpdateCin>(DEVICE_MANAGEMENT, S2C, 0x06, 'Update CIN', [
    f('issuerEventId', 'u32'),
    f('cinImplementationTime', 'utc'),
    f('providerId', 'u32'),
    str('customerIdNumber'),
  ]),
  ReportEventConfiguration: def<ReportEventConfiguration>(
    DEVICE_MANAGEMENT,
    C2S,
    0x04,
    'Report Event Configuration',
    [
      f('commandIndex', 'u8'),
      f('totalCommands', 'u8'),
      { name: 'entries', type: 'list', fields: [f('eventId', 'u16'), f('eventConfiguration', 'bitmap8')] },
    ],
  ),
} as const;

// Events cluster -----------------------------------------------------------------------------

/** Event log ids (ZSE Events cluster). */
export const ZseLogId = {
  ALL: 0x00,
  TAMPER: 0x01,
  FAULT: 0x02,
  GENERAL: 0x03,
  SECURITY: 0x04,
  NETWORK: 0x05,
} as const;

export interface GetEventLog {
  /** High nibble: event control; low nibble: log id. */
  eventControlLogId: number;
  eventId: number;
  startTime: number;
  endTime: number;
  numberOfEvents: number;
  eventOffset: number;
}
export interface ClearEventLogRequest {
  logId: number;
}
export interface EventLogEntry {
  logId: number;
  eventId: number;
  eventTime: number;
  eventData: Uint8Array;
}
export interface PublishEventLog {
  totalNumberOfMatchingEvents: number;
  commandIndex: number;
  totalCommands: number;
  logPayloadControl: number;
  entries: EventLogEntry[];
}
export interface ClearEventLogResponse {
  clearedEventsLogs: number;
}

export const ZseEvents = {
  GetEventLog: def<GetEventLog>(EVENTS, C2S, 0x00, 'Get Event Log', [
    f('eventControlLogId', 'bitmap8'),
    f('eventId', 'u16'),
    f('startTime', 'utc'),
    f('endTime', 'utc'),
    f('numberOfEvents', 'u8'),
    f('eventOffset', 'u16'),
  ]),
  ClearEventLogRequest: def<ClearEventLogRequest>(EVENTS, C2S, 0x01, 'Clear Event Log Request', [
    f('logId', 'bitmap8'),
  ]),
  PublishEventLog: def<PublishEventLog>(EVENTS, S2C, 0x01, 'Publish Event Log', [
    f('totalNumberOfMatchingEvents', 'u16'),
    f('commandIndex', 'u8'),
    f('totalCommands', 'u8'),
    f('logPayloadControl', 'bitmap8'),
    {
      name: 'entries',
      type: 'list',
      fields: [f('logId', 'bitmap8'), f('eventId', 'u16'), f('eventTime', 'utc'), str('eventData')],
    },
  ]),
  ClearEventLogResponse: def<ClearEventLogResponse>(EVENTS, S2C, 0x02, 'Clear Event Log Response', [
    f('clearedEventsLogs', 'bitmap8'),
  ]),
} as const;

// ---------------------------------------------------------------------------------------------
// Lookup

const ALL: ZseCommandDef<unknown>[] = [
  ...Object.values(ZsePrice),
  ...Object.values(ZseMetering),
  ...Object.values(ZseMessaging),
  ...Object.values(ZsePrepayment),
  ...Object.values(ZseCalendar),
  ...Object.values(ZseDeviceManagement),
  ...Object.values(ZseEvents),
] as ZseCommandDef<unknown>[];

const BY_KEY = new Map<string, ZseCommandDef<unknown>>(
  ALL.map((d) => [`${d.clusterId}/${d.direction}/${d.commandId}`, d]),
);

/** The definition of a cluster-specific command by cluster, frame-control direction bit and id. */
export function zseCommandDef(
  clusterId: number,
  frameControl: number,
  commandId: number,
): ZseCommandDef<unknown> | undefined {
  const dir: ZseDirection = isServerToClient(frameControl) ? S2C : C2S;
  return BY_KEY.get(`${clusterId}/${dir}/${commandId}`);
}

/**
 * Decodes a cluster-specific ZCL payload by its frame header.
 * @throws DecodeError UNKNOWN_TAG (a command this codec does not define), TRUNCATED, TRAILING_BYTES
 */
export function decodeZseFrame(
  clusterId: number,
  frameControl: number,
  commandId: number,
  payload: Uint8Array,
  baseOffset = 0,
): { def: ZseCommandDef<unknown>; value: ZseRecord } {
  const d = zseCommandDef(clusterId, frameControl, commandId);
  if (!d) {
    throw new DecodeError(
      ErrorCode.UNKNOWN_TAG,
      baseOffset,
      `no ZSE command 0x${commandId.toString(16)} (${isServerToClient(frameControl) ? 'server' : 'client'}) on cluster 0x${clusterId.toString(16).padStart(4, '0')}`,
    );
  }
  return { def: d, value: decodeZse(d, payload, baseOffset) as ZseRecord };
}

/**
 * Request → response pairs of the log and configuration reads: the command whose answer a
 * server-to-client command is (key `cluster/responseCommandId`, value the client command id).
 */
const ANSWERS: ReadonlyMap<string, number> = new Map([
  [`${METERING}/0x06`, 0x06], // Publish Snapshot ← Get Snapshot
  [`${METERING}/0x07`, 0x08], // Get Sampled Data Response ← Get Sampled Data
  [`${METERING}/0x0c`, 0x0b], // Supply Status Response ← Change Supply
  [`${METERING}/0x0d`, 0x07], // Start Sampling Response ← Start Sampling
  [`${PREPAYMENT}/0x01`, 0x07], // Publish Prepay Snapshot ← Get Prepay Snapshot
  [`${PREPAYMENT}/0x02`, 0x06], // Change Payment Mode Response ← Change Payment Mode
  [`${PREPAYMENT}/0x03`, 0x04], // Consumer Top Up Response ← Consumer Top Up
  [`${PREPAYMENT}/0x05`, 0x08], // Publish Top Up Log ← Get Top Up Log
  [`${PREPAYMENT}/0x06`, 0x0a], // Publish Debt Log ← Get Debt Repayment Log
  [`${PRICE}/0x00`, 0x00], // Publish Price ← Get Current Price
  [`${PRICE}/0x09`, 0x0b], // Publish Billing Period ← Get Billing Period
  [`${CALENDAR}/0x00`, 0x00], // Publish Calendar ← Get Calendar
  [`${CALENDAR}/0x01`, 0x01], // Publish Day Profile ← Get Day Profiles
  [`${CALENDAR}/0x02`, 0x02], // Publish Week Profile ← Get Week Profiles
  [`${CALENDAR}/0x03`, 0x03], // Publish Seasons ← Get Seasons
  [`${CALENDAR}/0x04`, 0x04], // Publish Special Days ← Get Special Days
  [`${EVENTS}/0x01`, 0x00], // Publish Event Log ← Get Event Log
  [`${EVENTS}/0x02`, 0x01], // Clear Event Log Response ← Clear Event Log Request
  [`${DEVICE_MANAGEMENT}/0x04`, 0x05], // Report Event Configuration ← Get Event Configuration
]);

/** The command id a response-type command answers (see ANSWERS), or undefined. */
export function zseRequestOf(clusterId: number, responseCommandId: number): number | undefined {
  return ANSWERS.get(`${clusterId}/0x${responseCommandId.toString(16).padStart(2, '0')}`);
}

/** The structure of a decoded command: field types, list entries by their distinct shapes. */
export type ZseShape = string | ZseShape[] | { [field: string]: ZseShape };

/**
 * The structure of a cluster-specific payload, for comparing two devices' answers: each field's
 * type; octet strings as `octstr` (their content is data); lists as the distinct shapes of their
 * entries (how many entries a log or a calendar holds is device state); raw sub-payloads by length.
 * @throws DecodeError as decodeZseFrame
 */
export function zseShape(
  clusterId: number,
  frameControl: number,
  commandId: number,
  payload: Uint8Array,
): ZseShape {
  const { def: d, value } = decodeZseFrame(clusterId, frameControl, commandId, payload);
  return [d.name, shapeOf(d.fields, value)];
}

function shapeOf(fields: ZseField[], rec: ZseRecord): { [field: string]: ZseShape } {
  const out: { [field: string]: ZseShape } = {};
  for (const fd of fields) {
    const v = rec[fd.name];
    switch (fd.type) {
      case 'octstr':
      case 'date':
        out[fd.name] = fd.type;
        break;
      case 'u8array':
        out[fd.name] = `u8[${fd.length}]`;
        break;
      case 'optional':
        out[fd.name] = v === undefined ? 'absent' : fd.of;
        break;
      case 'rest':
        out[fd.name] = `bytes[${(v as Uint8Array).length}]`;
        break;
      case 'list': {
        const seen = new Map<string, ZseShape>();
        for (const item of v as ZseRecord[]) {
          const s = shapeOf(fd.fields, item);
          seen.set(JSON.stringify(s), s);
        }
        out[fd.name] = [...seen.values()];
        break;
      }
      default:
        out[fd.name] = fd.type;
    }
  }
  return out;
}
