/**
 * Virtual time: future-dated commands and timed work, driven by the Clock — no timers (DESIGN §3).
 *
 * Future-dated commands (gbcs-wire-and-security.md §2.4; smki-recovery-ch-domain.md §CS02b; RTDS
 * *_FUTURE_DATED_* scenarios) carry an execution date-time. The device accepts such a command and
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
 * `Scheduler` drives one or more devices: it advances a VirtualClock from due time to due time,
 * runs what is due (device tasks and in-memory timers, in time order) and collects the alerts.
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
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { decodeDlmsApdu } from '../../protocol/dlms/apdu.ts';
import { dlmsDateTimeInstant } from '../../protocol/dlms-date-time.ts';
import { DecodeError } from '../../protocol/errors.ts';
import { decodeGbz } from '../../protocol/gbz/gbz.ts';
import { ZclCommand } from '../../protocol/gbz/zcl.ts';
import { CraFlag, type Eui64 } from '../../protocol/types.ts';
import { type DeviceType, useCaseOf } from '../../protocol/use-case-catalogue.ts';
import type { Clock } from '../clock.ts';
import {
  AlertMessageCode,
  type FutureDatedCommand,
  futureDatedAsn1Alert,
  futureDatedDlmsAlert,
  futureDatedGbzAlert,
  type RaisedAlert,
  raiseAlert,
  ZIGBEE_EPOCH_MS,
} from './alerts.ts';
import { type Device, type ExecutionContext, executionContext } from './device.ts';

/** GBCS devices and RTDS send long-form DER lengths (`30 82 00 DE`): accept them (protocol/asn1/der.ts). */
const LENIENT = { allowNonMinimalLength: true } as const;

/** What a future-dated task executes when it comes due. */
export type FutureDatedTarget =
  /** A COSEM activation-time attribute (instance id as 12 hex digits). */
  | { kind: 'cosem'; classId: number; instanceId: string; attributeId: number }
  /** A ZCL command of a GBZ component. */
  | { kind: 'zcl'; clusterId: number; frameControl: number; commandId: number }
  /** A whole ASN.1 command (CS06, CS02b, CS02g). */
  | { kind: 'asn1'; alertMessageCode: number };

/** A pending future-dated execution, plain data in `state.schedule`. */
export interface ScheduledTask {
  /** When it executes (ms since the epoch). */
  dueMs: number;
  /** The future-dated command. */
  messageCode: number;
  originatorId: Eui64;
  /** uint64, decimal. */
  originatorCounter: string;
  originatorRole: number;
  signed: boolean;
  target: FutureDatedTarget;
  /** ASN.1: the command payload without its execution date-time (hex), run when due. */
  payload?: string;
  /** CS06: the Originator Counter carried in the payload (decimal). */
  payloadCounter?: string;
}

/** The outcome of a deferred execution. */
export interface DeferredOutcome {
  actioned: boolean;
  /** ASN.1: DER of the execution outcome reported in the alert. */
  outcome?: Uint8Array;
}

/**
 * Runs a due task of a device model (e.g. the ESME moves passive tariff values to active). Models
 * register one per (device type, Message Code); without one, DLMS and GBZ targets are actioned
 * (the generic models stored the values when the command arrived) and ASN.1 commands run through
 * the device executor.
 */
export type DeferredExecutor = (dev: Device, task: ScheduledTask) => DeferredOutcome;

const DEFERRED = new Map<string, DeferredExecutor>();

export function registerDeferredExecutor(
  deviceTypes: readonly DeviceType[],
  messageCodes: readonly number[],
  fn: DeferredExecutor,
): void {
  for (const t of deviceTypes) for (const c of messageCodes) DEFERRED.set(`${t}/${c}`, fn);
}

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

// ---------------------------------------------------------------------------------------------
// Running due tasks.

