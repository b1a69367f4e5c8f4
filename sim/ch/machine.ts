/**
 * The Communications Hub lifecycle (SEC F6–F9, CHIMSM; reference §5.3–§5.4) as data: states,
 * events, guards and effects are tables and `chTransition` is the one function that reads them.
 * Pure: the hub service (hubs.ts) loads the facts (the hub, the WAN coverage of its location, the
 * configuration), calls it, and writes the outcome — the hub, its history and charge, and the SMI
 * Status of its CHF and GPF — in one transaction.
 *
 * Tags: S stated by the source, I inferred, A simulation assumption. Text values (regions, fault
 * reasons, return types) are the DUIS v5.4 enumerations.
 */
import type { Eui64 } from '../../protocol/types.ts';
import type { SmiEvent } from '../inventory/smi-status.ts';
import { Provision } from '../smki/timeline.ts';
import { addDays, addMonths, addWorkingDays } from './calendar.ts';
import type { ChConfig } from './config.ts';

export const ChState = {
  ORDERED: 'Ordered',
  IN_TRANSIT: 'InTransit',
  DELIVERED: 'Delivered',
  REJECTED: 'Rejected',
  IN_SUPPLIER_STOCK: 'InSupplierStock',
  INSTALLED_NO_WAN: 'InstalledNoWAN',
  COMMISSIONED: 'Commissioned',
  FAULTY: 'Faulty',
  MUST_RETURN: 'MustReturn',
  REMOVED: 'Removed',
  IN_RETURN: 'InReturn',
  FAULT_DIAGNOSIS: 'FaultDiagnosis',
  REFURBISHED: 'Refurbished',
  SCRAPPED: 'Scrapped',
  LOST: 'Lost',
} as const;
export type ChState = (typeof ChState)[keyof typeof ChState];
export const CH_STATES: readonly ChState[] = Object.values(ChState);

export const ChEvent = {
  ORDER: 'order',
  DISPATCH: 'dispatch',
  DELIVER: 'deliver',
  ACCEPT: 'accept',
  REJECT: 'reject',
  DEEMED_ACCEPTED: 'deemedAccepted',
  INSTALL: 'install',
  WAN_CONNECTED: 'wanConnected',
  INSTALL_LEAVE_RESOLUTION: 'installLeaveResolution',
  FAULT: 'fault',
  REMOTE_FIX: 'remoteFix',
  REMOVE: 'remove',
  INSTALLATION_END_PASSED: 'installationEndPassed',
  LOST_OR_STOLEN: 'lostOrStolen',
  SHIP_RETURN: 'shipReturn',
  NOT_RETURNED: 'notReturned',
  RECEIVE: 'receive',
  DIAGNOSE: 'diagnose',
} as const;
export type ChEvent = (typeof ChEvent)[keyof typeof ChEvent];
export const CH_EVENTS: readonly ChEvent[] = Object.values(ChEvent);

/** DUIS CSPRegion (the three SM WAN regions) [S39]. */
export const REGIONS = ['North', 'Central', 'South'] as const;
export type Region = (typeof REGIONS)[number];
/** HAN variants (single band 2.4 GHz, dual band + sub-GHz): decide the scrap charge [S27]. */
export const HAN_VARIANTS = ['Single Band', 'Dual Band'] as const;
export type HanVariant = (typeof HAN_VARIANTS)[number];

/** DUIS CHFFaultReason (SRV 8.14.3) [S39]. */
export const FAULT_REASONS = [
  'Damaged case',
  'Damaged Connector',
  'Illegal interference or missing seals',
  'Environmental conditions exceeded',
  'SM WAN Fault',
  'SMHAN Interface Fault',
  'LED Fault',
  'Aerial fault',
  'Manufacturing defect',
] as const;
export type FaultReason = (typeof FAULT_REASONS)[number];
/** DUIS CHFFaultReturnType, decided by where the hub is when it is returned. */
export const FAULT_PRIOR = 'Fault identified prior to installation';
export const FAULT_POST = 'Fault identified post installation';
/** DUIS CHFNoFaultReturnType (SRV 8.14.4) without 'Lost or Stolen Hub' (that is `lostOrStolen`) [S39]. */
export const NO_FAULT_RETURN_TYPES = [
  'No Fault Return (general)',
  'No Fault Return (non-dom opt out)',
  'No Fault Return (dual supplier HAN variant replacement)',
  'No Fault Return (SM WAN variant replacement requested by DCC)',
] as const;
export type NoFaultReturnType = (typeof NO_FAULT_RETURN_TYPES)[number];
export const DCC_WAN_REPLACEMENT: NoFaultReturnType =
  'No Fault Return (SM WAN variant replacement requested by DCC)';
