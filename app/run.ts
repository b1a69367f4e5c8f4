/**
 * `gbcs-sim run` — the main job (DESIGN §4): a virtual premises (CHF, GPF, ESME, GSME) under the
 * deterministic test key set, driven by a scenario; every command is built by the head-end as its
 * Remote Party would (signed when critical, MAC'd by the ACB), delivered through the CHF, answered
 * by the device, and the response checked (protection and correlation). A readable trace (or JSON
 * Lines) and a summary; success only if every response verified.
 */

import { toHex } from '../protocol/bytes.ts';
import type { GbcsCrypto } from '../protocol/crypto/index.ts';
import { decodeGbcsMessage } from '../protocol/envelope.ts';
import type { Eui64 } from '../protocol/types.ts';
import { messageCodeHex, useCaseOf } from '../protocol/use-case-catalogue.ts';
import type { CommandOutcome } from '../sim/device/device.ts';
import type { FaultConfig } from '../sim/device/faults.ts';
import { outcomeText } from '../sim/head-end/outcome.ts';
import { DEFAULT_SCENARIO, partyEui, type ScenarioStep } from '../sim/head-end/scenario.ts';
import { DEFAULT_PREMISES } from '../sim/premises/premises.ts';
import { createTestBed } from '../sim/premises/test-bed.ts';

export interface RunOptions {
  seed: string;
  json: boolean;
  crypto: GbcsCrypto;
  write: (line: string) => void;
  scenario?: readonly ScenarioStep[];
  /** Faults to inject into the premises' devices (sim/device/faults.ts), by EUI. */
  faults?: FaultConfig;
}

export interface StepResult {
  step: number;
  label: string;
  useCase: string;
  messageCode: number;
  device: string;
  originator: Eui64;
  counter: string;
  critical: boolean;
  accepted: boolean;
  reason: string | null;
  responseVerified: boolean;
  /** `success`, or the error results the response reports (DLMS results, ZCL statuses, ASN.1 code). */
  result: string;
  mac: string;
  signature: string;
  problems: string[];
  command: string;
  response: string | null;
}

export interface RunSummary {
  commands: number;
  accepted: number;
  verified: number;
  /** Verified responses that report success. */
  succeeded: number;
  failed: number;
  devices: number;
  virtualMs: number;
}

function resultOf(response: Uint8Array | null): string {
  if (!response) return 'no response';
  const m = decodeGbcsMessage(response);
  if (m.form === 'gbt') return 'a GBT block';
  return outcomeText(m.apdu.payload);
}

export { testKeyResolver } from '../sim/premises/test-bed.ts';

/** Runs a scenario; returns per-step results and the summary. Pure of I/O except `write`. */
export function runScenario(opts: RunOptions): { steps: StepResult[]; summary: RunSummary } {
  const { clock, premises, headEnd } = createTestBed({
    seed: opts.seed,
    crypto: opts.crypto,
    start: Date.UTC(2026, 0, 1, 8, 0, 0),
    faults: opts.faults ?? {},
  });
  const start = clock.now();
  const steps: StepResult[] = [];
  const scenario = opts.scenario ?? DEFAULT_SCENARIO;
  scenario.forEach((s, i) => {
    clock.advance(s.afterMs ?? 60_000);
    const recipient = DEFAULT_PREMISES[s.device];
    const originator = partyEui(s.from);
    const built = headEnd.buildCommand({
      originatorId: originator,
      recipientId: recipient,
      messageCode: s.messageCode,
      payload: s.payload,
    });
    let outcome: CommandOutcome | undefined;
    const sub = premises.submit(built.bytes);
    if (sub.status === 'queued') {
      // The GSME is asleep: its command waits in the GPF until the next wake-up.
      clock.advance(premises.gsmePollIntervalMs);
      outcome = premises.gsmeWake()[0];
    } else {
      outcome = sub.outcome;
    }
    const uc = useCaseOf(s.messageCode);
    // A dropped response never reaches the head-end; a delayed one arrives later in virtual time.
    const delivered = outcome?.accepted && !outcome.dropped ? outcome : undefined;
    if (delivered?.delayMs) clock.advance(delivered.delayMs);
    const check = delivered ? headEnd.checkResponse(built.header, delivered.response) : undefined;
    const r: StepResult = {
      step: i + 1,
      label: s.label,
      useCase: uc?.useCase || messageCodeHex(s.messageCode),
      messageCode: s.messageCode,
      device: s.device.toUpperCase(),
      originator,
      counter: built.header.originatorCounter.toString(),
      critical: uc?.kind === 'critical',
      accepted: outcome?.accepted ?? false,
      reason: outcome && !outcome.accepted ? outcome.rejection.reason : null,
      responseVerified: check?.ok ?? false,
      result:
        outcome?.accepted && outcome.dropped
          ? 'no response (dropped)'
          : resultOf(outcome?.accepted ? outcome.response : null),
      mac: check?.mac ?? 'absent',
      signature: check?.signature ?? 'absent',
      problems: check?.problems ?? [],
      command: toHex(built.bytes),
      response: delivered ? toHex(delivered.response) : null,
    };
    steps.push(r);
    if (opts.json) opts.write(JSON.stringify(r));
    else {
      const verdict = r.responseVerified
        ? `response verified (${r.signature === 'valid' ? 'signed' : 'MAC'}), ${r.result}`
        : r.accepted
          ? r.response === null
            ? `NO RESPONSE: ${r.result}`
            : `RESPONSE NOT VERIFIED: ${r.problems.join('; ')}`
          : `REJECTED ${r.reason}`;
      opts.write(
        `${String(r.step).padStart(2)}  ${r.device.padEnd(4)} ${r.useCase.padEnd(7)} ${r.critical ? 'critical    ' : 'non-critical'} ` +
          `${s.from.padEnd(16)} counter ${r.counter}  ${verdict}  — ${r.label}`,
      );
    }
  });
  const verified = steps.filter((s) => s.responseVerified).length;
  const succeeded = steps.filter((s) => s.responseVerified && s.result === 'success').length;
  const summary: RunSummary = {
    commands: steps.length,
    accepted: steps.filter((s) => s.accepted).length,
    verified,
    succeeded,
    failed: steps.length - succeeded,
    devices: new Set(steps.map((s) => s.device)).size,
    virtualMs: clock.now() - start,
  };
  return { steps, summary };
}

/** The CLI's `run`: trace + summary; true when every response verified. */
export function runMain(opts: RunOptions): boolean {
  if (!opts.json) {
    opts.write(
      `gbcs-sim run — virtual premises, test PKI seed ${JSON.stringify(opts.seed)}, crypto ${opts.crypto.name}`,
    );
  }
  const { summary } = runScenario(opts);
  if (opts.json) opts.write(JSON.stringify({ summary }));
  else {
    opts.write(
      `summary: ${summary.commands} commands to ${summary.devices} devices, ${summary.accepted} accepted, ` +
        `${summary.verified} responses verified, ${summary.succeeded} succeeded, ${summary.failed} failed ` +
        `(${(summary.virtualMs / 60_000).toFixed(0)} virtual minutes)`,
    );
  }
  return summary.failed === 0 && summary.commands > 0;
}
