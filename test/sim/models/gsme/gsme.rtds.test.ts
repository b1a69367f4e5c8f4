/**
 * RTDS 4.5.0 conformance of the GSME and GPF models: every scenario whose command goes to the RTDS
 * GSME (…90A1) or GPF (…90A3) matches, but three that no device could answer as RTDS shows:
 * - GCS15c 4.4.3 SUCCESS asks for billing-calendar snapshots from 2015-01-01T00:00:01Z on, after
 *   the device clock (2015-01-01T00:00:00Z), and RTDS answers two dated February and March 2015;
 *   a GSME holds no snapshot of the future, so ours answers NOT_FOUND for each.
 * - PCS01 and PCS02 come from the PPMID (…90A4) over the HAN, MAC'd between the PPMID's and the
 *   GSME's KA keys; the RTDS keystore holds neither private key, so the MAC cannot be verified and
 *   the command is refused.
 */
import { expect, it } from 'vitest';
import { groupRtdsScenarios, runConformanceScenario } from '../../../../app/conformance/conformance.ts';
import { createCrypto } from '../../../../protocol/crypto/index.ts';
import { loadKeystore } from '../../../../sim/store/keystore-files.ts';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR } from '../../../fixtures/shared.ts';

const KNOWN_MISMATCHES = [
  '4.4.3_GCS15c/GCS15c_4.4.3_SUCCESS',
  'NA_PCS01/PCS01_NA_SUCCESS',
  'NA_PCS02/PCS02_NA_SUCCESS',
];

describeShared('GSME and GPF conformance over RTDS 4.5.0', () => {
  it('matches every GSME/GPF scenario but the three documented ones', () => {
    const opts = {
      keystore: loadKeystore(RTDS_KEYSTORE_DIR),
      crypto: createCrypto('node'),
      acbId: '90b3d51f30000002',
    };
    const results = groupRtdsScenarios(RTDS_DIR)
      .filter((s) => s.command !== null)
      .map((s) => runConformanceScenario(s, opts))
      .filter((r) => r.device === '00db1234567890a1' || r.device === '00db1234567890a3');
    expect(results.length).toBeGreaterThanOrEqual(99);
    const mismatched = results.filter((r) => r.status !== 'matched');
    expect(
      mismatched.map((r) => r.scenario).sort(),
      JSON.stringify(mismatched.map((r) => r.differences)),
    ).toEqual(KNOWN_MISMATCHES);
    // The ERROR scenarios are reproduced by naming the failed command or attribute.
    const gcs16bError = results.find((r) => r.scenario === '4.14_GCS16b/GCS16b_4.14_KRP_ERROR');
    expect(gcs16bError?.fault).toMatchObject({
      kind: 'gbz-default-response',
      status: 0xc0,
      commandId: 7,
      occurrence: 1,
    });
    const gcs21aError = results.find((r) => r.scenario === '6.2.8_GCS21a/GCS21a_6.2.8_ERROR');
    expect(gcs21aError?.fault).toMatchObject({
      kind: 'gbz-attribute-status',
      status: 0xc0,
      clusterId: 0x0702,
      attributeId: 0x0b14,
    });
  });
});
