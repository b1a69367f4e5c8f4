/**
 * The DUIS outbox: signed DUIS messages (device responses, Device Alerts, DCC Alerts) waiting for
 * the user's callback. An entry leaves only when the callback took it (HTTP 2xx); each failure
 * reschedules it with exponential backoff (`backoffMs`), so nothing is dropped silently. Two stores:
 * `MemoryOutbox` here, and the durable one in the DCC database file (sim/store/duis-outbox.ts),
 * written before the synchronous answer leaves, so a killed server delivers after a restart.
 */

/** What the entry carries: a Response to a request, a DeviceAlertMessage, a DCCAlertMessage. */
export type OutboxKind = 'response' | 'device-alert' | 'dcc-alert';

export interface OutboxEntry {
  id: number;
  kind: OutboxKind;
  /** The Request ID the entry answers (null for alerts not caused by a request). */
  requestId: string | null;
  /** The signed DUIS XML. */
  body: string;
  /** Delivery attempts so far. */
  attempts: number;
  /** When the next attempt is due (ms since the epoch). */
  nextAttemptAt: number;
  lastError: string | null;
}

export interface DuisOutbox {
  /** Stores a message for delivery, due at once. Returns its id. */
  enqueue(e: { kind: OutboxKind; requestId: string | null; body: string }, now: number): number;
  /** Undelivered entries due at `now`, oldest first. */
  due(now: number, limit?: number): OutboxEntry[];
  /** The callback took it. */
  delivered(id: number, now: number): void;
  /** The attempt failed: count it and reschedule by `backoffMs`. */
  failed(id: number, now: number, error: string): void;
  /** Undelivered entries. */
  pending(): number;
  /** When the earliest undelivered entry is due, or null when none waits. */
  nextDueAt(): number | null;
}

/** Backoff before attempt n+1 after n failures: 1 s, 2 s, 4 s … capped at 60 s [assumed: DUIS states no retry policy]. */
export function backoffMs(failures: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, failures - 1));
}

/** An outbox in memory (tests, and `duis serve` without `--db`). */
export class MemoryOutbox implements DuisOutbox {
  readonly #entries = new Map<number, OutboxEntry>();
  #next = 1;
  enqueue(e: { kind: OutboxKind; requestId: string | null; body: string }, now: number): number {
    const id = this.#next++;
    this.#entries.set(id, { id, ...e, attempts: 0, nextAttemptAt: now, lastError: null });
    return id;
  }
  due(now: number, limit = 100): OutboxEntry[] {
    return [...this.#entries.values()]
      .filter((e) => e.nextAttemptAt <= now)
      .slice(0, limit)
      .map((e) => ({ ...e }));
  }
  delivered(id: number): void {
    this.#entries.delete(id);
  }
  failed(id: number, now: number, error: string): void {
    const e = this.#entries.get(id);
    if (!e) return;
    e.attempts++;
    e.lastError = error;
    e.nextAttemptAt = now + backoffMs(e.attempts);
  }
  pending(): number {
    return this.#entries.size;
  }
  nextDueAt(): number | null {
    let min: number | null = null;
    for (const e of this.#entries.values()) if (min === null || e.nextAttemptAt < min) min = e.nextAttemptAt;
    return min;
  }
}
