/**
 * Recovery drills over a small estate (sim/recovery/drill.ts): for every compromisable key, the
 * attacker's probe is accepted by every Relevant Device before the recovery and by none after it
 * (so the drill's 0 means something); every method on an estate of premises, with its SMI Statuses,
 * DCC alerts, revocations and files; a device that keeps failing is reported and the counts
 * balance; a lost response is retried; a crash in the middle of a batch — devices changed, the DCC
 * database not yet — resumes with no device half-replaced. (1,000-premises drills run from the
 * command line: README, bench/recovery.bench.ts.)
 */
import { describe, expect, it } from 'vitest';
import { checkInventory, checkSqlite } from '../../../sim/inventory/check.ts';
import { CONTINGENCY_ORIGINATOR } from '../../../sim/recovery/dcc.ts';
import type { Estate, EstateDeviceType, EstatePremises } from '../../../sim/recovery/estate.ts';
import { COMPROMISABLE_KEYS, KEY_NAMES } from '../../../sim/recovery/keys.ts';
import { makeProbe } from '../../../sim/recovery/probe.ts';
import { transaction } from '../../../sim/store/dcc-database.ts';
import { recoveryWorld } from '../../fixtures/recovery.ts';

const originators = (w: ReturnType<typeof recoveryWorld>) => [
  ...(['supplier', 'networkOperator', 'acb', 'transCoS', 'wanProvider', 'recovery'] as const).map((p) =>
    w.dcc.ring.eui(p),
  ),
  CONTINGENCY_ORIGINATOR,
];

describe('the attacker probe: accepted before the recovery, refused after it', () => {
  for (const key of KEY_NAMES.filter((k) => k !== 'wan-provider-ka'))
    it(key, () => {
      const w = recoveryWorld({ premises: 1, compromise: key });
      w.drill.buildEstate();
      const relevant = w.procedure.relevantDevices(COMPROMISABLE_KEYS[key]!);
      expect(relevant.length).toBeGreaterThan(0);
      const probe = makeProbe(COMPROMISABLE_KEYS[key]!, w.dcc.ring.snapshot(), w.dcc, w.at);
      transaction(w.db, () => w.dcc.counters.reserve(originators(w), 20));
      const premises = w.estate.premises(0);
      for (const d of relevant)
        expect(
          probe({
            device: premises.devices.get(d.deviceId)!,
            deviceType: d.deviceType as EstateDeviceType,
            premises,
            cells: w.procedure.store.cells(d.deviceId),
          }),
          `${key} before recovery on ${d.deviceType}`,
        ).toBe('accepted');
      const s = w.drill.run();
      expect(s).toMatchObject({
        relevantDevices: relevant.length,
        recovered: relevant.length,
        failed: 0,
        probed: relevant.length,
        acceptedCompromisedKeyAfterRecovery: 0,
        halfReplaced: 0,
      });
    });
});

describe('each method on an estate', () => {
  for (const method of ['1', '2', '3', 'contingency'] as const)
    it(`Method ${method} (supplier-ds, 12 premises): every relevant device recovered, none accepts the old key`, () => {
      const w = recoveryWorld({ premises: 12, compromise: 'supplier-ds', method });
      const s = w.drill.run({ batchPremises: 5 });
      expect(s).toMatchObject({
        relevantDevices: 36,
        recovered: 36,
        failed: 0,
        acceptedCompromisedKeyAfterRecovery: 0,
        halfReplaced: 0,
        case: { '1': 'R1', '2': 'R2', '3': 'R3', contingency: 'R4' }[method],
      });
      // Method 1 leaves the SMI Status alone; the others go Recovery → Recovered with a DCC alert.
      expect(s.smiStatusCounts.Recovered).toBe(method === '1' ? 0 : 36);
      expect(s.smiStatusCounts.Commissioned).toBe(method === '1' ? 48 : 12);
      const alerts = w.procedure.inventory.alerts();
      const expected =
        method === '1' ? [] : method === '2' ? ['RecoveryCompleteACBCredentials'] : ['RecoveryComplete'];
      expect([...new Set(alerts.map((a) => a.alert))]).toEqual(expected);
      if (method === '2')
        expect(alerts.find((a) => a.deviceId === w.estate.idsOf(0).esme)?.details).toEqual({
          cells: ['supplier/ds', 'supplier/ka', 'supplier/ka/prepayment'],
        });
      // The compromised certificate is revoked in the SMKI Repository; the files were issued.
      const serial = w.procedure.store.revocations()[0]!.serial;
      expect(s.revoked).toEqual([serial]);
      const repo = w.procedure.repository();
      const supplier = w.dcc.ring.eui('supplier');
      expect(
        repo
          .search({ subjectEui: supplier, usage: 'ds', status: 'R' })
          .map((r) => [r.serial, r.status, r.revocationReason]),
      ).toEqual([[serial, 'R', 'keyCompromise']]);
      expect(repo.search({ subjectEui: supplier, usage: 'ka' }).every((r) => r.status === 'I')).toBe(true);
      // …and the renewed key's certificate is in use.
      expect(repo.search({ subjectEui: supplier, usage: 'ds', status: 'I' })).toHaveLength(1);
      expect(w.procedure.store.files(s.incident).map((f) => f.name)).toEqual([
        `OrganisationCompromiseNotification-${s.incident}.csv`,
        `OrganisationCompromiseRecoveryProgress-${s.incident}-00.csv`,
        `OrganisationCompromiseRecoveryProgress-${s.incident}-01.csv`,
        `OrganisationCompromiseRecoveryProgress-${s.incident}-02.csv`,
      ]);
      const final = w.procedure.store.files(s.incident).at(-1)!.content;
      expect(final).toContain('\r\nRecovered,36\r\n');
      expect(final).toContain(`\r\nRevoked,${serial}\r\n`);
      expect(final.split('\r\n').filter((l) => /^e5[0-9a-f]{14},/.test(l))).toHaveLength(36);
      expect(checkSqlite(w.db)).toEqual([]);
      expect(checkInventory(w.db).problems).toEqual([]);
    });
});

