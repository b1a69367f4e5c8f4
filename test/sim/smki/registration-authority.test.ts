/**
 * The Registration Authority (RAPP), the SMKI Repository and its DCC Boxed-shaped HTTP service:
 * bad requests get precise reasons and nothing is issued or changed; good ones are issued by the
 * right CA and found by the searches DCC Boxed offers; the state survives a save and reload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { p256, p384 } from '@noble/curves/nist.js';
import { afterAll, describe, expect, it } from 'vitest';
import { handleRepositoryRequest, startRepositoryServer } from '../../../app/smki/http.ts';
import { fromHex, toHex } from '../../../protocol/bytes.ts';
import { VirtualClock } from '../../../sim/clock.ts';
import {
  keyUsageExtension,
  subjectKeyIdentifierExtension,
  subjectPublicKeyInfo,
} from '../../../sim/smki/certificate.ts';
import {
  buildCsr,
  type CsrSpec,
  checkCsr,
  deviceCsrSpec,
  organisationCsrSpec,
} from '../../../sim/smki/csr.ts';
import { caCertificatesOf, pkiCrypto } from '../../../sim/smki/generator.ts';
import { OID_CN, OID_P384 } from '../../../sim/smki/oids.ts';
import { RegistrationAuthority } from '../../../sim/smki/registration-authority.ts';
import { duisEui, SmkiRepository } from '../../../sim/smki/repository.ts';
import { TEST_PARTIES, testPki } from '../../../sim/smki/test-pki.ts';
import { RegulatoryTimeline } from '../../../sim/smki/timeline.ts';
import { validateCertificate } from '../../../sim/smki/validate.ts';
import { defaultParties, initPkiDirectory, openPkiDirectory } from '../../../sim/store/pki-store.ts';

const pki = testPki('ra');
const SUPPLIER = 'ab00000000010000';
const NO = 'ab00000000020000';
const ESME = 'd000000000000003';
const key = (n: number) => fromHex(n.toString(16).padStart(2, '0').repeat(32));
const pub = (n: number) => pkiCrypto.publicKeyOf(key(n));
const sign = (spec: CsrSpec, n: number) => buildCsr(spec, key(n), pkiCrypto);

function setup() {
  const clock = new VirtualClock(Date.UTC(2026, 2, 1));
  const repository = new SmkiRepository();
  for (const der of caCertificatesOf(pki))
    repository.add(der, { issuedAt: pki.notBefore, subscriber: 'dcc' });
  for (const c of pki.organisations) repository.add(c.certificate, { issuedAt: pki.notBefore });
  const ra = new RegistrationAuthority({
    timeline: new RegulatoryTimeline(),
    clock,
    repository,
    issuingOca: pki.issuingOca,
    issuingDca: pki.issuingDca,
  });
  for (const p of defaultParties(TEST_PARTIES, [ESME])) expect(ra.onboard(p).ok).toBe(true);
  return { clock, repository, ra };
}

const snapshot = (ra: RegistrationAuthority) => JSON.stringify([ra.repository.toJSON(), ra.toJSON()]);

describe('Registration Authority: CSR checks', () => {
  const cases: Array<[string, string, () => Uint8Array, string[]]> = [
    ['not DER at all', 'supplier', () => Uint8Array.of(1, 2, 3), ['CSR_MALFORMED']],
    [
      'a signature that is not the key holder’s',
      'supplier',
      () => {
        const der = sign(organisationCsrSpec(2, SUPPLIER, 'ds', pub(0x31)), 0x32);
        return der;
      },
      ['CSR_SIGNATURE_INVALID'],
    ],
    [
      'two key usages',
      'supplier',
      () =>
        sign(
          {
            ...organisationCsrSpec(2, SUPPLIER, 'ds', pub(0x33)),
            extensions: [keyUsageExtension(['digitalSignature', 'keyAgreement'])],
          },
          0x33,
        ),
      ['CSR_KEY_USAGE_NOT_SINGLE'],
    ],
    [
      'no key usage requested',
      'supplier',
      () =>
        sign(
          {
            ...organisationCsrSpec(2, SUPPLIER, 'ds', pub(0x34)),
            extensions: [subjectKeyIdentifierExtension(new Uint8Array(8))],
          },
          0x34,
        ),
      ['CSR_KEY_USAGE_MISSING'],
    ],
    [
      'a key on P-384',
      'supplier',
      () =>
        sign(
          {
            ...organisationCsrSpec(2, SUPPLIER, 'ds', pub(0x35)),
            spki: subjectPublicKeyInfo(p384.getPublicKey(new Uint8Array(48).fill(0x35), false), OID_P384),
          },
          0x35,
        ),
      ['CSR_WRONG_CURVE'],
    ],
    [
      'a compressed point',
      'supplier',
      () =>
        sign(
          {
            ...organisationCsrSpec(2, SUPPLIER, 'ds', pub(0x36)),
            spki: subjectPublicKeyInfo(p256.getPublicKey(key(0x36), true)),
          },
          0x36,
        ),
      ['CSR_COMPRESSED_POINT'],
    ],
    [
      'a role the party is not eligible for (Supplier asking for ACB, OU=04)',
      'supplier',
      () => sign(organisationCsrSpec(4, SUPPLIER, 'ds', pub(0x37)), 0x37),
      ['ROLE_NOT_ELIGIBLE'],
    ],
    [
      'an Entity Identifier of another party',
      'supplier',
      () => sign(organisationCsrSpec(2, NO, 'ds', pub(0x38)), 0x38),
      ['EUI_NOT_OWNED'],
    ],
    [
      'a Network Operator asking for a Supplier certificate on its own EUI',
      'network-operator',
      () => sign(organisationCsrSpec(2, NO, 'ka', pub(0x39)), 0x39),
      ['ROLE_NOT_ELIGIBLE'],
    ],
    [
      'a device the party may not request for',
      'supplier',
      () => sign(deviceCsrSpec('d0000000000000ee', 'ds', pub(0x3a)), 0x3a),
      ['DEVICE_NOT_OWNED'],
    ],
    [
      'a subject on a device request',
      'supplier',
      () =>
        sign({ ...deviceCsrSpec(ESME, 'ds', pub(0x3b)), subject: [{ type: OID_CN, utf8: 'ESME' }] }, 0x3b),
      ['CSR_DEVICE_SUBJECT_NOT_EMPTY'],
    ],
    [
      'an organisation request without Entity Identifier',
      'supplier',
      () =>
        sign(
          {
            ...organisationCsrSpec(2, SUPPLIER, 'ds', pub(0x3c)),
            subject: organisationCsrSpec(2, SUPPLIER, 'ds', pub(0x3c)).subject.slice(0, 1),
          },
          0x3c,
        ),
      ['CSR_EUI_MISSING'],
    ],
    [
      'a key already certified (the Supplier’s own DS key)',
      'supplier',
      () =>
        buildCsr(
          organisationCsrSpec(
            2,
            SUPPLIER,
            'ds',
            pki.organisations.find((o) => o.eui === SUPPLIER)!.publicKey,
          ),
          pki.organisations.find((o) => o.eui === SUPPLIER)!.privateKey,
          pkiCrypto,
        ),
      ['KEY_ALREADY_CERTIFIED'],
    ],
    [
      'an unknown submitter',
      'nobody',
      () => sign(organisationCsrSpec(2, SUPPLIER, 'ds', pub(0x3d)), 0x3d),
      ['PARTY_UNKNOWN'],
    ],
  ];
  for (const [name, submitter, make, expected] of cases) {
    it(`refuses ${name}, issuing nothing`, () => {
      const { ra } = setup();
      const before = snapshot(ra);
      const r = ra.submitCsr(submitter, make());
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect([...new Set(r.reasons.map((x) => x.code))].sort()).toEqual(expected);
      for (const reason of r.reasons) expect(reason.message.length).toBeGreaterThan(10);
      expect(snapshot(ra)).toBe(before);
    });
  }

  it('refuses a party that is not (yet) an Authorised Subscriber, and one without entry tests', () => {
    const { ra } = setup();
    expect(
      ra.registerParty({
        id: 'newco',
        name: 'NewCo',
        secRoles: ['IS'],
        euis: ['ab00000000030000'],
        entryTestsPassed: false,
      }).ok,
    ).toBe(true);
    expect(ra.applyForSubscription('newco', 'organisation')).toMatchObject({
      ok: false,
      reasons: [{ code: 'ENTRY_TESTS_NOT_PASSED' }],
    });
    ra.recordEntryTests('newco', true);
    expect(ra.applyForSubscription('newco', 'organisation').ok).toBe(true);
    const req = sign(organisationCsrSpec(2, 'ab00000000030000', 'ds', pub(0x40)), 0x40);
    expect(ra.submitCsr('newco', req)).toMatchObject({
      ok: false,
      reasons: [{ code: 'NOT_AUTHORISED_SUBSCRIBER', message: expect.stringContaining('applied') }],
    });
    expect(ra.setSubscriberState('newco', 'organisation', 'authorised')).toMatchObject({
      ok: false,
      reasons: [{ code: 'BAD_TRANSITION' }],
    });
    ra.setSubscriberState('newco', 'organisation', 'verified');
    ra.setSubscriberState('newco', 'organisation', 'authorised');
    expect(ra.submitCsr('newco', req)).toMatchObject({
      ok: true,
      value: { role: 2, eui: 'ab00000000030000', subscriber: 'newco' },
    });
    // Registering a second party on a taken Entity Identifier is refused.
    expect(
      ra.registerParty({
        id: 'other',
        name: 'Other',
        secRoles: ['GS'],
        euis: [SUPPLIER],
        entryTestsPassed: true,
      }),
    ).toMatchObject({
      ok: false,
      reasons: [{ code: 'EUI_TAKEN' }],
    });
  });

  it('issues organisation certificates by the Issuing OCA and device certificates by the Issuing DCA', () => {
    const { ra } = setup();
    const org = ra.submitCsr(
      'supplier',
      sign(organisationCsrSpec(2, SUPPLIER, 'ka', pub(0x41), 'SUPPLIER'), 0x41),
    );
    expect(org.ok).toBe(true);
    if (!org.ok) return;
    expect(validateCertificate(org.value.certificate, { issuers: caCertificatesOf(pki) })).toMatchObject({
      ok: true,
      kind: 'organisation',
      summary: { eui: SUPPLIER, role: 2, usage: 'ka', issuer: 'OU=07, CN=G1 TEST' },
      test: { source: 'ca-name' },
      chain: { status: 'verified' },
    });
    const dev = ra.submitCsr('supplier', sign(deviceCsrSpec(ESME, 'ka', pub(0x42)), 0x42));
    expect(
      dev.ok && validateCertificate(dev.value.certificate, { issuers: caCertificatesOf(pki) }),
    ).toMatchObject({
      ok: true,
      kind: 'device',
      summary: { eui: ESME, usage: 'ka', issuer: 'CN=GSD1 TEST' },
      test: { source: 'ca-name' },
      chain: { status: 'verified' },
    });
    expect(checkCsr(sign(deviceCsrSpec(ESME, 'ka', pub(0x42)), 0x42), pkiCrypto).ok).toBe(true);
  });

  it('refuses to issue at a date outside the issuing CA validity (ISSUER_NOT_VALID_AT), issuing nothing', () => {
    const { ra, clock } = setup();
    clock.set(Date.UTC(2016, 2, 9));
    const before = snapshot(ra);
    const r = ra.submitCsr('supplier', sign(organisationCsrSpec(2, SUPPLIER, 'ka', pub(0x43)), 0x43));
    expect(r).toMatchObject({ ok: false, reasons: [{ code: 'ISSUER_NOT_VALID_AT' }] });
    expect(!r.ok && r.reasons[0]!.message).toMatch(/Issuing OCA is valid from 2025-01-01T00:00:00Z/);
    expect(snapshot(ra)).toBe(before);
  });

  it('revokes for the DCC or the Subscriber only, once', () => {
    const { ra } = setup();
    const r = ra.submitCsr('supplier', sign(organisationCsrSpec(2, SUPPLIER, 'ds', pub(0x43)), 0x43));
    if (!r.ok) throw new Error('not issued');
    expect(ra.revoke('network-operator', r.value.serial, 'key compromise')).toMatchObject({
      ok: false,
      reasons: [{ code: 'NOT_SUBSCRIBER' }],
    });
    expect(ra.revoke('supplier', r.value.serial.toUpperCase(), 'key compromise')).toMatchObject({
      ok: true,
      value: { status: 'R', revocationReason: 'key compromise' },
    });
    expect(ra.revoke('dcc', r.value.serial, 'again')).toMatchObject({
      ok: false,
      reasons: [{ code: 'ALREADY_REVOKED' }],
    });
    expect(ra.revoke('dcc', 'ffff', 'x')).toMatchObject({
      ok: false,
      reasons: [{ code: 'CERTIFICATE_UNKNOWN' }],
    });
  });
});

describe('SMKI Repository', () => {
  it('searches by subject EUI and role, by SAN EUI, by usage and status; E after notAfter', () => {
    const { ra, repository } = setup();
    const d = ra.submitCsr('supplier', sign(deviceCsrSpec(ESME, 'ds', pub(0x44)), 0x44));
    expect(d.ok).toBe(true);
    expect(
      repository
        .search({ subjectEui: SUPPLIER, role: 2 })
        .map((r) => r.usage)
        .sort(),
    ).toEqual(['ds', 'ka', 'ka']);
    expect(repository.search({ subjectEui: SUPPLIER, role: 2, usage: 'ds' })).toHaveLength(1);
    expect(repository.search({ subjectEui: SUPPLIER, role: 3 })).toHaveLength(0);
    expect(repository.search({ sanEui: ESME }).map((r) => r.kind)).toEqual(['device']);
    expect(repository.search({ subjectEui: ESME })).toHaveLength(0);
    const later = Date.UTC(2040, 0, 1);
    expect(repository.search({ subjectEui: SUPPLIER, status: 'E', at: later })).toHaveLength(3);
    expect(repository.search({ sanEui: ESME, status: 'I', at: later })).toHaveLength(1);
    const serial = repository.search({ subjectEui: NO, usage: 'ka' })[0]!.serial;
    expect(repository.bySerial(`00${serial.toUpperCase()}`)?.serial).toBe(serial);
  });

  it('persists through a PKI directory (init, reopen, issue, save, reopen)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-smki-'));
    try {
      const clock = new VirtualClock(Date.UTC(2026, 0, 1));
      initPkiDirectory(pki, dir, { parties: TEST_PARTIES, devices: [ESME], clock });
      const a = openPkiDirectory(dir, { clock });
      expect(a.repository.records.length).toBe(4 + pki.organisations.length + pki.devices.length);
      const r = a.ra.submitCsr('supplier', sign(organisationCsrSpec(2, SUPPLIER, 'ds', pub(0x45)), 0x45));
      expect(r.ok).toBe(true);
      a.save();
      const b = openPkiDirectory(dir, { clock });
      expect(b.repository.records.length).toBe(a.repository.records.length);
      expect(b.ra.toJSON()).toEqual(a.ra.toJSON());
      expect(toHex(b.issuingOca.certificate)).toBe(toHex(pki.issuingOca.certificate));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SMKI Repository over HTTP (DCC Boxed certificatesearch / retrievecertificate)', () => {
  const { repository, clock } = setup();
  const xml = (root: string, inner: string) =>
    `<?xml version="1.0" encoding="utf-8"?><${root}>${inner}</${root}>`;
  const field = (body: string, tag: string) =>
    [...body.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);
  let server: Awaited<ReturnType<typeof startRepositoryServer>> | undefined;
  afterAll(async () => server?.close());

  it('answers the requests the DCC Boxed client sends', async () => {
    server = await startRepositoryServer({ repository, clock, port: 0 });
    const post = (path: string, body: string) =>
      fetch(`${server!.url}${path}?apikey=u3bg9gt38htd0j2`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body,
      });
    const search = await post(
      '/services/certificatesearch',
      xml(
        'CertificateSearchRequest',
        `<CertificateSubjectName>${duisEui(SUPPLIER)}</CertificateSubjectName>`,
      ),
    );
    expect(search.status).toBe(200);
    expect(search.headers.get('content-type')).toContain('application/xml');
    const body = await search.text();
    expect(field(body, 'ResponseCode')).toEqual(['200']);
    expect(field(body, 'CertificateRole')).toEqual(['2', '2', '2']);
    expect(field(body, 'CertificateUsage').sort()).toEqual(['DS', 'KA', 'KA']);
    expect(field(body, 'CertificateStatus')).toEqual(['I', 'I', 'I']);
    const serial = field(body, 'CertificateSerial')[0]!;
    const got = await post(
      '/services/retrievecertificate',
      xml('CertificateDataRequest', `<CertificateSerial>${serial}</CertificateSerial>`),
    );
    expect(got.status).toBe(200);
    const der = new Uint8Array(Buffer.from(field(await got.text(), 'CertificateBody')[0]!, 'base64'));
    expect(validateCertificate(der).summary).toMatchObject({ eui: SUPPLIER, role: 2 });
    expect(
      (
        await post(
          '/services/retrievecertificate',
          xml('CertificateDataRequest', '<CertificateSerial>ABCD</CertificateSerial>'),
        )
      ).status,
    ).toBe(402);
    expect(
      (
        await post(
          '/services/certificatesearch',
          xml(
            'CertificateSearchRequest',
            '<CertificateSubjectAltName>11-22-33-44-55-66-77-88</CertificateSubjectAltName>',
          ),
        )
      ).status,
    ).toBe(402);
    expect((await post('/services/certificatesearch', '<nonsense/>')).status).toBe(401);
    expect((await post('/services/certificatesearch', 'x'.repeat(70_000))).status).toBe(413);
    const json = await fetch(`${server.url}/api/certificates?subjectEui=${SUPPLIER}&usage=ka`);
    const list = (await json.json()) as Array<{ usage: string }>;
    expect(list.map((c) => c.usage)).toEqual(['ka', 'ka']);
  });

  it('answers 413 to a 5 MB chunked body (no reset), and close() ends keep-alive connections', async () => {
    const srv = await startRepositoryServer({ repository, clock, port: 0 });
    const { request, Agent } = await import('node:http');
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${srv.url}/services/certificatesearch`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < 5_000_000) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve) =>
      request(`${srv.url}/api/certificates`, { agent }, (res) => res.resume().on('end', resolve)).end(),
    );
    const t0 = Date.now();
    await srv.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    agent.destroy();
  });

  it('filters by role, usage and status inside the request, and refuses malformed ones', () => {
    const ctx = { repository, clock, audit: () => 'a' };
    const run = (inner: string) =>
      handleRepositoryRequest(
        ctx,
        'POST',
        new URL('http://x/services/certificatesearch'),
        xml('CertificateSearchRequest', inner),
      );
    const acb = duisEui('ab00000000000002');
    expect(
      field(
        run(`<CertificateSubjectName>${acb}</CertificateSubjectName><CertificateUsage>KA</CertificateUsage>`)
          .body,
        'CertificateUsage',
      ),
    ).toEqual(['KA']);
    expect(
      run(`<CertificateSubjectName>${acb}</CertificateSubjectName><CertificateRole>2</CertificateRole>`)
        .status,
    ).toBe(402);
    expect(
      run(`<CertificateSubjectName>${acb}</CertificateSubjectName><CertificateStatus>R</CertificateStatus>`)
        .status,
    ).toBe(402);
    expect(
      run(`<CertificateSubjectName>${acb}</CertificateSubjectName><CertificateUsage>XX</CertificateUsage>`)
        .status,
    ).toBe(401);
    expect(run('<CertificateSubjectName>not-an-eui</CertificateSubjectName>').status).toBe(401);
    expect(
      run(
        `<CertificateSubjectName>${acb}</CertificateSubjectName><CertificateSubjectAltName>${acb}</CertificateSubjectAltName>`,
      ).status,
    ).toBe(401);
    expect(
      handleRepositoryRequest(
        ctx,
        'POST',
        new URL('http://x/services/certificatesearch'),
        '<!DOCTYPE x [<!ENTITY a "b">]><CertificateSearchRequest/>',
      ).status,
    ).toBe(401);
  });
});