export const LOST_OR_STOLEN = 'Lost or Stolen Hub';
/** Why a hub in stock must go back when its TSAT installation end date passes [S27]. */
export const TSAT_EXPIRED_REASON = 'TSAT installation end date passed';
/** Reasons a Supplier rejects a consignment within the acceptance window [A]. */
export const REJECTION_REASONS = ['damaged', 'wrong variant', 'other'] as const;
/** The DCC's diagnosis of a returned hub (§5.3) [S49]. */
export const DIAGNOSIS_OUTCOMES = ['chDefect', 'supplierResponsible', 'noFaultFound'] as const;
export type DiagnosisOutcome = (typeof DIAGNOSIS_OUTCOMES)[number];

/** F9 Categories of Communications Hub Responsibility (§5.4) and who bears the cost. */
export const Responsibility = {
  CH_DEFECT: 'CH Defect',
  DCC_REQUESTED: 'DCC-requested replacement',
  SUPPLIER: 'Supplier responsibility',
  SUPPLIER_NO_FAULT: 'Supplier no-fault return',
  LOST: 'Lost or not returned',
  TSAT_EXPIRED: 'TSAT-expired stock',
} as const;
export type Responsibility = (typeof Responsibility)[keyof typeof Responsibility];
export const RESPONSIBILITIES: readonly Responsibility[] = Object.values(Responsibility);
export type Payer = 'Supplier' | 'DCC';
/** Who bears the cost of each category (§5.4: CH Defect and DCC requests the DCC [A], the rest the Supplier Party). */
export const PAYER: Record<Responsibility, Payer> = {
  'CH Defect': 'DCC',
  'DCC-requested replacement': 'DCC',
  'Supplier responsibility': 'Supplier',
  'Supplier no-fault return': 'Supplier',
  'Lost or not returned': 'Supplier',
  'TSAT-expired stock': 'Supplier',
};
export type ChargeKind = 'refurbishment' | 'scrap' | 'lostOrStolen';

/** One Communications Hub; `hubId` is its CHF's EUI. Times in ms since the epoch. */
export interface HubRecord {
  hubId: Eui64;
  gpfId: Eui64;
  region: Region;
  /** SM WAN variant (DUIS WANTechnologyType: 1–30 characters). */
  wanVariant: string;
  hanVariant: HanVariant;
  state: ChState;
  stateSince: number;
  orderedAt: number;
  acceptDeadline: number | null;
  /** Installation location (UPRN, the key of the SM WAN coverage table). */
  uprn: string | null;
  leaveDeadline: number | null;
  returnKind: 'fault' | 'noFault' | null;
  returnReason: string | null;
  returnDeadline: number | null;
  /** TSAT installation end date, when one applies to the device version [S27]. */
  installationEnd: number | null;
  diagnosis: DiagnosisOutcome | null;
  responsibility: Responsibility | null;
  chargesPence: number;
}

/** Parameters an event may carry. */
export interface ChParams {
  /** install: the installation location. */
  uprn?: string;
  /** reject. */
  rejectionReason?: (typeof REJECTION_REASONS)[number];
  /** remove: a fault return (8.14.3) with its reason, or a no-fault return (8.14.4) with its type. */
  faultReason?: FaultReason;
  noFaultType?: NoFaultReturnType;
  /** diagnose. */
  outcome?: DiagnosisOutcome;
  redeployable?: boolean;
}

