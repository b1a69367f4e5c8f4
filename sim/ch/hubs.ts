/**
 * Communications Hub records on SQLite: the lifecycle of each hub (machine.ts), its history with
 * the charge of each event, the SM WAN coverage table, and the SMI Status of the hub's CHF and GPF,
 * which follow the hub (§4.3 rows 2, 7, 8, 9) through the Smart Metering Inventory in the same
 * transaction. Every operation is one transaction and is dated by the caller's clock; the
 * regulatory timeline refuses anything under F6–F9 before those sections take effect.
 */
import { GbcsError } from '../../protocol/errors.ts';
import { type Eui64, isEui64 } from '../../protocol/types.ts';
import { Refusal } from '../inventory/errors.ts';
import { type InventoryChange, SmartMeteringInventory } from '../inventory/inventory.ts';
import { SmiEvent, SmiStatus } from '../inventory/smi-status.ts';
import type { Provision, RegulatoryTimeline } from '../smki/timeline.ts';
import { type Db, transaction } from '../store/dcc-database.ts';
import { type ChConfig, DEFAULT_CH_CONFIG } from './config.ts';
import {
  CH_TRANSITIONS,
  type ChargeKind,
  type ChContext,
  ChEvent,
  type ChParams,
  type ChState,
  type CoverageEntry,
  chTransition,
  DIAGNOSIS_OUTCOMES,
  FAULT_REASONS,
  HAN_VARIANTS,
  type HanVariant,
  type HubRecord,
  NO_FAULT_RETURN_TYPES,
  type Payer,
  REGIONS,
  REJECTION_REASONS,
  type Region,
  type Responsibility,
} from './machine.ts';

/** One change: a hub's state, or (through the inventory) an SMI Status or DCC alert. */
export type ChChange =
  | {
      change: 'chState';
      hubId: Eui64;
      event: ChEvent;
      from: ChState | null;
      to: ChState;
      at: number;
      charge?: { pence: number; kind: ChargeKind; payer: Payer };
      responsibility?: Responsibility;
    }
  | InventoryChange;

export interface ChHistoryEntry {
  seq: number;
  at: number;
  event: ChEvent;
  from: ChState | null;
  to: ChState;
  chargePence: number;
  chargeKind: ChargeKind | null;
  payer: Payer | null;
  details: Record<string, unknown> | null;
}

/** An order line: one hub. Ids are allocated when not given (CHF `cc…` even, GPF = CHF + 1). */
export interface OrderSpec {
  hubId?: Eui64;
  gpfId?: Eui64;
  region: Region;
  wanVariant: string;
  hanVariant: HanVariant;
  /** TSAT installation end date (ms), when one applies [S27]. */
  installationEnd?: number | null;
}

interface HubRow {
  hub_id: string;
  gpf_id: string;
  region: string;
  wan_variant: string;
  han_variant: string;
  state: string;
  state_since: number;
  ordered_at: number;
  accept_deadline: number | null;
  uprn: string | null;
  leave_deadline: number | null;
  return_kind: string | null;
  return_reason: string | null;
  return_deadline: number | null;
  installation_end: number | null;
  diagnosis: string | null;
  responsibility: string | null;
  charges_pence: number;
}

const fromRow = (r: HubRow): HubRecord => ({
  hubId: r.hub_id,
  gpfId: r.gpf_id,
  region: r.region as Region,
  wanVariant: r.wan_variant,
  hanVariant: r.han_variant as HanVariant,
  state: r.state as ChState,
  stateSince: r.state_since,
  orderedAt: r.ordered_at,
  acceptDeadline: r.accept_deadline,
  uprn: r.uprn,
  leaveDeadline: r.leave_deadline,
  returnKind: r.return_kind as HubRecord['returnKind'],
  returnReason: r.return_reason,
  returnDeadline: r.return_deadline,
  installationEnd: r.installation_end,
  diagnosis: r.diagnosis as HubRecord['diagnosis'],
  responsibility: r.responsibility as Responsibility | null,
  chargesPence: r.charges_pence,
});

