/**
 * A Supplier's estate of Communications Hubs through virtual days (`gbcs-sim ch simulate`): hubs are
 * ordered, delivered, accepted or rejected, installed with or without SM WAN, fail, are fixed
 * remotely or removed, returned or lost, diagnosed and charged — every step through the same
 * lifecycle (`CommsHubService`) and inventory as single commands, dated by the virtual clock.
 *
 * Determinism and resumption: one seeded PRNG (pure-rand xoroshiro128+) drives every choice, in a
 * fixed order (day by day, hub by hub). Each virtual day is one transaction that also stores the
 * next day and the PRNG state; so a run killed at any point resumes from the last committed day
 * with the same PRNG state, and the same seed always gives the same database and summary.
 *
 * The behaviour of the Supplier, the installers and the DCC (delays, shares) is assumed
 * (`ESTATE_ASSUMPTIONS`, [A]); the rules they meet are the lifecycle's.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { GbcsError } from '../../protocol/errors.ts';
import { Refusal } from '../inventory/errors.ts';
import type { SmiStatus } from '../inventory/smi-status.ts';
import { Provision, parseIsoDate, type RegulatoryTimeline } from '../smki/timeline.ts';
import { type Db, transaction } from '../store/dcc-database.ts';
import { DAY_MS } from './calendar.ts';
import { type ChConfig, DEFAULT_CH_CONFIG } from './config.ts';
import { type ChChange, CommsHubService } from './hubs.ts';
import {
  CH_STATES,
  type ChEvent,
  type ChParams,
  type ChState,
  type DiagnosisOutcome,
  FAULT_REASONS,
  type FaultReason,
  type HanVariant,
  type HubRecord,
  NO_FAULT_RETURN_TYPES,
  RESPONSIBILITIES,
  type Region,
  type Responsibility,
} from './machine.ts';

export interface SimulationParams {
  /** Hubs ordered over the run (1–1,000,000). */
  hubs: number;
  /** Virtual days (1–3650). */
  days: number;
  /** PRNG seed, an integer 0 … 2^32−1. */
  seed: number;
  /** First day (YYYY-MM-DD, UTC); not before SEC F6–F9 take effect. */
  start: string;
  /** Annual probability that an installed hub has a CH incident (0–1). */
  faultRate: number;
  /** Share of installation locations without SM WAN (0–1). */
  noWanRate: number;
  config: ChConfig;
}

export const SIMULATION_DEFAULTS = {
  start: '2016-02-10',
  faultRate: 0.05,
  noWanRate: 0.05,
  seed: 1,
} as const;

/** How the Supplier, installers and DCC behave in the simulation (all [A]). Days are ranges, inclusive. */
export const ESTATE_ASSUMPTIONS = {
  /** Orders are spread evenly over the first half of the run (at least day 0). */
  orderSpanShare: 0.5,
  dispatchDays: [2, 7],
  deliveryDays: [1, 3],
  /** A delivery is rejected (damage, wrong variant) … */
  rejectRate: 0.01,
  /** … else accepted explicitly within 1–3 days, else left to be deemed accepted when the window closes. */
  explicitAcceptRate: 0.9,
  decisionDays: [1, 3],
  stockDays: [3, 45],
  lostInStockRate: 0.002,
  /** Share of the fault rate found before installation (returned from stock). */
  faultBeforeInstallShare: 0.1,
  stockReturnDays: [1, 30],
  /** An install-and-leave gets SM WAN within 7–89 days, else the DCC replaces the hub at 90. */
  wanArrivesRate: 0.6,
  wanArrivesDays: [7, 89],
  remoteFixRate: 0.6,
  remoteFixDays: [1, 5],
  removalDays: [1, 14],
  /** Annual probabilities for an installed, working hub. */
  noFaultRemovalPerYear: 0.02,
  lostPerYear: 0.002,
  /** Removed hubs shipped back within 1–45 days, else never returned. */
  returnRate: 0.97,
  shipDays: [1, 45],
  receiveDays: [2, 7],
  /** Fault reasons that point at the hub itself: the DCC finds a CH Defect with this probability. */
  defectFoundRate: 0.8,
  /** Physical-damage reasons: the DCC finds the Supplier responsible with this probability. */
  supplierFoundRate: 0.9,
  redeployableRate: { chDefect: 0.5, supplierResponsible: 0.3, noFaultFound: 1 } as Record<
    DiagnosisOutcome,
    number
  >,
  /** WAN variant fitted per region (the coverage table names the same). */
  wanVariant: { North: 'Long Range Radio', Central: 'Cellular', South: 'Cellular' } as Record<Region, string>,
  dualBandShare: 0.2,
} as const;

