/**
 * The regulatory timeline of the DECC direction of 8 February 2016 as the recovery meets it: for
 * each date, the day before refuses (with the provision's code, nothing written) and the day it
 * takes effect allows —
 *
 * - 2016-02-09 (designation (b), ¶1, variation (b)(i): Sections 1, 2, Paragraph 3.4): appointing Key Custodians;
 * - 2016-02-10 (¶6, F6–F9): the simulated DCC systems, hence the drill's estate in the SMI [A];
 * - SEC L3, default 2016-03-09 (variation (b)(i); configuration): reporting an incident, Method 1;
 * - Service Release 1.3, default 2016-11-07 (variation (b)(ii)): Methods 2, 3 and the contingency
 *   method (Recovery / Contingency / Symmetric key steps, SMI Statuses recovery / recovered) — in a
 *   drill and at the SMKI PMA's decision of an incident run step by step.
 */
import { describe, expect, it } from 'vitest';
import { COMPROMISABLE_KEYS, methodAvailability } from '../../../sim/recovery/keys.ts';
import { RegulatoryTimeline } from '../../../sim/smki/timeline.ts';
import { codeOf } from '../../fixtures/errors.ts';
import { recoveryWorld } from '../../fixtures/recovery.ts';
import { dumpDb } from '../../fixtures/sqlite.ts';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

