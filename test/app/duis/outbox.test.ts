/**
 * The DUIS outbox and its delivery to the callback (sim/duis/outbox.ts, sim/store/duis-outbox.ts,
 * app/duis/callback.ts): backoff, retries while the callback is down, and a server killed with
 * SIGKILL holding an undelivered response delivers it after a restart on the same --db.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startCallbackDelivery } from '../../../app/duis/callback.ts';
import { type DuisServe, startDuisServe } from '../../../app/duis/duis.ts';
import { WallClock } from '../../../sim/clock.ts';
import { backoffMs, MemoryOutbox } from '../../../sim/duis/outbox.ts';
import { openDccDatabase } from '../../../sim/store/dcc-database.ts';
import { SqliteCounterStore, SqliteDuisOutbox } from '../../../sim/store/duis-outbox.ts';
import {
  crypto,
  describeDuis,
  dspSigned,
  signedRequest,
  stopChild,
  template,
  zaz1Keystore,
} from '../../fixtures/duis.ts';
import { BIN, ROOT } from '../../fixtures/paths.ts';
import { SHARED_DIR } from '../../fixtures/shared.ts';
import { tmpDir } from '../../fixtures/sqlite.ts';

const KEYSTORE = `${SHARED_DIR}/vectors/smartdcc-dccboxed-keystore.zaz1.json`;
const ESME0 = 'D0-00-00-00-00-00-00-03';
const SUPPLIER = '90-B3-D5-1F-30-01-00-00';

/** A callback receiver on `port` (0: any) that records the bodies POSTed to it. */
async function receiver(
  port = 0,
): Promise<{ server: Server; port: number; bodies: string[]; next(): Promise<string> }> {
  const bodies: string[] = [];
  const waiting: Array<(b: string) => void> = [];
  const server = createServer((req: IncomingMessage, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      bodies.push(b);
      res.writeHead(200).end();
      waiting.shift()?.(b);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    bodies,
    next: () => (bodies.length ? Promise.resolve(bodies.shift()!) : new Promise((r) => waiting.push(r))),
  };
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const request = (counter: number) =>
  signedRequest(template('ECS52_11.2_SUCCESS_REQUEST_DUIS.XML'), {
    requestId: `${SUPPLIER}:${ESME0}:${counter}`,
  });

describe('outbox stores', () => {
  it('backoff: 1 s, 2 s, 4 s … capped at 60 s', () => {
    expect([1, 2, 3, 4, 6, 7, 20].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 32000, 60000, 60000]);
  });

  it('memory and SQLite outboxes agree: due, failed (rescheduled by backoff), delivered; SQLite keeps delivered rows; the SQLite counter floor holds uint64', () => {
    const t = tmpDir();
    const db = openDccDatabase(t.file('dcc.db'));
    try {
      for (const box of [new MemoryOutbox(), new SqliteDuisOutbox(db)]) {
        const a = box.enqueue({ kind: 'response', requestId: 'r1', body: '<a/>' }, 1000);
        const b = box.enqueue({ kind: 'device-alert', requestId: null, body: '<b/>' }, 1000);
        expect(box.due(999)).toEqual([]);
        expect(box.due(1000).map((e) => e.id)).toEqual([a, b]);
        box.failed(a, 1000, 'ECONNREFUSED');
        box.failed(a, 2000, 'ECONNREFUSED');
        expect(box.due(3999).map((e) => e.id)).toEqual([b]);
        expect(box.due(4000)[0]).toMatchObject({
          id: a,
          attempts: 2,
          lastError: 'ECONNREFUSED',
          nextAttemptAt: 4000,
        });
        box.delivered(b, 1500);
        expect([box.pending(), box.nextDueAt()]).toEqual([1, 4000]);
        box.delivered(a, 5000);
        expect([box.pending(), box.nextDueAt()]).toEqual([0, null]);
      }
      expect(
        db.prepare('SELECT count(*) AS n FROM duis_outbox WHERE delivered_at IS NOT NULL').get(),
      ).toEqual({ n: 2 });
      const counters = new SqliteCounterStore(db);
      const sup = '90b3d51f30010000';
      expect([counters.accept(sup, 18446744073709551615n), counters.accept(sup, 5n)]).toEqual([true, false]);
      expect([counters.last(sup), counters.isFresh('90b3d51f30020000', 0n)]).toEqual([
        18446744073709551615n,
        true,
      ]);
    } finally {
      db.close();
      t.cleanup();
    }
  });
});

describeDuis('callback delivery', () => {
  let s: DuisServe | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('the callback is down: the response is retried with backoff, then delivered once it is up, DSP-signed', async () => {
    const port = await freePort();
    const events: string[] = [];
    s = await startDuisServe({
      keystore: zaz1Keystore(),
      clock: new WallClock(),
      crypto,
      port: 0,
      premises: { count: 1, seed: '1', callback: `http://127.0.0.1:${port}/cb` },
      onDelivery: (e) => events.push(`${e.kind} ${e.entry.attempts}`),
    });
    const r = await fetch(`${s.http.url}/api/v1/serviceS`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: request(Date.now()),
    });
    expect(r.status).toBe(200);
    await s.premises!.delivery.idle();
    expect(events[0]).toBe('failed 0');
    expect(s.premises!.outbox.pending()).toBe(1);
    const cb = await receiver(port);
    try {
      const body = await cb.next();
      dspSigned(body);
      expect(body).toContain('<sr:ResponseCode>I0</sr:ResponseCode>');
      await s.premises!.delivery.idle();
      expect(events.at(-1)).toMatch(/^delivered [1-9]/);
      expect(s.premises!.outbox.pending()).toBe(0);
    } finally {
      cb.server.close();
    }
  }, 30_000);

  it('delivery without a URL leaves entries waiting (never dropped)', async () => {
    const box = new MemoryOutbox();
    box.enqueue({ kind: 'response', requestId: null, body: '<a/>' }, 0);
    const d = startCallbackDelivery({ outbox: box, clock: new WallClock() });
    await d.idle();
    d.stop();
    expect(box.pending()).toBe(1);
  });
});

