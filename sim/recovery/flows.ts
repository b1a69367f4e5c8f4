/**
 * The DCC's credential flows outside a recovery, driven end to end through real devices (reference
 * §2.6, §8 features 10–13): each builds the CS02b / CS02g the DCC sends for a Service Request,
 * delivers it, checks the signed response, updates the DCC register from the per-cell outcomes and,
 * where the flow has one, the SMI Status:
 *
 * | flow | SRV | CS02b mode, signer | cells |
 * |---|---|---|---|
 * | `handover` of a DCC-controlled device | 6.21 | 2 (Supplier cells) / 3 (NO cells), signed by the DCC ACB identity that holds them | the Supplier's / Network Operator's certificates replace the DCC's |
 * | `changeOfSupplier` | 6.23 | 7 supplierByTransCoS, signed by TransCoS | the gaining Supplier's three cells; Supplier floors (and the prepayment top-up floor) 0 |
 * | `changeOfNetworkOperator` | 6.15.1 | 3, signed by the current Network Operator | the new Network Operator's cells |
 * | `acbRekey` | — (DCC) | 4, MAC only (signed and MAC'd on a CHF) | the ACB's KA cell, a new key |
 * | `serviceOptOut` | 8.5 | 4 | the ACB KA cell takes the (non-domestic) Supplier's own ACB certificate; SMI Commissioned → Withdrawn |
 * | `wanProviderRekey` | — (DCC) | 5, signed by the WAN Provider | the CHF's WAN Provider DS cell, a new key |
 * | `loadController` | 6.15.1 | CS02g 11 loadControllerBySupplier / 10 by the Load Controller | the ESME's Load Controller cells |
 *
 * A replacement the device refuses (bad certificate, a cell it has not, a mode that may not touch
 * it) changes no cell: the flow reports `ok: false` with the per-cell status codes; the DCC register
 * and the SMI are left as they were. (The device's anti-replay floor for the signer's role still
 * rises: the command itself was accepted, GBCS 4.3.1.5.)
 */
import { ReplacementMode } from '../../protocol/asn1/cs02b.ts';
import { Role } from '../../protocol/asn1/gbcs-types.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { Device } from '../device/device.ts';
import { transaction } from '../store/dcc-database.ts';
import { cellId, cellName, type Dcc, type Placement, type StepSpec } from './dcc.ts';
import type { CellRecord, EstateDeviceType, EstatePremises } from './estate.ts';
import type { Slot } from './key-ring.ts';
import type { RecoveryProcedure } from './procedure.ts';

/** A device a flow addresses, with the DCC register's view of its cells. */
export interface FlowTarget {
  premises: EstatePremises;
  device: Device;
  deviceType: EstateDeviceType;
}

export interface FlowResult {
  flow: string;
  srv: string;
  deviceId: Eui64;
  mode: number;
  /** Every replacement succeeded. */
  ok: boolean;
  /** Why not: the device's refusal of the command, or `REPLACEMENT_REFUSED`. */
  reason: string | null;
  /** Per cell: `role/usage[/prepayment]` → status code (0 success, 5 badCertificate, 10 noTrustAnchor, 25 trustAnchorNotFound, 127 other). */
  statuses: Record<string, number>;
  /** SMI changes the flow made (Service Opt Out). */
  smi: string | null;
}

/** Options a flow may take to send something a device should refuse (tests, labs). */
export interface FlowFault {
  /** Replace each placed certificate by these bytes. */
  certificate?: (p: Placement, der: Uint8Array) => Uint8Array;
  /** Target this cell instead (a wrong target). */
  cell?: Placement['cell'];
}

const SRV: Record<string, string> = {
  handover: '6.21',
  changeOfSupplier: '6.23',
  changeOfNetworkOperator: '6.15.1',
  acbRekey: 'DCC',
  serviceOptOut: '8.5',
  wanProviderRekey: 'DCC',
  loadController: '6.15.1',
};

/** The DCC's credential flows over a recovery procedure's DCC, register and inventory. */
export class CredentialFlows {
  readonly procedure: RecoveryProcedure;
  readonly dcc: Dcc;

  constructor(procedure: RecoveryProcedure) {
    this.procedure = procedure;
    this.dcc = procedure.dcc;
  }

  #party = (p: Parameters<Dcc['ring']['eui']>[0]) => this.dcc.ring.eui(p);

