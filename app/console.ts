/**
 * The web console (`gbcs-sim console`, `serve --http PORT`): a page (ui/) showing the devices and
 * their state, a live trace of commands, responses and alerts decoded as `decode --json` decodes
 * them, time series (consumption profile, credit, throughput) drawn with uPlot, the Smart Metering
 * Inventory and Communications Hub timelines of a DCC database, and drill progress.
 *
 * Server: fastify, bound to 127.0.0.1 unless told otherwise, request bodies at most 16 KiB; live
 * updates over Server-Sent Events (`GET /api/events`, one `data:` JSON line per ConsoleEvent).
 *
 * HTTP API (JSON):
 * - `GET /api/state` — `{info, devices, series, trace, drills}`: what the page draws on load.
 * - `GET /api/events` — SSE: ConsoleEvent objects as they happen.
 * - `POST /api/command` `{device, from, messageCode?, payload?}` — a command from a Remote Party:
 *   `device` chf|gpf|esme|gsme or an EUI, `from` supplier|networkOperator|acb, `payload` hex or
 *   `{default: N}` (the builder of default scenario step N; then `messageCode` defaults to that
 *   step's), or `{default: N}` alone as the whole body. Answers the step's observation.
 * - `POST /api/advance` `{ms}` — the virtual clock moves on, meters consume (console only).
 * - `GET /api/timelines` — SMI and CH histories from `--db` (empty without it).
 *
 * Event types (ConsoleEvent): `trace`, `devices`, `series`, `drill`. A `drill` event is what a
 * recovery engine publishes for the drill panel (`ConsoleHub.publish`), shape `DrillProgress`.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { createFraming } from '../hw/framing/index.ts';
import { createInProcessPair } from '../hw/links/in-process.ts';
import { ReconnectingTransport } from '../hw/reconnect.ts';
import { FramedTransport } from '../hw/transport.ts';
import type { GbcsCrypto } from '../protocol/crypto/index.ts';
import { GbcsError } from '../protocol/errors.ts';
import type { Eui64 } from '../protocol/types.ts';
import { useCaseOf } from '../protocol/use-case-catalogue.ts';
import { CommsHubService } from '../sim/ch/hubs.ts';
import { WallClock } from '../sim/clock.ts';
import type { Device } from '../sim/device/device.ts';
import { HeadEnd } from '../sim/head-end/head-end.ts';
import { DEFAULT_SCENARIO, partyEui } from '../sim/head-end/scenario.ts';
import { advanceEsme } from '../sim/models/esme/consumption.ts';
import { ensureEsmeModel } from '../sim/models/esme/esme.ts';
import { tickGsme } from '../sim/models/gsme/gsme.ts';
import { readDevice, readingNames } from '../sim/models/readings.ts';
import type { Premises } from '../sim/premises/premises.ts';
import { createTestKeys } from '../sim/smki/test-pki.ts';
import { type CommandResult, runBridge } from './bridge/bridge.ts';
import { defaultScenarioContext, resolveStep, type ScenarioContext } from './bridge/scenario.ts';
import { withDatabase } from './dcc-db.ts';
import { createDecodeContext, type DecodeContext, decodeReport } from './decode-report.ts';
import { requestRefusal } from './host-check.ts';
import { testKeyResolver } from './run.ts';
import type { ServedPremises, ServeEvent } from './serve.ts';
import { bridgeObservation, type CommandObservation, PremisesTarget } from './test/premises.ts';

/** Progress of an SMKI Recovery drill, for the drill panel (published by the recovery engine). */
export interface DrillProgress {
  /** Stable id of the drill run. */
  id: string;
  name: string;
  /** The procedure's phase in hand (free text, e.g. `notify`, `replace-credentials`). */
  phase: string;
  /** Steps done / all steps. */
  step: number;
  steps: number;
  status: 'running' | 'passed' | 'failed';
  /** ms since the epoch. */
  at: number;
  detail?: string;
}

export interface DeviceView {
  eui: Eui64;
  deviceType: string;
  /** Named readings (sim/models/readings.ts) and the anti-replay floors. */
  readings: Record<string, unknown>;
  antiReplay: Record<string, string>;
  faults: number;
}

