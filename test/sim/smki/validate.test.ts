/**
 * Certificate validation (sim/smki/validate.ts): the published ZAZ1 / RTDS certificates pass; the
 * generated test PKI passes with full chains; a negative corpus built here from the generator's
 * profiles — each certificate correctly signed and breaking exactly one rule — fails for its own
 * reason, and only that one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { p256, p384 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { derTlv } from '../../../protocol/asn1/der.ts';
import { fromHex } from '../../../protocol/bytes.ts';
import {
  authorityKeyIdentifierExtension,
  buildCertificate,
  type CertificateSpec,
  caExtensions,
  certificatePoliciesExtension,
  DEVICE_NOT_AFTER,
  deviceExtensions,
  type ExtensionSpec,
  hardwareModuleNameSanExtension,
  keyIdentifier,
  keyUsageExtension,
  organisationExtensions,
  organisationSubject,
  subjectKeyIdentifierExtension,
  subjectPublicKeyInfo,
} from '../../../sim/smki/certificate.ts';
import { pemBlocks } from '../../../sim/smki/certificate-info.ts';
import { derSequence } from '../../../sim/smki/der-values.ts';
import {
  caCertificatesOf,
  deriveSerial,
  type PkiAuthority,
  pkiCrypto,
  yearsLater,
} from '../../../sim/smki/generator.ts';
import {
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_BASIC_CONSTRAINTS,
  OID_CERTIFICATE_POLICIES,
  OID_CN,
  OID_KEY_USAGE,
  OID_OU,
  OID_P384,
  OID_SUBJECT_ALT_NAME,
  OID_SUBJECT_KEY_IDENTIFIER,
  OID_X500_UNIQUE_IDENTIFIER,
  POLICY_DEVICE_TEST,
  POLICY_ORGANISATION_TEST,
} from '../../../sim/smki/oids.ts';
import { testPki } from '../../../sim/smki/test-pki.ts';
import { type ValidationResult, validateCertificate } from '../../../sim/smki/validate.ts';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR, sharedPath } from '../../fixtures/shared.ts';

const pki = testPki('validate');
const issuers = caCertificatesOf(pki);
const codes = (r: ValidationResult): string[] => [...new Set(r.reasons.map((x) => x.code))].sort();
const DEVICE_EUI = fromHex('d0000000000000aa');
const SUBJECT_KEY = fromHex('7a'.repeat(32));
const POINT = p256.getPublicKey(SUBJECT_KEY, false);
const NOT_BEFORE = Date.UTC(2025, 5, 1);

const replace = (exts: ExtensionSpec[], oid: string, by: ExtensionSpec[]): ExtensionSpec[] =>
  exts.flatMap((e) => (e.oid === oid ? by : [e]));

function deviceSpec(): CertificateSpec {
  return {
    serial: deriveSerial('neg', 'device'),
    issuer: pki.issuingDca.subject,
    subject: [],
    notBefore: NOT_BEFORE,
    notAfter: DEVICE_NOT_AFTER,
    spki: subjectPublicKeyInfo(POINT),
    extensions: deviceExtensions('ds', DEVICE_EUI, POINT, pki.issuingDca.keyId, POLICY_DEVICE_TEST),
  };
}

function orgSpec(): CertificateSpec {
  return {
    serial: deriveSerial('neg', 'org'),
    issuer: pki.issuingOca.subject,
    subject: organisationSubject(2, fromHex('ab000000000100aa')),
    notBefore: NOT_BEFORE,
    notAfter: yearsLater(NOT_BEFORE, 10),
    spki: subjectPublicKeyInfo(POINT),
    extensions: organisationExtensions('ka', POINT, pki.issuingOca.keyId, POLICY_ORGANISATION_TEST),
  };
}

/** A spec's key replaced (its SKI recomputed, so only the key rule can break). */
function withKey(spec: CertificateSpec, point: Uint8Array, curve?: string): CertificateSpec {
  return {
    ...spec,
    spki: subjectPublicKeyInfo(point, curve),
    extensions: replace(spec.extensions, OID_SUBJECT_KEY_IDENTIFIER, [
      subjectKeyIdentifierExtension(keyIdentifier(point)),
    ]),
  };
}

