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
import { CommsHubService } from '../sim/ch/hubs.ts';
import { DccGate } from '../sim/dcc/gate.ts';
import { type InstallStep, installAndCommission } from '../sim/dcc/premises-install.ts';
import type { CommandOutcome } from '../sim/device/device.ts';
import type { FaultConfig } from '../sim/device/faults.ts';
import { outcomeText } from '../sim/head-end/outcome.ts';
import { DEFAULT_SCENARIO, partyEui, type ScenarioStep } from '../sim/head-end/scenario.ts';
import type { InventoryChange, SmartMeteringInventory } from '../sim/inventory/inventory.ts';
import type { SmiStatus } from '../sim/inventory/smi-status.ts';
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
  /**
   * The Smart Metering Inventory (`--db`): commands pass the DCC gate (sim/dcc/gate.ts) and the
   * answers move the premises' devices' SMI Statuses; when it does not hold the premises yet, the
   * install-and-commission flow (sim/dcc/premises-install.ts) is played first.
   */
  inventory?: SmartMeteringInventory;
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
  /** With an inventory: the gate's refusal code (the command was not sent) and the SMI changes it made. */
  dcc?: { refused: string | null; changes: InventoryChange[] };
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
  /** With an inventory: commands the DCC gate refused, and the SMI Status of each premises device at the end. */
  refusedByDcc?: number;
  smiStatuses?: Record<string, SmiStatus | null>;
}

function resultOf(response: Uint8Array | null): string {
  if (!response) return 'no response';
  const m = decodeGbcsMessage(response);
  if (m.form === 'gbt') return 'a GBT block';
  return outcomeText(m.apdu.payload);
}

export { testKeyResolver } from '../sim/premises/test-bed.ts';

const smiText = (changes: readonly InventoryChange[]): string =>
  changes
    .map((c) => (c.change === 'smiStatus' ? `  [SMI ${c.deviceType} ${c.from ?? '(new)'} → ${c.to}]` : ''))
    .join('');

const installJson = (st: InstallStep) => ({
  ...st,
  changes: st.changes.map((c) => ({ ...c, at: new Date(c.at).toISOString() })),
});

function installText(st: InstallStep): string {
  const s = st.statuses;
  return (
    `I${String(st.step).padEnd(2)} ${st.ok ? 'ok  ' : 'FAIL'} ${st.label}: ${st.result}  ` +
    `(SMI: CHF ${s.chf}, GPF ${s.gpf}, ESME ${s.esme}, GSME ${s.gsme})`
  );
}

function refusedStep(
  step: number,
  label: string,
  useCase: string,
  s: ScenarioStep,
  originator: Eui64,
  code: string,
): StepResult {
  return {
    step,
    label,
    useCase,
    messageCode: s.messageCode,
    device: s.device.toUpperCase(),
    originator,
    counter: '',
    critical: useCaseOf(s.messageCode)?.kind === 'critical',
    accepted: false,
    reason: `DCC_${code}`,
    responseVerified: false,
    result: 'refused by the DCC',
    mac: 'absent',
    signature: 'absent',
    problems: [],
    command: '',
    response: null,
    dcc: { refused: code, changes: [] },
  };
}

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
  const gate = opts.inventory ? new DccGate(opts.inventory, clock) : null;
  if (opts.inventory && gate && !opts.inventory.get(DEFAULT_PREMISES.esme)) {
    const hubs = new CommsHubService(opts.inventory.db, { inventory: opts.inventory });
    for (const st of installAndCommission({ path: { gate, headEnd, premises, clock }, hubs }))
      opts.write(opts.json ? JSON.stringify({ install: installJson(st) }) : installText(st));
  }
  scenario.forEach((s, i) => {
    clock.advance(s.afterMs ?? 60_000);
    const recipient = DEFAULT_PREMISES[s.device];
    const originator = partyEui(s.from);
    const uc = useCaseOf(s.messageCode);
    const verdict = gate?.admit(recipient, s.messageCode);
    if (verdict && !verdict.ok) {
      const r = refusedStep(
        i + 1,
        s.label,
        uc?.useCase || messageCodeHex(s.messageCode),
        s,
        originator,
        verdict.code,
      );
      steps.push(r);
      opts.write(
        opts.json
          ? JSON.stringify(r)
          : `${String(r.step).padStart(2)}  ${r.device.padEnd(4)} ${r.useCase.padEnd(7)} REFUSED BY THE DCC ${verdict.code}: ${verdict.message}  — ${r.label}`,
      );
      return;
    }
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
    if (gate) {
      const o = gate.responded(built.bytes, r.responseVerified && r.result === 'success');
      for (const a of outcome?.accepted ? (outcome.alerts ?? []) : [])
        o.changes.push(...gate.alerted(a.bytes).changes);
      r.dcc = { refused: null, changes: o.changes };
    }
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
          `${s.from.padEnd(16)} counter ${r.counter}  ${verdict}  — ${r.label}` +
          smiText(r.dcc?.changes ?? []),
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
  if (opts.inventory) {
    summary.refusedByDcc = steps.filter((s) => s.dcc?.refused).length;
    summary.smiStatuses = Object.fromEntries(
      Object.entries(DEFAULT_PREMISES).map(([k, id]) => [k, opts.inventory!.get(id)?.status ?? null]),
    );
  }
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
    if (summary.smiStatuses)
      opts.write(
        `SMI: ${summary.refusedByDcc} refused by the DCC; ${Object.entries(summary.smiStatuses)
          .map(([k, v]) => `${k.toUpperCase()} ${v}`)
          .join(', ')}`,
      );
  }
  return summary.failed === 0 && summary.commands > 0;
}