export interface SeriesPoint {
  /** ms since the epoch (virtual or wall time). */
  t: number;
  /** Half-hour import, Wh (the ESME profile), when a half hour closed. */
  importWh?: number;
  /** ESME meter balance, pence. */
  creditPence?: number;
  /** GSME credit, pence. */
  gasCreditPence?: number;
  /** Commands handled in the last second of wall time. */
  commandsPerSecond?: number;
}

export interface TraceEntry {
  /** Wall time, ms. */
  t: number;
  direction: 'command' | 'response' | 'alert';
  device: Eui64 | null;
  /** `decode --json` of the message (header, verdicts, payload), or what is known of it. */
  decoded: Record<string, unknown>;
  hex: string | null;
  note?: string;
}

export type ConsoleEvent =
  | { type: 'trace'; entry: TraceEntry }
  | { type: 'devices'; devices: DeviceView[] }
  | { type: 'series'; points: SeriesPoint[] }
  | { type: 'drill'; drill: DrillProgress };

const TRACE_KEEP = 500;
const SERIES_KEEP = 20_000;

/** Holds what the page shows and tells subscribers of each change. */
export class ConsoleHub {
  readonly trace: TraceEntry[] = [];
  readonly series: SeriesPoint[] = [];
  readonly drills = new Map<string, DrillProgress>();
  private readonly listeners = new Set<(e: ConsoleEvent) => void>();

  publish(e: ConsoleEvent): void {
    if (e.type === 'trace') {
      this.trace.push(e.entry);
      if (this.trace.length > TRACE_KEEP) this.trace.splice(0, this.trace.length - TRACE_KEEP);
    } else if (e.type === 'series') {
      this.series.push(...e.points);
      if (this.series.length > SERIES_KEEP) this.series.splice(0, this.series.length - SERIES_KEEP);
    } else if (e.type === 'drill') this.drills.set(e.drill.id, e.drill);
    for (const l of this.listeners) l(e);
  }

