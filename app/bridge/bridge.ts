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
import type { ReconnectableTransport } from '../../hw/transport.ts';
import { Waitress } from '../../hw/waitress.ts';
import { toHex } from '../../protocol/bytes.ts';
import { decodeGbcsMessage } from '../../protocol/envelope.ts';
import { DecodeError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { messageCodeHex, useCaseOf } from '../../protocol/use-case-catalogue.ts';
import type { Clock } from '../../sim/clock.ts';
import type { HeadEnd, ResponseCheck } from '../../sim/head-end/head-end.ts';
import { responseOutcome } from '../../sim/head-end/outcome.ts';
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

/** Runs the steps; returns every result and the summary (also written, per `json`). */
export async function runBridge(opts: BridgeOptions): Promise<{
  results: Array<CommandResult | ControlResult>;
  summary: BridgeSummary;
  /** The link guard's refusal (`linkGuard`), null when the run went on to its end. */
  refused: string | null;
}> {
  const t = opts.transport;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const retries = opts.retries ?? 3;
  const blockLimit = opts.blockLimit ?? DEFAULT_BLOCK_LIMIT;
  const trace = opts.trace;
  const waitress = new Waitress<{ bytes: Uint8Array; blocks: number }>();
  const inbound = new GbtInbound();
  const alertsByDevice = new Map<Eui64, number[]>();
  const lastStepByDevice = new Map<Eui64, number>();
  let alerts = 0;
  let unmatched = 0;

  const traceFrame = (dir: 'in' | 'out', f: Frame) => {
    if (!trace) return;
    trace({
      t: opts.clock.now(),
      dir,
      channel: f.channel,
      ...(f.n !== undefined ? { n: f.n } : {}),
      length: f.payload.length,
      hex: toHex(f.payload),
      decoded: f.channel === 'gbcs' ? traceDecode(f.payload) : controlJson(f.payload),
    });
  };

  const offFrame = t.onFrame((f) => {
    traceFrame('in', f);
    if (f.channel !== 'gbcs') return;
    const r = inbound.accept(f.payload);
    if (r.status !== 'message') return;
    let m: ReturnType<typeof decodeGbcsMessage>;
    try {
      m = decodeGbcsMessage(r.bytes);
    } catch {
      unmatched++;
      return;
    }
    if (m.form === 'gbt') return;
    const h = m.apdu.header;
    if (h.craFlag === 3) {
      alerts++;
      const list = alertsByDevice.get(h.originatorId);
      if (list) list.push(h.messageCode);
      if (trace) {
        // Alerts follow the command that caused them (if any): name the last step sent to the device.
        const v = (() => {
          try {
            const v = opts.headEnd.verify(r.bytes);
            return { mac: v.mac, signature: v.signature };
          } catch {
            return { mac: 'absent', signature: 'absent' };
          }
        })();
        trace({
          t: opts.clock.now(),
          event: 'alert',
          device: h.originatorId,
          messageCode: h.messageCode,
          useCase: useCaseOf(h.messageCode)?.useCase || null,
          afterStep: lastStepByDevice.get(h.originatorId) ?? null,
          ...v,
        });
      }
      return;
    }
    const key = responseKey(h.originatorId, h.recipientId, h.originatorCounter, h.messageCode);
    if (h.craFlag !== 2 || !waitress.resolve(key, { bytes: r.bytes, blocks: r.blocks })) unmatched++;
  });
  // Decided synchronously when the link comes up, so every sender (which resumes after `waitUp`) sees it.
  let refused: string | null = null;
  const offState = t.onState((state, err) => {
    if (state === 'up' && refused === null && opts.linkGuard) refused = opts.linkGuard();
    trace?.({
      t: opts.clock.now(),
      event: `link-${state}`,
      description: t.description,
      ...(err ? { error: err.message } : {}),
    });
    // Whatever was outstanding cannot be answered on a dead link: fail the attempt now.
    if (state === 'down' || state === 'closed')
      waitress.rejectAll(err ?? new TransportError('DISCONNECTED', 'link lost', { disconnected: true }));
  });

  const control = new ControlClient(t, {
    timeoutMs: opts.controlTimeoutMs ?? timeoutMs,
    onSend: (f) => traceFrame('out', f),
  });
  const send = async (f: Frame) => {
    await t.send(f);
    traceFrame('out', f);
  };
  const results: Array<CommandResult | ControlResult> = [];
  const controls = { sent: 0, ok: 0, failed: 0 };

  // Interrupted: whatever is awaited (a response, the link, a wait, a control answer) ends now.
  const interrupted = () => opts.signal?.aborted === true;
  const interruption = new TransportError('CANCELED', 'interrupted', { canceled: true });
  const abortable = <T>(p: Promise<T>): Promise<T> => {
    const sig = opts.signal;
    if (!sig) return p;
    if (sig.aborted) return Promise.reject(interruption);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(interruption);
      sig.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => sig.removeEventListener('abort', onAbort));
    });
  };
  const onAbort = () => waitress.rejectAll(interruption);
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  let linkError: TransportError | null = null;
  try {
    await abortable(t.open());
  } catch (e) {
    linkError =
      e instanceof TransportError ? e : new TransportError('OPEN_FAILED', String(e), { disconnected: true });
  }

  for (let i = 0; i < opts.steps.length; i++) {
    const s = opts.steps[i]!;
    if (refused !== null) break;
    if (interrupted()) {
      // Not sent: reported failed INTERRUPTED, so the summary counts every command step.
      if (s.kind === 'command') {
        const r = notSent(i + 1, s, 'INTERRUPTED');
        results.push(r);
        report(opts, r);
      }
      continue;
    }
    if (s.kind === 'wait') {
      await abortable(sleep(s.ms)).catch(() => {});
      continue;
    }
    if (s.kind === 'control') {
      controls.sent++;
      let r: ControlResult;
      try {
        if (linkError) throw linkError;
        await abortable(t.waitUp());
        if (refused !== null) break;
        const result = await abortable(control.request(s.op, s.params));
        r = { step: i + 1, label: s.label, control: s.op, ok: true, result: jsonable(result) };
        controls.ok++;
      } catch (e) {
        const code = e instanceof ControlError || e instanceof TransportError ? e.code : 'FAILED';
        r = {
          step: i + 1,
          label: s.label,
          control: s.op,
          ok: false,
          error: { code, message: (e as Error).message },
        };
        controls.failed++;
      }
      results.push(r);
      report(opts, r);
      continue;
    }
    const r = await runCommand(i + 1, s);
    results.push(r);
    report(opts, r);
  }

  function notSent(stepNo: number, s: BridgeStep & { kind: 'command' }, reason: string): CommandResult {
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
      counter: '0',
      attempts: 0,
      status: 'failed',
      reason,
      responseVerified: false,
      result: null,
      mac: 'absent',
      signature: 'absent',
      problems: [],
      rttMs: null,
      blocksOut: 0,
      blocksIn: 0,
      alerts: [],
      response: null,
    };
  }

  async function runCommand(stepNo: number, s: BridgeStep & { kind: 'command' }): Promise<CommandResult> {
    const uc = useCaseOf(s.messageCode);
    const base = {
      step: stepNo,
      label: s.label,
      device: s.deviceName.toUpperCase(),
      recipientId: s.recipientId,
      originatorId: s.originatorId,
      messageCode: s.messageCode,
      useCase: uc?.useCase || messageCodeHex(s.messageCode),
      critical: uc?.kind === 'critical',
    };
    const failed = (
      counter: string,
      attempts: number,
      reason: string,
      problems: string[] = [],
    ): CommandResult => ({
      ...base,
      counter,
      attempts,
      status: 'failed',
      reason,
      responseVerified: false,
      result: null,
      mac: 'absent',
      signature: 'absent',
      problems,
      rttMs: null,
      blocksOut: 0,
      blocksIn: 0,
      alerts: [],
      response: null,
    });
    let built: ReturnType<HeadEnd['buildCommand']>;
    let frames: Uint8Array[];
    try {
      built = opts.headEnd.buildCommand({
        originatorId: s.originatorId,
        recipientId: s.recipientId,
        messageCode: s.messageCode,
        payload: s.payload,
      });
      frames = segmentForLink(built.bytes, Math.min(blockLimit, t.maxPayload));
    } catch (e) {
      return failed('0', 0, 'BUILD_FAILED', [(e as Error).message]);
    }
    const counter = built.header.originatorCounter;
    const key = responseKey(s.recipientId, s.originatorId, counter, s.messageCode);
    const seen: number[] = [];
    alertsByDevice.set(s.recipientId, seen);
    lastStepByDevice.set(s.recipientId, stepNo);
    let attempts = 0;
    let reason = 'TIMEOUT';
    const problems: string[] = [];
    try {
      while (attempts < 1 + retries) {
        if (interrupted()) {
          reason = 'INTERRUPTED';
          break;
        }
        if (linkError) {
          reason = linkError.code;
          break;
        }
        try {
          await abortable(t.waitUp());
        } catch (e) {
          if (interrupted()) {
            reason = 'INTERRUPTED';
            break;
          }
          linkError = e instanceof TransportError ? e : new TransportError('GAVE_UP', String(e));
          reason = linkError.code === 'NOT_OPEN' ? 'GAVE_UP' : linkError.code;
          break;
        }
        if (refused !== null) {
          reason = 'REFUSED';
          break;
        }
        attempts++;
        const started = performance.now();
        const answer = waitress.wait(key, timeoutMs);
        answer.catch(() => {}); // may fail (link lost) while the frames are still being written
        try {
          for (const payload of frames) await send({ channel: 'gbcs', payload });
        } catch (e) {
          waitress.reject(key, e as Error);
        }
        try {
          const got = await answer;
          const rttMs = Math.round((performance.now() - started) * 100) / 100;
          const check = opts.headEnd.checkResponse(built.header, got.bytes);
          return {
            ...base,
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
          reason = interrupted()
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
      alertsByDevice.delete(s.recipientId);
    }
    const r = failed(counter.toString(), attempts, reason, problems);
    r.alerts = [...seen];
    return r;
  }

  const st = t.stats;
  const commandResults = results.filter((r): r is CommandResult => 'status' in r);
  const answered = commandResults.filter((r) => r.status === 'answered');
  const summary: BridgeSummary = {
    sent: commandResults.filter((r) => r.attempts > 0).length,
    answered: answered.length,
    failed: commandResults.length - answered.length,
    reconnects: t.reconnects,
    commands: commandResults.length,
    verified: answered.filter((r) => r.responseVerified).length,
    succeeded: answered.filter((r) => r.responseVerified && r.result === 'success').length,
    alerts,
    unmatched,
    controls,
    framesOut: st.framesOut,
    framesIn: st.framesIn,
    droppedBytes: st.droppedBytes,
  };
  offFrame();
  offState();
  opts.signal?.removeEventListener('abort', onAbort);
  control.dispose();
  await t.close();
  if (refused !== null) return { results, summary, refused };
  if (opts.json) opts.write(JSON.stringify({ summary }));
  else {
    opts.write(
      `summary: ${summary.commands} commands, ${summary.sent} sent, ${summary.answered} answered (${summary.verified} verified, ${summary.succeeded} succeeded), ` +
        `${summary.failed} failed, ${summary.reconnects} reconnects, ${summary.alerts} alerts`,
    );
  }
  return { results, summary, refused };
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
  const o = responseOutcome(m.apdu.payload);
  return o.ok ? 'success' : `error: ${o.errors.join(', ')}`;
}
