/**
 * Prepayment top-up by UTRN on the meter: CS01a "Apply Prepayment Top Up to an ESME" (0x0007,
 * DLMS: action `enter` (1) on the Token Gateway, class 115, 0-0:19.40.0.255, with the UTRN as an
 * octet-string of 20 ASCII digits) and CS01b "… to a GSME" (0x0097, GBZ: ZSE Prepayment cluster
 * 0x0705 Consumer Top Up 0x04 { originatingDevice enum8, topUpCode octet string }, answered by
 * Consumer Top Up Response 0x03 { resultType enum8, topUpValue int32, sourceOfTopUp enum8,
 * creditRemaining int32 }). RTDS 4.5.0 2.2 pins both forms.
 *
 * Verification (GBCS §14, protocol/utrn.ts): the UTRN's check digit and PTUT structure; the full
 * counter rebuilt from its 10 counter bits as the smallest one above the last accepted counter
 * (`prepayment.utrnCounterFloor`); the GMAC under the key agreed between the Supplier's
 * prepayment-top-up KA cell and the device's KA key. Counter rules: a UTRN counter must be greater
 * than the last accepted one and at most `UTRN_COUNTER_WINDOW` above it; a UTRN whose MAC verifies
 * for an earlier counter (one turn of the 10-bit counter back) is a UTRN already used. An accepted
 * top-up raises the floor to its counter, adds its value to the credit and is logged; a CS02b
 * Supplier replacement may set the floor back (`setUtrnCounterFloor`, its prepayment-top-up
 * specialist floor).
 *
 * State: `device.state.model.prepayment` (plain data):
 * ```
 * {
 *   creditPence: number,           // meter balance in pence (top-ups add to it)
 *   utrnCounterFloor: string,      // uint64, decimal: last accepted UTRN counter (or the floor CS02b set)
 *   utrnCounters: string[],        // accepted UTRN counters, oldest first, at most 100 (GBCS 14.1 record)
 *   maxCreditPence: number | null, // Maximum Credit Threshold: a top-up taking the credit above it is refused
 *   topUps: { atMs, counter, valuePence, source }[],  // the last 5 accepted top-ups
 *   lastVerdict: TopUpVerdict | null  // 'accepted' | 'invalid' | 'not-authentic' | 'already-used' | …
 * }
 * ```
 * An ESME provisioned with the ESME model (`model.esme.prepayment.meterBalance`, 10^-5 currency
 * units) gets the same credit on its meter balance.
 */

import { equalBytes } from '../../../protocol/bytes.ts';
import { ActionResult, decodeDlmsApdu, encodeAccessResponse } from '../../../protocol/dlms/apdu.ts';
import { DecodeError, ErrorCode } from '../../../protocol/errors.ts';
import { decodeGbz, encodeGbz, type GbzComponent } from '../../../protocol/gbz/gbz.ts';
import {
  type ParsedUtrn,
  PtutValueClass,
  parseUtrn,
  type UtrnParties,
  utrnCounterAbove,
  utrnValuePence,
  verifyPtutMac,
} from '../../../protocol/utrn.ts';
import type { ExecutionContext, ExecutionResult } from '../../device/core.ts';
import type { ModelState } from '../../device/state.ts';
import type { HandlerRow } from '../model-table.ts';
import { handlerRow } from '../model-table.ts';

export const CS01A = 0x0007;
export const CS01B = 0x0097;

/** How far above the last accepted counter a UTRN counter may be: 512 top-ups (half a turn of the 10-bit counter). */
export const UTRN_COUNTER_WINDOW = 1n << 41n;
/** UTRN counters kept (GBCS 14.1: a record of 100). */
export const UTRN_RECORD_SIZE = 100;
const TOP_UP_LOG_SIZE = 5;

/** Why a UTRN was refused, or `accepted`. */
export type TopUpVerdict =
  | 'accepted'
  | 'invalid'
  | 'not-authentic'
  | 'already-used'
  | 'outside-window'
  | 'max-credit'
  | 'no-key';

export interface TopUpRecord {
  atMs: number;
  /** uint64, decimal. */
  counter: string;
  valuePence: number;
  /** Originating device as the command gives it (ZSE: 0 ESI/remote, 1 meter, 2 IHD). */
  source: number;
}