/** Whether an ASN.1 execution outcome reports success (CS06 response code 0; CS02 every status 0). */
export function asn1OutcomeActioned(alertMessageCode: number, outcome: Uint8Array): boolean {
  let n: DerNode;
  try {
    n = decodeDer(outcome, 0, LENIENT);
  } catch {
    return false;
  }
  if (n.tag === DerTag.INTEGER) return derIntegerValue(n) === 0n;
  if (alertMessageCode === AlertMessageCode.FUTURE_DATED_FIRMWARE_ACTIVATION) {
    const code = n.children?.find((c) => c.tag === DerTag.INTEGER);
    return code !== undefined && derIntegerValue(code) === 0n;
  }
  const statuses: bigint[] = [];
  const walk = (x: DerNode): void => {
    if (x.tag === DerTag.ENUMERATED) statuses.push(derIntegerValue(x));
    for (const c of x.children ?? []) walk(c);
  };
  walk(n);
  return statuses.every((s) => s === 0n);
}

/** The outcome part of an immediate ASN.1 response: `SEQUENCE { NULL accepted, outcome }` → outcome. */
function outcomeOf(response: Uint8Array): Uint8Array {
  try {
    const n = decodeDer(response, 0, LENIENT);
    if (n.tag === DerTag.SEQUENCE && n.children?.[0]?.tag === DerTag.NULL) {
      const o = n.children[1];
      return o ? encodeDer(o) : response;
    }
  } catch {
    /* the response itself is the outcome */
  }
  return response;
}

function runAsn1(dev: Device, task: ScheduledTask): DeferredOutcome {
  const alertMc = task.target.kind === 'asn1' ? task.target.alertMessageCode : 0;
  const uc = useCaseOf(task.messageCode);
  if (!uc || task.payload === undefined) return { actioned: false, outcome: Uint8Array.of(0x30, 0x00) };
  const ctx = executionContext(dev, {
    header: {
      craFlag: CraFlag.COMMAND,
      originatorCounter: BigInt(task.originatorCounter),
      originatorId: task.originatorId,
      recipientId: dev.eui,
      dateTime: null,
      messageCode: task.messageCode,
      supplementaryRemotePartyId: null,
      supplementaryRemotePartyCounter: null,
      supplementaryOriginatorCounter: null,
      supplementaryRemotePartyKaCertificate: null,
    },
    payload: fromHex(task.payload),
    useCase: uc,
    signed: task.signed,
    originatorRole: task.originatorRole,
  });
  const outcome = outcomeOf(dev.execute(ctx).payload);
  return { actioned: asn1OutcomeActioned(alertMc, outcome), outcome };
}

function execute(dev: Device, task: ScheduledTask): RaisedAlert {
  const custom = DEFERRED.get(`${dev.deviceType}/${task.messageCode}`);
  const cmd: FutureDatedCommand = {
    messageCode: task.messageCode,
    originatorCounter: BigInt(task.originatorCounter),
    originatorId: task.originatorId,
  };
  const t = task.target;
  if (t.kind === 'asn1') {
    const r = custom ? custom(dev, task) : runAsn1(dev, task);
    const payloadCounter = task.payloadCounter === undefined ? null : BigInt(task.payloadCounter);
    return raiseAlert(dev, {
      ...futureDatedAsn1Alert(
        cmd,
        t.alertMessageCode,
        r.outcome ?? Uint8Array.of(0x30, 0x00),
        r.actioned,
        payloadCounter,
      ),
      at: task.dueMs,
    });
  }
  const actioned = custom ? custom(dev, task).actioned : true;
  const spec =
    t.kind === 'cosem'
      ? futureDatedDlmsAlert(cmd, { ...t, instanceId: fromHex(t.instanceId) }, actioned)
      : futureDatedGbzAlert(cmd, t, actioned);
  return raiseAlert(dev, { ...spec, at: task.dueMs });
}

/** Due time of the device's earliest pending task. */
export function nextDueOf(dev: Device): number | undefined {
  return dev.state.schedule?.[0]?.dueMs;
}

/**
 * Executes every task of `dev` due at or before `now` (in due order) and returns their outcome
 * alerts. Each task leaves the schedule before it runs (and the state is persisted), so a task
 * runs at most once even if its execution fails.
 */
