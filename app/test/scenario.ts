/**
 * Test scenarios (`gbcs-sim test`): the bridge scenario format (app/bridge/scenario.ts: `premises`,
 * `parties`, steps `default`, `device`/`from`/`messageCode`/`payload`, `control`, `wait`, `repeat`)
 * with what each step must yield. One document per file (YAML, or JSON for `*.json`):
 *
 * ```yaml
 * name: load switch                     # optional: the test suite's name (default: the file name)
 * inventory:                            # optional: Smart Metering Inventory records before step 1
 *   - {device: esme, status: InstalledNotCommissioned}
 * steps:
 *   - default: 3                        # a command step …
 *     expect:                           # … and what it must yield (every key optional)
 *       result: success                 # success | error | the exact result text ("error: get[0] result 1")
 *       verified: true                  # the response's protection and correlation checked out
 *       alerts: [0x8F12]                # alert codes the step raised (any order), [] = none
 *       state: {esme: {supply: disconnected}}   # a named reading or a state path, per device
 *       smiStatus: {esme: Commissioned}
 *     smi: commission                   # the DCC's SMI update when the response reports success
 *   - default: 4
 *     tamper: flip-mac-byte             # the command altered on its way (below)
 *     expect: {reason: MAC_INVALID}     # accepted: false, with this refusal reason
 *   - smi: {device: esme, event: decommission}   # an SMI operation on its own
 *   - control: {op: fault, device: esme, fault: dlms-results, messageCode: ECS45, results: [1]}
 *     expect: {ok: true}
 * ```
 *
 * A command step without `expect.result`, `expect.accepted` or `expect.reason` must be answered with
 * a verified response that reports success — or, when tampered, be refused (any reason). Control
 * steps must succeed unless `expect: {ok: false}`. Unknown keys are errors: a misspelt expectation
 * must not pass silently.
 *
 * Tamper operations (GBCS 4.3.1, 6.2; the refusal a device gives in brackets):
 * `flip-mac-byte` (MAC_INVALID), `flip-signature-byte` (SIGNATURE_INVALID; critical commands),
 * `wrong-signing-key` — signed with another party's DS key (SIGNATURE_INVALID), `wrong-mac-key` —
 * MAC'd with another party's KA key (MAC_INVALID), `replay` — the previous command step's bytes
 * again (REPLAY), `wrong-counter` — the originator's last counter again, not a fresh one (REPLAY
 * when the previous command of that originator went to the same device), `truncate` — the last
 * byte cut (DECODE).
 */
import type { Eui64 } from '../../protocol/types.ts';
import { AlertCode } from '../../sim/device/alerts.ts';
import { RejectReason } from '../../sim/device/device.ts';
import { SMI_STATUSES, type SmiStatus } from '../../sim/inventory/smi-status.ts';
import type { PremisesIds } from '../../sim/premises/premises.ts';
import {
  type BridgeStep,
  bad,
  deviceOf,
  resolveContext,
  resolveStep,
  type ScenarioContext,
} from '../bridge/scenario.ts';

export const TAMPER_OPS = [
  'flip-mac-byte',
  'flip-signature-byte',
  'wrong-signing-key',
  'wrong-mac-key',
  'replay',
  'wrong-counter',
  'truncate',
] as const;
export type TamperOp = (typeof TAMPER_OPS)[number];

/** SMI operations a step can apply (sim/inventory/inventory.ts; SRV numbers there). */
export const SMI_EVENTS = [
  'addToHanDeviceLog',
  'join',
  'commission',
  'decommission',
  'serviceOptOut',
  'serviceOptIn',
  'updateStatus',
  'cplSuspend',
  'cplRestore',
] as const;
export type SmiOp = (typeof SMI_EVENTS)[number];

/** Statuses an `inventory:` record can start at (reached through the SMI's own transitions). */
export const INVENTORY_START = [
  'Pending',
  'Whitelisted',
  'InstalledNotCommissioned',
  'Commissioned',
] as const;