const PHYSICAL: ReadonlySet<FaultReason> = new Set([
  'Damaged case',
  'Damaged Connector',
  'Illegal interference or missing seals',
  'Environmental conditions exceeded',
]);

export interface EstateSummary {
  hubs: number;
  days: number;
  seed: number;
  start: string;
  /** Hub lifecycle events recorded. */
  events: number;
  byState: Record<ChState, number>;
  byResponsibility: Record<Responsibility, number>;
  charges: {
    unit: 'GBP pence';
    total: number;
    byPayer: { Supplier: number; DCC: number };
    byKind: { refurbishment: number; scrap: number; lostOrStolen: number };
  };
  /** SMI Statuses of the hubs' CHFs and GPFs. */
  smiStatusCounts: Record<SmiStatus, number>;
  /** Every hub in exactly one state, and the charges equal the sum of the events' charges. */
  balanced: boolean;
}

/** Problems with the parameters (usage errors), empty when valid. */
export function simulationProblems(p: SimulationParams): string[] {
  const out: string[] = [];
  if (!Number.isInteger(p.hubs) || p.hubs < 1 || p.hubs > 1_000_000)
    out.push('--hubs: an integer from 1 to 1000000');
  if (!Number.isInteger(p.days) || p.days < 1 || p.days > 3650) out.push('--days: an integer from 1 to 3650');
  if (!Number.isInteger(p.seed) || p.seed < 0 || p.seed > 0xffff_ffff)
    out.push('--seed: an integer from 0 to 4294967295');
  if (!(p.faultRate >= 0 && p.faultRate <= 1)) out.push('--fault-rate: a number from 0 to 1');
  if (!(p.noWanRate >= 0 && p.noWanRate <= 1)) out.push('--no-wan-rate: a number from 0 to 1');
  try {
    parseIsoDate(p.start);
  } catch {
    out.push(`--start: a date YYYY-MM-DD (got ${p.start})`);
  }
  return out;
}

/** The parameters as stored with the run (stable key order): a rerun must match them to resume. */
const canonical = (p: SimulationParams): string =>
  JSON.stringify({
    hubs: p.hubs,
    days: p.days,
    seed: p.seed,
    start: p.start,
    faultRate: p.faultRate,
    noWanRate: p.noWanRate,
    config: Object.fromEntries(Object.keys(DEFAULT_CH_CONFIG).map((k) => [k, p.config[k as keyof ChConfig]])),
  });

interface PlanRow {
  hub_id: string;
  idx: number;
  next_event: string;
  next_params: string | null;
}

/** A pseudo-event of the world: SM WAN reaches the location (coverage table), then the hub connects. */
const WAN_ARRIVES = 'wanArrives';

export class EstateSimulation {
  readonly params: SimulationParams;
  readonly service: CommsHubService;
  private readonly db: Db;
  private readonly startMs: number;
  private rng: JumpableRandomGenerator;
  private nextDay: number;
  private readonly st;

