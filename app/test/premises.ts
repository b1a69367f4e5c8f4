/**
 * A virtual premises as the target of test scenarios and of the web console: the premises of
 * `gbcs-sim run` (sim/premises/premises.ts: CHF, GPF, ESME, GSME under the test key set of a seed) on a
 * virtual clock, driven by the head-end (sim/head-end/head-end.ts) one step at a time, with what each step
 * yields observed: acceptance or the refusal reason, the response's verification and result, the
 * alerts the command raised. Tamper operations (app/test/scenario.ts) alter a command on its way;
 * control requests are the serve control channel's, played in-process.
 */
import { toHex } from '../../protocol/bytes.ts';
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import { decodeGbcsMessage } from '../../protocol/envelope.ts';
import { GbcsError } from '../../protocol/errors.ts';
import type { GroupingHeader } from '../../protocol/grouping-header.ts';
import type { KeyResolver } from '../../protocol/security/verify.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { messageCodeHex, useCaseOf } from '../../protocol/use-case-catalogue.ts';
import { clockSetTarget, VirtualClock } from '../../sim/clock.ts';
import type { CommandOutcome, DeviceState } from '../../sim/device/device.ts';
import { parseFaultConfig } from '../../sim/device/faults.ts';
import { HeadEnd } from '../../sim/head-end/head-end.ts';
import { responseOutcome } from '../../sim/head-end/outcome.ts';
import { partyEui } from '../../sim/head-end/scenario.ts';
import {
  createPremises,
  DEFAULT_PREMISES,
  type Premises,
  type PremisesIds,
} from '../../sim/premises/premises.ts';
import { createTestKeys, TEST_PARTIES, type TestKeys } from '../../sim/smki/test-pki.ts';
import type { CommandResult } from '../bridge/bridge.ts';
import type { BridgeStep } from '../bridge/scenario.ts';
import { testKeyResolver } from '../run.ts';
import type { TamperOp } from './scenario.ts';

/** What a command step yielded. */
export interface CommandObservation {
  kind: 'command';
  useCase: string;
  messageCode: number;
  recipientId: Eui64;
  originatorId: Eui64;
  /** Null when it cannot be seen (through a port, an unanswered command may be refused or lost). */
  accepted: boolean | null;
  /** The device's refusal reason (sim/device/device.ts RejectReason), null when accepted or unseen. */
  reason: string | null;
  detail: string | null;
  responseVerified: boolean;
  /** `success`, `error: …` (sim/head-end/outcome.ts), `no response (…)`, or null before any response. */
  result: string | null;
  mac: string;
  signature: string;
  problems: string[];
  /** Alert codes of the alerts the command raised (null: only Message Codes are known). */
  alerts: number[] | null;
  /** Message Codes of those alerts. */
  alertMessageCodes: number[];
  /** The alerts as they left the device, hex (empty when not seen). */
  alertMessages: string[];
  counter: string | null;
  command: string | null;
  response: string | null;
}

/**
 * A bridge command result (app/bridge/bridge.ts) as an observation. Through a port a refused command is
 * only unanswered (`accepted: null`, reason unseen) unless `seen` says more; alerts are known by
 * Message Code.
 */
export function bridgeObservation(
  r: CommandResult,
  seen: Partial<
    Pick<CommandObservation, 'accepted' | 'reason' | 'detail' | 'alertMessages' | 'command'>
  > = {},
): CommandObservation {
  return {
    kind: 'command',
    useCase: r.useCase,
    messageCode: r.messageCode,
    recipientId: r.recipientId,
    originatorId: r.originatorId,
    accepted: r.status === 'answered' ? true : null,
    reason: null,
    detail: r.status === 'failed' ? `${r.reason} after ${r.attempts} attempts` : null,
    responseVerified: r.responseVerified,
    result: r.result,
    mac: r.mac,
    signature: r.signature,
    problems: r.problems,
    alerts: null,
    alertMessageCodes: r.alerts,
    alertMessages: [],
    counter: r.counter,
    command: null,
    response: r.response,
    ...seen,
  };
}