/** An estate whose premises lose the response of `deviceId`'s first CS02b (it executed it). */
function losingFirstResponse(base: Estate, deviceId: string): Estate {
  let lost = false;
  return {
    ...base,
    premises(i: number): EstatePremises {
      const p = base.premises(i);
      return {
        ids: p.ids,
        devices: p.devices,
        gsmeWake: () => p.gsmeWake(),
        submit(bytes) {
          const r = p.submit(bytes);
          if (!lost && r.status === 'answered' && r.device === deviceId && r.outcome.accepted) {
            lost = true;
            return { ...r, outcome: { ...r.outcome, dropped: true } };
          }
          return r;
        },
      };
    },
  };
}

describe('retries, failures, crashes', () => {
  it('a device that never answers properly fails after 3 attempts, stays in Recovery, and is reported; the counts balance', () => {
    const w = recoveryWorld({ premises: 3, compromise: 'supplier-ds', method: '3' });
    w.drill.buildEstate();
    const esme = w.estate.idsOf(1).esme;
    w.estate
      .premises(1)
      .devices.get(esme)!
      .injectFault({ kind: 'asn1-status', messageCode: 0x0108, status: 2 });
    const s = w.drill.run();
    expect(s).toMatchObject({
      relevantDevices: 9,
      recovered: 8,
      failed: 1,
      acceptedCompromisedKeyAfterRecovery: 0,
    });
    expect(s.smiStatusCounts).toMatchObject({ Recovered: 8, Recovery: 1 });
    const p = w.procedure.store.progress(s.incident, esme)!;
    expect(p).toMatchObject({ status: 'failed', attempts: 3, lastReason: 'BAD_RESPONSE' });
    expect(w.procedure.store.files(s.incident).at(-1)!.content).toContain(
      `${esme},ESME,1,failed,0,3,BAD_RESPONSE`,
    );
  });

  it('a lost response: the DCC sends again and the device, which took the first, takes it again', () => {
    const w = recoveryWorld({ premises: 2, compromise: 'supplier-ds', method: '1' });
    const esme = w.estate.idsOf(0).esme;
    const flaky = losingFirstResponse(w.estate, esme);
    (w.procedure as { estate: Estate }).estate = flaky;
    const s = w.drill.run();
    expect(s).toMatchObject({
      recovered: 6,
      failed: 0,
      retried: 1,
      acceptedCompromisedKeyAfterRecovery: 0,
      halfReplaced: 0,
    });
    expect(w.procedure.store.progress(s.incident, esme)).toMatchObject({ status: 'recovered', attempts: 2 });
  });

  for (const method of ['1', '2', 'contingency'] as const)
    it(`a crash after devices took their commands but before the DCC recorded it resumes with none half-replaced (Method ${method})`, () => {
      const w = recoveryWorld({ premises: 6, compromise: 'supplier-ds', method });
      // Crash (an exception out of the run) after the 5th command delivered.
      let delivered = 0;
      const base = w.estate;
      (w.procedure as { estate: Estate }).estate = {
        ...base,
        premises(i) {
          const p = base.premises(i);
          return {
            ...p,
            ids: p.ids,
            devices: p.devices,
            gsmeWake: () => p.gsmeWake(),
            submit(bytes) {
              const r = p.submit(bytes);
              if (++delivered === 5) throw new Error('killed');
              return r;
            },
          };
        },
      };
      expect(() => w.drill.run({ batchPremises: 4 })).toThrow('killed');
      const inFlight = w.procedure.store.progressCounts(1).inFlight;
      expect(inFlight).toBeGreaterThan(0);
      const s = w.restart().run({ batchPremises: 4 });
      expect(s).toMatchObject({
        relevantDevices: 18,
        recovered: 18,
        failed: 0,
        acceptedCompromisedKeyAfterRecovery: 0,
        halfReplaced: 0,
      });
      expect(s.smiStatusCounts.Recovered + s.smiStatusCounts.Commissioned).toBe(24);
    });
});