  /**
   * Starts a run in an empty database, or resumes the run the database holds.
   * @throws GbcsError SIM_MISMATCH (the database holds a run with other parameters), DB_NOT_EMPTY
   *   (it holds hubs or devices that are not a run's); Refusal NOT_IN_FORCE:SECTION_F6 (start before F6–F9).
   */
  constructor(db: Db, params: SimulationParams, options: { timeline?: RegulatoryTimeline } = {}) {
    this.db = db;
    this.params = params;
    this.service = new CommsHubService(db, {
      config: params.config,
      ...(options.timeline ? { timeline: options.timeline } : {}),
    });
    this.startMs = parseIsoDate(params.start);
    const gate = this.service.inventory.timeline.check(Provision.SECTION_F6, this.startMs, 'ch simulate');
    if (!gate.ok) throw new Refusal(gate.code, `${gate.message} (${gate.citation})`);
    this.st = {
      due: db.prepare<[number], PlanRow>(
        'SELECT hub_id, idx, next_event, next_params FROM ch_sim_plan WHERE next_day = ? ORDER BY idx',
      ),
      plan: db.prepare(
        `INSERT INTO ch_sim_plan (hub_id, idx, next_day, next_event, next_params) VALUES (@hub, @idx, @day, @event, @params)
         ON CONFLICT (hub_id) DO UPDATE SET next_day = @day, next_event = @event, next_params = @params`,
      ),
      cursor: db.prepare('UPDATE ch_simulation SET next_day = ?, rng_state = ?, finished = ? WHERE id = 1'),
    };
    const run = db.prepare('SELECT * FROM ch_simulation WHERE id = 1').get() as
      | { params: string; next_day: number; rng_state: string }
      | undefined;
    if (run) {
      if (run.params !== canonical(params))
        throw new GbcsError(
          'SIM_MISMATCH',
          `the database holds a simulation with other parameters (${run.params}); use the same ones to resume, or another --db`,
        );
      this.rng = xoroshiro128plusFromState(JSON.parse(run.rng_state) as number[]);
      this.nextDay = run.next_day;
    } else {
      const used = db
        .prepare('SELECT (SELECT count(*) FROM ch_hubs) + (SELECT count(*) FROM devices) AS n')
        .get() as {
        n: number;
      };
      if (used.n > 0)
        throw new GbcsError(
          'DB_NOT_EMPTY',
          'the database already holds hubs or devices: simulate into a new --db',
        );
      this.rng = xoroshiro128plus(params.seed);
      this.nextDay = 0;
      transaction(db, () =>
        db
          .prepare(
            'INSERT INTO ch_simulation (id, params, next_day, rng_state, finished) VALUES (1, ?, 0, ?, 0)',
          )
          .run(canonical(params), JSON.stringify(this.rng.getState())),
      );
    }
  }

  /** The next day to simulate (= params.days when finished). */
  get day(): number {
    return this.nextDay;
  }

  get finished(): boolean {
    return this.nextDay >= this.params.days;
  }

  private int(range: readonly [number, number] | readonly number[]): number {
    return uniformInt(this.rng, range[0]!, range[1]!);
  }

  private chance(p: number): boolean {
    return uniformFloat64(this.rng) < p;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[uniformInt(this.rng, 0, xs.length - 1)]!;
  }

  /** Days until an event of annual probability `p` (memoryless), or Infinity. */
  private waitDays(p: number): number {
    const u = uniformFloat64(this.rng);
    if (p <= 0) return Number.POSITIVE_INFINITY;
    const lambda = p >= 1 ? 1 : -Math.log(1 - p) / 365;
    return Math.max(1, Math.ceil(-Math.log(1 - u) / lambda));
  }

  private dayOf(ms: number): number {
    return Math.ceil((ms - this.startMs) / DAY_MS);
  }

  /** Ids and location of the idx-th hub: CHF cc…, GPF = CHF + 1, UPRN 1000000000000 + idx. */
  private static ids(idx: number): { hubId: string; gpfId: string; uprn: string } {
    const chf = 0xcc00_0000_0000_0000n + 2n * BigInt(idx);
    return { hubId: chf.toString(16), gpfId: (chf + 1n).toString(16), uprn: String(100_000_000_000 + idx) };
  }