export interface ControlObservation {
  kind: 'control';
  op: string;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

export interface PremisesTargetOptions {
  seed: string;
  crypto: GbcsCrypto;
  /** Device EUIs (default the default premises). */
  ids?: PremisesIds;
  /** Virtual start time, ms (default 2026-01-01T08:00Z, as `run`). */
  startMs?: number;
  /** Virtual time before each command (default one minute, as `run`). */
  stepMs?: number;
}

const flipLast = (b: Uint8Array, back = 0): Uint8Array => {
  const c = b.slice();
  const i = c.length - 1 - back;
  c[i] = c[i]! ^ 0x01;
  return c;
};

/** A ControlFailure-like refusal of a control request (the serve control channel's codes). */
class ControlRefused extends GbcsError {}

export class PremisesTarget {
  readonly keys: TestKeys;
  readonly clock: VirtualClock;
  readonly premises: Premises;
  readonly headEnd: HeadEnd;
  readonly ids: PremisesIds;
  private readonly crypto: GbcsCrypto;
  private readonly resolver: KeyResolver;
  private readonly stepMs: number;
  private lastCommand: Uint8Array | null = null;
  private readonly lastCounter = new Map<Eui64, bigint>();
  private dropResponses = 0;
  private corruptResponses = 0;

  constructor(o: PremisesTargetOptions) {
    this.crypto = o.crypto;
    this.ids = o.ids ?? DEFAULT_PREMISES;
    this.clock = new VirtualClock(o.startMs ?? Date.UTC(2026, 0, 1, 8, 0, 0));
    this.keys = createTestKeys(o.seed);
    this.premises = createPremises(this.keys, this.clock, o.crypto, this.ids);
    this.resolver = testKeyResolver(this.keys, this.premises);
    this.stepMs = o.stepMs ?? 60_000;
    this.headEnd = new HeadEnd({
      crypto: o.crypto,
      keys: this.resolver,
      acbId: partyEui('acb'),
      clock: this.clock,
    });
  }

  /** The state of a device of the premises (live: read it, do not change it). */
  state(eui: Eui64): DeviceState | undefined {
    return this.premises.devices.get(eui)?.state;
  }

  /**
   * A head-end that builds like the main one but with one thing wrong (the tamper operations that
   * must pass the MAC check to reach the one under test, or fail it for the right reason).
   */
  private alteredHeadEnd(
    op: 'flip-signature-byte' | 'wrong-signing-key' | 'wrong-mac-key',
    originator: Eui64,
  ) {
    const other = (usage: 'ds' | 'ka', not: Eui64) => {
      const p = TEST_PARTIES.find((x) => x.eui !== not && x.usages.includes(usage))!;
      return this.keys.privateKey(p.eui, usage);
    };
    const acb = this.headEnd.acbId;
    const keys: KeyResolver = {
      publicKey: (eui, usage) => this.resolver.publicKey(eui, usage),
      privateKey: (eui, usage) => {
        if (op === 'wrong-signing-key' && eui === originator && usage === 'ds')
          return other('ds', originator);
        if (op === 'wrong-mac-key' && eui === acb && usage === 'ka') return other('ka', acb);
        return this.resolver.privateKey(eui, usage);
      },
    };
    const crypto: GbcsCrypto =
      op === 'flip-signature-byte'
        ? Object.assign(Object.create(this.crypto) as GbcsCrypto, {
            sign: (k: Uint8Array, m: Uint8Array) => flipLast(this.crypto.sign(k, m)),
          })
        : this.crypto;
    return new HeadEnd({ crypto, keys, acbId: acb, clock: this.clock });
  }

