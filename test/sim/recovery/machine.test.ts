/**
 * The incident machine (sim/recovery/machine.ts): every state × event, legal and illegal, and each
 * guard's refusal; the methods each key's case offers (keys.ts) and their gates on the timeline.
 */
import { describe, expect, it } from 'vitest';
import {
  COMPROMISABLE_KEYS,
  KEY_NAMES,
  METHODS,
  type MethodAvailability,
  methodAvailability,
} from '../../../sim/recovery/keys.ts';
import {
  INCIDENT_EVENTS,
  INCIDENT_STATES,
  type IncidentContext,
  type IncidentEvent,
  type IncidentState,
  incidentTransition,
} from '../../../sim/recovery/machine.ts';
import { RegulatoryTimeline } from '../../../sim/smki/timeline.ts';

const timeline = new RegulatoryTimeline();
const ENDURING = methodAvailability(COMPROMISABLE_KEYS['supplier-ds']!, timeline, 'enduring');

/** A context in which every guard passes. */
const ok = (over: Partial<IncidentContext> = {}): IncidentContext => ({
  at: Date.UTC(2017, 0, 1),
  method: '2',
  availability: ENDURING,
  custodian: 'd',
  custodians: ['a', 'b', 'c', 'd'],
  approvals: ['a', 'b', 'c'],
  quorum: 3,
  devicesOutstanding: 0,
  procedure: { ok: true },
  ...over,
});

const LEGAL: Record<IncidentState, Partial<Record<IncidentEvent, IncidentState>>> = {
  Reported: { confirm: 'Confirmed', reject: 'Closed' },
  Confirmed: { decide: 'Decided' },
  Decided: { approve: 'Decided', execute: 'Executing' },
  Executing: { complete: 'PostRecovery' },
  PostRecovery: { close: 'Closed' },
  Closed: {},
};

describe('incident machine', () => {
  for (const state of INCIDENT_STATES)
    for (const event of INCIDENT_EVENTS) {
      const to = LEGAL[state][event];
      it(`${state} × ${event} → ${to ?? 'ILLEGAL_TRANSITION'}`, () => {
        const r = incidentTransition(state, event, ok());
        if (to === undefined) expect(r).toMatchObject({ ok: false, code: 'ILLEGAL_TRANSITION' });
        else expect(r).toMatchObject({ ok: true, from: state, to });
      });
    }

  it('closing outcomes: reject → NoCompromise, close → Recovered', () => {
    const r1 = incidentTransition('Reported', 'reject', ok());
    const r2 = incidentTransition('PostRecovery', 'close', ok());
    expect(r1.ok && r1.rule.outcome).toBe('NoCompromise');
    expect(r2.ok && r2.rule.outcome).toBe('Recovered');
  });

  it('guards refuse with their code', () => {
    const before13 = methodAvailability(COMPROMISABLE_KEYS['supplier-ds']!, timeline, Date.UTC(2016, 10, 6));
    const decided = incidentTransition('Confirmed', 'decide', ok({ availability: before13 }));
    expect(decided).toMatchObject({ ok: false, code: 'NOT_IN_FORCE:RECOVERY_PRIVATE_KEY_STEPS' });
    expect(decided.ok === false && decided.message).toMatch(/available now: Method 1$/);
    expect(decided.ok === false && decided.citation).toMatch(/variation \(b\)\(ii\)/);
    expect(incidentTransition('Decided', 'execute', ok({ approvals: ['a', 'b'] }))).toMatchObject({
      ok: false,
      code: 'NO_QUORUM',
    });
    // Method 1 uses no recovery key: no quorum, no approvals.
    expect(incidentTransition('Decided', 'execute', ok({ method: '1', approvals: [] }))).toMatchObject({
      ok: true,
    });
    expect(incidentTransition('Decided', 'approve', ok({ method: '1' }))).toMatchObject({
      code: 'NO_APPROVAL_NEEDED',
    });
    expect(incidentTransition('Decided', 'approve', ok({ custodian: 'mallory' }))).toMatchObject({
      code: 'NOT_A_KEY_CUSTODIAN',
    });
    expect(incidentTransition('Decided', 'approve', ok({ custodian: 'a' }))).toMatchObject({
      code: 'ALREADY_APPROVED',
    });
    expect(incidentTransition('Executing', 'complete', ok({ devicesOutstanding: 2 }))).toMatchObject({
      code: 'DEVICES_OUTSTANDING',
    });
    expect(
      incidentTransition(
        'Reported',
        'confirm',
        ok({
          procedure: { ok: false, code: 'NOT_IN_FORCE:RECOVERY_PROCEDURE_FULL', message: 'x', citation: 'y' },
        }),
      ),
    ).toMatchObject({ code: 'NOT_IN_FORCE:RECOVERY_PROCEDURE_FULL' });
    expect(incidentTransition('Confirmed', 'decide', ok({ method: null }))).toMatchObject({
      code: 'METHOD_REQUIRED',
    });
  });
});

describe('methods per key (cases R1–R7)', () => {
  const offered = (a: MethodAvailability[]) =>
    a.filter((x) => x.available).map((x) => `${x.method}:${x.available && x.option.case}`);
  const EXPECTED: Record<string, string[]> = {
    'supplier-ds': ['1:R1', '2:R2', '3:R3', 'contingency:R4'],
    'supplier-ka': ['1:R1', '2:R2', '3:R3', 'contingency:R4'],
    'network-operator-ds': ['1:R1', '2:R2', '3:R3', 'contingency:R4'],
    'network-operator-ka': ['1:R1', '2:R2', '3:R3', 'contingency:R4'],
    'acb-ka': ['1:R1', '3:R3', 'contingency:R4'],
    'acb-ds': ['1:R1', '3:R3', 'contingency:R4'],
    'transcos-ds': ['1:R1', '3:R3', 'contingency:R4'],
    'wan-provider-ds': ['1:R1', '3:R3', 'contingency:R4'],
    'wan-provider-ka': ['1:R1', '3:R3', 'contingency:R4'],
    root: ['contingency:R4'],
    issuing: ['contingency:R7'],
    recovery: ['3:R6', 'contingency:R6'],
    contingency: ['1:R5'],
  };
  it('every key names its case and offers what the reference allows; the others say why not', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...KEY_NAMES].sort());
    for (const k of KEY_NAMES) {
      const a = methodAvailability(COMPROMISABLE_KEYS[k]!, timeline, 'enduring');
      expect(offered(a), k).toEqual(EXPECTED[k]);
      expect(a.map((x) => x.method)).toEqual([...METHODS]);
      for (const x of a)
        if (!x.available) expect(x).toMatchObject({ code: 'METHOD_NOT_OFFERED', reason: expect.any(String) });
    }
  });
});
