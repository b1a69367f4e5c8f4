/**
 * The SMKI Recovery incident as a state machine, as data (reference `smki-recovery-ch-domain.md`
 * §3.3–3.4, structured on the Recovery Procedure's table of contents [S31]: pre-recovery →
 * execution → post-recovery per method): states, events, guards and effects are tables, and
 * `incidentTransition` is the one function that reads them. Pure: the procedure (procedure.ts)
 * loads what the guards look at, calls it, and writes the outcome and the effects in one
 * transaction.
 *
 *   Reported ─confirm→ Confirmed ─decide→ Decided ─execute→ Executing ─complete→ PostRecovery ─close→ Closed
 *      └─reject→ Closed (no compromise)        ↺ approve (Key Custodians)
 *
 * Tags: the states and their order are the reference's [A, structured on S31]; the timeline gates
 * are the direction's (variation (b)(i): the Procedure beyond Sections 1, 2 and 3.4 from SEC L3;
 * (b)(ii): Recovery / Contingency / Symmetric key steps and the SMI Statuses recovery / recovered
 * from Service Release 1.3); the Key Custodian quorum is an assumption (m of n, default 3 of 5).
 */
import type { Provision } from '../smki/timeline.ts';
import { type Method, type MethodAvailability, methodLabel } from './keys.ts';

export const IncidentState = {
  REPORTED: 'Reported',
  CONFIRMED: 'Confirmed',
  DECIDED: 'Decided',
  EXECUTING: 'Executing',
  POST_RECOVERY: 'PostRecovery',
  CLOSED: 'Closed',
} as const;
export type IncidentState = (typeof IncidentState)[keyof typeof IncidentState];
export const INCIDENT_STATES: readonly IncidentState[] = Object.values(IncidentState);

export const IncidentEvent = {
  /** The DCC confirms the suspected compromise with its permitted mechanisms. */
  CONFIRM: 'confirm',
  /** The DCC finds no compromise: the incident closes. */
  REJECT: 'reject',
  /** The SMKI PMA decides the method (SMKI Recovery Key Guidance). */
  DECIDE: 'decide',
  /** A Key Custodian approves the use of the recovery keys. */
  APPROVE: 'approve',
  /** Execution starts: the Relevant Devices are selected from the SMI. */
  EXECUTE: 'execute',
  /** Every Relevant Device is recovered or has failed: the compromised certificates are revoked. */
  COMPLETE: 'complete',
  /** Reports made: the incident closes. */
  CLOSE: 'close',
} as const;
export type IncidentEvent = (typeof IncidentEvent)[keyof typeof IncidentEvent];
export const INCIDENT_EVENTS: readonly IncidentEvent[] = Object.values(IncidentEvent);

/** What the guards look at, loaded by the caller. */
export interface IncidentContext {
  /** The event's date, for the timeline gates. */
  at: number;
  /** The method the event names (decide) or the incident holds (later events). */
  method: Method | null;
  /** Availability of every method for the incident's key at `at`. */
  availability: readonly MethodAvailability[];
  /** approve: the custodian asking. */
  custodian?: string;
  /** Appointed Key Custodians and those who approved this incident. */
  custodians: readonly string[];
  approvals: readonly string[];
  /** Approvals needed when the method uses the recovery keys. */
  quorum: number;
  /** Relevant Devices not yet recovered or failed (complete). */
  devicesOutstanding: number;
  /** Whether the full Recovery Procedure is in force at `at`; if not, its refusal. */
  procedure: { ok: true } | { ok: false; code: string; message: string; citation: string };
}

type GuardResult = { ok: true } | { ok: false; code: string; message: string; citation?: string };

export const INCIDENT_GUARDS = {
  /** The Recovery Procedure beyond Sections 1, 2 and 3.4 is in force (variation (b)(i)). */
  procedureInForce: (c) => (c.procedure.ok ? { ok: true } : c.procedure),
  /** The method is offered for the key's case and in force at the date (variation (b)(ii)). */
  methodAvailable: (c) => {
    if (c.method === null) return { ok: false, code: 'METHOD_REQUIRED', message: 'no method decided' };
    const a = c.availability.find((x) => x.method === c.method);
    if (!a) return { ok: false, code: 'METHOD_NOT_OFFERED', message: `no ${c.method} method` };
    if (a.available) return { ok: true };
    const offered = c.availability.filter((x) => x.available).map((x) => x.method);
    return {
      ok: false,
      code: a.code,
      message: `${methodLabel(c.method)} is not available: ${a.reason}; available now: ${offered.length ? offered.map(methodLabel).join(', ') : 'none'}`,
      ...(a.citation ? { citation: a.citation } : {}),
    };
  },
  /** The custodian is appointed and has not approved yet; the method uses the recovery keys. */
  custodianMayApprove: (c) => {
    const a = c.availability.find((x) => x.method === c.method);
    if (!a?.available || !a.option.usesRecoveryKeys)
      return {
        ok: false,
        code: 'NO_APPROVAL_NEEDED',
        message: `${c.method ? methodLabel(c.method) : 'the method'} uses no recovery key: no Key Custodian approval`,
      };
    if (!c.custodian || !c.custodians.includes(c.custodian))
      return {
        ok: false,
        code: 'NOT_A_KEY_CUSTODIAN',
        message: `${c.custodian ?? '(none)'} is not an appointed Key Custodian (${c.custodians.join(', ') || 'none appointed'})`,
      };
    if (c.approvals.includes(c.custodian))
      return { ok: false, code: 'ALREADY_APPROVED', message: `${c.custodian} has already approved` };
    return { ok: true };
  },
  /** Methods using the Recovery or Contingency key need a Key Custodian quorum [A: m of n]. */
  quorum: (c) => {
    const a = c.availability.find((x) => x.method === c.method);
    if (!a?.available || !a.option.usesRecoveryKeys || c.approvals.length >= c.quorum) return { ok: true };
    return {
      ok: false,
      code: 'NO_QUORUM',
      message: `${c.method ? methodLabel(c.method) : 'the method'} uses the DCC's recovery keys: ${c.approvals.length} of the ${c.quorum} Key Custodian approvals needed`,
    };
  },
  /** Every Relevant Device is recovered or has failed. */
  allDevicesDone: (c) =>
    c.devicesOutstanding === 0
      ? { ok: true }
      : {
          ok: false,
          code: 'DEVICES_OUTSTANDING',
          message: `${c.devicesOutstanding} Relevant Devices are neither recovered nor failed`,
        },
} as const satisfies Record<string, (c: IncidentContext) => GuardResult>;
export type IncidentGuardName = keyof typeof INCIDENT_GUARDS;

