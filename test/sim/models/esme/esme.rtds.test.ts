/**
 * The ESME model against RTDS 4.5.0: every ESME command scenario (folders of ECS use cases, sent
 * to the ESMEs 00db1234567890a0 / …a6) gets a response of the RTDS structure — envelope, DLMS
 * types, result codes, and the decrypted protected attributes (app/conformance/conformance.ts).
 */
import { expect, it } from 'vitest';
import {
  groupRtdsScenarios,
  RTDS_DEVICE_TYPES,
  runConformanceScenario,
} from '../../../../app/conformance/conformance.ts';
import { createCrypto } from '../../../../protocol/crypto/index.ts';
import { loadKeystore } from '../../../../sim/store/keystore-files.ts';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR } from '../../../fixtures/shared.ts';

describeShared('ESME model over RTDS 4.5.0', () => {
  const scenarios = groupRtdsScenarios(RTDS_DIR).filter(
    (s) => /^[^_]+_ECS/.test(s.folder) && s.command !== null,
  );
  const opts = {
    keystore: loadKeystore(RTDS_KEYSTORE_DIR),
    crypto: createCrypto('node'),
    acbId: '90b3d51f30000002',
  };

  it('plays the ESME command scenarios', () => {
    const esme = scenarios
      .map((s) => runConformanceScenario(s, opts))
      .filter((r) => r.device !== null && RTDS_DEVICE_TYPES.get(r.device) === 'ESME');
    expect(esme.length).toBe(179);
    const mismatched = esme
      .filter((r) => r.status !== 'matched')
      .map((r) => `${r.scenario}: ${r.differences[0]}`);
    expect(mismatched).toEqual([]);
  });

  it('answers a protected read (ECS17b) with the encrypted import registers', () => {
    const s = scenarios.find((x) => x.id === '4.1.1_ECS17b/ECS17b_4.1.1_TWIN_SUCCESS')!;
    expect(runConformanceScenario(s, opts)).toMatchObject({
      status: 'matched',
      fault: null,
      deviceType: 'ESME',
    });
  });
});
