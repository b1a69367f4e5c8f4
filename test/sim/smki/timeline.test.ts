/**
 * The regulatory timeline (sim/smki/timeline.ts; DECC direction 8 Feb 2016): for each rule, the same
 * action on the day before it takes effect and on the day it does. A refused action changes nothing
 * and cites the direction. "Enduring" (the default) allows everything.
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../protocol/bytes.ts';
import { VirtualClock } from '../../../sim/clock.ts';
import { decodeApexContingencyKey } from '../../../sim/smki/contingency.ts';
import { buildCsr, organisationCsrSpec } from '../../../sim/smki/csr.ts';
import { generateTestPki, pkiCrypto } from '../../../sim/smki/generator.ts';
import { RecoveryKeyCustody } from '../../../sim/smki/key-custody.ts';
import { OID_WRAPPED_APEX_CONTINGENCY_KEY } from '../../../sim/smki/oids.ts';
import { parseCertificate } from '../../../sim/smki/parse.ts';
import { RegistrationAuthority } from '../../../sim/smki/registration-authority.ts';
import { SmkiRepository } from '../../../sim/smki/repository.ts';
import { deriveTestPrivateKey, TEST_PARTIES } from '../../../sim/smki/test-pki.ts';
import {
  DEFAULT_TIMELINE_DATES,
  Provision,
  parseIsoDate,
  RegulatoryTimeline,
  TIMELINE_RULES,
} from '../../../sim/smki/timeline.ts';
import { defaultParties } from '../../../sim/store/pki-store.ts';

// CAs valid from 2015 so that the RA can issue at the 2016 dates replayed here (ISSUER_NOT_VALID_AT otherwise).
const pki = generateTestPki({
  seed: 'timeline',
  parties: TEST_PARTIES,
  derive: deriveTestPrivateKey,
  notBefore: Date.UTC(2015, 0, 1),
});
const DAY = 86_400_000;
const SUPPLIER = 'ab00000000010000';
const RECOVERY = 'ab00000000000001';

function world(day: string, dates: Partial<typeof DEFAULT_TIMELINE_DATES> = {}) {
  const clock = new VirtualClock(parseIsoDate(day) + 10 * 3600_000);
  const timeline = new RegulatoryTimeline(dates);
  const repository = new SmkiRepository();
  const ra = new RegistrationAuthority({
    timeline,
    clock,
    historical: true,
    repository,
    issuingOca: pki.issuingOca,
    issuingDca: pki.issuingDca,
  });
  // Parties are registered in enduring mode (fixtures), then decisions are taken at `day`.
  ra.historical = false;
  for (const p of defaultParties(TEST_PARTIES, [])) expect(ra.onboard(p).ok).toBe(true);
  ra.historical = true;
  const custody = new RecoveryKeyCustody({
    timeline,
    asOf: () => clock.now(),
    recoveryPrivateKey: pki.organisations.find((o) => o.role === 1)!.privateKey,
    contingencyPrivateKey: pki.contingency.privateKey,
    symmetricKey: pki.contingency.symmetricKey,
  });
  return { clock, timeline, repository, ra, custody };
}

const day = (iso: string, delta: number) =>
  new Date(parseIsoDate(iso) + delta * DAY).toISOString().slice(0, 10);
const csr = (role: number, eui: string, seed: number) => {
  const key = fromHex(seed.toString(16).padStart(2, '0').repeat(32));
  return buildCsr(organisationCsrSpec(role, eui, 'ds', pkiCrypto.publicKeyOf(key)), key, pkiCrypto);
};

describe('regulatory timeline: each rule the day before and the day it takes effect', () => {
  it('has the direction dates and marks the others as configuration', () => {
    const t = new RegulatoryTimeline();
    expect(t.dates).toEqual({
      rapp: '2016-02-09',
      sectionsF6ToF9: '2016-02-10',
      secL3: '2016-03-09',
      serviceRelease13: '2016-11-07',
    });
    expect(t.snapshot('enduring').configured).toEqual(['secL3', 'serviceRelease13']);
    expect(t.snapshot('enduring').provisions.every((p) => p.inForce)).toBe(true);
    expect(TIMELINE_RULES.every((r) => r.source.startsWith('DECC direction 8 Feb 2016'))).toBe(true);
  });

  it('RAPP (9 Feb 2016): a CSR from the DCC is refused on 8 Feb, issued on 9 Feb', () => {
    const before = world('2016-02-08');
    const state = JSON.stringify(before.repository.toJSON());
    const r = before.ra.submitCsr('dcc', csr(1, RECOVERY, 0x21));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reasons).toEqual([
        expect.objectContaining({
          code: 'NOT_IN_FORCE:RAPP',
          citation: expect.stringContaining('designation (a)'),
        }),
      ]);
      expect(r.reasons[0]!.message).toContain('only from 2016-02-09');
    }
    expect(JSON.stringify(before.repository.toJSON())).toBe(state);
    const after = world('2016-02-09');
    expect(after.ra.submitCsr('dcc', csr(1, RECOVERY, 0x21))).toMatchObject({
      ok: true,
      value: { role: 1, eui: RECOVERY },
    });
  });

  it('RAPP: applying to become an Authorised Subscriber and revocation follow it too', () => {
    const before = world('2016-02-08');
    expect(before.ra.applyForSubscription('supplier', 'device')).toMatchObject({
      ok: false,
      reasons: [{ code: 'NOT_IN_FORCE:RAPP' }],
    });
    const after = world('2016-02-09');
    after.ra.subscribers.splice(0);
    expect(after.ra.applyForSubscription('supplier', 'device')).toMatchObject({ ok: true });
  });

  it('Recovery Procedure Sections 1, 2, 3.4 (9 Feb 2016): appointing a Key Custodian', () => {
    const before = world('2016-02-08').custody.appointKeyCustodian('K. Custodian');
    expect(before).toMatchObject({
      ok: false,
      code: 'NOT_IN_FORCE:RECOVERY_PROCEDURE_INITIAL',
      inForceFrom: '2016-02-09',
    });
    expect(world('2016-02-09').custody.appointKeyCustodian('K. Custodian')).toEqual({
      ok: true,
      value: ['K. Custodian'],
    });
  });

  it('the rest of the Recovery Procedure (SEC L3, configurable): a Recovery Procedure step', () => {
    const l3 = DEFAULT_TIMELINE_DATES.secL3;
    expect(world(day(l3, -1)).custody.recoveryProcedureStep('notify a Recovery Event')).toMatchObject({
      ok: false,
      code: 'NOT_IN_FORCE:RECOVERY_PROCEDURE_FULL',
      citation: expect.stringContaining('variation (b)(i)'),
    });
    expect(world(l3).custody.recoveryProcedureStep('notify a Recovery Event')).toMatchObject({ ok: true });
    // Another configured L3 date moves the rule.
    expect(world('2016-03-09', { secL3: '2016-06-01' }).custody.recoveryProcedureStep('x')).toMatchObject({
      ok: false,
    });
    expect(world('2016-06-01', { secL3: '2016-06-01' }).custody.recoveryProcedureStep('x')).toMatchObject({
      ok: true,
    });
  });

  for (const [provision, action] of [
    [Provision.SECTION_F6, 'accepting delivery of a Communications Hub'],
    [Provision.SECTION_F7, 'installing a Communications Hub'],
    [Provision.SECTION_F8, 'returning a removed Communications Hub'],
    [Provision.SECTION_F9, 'categorising Communications Hub responsibility'],
    [Provision.CHIMSM, 'following the CH Installation and Maintenance Support Materials'],
  ] as const) {
    it(`${provision} (10 Feb 2016, or a later incorporation date): ${action}`, () => {
      expect(world('2016-02-09').timeline.check(provision, parseIsoDate('2016-02-09'), action)).toMatchObject(
        {
          ok: false,
          code: `NOT_IN_FORCE:${provision}`,
          message: expect.stringContaining(action),
        },
      );
      expect(world('2016-02-10').timeline.check(provision, parseIsoDate('2016-02-10'), action)).toEqual({
        ok: true,
      });
      expect(() => new RegulatoryTimeline({ sectionsF6ToF9: '2016-02-09' })).toThrow(
        /10 February 2016 or a later/,
      );
      expect(() => new RegulatoryTimeline({ secL3: '2016-06-01', serviceRelease13: '2016-05-31' })).toThrow(
        /before SEC L3/,
      );
      const later = new RegulatoryTimeline({ sectionsF6ToF9: '2016-02-15' });
      expect(later.inForce(provision, parseIsoDate('2016-02-14'))).toBe(false);
      expect(later.inForce(provision, parseIsoDate('2016-02-15'))).toBe(true);
    });
  }

  it('only the DCC may submit CSRs until SEC L3: a Supplier CSR the day before and the day of L3', () => {
    const l3 = DEFAULT_TIMELINE_DATES.secL3;
    const before = world(day(l3, -1));
    const state = JSON.stringify(before.repository.toJSON());
    const r = before.ra.submitCsr('supplier', csr(2, SUPPLIER, 0x22));
    expect(r).toMatchObject({
      ok: false,
      reasons: [{ code: 'ONLY_DCC_MAY_SUBMIT_CSR', citation: expect.stringContaining('variation (a)') }],
    });
    expect(JSON.stringify(before.repository.toJSON())).toBe(state);
    // The DCC may, that same day.
    expect(before.ra.submitCsr('dcc', csr(1, RECOVERY, 0x23)).ok).toBe(true);
    expect(world(l3).ra.submitCsr('supplier', csr(2, SUPPLIER, 0x22))).toMatchObject({
      ok: true,
      value: { role: 2 },
    });
  });

  it('steps using the Recovery Private Key: from Service Release 1.3', () => {
    const sr13 = DEFAULT_TIMELINE_DATES.serviceRelease13;
    const msg = new TextEncoder().encode('CS02b anyExceptAbnormalRootByRecovery');
    expect(world(day(sr13, -1)).custody.signWithRecoveryKey(msg)).toMatchObject({
      ok: false,
      code: 'NOT_IN_FORCE:RECOVERY_PRIVATE_KEY_STEPS',
      citation: expect.stringContaining('variation (b)(ii)'),
    });
    const r = world(sr13).custody.signWithRecoveryKey(msg);
    expect(
      r.ok && pkiCrypto.verify(pki.organisations.find((o) => o.role === 1)!.publicKey, msg, r.value),
    ).toBe(true);
  });

  it('steps using the Contingency Private Key: from Service Release 1.3', () => {
    const sr13 = DEFAULT_TIMELINE_DATES.serviceRelease13;
    const msg = new TextEncoder().encode('CS02b anyByContingency');
    expect(world(day(sr13, -1)).custody.signWithContingencyKey(msg)).toMatchObject({
      ok: false,
      code: 'NOT_IN_FORCE:CONTINGENCY_PRIVATE_KEY_STEPS',
    });
    const r = world(sr13).custody.signWithContingencyKey(msg);
    expect(r.ok && pkiCrypto.verify(pki.contingency.publicKey, msg, r.value)).toBe(true);
  });

  it('steps using the Symmetric Key: from Service Release 1.3 (unwrapping the Root OCA contingency key)', () => {
    const sr13 = DEFAULT_TIMELINE_DATES.serviceRelease13;
    const ext = parseCertificate(pki.rootOca.certificate).extensions.find(
      (e) => e.oid === OID_WRAPPED_APEX_CONTINGENCY_KEY,
    )!;
    const { wrapped } = decodeApexContingencyKey(ext.value);
    expect(world(day(sr13, -1)).custody.unwrapContingencyKey(wrapped)).toMatchObject({
      ok: false,
      code: 'NOT_IN_FORCE:SYMMETRIC_KEY_STEPS',
    });
    expect(world(day(sr13, -1)).custody.releaseSymmetricKey()).toMatchObject({ ok: false });
    const r = world(sr13).custody.unwrapContingencyKey(wrapped);
    expect(r.ok && r.value).toEqual(pki.contingency.publicKey);
    expect(world(sr13).custody.releaseSymmetricKey()).toEqual({
      ok: true,
      value: pki.contingency.symmetricKey,
    });
  });

  it("SMI Statuses 'recovery' / 'recovered': from Service Release 1.3", () => {
    const sr13 = DEFAULT_TIMELINE_DATES.serviceRelease13;
    for (const status of ['recovery', 'recovered'] as const) {
      expect(world(day(sr13, -1)).custody.maySetRecoveryStatus(status)).toMatchObject({
        ok: false,
        code: 'NOT_IN_FORCE:SMI_STATUS_RECOVERY',
      });
      expect(world(sr13).custody.maySetRecoveryStatus(status)).toEqual({ ok: true, value: true });
    }
  });

  it('provisions that vary the RAPP never precede it, whatever the configuration', () => {
    const t = new RegulatoryTimeline({ secL3: '2015-01-01', serviceRelease13: '2015-06-01' });
    expect(new Date(t.inForceFrom(Provision.CSR_BY_ANY_SUBSCRIBER)).toISOString().slice(0, 10)).toBe(
      '2016-02-09',
    );
    expect(() => new RegulatoryTimeline({ secL3: '2016-02-30' })).toThrow(RangeError);
  });
});
