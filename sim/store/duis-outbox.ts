/**
 * The durable DUIS outbox (sim/duis/outbox.ts `DuisOutbox`) in the DCC database file
 * (dcc-database.ts; table `duis_outbox`, migration 3 of sim/inventory/migrations.ts). Each call is
 * one transaction, committed with synchronous = FULL before it returns: an entry enqueued before the
 * synchronous DUIS answer leaves survives a SIGKILL and is delivered after a restart. Delivered
 * entries are kept with `delivered_at` (an audit trail of what the callback took).
 *
 * `SqliteCounterStore` keeps the DUIS Request ID counter floor per Business Originator in the same
 * file (table `duis_request_counters`; uint64 as decimal text), so a restarted service still refuses
 * a replayed request.
 */

import type { Eui64 } from '../../protocol/types.ts';
import { backoffMs, type DuisOutbox, type OutboxEntry, type OutboxKind } from '../duis/outbox.ts';
import type { OriginatorCounterStore } from '../duis/request-id.ts';
import { type Db, transaction } from './dcc-database.ts';

interface Row {
  id: number;
  kind: OutboxKind;
  request_id: string | null;
  body: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

const entryOf = (r: Row): OutboxEntry => ({
  id: r.id,
  kind: r.kind,
  requestId: r.request_id,
  body: r.body,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
});

export class SqliteDuisOutbox implements DuisOutbox {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
  }
  enqueue(e: { kind: OutboxKind; requestId: string | null; body: string }, now: number): number {
    const r = this.#db
      .prepare(
        'INSERT INTO duis_outbox (created_at, kind, request_id, body, next_attempt_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(now, e.kind, e.requestId, e.body, now);
    return Number(r.lastInsertRowid);
  }
  due(now: number, limit = 100): OutboxEntry[] {
    return (
      this.#db
        .prepare(
          'SELECT * FROM duis_outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?',
        )
        .all(now, limit) as Row[]
    ).map(entryOf);
  }
  delivered(id: number, now: number): void {
    this.#db
      .prepare('UPDATE duis_outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL')
      .run(now, id);
  }
  failed(id: number, now: number, error: string): void {
    const r = this.#db.prepare('SELECT attempts FROM duis_outbox WHERE id = ?').get(id) as
      | { attempts: number }
      | undefined;
    if (!r) return;
    const attempts = r.attempts + 1;
    this.#db
      .prepare('UPDATE duis_outbox SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?')
      .run(attempts, error.slice(0, 500), now + backoffMs(attempts), id);
  }
  pending(): number {
    return (
      this.#db.prepare('SELECT count(*) AS n FROM duis_outbox WHERE delivered_at IS NULL').get() as {
        n: number;
      }
    ).n;
  }
  nextDueAt(): number | null {
    const r = this.#db
      .prepare('SELECT min(next_attempt_at) AS t FROM duis_outbox WHERE delivered_at IS NULL')
      .get() as { t: number | null };
    return r.t;
  }
}

export class SqliteCounterStore implements OriginatorCounterStore {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
  }
  last(originator: Eui64): bigint | undefined {
    const r = this.#db
      .prepare('SELECT last_counter FROM duis_request_counters WHERE originator = ?')
      .get(originator) as { last_counter: string } | undefined;
    return r ? BigInt(r.last_counter) : undefined;
  }
  isFresh(originator: Eui64, counter: bigint): boolean {
    const last = this.last(originator);
    return last === undefined || counter > last;
  }
  accept(originator: Eui64, counter: bigint): boolean {
    return transaction(this.#db, () => {
      if (!this.isFresh(originator, counter)) return false;
      this.#db
        .prepare(
          'INSERT INTO duis_request_counters (originator, last_counter) VALUES (?, ?) ON CONFLICT(originator) DO UPDATE SET last_counter = excluded.last_counter',
        )
        .run(originator, counter.toString());
      return true;
    });
  }
}
