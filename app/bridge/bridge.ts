/**
 * The bridge harness (`gbcs-sim bridge`, issue 5): the head-end drives whatever is on a port — a
 * physical Communications Hub, or a `gbcs-sim serve`d virtual premises — through a scenario.
 *
 * Per command: built by the head-end as its Remote Party would (signed when critical, MAC'd by the
 * ACB), split into GBT blocks when longer than the block limit, written with backpressure, and
 * correlated with its response by (device → originator, Originator Counter, Message Code, CRA 2).
 * No response within `timeoutMs`, or the link lost meanwhile, and the same bytes are sent again
 * (up to `retries` times; a device never executes a command twice — anti-replay — and `serve`
 * answers a retransmission with its cached response). Alerts (CRA 3) are traced and counted. Every
 * command ends `answered` (with the response's verification) or `failed` with a reason: none is
 * lost silently. The link reconnects with backoff after an unplug (hw/reconnect.ts).
 */

import { ControlClient, ControlError, decodeControl } from '../../hw/control.ts';
import { TransportError } from '../../hw/errors.ts';
import type { Frame } from '../../hw/framing/index.ts';
import { DEFAULT_BLOCK_LIMIT, GbtInbound, segmentForLink } from '../../hw/gbt-link.ts';
import type { LinkState, ReconnectableTransport } from '../../hw/transport.ts';
import { Waitress } from '../../hw/waitress.ts';
import { toHex } from '../../protocol/bytes.ts';
import { decodeGbcsMessage } from '../../protocol/envelope.ts';
import { DecodeError } from '../../protocol/errors.ts';
import type { GroupingHeader } from '../../protocol/grouping-header.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { messageCodeHex, useCaseOf } from '../../protocol/use-case-catalogue.ts';
import type { Clock } from '../../sim/clock.ts';
import type { HeadEnd, ResponseCheck } from '../../sim/head-end/head-end.ts';
import { outcomeText } from '../../sim/head-end/outcome.ts';
import { headerJson } from '../decode-report.ts';
import type { BridgeStep } from './scenario.ts';

export interface BridgeOptions {
  /** The port, reconnecting (hw/reconnect.ts). The bridge opens and closes it. */
  transport: ReconnectableTransport;
  headEnd: HeadEnd;
  steps: readonly BridgeStep[];
  /** Time stamps of trace lines (the wall clock for labs). */
  clock: Clock;
  /** Per attempt, ms (default 5000). */
  timeoutMs?: number;
  /** Extra attempts after the first (default 3). */
  retries?: number;
  /** Longer messages go as GBT blocks, bytes (default 1200). */
  blockLimit?: number;
  /** Control requests' timeout, ms (default = timeoutMs). */
  controlTimeoutMs?: number;
  /**
   * After a response, how long alerts from the commanded device are still credited to the command,
   * ms (default 100). A device sends the alerts a command raised after its response (serve does;
   * GBCS leaves the order open), so they may arrive before or just after it; alerts that arrive
   * while the command is outstanding are credited either way.
   */
  alertSettleMs?: number;
  json: boolean;
  /** One line of results (stdout). */
  write: (line: string) => void;
  /** One JSON object per frame and link event (the `--trace` file), when given. */
  trace?: (entry: Record<string, unknown>) => void;
  /**
   * Stops the run (SIGINT): the step in flight ends failed `INTERRUPTED`, every command step not
   * sent yet is reported failed `INTERRUPTED` (0 attempts), and the summary is written as usual.
   */
  signal?: AbortSignal;
  /**
   * Asked each time the link comes up (first open and every reconnect), before anything is sent on
   * it: a message refuses the link (app/bridge/test-key-guard.ts: test keys on a live device) — the run
   * stops there, sends nothing more, writes no summary and returns the message as `refused`.
   */
  linkGuard?: () => string | null;
}