const toParams = (h: HubRecord) => [
  h.gpfId,
  h.region,
  h.wanVariant,
  h.hanVariant,
  h.state,
  h.stateSince,
  h.orderedAt,
  h.acceptDeadline,
  h.uprn,
  h.leaveDeadline,
  h.returnKind,
  h.returnReason,
  h.returnDeadline,
  h.installationEnd,
  h.diagnosis,
  h.responsibility,
  h.chargesPence,
  h.hubId,
];

const bad = (message: string) => new GbcsError('BAD_VALUE', message);
const isUprn = (s: string) => /^[1-9][0-9]{0,11}$/.test(s);
const iso = (ms: number) => new Date(ms).toISOString();

/** The Supplier-facing problems of an order line (DUIS lengths and enumerations). */
export function orderProblems(o: OrderSpec): string[] {
  const out: string[] = [];
  if (!REGIONS.includes(o.region)) out.push(`region: one of ${REGIONS.join(', ')} (got ${o.region})`);
  if (!HAN_VARIANTS.includes(o.hanVariant))
    out.push(`HAN variant: one of ${HAN_VARIANTS.join(', ')} (got ${o.hanVariant})`);
  if (!(o.wanVariant.length >= 1 && o.wanVariant.length <= 30)) out.push('WAN variant: 1–30 characters');
  if (o.hubId !== undefined && !isEui64(o.hubId)) out.push(`CHF id: not an EUI-64: ${o.hubId}`);
  if (o.gpfId !== undefined && !isEui64(o.gpfId)) out.push(`GPF id: not an EUI-64: ${o.gpfId}`);
  if (o.hubId !== undefined && o.hubId === o.gpfId) out.push('the CHF and GPF ids must differ');
  return out;
}

/** Problems with an event's parameters (enumerations, UPRN), empty when valid. */
export function paramProblems(p: ChParams): string[] {
  const out: string[] = [];
  if (p.uprn !== undefined && !isUprn(p.uprn))
    out.push(`UPRN: a positive integer of up to 12 digits (got ${p.uprn})`);
  if (p.faultReason !== undefined && !FAULT_REASONS.includes(p.faultReason))
    out.push(`fault reason: one of ${FAULT_REASONS.join('; ')}`);
  if (p.noFaultType !== undefined && !NO_FAULT_RETURN_TYPES.includes(p.noFaultType))
    out.push(`no-fault return type: one of ${NO_FAULT_RETURN_TYPES.join('; ')}`);
  if (p.rejectionReason !== undefined && !REJECTION_REASONS.includes(p.rejectionReason))
    out.push(`rejection reason: one of ${REJECTION_REASONS.join(', ')}`);
  if (p.outcome !== undefined && !DIAGNOSIS_OUTCOMES.includes(p.outcome))
    out.push(`diagnosis outcome: one of ${DIAGNOSIS_OUTCOMES.join(', ')}`);
  return out;
}

/** SMI manufacturer / model of a hub's CHF and GPF: the DCC provides the hubs [A]. */
export const hubDeviceModel = (h: HubRecord): { manufacturer: string; model: string } => ({
  manufacturer: 'DCC',
  model: `CH ${h.region} ${h.hanVariant}`,
});

export interface CommsHubOptions {
  inventory?: SmartMeteringInventory;
  config?: ChConfig;
  timeline?: RegulatoryTimeline;
}

/** The Communications Hubs held in `db`. */
export class CommsHubService {
  readonly db: Db;
  readonly inventory: SmartMeteringInventory;
  readonly config: ChConfig;
  private readonly st;

