/**
 * Future-dated commands (gbcs-wire-and-security.md §2.4; smki-recovery-ch-domain.md §CS02b; RTDS
 * *_FUTURE_DATED_* scenarios): recognising the execution date-time a command carries and recording
 * the task in the device's schedule. Running due tasks: sim/device/scheduler.ts.
 *
 * A future-dated command carries an execution date-time. The device accepts such a command and
 * answers at once (the generic models store the passive values; the ASN.1 use cases answer
 * "Command Accepted"), keeps a task in its state, and when its clock reaches the time executes
 * it and raises the outcome alert: 0x8F66 "Future-date HAN Interface Command Successfully
 * Actioned" or 0x8F67 "… not Successfully Actioned", one per deferred target:
 *
 * - DLMS (ESME, 0x00CC): a set of an activation-time attribute — Activity Calendar (IC 20)
 *   activate_passive_calendar_time (10), Charge (IC 113) unit_charge_activation_time (7), Account
 *   (IC 111) account activation time (13), GBCS Extended Data (IC 9000) "activate passive value
 *   time" (6) — to a date in the future. A date of all zeros (RTDS IMMEDIATE) or in the past
 *   activates at once; a date of "not specified" (0xFF…, RTDS CANCELLATION) cancels a pending one.
 * - GBZ (GSME, 0x00CD): a ZCL command of GCS01a/b, GCS02, GCS03, GCS05 whose start / implementation
 *   time (ZSE Price, Calendar and Prepayment clusters; or the component's from-date-time) lies in
 *   the future. 0 = now, 0xFFFFFFFE/0xFFFFFFFF = cancel.
 * - ASN.1 (0x00CA CS06, 0x00CB CS02b, 0x0124 CS02g): the trailing executionDateTime of the command
 *   SEQUENCE; 9999-12-31T23:59:59Z cancels. When due, the command (without its execution
 *   date-time) runs through the device model as if immediate, and its outcome goes into the alert.
 *
 * Tasks are plain data in `state.schedule` (durable: a restarted device still executes them).
 */

import {
  type DerNode,
  DerTag,
  decodeDer,
  derConstructed,
  derIntegerValue,
  derTimeValue,
  encodeDer,
} from '../../protocol/asn1/der.ts';
import { toHex } from '../../protocol/bytes.ts';
import { decodeDlmsApdu } from '../../protocol/dlms/apdu.ts';
import { dlmsDateTimeInstant } from '../../protocol/dlms-date-time.ts';
import { DecodeError } from '../../protocol/errors.ts';
import { decodeGbz } from '../../protocol/gbz/gbz.ts';
import { ZclCommand } from '../../protocol/gbz/zcl.ts';
import { AlertMessageCode, ZIGBEE_EPOCH_MS } from './alerts.ts';
import type { DeviceCore as Device, ExecutionContext } from './core.ts';
import type { FutureDatedTarget, ScheduledTask } from './state.ts';

export type { FutureDatedTarget, ScheduledTask } from './state.ts';

/** GBCS devices and RTDS send long-form DER lengths (`30 82 00 DE`): accept them (protocol/asn1/der.ts). */
const LENIENT = { allowNonMinimalLength: true } as const;

// ---------------------------------------------------------------------------------------------
// Recognising future-dated commands.

/** COSEM (class id, attribute id) pairs holding an activation date-time (GBCS ESME object model). */
const ACTIVATION_ATTRIBUTES: ReadonlyArray<readonly [number, number]> = [
  [20, 10],
  [113, 7],
  [111, 13],
  [9000, 6],
];
const isActivationAttribute = (classId: number, attributeId: number): boolean =>
  ACTIVATION_ATTRIBUTES.some(([c, a]) => c === classId && a === attributeId);

/** Future-dateable GSME use cases: GCS01a, GCS02, GCS03, GCS05, GCS01b. */
const FUTURE_DATEABLE_GBZ = new Set([0x006b, 0x006c, 0x006d, 0x006f, 0x00a3]);

/**
 * Offset of the start / implementation time (ZigBee UTCTime, uint32 little-endian) in ZSE
 * commands sent to the meter (ZigBee SE 1.4: Price Publish Tariff Information 0x04, Publish Price
 * Matrix 0x05, Publish Block Thresholds 0x06; Calendar Publish Calendar 0x00, Publish Special Days
 * 0x04; Prepayment Emergency Credit Setup 0x03, Change Payment Mode 0x06, Set Maximum Credit Limit
 * 0x0B, Set Overall Debt Cap 0x0C). Keyed `cluster/command`.
 */
const ZSE_START_TIME_OFFSET: ReadonlyMap<string, number> = new Map([
  ['1792/4', 12],
  ['1792/5', 8],
  ['1792/6', 8],
  ['1799/0', 12],
  ['1799/4', 12],
  ['1797/3', 4],
  ['1797/6', 8],
  ['1797/11', 8],
  ['1797/12', 8],
]);