export function runDueTasks(dev: Device, now: number = dev.clock.now()): RaisedAlert[] {
  const out: RaisedAlert[] = [];
  for (;;) {
    const tasks = dev.state.schedule;
    const next = tasks?.[0];
    if (!tasks || !next || next.dueMs > now) break;
    tasks.shift();
    if (tasks.length === 0) delete dev.state.schedule;
    dev.persist();
    out.push(execute(dev, next));
  }
  return out;
}

/** A clock the scheduler can move: VirtualClock. */
export interface AdvanceableClock extends Clock {
  advance(ms: number): void;
}

interface Timer {
  at: number;
  seq: number;
  period: number | null;
  // biome-ignore lint/suspicious/noConfusingVoidType: a timer returns the alerts it raised, or nothing.
  fn: (now: number) => RaisedAlert[] | void;
}

/**
 * Drives devices through virtual time: `advanceTo(t)` moves the clock from one due time to the
 * next (device tasks and timers, in time order; ties in registration order), runs what is due at
 * that instant, and returns every alert raised on the way. No wall-clock timers.
 */
export class Scheduler {
  readonly clock: AdvanceableClock;
  private readonly devices: () => Iterable<Device>;
  private timers: Timer[] = [];
  private seq = 0;

  constructor(clock: AdvanceableClock, devices: Iterable<Device> | (() => Iterable<Device>)) {
    this.clock = clock;
    this.devices = typeof devices === 'function' ? devices : () => devices;
  }

  /** Runs `fn` once at `atMs` (or at the next step if that is already past). */
  at(atMs: number, fn: Timer['fn']): void {
    this.timers.push({ at: atMs, seq: this.seq++, period: null, fn });
  }

  /** Runs `fn` every `periodMs`, first at `firstAtMs` (default now + period). */
  every(periodMs: number, fn: Timer['fn'], firstAtMs: number = this.clock.now() + periodMs): void {
    if (!(periodMs > 0)) throw new RangeError('a period is positive');
    this.timers.push({ at: firstAtMs, seq: this.seq++, period: periodMs, fn });
  }

  /** Earliest instant at which something is due, or undefined. */
  nextDue(): number | undefined {
    let t: number | undefined;
    for (const d of this.devices()) {
      const n = nextDueOf(d);
      if (n !== undefined && (t === undefined || n < t)) t = n;
    }
    for (const x of this.timers) if (t === undefined || x.at < t) t = x.at;
    return t;
  }

  /** Runs everything due at or before the clock's now. */
  poll(): RaisedAlert[] {
    const now = this.clock.now();
    const out: RaisedAlert[] = [];
    for (const d of this.devices()) out.push(...runDueTasks(d, now));
    for (;;) {
      const due = this.timers.filter((x) => x.at <= now).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      if (due.period === null) this.timers = this.timers.filter((x) => x !== due);
      else due.at += due.period;
      const r = due.fn(now);
      if (r) out.push(...r);
      // Device tasks a timer created that are already due run before the next timer.
      for (const d of this.devices()) out.push(...runDueTasks(d, now));
    }
    return out;
  }

  /** Moves the clock to `t` (not backwards), stopping at every due instant on the way. */
  advanceTo(t: number): RaisedAlert[] {
    const out = this.poll();
    for (;;) {
      const next = this.nextDue();
      if (next === undefined || next > t) break;
      const now = this.clock.now();
      if (next > now) this.clock.advance(next - now);
      out.push(...this.poll());
    }
    const now = this.clock.now();
    if (t > now) this.clock.advance(t - now);
    return out;
  }

  advance(ms: number): RaisedAlert[] {
    return this.advanceTo(this.clock.now() + ms);
  }

  /**
   * Runs every pending device task (advancing the clock to the last due time), up to `horizonMs`
   * (default: no bound). Timers fire on the way.
   */
  runPending(horizonMs: number = Number.MAX_SAFE_INTEGER): RaisedAlert[] {
    const out: RaisedAlert[] = [];
    for (;;) {
      let next: number | undefined;
      for (const d of this.devices()) {
        const n = nextDueOf(d);
        if (n !== undefined && (next === undefined || n < next)) next = n;
      }
      if (next === undefined || next > horizonMs) break;
      out.push(...this.advanceTo(next));
    }
    return out;
  }
}