  subscribe(fn: (e: ConsoleEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}

/** What a console shows and drives: a virtual premises of its own, or a served one. */
export interface ConsoleBackend {
  info(): Record<string, unknown>;
  devices(): DeviceView[];
  /** @throws GbcsError BAD_SCENARIO for a request that names no command */
  send(request: unknown): Promise<CommandObservation>;
  /** Moves virtual time on (null when the backend has no virtual clock). */
  advance: ((ms: number) => void) | null;
}

function deviceViews(premises: Premises): DeviceView[] {
  return [...premises.devices.values()].map((d) => ({
    eui: d.eui,
    deviceType: d.deviceType,
    readings: Object.fromEntries(readingNames(d.deviceType).map((n) => [n, readDevice(d.state, n)])),
    antiReplay: { ...d.state.antiReplay },
    faults: d.state.faults?.length ?? 0,
  }));
}

/**
 * A command request from the page, as a scenario step (app/bridge/scenario.ts resolveStep): the
 * same names and checks as scenario files. @throws GbcsError BAD_SCENARIO
 */
export function commandStep(request: unknown, ctx: ScenarioContext) {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    throw new GbcsError('BAD_SCENARIO', 'command: a JSON object {device, from, messageCode, payload}');
  const r = { ...(request as Record<string, unknown>) };
  for (const k of Object.keys(r))
    if (!['device', 'from', 'messageCode', 'payload', 'default', 'label'].includes(k))
      throw new GbcsError('BAD_SCENARIO', `command: unknown key ${k}`);
  // `payload: {default: N}` without a Message Code takes that default step's.
  const ref = (r.payload as { default?: unknown } | undefined)?.default;
  if (r.messageCode === undefined && typeof ref === 'number') {
    const d = DEFAULT_SCENARIO[ref - 1];
    if (d) r.messageCode = d.messageCode;
  }
  const [step] = resolveStep(r, ctx, 'command');
  if (step?.kind !== 'command')
    throw new GbcsError('BAD_SCENARIO', 'command: a command, not a control or wait step');
  return step;
}

/** Publishes the messages of one observation as trace entries. */
function traceObservation(hub: ConsoleHub, o: CommandObservation, decode: DecodeContext, now: number): void {
  const entry = (
    direction: TraceEntry['direction'],
    hex: string | null,
    device: Eui64 | null,
    note?: string,
  ) =>
    hub.publish({
      type: 'trace',
      entry: {
        t: now,
        direction,
        device,
        decoded: hex ? decodeReport(direction, hex, decode) : { useCase: o.useCase },
        hex,
        ...(note ? { note } : {}),
      },
    });
  entry(
    'command',
    o.command,
    o.recipientId,
    o.command === null ? `${o.useCase} (bytes not seen)` : undefined,
  );
  if (o.accepted === false) entry('response', null, o.recipientId, `refused ${o.reason}: ${o.detail ?? ''}`);
  else if (o.response)
    entry(
      'response',
      o.response,
      o.recipientId,
      `${o.responseVerified ? 'verified' : 'NOT verified'}, ${o.result}`,
    );
  else entry('response', null, o.recipientId, o.result ?? 'no response');
  for (const a of o.alertMessages) entry('alert', a, o.recipientId);
}

/** A console over a virtual premises of its own (`gbcs-sim console`). */
export function premisesConsole(o: { seed: string; crypto: GbcsCrypto; hub: ConsoleHub }): ConsoleBackend {
  const target = new PremisesTarget({ seed: o.seed, crypto: o.crypto, startMs: Date.UTC(2026, 0, 5) });
  const decode = createDecodeContext(
    o.crypto,
    testKeyResolver(target.keys, target.premises),
    target.headEnd.acbId,
  );
  const ctx = defaultScenarioContext();
  const throughput = wallThroughput(o.hub);
  const esme = target.premises.devices.get(target.ids.esme)!;
  const gsme = target.premises.devices.get(target.ids.gsme)!;
  const sample = (t: number): SeriesPoint => {
    const m = ensureEsmeModel(esme.state, t);
    const g = readDevice(gsme.state, 'credit');
    return {
      t,
      creditPence: Math.floor(m.prepayment.meterBalance / 1000),
      ...(typeof g === 'number' ? { gasCreditPence: g } : {}),
    };
  };
  const publishDevices = () => o.hub.publish({ type: 'devices', devices: deviceViews(target.premises) });
  return {
    info: () => ({
      kind: 'premises',
      seed: o.seed,
      premises: target.ids,
      clockMs: target.clock.now(),
      defaultSteps: DEFAULT_SCENARIO.map((s, i) => ({
        step: i + 1,
        label: s.label,
        device: s.device,
        from: s.from,
        useCase: useCaseOf(s.messageCode)?.useCase ?? null,
      })),
    }),
    devices: () => deviceViews(target.premises),
    async send(request) {
      const step = commandStep(request, ctx);
      const obs = target.command(step);
      traceObservation(o.hub, obs, decode, Date.now());
      throughput();
      publishDevices();
      return obs;
    },
    advance(ms) {
      if (!Number.isInteger(ms) || ms < 0 || ms > 366 * 86_400_000)
        throw new GbcsError('BAD_VALUE', 'advance: ms, an integer 0..366 days');
      const HALF_HOUR = 1_800_000;
      const points: SeriesPoint[] = [];
      const m = ensureEsmeModel(esme.state, target.clock.now());
      for (let left = ms; left > 0; left -= HALF_HOUR) {
        target.wait(Math.min(HALF_HOUR, left));
        const now = target.clock.now();
        const before = m.buffers.halfHour.length;
        advanceEsme(m, now);
        tickGsme(gsme as Device);
        const p = sample(now);
        const closed = m.buffers.halfHour.slice(before);
        for (const row of closed) points.push({ t: row[0]!, importWh: row[1]! });
        points.push(p);
      }
      esme.persist();
      o.hub.publish({ type: 'series', points });
      publishDevices();
    },
  };
}

/** Counts commands per second of wall time into the throughput series. */
function wallThroughput(hub: ConsoleHub): () => void {
  let second = 0;
  let count = 0;
  return () => {
    const s = Math.floor(Date.now() / 1000);
    if (s !== second && count > 0) {
      hub.publish({ type: 'series', points: [{ t: second * 1000, commandsPerSecond: count }] });
      count = 0;
    }
    second = s;
    count++;
    hub.publish({ type: 'series', points: [{ t: s * 1000, commandsPerSecond: count }] });
  };
}

/**
 * A console over a served premises (`serve --http PORT`): the page's commands go to it through an
 * in-process link attached like any other (app/serve.ts: the same queueing, GSME wake-ups,
 * duplicate cache and durable state), built and checked by the bridge with the test keys of the
 * seed; what other links send shows as `serve` events (the bytes are not seen there).
 */
export function servedConsole(o: {
  served: ServedPremises;
  seed: string;
  crypto: GbcsCrypto;
  hub: ConsoleHub;
}): ConsoleBackend & { onServeEvent(e: ServeEvent): void } {
  const keys = createTestKeys(o.seed);
  const resolver = testKeyResolver(keys, o.served.ids);
  const acbId = partyEui('acb');
  const decode = createDecodeContext(o.crypto, resolver, acbId);
  const clock = new WallClock();
  const headEnd = new HeadEnd({ crypto: o.crypto, keys: resolver, acbId, clock });
  const ctx = defaultScenarioContext();
  ctx.premises = { ...o.served.ids };
  const throughput = wallThroughput(o.hub);
  const publishDevices = () => o.hub.publish({ type: 'devices', devices: deviceViews(o.served.premises) });
  /** The page's command in flight: a refusal serve reports for it ends the wait at once. */
  let inFlight: {
    device: Eui64;
    messageCode: number;
    abort: AbortController;
    refusal: ServeEvent | null;
  } | null = null;
  return {
    info: () => ({ kind: 'serve', seed: o.seed, premises: o.served.ids, clockMs: o.served.clock.now() }),
    devices: () => deviceViews(o.served.premises),
    advance: null,
    onServeEvent(e) {
      if (e.event !== 'command') return;
      // A refused command gets no answer on the line; serve's event says why. While a page command
      // is in flight, a refusal of the same Message Code to the same device is taken as its own.
      if (!e.accepted && inFlight && e.device === inFlight.device && e.messageCode === inFlight.messageCode) {
        inFlight.refusal = e;
        inFlight.abort.abort();
      }
      throughput();
      o.hub.publish({
        type: 'trace',
        entry: {
          t: Date.now(),
          direction: 'command',
          device: e.device,
          decoded: {
            messageCode: e.messageCode,
            useCase: e.messageCode === null ? null : (useCaseOf(e.messageCode)?.useCase ?? null),
            counter: e.counter,
          },
          hex: null,
          note: e.accepted ? (e.detail ?? 'answered') : `refused ${e.reason}: ${e.detail ?? ''}`,
        },
      });
      publishDevices();
    },
    async send(request) {
      const step = commandStep(request, ctx);
      const pair = createInProcessPair();
      const servedEnd = new FramedTransport(pair.b, createFraming('gfi'));
      await servedEnd.open();
      const detach = o.served.attach(servedEnd);
      const seen: string[] = [];
      const flight = {
        device: step.recipientId,
        messageCode: step.messageCode,
        abort: new AbortController(),
        refusal: null as ServeEvent | null,
      };
      inFlight = flight;
      try {
        const { results } = await runBridge({
          signal: flight.abort.signal,
          transport: new ReconnectingTransport(() => new FramedTransport(pair.a, createFraming('gfi')), {
            giveUpAfterMs: 5000,
          }),
          headEnd,
          steps: [step],
          clock,
          timeoutMs: 10_000,
          retries: 0,
          json: true,
          write: () => {},
          trace: (t) => {
            if (t.channel === 'gbcs' && typeof t.hex === 'string') seen.push(`${t.dir}:${t.hex}`);
          },
        });
        const r = results[0] as CommandResult;
        const out = seen.find((x) => x.startsWith('out:'))?.slice(4) ?? null;
        const alerts = seen
          .filter((x) => x.startsWith('in:') && x.slice(3) !== r.response)
          .map((x) => x.slice(3));
        const refusal = flight.refusal?.event === 'command' ? flight.refusal : null;
        const obs = bridgeObservation(r, {
          alertMessages: alerts,
          command: out,
          ...(refusal && r.status !== 'answered'
            ? { accepted: false, reason: refusal.reason, detail: refusal.detail }
            : {}),
        });
        traceObservation(o.hub, obs, decode, Date.now());
        publishDevices();
        return obs;
      } finally {
        inFlight = null;
        detach();
        await servedEnd.close();
      }
    },
  };
}

export interface ConsoleServerOptions {
  backend: ConsoleBackend;
  hub: ConsoleHub;
  host?: string;
  /** 0 = any free port. */
  port: number;
  /** The DCC database whose SMI and CH timelines the page shows. */
  db?: string;
}

export interface RunningConsole {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

const UI_DIR = join(dirname(fileURLToPath(import.meta.url)), '../ui');
const UPLOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '../node_modules/uplot/dist');
/** The files the page is made of: nothing else on disk is served. */
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: join(UI_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/ui/console.js': { file: join(UI_DIR, 'console.js'), type: 'text/javascript; charset=utf-8' },
  '/ui/console.css': { file: join(UI_DIR, 'console.css'), type: 'text/css; charset=utf-8' },
  '/vendor/uplot.js': { file: join(UPLOT_DIR, 'uPlot.esm.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uplot.css': { file: join(UPLOT_DIR, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

/** SMI and CH histories of a DCC database, newest last (at most `limit` each). */
export function timelines(db: string | undefined, limit = 500): Record<string, unknown> {
  if (db === undefined) return { db: null, inventory: [], hubs: [] };
  return withDatabase(db, false, (d) => {
    const ch = new CommsHubService(d);
    const inventory = ch.inventory
      .list()
      .flatMap((r) =>
        ch.inventory
          .history(r.deviceId)
          .map((h) => ({ deviceId: r.deviceId, deviceType: r.deviceType, ...h })),
      )
      .sort((a, b) => a.at - b.at || a.seq - b.seq)
      .slice(-limit);
    const hubs = ch
      .list()
      .flatMap((h) => ch.history(h.hubId).map((e) => ({ hubId: h.hubId, ...e })))
      .sort((a, b) => a.at - b.at || a.seq - b.seq)
      .slice(-limit);
    return { db, inventory, hubs };
  });
}

/** Starts the console's HTTP server. @throws the listen error (EADDRINUSE, EACCES, …) */
export async function startConsoleServer(o: ConsoleServerOptions): Promise<RunningConsole> {
  const app = Fastify({ bodyLimit: 16 * 1024, logger: false, forceCloseConnections: true });
  const bindHost = o.host ?? '127.0.0.1';
  // DNS rebinding: every request (page, API, SSE) must name this server; a POST from another site is refused.
  app.addHook('onRequest', (req, reply, done) => {
    const port = (app.server.address() as AddressInfo | null)?.port ?? o.port;
    const origin = req.headers.origin;
    const refusal = requestRefusal(
      { method: req.method, host: req.headers.host, origin: Array.isArray(origin) ? origin[0] : origin },
      bindHost,
      port,
    );
    if (refusal === null) return done();
    void reply.code(refusal.status).send({ error: { code: refusal.code, message: refusal.message } });
  });
  const files = new Map(
    Object.entries(STATIC).map(([route, f]) => [route, { ...f, body: readFileSync(f.file) }]),
  );
  for (const [route, f] of files) app.get(route, (_req, reply) => reply.type(f.type).send(f.body));
  app.get('/api/state', () => ({
    info: o.backend.info(),
    devices: o.backend.devices(),
    series: o.hub.series,
    trace: o.hub.trace,
    drills: [...o.hub.drills.values()],
  }));
  app.get('/api/timelines', (_req, reply) => {
    try {
      return timelines(o.db);
    } catch (e) {
      return reply
        .code(500)
        .send({ error: { code: (e as GbcsError).code ?? 'FAILED', message: (e as Error).message } });
    }
  });
  app.post('/api/command', async (req, reply) => {
    try {
      return await o.backend.send(req.body);
    } catch (e) {
      if (e instanceof GbcsError)
        return reply.code(400).send({ error: { code: e.code, message: e.message } });
      throw e;
    }
  });
  app.post('/api/advance', (req, reply) => {
    if (!o.backend.advance)
      return reply
        .code(409)
        .send({ error: { code: 'NO_VIRTUAL_CLOCK', message: 'a served premises runs on the wall clock' } });
    const ms = (req.body as { ms?: unknown } | null)?.ms;
    try {
      o.backend.advance(typeof ms === 'number' ? ms : Number.NaN);
    } catch (e) {
      if (e instanceof GbcsError)
        return reply.code(400).send({ error: { code: e.code, message: e.message } });
      throw e;
    }
    return { ok: true, clockMs: o.backend.info().clockMs };
  });
  app.get('/api/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(': gbcs-sim console\n\n');
    const off = o.hub.subscribe((e) => res.write(`data: ${JSON.stringify(e)}\n\n`));
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    ping.unref();
    req.raw.on('close', () => {
      off();
      clearInterval(ping);
    });
  });
  const address = await app.listen({ host: bindHost, port: o.port });
  return {
    url: address,
    app,
    async close() {
      await app.close();
    },
  };
}