  /** The Supplier's / DCC's next step for a hub that has just reached its state on day `d`. */
  private decide(
    hub: HubRecord,
    d: number,
    idx: number,
  ): { day: number; event: string; params: ChParams } | null {
    const A = ESTATE_ASSUMPTIONS;
    switch (hub.state) {
      case 'Ordered':
        return { day: d + this.int(A.dispatchDays), event: 'dispatch', params: {} };
      case 'InTransit':
        return { day: d + this.int(A.deliveryDays), event: 'deliver', params: {} };
      case 'Delivered': {
        const u = uniformFloat64(this.rng);
        const when = d + this.int(A.decisionDays);
        if (u < A.rejectRate)
          return {
            day: when,
            event: 'reject',
            params: { rejectionReason: this.pick(['damaged', 'wrong variant'] as const) },
          };
        if (u < A.rejectRate + (1 - A.rejectRate) * A.explicitAcceptRate)
          return { day: when, event: 'accept', params: {} };
        return { day: this.dayOf(hub.acceptDeadline!), event: 'deemedAccepted', params: {} };
      }
      case 'InSupplierStock': {
        const u = uniformFloat64(this.rng);
        const faultPrior = this.params.faultRate * A.faultBeforeInstallShare;
        if (u < A.lostInStockRate)
          return { day: d + this.int(A.stockDays), event: 'lostOrStolen', params: {} };
        if (u < A.lostInStockRate + faultPrior)
          return {
            day: d + this.int(A.stockReturnDays),
            event: 'remove',
            params: { faultReason: this.pick(FAULT_REASONS) },
          };
        return {
          day: d + this.int(A.stockDays),
          event: 'install',
          params: { uprn: EstateSimulation.ids(idx).uprn },
        };
      }
      case 'InstalledNoWAN':
        if (this.chance(A.wanArrivesRate))
          return { day: d + this.int(A.wanArrivesDays), event: WAN_ARRIVES, params: {} };
        return { day: this.dayOf(hub.leaveDeadline!), event: 'installLeaveResolution', params: {} };
      case 'Commissioned': {
        const fault = this.waitDays(this.params.faultRate);
        const removal = this.waitDays(A.noFaultRemovalPerYear);
        const lost = this.waitDays(A.lostPerYear);
        const first = Math.min(fault, removal, lost);
        if (!(d + first < this.params.days)) return null;
        if (first === fault) return { day: d + fault, event: 'fault', params: {} };
        if (first === removal)
          return {
            day: d + removal,
            event: 'remove',
            params: {
              noFaultType: this.pick(NO_FAULT_RETURN_TYPES.filter((t) => !t.includes('requested by DCC'))),
            },
          };
        return { day: d + lost, event: 'lostOrStolen', params: {} };
      }
      case 'Faulty':
        if (this.chance(A.remoteFixRate))
          return { day: d + this.int(A.remoteFixDays), event: 'remoteFix', params: {} };
        return {
          day: d + this.int(A.removalDays),
          event: 'remove',
          params: { faultReason: this.pick(FAULT_REASONS) },
        };
      case 'Removed':
      case 'MustReturn':
        if (this.chance(A.returnRate))
          return { day: d + this.int(A.shipDays), event: 'shipReturn', params: {} };
        return { day: this.dayOf(hub.returnDeadline!), event: 'notReturned', params: {} };
      case 'InReturn':
        return { day: d + this.int(A.receiveDays), event: 'receive', params: {} };
      case 'FaultDiagnosis': {
        const reason = hub.returnReason as FaultReason;
        let outcome: DiagnosisOutcome = 'noFaultFound';
        if (hub.returnKind === 'fault') {
          if (PHYSICAL.has(reason))
            outcome = this.chance(A.supplierFoundRate) ? 'supplierResponsible' : 'noFaultFound';
          else outcome = this.chance(A.defectFoundRate) ? 'chDefect' : 'noFaultFound';
        }
        const redeployable = this.chance(A.redeployableRate[outcome]);
        const wd = this.params.config.diagnosisWorkingDays;
        return {
          day: d + this.int([1, Math.ceil((wd * 7) / 5)]),
          event: 'diagnose',
          params: { outcome, redeployable },
        };
      }
      default:
        return null;
    }
  }

  private schedule(hubId: string, idx: number, hub: HubRecord, d: number): void {
    const next = this.decide(hub, d, idx);
    this.st.plan.run({
      hub: hubId,
      idx,
      day: next ? next.day : null,
      event: next ? next.event : null,
      params: next && Object.keys(next.params).length ? JSON.stringify(next.params) : null,
    });
  }

  /** Hub indices ordered on day `d`: evenly over the first half of the run. */
  private orderedOn(d: number): [number, number] {
    const span = Math.max(1, Math.floor(this.params.days * ESTATE_ASSUMPTIONS.orderSpanShare));
    const first = (day: number) =>
      day >= span ? this.params.hubs : Math.ceil((day * this.params.hubs) / span);
    return [first(d), first(d + 1)];
  }