export interface SmiAction {
  device: Eui64;
  deviceName: string;
  event: SmiOp;
  /** For updateStatus. */
  status?: SmiStatus;
}

export interface InventoryRecord {
  device: Eui64;
  deviceName: string;
  deviceType: 'ESME' | 'GSME' | 'CHF' | 'GPF';
  status: (typeof INVENTORY_START)[number];
}

export interface StateExpectation {
  device: Eui64;
  deviceName: string;
  /** A named reading (sim/models/readings.ts) or a path into the device state. */
  reading: string;
  equals: unknown;
}

export interface Expectations {
  accepted?: boolean;
  reason?: string;
  /** `success`, `error` (any error result) or the exact result text. */
  result?: string;
  /** The response verified (protection and correlation, sim/head-end/head-end.ts checkResponse). */
  verified?: boolean;
  /** Alert codes, sorted; [] = none. */
  alerts?: number[];
  state?: StateExpectation[];
  smiStatus?: Array<{ device: Eui64; deviceName: string; status: SmiStatus }>;
  /** Control steps: the request succeeded. */
  ok?: boolean;
}

/** One step of a test scenario: what it does and what it must yield. */
export interface TestStep {
  /** 1-based position in the file's `steps` (a repeated step keeps its number). */
  number: number;
  label: string;
  action: BridgeStep | { kind: 'smi'; label: string; smi: SmiAction };
  tamper?: TamperOp;
  /** A command step's SMI update, applied when its response verified and reports success. */
  smiOnSuccess?: SmiAction;
  expect: Expectations;
}

export interface TestScenario {
  name: string;
  source: string;
  context: ScenarioContext;
  inventory: InventoryRecord[];
  steps: TestStep[];
}

const STEP_KEYS = new Set([
  'label',
  'default',
  'device',
  'from',
  'messageCode',
  'payload',
  'repeat',
  'control',
  'wait',
  'tamper',
  'smi',
  'expect',
]);
const EXPECT_KEYS = new Set([
  'accepted',
  'reason',
  'result',
  'verified',
  'alerts',
  'state',
  'smiStatus',
  'ok',
]);
const DOC_KEYS = new Set(['name', 'description', 'premises', 'parties', 'inventory', 'steps']);
const REASONS = new Set<string>(Object.values(RejectReason));
const DEVICE_TYPE_OF: Record<keyof PremisesIds, InventoryRecord['deviceType']> = {
  chf: 'CHF',
  gpf: 'GPF',
  esme: 'ESME',
  gsme: 'GSME',
};

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownKeys(m: Record<string, unknown>, allowed: Set<string>, where: string): void {
  const extra = Object.keys(m).filter((k) => !allowed.has(k));
  if (extra.length > 0) throw bad(where, `unknown key${extra.length > 1 ? 's' : ''} ${extra.join(', ')}`);
}

function named(device: unknown, ctx: ScenarioContext, where: string): { eui: Eui64; name: string } {
  const eui = deviceOf(device, ctx);
  if (!eui) throw bad(where, `${JSON.stringify(device)}: chf | gpf | esme | gsme | an EUI-64`);
  return { eui, name: String(device) };
}

/** An alert code: a number, "0x8F12"/"8F12", or an AlertCode name such as CHF_DEVICE_LOG_CHANGED. */
function alertCodeOf(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff) return v;
  if (typeof v === 'string') {
    if (/^(0x)?[0-9a-f]{4}$/i.test(v)) return Number.parseInt(v.replace(/^0x/i, ''), 16);
    const c = (AlertCode as Record<string, number>)[v];
    if (c !== undefined) return c;
  }
  throw bad(
    where,
    `alerts: ${JSON.stringify(v)} is no alert code (a number, "8F12", or a name like TAMPER_DETECT)`,
  );
}

function smiStatusOf(v: unknown, where: string): SmiStatus {
  if (typeof v === 'string' && (SMI_STATUSES as readonly string[]).includes(v)) return v as SmiStatus;
  throw bad(where, `SMI Status ${JSON.stringify(v)}: one of ${SMI_STATUSES.join(', ')}`);
}