  /** Builds the command of a step, tampered as asked. @throws GbcsError BAD_SCENARIO when a tamper cannot apply */
  private build(step: Extract<BridgeStep, { kind: 'command' }>, tamper: TamperOp | undefined) {
    const spec = {
      originatorId: step.originatorId,
      recipientId: step.recipientId,
      messageCode: step.messageCode,
      payload: step.payload,
    };
    const fail = (msg: string) => new GbcsError('BAD_SCENARIO', `tamper ${tamper}: ${msg}`);
    if (tamper === 'replay') {
      if (!this.lastCommand) throw fail('no command before this step to replay');
      const m = decodeGbcsMessage(this.lastCommand);
      const header = m.form === 'gbt' ? null : m.apdu.header;
      if (!header) throw fail('the previous command was a GBT block');
      return { bytes: this.lastCommand, header };
    }
    if (tamper === 'wrong-counter') {
      const last = this.lastCounter.get(step.originatorId);
      if (last === undefined) throw fail(`no earlier command from ${step.originatorId}`);
      return this.headEnd.buildCommand({ ...spec, counter: last });
    }
    if (
      (tamper === 'flip-signature-byte' || tamper === 'wrong-signing-key') &&
      useCaseOf(step.messageCode)?.commandSignature !== 'required'
    )
      throw fail(`${messageCodeHex(step.messageCode)} is not signed (not a critical command)`);
    const built =
      tamper === 'flip-signature-byte' || tamper === 'wrong-signing-key' || tamper === 'wrong-mac-key'
        ? this.alteredHeadEnd(tamper, step.originatorId).buildCommand({
            ...spec,
            counter: this.headEnd.nextCounter(step.originatorId),
          })
        : this.headEnd.buildCommand(spec);
    // A MAC'd command ends with its 12-byte MAC (GBCS 6.2.3): flip its last byte.
    if (tamper === 'flip-mac-byte') return { ...built, bytes: flipLast(built.bytes) };
    if (tamper === 'truncate') return { ...built, bytes: built.bytes.slice(0, -1) };
    return built;
  }

  /** Runs a command step: build (and tamper), submit through the CHF, wake the GSME, check the response. */
  command(step: Extract<BridgeStep, { kind: 'command' }>, tamper?: TamperOp): CommandObservation {
    this.clock.advance(this.stepMs);
    const built = this.build(step, tamper);
    const header: GroupingHeader = built.header;
    this.lastCommand = built.bytes;
    const prev = this.lastCounter.get(step.originatorId) ?? -1n;
    if (header.originatorCounter > prev) this.lastCounter.set(step.originatorId, header.originatorCounter);
    let outcome: CommandOutcome | undefined;
    const sub = this.premises.submit(built.bytes);
    if (sub.status === 'queued') {
      // The GSME is asleep: its command waits in the GPF until it wakes and polls.
      this.clock.advance(this.premises.gsmePollIntervalMs);
      outcome = this.premises.gsmeWake()[0];
    } else outcome = sub.outcome;
    const uc = useCaseOf(step.messageCode);
    const accepted = outcome?.accepted ?? false;
    const dropped = accepted && outcome?.accepted === true && outcome.dropped === true;
    let response = outcome?.accepted && !dropped ? outcome.response : null;
    let linkDropped = false;
    if (response && this.dropResponses > 0) {
      this.dropResponses--;
      response = null;
      linkDropped = true;
    } else if (response && this.corruptResponses > 0) {
      this.corruptResponses--;
      response = flipLast(response);
    }
    if (outcome?.accepted && outcome.delayMs) this.clock.advance(outcome.delayMs);
    const check = response ? this.headEnd.checkResponse(header, response) : undefined;
    let result: string | null = null;
    if (dropped) result = 'no response (dropped)';
    else if (linkDropped) result = 'no response (link fault)';
    else if (response && check?.message && check.message.form !== 'gbt') {
      const o = responseOutcome(check.message.apdu.payload);
      result = o.ok ? 'success' : `error: ${o.errors.join(', ')}`;
    } else if (response) result = 'undecodable response';
    const alerts = outcome?.accepted ? (outcome.alerts ?? []) : [];
    return {
      kind: 'command',
      useCase: uc?.useCase || messageCodeHex(step.messageCode),
      messageCode: step.messageCode,
      recipientId: step.recipientId,
      originatorId: step.originatorId,
      accepted,
      reason: outcome && !outcome.accepted ? outcome.rejection.reason : null,
      detail: outcome && !outcome.accepted ? outcome.rejection.detail : null,
      responseVerified: check?.ok ?? false,
      result,
      mac: check?.mac ?? 'absent',
      signature: check?.signature ?? 'absent',
      problems: check?.problems ?? [],
      alerts: alerts.map((a) => a.alertCode),
      alertMessageCodes: alerts.map((a) => a.messageCode),
      alertMessages: alerts.map((a) => toHex(a.bytes)),
      counter: header.originatorCounter.toString(),
      command: toHex(built.bytes),
      response: response ? toHex(response) : null,
    };
  }