export interface CommandResult {
  step: number;
  label: string;
  device: string;
  recipientId: Eui64;
  originatorId: Eui64;
  messageCode: number;
  useCase: string;
  critical: boolean;
  counter: string;
  attempts: number;
  status: 'answered' | 'failed';
  /** null when answered; TIMEOUT, DISCONNECTED, GAVE_UP, SEND_FAILED, BUILD_FAILED, INTERRUPTED, REFUSED otherwise. */
  reason: string | null;
  responseVerified: boolean;
  /**
   * What the response reports of the command's execution (sim/head-end/outcome.ts: DLMS results, ZCL
   * statuses, ASN.1 response code): 'success' or 'error: …'; null when there is no response.
   */
  result: string | null;
  mac: string;
  signature: string;
  problems: string[];
  /** Round trip of the answered attempt, ms. */
  rttMs: number | null;
  blocksOut: number;
  blocksIn: number;
  /** Alerts the device raised while this command was outstanding (Message Codes). */
  alerts: number[];
  response: string | null;
}

export interface ControlResult {
  step: number;
  label: string;
  control: string;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

export interface BridgeSummary {
  /** Commands that went out at least once (a command never sent — link gone — is failed, not sent). */
  sent: number;
  answered: number;
  failed: number;
  reconnects: number;
  /** Command steps run: each is either answered or failed (answered + failed = commands). */
  commands: number;
  /** Answered with a response that verified (protection and correlation). */
  verified: number;
  /** Verified responses that report the command's success (`result` 'success'). */
  succeeded: number;
  alerts: number;
  /** Responses nobody waited for (late, duplicated, or for another harness). */
  unmatched: number;
  controls: { sent: number; ok: number; failed: number };
  framesOut: number;
  framesIn: number;
  droppedBytes: number;
  /**
   * When every command step timed out (none answered, none failed otherwise): what to check, in
   * words — a bridge whose keys (seed, keystore), framing or port do not match the served premises
   * or the hub sees nothing but TIMEOUTs (a device rejecting a command answers nothing, see
   * `serve`). null otherwise.
   */
  hint: string | null;
}

/** The hint of a run in which every command timed out (BridgeSummary.hint), null for any other run. */
export function allTimedOutHint(
  commands: readonly CommandResult[],
  framesIn: number,
  droppedBytes: number,
): string | null {
  if (commands.length === 0 || !commands.every((c) => c.status === 'failed' && c.reason === 'TIMEOUT'))
    return null;
  const seen =
    framesIn > 0
      ? `${framesIn} frame(s) came back but answered no command`
      : droppedBytes > 0
        ? `${droppedBytes} byte(s) came back that did not frame`
        : 'nothing came back';
  return (
    `every command timed out (${seen}): check that the keys match the served premises ` +
    '(bridge --seed or --keystore as serve --seed), that both ends use the same --framing (gfi or binary), ' +
    'and the port (--port / --tcp)'
  );
}

const responseKey = (device: Eui64, party: Eui64, counter: bigint, messageCode: number): string =>
  `${device}>${party}#${counter}@${messageCode}`;

/** JSON view of a GBCS message for the trace: header (and GBT block fields), or the decode error. */
export function traceDecode(bytes: Uint8Array): Record<string, unknown> {
  try {
    const m = decodeGbcsMessage(bytes);
    if (m.form === 'gbt') {
      const b = m.block;
      return {
        form: 'gbt',
        header: {
          craFlag: b.routing.craFlag,
          originatorCounter: b.routing.originatorCounter.toString(),
          originatorId: b.routing.originatorId,
          recipientId: b.routing.recipientId,
          messageCode: b.routing.messageCode,
          useCase: useCaseOf(b.routing.messageCode)?.useCase || null,
        },
        gbt: { blockNumber: b.blockNumber, lastBlock: b.lastBlock, dataLength: b.data.length },
      };
    }
    return { form: m.form, header: headerJson(m.apdu.header) };
  } catch (e) {
    if (e instanceof DecodeError) return { error: e.toJSON() };
    throw e;
  }
}

/** CBOR-decoded control message as JSON (bytes as hex). */
function controlJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(
      JSON.stringify(decodeControl(bytes), (_k, v) =>
        v instanceof Uint8Array ? toHex(v) : typeof v === 'bigint' ? v.toString() : v,
      ),
    );
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What `runBridge` returns. */
export interface BridgeOutcome {
  results: Array<CommandResult | ControlResult>;
  summary: BridgeSummary;
  /** The link guard's refusal (`linkGuard`), null when the run went on to its end. */
  refused: string | null;
}

/** Runs the steps; returns every result and the summary (also written, per `json`). */
export async function runBridge(opts: BridgeOptions): Promise<BridgeOutcome> {
  const run = new BridgeRun(opts);
  await run.open();
  for (let i = 0; i < opts.steps.length; i++) {
    if (!(await run.step(i + 1, opts.steps[i]!))) break;
  }
  return run.finish();
}

type CommandStep = BridgeStep & { kind: 'command' };

/** The identity part of a command step's result. */
function commandBase(stepNo: number, s: CommandStep) {
  const uc = useCaseOf(s.messageCode);
  return {
    step: stepNo,
    label: s.label,
    device: s.deviceName.toUpperCase(),
    recipientId: s.recipientId,
    originatorId: s.originatorId,
    messageCode: s.messageCode,
    useCase: uc?.useCase || messageCodeHex(s.messageCode),
    critical: uc?.kind === 'critical',
  };
}

/** A command step that got no (verified or not) answer. */
function failedCommand(
  stepNo: number,
  s: CommandStep,
  o: { counter: string; attempts: number; reason: string; problems?: string[]; alerts?: number[] },
): CommandResult {
  return {
    ...commandBase(stepNo, s),
    counter: o.counter,
    attempts: o.attempts,
    status: 'failed',
    reason: o.reason,
    responseVerified: false,
    result: null,
    mac: 'absent',
    signature: 'absent',
    problems: o.problems ?? [],
    rttMs: null,
    blocksOut: 0,
    blocksIn: 0,
    alerts: o.alerts ?? [],
    response: null,
  };
}

/**
 * One bridge run over one transport: correlation of responses (a waitress keyed by device, party,
 * counter and Message Code), GBT reassembly, alerts, the trace, interruption and the link guard.
 */
class BridgeRun {
  private readonly opts: BridgeOptions;
  private readonly t: BridgeOptions['transport'];
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly blockLimit: number;
  private readonly alertSettleMs: number;
  private readonly waitress = new Waitress<{ bytes: Uint8Array; blocks: number }>();
  private readonly inbound = new GbtInbound();
  private readonly alertsByDevice = new Map<Eui64, number[]>();
  private readonly lastStepByDevice = new Map<Eui64, number>();
  private alerts = 0;
  private unmatched = 0;
  /** Decided synchronously when the link comes up, so every sender (which resumes after `waitUp`) sees it. */
  private refused: string | null = null;
  private linkError: TransportError | null = null;
  private readonly results: Array<CommandResult | ControlResult> = [];
  private readonly controls = { sent: 0, ok: 0, failed: 0 };
  private readonly control: ControlClient;
  private readonly interruption = new TransportError('CANCELED', 'interrupted', { canceled: true });
  private readonly offFrame: () => void;
  private readonly offState: () => void;
  private readonly onAbort = () => this.waitress.rejectAll(this.interruption);

