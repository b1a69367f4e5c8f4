/**
 * Issue 8, finding 8 (first half): every certificate gbcs-sim generates carries a TEST marker — its
 * CA names are marked TEST (sim/smki/test-marker.ts says why there) — and still passes the
 * validator strictly; `keys validate` reports it (`test: true`, warning TEST_CERTIFICATE, never a
 * failure). The published test PKIs in ../shared (ZAZ1, RTDS) are recognised by their CAs' key
 * identifiers: every one of their certificates, and nothing else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCertificateInputs } from '../../../app/keys/certificate-files.ts';
import { fromHex } from '../../../protocol/bytes.ts';
import {
  buildCertificate,
  organisationExtensions,
  organisationSubject,
  subjectPublicKeyInfo,
} from '../../../sim/smki/certificate.ts';
import {
  caCertificatesOf,
  deriveSerial,
  deviceCredential,
  issueDeviceCertificate,
  pkiCrypto,
} from '../../../sim/smki/generator.ts';
import { OID_CN, OID_OU, POLICY_ORGANISATION_TEST } from '../../../sim/smki/oids.ts';
import { parseCertificate } from '../../../sim/smki/parse.ts';
import { PUBLISHED_TEST_CAS } from '../../../sim/smki/test-marker.ts';
import { deriveTestPrivateKey, testPki } from '../../../sim/smki/test-pki.ts';
import { certificateTestMarking, validateCertificate } from '../../../sim/smki/validate.ts';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR, sharedPath } from '../../fixtures/shared.ts';

const pki = testPki('marker');
const issuers = caCertificatesOf(pki);

describe('every certificate gbcs-sim generates is marked TEST', () => {
  const generated = (): Array<[string, Uint8Array]> => [
    ['root-oca', pki.rootOca.certificate],
    ['issuing-oca', pki.issuingOca.certificate],
    ['root-dca', pki.rootDca.certificate],
    ['issuing-dca', pki.issuingDca.certificate],
    ...pki.organisations.map((o): [string, Uint8Array] => [o.name, o.certificate]),
    // A device certificate issued on demand (run, serve) and one issued as the RA issues them (keys issue).
    ['device on demand', deviceCredential(pki, deriveTestPrivateKey, 'd0000000000000b1', 'ka').certificate],
    [
      'device issued by the Issuing DCA',
      issueDeviceCertificate(pki.issuingDca, {
        eui: 'd0000000000000b2',
        usage: 'ds',
        publicKey: pkiCrypto.publicKeyOf(fromHex('11'.repeat(32))),
        notBefore: pki.notBefore,
        serial: deriveSerial('marker', 'b2'),
      }),
    ],
  ];

  it('in its issuer name (and a CA in its subject), passing the validator strictly: only the TEST_CERTIFICATE warning', () => {
    const all = generated();
    expect(all.length).toBe(4 + pki.organisations.length + 2);
    for (const [name, der] of all) {
      const r = validateCertificate(der, { issuers, strict: true });
      expect(r.reasons, name).toEqual([]);
      expect(r.ok, name).toBe(true);
      expect(r.test, name).toMatchObject({ source: 'ca-name' });
      expect(
        r.warnings.map((w) => w.code),
        name,
      ).toEqual(['TEST_CERTIFICATE']);
      expect(r.summary?.issuer, name).toMatch(/CN=\S+ TEST$/);
      expect(certificateTestMarking(der), name).toEqual(r.test);
    }
    // The device profile's subject stays empty: the marker is where it can be, in the issuer.
    expect(parseCertificate(all.at(-1)![1]).subject).toEqual([]);
  });

  it('a certificate whose CAs are not marked is not a test certificate ("TESTING" is no marker)', () => {
    for (const cn of ['P1', 'TESTING', 'ATTEST']) {
      const der = buildCertificate(
        {
          serial: deriveSerial('marker', cn),
          issuer: [
            { type: OID_OU, printable: '07' },
            { type: OID_CN, printable: cn },
          ],
          subject: organisationSubject(2, fromHex('ab000000000100aa')),
          notBefore: pki.notBefore,
          notAfter: pki.notBefore + 86_400_000,
          spki: subjectPublicKeyInfo(pki.organisations[0]!.publicKey),
          extensions: organisationExtensions(
            'ds',
            pki.organisations[0]!.publicKey,
            fromHex('4000000000000001'),
            POLICY_ORGANISATION_TEST,
          ),
        },
        pki.issuingOca.privateKey,
        pkiCrypto,
      );
      const r = validateCertificate(der);
      expect(r.ok, cn).toBe(true);
      expect(r.test, cn).toBeNull();
      expect(r.warnings, cn).toEqual([]);
      expect(certificateTestMarking(der), cn).toBeNull();
    }
    expect(certificateTestMarking(Uint8Array.of(0x30, 0x00))).toBeNull(); // not a certificate: no marking, no throw
  });
});

describeShared('published test PKIs are recognised as test certificates', () => {
  it('every certificate of the RTDS keystore, the DCC Boxed keystore.json and signing tool, and the RTDS keystore JSON', () => {
    const inputs = readCertificateInputs([
      RTDS_KEYSTORE_DIR,
      sharedPath('samples', 'smartdcc-dccboxed-keystore', 'keystore.json'),
      sharedPath('samples', 'smartdcc-dccboxed-signing-tool', 'zaz1-keys'),
      sharedPath('vectors', 'rtds-4.5.0.keystore.json'),
      sharedPath('vectors', 'smartdcc-dccboxed-keystore.zaz1.json'),
    ])
      .filter((i): i is { input: string; der: Uint8Array } => 'der' in i)
      // The signing tool's directory also holds a DER private key (…-ds.key.der): certificates only.
      .filter((i) => validateCertificate(i.der).kind !== null);
    const byCa: Record<string, number> = {};
    for (const { input, der } of inputs) {
      const m = certificateTestMarking(der);
      expect(m?.source, input).toBe('published-test-pki');
      const ca = PUBLISHED_TEST_CAS.find((k) => m!.message.includes(`"${k.name}"`))!;
      byCa[ca.name] = (byCa[ca.name] ?? 0) + 1;
    }
    // Distinct certificates (a certificate in several files counts once).
    expect(byCa).toEqual({
      'CN=E357': 400,
      'OU=00, CN=ZA': 1,
      'OU=07, CN=Z1': 33,
      'OU=07, CN=Z99': 2,
      'OU=07, CN=OB': 2,
    });
  });

  it('the RTDS CS02b command carrying a certificate of Issuing OCA "Z2"', () => {
    const hex = readFileSync(
      join(
        RTDS_DIR,
        '6.15.1_CS02bSupplierBySupplier',
        'CS02bSupplierBySupplier_6.15.1_IMMEDIATE_ERROR_COMMAND_GBCS.HEX',
      ),
      'utf8',
    ).replace(/\s/g, '');
    const bytes = fromHex(hex);
    const found: string[] = [];
    for (let i = 0; i + 4 < bytes.length; i++) {
      if (bytes[i] !== 0x30 || bytes[i + 1] !== 0x82) continue;
      const len = (bytes[i + 2]! << 8) | bytes[i + 3]!;
      if (len < 200 || i + 4 + len > bytes.length) continue;
      const m = certificateTestMarking(bytes.subarray(i, i + 4 + len));
      if (m) found.push(m.message);
    }
    expect(found.some((m) => m.includes('"OU=07, CN=Z2"'))).toBe(true);
  });
});