/** An entry of the SM WAN Coverage Database [S49 p22]. */
export interface CoverageEntry {
  uprn: string;
  smWanAvailable: boolean;
  wanVariant: string | null;
}

export interface ChContext {
  hub: HubRecord;
  at: number;
  params: ChParams;
  /** Coverage of the location in play (params.uprn on install, else the hub's). */
  coverage: CoverageEntry | null;
  config: ChConfig;
}

export interface ChGuard {
  code: string;
  test: (c: ChContext) => boolean;
  message: (c: ChContext) => string;
  tag: 'S' | 'I' | 'A';
}

const day = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().slice(0, 10));

export const CH_GUARDS = {
  withinAcceptanceWindow: {
    code: 'ACCEPTANCE_WINDOW_CLOSED',
    test: (c) => c.hub.acceptDeadline !== null && c.at < c.hub.acceptDeadline,
    message: (c) => `the acceptance window of ${c.hub.hubId} closed on ${day(c.hub.acceptDeadline)}`,
    tag: 'A',
  },
  acceptanceWindowElapsed: {
    code: 'ACCEPTANCE_WINDOW_OPEN',
    test: (c) => c.hub.acceptDeadline !== null && c.at >= c.hub.acceptDeadline,
    message: (c) => `the acceptance window of ${c.hub.hubId} is open until ${day(c.hub.acceptDeadline)}`,
    tag: 'A',
  },
  locationKnown: {
    code: 'UNKNOWN_LOCATION',
    test: (c) => c.coverage !== null,
    message: (c) =>
      `${c.params.uprn ?? c.hub.uprn ?? '(no location)'} is not in the SM WAN coverage table (add it: ch coverage)`,
    tag: 'S',
  },
  smWanAvailable: {
    code: 'NO_SM_WAN',
    test: (c) => c.coverage?.smWanAvailable === true,
    message: (c) => `no SM WAN at ${c.coverage?.uprn} per the coverage table`,
    tag: 'S',
  },
  noSmWan: {
    code: 'SM_WAN_AVAILABLE',
    test: (c) => c.coverage?.smWanAvailable === false,
    message: (c) => `SM WAN is available at ${c.coverage?.uprn}`,
    tag: 'S',
  },
  wanVariantMatches: {
    code: 'WRONG_WAN_VARIANT',
    test: (c) => c.coverage?.wanVariant === c.hub.wanVariant,
    message: (c) =>
      `the coverage table says to fit WAN variant ${c.coverage?.wanVariant} at ${c.coverage?.uprn}; ${c.hub.hubId} is ${c.hub.wanVariant}`,
    tag: 'S',
  },
  resolutionDue: {
    code: 'RESOLUTION_NOT_DUE',
    test: (c) => c.hub.leaveDeadline !== null && c.at >= c.hub.leaveDeadline,
    message: (c) =>
      `the install-and-leave resolution of ${c.hub.hubId} is due on ${day(c.hub.leaveDeadline)}`,
    tag: 'S',
  },
  installationEndReached: {
    code: 'INSTALLATION_END_NOT_REACHED',
    test: (c) => c.hub.installationEnd !== null && c.at >= c.hub.installationEnd,
    message: (c) =>
      c.hub.installationEnd === null
        ? `${c.hub.hubId} has no TSAT installation end date`
        : `the TSAT installation end date of ${c.hub.hubId} is ${day(c.hub.installationEnd)}`,
    tag: 'S',
  },
  returnReasonGiven: {
    code: 'RETURN_REASON_REQUIRED',
    test: (c) => (c.params.faultReason === undefined) !== (c.params.noFaultType === undefined),
    message: () =>
      'a removal is a fault return (8.14.3, with its reason) or a no-fault return (8.14.4, with its type)',
    tag: 'S',
  },
  withinReturnWindow: {
    code: 'RETURN_WINDOW_CLOSED',
    test: (c) => c.hub.returnDeadline !== null && c.at < c.hub.returnDeadline,
    message: (c) => `the return window of ${c.hub.hubId} closed on ${day(c.hub.returnDeadline)}`,
    tag: 'A',
  },
  returnWindowElapsed: {
    code: 'RETURN_WINDOW_OPEN',
    test: (c) => c.hub.returnDeadline !== null && c.at >= c.hub.returnDeadline,
    message: (c) => `the return window of ${c.hub.hubId} is open until ${day(c.hub.returnDeadline)}`,
    tag: 'A',
  },
  diagnosisGiven: {
    code: 'DIAGNOSIS_REQUIRED',
    test: (c) => c.params.outcome !== undefined && c.params.redeployable !== undefined,
    message: () =>
      'a diagnosis needs its outcome (chDefect, supplierResponsible, noFaultFound) and whether the hub can be redeployed',
    tag: 'S',
  },
  redeployable: {
    code: 'NOT_REDEPLOYABLE',
    test: (c) => c.params.redeployable === true,
    message: () => 'not redeployable',
    tag: 'S',
  },
  notRedeployable: {
    code: 'REDEPLOYABLE',
    test: (c) => c.params.redeployable === false,
    message: () => 'redeployable',
    tag: 'S',
  },
} as const satisfies Record<string, ChGuard>;
export type ChGuardName = keyof typeof CH_GUARDS;