/** ASN.1 future-dateable commands → their outcome alert Message Code. */
function asn1AlertCodeOf(messageCode: number): number | undefined {
  if (messageCode === 0x0012) return AlertMessageCode.FUTURE_DATED_FIRMWARE_ACTIVATION;
  if (messageCode >= 0x0100 && messageCode <= 0x0109)
    return AlertMessageCode.FUTURE_DATED_SECURITY_CREDENTIALS;
  if (messageCode === 0x0125 || messageCode === 0x0126)
    return AlertMessageCode.FUTURE_DATED_LOAD_CONTROLLER_CREDENTIALS;
  return undefined;
}

/** The execution date-time of a DLMS activation attribute value: an instant, now, or cancel. */
export type ExecutionTime = { kind: 'at'; ms: number } | { kind: 'now' } | { kind: 'cancel' };

/** Reads a 12-byte DLMS date-time value as an execution time (see file doc). */
export function dlmsExecutionTime(b: Uint8Array): ExecutionTime {
  if (b.length !== 12) return { kind: 'now' };
  const year = (b[0]! << 8) | b[1]!;
  const month = b[2]!;
  const day = b[3]!;
  if (year === 0xffff || month === 0xff || day === 0xff) return { kind: 'cancel' };
  if (year === 0 || month === 0 || day === 0) return { kind: 'now' };
  // Unspecified time fields count as 0. A date that does not exist (2027-02-29) is never rolled
  // over to another day (the ESME refuses such a set, so it is not planned): it names no time.
  const at = Uint8Array.from(b);
  for (const i of [5, 6, 7, 8]) if (at[i] === 0xff) at[i] = 0;
  at.set([0xff], 4); // day of week, deviation: not used
  at.set([0x80, 0], 9);
  try {
    const ms = dlmsDateTimeInstant(at);
    return ms === null ? { kind: 'cancel' } : { kind: 'at', ms };
  } catch (e) {
    if (e instanceof DecodeError) return { kind: 'cancel' };
    throw e;
  }
}

/** A ZigBee UTCTime start time as an execution time: 0 now, 0xFFFFFFFE/0xFFFFFFFF cancel. */
export function zigbeeExecutionTime(t: number): ExecutionTime {
  if (t === 0) return { kind: 'now' };
  if (t >= 0xfffffffe) return { kind: 'cancel' };
  return { kind: 'at', ms: ZIGBEE_EPOCH_MS + t * 1000 };
}

/** The ASN.1 cancellation instant, 9999-12-31T23:59:59Z (RTDS CS06, CS02b CANCELLATION). */
export const ASN1_CANCEL_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/**
 * The execution date-time of an ASN.1 command (the trailing GeneralizedTime of its SEQUENCE) and
 * the payload without it; null when the command carries none or does not decode.
 */
