/**
 * `gbcs-sim test FILE…|DIR [--junit FILE] [--json] [--target premises|port …]`: runs test scenarios
 * (app/test/scenario.ts) and reports one test case per step — text or JSON Lines on stdout, JUnit
 * XML (junit-report-builder) in a file — and whether every step passed.
 *
 * Targets:
 * - `premises` (default): a fresh virtual premises per scenario (app/test/premises.ts), on a virtual
 *   clock; everything is observable: refusal reasons, alert codes, device state.
 * - `port`: a served premises or a hub on a serial port / pty / TCP (through the bridge,
 *   app/bridge/bridge.ts), with the test keys of a seed. Through a port a refused command is only
 *   unanswered (its reason is not seen), alerts are known by Message Code, device state is not
 *   visible (state expectations are reported as not checked), and tamper steps cannot be sent.
 *
 * The Smart Metering Inventory of a scenario (`inventory:`, `smi`) is the DCC's, kept by the runner
 * in an in-memory SQLite database (sim/inventory) whatever the target.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import junitReport, { type Builder as JUnitBuilder } from 'junit-report-builder';
import { parse as parseYaml } from 'yaml';
import { createFraming, type FramingName } from '../../hw/framing/index.ts';
import { SerialLink } from '../../hw/links/serial.ts';
import { TcpLink } from '../../hw/links/tcp.ts';
import { whyLive } from '../../hw/live-target.ts';
import { ReconnectingTransport } from '../../hw/reconnect.ts';
import { FramedTransport } from '../../hw/transport.ts';
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import { GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { messageCodeHex, useCaseOf } from '../../protocol/use-case-catalogue.ts';
import { WallClock } from '../../sim/clock.ts';
import { alertMessageCode } from '../../sim/device/alerts.ts';
import { HeadEnd } from '../../sim/head-end/head-end.ts';
import { SmartMeteringInventory } from '../../sim/inventory/inventory.ts';
import { readDevice } from '../../sim/models/readings.ts';
import { testKeyResolver } from '../../sim/premises/test-bed.ts';
import { createTestKeys } from '../../sim/smki/test-pki.ts';
import { openDccDatabase } from '../../sim/store/dcc-database.ts';
import { type CommandResult, type ControlResult, runBridge } from '../bridge/bridge.ts';
import { type BridgeStep, defaultScenarioContext } from '../bridge/scenario.ts';
import { type Progress, startProgress } from '../progress.ts';
import { commandProblems, controlProblems, stateProblems } from './expect.ts';
import {
  bridgeObservation,
  type CommandObservation,
  type ControlObservation,
  PremisesTarget,
} from './premises.ts';
import { type InventoryRecord, resolveTestScenario, type SmiAction, type TestScenario } from './scenario.ts';

export type TestTarget =
  | { kind: 'premises' }
  | {
      kind: 'port';
      /** A serial port or pty path, or TCP `host`/`port`. */
      link: { path: string; baudRate?: number } | { host: string; port: number };
      framing: FramingName;
      timeoutMs: number;
      retries: number;
    };

export interface TestOptions {
  inputs: string[];
  seed: string;
  crypto: GbcsCrypto;
  target: TestTarget;
  json: boolean;
  /** JUnit XML written here when given. */
  junit?: string;
  write: (line: string) => void;
  /** For the progress bar (default process.stderr / process.env). */
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env?: NodeJS.ProcessEnv;
}

/** One step's test case. */
export interface CaseReport {
  scenario: string;
  file: string;
  step: number;
  label: string;
  status: 'passed' | 'failed';
  problems: string[];
  /** Expectations that could not be checked on this target (e.g. device state through a port). */
  notChecked: string[];
  observation: CommandObservation | ControlObservation | { kind: 'smi' | 'wait'; detail: string } | null;
  /** Wall time of the step, seconds (JUnit `time`; not in the JSON lines, which stay reproducible). */
  seconds: number;
}

export interface TestSummary {
  scenarios: number;
  steps: number;
  passed: number;
  failed: number;
}

/**
 * junit-report-builder's types declare an ES default export; at run time its CommonJS
 * `module.exports` is the builder itself, which is what an ES default import yields.
 */