/** Effects the procedure performs when a transition is taken (in the same transaction). */
export const INCIDENT_EFFECTS = {
  /** Notification: the DCC notifies Parties, RDPs and the PMA (the notification file). */
  notify: 'the Compromise Notification File is issued',
  /** The Relevant Devices are selected from the SMI and the DCC register of cells. */
  selectRelevantDevices:
    'the Relevant Devices are selected (SMI Commissioned/Recovered, a cell holding the key)',
  /** The compromised certificates are revoked in the SMKI Repository; the progress file is final. */
  revoke: 'the compromised certificates are revoked in the SMKI Repository',
  /** The final progress report. */
  finalReport: 'the final Recovery Progress File is issued',
} as const;
export type IncidentEffectName = keyof typeof INCIDENT_EFFECTS;

export interface IncidentRule {
  from: readonly IncidentState[];
  event: IncidentEvent;
  to: IncidentState;
  guards: readonly IncidentGuardName[];
  effects: readonly IncidentEffectName[];
  /** Closed: how. */
  outcome?: 'NoCompromise' | 'Recovered';
  /** Provisions gating the event besides the guards (documentation; guards check them). */
  provisions?: readonly Provision[];
  tag: 'S' | 'I' | 'A';
  title: string;
}

const S = IncidentState;
const E = IncidentEvent;

/** The transition table. */
export const INCIDENT_TRANSITIONS: readonly IncidentRule[] = [
  {
    from: [S.REPORTED],
    event: E.CONFIRM,
    to: S.CONFIRMED,
    guards: ['procedureInForce'],
    effects: ['notify'],
    tag: 'S',
    title: 'the DCC confirms the suspected compromise and notifies Parties, RDPs and the PMA',
  },
  {
    from: [S.REPORTED],
    event: E.REJECT,
    to: S.CLOSED,
    outcome: 'NoCompromise',
    guards: ['procedureInForce'],
    effects: [],
    tag: 'A',
    title: 'no compromise found: closed',
  },
  {
    from: [S.CONFIRMED],
    event: E.DECIDE,
    to: S.DECIDED,
    guards: ['procedureInForce', 'methodAvailable'],
    effects: [],
    tag: 'S',
    title: 'the SMKI PMA decides the method (SMKI Recovery Key Guidance, L10.9)',
  },
  {
    from: [S.DECIDED],
    event: E.APPROVE,
    to: S.DECIDED,
    guards: ['procedureInForce', 'custodianMayApprove'],
    effects: [],
    tag: 'A',
    title: 'a Key Custodian approves the use of the recovery keys',
  },
  {
    from: [S.DECIDED],
    event: E.EXECUTE,
    to: S.EXECUTING,
    guards: ['procedureInForce', 'methodAvailable', 'quorum'],
    effects: ['selectRelevantDevices'],
    tag: 'S',
    title: 'execution: the Relevant Devices are selected and recovered one by one',
  },
  {
    from: [S.EXECUTING],
    event: E.COMPLETE,
    to: S.POST_RECOVERY,
    guards: ['allDevicesDone'],
    effects: ['revoke'],
    tag: 'S',
    title: 'post-recovery: the compromised certificates are revoked',
  },
  {
    from: [S.POST_RECOVERY],
    event: E.CLOSE,
    to: S.CLOSED,
    outcome: 'Recovered',
    guards: [],
    effects: ['finalReport'],
    tag: 'A',
    title: 'reports made: closed',
  },
];

export type IncidentOutcome =
  | { ok: true; rule: IncidentRule; from: IncidentState; to: IncidentState }
  | { ok: false; code: string; message: string; citation?: string };

/** The one transition function: the rule for (state, event) and its guards' verdict. */
export function incidentTransition(
  state: IncidentState,
  event: IncidentEvent,
  c: IncidentContext,
): IncidentOutcome {
  const rule = INCIDENT_TRANSITIONS.find((r) => r.event === event && r.from.includes(state));
  if (!rule)
    return {
      ok: false,
      code: 'ILLEGAL_TRANSITION',
      message: `${event} is not possible in state ${state} (possible: ${
        INCIDENT_TRANSITIONS.filter((r) => r.from.includes(state))
          .map((r) => r.event)
          .join(', ') || 'none'
      })`,
    };
  for (const g of rule.guards) {
    const v: GuardResult = INCIDENT_GUARDS[g](c);
    if (!v.ok) return v;
  }
  return { ok: true, rule, from: state, to: rule.to };
}