const sign = (spec: CertificateSpec, by: PkiAuthority) => buildCertificate(spec, by.privateKey, pkiCrypto);
const check = (der: Uint8Array, o: Parameters<typeof validateCertificate>[1] = {}) =>
  validateCertificate(der, { issuers, ...o });

describe('the generated test PKI', () => {
  it('every certificate passes and chains to its root', () => {
    expect(validateCertificate(pki.rootOca.certificate)).toMatchObject({
      ok: true,
      kind: 'ca',
      chain: { status: 'self-signed' },
    });
    expect(check(pki.issuingOca.certificate)).toMatchObject({
      ok: true,
      kind: 'ca',
      chain: { status: 'verified' },
    });
    for (const c of pki.organisations)
      expect(check(c.certificate), c.name).toMatchObject({
        ok: true,
        warnings: [expect.objectContaining({ code: 'TEST_CERTIFICATE' })],
        kind: 'organisation',
        chain: { status: 'verified', path: [expect.any(String), 'OU=07, CN=G1 TEST', 'OU=00, CN=GS TEST'] },
        summary: { eui: c.eui, usage: c.usage, role: c.role },
      });
    const dev = sign(deviceSpec(), pki.issuingDca);
    expect(check(dev)).toMatchObject({
      ok: true,
      kind: 'device',
      chain: { status: 'verified', path: [expect.any(String), 'CN=GSD1 TEST', 'CN=GSD0 TEST'] },
    });
    expect(check(sign(orgSpec(), pki.issuingOca))).toMatchObject({ ok: true, kind: 'organisation' });
  });

  it('checks validity periods only when asked to, at the date given', () => {
    const der = sign(orgSpec(), pki.issuingOca);
    expect(codes(check(der, { at: Date.UTC(2030, 0, 1) }))).toEqual([]);
    expect(codes(check(der, { at: Date.UTC(2025, 0, 1) }))).toEqual(['NOT_YET_VALID']);
    expect(codes(check(der, { at: Date.UTC(2036, 0, 1) }))).toEqual(['EXPIRED']);
  });

  it('with a date, checks every CA certificate of the chain at it too', () => {
    const early = sign({ ...deviceSpec(), notBefore: Date.UTC(2016, 0, 1) }, pki.issuingDca);
    expect(codes(check(early))).toEqual([]);
    const r = check(early, { at: Date.UTC(2016, 2, 9) });
    expect(r.reasons.map((x) => x.code)).toEqual(['ISSUER_NOT_YET_VALID', 'ISSUER_NOT_YET_VALID']);
    expect(r.reasons.map((x) => x.message).join(' ')).toMatch(/"CN=GSD1 TEST".*"CN=GSD0 TEST"/);
    expect(r.chain.status).toBe('invalid');
    expect(check(early, { at: Date.UTC(2026, 0, 1) })).toMatchObject({
      ok: true,
      chain: { status: 'verified' },
    });
    expect(codes(check(early, { at: Date.UTC(2060, 0, 1) }))).toEqual(['ISSUER_EXPIRED']);
  });
});