  /** Placements of `role`'s cells held by the device (register), for `eui`'s keys at their current generation. */
  #roleCells(
    cells: readonly CellRecord[],
    role: number,
    eui: Eui64,
    generation?: (s: Slot) => number,
  ): Placement[] {
    return cells
      .filter((c) => c.role === role)
      .map((c) => {
        const slot = { eui, usage: c.usage, cell: c.cell };
        return {
          cell: cellId(c),
          role,
          slot,
          keyGeneration: generation?.(slot) ?? this.dcc.ring.generationOf(slot),
        };
      });
  }

  /** Sends one step and records what the device took (one transaction after the device answered). */
  #run(
    flow: string,
    t: FlowTarget,
    at: number,
    step: StepSpec,
    fault: FlowFault = {},
    after?: () => string | null,
  ): FlowResult {
    const store = this.procedure.store;
    transaction(this.procedure.db, () =>
      this.dcc.counters.reserve(
        [step.signer.kind === 'party' ? step.signer.eui : this.#party('acb'), this.#party('acb')],
        4,
      ),
    );
    const cells = store.cells(t.device.eui);
    const s: StepSpec = {
      ...step,
      placements: fault.cell ? step.placements.map((p) => ({ ...p, cell: fault.cell! })) : step.placements,
      ...(fault.certificate ? { certificateOverride: fault.certificate } : {}),
    };
    const r = this.dcc.send(t.premises, t.device, this.dcc.build(s, t.device, cells, at));
    const base = { flow, srv: SRV[flow] ?? '', deviceId: t.device.eui, mode: step.mode };
    if (!r.delivered || !r.accepted) return { ...base, ok: false, reason: r.reason, statuses: {}, smi: null };
    const statuses = Object.fromEntries(r.outcomes.map((o) => [cellName(o.cell), o.statusCode]));
    const ok = r.outcomes.length === s.placements.length && r.outcomes.every((o) => o.statusCode === 0);
    let smi: string | null = null;
    transaction(this.procedure.db, () => {
      store.setCells(t.device.eui, this.dcc.cellsAfter(cells, r.outcomes));
      if (ok && after) smi = after();
    });
    return { ...base, ok, reason: ok ? null : 'REPLACEMENT_REFUSED', statuses, smi };
  }

  /**
   * SRV 6.21 Request Handover of DCC Controlled Device: the DCC's ACB identity, which holds the
   * role's cells, places the Supplier's (or Network Operator's) certificates there.
   */
  handover(t: FlowTarget, role: 'supplier' | 'networkOperator', at: number, fault?: FlowFault): FlowResult {
    const cells = this.procedure.store.cells(t.device.eui);
    const r = role === 'supplier' ? Role.SUPPLIER : Role.NETWORK_OPERATOR;
    return this.#run(
      'handover',
      t,
      at,
      {
        name: 'handover',
        mode:
          role === 'supplier'
            ? ReplacementMode.SUPPLIER_BY_SUPPLIER
            : ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR,
        signer: { kind: 'party', eui: this.#party('acb') },
        mac: true,
        placements: this.#roleCells(cells, r, this.#party(role)),
      },
      fault,
    );
  }

  /**
   * SRV 6.23 Update Security Credentials (CoS): TransCoS (mode 7) gives the gaining Supplier the
   * Supplier cells and resets the Supplier floors (GBCS 13.3.5: the specialist prepayment floor
   * "on CoS when the new supplier restarts top-up counters").
   */
  changeOfSupplier(t: FlowTarget, gainingSupplier: Eui64, at: number, fault?: FlowFault): FlowResult {
    const cells = this.procedure.store.cells(t.device.eui);
    return this.#run(
      'changeOfSupplier',
      t,
      at,
      {
        name: 'changeOfSupplier',
        mode: ReplacementMode.SUPPLIER_BY_TRANSCOS,
        signer: { kind: 'party', eui: this.#party('transCoS') },
        mac: true,
        placements: this.#roleCells(cells, Role.SUPPLIER, gainingSupplier),
        otherFloors: [
          {
            role: Role.SUPPLIER,
            floorSeqNumber: 0n,
            specialistFloorSeqNumbers: [{ usage: 0, seqNumber: 0n }],
          },
        ],
      },
      fault,
    );
  }

  /** Change of Network Operator (SRV 6.15.1 by the current NO, mode 3): the new NO's certificates. */
  changeOfNetworkOperator(t: FlowTarget, newOperator: Eui64, at: number, fault?: FlowFault): FlowResult {
    const cells = this.procedure.store.cells(t.device.eui);
    const current =
      cells.find((c) => c.role === Role.NETWORK_OPERATOR && c.usage === 'ds')?.subjectEui ??
      this.#party('networkOperator');
    return this.#run(
      'changeOfNetworkOperator',
      t,
      at,
      {
        name: 'changeOfNetworkOperator',
        mode: ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR,
        signer: { kind: 'party', eui: current },
        mac: true,
        placements: this.#roleCells(cells, Role.NETWORK_OPERATOR, newOperator),
        otherFloors: [{ role: Role.NETWORK_OPERATOR, floorSeqNumber: 0n, specialistFloorSeqNumbers: null }],
      },
      fault,
    );
  }

  #acbStep(t: FlowTarget, placements: Placement[]): StepSpec {
    return {
      name: 'acb',
      mode: ReplacementMode.ACB_BY_ACB,
      // MAC only on meters and GPFs; signed and MAC'd on a CHF (GBCS 6.2.3).
      signer: t.deviceType === 'CHF' ? { kind: 'party', eui: this.#party('acb') } : { kind: 'none' },
      mac: true,
      placements,
    };
  }

  /** The DCC re-keys its ACB KA credential (mode 4) to `generation` of the ACB's key. */
  acbRekey(t: FlowTarget, generation: number, at: number, fault?: FlowFault): FlowResult {
    const acb = this.#party('acb');
    const cells = this.procedure.store
      .cells(t.device.eui)
      .filter((c) => c.role === Role.ACCESS_CONTROL_BROKER && c.usage === 'ka');
    return this.#run(
      'acbRekey',
      t,
      at,
      this.#acbStep(
        t,
        this.#roleCells(cells, Role.ACCESS_CONTROL_BROKER, acb, () => generation),
      ),
      fault,
    );
  }

  /**
   * SRV 8.5 Service Opt Out (non-domestic): the ACB KA cell takes the Supplier's own ACB
   * certificate (OU=04 for the Supplier's KA key) and the device leaves the DCC's service: SMI
   * Commissioned → Withdrawn (the inventory refuses a domestic device, NOT_NON_DOMESTIC — then the
   * device has already taken the certificate: the SMI refusal is reported in `smi`).
   */
  serviceOptOut(t: FlowTarget, at: number, fault?: FlowFault): FlowResult {
    const supplier = this.#party('supplier');
    const cells = this.procedure.store
      .cells(t.device.eui)
      .filter((c) => c.role === Role.ACCESS_CONTROL_BROKER && c.usage === 'ka');
    return this.#run(
      'serviceOptOut',
      t,
      at,
      this.#acbStep(
        t,
        cells.map((c) => ({
          cell: cellId(c),
          role: Role.ACCESS_CONTROL_BROKER,
          slot: { eui: supplier, usage: 'ka', cell: 'management' },
          keyGeneration: this.dcc.ring.generationOf({ eui: supplier, usage: 'ka', cell: 'management' }),
        })),
      ),
      fault,
      () => {
        try {
          this.procedure.inventory.serviceOptOut(t.device.eui, at);
          return 'Withdrawn';
        } catch (e) {
          return `refused:${(e as { code?: string }).code ?? 'ERROR'}`;
        }
      },
    );
  }

  /** The WAN Provider re-keys its DS credential on a CHF (mode 5) to `generation`. */
  wanProviderRekey(t: FlowTarget, generation: number, at: number, fault?: FlowFault): FlowResult {
    const wan = this.#party('wanProvider');
    const cells = this.procedure.store.cells(t.device.eui);
    return this.#run(
      'wanProviderRekey',
      t,
      at,
      {
        name: 'wanProviderRekey',
        mode: ReplacementMode.WAN_PROVIDER_BY_WAN_PROVIDER,
        signer: { kind: 'party', eui: wan },
        mac: true,
        placements: this.#roleCells(cells, Role.WAN_PROVIDER, wan, () => generation),
      },
      fault,
    );
  }

  /**
   * CS02g: a Load Controller's credentials in an ESME's two Load Controller cells, placed by the
   * Supplier (mode 11) or by the Load Controller already there (mode 10).
   */
  loadController(
    t: FlowTarget,
    loadController: Eui64,
    by: 'supplier' | Eui64,
    at: number,
    fault?: FlowFault,
  ): FlowResult {
    const placements: Placement[] = (['ds', 'ka'] as const).map((usage) => ({
      cell: { role: Role.LOAD_CONTROLLER, keyUsage: usage, cellUsage: 'management' },
      role: Role.LOAD_CONTROLLER,
      slot: { eui: loadController, usage, cell: 'management' },
      keyGeneration: this.dcc.ring.generationOf({ eui: loadController, usage, cell: 'management' }),
    }));
    const bySupplier = by === 'supplier';
    return this.#run(
      'loadController',
      t,
      at,
      {
        name: 'loadController',
        mode: bySupplier
          ? ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER
          : ReplacementMode.LOAD_CONTROLLER_BY_LOAD_CONTROLLER,
        signer: { kind: 'party', eui: bySupplier ? this.#party('supplier') : by },
        mac: true,
        placements,
      },
      fault,
    );
  }
}
