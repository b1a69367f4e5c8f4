/**
 * The ZCL attributes a GSME serves (and the GPF mirrors), by cluster: id → ZCL data type and how
 * the value follows from the model. Data types are those of the ZSE clusters as GBCS uses them
 * (pinned by the RTDS 4.5.0 Read Attributes Responses of GCS13a/b/c, GCS14, GCS21a/b/e/f/j/m,
 * GCS33, GCS38, GCS46, GCS60a); values come from gsme-state.ts.
 */
import {
  toZclUtcTime,
  type ZclAttributeRecord,
  ZclStatus,
  ZclType,
  zclNumberValue,
  zclString,
} from '../../../protocol/gbz/zcl.ts';
import { ZseCluster } from '../../../protocol/gbz/zcl-se.ts';
import { accumulatedDebt, batteryDays, type GsmeModel } from './state.ts';

type Value = number | Uint8Array | string;
interface AttributeDef {
  type: number;
  get: (m: GsmeModel, now: number) => Value;
}
type AttributeTable = Record<number, AttributeDef>;

const a = (type: number, get: (m: GsmeModel, now: number) => Value): AttributeDef => ({ type, get });
const hexBytes = (h: string): Uint8Array =>
  Uint8Array.from(h.match(/../g) ?? [], (x) => Number.parseInt(x, 16));

const BASIC: AttributeTable = {
  0: a(ZclType.UINT8, () => 0x03), // ZCL version
  3: a(ZclType.UINT8, (m) => m.metering.hwVersion),
  4: a(ZclType.CHARACTER_STRING, (m) => m.metering.manufacturerName),
  5: a(ZclType.CHARACTER_STRING, (m) => m.metering.modelIdentifier),
  7: a(ZclType.ENUM8, () => 0x03), // power source: battery
};

const TIME: AttributeTable = {
  0: a(ZclType.UTC_TIME, (_m, now) => toZclUtcTime(now)),
  1: a(ZclType.BITMAP8, () => 0x02), // time status: synchronised
};

const METERING: AttributeTable = {
  0: a(ZclType.UINT48, (m) => m.metering.currentSummationDelivered),
  20: a(ZclType.ENUM8, (m) => m.metering.supplyStatus),
  512: a(ZclType.BITMAP8, (m) => (batteryDays(m, m.clock) < 365 ? 0x02 : 0x00)), // status: low battery
  517: a(ZclType.UINT16, (m, now) => Math.min(0xffff, batteryDays(m, now))),
  518: a(ZclType.OCTET_STRING, (m) => hexBytes(m.metering.firmwareVersion)),
  768: a(ZclType.ENUM8, () => 0x01), // m³
  769: a(ZclType.UINT24, () => 1),
  770: a(ZclType.UINT24, () => 1000),
  774: a(ZclType.BITMAP8, () => 0x80), // metering device type: gas
  775: a(ZclType.OCTET_STRING, (m) => m.metering.siteId),
  776: a(ZclType.OCTET_STRING, (m) => m.eui),
  1543: a(ZclType.ENUM8, (m) => m.metering.supplyTamperState),
  1544: a(ZclType.ENUM8, (m) => m.metering.supplyDepletionState),
  1545: a(ZclType.ENUM8, (m) => m.metering.uncontrolledFlowState),
  2560: a(ZclType.UINT32, (m) => Math.min(0xffffffff, Math.max(0, Math.round(m.metering.billToDate)))),
  2561: a(ZclType.UTC_TIME, (m) => toZclUtcTime(m.clock)),
  2832: a(ZclType.UINT16, (m) => m.metering.uncontrolledFlow.threshold),
  2833: a(ZclType.ENUM8, (m) => m.metering.uncontrolledFlow.unitOfMeasure),
  2834: a(ZclType.UINT16, (m) => m.metering.uncontrolledFlow.multiplier),
  2835: a(ZclType.UINT16, (m) => m.metering.uncontrolledFlow.divisor),
  2836: a(ZclType.UINT8, (m) => m.metering.uncontrolledFlow.stabilisationPeriod),
  2837: a(ZclType.UINT16, (m) => m.metering.uncontrolledFlow.measurementPeriod),
};
for (let tier = 1; tier <= 4; tier++) {
  METERING[0x0100 + 2 * (tier - 1)] = a(ZclType.UINT48, (m) => m.metering.tierSummations[tier - 1] ?? 0);
}
for (let block = 1; block <= 4; block++) {
  METERING[0x0700 + block - 1] = a(ZclType.UINT48, (m) => m.metering.blockSummations[block - 1] ?? 0);
}

const PRICE: AttributeTable = {
  514: a(ZclType.UINT24, (m) => m.price.active.blockThresholdMultiplier),
  515: a(ZclType.UINT24, (m) => m.price.active.blockThresholdDivisor),
  769: a(ZclType.UINT32, (m) => m.price.active.standingCharge),
  770: a(ZclType.UINT32, (m) => m.price.conversionFactor),
  771: a(ZclType.BITMAP8, (m) => m.price.conversionFactorTrailingDigit),
  772: a(ZclType.UINT32, (m) => m.price.calorificValue),
  773: a(ZclType.ENUM8, (m) => m.price.calorificValueUnit),
  774: a(ZclType.BITMAP8, (m) => m.price.calorificValueTrailingDigit),
  1557: a(ZclType.ENUM8, (m) => m.price.active.unitOfMeasure),
  1558: a(ZclType.UINT16, (m) => m.price.active.currency),
  1559: a(ZclType.BITMAP8, (m) => m.price.active.priceTrailingDigit),
};
for (let i = 1; i <= 3; i++) {
  PRICE[0x0100 + i - 1] = a(ZclType.UINT48, (m) => m.price.active.blockThresholds[i - 1] ?? 0);
}
for (let block = 1; block <= 4; block++) {
  PRICE[0x0400 + block - 1] = a(ZclType.UINT32, (m) => m.price.active.blockPrices[block - 1] ?? 0);
}
for (let tier = 1; tier <= 4; tier++) {
  PRICE[0x0400 + tier * 0x10] = a(ZclType.UINT32, (m) => m.price.active.tierPrices[tier - 1] ?? 0);
}

