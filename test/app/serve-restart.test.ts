/**
 * `serve` killed with SIGKILL at 20 random moments while `bridge` drives it, each time restarted on
 * the same `--state` folder (issue 8, "Done when"): every command the bridge got an answer to before
 * a kill is sent again, byte for byte, to the restarted serve — and each is refused REPLAY. How a
 * client observes the refusal: serve answers no rejected command (like a device), so the test reads
 * serve's `--json` event log, where each command ends as one `command` event with `accepted` and
 * `reason`. Across all the runs of serve, no command (device, Originator Counter, Message Code) is
 * ever accepted twice.
 *
 * Real processes over TCP (no socat needed): `./bin/gbcs-sim serve --tcp PORT --state DIR` and
 * `./bin/gbcs-sim bridge --tcp … --trace FILE --json`; the resends go on a connection of their own.
 * The kill moments come from a seeded generator (the seed is in the test name), so a failure can be
 * replayed.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createFraming } from '../../hw/framing/index.ts';
import { TcpLink } from '../../hw/links/tcp.ts';
import { FramedTransport } from '../../hw/transport.ts';
import { fromHex } from '../../protocol/bytes.ts';
import { mulberry32 } from '../../sim/fleet/shard.ts';
import { type Cli, parse, Rig } from '../fixtures/pty.ts';

const rig = new Rig();
afterEach(() => rig.cleanup());
afterAll(() => rig.dispose());

const KILLS = 20;
const SEED = 0x8c0ffee;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const key = (device: string, counter: string, messageCode: number) => `${device}/${counter}/${messageCode}`;

describe('serve killed with SIGKILL mid-run, restarted on the same --state', () => {
  it(`${KILLS} kills at random moments (seed ${SEED.toString(16)}): every answered command is refused REPLAY on resend`, async () => {
    const random = mulberry32(SEED);
    const port = await freePort();
    const state = rig.path('state');
    const trace = rig.path('trace.jsonl');
    const serveArgs = [
      'serve',
      '--tcp',
      String(port),
      '--framing',
      'binary',
      '--state',
      state,
      '--gsme-poll-ms',
      '0',
      // The resends of a round go out in one burst of up to a few hundred frames.
      '--rate-limit',
      '0',
      '--json',
    ];
    const serves: Cli[] = [];
    const startServe = async (): Promise<Cli> => {
      const s = rig.cli(serveArgs);
      serves.push(s);
      await s.waitLine((l) => l.includes('"listening"'), 30_000);
      return s;
    };
    // A long scenario, paced so that it is still running at the last kill.
    const scenario = rig.path('long.json');
    const steps = Array.from({ length: 40 }, () =>
      Array.from({ length: 12 }, (_, i) => [{ default: i + 1 }, { wait: 15 }]).flat(),
    ).flat();
    writeFileSync(scenario, JSON.stringify({ steps }));

    let serve = await startServe();
    const bridge = rig.cli([
      'bridge',
      '--tcp',
      `127.0.0.1:${port}`,
      '--framing',
      'binary',
      '--scenario',
      scenario,
      // A command executed by a serve killed before its response left is refused REPLAY on every
      // retransmission (no answer): keep the wait for it short.
      '--timeout-ms',
      '400',
      '--retries',
      '3',
      '--give-up-ms',
      '60000',
      '--json',
      '--trace',
      trace,
    ]);

    /** Commands the bridge got a response to so far, with the bytes it sent (from the trace). */
    const answeredSoFar = async (): Promise<Map<string, Uint8Array>> => {
      const sent = new Map<string, Uint8Array>();
      for (const line of (await readFile(trace, 'utf8')).split('\n')) {
        let e: Record<string, any>;
        try {
          e = parse(line);
        } catch {
          continue; // the line being written
        }
        const h = e.decoded?.header;
        if (e.dir === 'out' && e.channel === 'gbcs' && h?.craFlag === 1)
          sent.set(key(h.recipientId, h.originatorCounter, h.messageCode), fromHex(e.hex));
      }
      const out = new Map<string, Uint8Array>();
      for (const l of bridge.lines.map(parse)) {
        if (l.status !== 'answered') continue;
        const k = key(l.recipientId, l.counter, l.messageCode);
        const bytes = sent.get(k);
        if (bytes) out.set(k, bytes);
      }
      return out;
    };

    /** Sends every command of `commands` to the running serve; returns its final event for each. */
    const resend = async (s: Cli, commands: Map<string, Uint8Array>) => {
      const t = new FramedTransport(new TcpLink({ host: '127.0.0.1', port }), createFraming('binary'));
      await t.open();
      const from = s.lines.length;
      const finalFor = () => {
        const got = new Map<string, Record<string, any>>();
        for (const l of s.lines.slice(from).map(parse))
          if (l.event === 'command' && !l.queued) got.set(key(l.device, l.counter, l.messageCode), l);
        return got;
      };
      try {
        for (const bytes of commands.values()) await t.send({ channel: 'gbcs', payload: bytes });
        const end = Date.now() + 30_000;
        while (![...commands.keys()].every((k) => finalFor().has(k))) {
          if (Date.now() > end) throw new Error(`no outcome for some resent commands; stderr: ${s.stderr()}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        await t.close();
      }
      return finalFor();
    };

    let checked = 0;
    for (let k = 1; k <= KILLS; k++) {
      // A moment during the run: once the bridge has got on with this serve, a random delay more.
      const progress = bridge.lines.length;
      await bridge.waitLine((_l) => bridge.lines.length > progress, 30_000);
      await new Promise((r) => setTimeout(r, random() * 400));
      serve.child.kill('SIGKILL');
      await serve.exited;
      const answered = await answeredSoFar();
      serve = await startServe();
      const got = await resend(serve, answered);
      for (const [c] of answered)
        expect([c, got.get(c)?.accepted, got.get(c)?.reason]).toEqual([c, false, 'REPLAY']);
      checked += answered.size;
    }
    bridge.child.kill('SIGINT');
    await bridge.exited;
    await serve.stop();

    // The bridge made progress between kills, and the rounds resent what it had.
    const finalAnswered = bridge.lines.map(parse).filter((l) => l.status === 'answered').length;
    expect(finalAnswered).toBeGreaterThan(KILLS);
    expect(checked).toBeGreaterThan(KILLS * 10);
    // Across every run of serve: no command accepted twice (a retransmission answered from the
    // cache says `duplicate`; a GSME command's `queued` notice is not its outcome).
    const accepted = new Map<string, number>();
    for (const s of serves)
      for (const l of s.lines.map(parse))
        if (l.event === 'command' && l.accepted && !l.duplicate && !l.queued) {
          const c = key(l.device, l.counter, l.messageCode);
          accepted.set(c, (accepted.get(c) ?? 0) + 1);
        }
    expect([...accepted].filter(([, n]) => n > 1)).toEqual([]);
  }, 240_000);
});