  constructor(opts: BridgeOptions) {
    this.opts = opts;
    this.t = opts.transport;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.retries = opts.retries ?? 3;
    this.blockLimit = opts.blockLimit ?? DEFAULT_BLOCK_LIMIT;
    this.alertSettleMs = opts.alertSettleMs ?? 100;
    this.offFrame = this.t.onFrame((f) => this.received(f));
    this.offState = this.t.onState((state, err) => this.linkChanged(state, err));
    this.control = new ControlClient(this.t, {
      timeoutMs: opts.controlTimeoutMs ?? this.timeoutMs,
      onSend: (f) => this.traceFrame('out', f),
    });
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private traceFrame(dir: 'in' | 'out', f: Frame): void {
    this.opts.trace?.({
      t: this.opts.clock.now(),
      dir,
      channel: f.channel,
      ...(f.n !== undefined ? { n: f.n } : {}),
      length: f.payload.length,
      hex: toHex(f.payload),
      decoded: f.channel === 'gbcs' ? traceDecode(f.payload) : controlJson(f.payload),
    });
  }

  /** A frame from the link: a response for a waiting command, an alert, or unmatched. */
  private received(f: Frame): void {
    this.traceFrame('in', f);
    if (f.channel !== 'gbcs') return;
    const r = this.inbound.accept(f.payload);
    if (r.status !== 'message') return;
    let m: ReturnType<typeof decodeGbcsMessage>;
    try {
      m = decodeGbcsMessage(r.bytes);
    } catch {
      this.unmatched++;
      return;
    }
    if (m.form === 'gbt') return;
    const h = m.apdu.header;
    if (h.craFlag === 3) {
      this.alert(h, r.bytes);
      return;
    }
    const key = responseKey(h.originatorId, h.recipientId, h.originatorCounter, h.messageCode);
    if (h.craFlag !== 2 || !this.waitress.resolve(key, { bytes: r.bytes, blocks: r.blocks }))
      this.unmatched++;
  }

  private alert(h: GroupingHeader, bytes: Uint8Array): void {
    this.alerts++;
    this.alertsByDevice.get(h.originatorId)?.push(h.messageCode);
    const trace = this.opts.trace;
    if (!trace) return;
    // Alerts follow the command that caused them (if any): name the last step sent to the device.
    let v: { mac: string; signature: string };
    try {
      const r = this.opts.headEnd.verify(bytes);
      v = { mac: r.mac, signature: r.signature };
    } catch {
      v = { mac: 'absent', signature: 'absent' };
    }
    trace({
      t: this.opts.clock.now(),
      event: 'alert',
      device: h.originatorId,
      messageCode: h.messageCode,
      useCase: useCaseOf(h.messageCode)?.useCase || null,
      afterStep: this.lastStepByDevice.get(h.originatorId) ?? null,
      ...v,
    });
  }

  private linkChanged(state: LinkState, err: TransportError | null): void {
    if (state === 'up' && this.refused === null && this.opts.linkGuard) this.refused = this.opts.linkGuard();
    this.opts.trace?.({
      t: this.opts.clock.now(),
      event: `link-${state}`,
      description: this.t.description,
      ...(err ? { error: err.message } : {}),
    });
    // Whatever was outstanding cannot be answered on a dead link: fail the attempt now.
    if (state === 'down' || state === 'closed')
      this.waitress.rejectAll(err ?? new TransportError('DISCONNECTED', 'link lost', { disconnected: true }));
  }

  /** Interrupted: whatever is awaited (a response, the link, a wait, a control answer) ends now. */
  private interrupted(): boolean {
    return this.opts.signal?.aborted === true;
  }

  private abortable<T>(p: Promise<T>): Promise<T> {
    const sig = this.opts.signal;
    if (!sig) return p;
    if (sig.aborted) return Promise.reject(this.interruption);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.interruption);
      sig.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => sig.removeEventListener('abort', onAbort));
    });
  }

  private async send(f: Frame): Promise<void> {
    await this.t.send(f);
    this.traceFrame('out', f);
  }

  async open(): Promise<void> {
    try {
      await this.abortable(this.t.open());
    } catch (e) {
      this.linkError =
        e instanceof TransportError
          ? e
          : new TransportError('OPEN_FAILED', String(e), { disconnected: true });
    }
  }

  private record(r: CommandResult | ControlResult): void {
    this.results.push(r);
    report(this.opts, r);
  }

  /** Runs one step; false when the run stops here (the link guard refused). */
  async step(stepNo: number, s: BridgeStep): Promise<boolean> {
    if (this.refused !== null) return false;
    if (this.interrupted()) {
      // Not sent: reported failed INTERRUPTED, so the summary counts every command step.
      if (s.kind === 'command')
        this.record(failedCommand(stepNo, s, { counter: '0', attempts: 0, reason: 'INTERRUPTED' }));
      return true;
    }
    if (s.kind === 'wait') {
      await this.abortable(sleep(s.ms)).catch(() => {});
      return true;
    }
    if (s.kind === 'control') return this.runControl(stepNo, s);
    this.record(await this.runCommand(stepNo, s));
    return true;
  }

  private async runControl(stepNo: number, s: BridgeStep & { kind: 'control' }): Promise<boolean> {
    this.controls.sent++;
    let r: ControlResult;
    try {
      if (this.linkError) throw this.linkError;
      await this.abortable(this.t.waitUp());
      if (this.refused !== null) return false;
      const result = await this.abortable(this.control.request(s.op, s.params));
      r = { step: stepNo, label: s.label, control: s.op, ok: true, result: jsonable(result) };
      this.controls.ok++;
    } catch (e) {
      const code = e instanceof ControlError || e instanceof TransportError ? e.code : 'FAILED';
      r = {
        step: stepNo,
        label: s.label,
        control: s.op,
        ok: false,
        error: { code, message: (e as Error).message },
      };
      this.controls.failed++;
    }
    this.record(r);
    return true;
  }

  /** Why the next attempt cannot go out (null: it can, the link is up). */
  private async blocked(): Promise<string | null> {
    if (this.interrupted()) return 'INTERRUPTED';
    if (this.linkError) return this.linkError.code;
    try {
      await this.abortable(this.t.waitUp());
    } catch (e) {
      if (this.interrupted()) return 'INTERRUPTED';
      this.linkError = e instanceof TransportError ? e : new TransportError('GAVE_UP', String(e));
      return this.linkError.code === 'NOT_OPEN' ? 'GAVE_UP' : this.linkError.code;
    }
    return this.refused !== null ? 'REFUSED' : null;
  }

  private async runCommand(stepNo: number, s: CommandStep): Promise<CommandResult> {
    let built: ReturnType<HeadEnd['buildCommand']>;
    let frames: Uint8Array[];
    try {
      built = this.opts.headEnd.buildCommand({
        originatorId: s.originatorId,
        recipientId: s.recipientId,
        messageCode: s.messageCode,
        payload: s.payload,
      });
      frames = segmentForLink(built.bytes, Math.min(this.blockLimit, this.t.maxPayload));
    } catch (e) {
      return failedCommand(stepNo, s, {
        counter: '0',
        attempts: 0,
        reason: 'BUILD_FAILED',
        problems: [(e as Error).message],
      });
    }
    const counter = built.header.originatorCounter;
    const key = responseKey(s.recipientId, s.originatorId, counter, s.messageCode);
    const seen: number[] = [];
    this.alertsByDevice.set(s.recipientId, seen);
    this.lastStepByDevice.set(s.recipientId, stepNo);
    let attempts = 0;
    let reason = 'TIMEOUT';
    const problems: string[] = [];
    try {
      while (attempts < 1 + this.retries) {
        const blocked = await this.blocked();
        if (blocked !== null) {
          reason = blocked;
          break;
        }
        attempts++;
        const started = performance.now();
        const answer = this.waitress.wait(key, this.timeoutMs);
        answer.catch(() => {}); // may fail (link lost) while the frames are still being written
        try {
          for (const payload of frames) await this.send({ channel: 'gbcs', payload });
        } catch (e) {
          this.waitress.reject(key, e as Error);
        }
        try {
          const got = await answer;
          const rttMs = Math.round((performance.now() - started) * 100) / 100;
          // The alerts the command raised may follow its response on the link: wait for them.
          if (this.alertSettleMs > 0) await this.abortable(sleep(this.alertSettleMs)).catch(() => {});
          const check = this.opts.headEnd.checkResponse(built.header, got.bytes);
          return {
            ...commandBase(stepNo, s),
            counter: counter.toString(),
            attempts,
            status: 'answered',
            reason: null,
            responseVerified: check.ok,
            result: resultOf(check.message),
            mac: check.mac,
            signature: check.signature,
            problems: check.problems,
            rttMs,
            blocksOut: frames.length,
            blocksIn: got.blocks,
            alerts: [...seen],
            response: toHex(got.bytes),
          };
        } catch (e) {
          const err = e as TransportError;
          reason = this.interrupted()
            ? 'INTERRUPTED'
            : err.code === 'TIMEOUT'
              ? 'TIMEOUT'
              : err.disconnected
                ? 'DISCONNECTED'
                : 'SEND_FAILED';
          problems.push(`attempt ${attempts}: ${err.message}`);
        }
      }
    } finally {
      this.alertsByDevice.delete(s.recipientId);
    }
    return failedCommand(stepNo, s, {
      counter: counter.toString(),
      attempts,
      reason,
      problems,
      alerts: [...seen],
    });
  }

  private summary(): BridgeSummary {
    const st = this.t.stats;
    const commandResults = this.results.filter((r): r is CommandResult => 'status' in r);
    const answered = commandResults.filter((r) => r.status === 'answered');
    return {
      sent: commandResults.filter((r) => r.attempts > 0).length,
      answered: answered.length,
      failed: commandResults.length - answered.length,
      reconnects: this.t.reconnects,
      commands: commandResults.length,
      verified: answered.filter((r) => r.responseVerified).length,
      succeeded: answered.filter((r) => r.responseVerified && r.result === 'success').length,
      alerts: this.alerts,
      unmatched: this.unmatched,
      controls: this.controls,
      framesOut: st.framesOut,
      framesIn: st.framesIn,
      droppedBytes: st.droppedBytes,
      hint: allTimedOutHint(commandResults, st.framesIn, st.droppedBytes),
    };
  }

  /** Detaches from the link, closes it and writes the summary (unless the guard refused). */
  async finish(): Promise<BridgeOutcome> {
    const summary = this.summary();
    this.offFrame();
    this.offState();
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.control.dispose();
    await this.t.close();
    const results = this.results;
    if (this.refused !== null) return { results, summary, refused: this.refused };
    if (this.opts.json) this.opts.write(JSON.stringify({ summary }));
    else {
      this.opts.write(
        `summary: ${summary.commands} commands, ${summary.sent} sent, ${summary.answered} answered (${summary.verified} verified, ${summary.succeeded} succeeded), ` +
          `${summary.failed} failed, ${summary.reconnects} reconnects, ${summary.alerts} alerts`,
      );
      if (summary.hint !== null) this.opts.write(`hint: ${summary.hint}`);
    }
    return { results, summary, refused: null };
  }
}

