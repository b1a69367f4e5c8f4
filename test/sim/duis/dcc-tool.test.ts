/**
 * Interoperability with the DCC's own tools (GPL devDependencies, tests only): @smartdcc/duis-sign-wrap
 * (the DCC Boxed signing tool, a Java jar: each call starts a JVM, ~0.6 s, so calls are few) and
 * @smartdcc/duis-parser. Skipped, saying why, without Java or ../shared.
 */
import { spawnSync } from 'node:child_process';
import { parseDuis } from '@smartdcc/duis-parser';
import { signDuis, validateDuis } from '@smartdcc/duis-sign-wrap';
import { describe, expect, it } from 'vitest';
import { readDuisXml } from '../../../sim/duis/xml.ts';
import { readSignatureProfile, verifyDuisSignature } from '../../../sim/duis/xmldsig.ts';
import {
  bytes,
  certOf,
  crypto,
  HAVE_SHARED,
  sample,
  signedRequest,
  zaz1Service,
} from '../../fixtures/duis.ts';

const HAVE_JAVA = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
const run = HAVE_SHARED && HAVE_JAVA;
const XML = 'application/xml';

describe.skipIf(!run)(
  `the DCC signing tool and parser as clients${run ? '' : ' (needs java on PATH and ../shared)'}`,
  () => {
    it('a request signed by signDuis({preserveCounter: true}) verifies and is acknowledged; our I99 and E19 pass validateDuis', async () => {
      const signed = await signDuis({
        xml: sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML'),
        preserveCounter: true,
      });
      // Our verifier on the tool's signature (its SignatureValue is folded with &#13;)
      const x = readDuisXml(bytes(signed));
      const p = x.ok ? readSignatureProfile(x.root) : null;
      expect(p?.ok).toBe(true);
      if (!x.ok || !p?.ok) return;
      expect(p.profile.serial).toBe(certOf('xml-sign-90B3D51F30010000-ds.pem').serial);
      expect(
        verifyDuisSignature(x.text, p.profile, certOf('xml-sign-90B3D51F30010000-ds.pem').publicKey, crypto),
      ).toBe(true);

      const { service } = zaz1Service();
      const ack = await service.handle('S', bytes(signed), XML);
      expect([ack.status, ack.responseCode]).toEqual([200, 'I99']);
      const unknown = zaz1Service({ devices: [] }).service;
      const e19 = await unknown.handle('S', bytes(signed), XML);
      expect(e19.responseCode).toBe('E19');

      for (const [answer, code] of [
        [ack, 'I99'],
        [e19, 'E19'],
      ] as const) {
        // validateDuis throws "validation failed" on a bad signature or an XSD-invalid message
        const validated = await validateDuis({ xml: answer.body });
        const parsed = parseDuis('simplified', validated) as any;
        expect(parsed.header.type).toBe('response');
        expect(parsed.header.responseCode).toBe(code);
        expect(parsed.header.requestId).toEqual({
          originatorId: '90-b3-d5-1f-30-01-00-00',
          targetId: '00-07-81-d7-00-00-36-ce',
          counter: 1000n,
        });
        expect(parsed.body.ResponseMessage).toEqual({
          ServiceReference: '4.1',
          ServiceReferenceVariant: '4.1.1',
        });
      }
    });

    it('a request signed by gbcs-sim passes validateDuis; a tampered one does not', async () => {
      const ours = signedRequest(sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML'), { counter: 77n });
      const back = parseDuis('simplified', await validateDuis({ xml: ours })) as any;
      expect(back.header.requestId.counter).toBe(77n);
      await expect(validateDuis({ xml: ours.replace(':77<', ':78<') })).rejects.toThrow();
    });
  },
);