describe('negative corpus: each certificate fails for its own reason', () => {
  const p384Point = p384.getPublicKey(fromHex('11'.repeat(48)), false);
  const compressed = p256.getPublicKey(SUBJECT_KEY, true);
  const offCurve = new Uint8Array(65).fill(7);
  offCurve[0] = 4;
  const ku = (names: Parameters<typeof keyUsageExtension>[0], critical = true) => [
    keyUsageExtension(names, critical),
  ];
  const d = deviceSpec;
  const o = orgSpec;
  const cases: Array<[string, () => Uint8Array, string[]]> = [
    [
      'device: two key usages',
      () =>
        sign(
          {
            ...d(),
            extensions: replace(d().extensions, OID_KEY_USAGE, ku(['digitalSignature', 'keyAgreement'])),
          },
          pki.issuingDca,
        ),
      ['KEY_USAGE_NOT_SINGLE'],
    ],
    [
      'device: keyUsage nonRepudiation',
      () =>
        sign(
          { ...d(), extensions: replace(d().extensions, OID_KEY_USAGE, ku(['nonRepudiation'])) },
          pki.issuingDca,
        ),
      ['KEY_USAGE_NOT_DS_OR_KA'],
    ],
    [
      'device: non-critical keyUsage',
      () =>
        sign(
          { ...d(), extensions: replace(d().extensions, OID_KEY_USAGE, ku(['digitalSignature'], false)) },
          pki.issuingDca,
        ),
      ['KEY_USAGE_NOT_CRITICAL'],
    ],
    [
      'device: no keyUsage',
      () => sign({ ...d(), extensions: replace(d().extensions, OID_KEY_USAGE, []) }, pki.issuingDca),
      ['KEY_USAGE_MISSING'],
    ],
    [
      'device: non-critical SAN',
      () =>
        sign(
          {
            ...d(),
            extensions: replace(d().extensions, OID_SUBJECT_ALT_NAME, [
              hardwareModuleNameSanExtension(DEVICE_EUI, false),
            ]),
          },
          pki.issuingDca,
        ),
      ['DEVICE_SAN_NOT_CRITICAL'],
    ],
    [
      'device: no SAN',
      () => sign({ ...d(), extensions: replace(d().extensions, OID_SUBJECT_ALT_NAME, []) }, pki.issuingDca),
      ['DEVICE_SAN_MISSING'],
    ],
    [
      'device: 7-octet hwSerialNum',
      () =>
        sign(
          {
            ...d(),
            extensions: replace(d().extensions, OID_SUBJECT_ALT_NAME, [
              hardwareModuleNameSanExtension(DEVICE_EUI.subarray(1)),
            ]),
          },
          pki.issuingDca,
        ),
      ['DEVICE_EUI_INVALID'],
    ],
    [
      'device: SAN with a dNSName beside the HardwareModuleName',
      () => {
        const san = hardwareModuleNameSanExtension(DEVICE_EUI);
        const inner = san.value.subarray(2);
        return sign(
          {
            ...d(),
            extensions: replace(d().extensions, OID_SUBJECT_ALT_NAME, [
              { ...san, value: derSequence(inner, derTlv(0x82, new TextEncoder().encode('x'))) },
            ]),
          },
          pki.issuingDca,
        );
      },
      ['DEVICE_SAN_NOT_HARDWARE_MODULE_NAME'],
    ],
    [
      'device: key on the wrong curve (P-384)',
      () => sign(withKey(d(), p384Point, OID_P384), pki.issuingDca),
      ['WRONG_CURVE'],
    ],
    ['device: compressed point', () => sign(withKey(d(), compressed), pki.issuingDca), ['COMPRESSED_POINT']],
    ['device: point not on the curve', () => sign(withKey(d(), offCurve), pki.issuingDca), ['POINT_INVALID']],
    [
      'device: missing AKI',
      () =>
        sign(
          { ...d(), extensions: replace(d().extensions, OID_AUTHORITY_KEY_IDENTIFIER, []) },
          pki.issuingDca,
        ),
      ['AKI_MISSING'],
    ],
    [
      'device: critical AKI',
      () =>
        sign(
          {
            ...d(),
            extensions: replace(d().extensions, OID_AUTHORITY_KEY_IDENTIFIER, [
              { ...authorityKeyIdentifierExtension(pki.issuingDca.keyId), critical: true },
            ]),
          },
          pki.issuingDca,
        ),
      ['AKI_CRITICAL'],
    ],
    [
      'device: 20-octet AKI',
      () =>
        sign(
          {
            ...d(),
            extensions: replace(d().extensions, OID_AUTHORITY_KEY_IDENTIFIER, [
              authorityKeyIdentifierExtension(new Uint8Array(20).fill(1)),
            ]),
          },
          pki.issuingDca,
        ),
      ['AKI_NOT_8_BYTES'],
    ],
    [
      'device: no SKI',
      () =>
        sign({ ...d(), extensions: replace(d().extensions, OID_SUBJECT_KEY_IDENTIFIER, []) }, pki.issuingDca),
      ['SKI_MISSING'],
    ],
    [
      'device: 20-octet SKI',
      () =>
        sign(
          {
            ...d(),
            extensions: replace(d().extensions, OID_SUBJECT_KEY_IDENTIFIER, [
              subjectKeyIdentifierExtension(new Uint8Array(20).fill(2)),
            ]),
          },
          pki.issuingDca,
        ),
      ['SKI_NOT_8_BYTES'],
    ],
    [
      'device: SKI not by RFC 5280 method 2',
      () =>
        sign(
          {
            ...d(),
            extensions: replace(d().extensions, OID_SUBJECT_KEY_IDENTIFIER, [
              subjectKeyIdentifierExtension(new Uint8Array(8).fill(0x41)),
            ]),
          },
          pki.issuingDca,
        ),
      ['SKI_NOT_METHOD_2'],
    ],
    [
      'device: wrong policy',
      () =>
        sign(
          {
            ...d(),
            extensions: replace(d().extensions, OID_CERTIFICATE_POLICIES, [
              certificatePoliciesExtension(['1.2.826.0.1.9999999.1']),
            ]),
          },
          pki.issuingDca,
        ),
      ['POLICY_WRONG'],
    ],
    [
      'device: two policies',
      () =>
        sign(
          {
            ...d(),
            extensions: replace(d().extensions, OID_CERTIFICATE_POLICIES, [
              certificatePoliciesExtension([POLICY_DEVICE_TEST, POLICY_ORGANISATION_TEST]),
            ]),
          },
          pki.issuingDca,
        ),
      ['POLICY_NOT_SINGLE'],
    ],
    [
      'device: non-critical policies',
      () =>
        sign(
          {
            ...d(),
            extensions: replace(d().extensions, OID_CERTIFICATE_POLICIES, [
              certificatePoliciesExtension([POLICY_DEVICE_TEST], false),
            ]),
          },
          pki.issuingDca,
        ),
      ['POLICIES_NOT_CRITICAL'],
    ],
    [
      'device: no policies',
      () =>
        sign({ ...d(), extensions: replace(d().extensions, OID_CERTIFICATE_POLICIES, []) }, pki.issuingDca),
      ['POLICIES_MISSING'],
    ],
    [
      'device: a subject on a device certificate',
      () => sign({ ...d(), subject: [{ type: OID_CN, utf8: 'METER' }] }, pki.issuingDca),
      ['DEVICE_SUBJECT_NOT_EMPTY'],
    ],
    [
      'device: notAfter not 99991231235959Z',
      () => sign({ ...d(), notAfter: Date.UTC(2045, 0, 1) }, pki.issuingDca),
      ['DEVICE_NOT_AFTER'],
    ],
    [
      'device: an unknown critical extension',
      () =>
        sign(
          {
            ...d(),
            extensions: [
              ...d().extensions,
              { oid: '1.2.826.0.1.9999999.7', critical: true, value: Uint8Array.of(5, 0) },
            ],
          },
          pki.issuingDca,
        ),
      ['UNKNOWN_CRITICAL_EXTENSION'],
    ],
    [
      'device: an extension twice',
      () =>
        sign(
          { ...d(), extensions: [...d().extensions, subjectKeyIdentifierExtension(keyIdentifier(POINT))] },
          pki.issuingDca,
        ),
      ['DUPLICATE_EXTENSION'],
    ],
    [
      'device: ecdsa-with-SHA384',
      () => sign({ ...d(), signatureAlgorithm: '1.2.840.10045.4.3.3' }, pki.issuingDca),
      ['SIGNATURE_ALGORITHM'],
    ],
    [
      'device: serial number 0',
      () => sign({ ...d(), serial: Uint8Array.of(0) }, pki.issuingDca),
      ['SERIAL_INVALID'],
    ],
    [
      "device: signed by another key than its issuer's",
      () => sign(d(), pki.issuingOca),
      ['SIGNATURE_INVALID'],
    ],
    [
      'device: signature value altered',
      () => {
        const der = sign(d(), pki.issuingDca);
        der[der.length - 5]! ^= 0x01;
        return der;
      },
      ['SIGNATURE_INVALID'],
    ],
    [
      'organisation: two key usages',
      () =>
        sign(
          {
            ...o(),
            extensions: replace(o().extensions, OID_KEY_USAGE, ku(['digitalSignature', 'keyAgreement'])),
          },
          pki.issuingOca,
        ),
      ['KEY_USAGE_NOT_SINGLE'],
    ],
    [
      'organisation: no role (OU)',
      () => sign({ ...o(), subject: o().subject.filter((a) => a.type !== OID_OU) }, pki.issuingOca),
      ['ORG_ROLE_MISSING'],
    ],
    [
      'organisation: role 07 (a CA role) on an end entity',
      () => sign({ ...o(), subject: organisationSubject(7, fromHex('ab000000000100aa')) }, pki.issuingOca),
      ['ORG_ROLE_INVALID'],
    ],
    [
      'organisation: no Entity Identifier',
      () =>
        sign(
          { ...o(), subject: o().subject.filter((a) => a.type !== OID_X500_UNIQUE_IDENTIFIER) },
          pki.issuingOca,
        ),
      ['ORG_EUI_MISSING'],
    ],
    [
      'organisation: 7-octet Entity Identifier',
      () => sign({ ...o(), subject: organisationSubject(2, fromHex('ab0000000001aa')) }, pki.issuingOca),
      ['ORG_EUI_INVALID'],
    ],
    [
      'organisation: a subjectAltName',
      () =>
        sign(
          {
            ...o(),
            extensions: [
              ...o().extensions,
              {
                oid: OID_SUBJECT_ALT_NAME,
                critical: false,
                value: derSequence(derTlv(0x82, new TextEncoder().encode('example.org'))),
              },
            ],
          },
          pki.issuingOca,
        ),
      ['ORG_SAN_PRESENT'],
    ],
    [
      'organisation: the device policy',
      () =>
        sign(
          {
            ...o(),
            extensions: replace(o().extensions, OID_CERTIFICATE_POLICIES, [
              certificatePoliciesExtension([POLICY_DEVICE_TEST]),
            ]),
          },
          pki.issuingOca,
        ),
      ['POLICY_WRONG'],
    ],
    [
      'organisation: notBefore after notAfter',
      () => sign({ ...o(), notAfter: NOT_BEFORE - 1000 }, pki.issuingOca),
      ['VALIDITY_ORDER'],
    ],
    [
      'CA: basicConstraints missing',
      () => {
        const point = pkiCrypto.publicKeyOf(fromHex('33'.repeat(32)));
        return sign(
          {
            ...o(),
            subject: [
              { type: OID_OU, printable: '07' },
              { type: OID_CN, printable: 'X1' },
            ],
            spki: subjectPublicKeyInfo(point),
            extensions: replace(
              caExtensions(point, pki.rootOca.keyId, POLICY_ORGANISATION_TEST, 0),
              OID_BASIC_CONSTRAINTS,
              [],
            ),
          },
          pki.rootOca,
        );
      },
      ['CA_BASIC_CONSTRAINTS'],
    ],
    [
      'CA: keyUsage with digitalSignature',
      () => {
        const point = pkiCrypto.publicKeyOf(fromHex('34'.repeat(32)));
        return sign(
          {
            ...o(),
            subject: [
              { type: OID_OU, printable: '07' },
              { type: OID_CN, printable: 'X2' },
            ],
            spki: subjectPublicKeyInfo(point),
            extensions: replace(
              caExtensions(point, pki.rootOca.keyId, POLICY_ORGANISATION_TEST, 0),
              OID_KEY_USAGE,
              ku(['keyCertSign', 'cRLSign', 'digitalSignature']),
            ),
          },
          pki.rootOca,
        );
      },
      ['CA_KEY_USAGE'],
    ],
    [
      'CA: a sub-CA under the Issuing OCA (pathLen 0)',
      () => {
        const point = pkiCrypto.publicKeyOf(fromHex('35'.repeat(32)));
        return sign(
          {
            ...o(),
            subject: [
              { type: OID_OU, printable: '07' },
              { type: OID_CN, printable: 'X3' },
            ],
            spki: subjectPublicKeyInfo(point),
            extensions: caExtensions(point, pki.issuingOca.keyId, POLICY_ORGANISATION_TEST, 0),
          },
          pki.issuingOca,
        );
      },
      ['PATH_LENGTH_EXCEEDED'],
    ],
    ['not a certificate at all', () => Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00), ['NOT_A_CERTIFICATE']],
  ];

  for (const [name, make, expected] of cases) {
    it(name, () => {
      const r = check(make());
      expect(r.ok).toBe(false);
      expect(codes(r)).toEqual(expected);
      for (const reason of r.reasons) expect(reason.message.length).toBeGreaterThan(10);
    });
  }

  it('an organisation certificate issued by another end entity is ISSUER_NOT_CA', () => {
    const ee = pki.organisations[0]!;
    const spec = {
      ...orgSpec(),
      extensions: organisationExtensions('ds', POINT, keyIdentifier(ee.publicKey), POLICY_ORGANISATION_TEST),
    };
    const parsedSubject = validateCertificate(ee.certificate).summary!.subject;
    expect(parsedSubject).toContain('OU=');
    const der = buildCertificate(
      {
        ...spec,
        issuer: organisationSubject(
          ee.role!,
          fromHex(ee.eui),
          ee.usage === 'ds' && ee.cell === 'management' ? 'RECOVERY' : undefined,
        ),
      },
      ee.privateKey,
      pkiCrypto,
    );
    expect(codes(validateCertificate(der, { issuers: [...issuers, ee.certificate] }))).toEqual([
      'ISSUER_NOT_CA',
    ]);
  });

  it('an organisation certificate without an AKI is tolerated (a warning), failing only when strict', () => {
    const der = sign(
      { ...orgSpec(), extensions: replace(orgSpec().extensions, OID_AUTHORITY_KEY_IDENTIFIER, []) },
      pki.issuingOca,
    );
    const lenient = check(der);
    expect(lenient.ok).toBe(true);
    // TEST_CERTIFICATE (its CA is marked TEST) is information: a warning even when strict.
    expect(lenient.warnings.map((w) => w.code)).toEqual(['AKI_MISSING', 'TEST_CERTIFICATE']);
    expect(codes(check(der, { strict: true }))).toEqual(['AKI_MISSING']);
  });
});