export function asn1ExecutionTime(
  payload: Uint8Array,
): { time: ExecutionTime; immediate: Uint8Array } | null {
  let n: DerNode;
  try {
    n = decodeDer(payload, 0, LENIENT);
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
  const last = n.children?.[n.children.length - 1];
  if (!n.children || n.tag !== DerTag.SEQUENCE || !last || last.tag !== DerTag.GENERALIZED_TIME) return null;
  let ms: number;
  try {
    ms = derTimeValue(last); // strict: an impossible date is no execution time
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
  const immediate = derConstructed(DerTag.SEQUENCE, ...n.children.slice(0, -1).map(encodeDer));
  return { time: ms >= ASN1_CANCEL_MS ? { kind: 'cancel' } : { kind: 'at', ms }, immediate };
}

/**
 * Whether a command being executed is future-dated (its execution time lies ahead of the device
 * clock), for handlers that answer such commands differently (CS06, CS02b: "Command Accepted").
 */
export function isFutureDated(ctx: Pick<ExecutionContext, 'header' | 'payload' | 'now'>): boolean {
  if (asn1AlertCodeOf(ctx.header.messageCode) === undefined) return false;
  const t = asn1ExecutionTime(ctx.payload)?.time;
  return t?.kind === 'at' && t.ms > ctx.now;
}

const sameTarget = (a: FutureDatedTarget, b: FutureDatedTarget): boolean => {
  if (a.kind === 'cosem' && b.kind === 'cosem')
    return a.classId === b.classId && a.instanceId === b.instanceId && a.attributeId === b.attributeId;
  if (a.kind === 'zcl' && b.kind === 'zcl') return a.clusterId === b.clusterId && a.commandId === b.commandId;
  if (a.kind === 'asn1' && b.kind === 'asn1') return a.alertMessageCode === b.alertMessageCode;
  return false;
};

function schedule(dev: Device): ScheduledTask[] {
  dev.state.schedule ??= [];
  return dev.state.schedule;
}

/** Replaces (or, for `now` / `cancel`, removes) the pending task of a target. */
function plan(
  dev: Device,
  base: Omit<ScheduledTask, 'dueMs' | 'target'>,
  target: FutureDatedTarget,
  t: ExecutionTime,
  now: number,
  extra: Partial<ScheduledTask> = {},
): void {
  const tasks = schedule(dev).filter((x) => !sameTarget(x.target, target));
  if (t.kind === 'at' && t.ms > now) tasks.push({ ...base, ...extra, dueMs: t.ms, target });
  tasks.sort((a, b) => a.dueMs - b.dueMs);
  dev.state.schedule = tasks;
}

/**
 * Adds a task to a device's schedule, replacing a pending one of the same target, and persists
 * the state: for device models that recognise future-dated parts themselves, and for harnesses.
 */
export function scheduleTask(dev: Device, task: ScheduledTask): void {
  const tasks = schedule(dev).filter((x) => !sameTarget(x.target, task.target));
  tasks.push(task);
  tasks.sort((a, b) => a.dueMs - b.dueMs);
  dev.state.schedule = tasks;
  dev.persist();
}

/**
 * After an accepted command executed: records the future-dated parts it carried (replacing or
 * cancelling pending ones). Only parts the device accepted are recorded (a DLMS set whose result
 * is success; a GBZ or ASN.1 command whose response carries no error). Never throws on payloads.
 * Called by the device pipeline (sim/device/device.ts); state is persisted by the caller.
 */
export function planFutureDated(ctx: ExecutionContext, response: Uint8Array): void {
  const h = ctx.header;
  const base = {
    messageCode: h.messageCode,
    originatorId: h.originatorId,
    originatorCounter: h.originatorCounter.toString(),
    originatorRole: ctx.originatorRole,
    signed: ctx.signed,
  };
  const dev = ctx.device;
  try {
    const first = ctx.payload[0];
    if (first === 0xd9) {
      const req = decodeDlmsApdu(ctx.payload);
      if (req.type !== 'access-request') return;
      const activations = req.specifications.flatMap((spec, i) => {
        const v = req.data[i];
        return spec.type === 'set' &&
          isActivationAttribute(spec.attribute.classId, spec.attribute.attributeId) &&
          v?.type === 'octet-string'
          ? [{ i, a: spec.attribute, value: v.value }]
          : [];
      });
      // Most commands set no activation time: the response is decoded only when one does.
      if (activations.length === 0) return;
      const res = decodeDlmsApdu(response);
      if (res.type !== 'access-response') return;
      for (const { i, a, value } of activations) {
        if ((res.responseSpecifications[i]?.result ?? 1) !== 0) continue;
        const target: FutureDatedTarget = {
          kind: 'cosem',
          classId: a.classId,
          instanceId: toHex(a.instanceId),
          attributeId: a.attributeId,
        };
        plan(dev, base, target, dlmsExecutionTime(value), ctx.now);
      }
      return;
    }
    if (first === 0x01 && FUTURE_DATEABLE_GBZ.has(h.messageCode)) {
      const cmd = decodeGbz(ctx.payload, 0, { alert: false });
      const res = decodeGbz(response, 0, { alert: false });
      if (cmd.type !== 'components' || res.type !== 'components') return;
      const failed = res.components.some(
        (c) =>
          !c.encrypted &&
          (c.zclHeader.frameControl & 0x03) === 0 &&
          c.zclHeader.commandId === ZclCommand.DEFAULT_RESPONSE &&
          (c.zclPayload[1] ?? 0) !== 0,
      );
      if (failed) return;
      for (const c of cmd.components) {
        if (c.encrypted) continue;
        const offset = ZSE_START_TIME_OFFSET.get(`${c.clusterId}/${c.zclHeader.commandId}`);
        const isClusterSpecific = (c.zclHeader.frameControl & 0x03) === 1;
        let raw: number | undefined;
        if (c.fromDateTime !== null) raw = c.fromDateTime;
        else if (offset !== undefined && isClusterSpecific && c.zclPayload.length >= offset + 4) {
          const p = c.zclPayload;
          raw = (p[offset]! | (p[offset + 1]! << 8) | (p[offset + 2]! << 16) | (p[offset + 3]! << 24)) >>> 0;
        }
        if (raw === undefined) continue;
        const target: FutureDatedTarget = {
          kind: 'zcl',
          clusterId: c.clusterId,
          frameControl: c.zclHeader.frameControl,
          commandId: c.zclHeader.commandId,
        };
        plan(dev, base, target, zigbeeExecutionTime(raw), ctx.now);
      }
      return;
    }
    const alertMc = asn1AlertCodeOf(h.messageCode);
    if (alertMc === undefined) return;
    const x = asn1ExecutionTime(ctx.payload);
    if (!x) return;
    // A bare INTEGER is a response code: the command was refused.
    if (response[0] === DerTag.INTEGER) return;
    let payloadCounter: string | undefined;
    if (alertMc === AlertMessageCode.FUTURE_DATED_FIRMWARE_ACTIVATION) {
      const c = decodeDer(x.immediate, 0, LENIENT).children?.find((k) => k.tag === DerTag.INTEGER);
      if (c) payloadCounter = derIntegerValue(c).toString();
    }
    plan(dev, base, { kind: 'asn1', alertMessageCode: alertMc }, x.time, ctx.now, {
      payload: toHex(x.immediate),
      ...(payloadCounter !== undefined ? { payloadCounter } : {}),
    });
  } catch (e) {
    if (e instanceof DecodeError || e instanceof RangeError) return;
    throw e;
  }
}
