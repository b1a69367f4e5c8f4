/**
 * Bridge scenarios (`gbcs-sim bridge --scenario FILE|default`): what the harness sends, as a JSON or
 * YAML file (YAML unless the file ends in `.json`):
 *
 * ```yaml
 * premises:            # optional: device EUIs by name (default: serve's premises, d000…01–04)
 *   esme: d000000000000003
 * parties:             # optional: Remote Party EUIs by name (default: the test PKI's, or --keystore roles)
 *   supplier: ab00000000010000
 * steps:
 *   - default: 1                       # step 1 of the default scenario, as is (or its label)
 *   - label: read the load switch
 *     device: esme                     # chf | gpf | esme | gsme | an EUI-64
 *     from: networkOperator            # supplier | networkOperator | acb | an EUI-64
 *     messageCode: 0x0052              # a number, "0x0052", or a use-case id such as "ECS23"
 *     payload: {default: 4}            # the payload builder of a default step (by number or label)
 *   - device: esme
 *     from: supplier
 *     messageCode: 0x0059
 *     payload: "D9 20 …"               # fixed payload bytes, hex
 *     repeat: 3                        # send it 3 times (default 1)
 *   - control: {op: fault, fault: drop-responses, count: 1}   # a CBOR control request
 *   - wait: 500                        # pause, ms
 * ```
 * Builders matter for DLMS payloads: their invoke id embeds the Originator Counter's low 24 bits,
 * which a fixed payload cannot follow.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { fromHex } from '../../protocol/bytes.ts';
import { GbcsError } from '../../protocol/errors.ts';
import { type Eui64, isEui64 } from '../../protocol/types.ts';
import { allUseCases } from '../../protocol/use-case-catalogue.ts';
import { DEVICE_CLOCK_SPAN_MS } from '../../sim/clock.ts';
import {
  DEFAULT_SCENARIO,
  type PartyName,
  partyEui,
  type ScenarioStep,
} from '../../sim/head-end/scenario.ts';
import { DEFAULT_PREMISES, type PremisesIds } from '../../sim/premises/premises.ts';

export const SCENARIO_ERROR = 'BAD_SCENARIO';

/** One resolved step of a bridge run. */
export type BridgeStep =
  | {
      kind: 'command';
      label: string;
      /** The name used in the file (`esme`, …) or the EUI. */
      deviceName: string;
      recipientId: Eui64;
      originatorId: Eui64;
      messageCode: number;
      payload: Uint8Array | ((originatorCounter: bigint) => Uint8Array);
    }
  | { kind: 'control'; label: string; op: string; params: Record<string, unknown> }
  | { kind: 'wait'; label: string; ms: number };

export interface ScenarioContext {
  premises: PremisesIds;
  parties: Record<PartyName, Eui64>;
}

const PARTY_NAMES: readonly PartyName[] = ['supplier', 'networkOperator', 'acb'];
const DEVICE_NAMES: ReadonlyArray<keyof PremisesIds> = ['chf', 'gpf', 'esme', 'gsme'];

/** The test PKI's parties and serve's premises. */
export function defaultScenarioContext(): ScenarioContext {
  return {
    premises: { ...DEFAULT_PREMISES },
    parties: {
      supplier: partyEui('supplier'),
      networkOperator: partyEui('networkOperator'),
      acb: partyEui('acb'),
    },
  };
}

export const bad = (where: string, msg: string): GbcsError =>
  new GbcsError(SCENARIO_ERROR, `${where}: ${msg}`);

function fromDefault(s: ScenarioStep, ctx: ScenarioContext): BridgeStep {
  return {
    kind: 'command',
    label: s.label,
    deviceName: s.device,
    recipientId: ctx.premises[s.device],
    originatorId: ctx.parties[s.from],
    messageCode: s.messageCode,
    payload: s.payload,
  };
}

/** The default scenario (sim/head-end/scenario.ts) as bridge steps. */
export function defaultBridgeSteps(ctx: ScenarioContext = defaultScenarioContext()): BridgeStep[] {
  return DEFAULT_SCENARIO.map((s) => fromDefault(s, ctx));
}

function defaultStep(ref: unknown, where: string): ScenarioStep {
  if (typeof ref === 'number') {
    const s = DEFAULT_SCENARIO[ref - 1];
    if (!Number.isInteger(ref) || !s) throw bad(where, `default step ${ref}: 1..${DEFAULT_SCENARIO.length}`);
    return s;
  }
  if (typeof ref === 'string') {
    const s = DEFAULT_SCENARIO.find((d) => d.label === ref);
    if (!s) throw bad(where, `no default step labelled ${JSON.stringify(ref)}`);
    return s;
  }
  throw bad(where, 'default: a step number (1-based) or label');
}

function eui(v: string): Eui64 | null {
  const e = v.toLowerCase();
  return isEui64(e) ? e : null;
}

function messageCodeOf(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff) return v;
  if (typeof v === 'string') {
    if (/^(0x[0-9a-f]{1,4}|\d{1,5})$/i.test(v)) {
      const n = Number(v);
      if (n <= 0xffff) return n;
    }
    const uc = allUseCases().filter((u) => u.useCase.toLowerCase() === v.toLowerCase());
    if (uc.length === 1) return uc[0]!.messageCode;
    if (uc.length > 1) throw bad(where, `use case ${v} has several Message Codes: give one`);
  }
  throw bad(where, `messageCode: a number 0..0xFFFF, "0x…", or a use-case id (got ${JSON.stringify(v)})`);
}

/**
 * The context of a scenario document: `base` with the document's `premises` and `parties` names.
 * @throws GbcsError BAD_SCENARIO
 */
