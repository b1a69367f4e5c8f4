/**
 * What the command does with its parsed flags (bin/commands/bridge.ts defines the flags).
 * `gbcs-sim bridge` (issue 5): drive a hub (physical, or `serve`d) on a port through a scenario. */
import { createWriteStream, openSync } from 'node:fs';
import type { FramingName } from '../../hw/framing/index.ts';
import { createFraming } from '../../hw/framing/index.ts';
import { SerialLink } from '../../hw/links/serial.ts';
import { TcpLink } from '../../hw/links/tcp.ts';
import { portKind, whyLive } from '../../hw/live-target.ts';
import { listPorts } from '../../hw/ports.ts';
import { openErrorReporter, ReconnectingTransport } from '../../hw/reconnect.ts';
import { FramedTransport } from '../../hw/transport.ts';
import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import { WallClock } from '../../sim/clock.ts';
import { HeadEnd } from '../../sim/head-end/head-end.ts';
import { testKeyResolver } from '../../sim/premises/test-bed.ts';
import { createTestKeys } from '../../sim/smki/test-pki.ts';
import { loadKeystores } from '../../sim/store/keystore-files.ts';
import { bridgeSucceeded, runBridge } from '../bridge/bridge.ts';
import {
  type BridgeStep,
  defaultBridgeSteps,
  defaultScenarioContext,
  loadScenarioFile,
  type ScenarioContext,
} from '../bridge/scenario.ts';
import {
  createTestKeyGuard,
  criticalCommands,
  criticalOriginators,
  keystoreTestKeys,
} from '../bridge/test-key-guard.ts';
import { acbOf, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, out, UsageError } from '../cli-io.ts';

export interface BridgeFlags {
  port?: string;
  tcp?: string;
  baud: string;
  framing: FramingName;
  scenario: string;
  trace?: string;
  json?: boolean;
  seed: string;
  keystore?: string[];
  acb?: string;
  timeoutMs: string;
  retries: string;
  blockLimit: string;
  maxPayload?: string;
  giveUpMs: string;
  list?: boolean;
  allowTestKeys?: boolean;
  crypto: CryptoBackendName;
}