const junitRoot = ((junitReport as unknown as { default?: JUnitBuilder }).default ??
  junitReport) as unknown as JUnitBuilder;

export const SCENARIO_EXTENSIONS = /\.(ya?ml|json)$/i;

/**
 * The scenario files named by `inputs`: files as given, directories searched below for `*.yaml`,
 * `*.yml`, `*.json` (sorted by path). @throws GbcsError NO_SCENARIOS, UNREADABLE
 */
export function scenarioFiles(inputs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (SCENARIO_EXTENSIONS.test(e.name)) out.push(p);
    }
  };
  for (const input of inputs) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(input);
    } catch (e) {
      throw new GbcsError(
        'UNREADABLE',
        `${input}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    if (st.isDirectory()) walk(input);
    else out.push(input);
  }
  if (out.length === 0)
    throw new GbcsError('NO_SCENARIOS', `no scenario files (*.yaml, *.yml, *.json) in ${inputs.join(', ')}`);
  return out;
}

/** Reads and resolves one scenario file. @throws GbcsError BAD_SCENARIO */
export function loadTestScenario(path: string): TestScenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new GbcsError(
      'BAD_SCENARIO',
      `${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let doc: unknown;
  try {
    doc = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new GbcsError(
      'BAD_SCENARIO',
      `${path}: not ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
  return resolveTestScenario(
    doc,
    defaultScenarioContext(),
    path,
    basename(path).replace(SCENARIO_EXTENSIONS, ''),
  );
}

const PRE_NOTIFY = { manufacturer: 'gbcs-sim', model: 'virtual premises' };

/** The DCC's Smart Metering Inventory of one scenario run (in memory). */
class ScenarioInventory {
  private readonly smi: SmartMeteringInventory;
  private readonly close: () => void;
  private readonly s: TestScenario;
  private readonly now: () => number;
  constructor(s: TestScenario, now: () => number) {
    this.s = s;
    this.now = now;
    const db = openDccDatabase(':memory:');
    this.smi = new SmartMeteringInventory(db);
    this.close = () => db.close();
  }

  /**
   * Creates the `inventory:` records at their start status, through the SMI's own transitions. A
   * meter joins a CHF Device Log (and a GSME a GPF), which must be in the SMI: the premises' CHF
   * (and GPF) are added first, Commissioned, when the scenario does not list them.
   */
  setUp(records: readonly InventoryRecord[]): void {
    const ids = this.s.context.premises;
    const listed = new Set(records.map((r) => r.device));
    const hubs: InventoryRecord[] = [];
    if (records.some((r) => r.deviceType === 'ESME' || r.deviceType === 'GSME') && !listed.has(ids.chf))
      hubs.push({ device: ids.chf, deviceName: 'chf', deviceType: 'CHF', status: 'Commissioned' });
    if (records.some((r) => r.deviceType === 'GSME') && !listed.has(ids.gpf))
      hubs.push({ device: ids.gpf, deviceName: 'gpf', deviceType: 'GPF', status: 'Commissioned' });
    const order = [...hubs, ...records].sort(
      (a, b) => Number(b.deviceType === 'CHF') - Number(a.deviceType === 'CHF'),
    );
    const supplier = this.s.context.parties.supplier;
    for (const r of order) {
      const at = this.now();
      const isHub = r.deviceType === 'CHF' || r.deviceType === 'GPF';
      const p = { deviceId: r.device, deviceType: r.deviceType, ...PRE_NOTIFY, supplier };
      if (isHub) this.smi.commsHubDelivered(p, at);
      else this.smi.preNotify(p, at);
      if (r.status === 'Pending') continue;
      if (isHub) {
        this.smi.updateStatus(r.device, 'InstalledNotCommissioned', at);
        if (r.status === 'Commissioned') this.smi.updateStatus(r.device, 'Commissioned', at);
        continue;
      }
      this.apply({ device: r.device, deviceName: r.deviceName, event: 'addToHanDeviceLog' });
      if (r.status === 'Whitelisted') continue;
      this.apply({ device: r.device, deviceName: r.deviceName, event: 'join' });
      if (r.status === 'Commissioned')
        this.apply({ device: r.device, deviceName: r.deviceName, event: 'commission' });
    }
  }

  /** Applies an SMI operation. @throws the inventory's Refusal / GbcsError */
  apply(a: SmiAction): void {
    const at = this.now();
    const ids = this.s.context.premises;
    const supplier = this.s.context.parties.supplier;
    switch (a.event) {
      case 'addToHanDeviceLog':
        this.smi.addToHanDeviceLog(
          a.device,
          a.device === ids.gsme ? { chf: ids.chf, gpf: ids.gpf } : { chf: ids.chf },
          at,
        );
        return;
      case 'join':
        this.smi.join(a.device, at);
        return;
      case 'commission':
        this.smi.commission(a.device, at, supplier);
        return;
      case 'decommission':
        this.smi.decommission(a.device, at, supplier);
        return;
      case 'serviceOptOut':
        this.smi.serviceOptOut(a.device, at);
        return;
      case 'serviceOptIn':
        this.smi.serviceOptIn(a.device, at);
        return;
      case 'updateStatus':
        this.smi.updateStatus(a.device, a.status!, at);
        return;
      case 'cplSuspend':
        this.smi.cplSuspend(a.device, at);
        return;
      case 'cplRestore':
        this.smi.cplRestore(a.device, at);
        return;
    }
  }

  status(eui: Eui64): string | null {
    return this.smi.get(eui)?.status ?? null;
  }

  dispose(): void {
    this.close();
  }
}

/** The device type of a premises EUI (for alert Message Codes through a port). */
function deviceTypeOf(s: TestScenario, eui: Eui64): 'CHF' | 'GPF' | 'ESME' | 'GSME' | null {
  const p = s.context.premises;
  return eui === p.chf
    ? 'CHF'
    : eui === p.gpf
      ? 'GPF'
      : eui === p.esme
        ? 'ESME'
        : eui === p.gsme
          ? 'GSME'
          : null;
}

function errorText(e: unknown): string {
  return e instanceof GbcsError ? `${e.code}: ${e.message}` : (e as Error).message;
}

/** What a target did for each step, in order (null for steps it does not play: SMI steps). */
type Played = Array<CommandObservation | ControlObservation | { kind: 'wait'; detail: string } | null>;

/** Runs the bridge steps of a scenario through a port; maps its results to observations. */
async function playOnPort(
  s: TestScenario,
  target: Extract<TestTarget, { kind: 'port' }>,
  o: TestOptions,
): Promise<Played> {
  const steps = s.steps.filter((t) => t.action.kind !== 'smi').map((t) => t.action as BridgeStep);
  const keys = createTestKeys(o.seed);
  const clock = new WallClock();
  const headEnd = new HeadEnd({
    crypto: o.crypto,
    keys: testKeyResolver(keys, s.context.premises),
    acbId: s.context.parties.acb,
    clock,
  });
  const link = target.link;
  const transport = new ReconnectingTransport(
    () =>
      new FramedTransport(
        'host' in link ? new TcpLink(link) : new SerialLink(link),
        createFraming(target.framing),
      ),
    { giveUpAfterMs: 10_000 },
  );
  const { results } = await runBridge({
    transport,
    headEnd,
    steps,
    clock,
    timeoutMs: target.timeoutMs,
    retries: target.retries,
    json: true,
    write: () => {},
  });
  const byStep = new Map<number, CommandResult | ControlResult>(results.map((r) => [r.step, r]));
  const played: Played = [];
  let i = 0;
  for (const t of s.steps) {
    if (t.action.kind === 'smi') {
      played.push(null);
      continue;
    }
    i++;
    const r = byStep.get(i);
    if (t.action.kind === 'wait') played.push({ kind: 'wait', detail: `${t.action.ms} ms` });
    else if (!r) played.push(null);
    else if ('control' in r)
      played.push({
        kind: 'control',
        op: r.control,
        ok: r.ok,
        ...(r.result !== undefined ? { result: r.result } : {}),
        ...(r.error ? { error: r.error } : {}),
      });
    else played.push(bridgeObservation(r));
  }
  return played;
}

/** Runs one scenario; returns its test cases (one per step). Never throws for a step's failure. */
export async function runTestScenario(
  s: TestScenario,
  o: TestOptions,
  progress: Progress,
): Promise<CaseReport[]> {
  const port = o.target.kind === 'port' ? o.target : null;
  const premises = port
    ? null
    : new PremisesTarget({ seed: o.seed, crypto: o.crypto, ids: s.context.premises });
  const clockNow = () => premises?.clock.now() ?? Date.UTC(2026, 0, 1, 8, 0, 0);
  const inventory = new ScenarioInventory(s, clockNow);
  const cases: CaseReport[] = [];
  try {
    let setUpError: string | null = null;
    try {
      inventory.setUp(s.inventory);
    } catch (e) {
      setUpError = `inventory: ${errorText(e)}`;
    }
    const played = port ? await playOnPort(s, port, o) : null;
    s.steps.forEach((t, idx) => {
      const t0 = performance.now();
      const problems: string[] = setUpError && idx === 0 ? [setUpError] : [];
      const notChecked: string[] = [];
      let observation: CaseReport['observation'] = null;
      const a = t.action;
      try {
        if (a.kind === 'smi') {
          inventory.apply(a.smi);
          observation = { kind: 'smi', detail: `${a.smi.event} ${a.smi.deviceName}` };
        } else if (played) {
          observation = played[idx] ?? null;
        } else if (premises) {
          if (a.kind === 'command') observation = premises.command(a, t.tamper);
          else if (a.kind === 'control') observation = premises.control(a.op, a.params);
          else {
            premises.wait(a.ms);
            observation = { kind: 'wait', detail: `${a.ms} ms (virtual)` };
          }
        }
      } catch (e) {
        problems.push(errorText(e));
      }
      if (observation?.kind === 'command') {
        const deviceType = deviceTypeOf(s, observation.recipientId);
        const expectedMc =
          t.expect.alerts && deviceType
            ? t.expect.alerts.map((c) => {
                try {
                  return alertMessageCode(deviceType, c);
                } catch {
                  return -1;
                }
              })
            : null;
        problems.push(...commandProblems(t.expect, t.tamper, observation, expectedMc));
        if (t.smiOnSuccess && observation.responseVerified && observation.result === 'success') {
          try {
            inventory.apply(t.smiOnSuccess);
          } catch (e) {
            problems.push(`smi ${t.smiOnSuccess.event}: ${errorText(e)}`);
          }
        }
      } else if (observation?.kind === 'control') problems.push(...controlProblems(t.expect, observation));
      else if (a.kind !== 'smi' && a.kind !== 'wait' && observation === null && problems.length === 0)
        problems.push('the step was not played (the link was lost or the run stopped)');
      if (t.expect.state) {
        if (premises) {
          problems.push(
            ...stateProblems(
              t.expect.state.map((x) => {
                const st = premises.state(x.device);
                return [x.deviceName, x.reading, x.equals, st ? readDevice(st, x.reading) : undefined];
              }),
            ),
          );
        } else
          notChecked.push(
            ...t.expect.state.map((x) => `state ${x.deviceName}.${x.reading} (not visible through a port)`),
          );
      }
      for (const x of t.expect.smiStatus ?? []) {
        const got = inventory.status(x.device);
        if (got !== x.status)
          problems.push(
            `smiStatus ${x.deviceName}: expected ${x.status}, got ${got ?? 'not in the inventory'}`,
          );
      }
      const c: CaseReport = {
        scenario: s.name,
        file: s.source,
        step: t.number,
        label: t.label,
        status: problems.length === 0 ? 'passed' : 'failed',
        problems,
        notChecked,
        observation,
        seconds: (performance.now() - t0) / 1000,
      };
      cases.push(c);
      progress.print(() => report(o, c));
      progress.increment(`${s.name} step ${t.number}`);
    });
  } finally {
    inventory.dispose();
  }
  return cases;
}

function describeObservation(c: CaseReport): string {
  const ob = c.observation;
  if (!ob) return '';
  if (ob.kind === 'command') {
    const uc = useCaseOf(ob.messageCode)?.useCase || messageCodeHex(ob.messageCode);
    const what =
      ob.accepted === false
        ? `refused ${ob.reason}`
        : ob.responseVerified
          ? `verified, ${ob.result}`
          : (ob.result ?? (ob.detail ? `no response: ${ob.detail}` : 'no response'));
    return ` (${uc}: ${what})`;
  }
  if (ob.kind === 'control') return ` (control ${ob.op}: ${ob.ok ? 'ok' : ob.error?.code})`;
  return ` (${ob.detail})`;
}

function report(o: TestOptions, c: CaseReport): void {
  if (o.json) {
    const { seconds: _s, ...rest } = c;
    o.write(JSON.stringify(rest));
    return;
  }
  const head = `${c.status === 'passed' ? 'ok  ' : 'FAIL'} ${c.file} step ${c.step} ${JSON.stringify(c.label)}`;
  o.write(
    c.status === 'passed'
      ? `${head}${describeObservation(c)}${c.notChecked.length ? ` [not checked: ${c.notChecked.join('; ')}]` : ''}`
      : `${head}: ${c.problems.join('; ')}`,
  );
}

/** The JUnit XML of a run: one test suite per scenario, one test case per step. */
export function junitXml(scenarios: ReadonlyArray<{ s: TestScenario; cases: CaseReport[] }>): string {
  const builder = junitRoot.newBuilder();
  for (const { s, cases } of scenarios) {
    const suite = builder.testSuite().name(s.name).property('file', s.source);
    for (const c of cases) {
      const tc = suite
        .testCase()
        .className(s.name)
        .name(`step ${c.step}: ${c.label}`)
        .time(Math.round(c.seconds * 1000) / 1000);
      if (c.status === 'failed') tc.failure(c.problems.join('\n'), 'ExpectationFailed');
      const out = [
        ...(c.observation ? [JSON.stringify(c.observation)] : []),
        ...c.notChecked.map((n) => `not checked: ${n}`),
      ];
      if (out.length > 0) tc.standardOutput(out.join('\n'));
    }
  }
  // junit-report-builder always writes `skipped` on <testsuites>, which the Jenkins xUnit schema
  // (Jenkins' JUnit schema: name, time, tests, failures, errors) does not allow there; no step is ever
  // skipped, so the attribute carries nothing: drop it from the root element only.
  return builder.build().replace(/(<testsuites\b[^>]*?) skipped="\d+"/, '$1');
}

/**
 * Runs every scenario of `o.inputs`: all are read and checked before the first runs (a bad file
 * is a usage error, nothing runs). Returns the summary; the caller exits 1 when `failed > 0`.
 * @throws GbcsError NO_SCENARIOS, UNREADABLE, BAD_SCENARIO; the JUnit file's write error
 */
export async function runTests(
  o: TestOptions,
): Promise<{ summary: TestSummary; cases: CaseReport[]; xml: string }> {
  const files = scenarioFiles(o.inputs);
  const scenarios = files.map(loadTestScenario);
  if (o.target.kind === 'port') {
    const why = whyLive(o.target.link);
    if (why !== null)
      throw new GbcsError(
        'LIVE_TARGET',
        `test sends with the test keys of --seed, whose private keys are public: only to a pty or loopback TCP (${why})`,
      );
  }
  if (o.target.kind === 'port')
    for (const s of scenarios)
      for (const t of s.steps)
        if (t.tamper)
          throw new GbcsError(
            'BAD_SCENARIO',
            `${s.source}: step ${t.number}: tamper needs the virtual premises target (--target premises)`,
          );
  const total = scenarios.reduce((n, s) => n + s.steps.length, 0);
  const progress = startProgress({
    label: 'test',
    unit: 'steps',
    total,
    ...(o.progressStream ? { stream: o.progressStream } : {}),
    ...(o.env ? { env: o.env } : {}),
  });
  const done: Array<{ s: TestScenario; cases: CaseReport[] }> = [];
  try {
    for (const s of scenarios) done.push({ s, cases: await runTestScenario(s, o, progress) });
  } finally {
    progress.stop();
  }
  const cases = done.flatMap((d) => d.cases);
  const summary: TestSummary = {
    scenarios: scenarios.length,
    steps: cases.length,
    passed: cases.filter((c) => c.status === 'passed').length,
    failed: cases.filter((c) => c.status === 'failed').length,
  };
  return { summary, cases, xml: junitXml(done) };
}

/** Relative path for messages (scenario files are named as given). */
export const shown = (p: string): string => relative(process.cwd(), p) || p;