function jsonable(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v ?? null, (_k, x) =>
      x instanceof Uint8Array ? toHex(x) : typeof x === 'bigint' ? x.toString() : x,
    ),
  );
}

function report(opts: BridgeOptions, r: CommandResult | ControlResult): void {
  if (opts.json) {
    opts.write(JSON.stringify(r));
    return;
  }
  if ('control' in r) {
    opts.write(
      `${String(r.step).padStart(3)}  control ${r.control}: ${r.ok ? 'ok' : `FAILED ${r.error?.code}: ${r.error?.message}`}`,
    );
    return;
  }
  const verdict =
    r.status === 'answered'
      ? r.responseVerified
        ? `answered, verified (${r.signature === 'valid' ? 'signed' : 'MAC'}) in ${r.rttMs} ms, ${r.result}`
        : `answered, NOT VERIFIED: ${r.problems.join('; ')}`
      : r.reason === 'BUILD_FAILED'
        ? `FAILED BUILD_FAILED: ${r.problems.join('; ')}`
        : `FAILED ${r.reason} after ${r.attempts} attempt(s)`;
  opts.write(
    `${String(r.step).padStart(3)}  ${r.device.padEnd(4)} ${r.useCase.padEnd(7)} counter ${r.counter}  ${verdict}  — ${r.label}`,
  );
}

/**
 * True when the run is a success: every command answered, verified and reporting success (as `run`
 * judges it), every control ok.
 */
export function bridgeSucceeded(s: BridgeSummary): boolean {
  return (
    s.failed === 0 &&
    s.verified === s.answered &&
    s.succeeded === s.answered &&
    s.controls.failed === 0 &&
    s.sent + s.controls.sent > 0
  );
}

/** The response's own verdict on the command (sim/head-end/outcome.ts), as `run` reports it. */
function resultOf(m: ResponseCheck['message']): string | null {
  if (!m) return null;
  if (m.form === 'gbt') return 'error: a GBT block, not a response';
  return outcomeText(m.apdu.payload);
}