export interface PrepaymentModel {
  creditPence: number;
  utrnCounterFloor: string;
  utrnCounters: string[];
  maxCreditPence: number | null;
  topUps: TopUpRecord[];
  /** The verdict on the last UTRN entered, or null. */
  lastVerdict: TopUpVerdict | null;
}

/** This model's part of the device state (sim/device/state.ts `ModelState`): `prepayment`, the UTRN prepayment state (created on first use). */
declare module '../../device/state.ts' {
  interface ModelState {
    prepayment?: Partial<PrepaymentModel>;
  }
}

/** The prepayment state of a device model, created with zero credit on first use. */
export function prepaymentOf(model: ModelState): PrepaymentModel {
  const p = model.prepayment;
  if (p && typeof p === 'object' && typeof p.creditPence === 'number') {
    p.utrnCounterFloor ??= '0';
    p.utrnCounters ??= [];
    p.maxCreditPence ??= null;
    p.topUps ??= [];
    p.lastVerdict ??= null;
    return p as PrepaymentModel;
  }
  const fresh: PrepaymentModel = {
    creditPence: 0,
    utrnCounterFloor: '0',
    utrnCounters: [],
    maxCreditPence: null,
    topUps: [],
    lastVerdict: null,
  };
  model.prepayment = fresh;
  return fresh;
}

/**
 * Sets the UTRN counter floor (CS02b prepayment-top-up specialist floor, when the Supplier's
 * prepayment cell was replaced); clears the counter record.
 */
export function setUtrnCounterFloor(model: Record<string, unknown>, floor: bigint): void {
  const p = prepaymentOf(model);
  p.utrnCounterFloor = floor.toString();
  p.utrnCounters = [];
}

/**
 * Raises the UTRN counter floor to `floor` when it is below (a CS02b specialist floor for a
 * prepayment key that did not change: UTRNs under that key stay used); keeps the counter record.
 */
export function raiseUtrnCounterFloor(model: Record<string, unknown>, floor: bigint): void {
  const p = prepaymentOf(model);
  if (floor > BigInt(p.utrnCounterFloor)) p.utrnCounterFloor = floor.toString();
}

export interface TopUpOutcome {
  verdict: TopUpVerdict;
  parsed: ParsedUtrn | null;
  counter: bigint | null;
  valuePence: number;
}

/**
 * Verifies a UTRN for this device and, when valid, applies it (credit, floor, records).
 * Never throws on bad input.
 */
export function applyUtrn(ctx: ExecutionContext, utrn: string, source: number): TopUpOutcome {
  const dev = ctx.device;
  const p = prepaymentOf(dev.state.model);
  const out = (
    verdict: TopUpVerdict,
    parsed: ParsedUtrn | null = null,
    counter: bigint | null = null,
  ): TopUpOutcome => {
    p.lastVerdict = verdict;
    return { verdict, parsed, counter, valuePence: parsed ? utrnValuePence(parsed) : 0 };
  };
  let parsed: ParsedUtrn;
  try {
    parsed = parseUtrn(utrn);
  } catch (e) {
    if (e instanceof DecodeError) return out('invalid');
    throw e;
  }
  if (parsed.valueClass !== PtutValueClass.PENNIES && parsed.valueClass !== PtutValueClass.POUNDS)
    return out('invalid', parsed);
  const cell = dev.credentials.trustAnchors.find(
    (t) => t.role === 2 && t.usage === 'ka' && t.cell === 'prepayment',
  );
  const z = cell ? dev.sharedSecretWith(cell.subjectUniqueId, cell.publicKey) : undefined;
  if (!cell || !z) return out('no-key', parsed);
  const parties: UtrnParties = { crypto: dev.crypto, z, supplierId: cell.subjectUniqueId, deviceId: dev.eui };
  const floor = BigInt(p.utrnCounterFloor);
  const counter = utrnCounterAbove(parsed.truncatedCounter, floor);
  if (!verifyPtutMac(parties, parsed, counter)) {
    const earlier = counter - (1n << 42n);
    const used = earlier >= 0n && verifyPtutMac(parties, parsed, earlier);
    return out(used ? 'already-used' : 'not-authentic', parsed, used ? earlier : null);
  }
  if (counter - floor > UTRN_COUNTER_WINDOW) return out('outside-window', parsed, counter);
  const value = utrnValuePence(parsed);
  if (p.maxCreditPence !== null && p.creditPence + value > p.maxCreditPence)
    return out('max-credit', parsed, counter);
  p.creditPence += value;
  p.utrnCounterFloor = counter.toString();
  p.utrnCounters = [...p.utrnCounters, counter.toString()].slice(-UTRN_RECORD_SIZE);
  p.topUps = [...p.topUps, { atMs: ctx.now, counter: counter.toString(), valuePence: value, source }].slice(
    -TOP_UP_LOG_SIZE,
  );
  creditEsmeMeterBalance(dev.state.model, value);
  return out('accepted', parsed, counter);
}

