/**
 * The web console's server (app/console.ts) without a browser: loopback by default, only the
 * page's files, bounded bodies, typed errors for bad commands, the command reaching the device,
 * Server-Sent Events, and the time series of virtual days.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleEvent,
  ConsoleHub,
  premisesConsole,
  type RunningConsole,
  startConsoleServer,
} from '../../app/console.ts';
import { createCrypto } from '../../protocol/crypto/index.ts';
import { BIN } from '../fixtures/tty.ts';

const crypto = createCrypto('noble');

describe('console server', () => {
  const hub = new ConsoleHub();
  const backend = premisesConsole({ seed: '1', crypto, hub });
  let c: RunningConsole;
  beforeAll(async () => {
    c = await startConsoleServer({ backend, hub, port: 0 });
  });
  afterAll(async () => {
    await c.close();
  });
  /** A request as the page makes it: Host names the console. */
  const inject = (r: InjectOptions) =>
    c.app.inject({ ...r, headers: { host: new URL(c.url).host, ...r.headers } });

  it('listens on 127.0.0.1 unless told otherwise, and serves the page with uPlot', async () => {
    expect(c.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<script type="module" src="/ui/console.js">');
    const uplot = await inject({ method: 'GET', url: '/vendor/uplot.js' });
    expect(uplot.statusCode).toBe(200);
    expect(uplot.body).toContain('export { uPlot as default }');
  });

  it('serves nothing else from disk', async () => {
    for (const url of [
      '/ui/../package.json',
      '/package.json',
      '/ui/',
      '/vendor/../../README.md',
      '/node_modules/uplot/package.json',
    ])
      expect((await inject({ method: 'GET', url })).statusCode, url).toBe(404);
  });

  it('a command reaches the device: its anti-replay floor rises to the counter, the trace shows command and response', async () => {
    const events: ConsoleEvent[] = [];
    const off = hub.subscribe((e) => events.push(e));
    const r = await inject({
      method: 'POST',
      url: '/api/command',
      payload: { device: 'esme', from: 'supplier', payload: { default: 6 } },
    });
    off();
    expect(r.statusCode).toBe(200);
    const obs = r.json();
    expect(obs).toMatchObject({
      useCase: 'ECS52',
      accepted: true,
      responseVerified: true,
      result: 'success',
    });
    const esme = backend.devices().find((d) => d.deviceType === 'ESME')!;
    expect(esme.antiReplay['2']).toBe(obs.counter);
    const trace = events
      .filter((e) => e.type === 'trace')
      .map((e) => (e as Extract<ConsoleEvent, { type: 'trace' }>).entry);
    expect(trace.map((t) => t.direction)).toEqual(['command', 'response']);
    expect(trace[1]!.decoded).toMatchObject({
      ok: true,
      mac: 'valid',
      header: { craFlag: 2, useCase: 'ECS52' },
    });
    expect(events.some((e) => e.type === 'devices')).toBe(true);
  });

  it('bad commands are 400 with a stable code; bodies over 16 KiB are refused (413)', async () => {
    const bad = await inject({
      method: 'POST',
      url: '/api/command',
      payload: { device: 'toaster', from: 'supplier', payload: '00' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'BAD_SCENARIO' });
    const unknown = await inject({
      method: 'POST',
      url: '/api/command',
      payload: { device: 'esme', op: 'x' },
    });
    expect(unknown.json().error.message).toBe('command: unknown key op');
    const big = await inject({
      method: 'POST',
      url: '/api/command',
      payload: { device: 'esme', from: 'supplier', messageCode: 'ECS52', payload: 'aa'.repeat(9000) },
    });
    expect(big.statusCode).toBe(413);
    const notJson = await inject({
      method: 'POST',
      url: '/api/command',
      headers: { 'content-type': 'application/json' },
      payload: '{',
    });
    expect(notJson.statusCode).toBe(400);
  });

  it('advance: virtual days give the consumption profile and the credit series', async () => {
    const before = hub.series.length;
    const r = await inject({ method: 'POST', url: '/api/advance', payload: { ms: 86_400_000 } });
    expect(r.statusCode).toBe(200);
    const points = hub.series.slice(before);
    // One half-hour profile entry per half hour, and a credit sample per half hour.
    expect(points.filter((p) => p.importWh !== undefined)).toHaveLength(48);
    expect(points.filter((p) => p.creditPence !== undefined)).toHaveLength(48);
    const bad = await inject({ method: 'POST', url: '/api/advance', payload: { ms: -1 } });
    expect(bad.statusCode).toBe(400);
  });

  it('SSE: /api/events streams published events', async () => {
    const res = await fetch(`${c.url}/api/events`);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain(': gbcs-sim console');
    hub.publish({
      type: 'drill',
      drill: { id: 'd1', name: 'drill', phase: 'notify', step: 1, steps: 4, status: 'running', at: 0 },
    });
    const next = new TextDecoder().decode((await reader.read()).value);
    expect(next).toBe(
      `data: ${JSON.stringify({ type: 'drill', drill: { id: 'd1', name: 'drill', phase: 'notify', step: 1, steps: 4, status: 'running', at: 0 } })}\n\n`,
    );
    await reader.cancel();
  });

  it('DNS rebinding: a foreign Host is 421 (page, API, SSE) and the command does not run; a foreign Origin on a POST is 403', async () => {
    const state = async () => (await inject({ method: 'GET', url: '/api/state' })).body;
    const before = await state();
    const evil = { host: 'evil.example', origin: 'http://evil.example' };
    const post = await inject({
      method: 'POST',
      url: '/api/command',
      headers: evil,
      payload: { device: 'esme', from: 'supplier', payload: { default: 5 } },
    });
    expect(post.statusCode).toBe(421);
    expect(post.json()).toMatchObject({ error: { code: 'HOST_NOT_ALLOWED' } });
    for (const url of ['/', '/api/state', '/api/events', '/api/timelines'])
      expect(
        (await inject({ method: 'GET', url, headers: { host: `evil.example:${new URL(c.url).port}` } }))
          .statusCode,
        url,
      ).toBe(421);
    // The right Host but another site's Origin: a cross-site POST.
    const cross = await inject({
      method: 'POST',
      url: '/api/advance',
      headers: { origin: 'http://evil.example' },
      payload: { ms: 1000 },
    });
    expect(cross.statusCode).toBe(403);
    expect(cross.json()).toMatchObject({ error: { code: 'ORIGIN_NOT_ALLOWED' } });
    expect(await state()).toBe(before);
    // The console's own origin, by any loopback name it answers to, passes.
    const port = new URL(c.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const ok = await inject({
        method: 'POST',
        url: '/api/advance',
        headers: { host, origin: `http://${host}` },
        payload: { ms: 1 },
      });
      expect(ok.statusCode, host).toBe(200);
    }
    // Another port on a loopback name is another server.
    expect((await inject({ method: 'GET', url: '/', headers: { host: '127.0.0.1:1' } })).statusCode).toBe(
      421,
    );
  });

  it('DNS rebinding over the socket: the finding request (Host evil.example) is refused, the page one is served', async () => {
    const { request } = await import('node:http');
    const send = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const u = new URL(`${c.url}/api/command`);
        const req = request(
          { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ device: 'esme', from: 'supplier', payload: { default: 5 } }));
      });
    const before = (await inject({ method: 'GET', url: '/api/state' })).body;
    expect(
      await send({ host: 'evil.example', origin: 'http://evil.example', 'content-type': 'application/json' }),
    ).toBe(421);
    expect((await inject({ method: 'GET', url: '/api/state' })).body).toBe(before);
    expect(await send({ host: new URL(c.url).host, origin: c.url, 'content-type': 'application/json' })).toBe(
      200,
    );
  });
});

