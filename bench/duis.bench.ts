/**
 * DUIS end to end (`npm run bench -- duis`): signed service requests per second through the DCC in
 * front of virtual premises, per family, on the noble and node crypto back-ends. One operation: the
 * user signs the request XML (XMLDSig, ECDSA P-256), the service reads it safely, verifies the
 * signature, checks access control, transforms it to a GBCS command (ACB MAC; critical: CV 4 →
 * PreCommand, signed by the test Supplier, → CV 5), the device answers, the response is DSP-signed
 * into the outbox (in memory; emptied after each operation). No HTTP and no XSD (`--xsd` would add
 * ~150 ms). Needs the DCC Boxed ZAZ1 keystore and keys in ../shared.
 */

import { signedPreCommandRequest, signPreCommand } from '../app/duis/send.ts';
import { type CryptoBackendName, createCrypto } from '../protocol/crypto/index.ts';
import { VirtualClock } from '../sim/clock.ts';
import { userRolesFromKeystore, XmlSigningRegistry } from '../sim/duis/certificates.ts';
import { EXAMPLES, exampleRequest } from '../sim/duis/examples.ts';
import { MemoryOutbox } from '../sim/duis/outbox.ts';
import { PremisesBackend, premisesIdsOf } from '../sim/duis/premises-backend.ts';
import { DuisService } from '../sim/duis/service.ts';
import { WEB_SERVICE_OF_CV } from '../sim/duis/service-requests.ts';
import { signDuisXml } from '../sim/duis/xmldsig.ts';
import { dspKey, NOW, userKey, zaz1Keystore } from '../test/fixtures/duis.ts';
import type { BenchCase, BenchGroup } from './harness.ts';

const BACKENDS: CryptoBackendName[] = ['noble', 'node'];
/** One use case per family, as the examples table has them. */
const ROWS: Array<[string, string]> = [
  ['3.1 Display Message (ECS10)', 'ECS10'],
  ['4.1.1 Read Instantaneous Import Registers (ECS17b)', 'ECS17b'],
  ['4.1.1 the same on a GSME, via the GPF (GCS13a)', 'GCS13a'],
  ['7.1 Enable Supply, critical: CV 4 + CV 5 (ECS42)', 'ECS42'],
  ['8.11 Update HAN Device Log (CCS01)', 'CCS01'],
  ['11.2 Read Firmware Version (ECS52)', 'ECS52'],
];

function caseOf(backend: CryptoBackendName, name: string, uc: string): BenchCase {
  const crypto = createCrypto(backend);
  const clock = new VirtualClock(NOW);
  const outbox = new MemoryOutbox();
  const premises = new PremisesBackend({ premises: 1, seed: '1', crypto, clock, dsp: dspKey(), outbox });
  const service = new DuisService({
    registry: new XmlSigningRegistry().addKeystore(zaz1Keystore()),
    userRoles: userRolesFromKeystore(zaz1Keystore()),
    backend: premises,
    dsp: dspKey(),
    clock,
    crypto,
  });
  const user = userKey('90B3D51F30010000');
  const target = premisesIdsOf(0)[EXAMPLES[uc]!.device];
  let counter = 1_000_000n;
  return {
    name,
    variant: backend,
    run: async () => {
      const xml = exampleRequest(uc, { originator: '90b3d51f30010000', counter: ++counter, target })!;
      const cv = xml.includes('<sr:CommandVariant>4<') ? 4 : 1;
      let a = await service.handle(
        WEB_SERVICE_OF_CV[cv],
        new TextEncoder().encode(signDuisXml(xml, user, crypto)),
        'application/xml',
      );
      if (cv === 4) {
        const pre = signPreCommand(a.body, premises.keys, crypto)!;
        const cv5 = signedPreCommandRequest(xml, pre);
        a = await service.handle(
          'S',
          new TextEncoder().encode(signDuisXml(cv5, user, crypto)),
          'application/xml',
        );
      }
      if (a.responseCode !== 'I99')
        throw new Error(`${uc}: ${a.status} ${a.responseCode ?? a.refusal} ${a.detail}`);
      for (const e of outbox.due(clock.now())) outbox.delivered(e.id);
      return a;
    },
  };
}

export const group: BenchGroup = {
  name: 'duis',
  title:
    'DUIS end to end: signed service requests/s (sign, verify, access control, GBCS, device, DSP-signed response)',
  variants: BACKENDS,
  notes: [
    'one operation = one service request as a user sends it; critical (7.1) = the CV 4 transform and the CV 5 send;',
    'in process (no HTTP, no XSD); 1 premises on the test keys of seed 1; DUIS keys: DCC Boxed ZAZ1 (../shared).',
  ],
  ratios: ROWS.map(([name]) => ({
    label: `${name}: node / noble`,
    numerator: { name, variant: 'node' },
    denominator: { name, variant: 'noble' },
  })),
  setup: () => ROWS.flatMap(([name, uc]) => BACKENDS.map((b) => caseOf(b, name, uc))),
};
