/**
 * The Communications Hub lifecycle's rules: windows and timers (acceptance in Working Days, the
 * 90-day install-and-leave resolution, the return window), the coverage table deciding install vs
 * install-and-leave, the F9 category and charges (£8.27 / £30.87 / £58.75 from [S27]), the CHF and
 * GPF following in the SMI, the timeline, configuration and the calendar.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { addMonths, addWorkingDays } from '../../../sim/ch/calendar.ts';
import { checkCommsHubs } from '../../../sim/ch/check.ts';
import { DEFAULT_CH_CONFIG, parseChConfig } from '../../../sim/ch/config.ts';
import { CommsHubService } from '../../../sim/ch/hubs.ts';
import type { ChEvent, ChParams, HanVariant } from '../../../sim/ch/machine.ts';
import { checkInventory } from '../../../sim/inventory/check.ts';
import { RegulatoryTimeline } from '../../../sim/smki/timeline.ts';
import { openDccDatabase } from '../../../sim/store/dcc-database.ts';
import { codeOf } from '../../fixtures/errors.ts';
import { dumpDb, tmpDir } from '../../fixtures/sqlite.ts';

const DAY = 86_400_000;
const FRI = Date.UTC(2017, 2, 3); // Friday 3 March 2017
const HUB = 'cc00000000000010';
const GPF = 'cc00000000000011';

const tmp = tmpDir();
afterAll(() => tmp.cleanup());
let n = 0;

function service(options: { hanVariant?: HanVariant; timeline?: RegulatoryTimeline } = {}) {
  const db = openDccDatabase(tmp.file(`hubs-${n++}.db`));
  const ch = new CommsHubService(db, options.timeline ? { timeline: options.timeline } : {});
  ch.setCoverage({ uprn: '100', smWanAvailable: true, wanVariant: 'Cellular' });
  ch.setCoverage({ uprn: '200', smWanAvailable: false, wanVariant: null });
  ch.setCoverage({ uprn: '300', smWanAvailable: true, wanVariant: 'Long Range Radio' });
  return ch;
}

function hubAt(
  ch: CommsHubService,
  steps: Array<[ChEvent, number, ChParams?]>,
  hanVariant: HanVariant = 'Single Band',
) {
  ch.order({ hubId: HUB, region: 'Central', wanVariant: 'Cellular', hanVariant }, FRI - DAY);
  for (const [e, at, p] of steps) ch.apply(HUB, e, at, p ?? {});
}

/** HUB delivered on FRI, accepted a day later and installed (at `uprn`) a day after that: returns the install time. */
function installedHub(ch: CommsHubService, hanVariant: HanVariant = 'Single Band', uprn = '100'): number {
  const at = FRI + 2 * DAY;
  hubAt(
    ch,
    [
      ['deliver', FRI],
      ['accept', FRI + DAY],
      ['install', at, { uprn }],
    ],
    hanVariant,
  );
  return at;
}

describe('calendar', () => {
  it('Working Days skip Saturday and Sunday; months clamp to the end of a shorter month', () => {
    expect(new Date(addWorkingDays(FRI, 1)).toISOString().slice(0, 10)).toBe('2017-03-06');
    expect(new Date(addWorkingDays(FRI, 5)).toISOString().slice(0, 10)).toBe('2017-03-10');
    expect(new Date(addWorkingDays(Date.UTC(2017, 2, 6), 5)).toISOString().slice(0, 10)).toBe('2017-03-13');
    expect(new Date(addMonths(Date.UTC(2017, 10, 30, 12), 3)).toISOString()).toBe('2018-02-28T12:00:00.000Z');
    expect(new Date(addMonths(Date.UTC(2017, 0, 15), 3)).toISOString().slice(0, 10)).toBe('2017-04-15');
  });
});

