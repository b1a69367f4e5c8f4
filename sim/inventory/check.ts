/**
 * The inventory's invariant check (`gbcs-sim inventory check`): what must hold in the database
 * after any sequence of operations, killed or not.
 *
 * - SQLite: `PRAGMA integrity_check` is ok and `PRAGMA foreign_key_check` finds nothing;
 * - every device is in exactly one SMI Status (one row, a known status), is Suspended exactly when
 *   it remembers the status to restore, and names a CHF that is a CHF;
 * - its history is one chain: it starts with the creating event (from nothing), each entry leaves
 *   the status the previous one reached, times never go backwards, and the last entry reaches the
 *   current status at `status_since`.
 */
import type { Db } from '../store/dcc-database.ts';

export interface CheckResult {
  problems: string[];
  counts: Record<string, number>;
}

const MAX_LISTED = 20;

/** Runs `sql` and reports each row it returns (they are violations) with `describe`. */
export function violations<T>(db: Db, sql: string, describe: (row: T) => string, out: string[]): void {
  const rows = db.prepare(sql).all() as T[];
  for (const r of rows.slice(0, MAX_LISTED)) out.push(describe(r));
  if (rows.length > MAX_LISTED) out.push(`… and ${rows.length - MAX_LISTED} more like the last`);
}

/** Names of a record table and its history table, for `checkHistory`. */
export interface HistoryShape {
  /** What a record is called in messages. */
  label: string;
  records: string;
  key: string;
  state: string;
  history: string;
  from: string;
  to: string;
  /** Events that may open a history (from nothing). */
  creating: readonly string[];
}

/**
 * A record's history is one chain: the first entry is a creating event from nothing, each next one
 * leaves the state the previous one reached, no entry is dated before the previous one, and the
 * last one reaches the record's current state.
 */
export function checkHistory(db: Db, h: HistoryShape, out: string[]): void {
  const creating = h.creating.map((e) => `'${e}'`).join(', ');
  violations<{ id: string; seq: number; why: string }>(
    db,
    `SELECT id, seq, CASE
        WHEN rn = 1 AND ${h.from} IS NOT NULL THEN 'the first entry does not create the record'
        WHEN rn = 1 THEN 'the first entry is ' || event
        WHEN ${h.from} IS NOT prev_to THEN 'leaves ' || ifnull(${h.from}, 'nothing') || ' but the previous entry reached ' || prev_to
        ELSE 'dated before the previous entry' END AS why
     FROM (SELECT ${h.key} AS id, seq, at, event, ${h.from},
             lag(${h.to}) OVER w AS prev_to, lag(at) OVER w AS prev_at, row_number() OVER w AS rn
           FROM ${h.history} WINDOW w AS (PARTITION BY ${h.key} ORDER BY seq))
     WHERE (rn = 1 AND (${h.from} IS NOT NULL OR event NOT IN (${creating})))
        OR (rn > 1 AND (${h.from} IS NOT prev_to OR at < prev_at))`,
    (r) => `${h.label} ${r.id}: history entry ${r.seq} ${r.why}`,
    out,
  );
  violations<{ id: string; state: string; last_to: string | null }>(
    db,
    `SELECT r.${h.key} AS id, r.${h.state} AS state, x.${h.to} AS last_to FROM ${h.records} r
     LEFT JOIN ${h.history} x ON x.seq = (SELECT max(seq) FROM ${h.history} WHERE ${h.key} = r.${h.key})
     WHERE x.${h.to} IS NOT r.${h.state}`,
    (r) => `${h.label} ${r.id}: ${r.state} but its history ends at ${r.last_to ?? '(no history)'}`,
    out,
  );
}

/** SQLite's own checks: page structure and foreign keys. */
export function checkSqlite(db: Db): string[] {
  const out: string[] = [];
  const integrity = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  if (integrity.length !== 1 || integrity[0]!.integrity_check !== 'ok')
    for (const r of integrity.slice(0, MAX_LISTED)) out.push(`integrity_check: ${r.integrity_check}`);
  const fk = db.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string }>;
  for (const r of fk.slice(0, MAX_LISTED))
    out.push(`foreign key: ${r.table} row ${r.rowid} names a missing ${r.parent}`);
  return out;
}

/** The Smart Metering Inventory's invariants. */
export function checkInventory(db: Db): CheckResult {
  const problems: string[] = [];
  violations<{ device_id: string; smi_status: string; previous_status: string | null }>(
    db,
    `SELECT device_id, smi_status, previous_status FROM devices
     WHERE (smi_status = 'Suspended') <> (previous_status IS NOT NULL) OR previous_status = 'Suspended'`,
    (r) => `device ${r.device_id}: ${r.smi_status} with remembered status ${r.previous_status}`,
    problems,
  );
  violations<{ device_id: string; chf_id: string; t: string }>(
    db,
    `SELECT d.device_id, d.chf_id, c.device_type AS t FROM devices d JOIN devices c ON c.device_id = d.chf_id
     WHERE c.device_type <> 'CHF'`,
    (r) => `device ${r.device_id}: its CHF ${r.chf_id} is a ${r.t}`,
    problems,
  );
  checkHistory(
    db,
    {
      label: 'device',
      records: 'devices',
      key: 'device_id',
      state: 'smi_status',
      history: 'smi_history',
      from: 'from_status',
      to: 'to_status',
      creating: ['preNotification', 'commsHubDelivered'],
    },
    problems,
  );
  violations<{ device_id: string; status_since: number; changed_at: number }>(
    db,
    `SELECT d.device_id, d.status_since, (SELECT at FROM smi_history WHERE device_id = d.device_id
        AND from_status IS NOT to_status ORDER BY seq DESC LIMIT 1) AS changed_at
     FROM devices d WHERE changed_at IS NOT d.status_since`,
    (r) => `device ${r.device_id}: status since ${r.status_since} but it last changed at ${r.changed_at}`,
    problems,
  );
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return {
    problems,
    counts: {
      devices: count('SELECT count(*) AS n FROM devices'),
      smiHistory: count('SELECT count(*) AS n FROM smi_history'),
      dccAlerts: count('SELECT count(*) AS n FROM dcc_alerts'),
    },
  };
}