/** What happens to the hub's CHF and GPF in the SMI. 'decommission' applies only where legal. */
export type SmiEffect = SmiEvent | 'decommission';

export interface ChEffectOutput {
  patch?: Partial<HubRecord>;
  charge?: { pence: number; kind: ChargeKind; payer: Payer };
  smi?: SmiEffect;
}

/** F9 category of a diagnosed hub [I/A, §5.4]. */
export function responsibilityOf(hub: HubRecord, outcome: DiagnosisOutcome): Responsibility {
  if (outcome === 'chDefect') return Responsibility.CH_DEFECT;
  if (outcome === 'supplierResponsible') return Responsibility.SUPPLIER;
  if (hub.returnReason === DCC_WAN_REPLACEMENT) return Responsibility.DCC_REQUESTED;
  if (hub.returnReason === TSAT_EXPIRED_REASON) return Responsibility.TSAT_EXPIRED;
  return Responsibility.SUPPLIER_NO_FAULT;
}

const returnDeadline = (c: ChContext) => addMonths(c.at, c.config.returnWindowMonths);
const dual = (h: HubRecord) => h.hanVariant === 'Dual Band';

export const CH_EFFECTS = {
  /** Delivery: acceptance window opens; the CHF and GPF enter the SMI at Pending (§4.3 row 2). */
  delivered: (c) => ({
    patch: { acceptDeadline: addWorkingDays(c.at, c.config.acceptanceWindowWorkingDays) },
    smi: 'commsHubDelivered',
  }),
  /** 8.14.1 with SM WAN: CHF and GPF Commissioned (§4.3 row 7). */
  installed: (c) => ({ patch: { uprn: c.params.uprn ?? c.hub.uprn }, smi: 'commsHubCommissioned' }),
  /** 8.14.2 install and leave: CHF and GPF InstalledNotCommissioned (row 8); the 90-day resolution starts. */
  installedNoWan: (c) => ({
    patch: {
      uprn: c.params.uprn ?? c.hub.uprn,
      leaveDeadline: addDays(c.at, c.config.installLeaveResolutionDays),
    },
    smi: 'commsHubInstalledNoWan',
  }),
  /** WAN arrives at an install-and-leave: Commissioned (row 7). */
  connected: () => ({ patch: { leaveDeadline: null }, smi: 'commsHubCommissioned' }),
  /** Removal with its 8.14.3 / 8.14.4 payload; the return window opens; CHF and GPF decommissioned. */
  removed: (c) => ({
    patch: {
      returnKind: c.params.faultReason !== undefined ? 'fault' : 'noFault',
      returnReason: c.params.faultReason ?? c.params.noFaultType ?? null,
      returnDeadline: returnDeadline(c),
      leaveDeadline: null,
    },
    smi: 'decommission',
  }),
  /** The DCC resolves an unresolved install-and-leave by a Special WAN-Variant Installation [A]. */
  dccWanReplacement: (c) => ({
    patch: {
      returnKind: 'noFault',
      returnReason: DCC_WAN_REPLACEMENT,
      returnDeadline: returnDeadline(c),
      leaveDeadline: null,
    },
    smi: 'decommission',
  }),
  /** TSAT installation end date passed in stock: the hub must go back [S27]. */
  mustReturn: (c) => ({
    patch: { returnKind: 'noFault', returnReason: TSAT_EXPIRED_REASON, returnDeadline: returnDeadline(c) },
  }),
  /** Lost, stolen or never returned: the Supplier pays the lost-hub charge [S27/A]. */
  lost: (c) => ({
    patch: { responsibility: Responsibility.LOST, leaveDeadline: null },
    charge: {
      pence: dual(c.hub) ? c.config.lostDualBandPence : c.config.lostSingleBandPence,
      kind: 'lostOrStolen',
      payer: 'Supplier',
    },
    smi: 'decommission',
  }),
  /** Diagnosis, redeployable: refurbishment charge to whoever the F9 category names. */
  refurbished: (c) => {
    const r = responsibilityOf(c.hub, c.params.outcome!);
    return {
      patch: { diagnosis: c.params.outcome!, responsibility: r },
      charge: { pence: c.config.refurbishmentPence, kind: 'refurbishment', payer: PAYER[r] },
    };
  },
  /** Diagnosis, not redeployable: scrap charge by HAN variant. */
  scrapped: (c) => {
    const r = responsibilityOf(c.hub, c.params.outcome!);
    return {
      patch: { diagnosis: c.params.outcome!, responsibility: r },
      charge: {
        pence: dual(c.hub) ? c.config.scrapDualBandPence : c.config.scrapSingleBandPence,
        kind: 'scrap',
        payer: PAYER[r],
      },
    };
  },
} as const satisfies Record<string, (c: ChContext) => ChEffectOutput>;
export type ChEffectName = keyof typeof CH_EFFECTS;