const clampI32 = (v: number) => Math.max(-0x80000000, Math.min(0x7fffffff, Math.round(v)));
const clampU32 = (v: number) => Math.max(0, Math.min(0xffffffff, Math.round(v)));

const PREPAYMENT: AttributeTable = {
  0: a(ZclType.BITMAP16, (m) => m.prepayment.paymentControlConfiguration),
  1: a(ZclType.INT32, (m) => clampI32(m.prepayment.creditRemaining)),
  2: a(ZclType.INT32, (m) => clampI32(m.prepayment.emergencyCreditRemaining)),
  3: a(ZclType.BITMAP8, (m) => creditStatus(m)),
  4: a(ZclType.UTC_TIME, (m) => toZclUtcTime(m.clock)),
  5: a(ZclType.INT32, (m) => clampI32(accumulatedDebt(m))),
  6: a(ZclType.INT32, (m) => clampI32(m.prepayment.overallDebtCap)),
  16: a(ZclType.UINT32, (m) => clampU32(m.prepayment.emergencyCreditLimit)),
  17: a(ZclType.UINT32, (m) => clampU32(m.prepayment.emergencyCreditThreshold)),
  33: a(ZclType.UINT32, (m) => clampU32(m.prepayment.maxCreditLimit)),
  34: a(ZclType.UINT32, (m) => clampU32(m.prepayment.maxCreditPerTopUp)),
  49: a(ZclType.UINT32, (m) => clampU32(m.prepayment.lowCreditWarningLevel)),
  64: a(ZclType.INT32, (m) => clampI32(m.prepayment.cutOffValue)),
};
for (let n = 1; n <= 3; n++) {
  const base = 0x0200 + n * 0x10;
  const d = (m: GsmeModel) => m.prepayment.debts[n - 1]!;
  PREPAYMENT[base + 0x1] = a(ZclType.UINT32, (m) => clampU32(d(m).amount));
  PREPAYMENT[base + 0x2] = a(ZclType.ENUM8, (m) => d(m).recoveryMethod);
  PREPAYMENT[base + 0x4] = a(ZclType.UINT16, (m) => d(m).collectionTime);
  PREPAYMENT[base + 0x6] = a(ZclType.ENUM8, (m) => d(m).recoveryFrequency);
  PREPAYMENT[base + 0x7] = a(ZclType.UINT32, (m) => clampU32(d(m).recoveryAmount));
  PREPAYMENT[base + 0x9] = a(ZclType.UINT16, (m) => d(m).recoveryTopUpPercentage);
}

/** ZSE Credit Status bits: 0 credit OK, 1 low credit, 2 EC enabled, 3 EC available, 4 EC selected, 5 EC in use, 6 exhausted. */
function creditStatus(m: GsmeModel): number {
  const p = m.prepayment;
  let s = 0;
  if (p.creditRemaining > p.lowCreditWarningLevel) s |= 0x01;
  else s |= 0x02;
  s |= 0x04;
  if (p.emergencyCreditRemaining > 0) s |= 0x08;
  if (p.emergencyCreditActive) s |= 0x10;
  if (p.emergencyCreditActive && p.creditRemaining <= 0) s |= 0x20;
  if (p.creditRemaining + (p.emergencyCreditActive ? p.emergencyCreditRemaining : 0) <= p.cutOffValue)
    s |= 0x40;
  return s;
}

const TABLES: Record<number, AttributeTable> = {
  [ZseCluster.BASIC]: BASIC,
  [ZseCluster.TIME]: TIME,
  [ZseCluster.METERING]: METERING,
  [ZseCluster.PRICE]: PRICE,
  [ZseCluster.PREPAYMENT]: PREPAYMENT,
};

function encodeValue(type: number, v: Value): Uint8Array {
  if (type === ZclType.OCTET_STRING || type === ZclType.CHARACTER_STRING) {
    return zclString(typeof v === 'number' ? String(v) : v);
  }
  return zclNumberValue(type, typeof v === 'number' ? v : 0);
}

/** Whether a cluster has an attribute table here. */
export const hasAttributeTable = (clusterId: number): boolean => clusterId in TABLES;

/**
 * Read Attributes (ZCL 2.5.1) against the model: one record per id, UNSUPPORTED_ATTRIBUTE for ids
 * the cluster does not have.
 */
export function readGsmeAttributes(
  m: GsmeModel,
  clusterId: number,
  attributeIds: readonly number[],
  now: number,
): ZclAttributeRecord[] {
  const table = TABLES[clusterId] ?? {};
  return attributeIds.map((attributeId) => {
    const d = table[attributeId];
    if (!d) return { attributeId, status: ZclStatus.UNSUPPORTED_ATTRIBUTE, dataType: null, value: null };
    return {
      attributeId,
      status: ZclStatus.SUCCESS,
      dataType: d.type,
      value: encodeValue(d.type, d.get(m, now)),
    };
  });
}