describe('CH lifecycle rules', () => {
  it('delivery on a Friday: the 5-Working-Day window closes the next Friday; accepting then is refused, a day earlier is fine', () => {
    const ch = service();
    hubAt(ch, [['deliver', FRI]]);
    expect(ch.get(HUB)!.acceptDeadline).toBe(Date.UTC(2017, 2, 10));
    const before = dumpDb(ch.db);
    expect(codeOf(() => ch.apply(HUB, 'accept', Date.UTC(2017, 2, 10)))).toBe('ACCEPTANCE_WINDOW_CLOSED');
    expect(codeOf(() => ch.apply(HUB, 'deemedAccepted', Date.UTC(2017, 2, 9)))).toBe(
      'ACCEPTANCE_WINDOW_OPEN',
    );
    expect(dumpDb(ch.db)).toBe(before);
    expect(ch.apply(HUB, 'accept', Date.UTC(2017, 2, 9, 23))[0]).toMatchObject({ to: 'InSupplierStock' });
  });

  it('delivery puts the CHF and GPF in the SMI at Pending; installation with SM WAN commissions both', () => {
    const ch = service();
    hubAt(ch, [
      ['deliver', FRI],
      ['accept', FRI + DAY],
    ]);
    expect([ch.inventory.get(HUB), ch.inventory.get(GPF)].map((d) => [d!.deviceType, d!.status])).toEqual([
      ['CHF', 'Pending'],
      ['GPF', 'Pending'],
    ]);
    const changes = ch.apply(HUB, 'install', FRI + 2 * DAY, { uprn: '100' });
    expect(
      changes.map((c) =>
        c.change === 'chState' ? c.to : c.change === 'smiStatus' ? `${c.deviceId} ${c.to}` : c.alert,
      ),
    ).toEqual(['Commissioned', `${HUB} Commissioned`, `${GPF} Commissioned`]);
  });

  it('the coverage table decides: no SM WAN → install and leave (SMI InstalledNotCommissioned); unknown location and wrong WAN variant are refused', () => {
    const ch = service();
    hubAt(ch, [
      ['deliver', FRI],
      ['accept', FRI + DAY],
    ]);
    const at = FRI + 2 * DAY;
    expect(codeOf(() => ch.apply(HUB, 'install', at, { uprn: '999' }))).toBe('UNKNOWN_LOCATION');
    expect(codeOf(() => ch.apply(HUB, 'install', at, { uprn: '300' }))).toBe('WRONG_WAN_VARIANT');
    ch.apply(HUB, 'install', at, { uprn: '200' });
    expect(ch.get(HUB)).toMatchObject({ state: 'InstalledNoWAN', uprn: '200', leaveDeadline: at + 90 * DAY });
    expect(ch.inventory.get(HUB)!.status).toBe('InstalledNotCommissioned');
    // SM WAN arrives: the coverage table changes, then the hub connects
    expect(codeOf(() => ch.apply(HUB, 'wanConnected', at + 10 * DAY))).toBe('NO_SM_WAN');
    ch.setCoverage({ uprn: '200', smWanAvailable: true, wanVariant: 'Cellular' });
    ch.apply(HUB, 'wanConnected', at + 10 * DAY);
    expect([ch.get(HUB)!.state, ch.inventory.get(HUB)!.status, ch.get(HUB)!.leaveDeadline]).toEqual([
      'Commissioned',
      'Commissioned',
      null,
    ]);
  });

  it('install and leave unresolved for 90 days: the DCC replaces the hub (DCC-requested, the DCC bears the refurbishment)', () => {
    const ch = service();
    const at = installedHub(ch, 'Single Band', '200');
    expect(codeOf(() => ch.apply(HUB, 'installLeaveResolution', at + 89 * DAY))).toBe('RESOLUTION_NOT_DUE');
    const changes = ch.apply(HUB, 'installLeaveResolution', at + 90 * DAY);
    expect(ch.get(HUB)).toMatchObject({
      state: 'Removed',
      returnKind: 'noFault',
      returnReason: 'No Fault Return (SM WAN variant replacement requested by DCC)',
    });
    expect(
      changes.filter((c) => c.change === 'dccAlert').map((c) => c.change === 'dccAlert' && c.alert),
    ).toEqual(['CHFDecommissioning']);
    ch.apply(HUB, 'shipReturn', at + 95 * DAY);
    ch.apply(HUB, 'receive', at + 97 * DAY);
    const d = ch.apply(HUB, 'diagnose', at + 100 * DAY, { outcome: 'noFaultFound', redeployable: true })[0]!;
    expect(d).toMatchObject({
      to: 'Refurbished',
      charge: { pence: 827, kind: 'refurbishment', payer: 'DCC' },
      responsibility: 'DCC-requested replacement',
    });
  });

  it.each([
    [
      'Damaged case',
      'supplierResponsible',
      false,
      'Single Band',
      'Scrapped',
      3087,
      'Supplier',
      'Supplier responsibility',
    ],
    [
      'Damaged case',
      'supplierResponsible',
      false,
      'Dual Band',
      'Scrapped',
      5875,
      'Supplier',
      'Supplier responsibility',
    ],
    ['Manufacturing defect', 'chDefect', true, 'Dual Band', 'Refurbished', 827, 'DCC', 'CH Defect'],
    [
      'LED Fault',
      'noFaultFound',
      true,
      'Single Band',
      'Refurbished',
      827,
      'Supplier',
      'Supplier no-fault return',
    ],
  ] as const)(
    'fault return %s, diagnosis %s, redeployable %s, %s → %s, %i p to the %s (%s)',
    (faultReason, outcome, redeployable, han, state, pence, payer, responsibility) => {
      const ch = service();
      const at = installedHub(ch, han);
      ch.apply(HUB, 'fault', at + DAY);
      ch.apply(HUB, 'remove', at + 2 * DAY, { faultReason });
      expect(ch.get(HUB)!.returnDeadline).toBe(addMonths(at + 2 * DAY, 3));
      expect(ch.inventory.get(HUB)!.status).toBe('Decommissioned');
      ch.apply(HUB, 'shipReturn', at + 3 * DAY);
      ch.apply(HUB, 'receive', at + 4 * DAY);
      ch.apply(HUB, 'diagnose', at + 5 * DAY, { outcome, redeployable });
      expect(ch.get(HUB)).toMatchObject({ state, chargesPence: pence, responsibility, diagnosis: outcome });
      expect(ch.history(HUB).at(-1)).toMatchObject({ chargePence: pence, payer });
      expect(checkCommsHubs(ch.db).problems).toEqual([]);
      expect(checkInventory(ch.db).problems).toEqual([]);
    },
  );

  it('a removal needs exactly one of a fault reason or a no-fault type (RETURN_REASON_REQUIRED); bad enumerations are BAD_VALUE', () => {
    const ch = service();
    hubAt(ch, [
      ['deliver', FRI],
      ['accept', FRI + DAY],
    ]);
    expect(codeOf(() => ch.apply(HUB, 'remove', FRI + 2 * DAY))).toBe('RETURN_REASON_REQUIRED');
    expect(
      codeOf(() =>
        ch.apply(HUB, 'remove', FRI + 2 * DAY, {
          faultReason: 'LED Fault',
          noFaultType: 'No Fault Return (general)',
        }),
      ),
    ).toBe('RETURN_REASON_REQUIRED');
    expect(
      codeOf(() => ch.apply(HUB, 'remove', FRI + 2 * DAY, { faultReason: 'Broken' as 'LED Fault' })),
    ).toBe('BAD_VALUE');
    expect(codeOf(() => ch.apply(HUB, 'install', FRI + 2 * DAY, { uprn: '0012' }))).toBe('BAD_VALUE');
  });

  it('never returned within 3 months: charged as lost (Supplier, by HAN variant); shipping after the window is refused', () => {
    const ch = service();
    const at = installedHub(ch, 'Dual Band');
    ch.apply(HUB, 'remove', at + DAY, { noFaultType: 'No Fault Return (general)' });
    const deadline = ch.get(HUB)!.returnDeadline!;
    expect(codeOf(() => ch.apply(HUB, 'notReturned', deadline - 1))).toBe('RETURN_WINDOW_OPEN');
    expect(codeOf(() => ch.apply(HUB, 'shipReturn', deadline))).toBe('RETURN_WINDOW_CLOSED');
    const c = ch.apply(HUB, 'notReturned', deadline)[0]!;
    expect(c).toMatchObject({
      to: 'Lost',
      charge: { pence: 5875, kind: 'lostOrStolen', payer: 'Supplier' },
      responsibility: 'Lost or not returned',
    });
  });

  it('lost or stolen from an installed state decommissions the CHF and GPF; TSAT installation end forces a return from stock', () => {
    const ch = service();
    const at = installedHub(ch);
    ch.apply(HUB, 'lostOrStolen', at + DAY);
    expect([ch.inventory.get(HUB)!.status, ch.inventory.get(GPF)!.status, ch.get(HUB)!.chargesPence]).toEqual(
      ['Decommissioned', 'Decommissioned', 3087],
    );

    const ch2 = service();
    ch2.order(
      {
        hubId: HUB,
        region: 'North',
        wanVariant: 'Long Range Radio',
        hanVariant: 'Single Band',
        installationEnd: FRI + 30 * DAY,
      },
      FRI - DAY,
    );
    ch2.apply(HUB, 'deliver', FRI);
    ch2.apply(HUB, 'accept', FRI + DAY);
    expect(codeOf(() => ch2.apply(HUB, 'installationEndPassed', FRI + 29 * DAY))).toBe(
      'INSTALLATION_END_NOT_REACHED',
    );
    ch2.apply(HUB, 'installationEndPassed', FRI + 30 * DAY);
    ch2.apply(HUB, 'shipReturn', FRI + 31 * DAY);
    ch2.apply(HUB, 'receive', FRI + 32 * DAY);
    expect(
      ch2.apply(HUB, 'diagnose', FRI + 33 * DAY, { outcome: 'noFaultFound', redeployable: true })[0],
    ).toMatchObject({
      responsibility: 'TSAT-expired stock',
      charge: { pence: 827, payer: 'Supplier' },
    });
  });

  it('F6–F9 gate every event: before 2016-02-10 (or a later incorporation date) refused NOT_IN_FORCE:SECTION_F6 / F7', () => {
    const ch = service();
    const order = {
      hubId: HUB,
      region: 'Central',
      wanVariant: 'Cellular',
      hanVariant: 'Single Band',
    } as const;
    expect(codeOf(() => ch.order(order, Date.UTC(2016, 1, 9)))).toBe('NOT_IN_FORCE:SECTION_F6');
    expect(ch.get(HUB)).toBeNull();
    const late = service({ timeline: new RegulatoryTimeline({ sectionsF6ToF9: '2016-04-01' }) });
    late.order(order, Date.UTC(2016, 3, 1));
    expect(late.inventory.get(HUB)).toBeNull();
    late.apply(HUB, 'deliver', Date.UTC(2016, 3, 2));
    late.apply(HUB, 'accept', Date.UTC(2016, 3, 3));
    expect(late.get(HUB)!.state).toBe('InSupplierStock');
    expect(codeOf(() => ch.apply('cc00000000000099', 'install', Date.UTC(2016, 0, 1), { uprn: '100' }))).toBe(
      'NOT_IN_FORCE:SECTION_F7',
    );
  });

  it('order: allocated ids (CHF cc…, GPF = CHF + 1), a GPF already in use is refused, bad order lines are BAD_VALUE', () => {
    const ch = service();
    const at = FRI;
    const a = ch.order({ region: 'South', wanVariant: 'Cellular', hanVariant: 'Dual Band' }, at)[0]!;
    const b = ch.order({ region: 'South', wanVariant: 'Cellular', hanVariant: 'Dual Band' }, at)[0]!;
    expect([a, b].map((c) => c.change === 'chState' && c.hubId)).toEqual([
      'cc00000000000000',
      'cc00000000000002',
    ]);
    expect(ch.get('cc00000000000002')!.gpfId).toBe('cc00000000000003');
    expect(
      codeOf(() =>
        ch.order(
          { hubId: 'cc00000000000001', region: 'South', wanVariant: 'C', hanVariant: 'Dual Band' },
          at,
        ),
      ),
    ).toBe('HUB_EXISTS');
    expect(
      codeOf(() => ch.order({ region: 'Wales' as 'South', wanVariant: 'C', hanVariant: 'Dual Band' }, at)),
    ).toBe('BAD_VALUE');
    expect(codeOf(() => ch.order({ region: 'South', wanVariant: '', hanVariant: 'Dual Band' }, at))).toBe(
      'BAD_VALUE',
    );
  });
});