  constructor(db: Db, options: CommsHubOptions = {}) {
    this.db = db;
    this.inventory =
      options.inventory ??
      new SmartMeteringInventory(db, options.timeline === undefined ? {} : { timeline: options.timeline });
    this.config = options.config ?? { ...DEFAULT_CH_CONFIG };
    this.st = {
      get: db.prepare<[string], HubRow>('SELECT * FROM ch_hubs WHERE hub_id = ?'),
      insert: db.prepare(
        `INSERT INTO ch_hubs (gpf_id, region, wan_variant, han_variant, state, state_since, ordered_at, accept_deadline,
           uprn, leave_deadline, return_kind, return_reason, return_deadline, installation_end, diagnosis,
           responsibility, charges_pence, hub_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      update: db.prepare(
        `UPDATE ch_hubs SET gpf_id = ?, region = ?, wan_variant = ?, han_variant = ?, state = ?, state_since = ?,
           ordered_at = ?, accept_deadline = ?, uprn = ?, leave_deadline = ?, return_kind = ?, return_reason = ?,
           return_deadline = ?, installation_end = ?, diagnosis = ?, responsibility = ?, charges_pence = ?
         WHERE hub_id = ?`,
      ),
      lastAt: db.prepare<[string], { at: number }>(
        'SELECT at FROM ch_history WHERE hub_id = ? ORDER BY seq DESC LIMIT 1',
      ),
      history: db.prepare(
        `INSERT INTO ch_history (hub_id, at, event, from_state, to_state, charge_pence, charge_kind, payer, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      coverage: db.prepare<[string], { uprn: string; sm_wan_available: number; wan_variant: string | null }>(
        'SELECT * FROM wan_coverage WHERE uprn = ?',
      ),
      setCoverage: db.prepare(
        `INSERT INTO wan_coverage (uprn, sm_wan_available, wan_variant) VALUES (?, ?, ?)
         ON CONFLICT (uprn) DO UPDATE SET sm_wan_available = excluded.sm_wan_available, wan_variant = excluded.wan_variant`,
      ),
      gpfTaken: db.prepare<[{ id: string }], { n: number }>(
        'SELECT (SELECT count(*) FROM ch_hubs WHERE gpf_id = @id OR hub_id = @id) + (SELECT count(*) FROM devices WHERE device_id = @id) AS n',
      ),
    };
  }

  get(hubId: Eui64): HubRecord | null {
    const r = this.st.get.get(hubId);
    return r ? fromRow(r) : null;
  }

  /** @throws Refusal UNKNOWN_HUB */
  require(hubId: Eui64): HubRecord {
    const h = this.get(hubId);
    if (!h) throw new Refusal('UNKNOWN_HUB', `no Communications Hub ${hubId} on record`);
    return h;
  }

  /** The SM WAN coverage of a location, or null when it is not in the table. */
  coverage(uprn: string): CoverageEntry | null {
    const r = this.st.coverage.get(uprn);
    return r ? { uprn: r.uprn, smWanAvailable: r.sm_wan_available === 1, wanVariant: r.wan_variant } : null;
  }

  /**
   * Adds or replaces a location of the SM WAN Coverage Database: SM WAN available and the WAN
   * variant to fit, or not available. @throws GbcsError BAD_VALUE
   */
  setCoverage(entry: CoverageEntry): void {
    if (!isUprn(entry.uprn)) throw bad(`UPRN: a positive integer of up to 12 digits (got ${entry.uprn})`);
    if (entry.smWanAvailable && !(entry.wanVariant && entry.wanVariant.length <= 30))
      throw bad('a location with SM WAN needs the WAN variant to fit (1–30 characters)');
    transaction(this.db, () =>
      this.st.setCoverage.run(
        entry.uprn,
        entry.smWanAvailable ? 1 : 0,
        entry.smWanAvailable ? entry.wanVariant : null,
      ),
    );
  }

  /** The next free (CHF, GPF) pair: `cc…` even EUIs, GPF = CHF + 1 [A]. */
  private allocateIds(): { hubId: Eui64; gpfId: Eui64 } {
    const n = (this.db.prepare('SELECT count(*) AS n FROM ch_hubs').get() as { n: number }).n;
    for (let k = BigInt(n); ; k++) {
      const chf = (0xcc00_0000_0000_0000n + 2n * k).toString(16);
      const gpf = (0xcc00_0000_0000_0001n + 2n * k).toString(16);
      if (this.st.gpfTaken.get({ id: chf })!.n === 0 && this.st.gpfTaken.get({ id: gpf })!.n === 0)
        return { hubId: chf, gpfId: gpf };
    }
  }

  /** Places an order line for one hub: → Ordered. @throws GbcsError BAD_VALUE, Refusal HUB_EXISTS / NOT_IN_FORCE:… */
  order(spec: OrderSpec, at: number): ChChange[] {
    const problems = orderProblems(spec);
    if (problems.length > 0) throw bad(problems.join('; '));
    return transaction(this.db, () => {
      const ids =
        spec.hubId === undefined
          ? this.allocateIds()
          : {
              hubId: spec.hubId,
              gpfId: spec.gpfId ?? (BigInt(`0x${spec.hubId}`) + 1n).toString(16).padStart(16, '0').slice(-16),
            };
      const hub: HubRecord = {
        hubId: ids.hubId,
        gpfId: ids.gpfId,
        region: spec.region,
        wanVariant: spec.wanVariant,
        hanVariant: spec.hanVariant,
        state: 'Ordered',
        stateSince: at,
        orderedAt: at,
        acceptDeadline: null,
        uprn: null,
        leaveDeadline: null,
        returnKind: null,
        returnReason: null,
        returnDeadline: null,
        installationEnd: spec.installationEnd ?? null,
        diagnosis: null,
        responsibility: null,
        chargesPence: 0,
      };
      const exists = this.get(hub.hubId) !== null;
      if (!exists && this.st.gpfTaken.get({ id: hub.gpfId })!.n > 0)
        throw new Refusal('HUB_EXISTS', `GPF ${hub.gpfId} is already in use`);
      return this.run(
        ChEvent.ORDER,
        hub,
        exists,
        at,
        {},
        { region: spec.region, wanVariant: spec.wanVariant, hanVariant: spec.hanVariant },
      );
    });
  }

  /**
   * Applies `event` to the hub, in one transaction.
   * @throws GbcsError BAD_VALUE (parameters); Refusal UNKNOWN_HUB, ILLEGAL_TRANSITION, a guard's
   *   code, NOT_IN_FORCE:<section>, OUT_OF_ORDER, or an SMI refusal of the CHF/GPF's move.
   */
  apply(hubId: Eui64, event: ChEvent, at: number, params: ChParams = {}): ChChange[] {
    const problems = paramProblems(params);
    if (problems.length > 0) throw bad(problems.join('; '));
    if (event === ChEvent.ORDER) throw bad('use order() to create a hub');
    return transaction(this.db, () => {
      const hub = this.get(hubId);
      if (!hub) {
        this.gate(event, at);
        throw new Refusal('UNKNOWN_HUB', `no Communications Hub ${hubId} on record`);
      }
      return this.run(event, hub, true, at, params, params as Record<string, unknown>);
    });
  }

  private gate(event: ChEvent, at: number, provision = provisionOf(event)): void {
    const c = this.inventory.timeline.check(provision, at, `CH ${event}`);
    if (!c.ok) throw new Refusal(c.code, `${c.message} (${c.citation})`);
  }

  private run(
    event: ChEvent,
    hub: HubRecord,
    exists: boolean,
    at: number,
    params: ChParams,
    details: Record<string, unknown>,
  ): ChChange[] {
    const uprn = params.uprn ?? hub.uprn;
    const ctx: ChContext = {
      hub,
      at,
      params,
      coverage: uprn ? this.coverage(uprn) : null,
      config: this.config,
    };
    const outcome = chTransition(event, ctx, exists);
    this.gate(event, at, outcome.ok ? outcome.rule.provision : provisionOf(event));
    if (!outcome.ok) throw new Refusal(outcome.code, outcome.message);
    if (exists) {
      const last = this.st.lastAt.get(hub.hubId);
      if (last && at < last.at)
        throw new Refusal(
          'OUT_OF_ORDER',
          `${event} at ${iso(at)} is earlier than the latest event of hub ${hub.hubId} (${iso(last.at)})`,
        );
    }
    const next: HubRecord = { ...hub, ...outcome.patch, state: outcome.to };
    if (outcome.to !== outcome.from) next.stateSince = at;
    const charge = outcome.charge;
    if (charge) next.chargesPence += charge.pence;
    if (exists) this.st.update.run(...toParams(next));
    else this.st.insert.run(...toParams(next));
    this.st.history.run(
      hub.hubId,
      at,
      event,
      outcome.from,
      outcome.to,
      charge?.pence ?? 0,
      charge?.kind ?? null,
      charge?.payer ?? null,
      Object.keys(details).length ? JSON.stringify(details) : null,
    );
    const changes: ChChange[] = [
      {
        change: 'chState',
        hubId: hub.hubId,
        event,
        from: outcome.from,
        to: outcome.to,
        at,
        ...(charge ? { charge } : {}),
        ...(next.responsibility !== hub.responsibility && next.responsibility
          ? { responsibility: next.responsibility }
          : {}),
      },
    ];
    if (outcome.smi) changes.push(...this.moveDevices(next, outcome.smi, at));
    return changes;
  }

  /** The CHF and GPF follow the hub in the SMI. */
  private moveDevices(hub: HubRecord, smi: SmiEvent | 'decommission', at: number): InventoryChange[] {
    const out: InventoryChange[] = [];
    for (const [deviceId, deviceType] of [
      [hub.hubId, 'CHF'],
      [hub.gpfId, 'GPF'],
    ] as const) {
      if (smi === SmiEvent.CH_DELIVERED)
        out.push(...this.inventory.commsHubDelivered({ deviceId, deviceType, ...hubDeviceModel(hub) }, at));
      else if (smi === 'decommission') {
        // Only where the SMI table allows it: a CHF Suspended, Withdrawn or in Recovery keeps its status [A].
        const status = this.inventory.get(deviceId)?.status;
        if (
          status === SmiStatus.COMMISSIONED ||
          status === SmiStatus.INSTALLED_NOT_COMMISSIONED ||
          status === SmiStatus.RECOVERED
        )
          out.push(...this.inventory.decommission(deviceId, at));
      } else out.push(...this.inventory.apply(deviceId, smi, at));
    }
    return out;
  }

  /** The hub's history, oldest first. @throws Refusal UNKNOWN_HUB */
  history(hubId: Eui64): ChHistoryEntry[] {
    this.require(hubId);
    return this.db
      .prepare<
        [string],
        {
          seq: number;
          at: number;
          event: string;
          from_state: string | null;
          to_state: string;
          charge_pence: number;
          charge_kind: string | null;
          payer: string | null;
          details: string | null;
        }
      >('SELECT * FROM ch_history WHERE hub_id = ? ORDER BY seq')
      .all(hubId)
      .map((r) => ({
        seq: r.seq,
        at: r.at,
        event: r.event as ChEvent,
        from: r.from_state as ChState | null,
        to: r.to_state as ChState,
        chargePence: r.charge_pence,
        chargeKind: r.charge_kind as ChargeKind | null,
        payer: r.payer as Payer | null,
        details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
      }));
  }

  /** Hubs by id, optionally in one state. */
  list(filter: { state?: ChState } = {}): HubRecord[] {
    return this.db
      .prepare<[{ state: string | null }], HubRow>(
        'SELECT * FROM ch_hubs WHERE (@state IS NULL OR state = @state) ORDER BY hub_id',
      )
      .all({ state: filter.state ?? null })
      .map(fromRow);
  }
}

/** The SEC section an event falls under (for refusals before a row is chosen): its rows' section. */
const provisionOf = (event: ChEvent): Provision => CH_TRANSITIONS.find((r) => r.event === event)!.provision;