describeShared('the published ZAZ1 / RTDS certificates', () => {
  const collect = (): Array<[string, Uint8Array]> => {
    const out: Array<[string, Uint8Array]> = [];
    for (const f of readdirSync(RTDS_KEYSTORE_DIR).filter((n) => n.endsWith('.pem')))
      for (const b of pemBlocks(readFileSync(join(RTDS_KEYSTORE_DIR, f), 'utf8')))
        if (b.label === 'CERTIFICATE') out.push([`keystore/${f}`, b.der]);
    const boxed = JSON.parse(
      readFileSync(sharedPath('samples', 'smartdcc-dccboxed-keystore', 'keystore.json'), 'utf8'),
    );
    for (const [eui, usages] of Object.entries<
      Record<string, Record<string, { certificate: string; name?: string }>>
    >(boxed))
      for (const serials of Object.values(usages))
        for (const [serial, rec] of Object.entries(serials))
          out.push([`boxed/${eui}/${rec.name ?? serial}`, pemBlocks(rec.certificate)[0]!.der]);
    const rtds = JSON.parse(readFileSync(sharedPath('vectors', 'rtds-4.5.0.keystore.json'), 'utf8'));
    rtds.entries.forEach((e: { type: string; pem: string; eui: string | null }, i: number) => {
      if (e.type === 'certificate') out.push([`rtds-json/${i}/${e.eui}`, pemBlocks(e.pem)[0]!.der]);
    });
    return out;
  };

  it('every one passes (profile alone; chains as far as the issuer is known)', () => {
    const all = collect();
    expect(all.length).toBe(480);
    const z1 = all.find(([n]) => n.startsWith('rtds-json') && n.endsWith('/null'))![1];
    const statuses: Record<string, number> = {};
    for (const [name, der] of all) {
      const r = validateCertificate(der, { issuers: [z1] });
      expect(r.reasons, name).toEqual([]);
      statuses[`${r.kind}/${r.chain.status}`] = (statuses[`${r.kind}/${r.chain.status}`] ?? 0) + 1;
      for (const w of r.warnings)
        expect([
          'SIGNATURE_INTEGER_NOT_MINIMAL',
          'SIGNATURE_ALGORITHM_PARAMETERS',
          'AKI_MISSING',
          'TEST_CERTIFICATE',
        ]).toContain(w.code);
    }
    // ZAZ1 organisation certificates chain to the Issuing CA "Z1" (its root "ZA" is not public).
    expect(statuses['organisation/partial']).toBeGreaterThan(40);
    expect(statuses['device/issuer-unknown']).toBeGreaterThan(400);
    expect(statuses['ca/issuer-unknown']).toBe(1);
  });

  it('the RTDS CS02d certificate (keyUsage nonRepudiation) fails for that reason only', () => {
    const hex = readFileSync(
      join(RTDS_DIR, '6.15.2_CS02d', 'CS02d_6.15.2_ERROR_PRECOMMAND_GBCS.HEX'),
      'utf8',
    ).trim();
    const der = fromHex(hex.slice(hex.indexOf('308201A1')));
    expect(codes(validateCertificate(der))).toEqual(['KEY_USAGE_NOT_DS_OR_KA']);
  });
});

describe('revocations (an SMKI Repository consulted)', () => {
  it('a revoked certificate is REVOKED from its revocation date on, naming the repository; others unaffected', () => {
    const c = pki.organisations[0]!;
    const revokedAt = Date.UTC(2026, 0, 2);
    const revocations = new Map([
      [c.serial.replace(/^(00)+/, ''), { revokedAt, reason: 'key compromise', repository: 'pki/smki.json' }],
    ]);
    expect(check(c.certificate, { revocations })).toMatchObject({
      ok: false,
      reasons: [
        { code: 'REVOKED', message: 'revoked at 2026-01-02T00:00:00Z in pki/smki.json (key compromise)' },
      ],
    });
    expect(check(c.certificate, { revocations, at: revokedAt - 1000 }).ok).toBe(true);
    expect(check(c.certificate, { revocations, at: revokedAt }).reasons.map((r) => r.code)).toEqual([
      'REVOKED',
    ]);
    expect(check(pki.organisations[1]!.certificate, { revocations }).ok).toBe(true);
  });
});