export interface ChRule {
  event: ChEvent;
  from: readonly ChState[] | 'absent';
  to: ChState;
  guards: readonly ChGuardName[];
  effects: readonly ChEffectName[];
  /** The SEC section (regulatory timeline) the event falls under. */
  provision: Provision;
  tag: 'S' | 'I' | 'A';
  title: string;
}

const H = ChState;
const INSTALLED: readonly ChState[] = [H.COMMISSIONED, H.INSTALLED_NO_WAN, H.FAULTY];

/** The transition table (§5.3). Rows sharing (state, event) are tried in order; the first whose guards hold applies. */
export const CH_TRANSITIONS: readonly ChRule[] = [
  {
    event: 'order',
    from: 'absent',
    to: H.ORDERED,
    guards: [],
    effects: [],
    provision: Provision.SECTION_F6,
    tag: 'A',
    title:
      'order placed on the CH Ordering System (region, WAN variant, HAN variant) [S20]; dated under F6 [A]',
  },
  {
    event: 'dispatch',
    from: [H.ORDERED],
    to: H.IN_TRANSIT,
    guards: [],
    effects: [],
    provision: Provision.SECTION_F6,
    tag: 'S',
    title: 'consignment dispatched, Advanced Shipment Notification issued [S18]',
  },
  {
    event: 'deliver',
    from: [H.ORDERED, H.IN_TRANSIT],
    to: H.DELIVERED,
    guards: [],
    effects: ['delivered'],
    provision: Provision.SECTION_F6,
    tag: 'A',
    title: 'delivered; CHF and GPF enter the SMI at Pending',
  },
  {
    event: 'accept',
    from: [H.DELIVERED],
    to: H.IN_SUPPLIER_STOCK,
    guards: ['withinAcceptanceWindow'],
    effects: [],
    provision: Provision.SECTION_F6,
    tag: 'S',
    title: 'Supplier accepts the delivery within the acceptance window [S49]',
  },
  {
    event: 'reject',
    from: [H.DELIVERED],
    to: H.REJECTED,
    guards: ['withinAcceptanceWindow'],
    effects: [],
    provision: Provision.SECTION_F6,
    tag: 'A',
    title: 'Supplier rejects the delivery (damage, wrong variant) within the window',
  },
  {
    event: 'deemedAccepted',
    from: [H.DELIVERED],
    to: H.IN_SUPPLIER_STOCK,
    guards: ['acceptanceWindowElapsed'],
    effects: [],
    provision: Provision.SECTION_F6,
    tag: 'A',
    title: 'neither accepted nor rejected when the window closes: deemed accepted',
  },
  {
    event: 'install',
    from: [H.IN_SUPPLIER_STOCK],
    to: H.COMMISSIONED,
    guards: ['locationKnown', 'smWanAvailable', 'wanVariantMatches'],
    effects: ['installed'],
    provision: Provision.SECTION_F7,
    tag: 'S',
    title: 'installed with SM WAN at the location (8.14.1): CHF commissioned',
  },
  {
    event: 'install',
    from: [H.IN_SUPPLIER_STOCK],
    to: H.INSTALLED_NO_WAN,
    guards: ['locationKnown', 'noSmWan'],
    effects: ['installedNoWan'],
    provision: Provision.SECTION_F7,
    tag: 'S',
    title: 'installed without SM WAN, "install and leave" (8.14.2)',
  },
  {
    event: 'wanConnected',
    from: [H.INSTALLED_NO_WAN],
    to: H.COMMISSIONED,
    guards: ['locationKnown', 'smWanAvailable', 'wanVariantMatches'],
    effects: ['connected'],
    provision: Provision.SECTION_F7,
    tag: 'I',
    title: 'SM WAN reaches the install-and-leave location; the CH connects',
  },
  {
    event: 'installLeaveResolution',
    from: [H.INSTALLED_NO_WAN],
    to: H.REMOVED,
    guards: ['resolutionDue'],
    effects: ['dccWanReplacement'],
    provision: Provision.SECTION_F7,
    tag: 'A',
    title: '90 days without SM WAN: the DCC replaces the hub (Special WAN-Variant Installation)',
  },
  {
    event: 'fault',
    from: [H.COMMISSIONED],
    to: H.FAULTY,
    guards: [],
    effects: [],
    provision: Provision.SECTION_F7,
    tag: 'S',
    title: 'CH incident raised [S49]',
  },
  {
    event: 'remoteFix',
    from: [H.FAULTY],
    to: H.COMMISSIONED,
    guards: [],
    effects: [],
    provision: Provision.SECTION_F7,
    tag: 'I',
    title: 'resolved by remote maintenance [S49]',
  },
  {
    event: 'remove',
    from: [H.IN_SUPPLIER_STOCK],
    to: H.REMOVED,
    guards: ['returnReasonGiven'],
    effects: ['removed'],
    provision: Provision.SECTION_F8,
    tag: 'S',
    title: 'returned from stock: fault identified prior to installation (8.14.3) or no-fault (8.14.4)',
  },
  {
    event: 'remove',
    from: INSTALLED,
    to: H.REMOVED,
    guards: ['returnReasonGiven'],
    effects: ['removed'],
    provision: Provision.SECTION_F8,
    tag: 'S',
    title:
      'removed from the premises: fault post installation (8.14.3) or no-fault (8.14.4); CHF decommissioned',
  },
  {
    event: 'installationEndPassed',
    from: [H.IN_SUPPLIER_STOCK],
    to: H.MUST_RETURN,
    guards: ['installationEndReached'],
    effects: ['mustReturn'],
    provision: Provision.SECTION_F8,
    tag: 'S',
    title: 'TSAT installation end date passed before installation [S27]',
  },
  {
    event: 'lostOrStolen',
    from: [H.IN_SUPPLIER_STOCK, ...INSTALLED, H.REMOVED, H.MUST_RETURN],
    to: H.LOST,
    guards: [],
    effects: ['lost'],
    provision: Provision.SECTION_F8,
    tag: 'S',
    title: '8.14.4 Lost or Stolen Hub [S39][S27]',
  },
  {
    event: 'shipReturn',
    from: [H.REMOVED, H.MUST_RETURN],
    to: H.IN_RETURN,
    guards: ['withinReturnWindow'],
    effects: [],
    provision: Provision.SECTION_F8,
    tag: 'S',
    title: 'return request accepted on the OMS, hub shipped to the DCC [S18]',
  },
  {
    event: 'notReturned',
    from: [H.REMOVED, H.MUST_RETURN],
    to: H.LOST,
    guards: ['returnWindowElapsed'],
    effects: ['lost'],
    provision: Provision.SECTION_F8,
    tag: 'S',
    title: 'never returned within the return window: charged as lost [S27]',
  },
  {
    event: 'receive',
    from: [H.IN_RETURN],
    to: H.FAULT_DIAGNOSIS,
    guards: [],
    effects: [],
    provision: Provision.SECTION_F8,
    tag: 'A',
    title: 'received by the DCC',
  },
  {
    event: 'diagnose',
    from: [H.FAULT_DIAGNOSIS],
    to: H.REFURBISHED,
    guards: ['diagnosisGiven', 'redeployable'],
    effects: ['refurbished'],
    provision: Provision.SECTION_F9,
    tag: 'S',
    title: 'diagnosed, redeployable: refurbished (£8.27) [S27]; F9 category decided',
  },
  {
    event: 'diagnose',
    from: [H.FAULT_DIAGNOSIS],
    to: H.SCRAPPED,
    guards: ['diagnosisGiven', 'notRedeployable'],
    effects: ['scrapped'],
    provision: Provision.SECTION_F9,
    tag: 'S',
    title: 'diagnosed, not redeployable: scrapped (£30.87 / £58.75) [S27]; F9 category decided',
  },
];

