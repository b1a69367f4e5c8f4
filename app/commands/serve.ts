import type { FramingName } from '../../hw/framing/index.ts';
import { portKind, whyLive } from '../../hw/live-target.ts';
import { clearStalePtyPair } from '../../hw/pty.ts';
import { openErrorReporter } from '../../hw/reconnect.ts';
import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import { DEFAULT_PREMISES } from '../../sim/premises/premises.ts';
import { defaultStateDir, memoryState, openStateDir } from '../../sim/store/state-dir.ts';
import { serveTestKeyVerdict } from '../bridge/test-key-guard.ts';
import { EXIT_OK, loadFaultsFile, out, UsageError } from '../cli-io.ts';
import { ConsoleHub, type RunningConsole, servedConsole, startConsoleServer } from '../console.ts';
import { type ServeEndpoint, type ServeEvent, startServe } from '../serve.ts';

export interface ServeFlags {
  pty?: string;
  serial?: string;
  tcp?: string;
  host: string;
  baud?: string;
  framing: FramingName;
  seed: string;
  allowTestKeys?: boolean;
  gsmePollMs: string;
  blockLimit: string;
  maxPayload?: string;
  json?: boolean;
  faults?: string;
  crypto: CryptoBackendName;
  state?: string;
  ephemeral?: boolean;
  control?: boolean;
  maxConnections: string;
  rateLimit: string;
  http?: string;
}