function smiAction(v: unknown, ctx: ScenarioContext, where: string, device?: unknown): SmiAction {
  const m = typeof v === 'string' ? { event: v } : v;
  if (!isMap(m)) throw bad(where, 'smi: an event name, or {device, event, status?}');
  unknownKeys(m, new Set(['device', 'event', 'status']), `${where}: smi`);
  const d = named(m.device ?? device, ctx, `${where}: smi.device`);
  if (typeof m.event !== 'string' || !(SMI_EVENTS as readonly string[]).includes(m.event))
    throw bad(where, `smi.event: one of ${SMI_EVENTS.join(', ')}`);
  const a: SmiAction = { device: d.eui, deviceName: d.name, event: m.event as SmiOp };
  if (m.event === 'updateStatus') a.status = smiStatusOf(m.status, `${where}: smi.status`);
  else if (m.status !== undefined) throw bad(where, 'smi.status: only with updateStatus');
  return a;
}

function expectations(v: unknown, ctx: ScenarioContext, where: string): Expectations {
  if (v === undefined) return {};
  if (!isMap(v)) throw bad(where, 'expect: a mapping');
  unknownKeys(v, EXPECT_KEYS, `${where}: expect`);
  const e: Expectations = {};
  if (v.accepted !== undefined) {
    if (typeof v.accepted !== 'boolean') throw bad(where, 'expect.accepted: true or false');
    e.accepted = v.accepted;
  }
  if (v.reason !== undefined) {
    if (typeof v.reason !== 'string' || !REASONS.has(v.reason))
      throw bad(where, `expect.reason: one of ${[...REASONS].join(', ')}`);
    if (e.accepted === true) throw bad(where, 'expect.reason: a refusal reason, but accepted: true');
    e.reason = v.reason;
    e.accepted = false;
  }
  if (v.result !== undefined) {
    if (typeof v.result !== 'string') throw bad(where, 'expect.result: success, error, or the result text');
    e.result = v.result;
  }
  if (v.verified !== undefined) {
    if (typeof v.verified !== 'boolean') throw bad(where, 'expect.verified: true or false');
    e.verified = v.verified;
  }
  if (v.alerts !== undefined) {
    if (!Array.isArray(v.alerts)) throw bad(where, 'expect.alerts: a list of alert codes');
    e.alerts = v.alerts.map((a) => alertCodeOf(a, where)).sort((a, b) => a - b);
  }
  if (v.state !== undefined) {
    if (!isMap(v.state)) throw bad(where, 'expect.state: {device: {reading or path: value}}');
    e.state = Object.entries(v.state).flatMap(([dev, readings]) => {
      const d = named(dev, ctx, `${where}: expect.state`);
      if (!isMap(readings)) throw bad(where, `expect.state.${dev}: {reading or path: value}`);
      return Object.entries(readings).map(([reading, equals]) => ({
        device: d.eui,
        deviceName: d.name,
        reading,
        equals,
      }));
    });
  }
  if (v.smiStatus !== undefined) {
    if (!isMap(v.smiStatus)) throw bad(where, 'expect.smiStatus: {device: SMI Status}');
    e.smiStatus = Object.entries(v.smiStatus).map(([dev, status]) => {
      const d = named(dev, ctx, `${where}: expect.smiStatus`);
      return { device: d.eui, deviceName: d.name, status: smiStatusOf(status, `${where}: expect.smiStatus`) };
    });
  }
  if (v.ok !== undefined) {
    if (typeof v.ok !== 'boolean') throw bad(where, 'expect.ok: true or false');
    e.ok = v.ok;
  }
  return e;
}