describe('recovery on the regulatory timeline (day before / day of)', () => {
  it('2016-02-09: Key Custodians may be appointed from the day the Recovery Procedure (3.4) takes effect', () => {
    const w = recoveryWorld({ premises: 1, compromise: 'supplier-ds' });
    const before = dumpDb(w.db);
    expect(codeOf(() => w.procedure.appointKeyCustodian('Alice', day('2016-02-08')))).toBe(
      'NOT_IN_FORCE:RECOVERY_PROCEDURE_INITIAL',
    );
    expect(dumpDb(w.db)).toBe(before);
    w.procedure.appointKeyCustodian('Alice', day('2016-02-09'));
    expect(w.procedure.store.custodians()).toEqual(['Alice']);
  });

  it('2016-02-10: the estate enters the SMI only once SEC F6–F9 are in force (the simulated DCC systems start)', () => {
    const early = recoveryWorld({ premises: 2, compromise: 'supplier-ds', asOf: day('2016-02-09') });
    const before = dumpDb(early.db);
    expect(codeOf(() => early.drill.buildEstate())).toBe('NOT_IN_FORCE:SECTION_F6');
    expect(dumpDb(early.db)).toBe(before);
    const w = recoveryWorld({ premises: 2, compromise: 'supplier-ds', asOf: day('2016-02-10') });
    w.drill.buildEstate();
    expect(w.procedure.inventory.statusCounts().Commissioned).toBe(8);
  });

  it('SEC L3 (2016-03-09): an incident can be reported, and Method 1 used, from that day', () => {
    const w = recoveryWorld({ premises: 1, compromise: 'supplier-ds', asOf: day('2016-02-10') });
    w.drill.buildEstate();
    const before = dumpDb(w.db);
    expect(codeOf(() => w.procedure.report('supplier-ds', day('2016-03-08')))).toBe(
      'NOT_IN_FORCE:RECOVERY_PROCEDURE_FULL',
    );
    expect(dumpDb(w.db)).toBe(before);
    const [c] = w.procedure.report('supplier-ds', day('2016-03-09'));
    expect(c).toMatchObject({ event: 'report', to: 'Reported' });
    // A drill dated the day before offers nothing; the day of, Method 1 only.
    expect(
      codeOf(() =>
        recoveryWorld({
          premises: 1,
          compromise: 'supplier-ds',
          method: '1',
          asOf: day('2016-03-08'),
        }).drill.precheck(),
      ),
    ).toBe('NOT_IN_FORCE:RECOVERY_PROCEDURE_FULL');
    const l3 = recoveryWorld({
      premises: 1,
      compromise: 'supplier-ds',
      asOf: day('2016-03-09'),
    }).drill.precheck();
    expect(l3.method).toBe('1');
    expect(l3.availability.filter((a) => a.available).map((a) => a.method)).toEqual(['1']);
  });

  it('Service Release 1.3 (2016-11-07): Methods 2, 3 and contingency from that day; before, Method 1 only, and the refusal cites variation (b)(ii)', () => {
    const key = COMPROMISABLE_KEYS['supplier-ds']!;
    const tl = new RegulatoryTimeline();
    const before = methodAvailability(key, tl, day('2016-11-06'));
    const on = methodAvailability(key, tl, day('2016-11-07'));
    expect(before.filter((a) => a.available).map((a) => a.method)).toEqual(['1']);
    expect(on.filter((a) => a.available).map((a) => a.method)).toEqual(['1', '2', '3', 'contingency']);
    const why = Object.fromEntries(before.filter((a) => !a.available).map((a) => [a.method, a]));
    expect(why['2']).toMatchObject({
      code: 'NOT_IN_FORCE:RECOVERY_PRIVATE_KEY_STEPS',
      citation: expect.stringMatching(/variation \(b\)\(ii\)/),
    });
    expect(why['3']).toMatchObject({ code: 'NOT_IN_FORCE:RECOVERY_PRIVATE_KEY_STEPS' });
    expect(why.contingency).toMatchObject({ code: 'NOT_IN_FORCE:CONTINGENCY_PRIVATE_KEY_STEPS' });
    expect(why['2']!.available === false && why['2']!.reason).toMatch(/only from 2016-11-07/);

    for (const method of ['2', '3', 'contingency'] as const) {
      const w = recoveryWorld({ premises: 1, compromise: 'supplier-ds', method, asOf: day('2016-11-06') });
      const dump = dumpDb(w.db);
      expect(codeOf(() => w.drill.run())).toMatch(/^NOT_IN_FORCE:(RECOVERY|CONTINGENCY)_PRIVATE_KEY_STEPS$/);
      expect(dumpDb(w.db)).toBe(dump);
      const ok = recoveryWorld({
        premises: 1,
        compromise: 'supplier-ds',
        method,
        asOf: day('2016-11-07'),
      }).drill.run();
      expect(ok).toMatchObject({ method, recovered: 3, failed: 0, acceptedCompromisedKeyAfterRecovery: 0 });
      expect(ok.smiStatusCounts.Recovered).toBe(3);
    }
  });

  it('step by step: the day before SR 1.3 the PMA decision refuses Methods 2, 3 and contingency citing variation (b)(ii), nothing written; Method 1 only; the day of, Method 2', () => {
    const w = recoveryWorld({ premises: 1, compromise: 'supplier-ds', asOf: day('2016-11-06') });
    w.drill.buildEstate();
    const [reported] = w.procedure.report('supplier-ds', day('2016-11-06'));
    const id = reported!.incidentId;
    w.procedure.confirm(id, day('2016-11-06'));
    const before = dumpDb(w.db);
    const refusal = (method: '2' | '3' | 'contingency') => {
      try {
        w.procedure.decide(id, method, day('2016-11-06'));
      } catch (e) {
        return e as Error & { code: string };
      }
      throw new Error(`decide ${method} was accepted before SR 1.3`);
    };
    for (const method of ['2', '3', 'contingency'] as const) {
      const e = refusal(method);
      expect(e.code).toBe(
        method === 'contingency'
          ? 'NOT_IN_FORCE:CONTINGENCY_PRIVATE_KEY_STEPS'
          : 'NOT_IN_FORCE:RECOVERY_PRIVATE_KEY_STEPS',
      );
      expect(e.message).toMatch(/only from 2016-11-07/);
      expect(e.message).toMatch(/DECC direction 8 Feb 2016, variation \(b\)\(ii\)/);
      expect(dumpDb(w.db)).toBe(before);
    }
    expect(w.procedure.incident(id).state).toBe('Confirmed');
    const offered = (at: number) =>
      w.procedure
        .status(id, at)
        .availability.filter((x) => x.available)
        .map((x) => x.method);
    expect(offered(day('2016-11-06'))).toEqual(['1']);
    expect(offered(day('2016-11-07'))).toEqual(['1', '2', '3', 'contingency']);
    // The day of, the PMA may decide Method 2 for the same incident.
    const [decided] = w.procedure.decide(id, '2', day('2016-11-07'));
    expect(decided).toMatchObject({ event: 'decide', to: 'Decided', details: { method: '2', case: 'R2' } });
  });

  it('a drill dated before SR 1.3 without --method runs Method 1 and says why the others are not offered', () => {
    const w = recoveryWorld({ premises: 1, compromise: 'supplier-ds', asOf: day('2016-11-06') });
    const phases: Array<Record<string, unknown>> = [];
    const s = w.drill.run({ onPhase: (p) => phases.push(p) });
    expect(s).toMatchObject({
      method: '1',
      case: 'R1',
      recovered: 3,
      acceptedCompromisedKeyAfterRecovery: 0,
    });
    // Method 1 leaves the SMI Status alone (and needs none of the SR 1.3 steps).
    expect(s.smiStatusCounts).toMatchObject({ Commissioned: 4, Recovery: 0, Recovered: 0 });
    const estate = phases.find((p) => p.phase === 'estate')!;
    expect(estate.methods).toEqual([
      { method: '1', available: true, case: 'R1' },
      ...['2', '3', 'contingency'].map((m) => ({
        method: m,
        available: false,
        code:
          m === 'contingency'
            ? 'NOT_IN_FORCE:CONTINGENCY_PRIVATE_KEY_STEPS'
            : 'NOT_IN_FORCE:RECOVERY_PRIVATE_KEY_STEPS',
        reason: expect.stringMatching(
          /refused on 2016-11-06: steps requiring the (Recovery|Contingency) Private Key only from 2016-11-07/,
        ),
        citation: expect.stringMatching(/DECC direction 8 Feb 2016, variation \(b\)\(ii\)/),
      })),
    ]);
  });
});