describe('CH configuration', () => {
  it('defaults from the reference; a file may override any subset; unknown keys and bad values are problems', () => {
    expect(DEFAULT_CH_CONFIG).toMatchObject({
      acceptanceWindowWorkingDays: 5,
      returnWindowMonths: 3,
      installLeaveResolutionDays: 90,
      refurbishmentPence: 827,
      scrapSingleBandPence: 3087,
      scrapDualBandPence: 5875,
    });
    expect(parseChConfig({ acceptanceWindowWorkingDays: 10 })).toEqual({
      ok: true,
      config: { ...DEFAULT_CH_CONFIG, acceptanceWindowWorkingDays: 10 },
    });
    expect(parseChConfig({ acceptanceWindow: 10 })).toMatchObject({ ok: false });
    expect(parseChConfig({ refurbishmentPence: 8.27 })).toMatchObject({ ok: false });
    expect(parseChConfig({ returnWindowMonths: 0 })).toMatchObject({ ok: false });
    expect(parseChConfig([1, 2])).toMatchObject({ ok: false });
  });

  it('a configured window is used: 10 Working Days of acceptance', () => {
    const db = openDccDatabase(':memory:');
    const ch = new CommsHubService(db, { config: { ...DEFAULT_CH_CONFIG, acceptanceWindowWorkingDays: 10 } });
    ch.order({ hubId: HUB, region: 'Central', wanVariant: 'Cellular', hanVariant: 'Single Band' }, FRI - DAY);
    ch.apply(HUB, 'deliver', FRI);
    expect(ch.get(HUB)!.acceptDeadline).toBe(Date.UTC(2017, 2, 17));
    db.close();
  });
});
