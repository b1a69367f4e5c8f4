/**
 * Invariants of the Communications Hub records (part of `gbcs-sim inventory check`):
 * - every hub is in exactly one state (one row, a known state);
 * - its history is one chain from `order`, in time order, ending at the current state;
 * - its charges equal the sum of its events' charges;
 * - a delivered hub's CHF and GPF are in the SMI with those Device Types;
 * - an estate simulation's cursor is within its run.
 */
import { type CheckResult, checkHistory, violations } from '../inventory/check.ts';
import type { Db } from '../store/dcc-database.ts';

export function checkCommsHubs(db: Db): CheckResult {
  const problems: string[] = [];
  checkHistory(
    db,
    {
      label: 'hub',
      records: 'ch_hubs',
      key: 'hub_id',
      state: 'state',
      history: 'ch_history',
      from: 'from_state',
      to: 'to_state',
      creating: ['order'],
    },
    problems,
  );
  violations<{ hub_id: string; charges_pence: number; total: number }>(
    db,
    `SELECT c.hub_id, c.charges_pence, ifnull((SELECT sum(charge_pence) FROM ch_history WHERE hub_id = c.hub_id), 0) AS total
     FROM ch_hubs c WHERE total <> c.charges_pence`,
    (r) => `hub ${r.hub_id}: charges ${r.charges_pence} p but its events add up to ${r.total} p`,
    problems,
  );
  violations<{ hub_id: string; id: string; want: string; got: string | null }>(
    db,
    `SELECT c.hub_id, x.id, x.want, d.device_type AS got FROM ch_hubs c
     JOIN (SELECT hub_id AS h, hub_id AS id, 'CHF' AS want FROM ch_hubs UNION ALL SELECT hub_id, gpf_id, 'GPF' FROM ch_hubs) x ON x.h = c.hub_id
     LEFT JOIN devices d ON d.device_id = x.id
     WHERE c.state NOT IN ('Ordered', 'InTransit') AND d.device_type IS NOT x.want`,
    (r) => `hub ${r.hub_id}: its ${r.want} ${r.id} is ${r.got === null ? 'not in the SMI' : `a ${r.got}`}`,
    problems,
  );
  violations<{ next_day: number; days: number; finished: number }>(
    db,
    `SELECT next_day, json_extract(params, '$.days') AS days, finished FROM ch_simulation
     WHERE next_day < 0 OR next_day > days OR (finished = 1) <> (next_day = days)`,
    (r) => `estate simulation: cursor at day ${r.next_day} of ${r.days}, finished ${r.finished === 1}`,
    problems,
  );
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return {
    problems,
    counts: {
      hubs: count('SELECT count(*) AS n FROM ch_hubs'),
      chHistory: count('SELECT count(*) AS n FROM ch_history'),
      chargesPence: count('SELECT ifnull(sum(charge_pence), 0) AS n FROM ch_history'),
    },
  };
}