export type ChOutcome =
  | {
      ok: true;
      rule: ChRule;
      from: ChState | null;
      to: ChState;
      patch: Partial<HubRecord>;
      charge: { pence: number; kind: ChargeKind; payer: Payer } | null;
      smi: SmiEffect | null;
    }
  | { ok: false; code: string; message: string };

export function chRulesFor(state: ChState | null, event: ChEvent): ChRule[] {
  return CH_TRANSITIONS.filter(
    (r) =>
      r.event === event && (r.from === 'absent' ? state === null : state !== null && r.from.includes(state)),
  );
}

/**
 * The one transition function. For `order` the context's hub is the record to create and
 * `exists` says whether one is on record already. Refusals: HUB_EXISTS, UNKNOWN_HUB,
 * ILLEGAL_TRANSITION, or the code of the failing guard of the row that got furthest.
 */
export function chTransition(event: ChEvent, context: ChContext, exists: boolean): ChOutcome {
  const creating = event === ChEvent.ORDER;
  const id = context.hub.hubId;
  if (creating && exists)
    return { ok: false, code: 'HUB_EXISTS', message: `a Communications Hub ${id} is already on record` };
  if (!creating && !exists)
    return { ok: false, code: 'UNKNOWN_HUB', message: `no Communications Hub ${id} on record` };
  const from = creating ? null : context.hub.state;
  const rules = chRulesFor(from, event);
  if (rules.length === 0)
    return {
      ok: false,
      code: 'ILLEGAL_TRANSITION',
      message: `${event} is not allowed for hub ${id} in state ${from}`,
    };
  let best: { passed: number; guard: ChGuard } | null = null;
  for (const rule of rules) {
    const guards = rule.guards.map((g) => CH_GUARDS[g] as ChGuard);
    const failedAt = guards.findIndex((g) => !g.test(context));
    if (failedAt >= 0) {
      if (!best || failedAt > best.passed) best = { passed: failedAt, guard: guards[failedAt]! };
      continue;
    }
    const patch: Partial<HubRecord> = {};
    let charge: ChEffectOutput['charge'] | null = null;
    let smi: SmiEffect | null = null;
    for (const e of rule.effects) {
      const out: ChEffectOutput = CH_EFFECTS[e](context);
      Object.assign(patch, out.patch);
      charge = out.charge ?? charge;
      smi = out.smi ?? smi;
    }
    return { ok: true, rule, from, to: rule.to, patch, charge, smi };
  }
  return { ok: false, code: best!.guard.code, message: best!.guard.message(context) };
}