function inventoryRecords(v: unknown, ctx: ScenarioContext, source: string): InventoryRecord[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw bad(source, 'inventory: a list of {device, status}');
  return v.map((r, i) => {
    const where = `${source}: inventory ${i + 1}`;
    if (!isMap(r)) throw bad(where, '{device, status}');
    unknownKeys(r, new Set(['device', 'status']), where);
    const name = String(r.device).toLowerCase() as keyof PremisesIds;
    const deviceType = DEVICE_TYPE_OF[name];
    if (!deviceType) throw bad(where, 'device: chf | gpf | esme | gsme');
    const status = r.status ?? 'Pending';
    if (typeof status !== 'string' || !(INVENTORY_START as readonly string[]).includes(status))
      throw bad(where, `status: one of ${INVENTORY_START.join(', ')} (later ones through smi steps)`);
    return {
      device: ctx.premises[name],
      deviceName: name,
      deviceType,
      status: status as InventoryRecord['status'],
    };
  });
}

/**
 * Resolves a parsed test scenario document. `fallbackName` (the file's name) names it when the
 * document has no `name`. @throws GbcsError BAD_SCENARIO naming the file, step and key
 */
export function resolveTestScenario(
  doc: unknown,
  base: ScenarioContext,
  source: string,
  fallbackName: string,
): TestScenario {
  const ctx = resolveContext(doc, base, source);
  const d = doc as Record<string, unknown>;
  unknownKeys(d, DOC_KEYS, source);
  if (d.name !== undefined && typeof d.name !== 'string') throw bad(source, 'name: text');
  if (!Array.isArray(d.steps) || d.steps.length === 0) throw bad(source, 'steps: a non-empty list');
  const steps: TestStep[] = [];
  d.steps.forEach((raw: unknown, i: number) => {
    const number = i + 1;
    const where = `${source}: step ${number}`;
    if (!isMap(raw)) throw bad(where, 'a mapping');
    unknownKeys(raw, STEP_KEYS, where);
    const { expect: rawExpect, tamper, smi, ...rest } = raw;
    const expect = expectations(rawExpect, ctx, where);
    const isSmiStep = smi !== undefined && Object.keys(rest).every((k) => k === 'label');
    if (isSmiStep) {
      const a = smiAction(smi, ctx, where);
      const label = String(rest.label ?? `SMI ${a.event} ${a.deviceName}`);
      steps.push({ number, label, action: { kind: 'smi', label, smi: a }, expect });
      return;
    }
    const resolved = resolveStep(rest, ctx, where);
    const first = resolved[0]!;
    if (tamper !== undefined) {
      if (first.kind !== 'command') throw bad(where, 'tamper: only on a command step');
      if (typeof tamper !== 'string' || !(TAMPER_OPS as readonly string[]).includes(tamper))
        throw bad(where, `tamper: one of ${TAMPER_OPS.join(', ')}`);
    }
    if (smi !== undefined && first.kind !== 'command') throw bad(where, 'smi: on a command step, or alone');
    if (first.kind === 'control' && typeof first.params.device === 'string') {
      // Device names travel as EUIs, so the same step runs against any premises (and a served one).
      first.params = {
        ...first.params,
        device: named(first.params.device, ctx, `${where}: control.device`).eui,
      };
    }
    if (first.kind !== 'command') {
      const only = first.kind === 'control' ? ['ok'] : [];
      const extra = Object.keys(expect).filter(
        (k) => !only.includes(k) && k !== 'state' && k !== 'smiStatus' && k !== 'alerts',
      );
      if (extra.length > 0) throw bad(where, `expect.${extra[0]}: only for command steps`);
    } else if (expect.ok !== undefined) throw bad(where, 'expect.ok: only for control steps');
    const smiOnSuccess =
      smi !== undefined && first.kind === 'command'
        ? smiAction(smi, ctx, where, first.deviceName)
        : undefined;
    for (const step of resolved)
      steps.push({
        number,
        label: step.label,
        action: step,
        ...(tamper !== undefined ? { tamper: tamper as TamperOp } : {}),
        ...(smiOnSuccess ? { smiOnSuccess } : {}),
        expect,
      });
  });
  return {
    name: (d.name as string | undefined) ?? fallbackName,
    source,
    context: ctx,
    inventory: inventoryRecords(d.inventory, ctx, source),
    steps,
  };
}