export function resolveContext(doc: unknown, base: ScenarioContext, source = 'scenario'): ScenarioContext {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw bad(source, 'a mapping with `steps` (and optionally `premises`, `parties`)');
  const d = doc as Record<string, unknown>;
  const ctx: ScenarioContext = { premises: { ...base.premises }, parties: { ...base.parties } };
  if (d.premises !== undefined) {
    if (typeof d.premises !== 'object' || d.premises === null) throw bad(source, 'premises: a mapping');
    for (const [k, v] of Object.entries(d.premises)) {
      if (!DEVICE_NAMES.includes(k as keyof PremisesIds)) throw bad(source, `premises: unknown device ${k}`);
      const e = typeof v === 'string' ? eui(v) : null;
      if (!e) throw bad(source, `premises.${k}: not an EUI-64`);
      ctx.premises[k as keyof PremisesIds] = e;
    }
  }
  if (d.parties !== undefined) {
    if (typeof d.parties !== 'object' || d.parties === null) throw bad(source, 'parties: a mapping');
    for (const [k, v] of Object.entries(d.parties)) {
      if (!PARTY_NAMES.includes(k as PartyName)) throw bad(source, `parties: unknown party ${k}`);
      const e = typeof v === 'string' ? eui(v) : null;
      if (!e) throw bad(source, `parties.${k}: not an EUI-64`);
      ctx.parties[k as PartyName] = e;
    }
  }
  return ctx;
}

/** A device name of the scenario (`chf`, `esme`, …) or an EUI-64, resolved; null when neither. */
export function deviceOf(device: unknown, ctx: ScenarioContext): Eui64 | null {
  if (typeof device !== 'string') return null;
  const named = ctx.premises[device.toLowerCase() as keyof PremisesIds];
  if (named) return named;
  return DEVICE_NAMES.includes(device as keyof PremisesIds) ? null : eui(device);
}

/**
 * One step of a scenario document (`where` names it in errors), resolved: `repeat: N` gives N
 * copies. @throws GbcsError BAD_SCENARIO
 */
export function resolveStep(raw: unknown, ctx: ScenarioContext, where: string): BridgeStep[] {
  if (typeof raw !== 'object' || raw === null) throw bad(where, 'a mapping');
  const s = raw as Record<string, unknown>;
  const repeat = s.repeat ?? 1;
  if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < 1 || repeat > 100_000)
    throw bad(where, 'repeat: an integer 1..100000');
  let step: BridgeStep;
  if (s.wait !== undefined) {
    // No wait longer than the span of the device clock (sim/clock.ts) can end inside it.
    if (
      typeof s.wait !== 'number' ||
      !Number.isInteger(s.wait) ||
      s.wait < 0 ||
      s.wait > DEVICE_CLOCK_SPAN_MS
    )
      throw bad(where, `wait: an integer number of ms 0..${DEVICE_CLOCK_SPAN_MS}`);
    step = { kind: 'wait', label: String(s.label ?? `wait ${s.wait} ms`), ms: s.wait };
  } else if (s.control !== undefined) {
    const c = s.control as Record<string, unknown>;
    if (typeof c !== 'object' || c === null || typeof c.op !== 'string')
      throw bad(where, 'control: a mapping with op');
    const { op, ...params } = c;
    step = { kind: 'control', label: String(s.label ?? `control ${op}`), op: op as string, params };
  } else if (s.default !== undefined && s.device === undefined) {
    step = fromDefault(defaultStep(s.default, where), ctx);
    if (s.label !== undefined) step.label = String(s.label);
  } else {
    const device = typeof s.device === 'string' ? s.device : '';
    const recipientId = deviceOf(device, ctx);
    if (!recipientId) throw bad(where, 'device: chf | gpf | esme | gsme | an EUI-64');
    const from = typeof s.from === 'string' ? s.from : '';
    const originatorId = PARTY_NAMES.includes(from as PartyName) ? ctx.parties[from as PartyName] : eui(from);
    if (!originatorId) throw bad(where, 'from: supplier | networkOperator | acb | an EUI-64');
    const messageCode = messageCodeOf(s.messageCode, where);
    let payload: Uint8Array | ((originatorCounter: bigint) => Uint8Array);
    if (typeof s.payload === 'string') {
      try {
        payload = fromHex(s.payload);
      } catch (e) {
        throw bad(where, `payload: ${(e as Error).message}`);
      }
    } else if (typeof s.payload === 'object' && s.payload !== null && 'default' in s.payload) {
      payload = defaultStep((s.payload as { default: unknown }).default, where).payload;
    } else throw bad(where, 'payload: hex, or {default: step number or label}');
    step = {
      kind: 'command',
      label: String(s.label ?? `${device} 0x${messageCode.toString(16).padStart(4, '0')}`),
      deviceName: device,
      recipientId,
      originatorId,
      messageCode,
      payload,
    };
  }
  return Array.from({ length: repeat }, () => step);
}

/** Resolves a parsed scenario document against the context. @throws GbcsError BAD_SCENARIO */
export function resolveScenario(doc: unknown, base: ScenarioContext, source = 'scenario'): BridgeStep[] {
  const ctx = resolveContext(doc, base, source);
  const d = doc as Record<string, unknown>;
  if (!Array.isArray(d.steps) || d.steps.length === 0) throw bad(source, 'steps: a non-empty list');
  return d.steps.flatMap((raw: unknown, i: number) => resolveStep(raw, ctx, `${source}: step ${i + 1}`));
}

/** Reads and resolves a scenario file (YAML, or JSON when the name ends in .json). @throws GbcsError BAD_SCENARIO */
export function loadScenarioFile(path: string, base: ScenarioContext): BridgeStep[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw bad(path, (e as Error).message);
  }
  let doc: unknown;
  try {
    doc = path.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw bad(path, `not ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  return resolveScenario(doc, base, path);
}