export const int = (flag: string, v: string, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag}: an integer ${min}..${max}`);
  return n;
};

export function describe(e: ServeEvent): string {
  switch (e.event) {
    case 'command':
      return `command ${e.device ?? '?'} 0x${(e.messageCode ?? 0).toString(16).padStart(4, '0')} counter ${e.counter ?? '?'}: ${
        e.accepted
          ? e.duplicate
            ? 'retransmission'
            : e.queued
              ? 'queued for the GSME'
              : 'answered'
          : `REJECTED ${e.reason}`
      }${e.detail && !e.accepted ? ` (${e.detail})` : ''}`;
    case 'control':
      return `control ${e.op}: ${e.ok ? 'ok' : e.code}`;
    case 'frame-error':
      return `frame error ${e.code}${e.link ? ` on ${e.link}` : ''}: ${e.message}`;
    case 'link':
      return `link ${e.description}: ${e.state}${e.error ? ` (${e.error})` : ''}`;
    case 'limit':
      return `limit ${e.limit} on ${e.link}: ${e.count} refused`;
    case 'internal-error':
      return `internal error: ${e.message}`;
  }
}

export const serveAction = async (o: ServeFlags) => {
  const given = [o.pty, o.serial, o.tcp].filter((x) => x !== undefined).length;
  if (given !== 1) throw new UsageError('serve: give exactly one of --pty PATH, --serial PATH, --tcp PORT');
  const endpoint: ServeEndpoint =
    o.pty !== undefined
      ? { kind: 'pty', path: o.pty }
      : o.serial !== undefined
        ? o.baud === undefined
          ? { kind: 'serial', path: o.serial }
          : { kind: 'serial', path: o.serial, baudRate: int('--baud', o.baud, 50, 4_000_000) }
        : { kind: 'tcp', port: int('--tcp', o.tcp!, 0, 65535), host: o.host };
  if (o.state !== undefined && o.ephemeral)
    throw new UsageError('serve: --state and --ephemeral exclude each other');
  // Test keys stay off live lines (the rule bridge follows): a serial port that is not a
  // pseudo-terminal may be a real line; a missing path is left to the open, which reports it.
  if (o.serial !== undefined && portKind(o.serial) !== 'missing') {
    const v = serveTestKeyVerdict({
      live: whyLive({ path: o.serial }, '--serial'),
      seed: o.seed,
      allow: o.allowTestKeys ?? false,
    });
    if (v && 'refuse' in v) throw new UsageError(`serve: ${v.refuse}`);
    if (v) process.stderr.write(`gbcs-sim serve: ${v.warn}\n`);
  }
  // A pty pair left by a serve that was killed (SIGKILL): removed when its socat is gone, refused
  // while that socat still holds it (opening PATH would take the lab software's end).
  if (o.pty !== undefined) {
    const left = clearStalePtyPair(o.pty);
    if (left && 'heldBy' in left)
      throw new UsageError(
        left.heldBy === null
          ? `serve: ${o.pty} and ${o.pty}.serve are a pty pair still in use (another serve, or a socat left by one); stop it, or remove both links`
          : `serve: ${o.pty} is a pty pair held by socat pid ${left.heldBy} (another serve, or left by one killed); stop it with: kill ${left.heldBy}`,
      );
    if (left) process.stderr.write(`gbcs-sim serve: removed stale pty links ${left.removed.join(', ')}\n`);
  }
  const limits = {
    maxConnections: int('--max-connections', o.maxConnections, 1, 65_535),
    framesPerSecond: int('--rate-limit', o.rateLimit, 0, 1_000_000),
  };
  const faults = o.faults ? loadFaultsFile(o.faults) : undefined;
  const gsmePollMs = int('--gsme-poll-ms', o.gsmePollMs, 0, 86_400_000);
  const blockLimit = int('--block-limit', o.blockLimit, 128, 65_535);
  const maxPayload = o.maxPayload === undefined ? undefined : int('--max-payload', o.maxPayload, 1, 65_535);
  const json = o.json ?? false;
  const httpPort = o.http === undefined ? undefined : int('--http', o.http, 0, 65_535);
  // The web console (`--http`): fed serve's events, its commands through a link of serve.
  let consoleBackend: ReturnType<typeof servedConsole> | null = null;
  // Durable device state (issue 8 finding 3): the folder is locked while serve runs.
  const state = o.ephemeral
    ? memoryState()
    : openStateDir(o.state ?? defaultStateDir(o.seed), {
        kind: 'serve',
        seed: o.seed,
        premises: DEFAULT_PREMISES,
      });
  const openError = openErrorReporter(`gbcs-sim serve: ${o.pty ?? o.serial}`, (l) =>
    process.stderr.write(`${l}\n`),
  );
  const running = await startServe({
    state,
    control: o.control ?? false,
    limits,
    endpoint,
    framing: o.framing,
    seed: o.seed,
    crypto: createCrypto(o.crypto),
    gsmePollMs,
    blockLimit,
    ...(maxPayload !== undefined ? { maxPayload } : {}),
    onEvent: (e) => {
      if (json) out(JSON.stringify(e));
      else out(describe(e));
      consoleBackend?.onServeEvent(e);
    },
    onOpenError: (_d, e, attempt, retryInMs) => openError(e, attempt, retryInMs),
    ...(faults ? { faults } : {}),
  }).catch((e) => {
    state.close();
    throw e;
  });
  let web: RunningConsole | null = null;
  if (httpPort !== undefined) {
    const hub = new ConsoleHub();
    consoleBackend = servedConsole({
      served: running.served,
      seed: o.seed,
      crypto: createCrypto(o.crypto),
      hub,
    });
    web = await startConsoleServer({ backend: consoleBackend, hub, port: httpPort }).catch(async (e) => {
      await running.stop();
      state.close();
      throw new UsageError(
        `--http: cannot listen on 127.0.0.1:${httpPort}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      );
    });
    process.stderr.write(`gbcs-sim serve: web console on ${web.url}\n`);
  }
  const ready = {
    event: 'listening',
    where: running.where,
    ...(running.ownEnd ? { ownEnd: running.ownEnd } : {}),
    framing: o.framing,
    seed: o.seed,
    state: state.dir,
    control: o.control ?? false,
    ...(web ? { http: web.url } : {}),
  };
  if (json) out(JSON.stringify(ready));
  process.stderr.write(
    `gbcs-sim serve: virtual premises on ${running.where} (${o.framing}, seed ${JSON.stringify(o.seed)}; state ${state.dir ?? 'in memory'}${o.control ? '; control channel ON (lab only)' : ''}); Ctrl-C stops\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await web?.close();
  await running.stop();
  state.close();
  const summary = { ...running.served.counts };
  if (json) out(JSON.stringify({ summary }));
  else out(`summary: ${JSON.stringify(summary)}`);
  process.exitCode = EXIT_OK;
};