  /**
   * Simulates the next day in one transaction. `onChange` sees each change (JSON Lines output).
   * @returns false when the run had already finished.
   */
  step(onChange?: (c: ChChange) => void): boolean {
    if (this.finished) return false;
    const d = this.nextDay;
    const at = this.startMs + d * DAY_MS;
    const emit = (cs: ChChange[]) => {
      if (onChange) for (const c of cs) onChange(c);
    };
    transaction(this.db, () => {
      const [from, to] = this.orderedOn(d);
      for (let idx = from; idx < to; idx++) {
        const { hubId, gpfId, uprn } = EstateSimulation.ids(idx);
        const region = this.pick(['North', 'Central', 'South'] as const);
        const wanVariant = ESTATE_ASSUMPTIONS.wanVariant[region];
        const hanVariant: HanVariant = this.chance(ESTATE_ASSUMPTIONS.dualBandShare)
          ? 'Dual Band'
          : 'Single Band';
        const covered = !this.chance(this.params.noWanRate);
        this.service.setCoverage({ uprn, smWanAvailable: covered, wanVariant: covered ? wanVariant : null });
        emit(this.service.order({ hubId, gpfId, region, wanVariant, hanVariant }, at));
        this.schedule(hubId, idx, this.service.get(hubId)!, d);
      }
      for (const row of this.st.due.all(d)) {
        const params = row.next_params ? (JSON.parse(row.next_params) as ChParams) : {};
        let event = row.next_event as ChEvent;
        if (row.next_event === WAN_ARRIVES) {
          const hub = this.service.get(row.hub_id)!;
          this.service.setCoverage({ uprn: hub.uprn!, smWanAvailable: true, wanVariant: hub.wanVariant });
          event = 'wanConnected';
        }
        try {
          emit(this.service.apply(row.hub_id, event, at, event === 'wanConnected' ? {} : params));
        } catch (e) {
          throw new GbcsError(
            'MISUSE',
            `simulation day ${d}: ${event} on hub ${row.hub_id} refused: ${(e as Error).message}`,
            {
              cause: e,
            },
          );
        }
        this.schedule(row.hub_id, row.idx, this.service.get(row.hub_id)!, d);
      }
      this.nextDay = d + 1;
      this.st.cursor.run(this.nextDay, JSON.stringify(this.rng.getState()), this.finished ? 1 : 0);
    });
    return true;
  }

  /** Runs to the end; `onDay(done, total)` after each committed day. */
  run(
    options: { onDay?: (done: number, total: number) => void; onChange?: (c: ChChange) => void } = {},
  ): EstateSummary {
    while (this.step(options.onChange)) options.onDay?.(this.nextDay, this.params.days);
    return this.summary();
  }

  /** The summary, computed from the database (so a resumed run reports the same). */
  summary(): EstateSummary {
    const db = this.db;
    const byState = Object.fromEntries(CH_STATES.map((s) => [s, 0])) as Record<ChState, number>;
    for (const r of db.prepare('SELECT state, count(*) AS n FROM ch_hubs GROUP BY state').all() as Array<{
      state: ChState;
      n: number;
    }>)
      byState[r.state] = r.n;
    const byResponsibility = Object.fromEntries(RESPONSIBILITIES.map((s) => [s, 0])) as Record<
      Responsibility,
      number
    >;
    for (const r of db
      .prepare(
        'SELECT responsibility AS k, count(*) AS n FROM ch_hubs WHERE responsibility IS NOT NULL GROUP BY k',
      )
      .all() as Array<{ k: Responsibility; n: number }>)
      byResponsibility[r.k] = r.n;
    const sum = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const byPayer = { Supplier: 0, DCC: 0 };
    const byKind = { refurbishment: 0, scrap: 0, lostOrStolen: 0 };
    for (const r of db
      .prepare(
        'SELECT payer, charge_kind AS kind, sum(charge_pence) AS n FROM ch_history WHERE charge_pence > 0 GROUP BY payer, kind',
      )
      .all() as Array<{ payer: 'Supplier' | 'DCC'; kind: keyof typeof byKind; n: number }>) {
      byPayer[r.payer] += r.n;
      byKind[r.kind] += r.n;
    }
    const total = sum('SELECT ifnull(sum(charge_pence), 0) AS n FROM ch_history');
    const hubs = sum('SELECT count(*) AS n FROM ch_hubs');
    const smiStatusCounts = this.service.inventory.statusCounts({ deviceTypes: ['CHF', 'GPF'] });
    const stateTotal = Object.values(byState).reduce((a, b) => a + b, 0);
    return {
      hubs,
      days: this.params.days,
      seed: this.params.seed,
      start: this.params.start,
      events: sum('SELECT count(*) AS n FROM ch_history'),
      byState,
      byResponsibility,
      charges: { unit: 'GBP pence', total, byPayer, byKind },
      smiStatusCounts,
      balanced:
        stateTotal === hubs &&
        total === sum('SELECT ifnull(sum(charges_pence), 0) AS n FROM ch_hubs') &&
        total === byPayer.Supplier + byPayer.DCC &&
        Object.values(smiStatusCounts).reduce((a, b) => a + b, 0) ===
          2 * (hubs - byState.Ordered - byState.InTransit),
    };
  }
}