describeDuis('duis serve --db: SIGKILL with an undelivered response', () => {
  const t = tmpDir();
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    t.cleanup();
  });

  const serve = (callbackPort: number) => {
    const args = `duis serve --port 0 --premises 1 --json --keystore ${KEYSTORE} --db ${t.file('dcc.db')} --state ${t.file('state')}`;
    const child = spawn(BIN, [...args.split(' '), '--callback', `http://127.0.0.1:${callbackPort}/cb`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const lines: string[] = [];
    const waiters: Array<[(l: string) => boolean, (l: string) => void]> = [];
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        for (const w of [...waiters])
          if (w[0](l)) {
            waiters.splice(waiters.indexOf(w), 1);
            w[1](l);
          }
      }
    });
    const line = (pred: (l: string) => boolean) =>
      new Promise<string>((resolve, reject) => {
        const found = lines.find(pred);
        if (found) return resolve(found);
        waiters.push([pred, resolve]);
        child.once('exit', (c) => reject(new Error(`exited ${c}`)));
      });
    return { child, line };
  };

  it('the response stays in the file and is delivered after the restart', async () => {
    const port = await freePort();
    const first = serve(port);
    const { url } = JSON.parse(await first.line((l) => l.includes('"url"')));
    const counter = Date.now();
    const sent = request(counter);
    const r = await fetch(`${url}/api/v1/serviceS`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: sent,
    });
    expect(r.status).toBe(200);
    await first.line((l) => l.includes('"delivery":"failed"'));
    // The ESME stored its state (its floor for the Supplier's role) before the response left.
    const esmeFile = `${t.file('state')}/d000000000000003.json`;
    const floors = () => JSON.parse(readFileSync(esmeFile, 'utf8')).antiReplay as Record<string, string>;
    const floorAfterFirst = floors();
    expect(Object.keys(floorAfterFirst).length).toBeGreaterThan(0);
    await stopChild(first.child, 'SIGKILL');
    const cb = await receiver(port);
    try {
      const second = serve(port);
      const started = JSON.parse(await second.line((l) => l.includes('"url"')));
      expect(started.pending).toBe(1);
      // The restarted devices came from the state folder (the lock of the killed process taken over).
      expect(started.state).toBe(t.file('state'));
      expect(floors()).toEqual(floorAfterFirst);
      const body = await cb.next();
      dspSigned(body);
      expect(body).toContain(`<sr:RequestID>${SUPPLIER}:${ESME0}:${counter}</sr:RequestID>`);
      await second.line((l) => l.includes('"delivery":"delivered"'));
      // The Request ID counter floor survived too: the same request again is a replay
      const replay = await fetch(`${started.url}/api/v1/serviceS`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: sent,
      });
      expect([replay.status, replay.headers.get('x-gbcs-sim-refusal')]).toEqual([400, 'COUNTER_NOT_FRESH']);
      await stopChild(second.child);
    } finally {
      cb.server.close();
    }
  }, 60_000);
});
