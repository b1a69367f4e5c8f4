/**
 * Alerts against RTDS 4.5.0 (app/conformance/alerts.ts): the alert-only scenarios, raised through
 * the device event API or the scheduler, and the future-dated command scenarios whose outcome
 * alerts come when the clock reaches the execution time, compared with RTDS's alerts (envelope,
 * protection, recipient, Message Code, alert code, payload structure).
 */
import { expect, it } from 'vitest';
import { compareAlerts, readRtdsAlerts } from '../../../app/conformance/alerts.ts';
import { groupRtdsScenarios, runConformanceScenario } from '../../../app/conformance/conformance.ts';
import { createCrypto, SharedSecretCache } from '../../../protocol/crypto/index.ts';
import { loadKeystore } from '../../../sim/store/keystore-files.ts';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR } from '../../fixtures/shared.ts';

/** Scenarios whose alerts only the alert machinery decides (no other model involved). */
const ALERT_SCENARIOS = [
  // alert-only: event API
  'NA_CCS08/CCS08_NA_NA',
  'NA_CS09/CS09_NA',
  'NA_CS14/CS14_NA',
  'NA_DBCH07/DBCH07_NA',
  'NA_DBCH08/DBCH08_NA',
  'NA_DBCH11/DBCH11_NA',
  '6.28_DBCH04/DBCH04_6.28_NA_SUCCESS',
  'NA_ECS100/ECS100_NA',
  'NA_ECS101/ECS101_NA_INPUT',
  'NA_ECS101/ECS101_NA_OUTPUT',
  'NA_ECS102/ECS102_NA_OUTPUT',
  'NA_ECS200/ECS200_NA',
  'NA_ECS68/ECS68_NA_TWIN',
  'NA_ECS80/ECS80_NA',
  'NA_FDRA-ZigBee/FDRA-ZigBee_NA',
  'NA_GCA-DLMS/GCA-DLMS_NA',
  'NA_GCS53/GCS53_NA',
  'NA_GCS62/GCS62_NA',
  'NA_GNCA-ZigBee/GNCA-ZigBee_NA',
  'NA_MIIWA-DLMS/MIIWA-DLMS_NA',
  // alert-only: a future-dated DLMS / GBZ command comes due
  '1.1.2_ECS01c/ECS01c_1.1.2_FUTURE_DATED_SUCCESS',
  '1.6_ECS02/ECS02_1.6_FUTURE_DATED_TWIN_SUCCESS',
  '1.6_GCS03/GCS03_1.6_FUTURE_DATED_SUCCESS',
  '2.1_ECS08a/ECS08a_2.1_FUTURE_DATED_SUCCESS',
];

/** Alert-only future-dated ASN.1 outcomes: the deferred command runs through the security models. */
const FUTURE_DATED_ASN1 = [
  '11.3_CS06/CS06_11.3_FUTURE_DATED_SUCCESS',
  '6.15.1_CS02bSupplierBySupplier/CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_ERROR',
  '6.23_CS02bSupplierByTransCoS/CS02bSupplierByTransCoS_6.23_FUTURE_DATED_SUCCESS',
];

/** Command scenarios with future-dated outcome alerts (responses by the ESME model). */
const FUTURE_DATED_COMMANDS = [
  '1.1.1_ECS01a/ECS01a_1.1.1_FUTURE_DATED_TOU_BLOCK_SUCCESS',
  '2.1_ECS08/ECS08_2.1_FUTURE_DATED_SUCCESS',
  '6.14.2_ECS46c/ECS46c_6.14.2_FUTURE_DATED_ALL_OPTIONALS_SUCCESS',
];

describeShared('alerts over RTDS 4.5.0', () => {
  const opts = {
    keystore: loadKeystore(RTDS_KEYSTORE_DIR),
    crypto: createCrypto('noble'),
    acbId: '90b3d51f30000002',
  };
  const scenarios = new Map(groupRtdsScenarios(RTDS_DIR).map((s) => [s.id, s]));

  it.each(ALERT_SCENARIOS)('%s: the device raises the RTDS alert', (id) => {
    const r = runConformanceScenario(scenarios.get(id)!, opts);
    expect(r.differences).toEqual([]);
    expect(r.status).toBe('matched');
  });

  it.each(FUTURE_DATED_ASN1)('%s: the deferred command executes when due; its outcome is alerted', (id) => {
    const r = runConformanceScenario(scenarios.get(id)!, opts);
    expect(r.differences).toEqual([]);
  });

  it.each(FUTURE_DATED_COMMANDS)('%s: one outcome alert per activation time, when due', (id) => {
    const s = scenarios.get(id)!;
    expect(s.alerts.length).toBeGreaterThan(0);
    const r = runConformanceScenario(s, opts);
    expect(r.differences.filter((d) => d.includes('_ALERT'))).toEqual([]);
  });

  it('a missing alert is reported with the RTDS file it should match', () => {
    const s = scenarios.get('NA_ECS80/ECS80_NA')!;
    const theirs = readRtdsAlerts(s.alerts.map((a) => a.path));
    if (typeof theirs === 'string') throw new Error(theirs);
    const vctx = { ...opts, keys: opts.keystore, cache: new SharedSecretCache(opts.crypto) };
    expect(compareAlerts([], theirs, vctx)).toEqual([
      'alerts: 0 vs 1',
      'ECS80_NA_8F36_ALERT: no alert of ours',
    ]);
  });
});