export const int = (flag: string, v: string, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag}: an integer ${min}..${max}`);
  return n;
};

export const bridgeAction = async (o: BridgeFlags) => {
  if (o.list) {
    const l = await listPorts();
    if (l.warning) process.stderr.write(`gbcs-sim bridge: ${l.warning}\n`);
    if (o.json) for (const p of l.ports) out(JSON.stringify({ ...p, source: l.source }));
    else for (const p of l.ports) out(`${p.path}\t${p.kind}${p.target ? `\t-> ${p.target}` : ''}`);
    process.exitCode = EXIT_OK;
    return;
  }
  if ((o.port === undefined) === (o.tcp === undefined))
    throw new UsageError('bridge: give one of --port PATH or --tcp HOST:PORT (or --list)');
  const crypto = createCrypto(o.crypto);
  // A GBT block (and so every command longer than it) needs 128 bytes of frame payload.
  let maxPayload: number | undefined;
  if (o.maxPayload !== undefined) {
    const n = Number(o.maxPayload);
    if (Number.isInteger(n) && n >= 1 && n < 128)
      throw new UsageError(
        `--max-payload: at least 128 (commands longer than a frame go as GBT blocks, which need 128 bytes; see --block-limit)`,
      );
    maxPayload = int('--max-payload', o.maxPayload, 128, 65_535);
  }
  const blockLimit = int('--block-limit', o.blockLimit, 128, 65_535);
  const timeoutMs = int('--timeout-ms', o.timeoutMs, 1, 3_600_000);
  const retries = int('--retries', o.retries, 0, 1000);
  const codec = () => createFraming(o.framing, maxPayload);
  let link: () => SerialLink | TcpLink;
  let live: () => string | null;
  if (o.tcp !== undefined) {
    const m = /^(.+):(\d+)$/.exec(o.tcp);
    if (!m) throw new UsageError('--tcp: HOST:PORT');
    const target = { host: m[1]!, port: int('--tcp port', m[2]!, 1, 65_535) };
    link = () => new TcpLink(target);
    live = () => whyLive(target);
  } else {
    const opts = { path: o.port!, baudRate: int('--baud', o.baud, 50, 4_000_000) };
    link = () => new SerialLink(opts);
    live = () => whyLive(opts);
  }
  const where = o.tcp !== undefined ? `--tcp ${o.tcp}` : `--port ${o.port}`;
  const transport = new ReconnectingTransport(() => new FramedTransport(link(), codec()), {
    giveUpAfterMs: int('--give-up-ms', o.giveUpMs, 0, 86_400_000),
    // A port that will not open (a typo, not a terminal, nobody listening): say why, not silence.
    onOpenError: openErrorReporter(`gbcs-sim bridge: ${where}`, (l) => process.stderr.write(`${l}\n`)),
  });

  // Keys and the scenario's names: the test PKI of `serve --seed`, or the lab's keystore.
  const clock = new WallClock();
  const ctx: ScenarioContext = defaultScenarioContext();
  let headEnd: HeadEnd;
  /** Why the keys are test keys (null: not known to be), decided once the scenario is read. */
  let testKeys: (steps: readonly BridgeStep[]) => string | null;
  if (o.keystore) {
    const ks = loadKeystores(o.keystore);
    for (const w of ks.warnings) process.stderr.write(`gbcs-sim bridge: ${w}\n`);
    const acb = acbOf(ks, o.acb);
    if (!acb) throw new UsageError('bridge: the keystore has no single ACB (role 4): give --acb EUI');
    const byRole = (role: number) =>
      ks.euis().find((e) => ks.roleOf(e) === role && ks.privateKey(e, 'ds') !== undefined);
    const supplier = byRole(2);
    const no = byRole(3);
    if (supplier) ctx.parties.supplier = supplier;
    if (no) ctx.parties.networkOperator = no;
    ctx.parties.acb = acb;
    headEnd = new HeadEnd({ crypto, keys: ks, acbId: acb, clock });
    testKeys = (steps) => keystoreTestKeys(ks, criticalOriginators(steps), acb);
  } else {
    const keys = createTestKeys(o.seed);
    headEnd = new HeadEnd({
      crypto,
      keys: testKeyResolver(keys, ctx.premises),
      acbId: ctx.parties.acb,
      clock,
    });
    testKeys = () => `the deterministic keys of --seed ${o.seed}`;
  }
  const steps: BridgeStep[] =
    o.scenario === 'default' ? defaultBridgeSteps(ctx) : loadScenarioFile(o.scenario, ctx);

  // Test keys stay off live paths: decided before the port is opened when it can be (TCP, an
  // existing path), else — and again after every reconnect — when the link comes up.
  const critical = criticalCommands(steps);
  const keysAreTest = critical.length > 0 ? testKeys(steps) : null;
  const linkGuard =
    keysAreTest === null
      ? null
      : createTestKeyGuard({
          live,
          testKeys: keysAreTest,
          critical,
          allow: o.allowTestKeys ?? false,
          warn: (l) => process.stderr.write(`gbcs-sim bridge: ${l}\n`),
        });
  if (linkGuard && (o.port === undefined || portKind(o.port) !== 'missing')) {
    const refusal = linkGuard();
    if (refusal !== null) throw new UsageError(`bridge: ${refusal}`);
  }

  // The trace file, opened before the link: a directory or a missing parent is a usage error, not a crash.
  let traceFd: number | null = null;
  if (o.trace !== undefined) {
    try {
      traceFd = openSync(o.trace, 'w');
    } catch (e) {
      throw new UsageError(`--trace ${o.trace}: ${(e as Error).message}`);
    }
  }
  const traceFile = traceFd === null ? null : createWriteStream('', { fd: traceFd });
  let traceFailed = false;
  traceFile?.on('error', (e) => {
    // A write failing later (disk full, …): say so once, keep bridging, fail the run.
    if (!traceFailed) process.stderr.write(`gbcs-sim bridge: --trace ${o.trace}: ${e.message}\n`);
    traceFailed = true;
  });
  const trace = traceFile
    ? (entry: Record<string, unknown>) => {
        if (!traceFailed) traceFile.write(`${JSON.stringify(entry)}\n`);
      }
    : undefined;
  // Ctrl-C: stop, report the unsent command steps as failed, write the summary, exit 130.
  // (A second Ctrl-C is Node's default: exit at once.)
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  const { summary, refused } = await runBridge({
    signal: interrupt.signal,
    transport,
    headEnd,
    steps,
    clock,
    timeoutMs,
    retries,
    blockLimit,
    json: o.json ?? false,
    write: out,
    ...(trace ? { trace } : {}),
    ...(linkGuard && o.port !== undefined ? { linkGuard } : {}),
  });
  if (traceFile && !traceFailed) await new Promise<void>((r) => traceFile.end(() => r()));
  process.off('SIGINT', onSigint);
  if (refused !== null) {
    process.stderr.write(`gbcs-sim: bridge: ${refused}\n`);
    process.exitCode = EXIT_USAGE;
  } else if (interrupt.signal.aborted) process.exitCode = 130;
  else process.exitCode = bridgeSucceeded(summary) && !traceFailed ? EXIT_OK : EXIT_FAILURE;
};
