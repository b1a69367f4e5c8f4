/**
 * Virtual time: running future-dated tasks and timed work, driven by the Clock — no timers
 * (DESIGN §3). Tasks are plain data in `state.schedule` (sim/device/future-dated.ts records them;
 * durable: a restarted device still executes them). `Scheduler` drives one or more devices: it
 * advances a VirtualClock from due time to due time, runs what is due (device tasks and in-memory
 * timers, in time order) and collects the alerts. A task's outcome is raised as 0x8F66 / 0x8F67.
 */

import { type DerNode, DerTag, decodeDer, derIntegerValue, encodeDer } from '../../protocol/asn1/der.ts';
import { fromHex } from '../../protocol/bytes.ts';
import { CraFlag } from '../../protocol/types.ts';
import { useCaseOf } from '../../protocol/use-case-catalogue.ts';
import type { Clock } from '../clock.ts';
import {
  AlertMessageCode,
  type FutureDatedCommand,
  futureDatedAsn1Alert,
  futureDatedDlmsAlert,
  futureDatedGbzAlert,
  type RaisedAlert,
  raiseAlert,
} from './alerts.ts';
import type { DeferredOutcome, DeviceCore as Device } from './core.ts';
import { executionContext } from './pipeline/execute.ts';
import type { ScheduledTask } from './state.ts';

export {
  ASN1_CANCEL_MS,
  asn1ExecutionTime,
  dlmsExecutionTime,
  type ExecutionTime,
  type FutureDatedTarget,
  isFutureDated,
  type ScheduledTask,
  scheduleTask,
  zigbeeExecutionTime,
} from './future-dated.ts';

/** GBCS devices and RTDS send long-form DER lengths (`30 82 00 DE`): accept them (protocol/asn1/der.ts). */
const LENIENT = { allowNonMinimalLength: true } as const;

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
  const custom = dev.model.deferred.get(task.messageCode);
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
