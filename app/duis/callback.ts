/**
 * Delivery of the DUIS outbox (sim/duis/outbox.ts) to the user's callback URL, as DCC Boxed POSTs
 * device responses and alerts: `POST URL`, `content-type: application/xml`, the signed DUIS message
 * as body. A 2xx answer takes the entry out; anything else (refused connection, timeout, non-2xx)
 * counts a failed attempt and the entry waits its backoff (1 s, 2 s, 4 s … 60 s) — it is never
 * dropped. One POST at a time, the oldest due entry first.
 */
import type { Clock } from '../../sim/clock.ts';
import type { DuisOutbox, OutboxEntry } from '../../sim/duis/outbox.ts';

export interface CallbackDeliveryOptions {
  outbox: DuisOutbox;
  /** The callback URL; without one entries wait in the outbox (reported by `onEvent`). */
  url?: string;
  clock: Clock;
  /** Per-POST time limit (ms, default 10 s). */
  timeoutMs?: number;
  onEvent?: (e: { kind: 'delivered' | 'failed'; entry: OutboxEntry; detail: string }) => void;
}

export interface CallbackDelivery {
  /** New entries are in the outbox: deliver now. */
  wake(): void;
  /** Resolves once nothing is due now (for tests). */
  idle(): Promise<void>;
  stop(): void;
}

/** Starts delivering; due entries left from an earlier run go out at once. */
export function startCallbackDelivery(o: CallbackDeliveryOptions): CallbackDelivery {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let stopped = false;
  let again = false;

  const post = async (e: OutboxEntry): Promise<string | null> => {
    try {
      const r = await fetch(o.url!, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: e.body,
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
      await r.arrayBuffer().catch(() => undefined);
      return r.ok ? null : `HTTP ${r.status}`;
    } catch (err) {
      const c = (err as { cause?: { code?: string } }).cause?.code;
      return c ?? (err as Error).message;
    }
  };

  const schedule = () => {
    if (stopped || !o.url) return;
    clearTimeout(timer);
    const next = o.outbox.nextDueAt();
    if (next === null) return;
    timer = setTimeout(run, Math.max(0, Math.min(next - o.clock.now(), 60_000)));
    timer.unref?.();
  };

  const pass = async () => {
    do {
      again = false;
      for (;;) {
        if (stopped) return;
        const [e] = o.outbox.due(o.clock.now(), 1);
        if (!e) break;
        const error = await post(e);
        if (error === null) {
          o.outbox.delivered(e.id, o.clock.now());
          o.onEvent?.({ kind: 'delivered', entry: e, detail: o.url! });
        } else {
          o.outbox.failed(e.id, o.clock.now(), error);
          o.onEvent?.({ kind: 'failed', entry: e, detail: error });
          break; // wait for the next due time
        }
      }
    } while (again);
  };

  function run(): void {
    if (stopped || !o.url) return;
    if (running) {
      again = true;
      return;
    }
    running = pass().finally(() => {
      running = null;
      schedule();
    });
  }

  run();
  return {
    wake: run,
    idle: async () => {
      while (running) await running;
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