  /**
   * Waits `ms` of virtual time.
   * @throws GbcsError BAD_REQUEST when the clock would leave what devices can represent
   * (sim/clock.ts clockSetTarget, as serve's `clock.set`)
   */
  wait(ms: number): void {
    const r = clockSetTarget(this.clock.now(), { advanceMs: ms }, { backwards: false });
    if (!r.ok) throw new ControlRefused('BAD_REQUEST', `wait ${ms} ms: ${r.message}`);
    this.clock.advance(r.targetMs - this.clock.now());
  }

  /**
   * The serve control channel's requests, played in-process: `ping`, `clock.set {ms} |
   * {advanceMs}`, `fault` (link faults `drop-responses`/`corrupt-responses {count}`, or a device
   * fault rule with `device`), `fault.clear`, `gsme.wake`. Others: UNSUPPORTED.
   */
  control(op: string, params: Record<string, unknown>): ControlObservation {
    try {
      return { kind: 'control', op, ok: true, result: this.controlResult(op, params) };
    } catch (e) {
      if (!(e instanceof GbcsError)) throw e;
      return { kind: 'control', op, ok: false, error: { code: e.code, message: e.message } };
    }
  }

  private device(v: unknown) {
    const d = typeof v === 'string' ? this.premises.devices.get(v.toLowerCase()) : undefined;
    if (!d) throw new ControlRefused('NO_DEVICE', `no device ${String(v)}`);
    return d;
  }

  private controlResult(op: string, p: Record<string, unknown>): unknown {
    switch (op) {
      case 'ping':
        return { pong: true };
      case 'clock.set': {
        const r = clockSetTarget(this.clock.now(), p, { backwards: false });
        if (!r.ok) throw new ControlRefused('BAD_REQUEST', r.message);
        this.clock.advance(r.targetMs - this.clock.now());
        return { clockMs: this.clock.now() };
      }
      case 'fault': {
        const { fault, device, count, ...rest } = p;
        if (typeof fault !== 'string') throw new ControlRefused('BAD_REQUEST', 'fault needs a fault name');
        const n = count === undefined ? 1 : count;
        if (fault === 'drop-responses' || fault === 'corrupt-responses') {
          if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
            throw new ControlRefused('BAD_REQUEST', 'count is an integer ≥ 0');
          if (fault === 'drop-responses') this.dropResponses = n;
          else this.corruptResponses = n;
          return { faults: { dropResponses: this.dropResponses, corruptResponses: this.corruptResponses } };
        }
        const dev = this.device(device);
        const rule = { ...rest, ...(count !== undefined ? { count } : {}), kind: fault };
        const checked = parseFaultConfig({ [dev.eui]: [rule] });
        if (!checked.ok) throw new ControlRefused('BAD_REQUEST', checked.problems.join('; '));
        for (const r of checked.config[dev.eui] ?? []) dev.injectFault(r);
        return { device: dev.eui, faults: dev.state.faults?.length ?? 0 };
      }
      case 'fault.clear': {
        this.dropResponses = 0;
        this.corruptResponses = 0;
        const devices =
          p.device === undefined ? [...this.premises.devices.values()] : [this.device(p.device)];
        for (const d of devices) d.clearFaults();
        return { cleared: devices.length };
      }
      case 'gsme.wake':
        return { answered: this.premises.gsmeWake().length };
      default:
        throw new ControlRefused('UNSUPPORTED', `control ${op} is not played by a virtual premises`);
    }
  }
}