describe('console and serve --http on the command line', () => {
  const cliEnv = { ...process.env };
  /** Starts the CLI, waits for its `listening` JSON line, returns it and the child. */
  async function start(args: string[]) {
    const child = spawn(BIN, args, { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.includes('"listening"'));
        if (line) resolve(JSON.parse(line));
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const stop = () =>
      new Promise<number | null>((resolve) => {
        child.on('exit', (code) => resolve(code));
        child.kill('SIGINT');
      });
    return { listening, stop, stderr: () => err };
  }

  it('serve --http PORT: the page of the served premises; a command posted there is answered by serve', async () => {
    const s = await start(['serve', '--tcp', '0', '--ephemeral', '--http', '0', '--json']);
    try {
      const url = String(s.listening.http);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const page = await fetch(url);
      expect(await page.text()).toContain('gbcs-sim console');
      const r = await fetch(`${url}/api/command`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ device: 'esme', from: 'supplier', payload: { default: 6 } }),
      });
      expect(await r.json()).toMatchObject({ useCase: 'ECS52', responseVerified: true, result: 'success' });
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('console: a port in use or not a port is a usage error (exit 2, one line)', async () => {
    const s = await start(['console', '--port', '0']);
    const port = new URL(String(s.listening.url)).port;
    try {
      const busy = spawnSync(BIN, ['console', '--port', port], { encoding: 'utf8' });
      expect(busy.status).toBe(2);
      expect(busy.stderr).toBe(`gbcs-sim: console: cannot listen on 127.0.0.1:${port}: EADDRINUSE\n`);
      const bad = spawnSync(BIN, ['console', '--port', 'http'], { encoding: 'utf8' });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toBe('gbcs-sim: --port: a port 0..65535\n');
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('console --db: a missing file or one that is not a DCC database is a usage error at start-up (exit 2, one line)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-console-baddb-'));
    try {
      const missing = join(dir, 'missing.db');
      const json = join(dir, 'dcc.json');
      writeFileSync(json, '{}\n');
      // timeout: before the fix the console started and served until killed.
      const none = spawnSync(BIN, ['console', '--port', '0', '--db', missing], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(none.status).toBe(2);
      expect(none.stderr).toBe(
        `gbcs-sim: DB_NOT_FOUND: no database at ${missing} (create one with inventory add or ch order)\n`,
      );
      expect(existsSync(missing)).toBe(false);
      const foreign = spawnSync(BIN, ['console', '--port', '0', '--db', json], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(foreign.status).toBe(2);
      expect(foreign.stderr).toBe(`gbcs-sim: DB_INVALID: ${json} is not an SQLite database\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('console timelines of a DCC database', () => {
  it('--db: the SMI and CH histories of every device and hub, in time order; none without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-console-db-'));
    try {
      const db = join(dir, 'dcc.db');
      const sim = spawnSync(BIN, ['ch', 'simulate', '--db', db, '--hubs', '2', '--days', '40', '--json'], {
        encoding: 'utf8',
      });
      expect(sim.status).toBe(0);
      // What the estate simulation reported changing, per kind.
      const changes = sim.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((c) => c.change);
      const hub = new ConsoleHub();
      const c = await startConsoleServer({
        backend: premisesConsole({ seed: '1', crypto, hub }),
        hub,
        port: 0,
        db,
      });
      try {
        const t = (
          await c.app.inject({ method: 'GET', url: '/api/timelines', headers: { host: new URL(c.url).host } })
        ).json();
        expect(t.db).toBe(db);
        expect(t.hubs).toHaveLength(changes.filter((x) => x.change === 'chState').length);
        expect(t.inventory).toHaveLength(
          changes.filter((x) => x.change === 'smiStatus' && x.to !== null).length,
        );
        for (const list of [t.hubs, t.inventory])
          expect(list.map((e: { at: number }) => e.at)).toEqual(
            [...list.map((e: { at: number }) => e.at)].sort((a, b) => a - b),
          );
      } finally {
        await c.close();
      }
      const none = new ConsoleHub();
      const d = await startConsoleServer({
        backend: premisesConsole({ seed: '1', crypto, hub: none }),
        hub: none,
        port: 0,
      });
      try {
        expect(
          (
            await d.app.inject({
              method: 'GET',
              url: '/api/timelines',
              headers: { host: new URL(d.url).host },
            })
          ).json(),
        ).toEqual({
          db: null,
          inventory: [],
          hubs: [],
        });
      } finally {
        await d.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