/** The ESME model's meter balance (10^-5 currency units), when that model is provisioned. */
function creditEsmeMeterBalance(model: ModelState, pence: number): void {
  const esme = model.esme;
  if (esme?.prepayment && typeof esme.prepayment.meterBalance === 'number')
    esme.prepayment.meterBalance += pence * 1000;
}

// ---------------------------------------------------------------------------------------------
// CS01a: ESME, DLMS Token Gateway.

const TOKEN_GATEWAY_CLASS = 115;
const TOKEN_GATEWAY_OBIS = Uint8Array.of(0, 0, 19, 40, 0, 0xff);
const TOKEN_GATEWAY_ENTER = 1;

/**
 * CS01a handler: the action result is success for an accepted UTRN, other-reason (250) for a
 * refused one (the refusal reason stays in the model's record of the last attempt), object-undefined
 * or type-unmatched for a request that is not an `enter` with an octet-string.
 */
export function applyPrepaymentTopUpEsme(ctx: ExecutionContext): ExecutionResult {
  const req = decodeDlmsApdu(ctx.payload);
  if (req.type !== 'access-request')
    throw new DecodeError(ErrorCode.BAD_VALUE, 0, 'CS01a: not an access-request');
  const fault = ctx.fault;
  const results = req.specifications.map((spec, i) => {
    const injected = fault?.kind === 'dlms-results' ? (fault.results[i] ?? 0) : 0;
    if (injected !== 0) return injected;
    if (
      spec.type !== 'action' ||
      spec.method.classId !== TOKEN_GATEWAY_CLASS ||
      !equalBytes(spec.method.instanceId, TOKEN_GATEWAY_OBIS) ||
      spec.method.methodId !== TOKEN_GATEWAY_ENTER
    ) {
      return ActionResult.OBJECT_UNDEFINED;
    }
    const data = req.data[i];
    if (data?.type !== 'octet-string') return ActionResult.TYPE_UNMATCHED;
    const utrn = new TextDecoder().decode(data.value);
    const r = applyUtrn(ctx, utrn, 0);
    return r.verdict === 'accepted' ? ActionResult.SUCCESS : ActionResult.OTHER_REASON;
  });
  return {
    payload: encodeAccessResponse(
      req.longInvokeIdAndPriority,
      results.map(() => ({ type: 'null-data' })),
      results.map((result) => ({ type: 'action', result })),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// CS01b: GSME, ZSE Prepayment cluster.

const PREPAYMENT_CLUSTER = 0x0705;
const CONSUMER_TOP_UP = 0x04;
const CONSUMER_TOP_UP_RESPONSE = 0x03;
const ZCL_DEFAULT_RESPONSE = 0x0b;
/** ZCL frame control: cluster-specific (1), server to client (0x08). */
const FC_CLUSTER_SERVER_TO_CLIENT = 0x09;
/** Global, server to client, default response disabled. */
const FC_GLOBAL_SERVER_TO_CLIENT = 0x18;

/** ZSE Consumer Top Up Response ResultType. */
export const TopUpResultType = {
  ACCEPTED: 0x00,
  REJECTED_INVALID: 0x01,
  REJECTED_DUPLICATE: 0x02,
  REJECTED_ERROR: 0x03,
  REJECTED_MAX_CREDIT_REACHED: 0x04,
} as const;

const RESULT_TYPE: Record<TopUpVerdict, number> = {
  accepted: TopUpResultType.ACCEPTED,
  invalid: TopUpResultType.REJECTED_INVALID,
  'not-authentic': TopUpResultType.REJECTED_INVALID,
  'outside-window': TopUpResultType.REJECTED_INVALID,
  'already-used': TopUpResultType.REJECTED_DUPLICATE,
  'max-credit': TopUpResultType.REJECTED_MAX_CREDIT_REACHED,
  'no-key': TopUpResultType.REJECTED_ERROR,
};

/** The Consumer Top Up Response result type of a UTRN verdict (CS01b, PCS01). */
export const topUpResultOf = (v: TopUpVerdict): number => RESULT_TYPE[v];

/** GSME amounts are in 10^-5 of the currency unit: 1 penny = 1000 (RTDS 2.2 CS01b: £12.50 → 1 250 000). */
export const GSME_UNITS_PER_PENNY = 1000;

const int32le = (v: number): number[] => {
  const x = Math.max(-0x80000000, Math.min(0x7fffffff, Math.round(v))) >>> 0;
  return [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24];
};

/**
 * Consumer Top Up Response payload: on acceptance the top-up value and the credit remaining (GSME
 * units); on refusal both are 0xFFFFFFFF (RTDS 2.2 CS01b ERROR).
 */
export function consumerTopUpResponse(
  result: number,
  source: number,
  valuePence: number,
  creditPence: number,
): Uint8Array {
  const ok = result === TopUpResultType.ACCEPTED;
  return Uint8Array.of(
    result,
    ...(ok ? int32le(valuePence * GSME_UNITS_PER_PENNY) : [0xff, 0xff, 0xff, 0xff]),
    source,
    ...(ok ? int32le(creditPence * GSME_UNITS_PER_PENNY) : [0xff, 0xff, 0xff, 0xff]),
  );
}

/** CS01b handler. */
export function applyPrepaymentTopUpGsme(ctx: ExecutionContext): ExecutionResult {
  const g = decodeGbz(ctx.payload, 0, { alert: false });
  if (g.type !== 'components') throw new DecodeError(ErrorCode.BAD_VALUE, 0, 'CS01b: not a GBZ command');
  const fault = ctx.fault;
  const out: GbzComponent[] = g.components.map((c, i) => {
    const h = c.zclHeader;
    const last = i === g.components.length - 1;
    const reply = (frameControl: number, commandId: number, zclPayload: Uint8Array): GbzComponent => ({
      encrypted: false,
      lastComponent: last,
      clusterId: c.clusterId,
      fromDateTime: null,
      zclHeader: {
        frameControl,
        manufacturerCode: null,
        transactionSequenceNumber: h.transactionSequenceNumber,
        commandId,
      },
      zclPayload,
    });
    if (fault?.kind === 'gbz-default-response')
      return reply(
        FC_GLOBAL_SERVER_TO_CLIENT,
        ZCL_DEFAULT_RESPONSE,
        Uint8Array.of(fault.commandId ?? h.commandId, fault.status),
      );
    const isTopUp =
      !c.encrypted &&
      c.clusterId === PREPAYMENT_CLUSTER &&
      (h.frameControl & 0x03) === 1 &&
      h.commandId === CONSUMER_TOP_UP;
    if (!isTopUp) {
      // ZCL UNSUP_CLUSTER_COMMAND (0x81).
      return reply(FC_GLOBAL_SERVER_TO_CLIENT, ZCL_DEFAULT_RESPONSE, Uint8Array.of(h.commandId, 0x81));
    }
    const z = c.zclPayload;
    const source = z[0] ?? 0;
    const len = z[1] ?? 0;
    if (z.length !== 2 + len) {
      // ZCL MALFORMED_COMMAND (0x80).
      return reply(FC_GLOBAL_SERVER_TO_CLIENT, ZCL_DEFAULT_RESPONSE, Uint8Array.of(h.commandId, 0x80));
    }
    const r = applyUtrn(ctx, new TextDecoder().decode(z.subarray(2)), source);
    const credit = prepaymentOf(ctx.device.state.model).creditPence;
    return reply(
      FC_CLUSTER_SERVER_TO_CLIENT,
      CONSUMER_TOP_UP_RESPONSE,
      consumerTopUpResponse(RESULT_TYPE[r.verdict], source, r.valuePence, credit),
    );
  });
  return { payload: encodeGbz({ type: 'components', components: out }) };
}

/** This file's use-case handlers: (device types, Message Codes, handler); sim/models/index.ts puts them in `MODELS`. */
// CS01b on a GSME is a GBZ command the GSME model runs with its other ZSE commands (sim/models/gsme/
// gsme.ts, which applies the UTRN through `applyUtrn`); `applyPrepaymentTopUpGsme` answers it alone.
export const HANDLERS: readonly HandlerRow[] = [handlerRow(['ESME'], [CS01A], applyPrepaymentTopUpEsme)];
