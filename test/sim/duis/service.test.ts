import fc from 'fast-check';
import { expect, it } from 'vitest';
import { VirtualClock } from '../../../sim/clock.ts';
import { userRolesFromTable, XmlSigningRegistry } from '../../../sim/duis/certificates.ts';
import { parseRequestId } from '../../../sim/duis/request-id.ts';
import { REFUSALS } from '../../../sim/duis/response-codes.ts';
import { AcknowledgingBackend, type DuisAnswer, DuisService } from '../../../sim/duis/service.ts';
import { serviceRequestVariant } from '../../../sim/duis/service-requests.ts';
import {
  bytes,
  certOf,
  crypto,
  describeDuis,
  dspKey,
  dspSigned,
  NETWORK_OPERATOR,
  NOW,
  SAMPLE_DEVICE,
  SUPPLIER,
  sample,
  signedRequest,
  template,
  xsd,
  zaz1Keystore,
  zaz1Service,
} from '../../fixtures/duis.ts';

const XML = 'application/xml';
const ECS17B = () => sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML');

/** The DUIS answer's Response Code, after checking the DSP's signature on it. */
function signedCode(a: DuisAnswer): string {
  expect(a.headers['content-type']).toBe('application/xml');
  dspSigned(a.body);
  return /<sr:ResponseCode>([^<]+)</.exec(a.body)![1]!;
}

describeDuis('DUIS front door (service.ts): the negative samples of the DCC signing tool', () => {
  it('XXE sample: 400 XML_REFUSED, nothing resolved, nothing reaches the backend', async () => {
    const { service, backend } = zaz1Service();
    const a = await service.handle('S', bytes(sample('duis-xxe.xml')), XML);
    expect([a.status, a.refusal, a.responseCode]).toEqual([400, 'XML_REFUSED', null]);
    expect(a.headers['x-gbcs-sim-refusal']).toBe('XML_REFUSED');
    expect(a.body).toBe(
      'XML_REFUSED: DTD_REFUSED: a document type declaration or entity declaration is not allowed in DUIS\n',
    );
    expect(a.body).not.toContain('root:');
    expect(backend.submitted).toEqual([]);
  });

  it('a million attributes on one element (11.9 MB): 400 XML_REFUSED TOO_MANY_ATTRIBUTES before the DOM parser, nothing reaches the backend', async () => {
    const { service, backend } = zaz1Service();
    const body = `<r${Array.from({ length: 1_000_000 }, (_, i) => ` a${i}="1"`).join('')}/>`;
    const a = await service.handle('S', bytes(body), XML);
    expect([a.status, a.refusal]).toEqual([400, 'XML_REFUSED']);
    expect(a.body).toBe('XML_REFUSED: TOO_MANY_ATTRIBUTES: more than 64 attributes on one element\n');
    expect(backend.submitted).toEqual([]);
  });

  it('XSD-invalid sample (RequestID with "::"): 400 SCHEMA_INVALID', async () => {
    const { service, backend } = zaz1Service();
    const a = await service.handle(
      'S',
      bytes(sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-invalid.XML')),
      XML,
    );
    expect([a.status, a.refusal]).toEqual([400, 'SCHEMA_INVALID']);
    expect(a.detail).toContain('RequestID');
    expect(backend.submitted).toEqual([]);
  });

  it('unsigned sample: 400 SIGNATURE_ABSENT; the unsigned nonexist-businessid sample too', async () => {
    const { service, backend } = zaz1Service();
    expect((await service.handle('S', bytes(ECS17B()), XML)).refusal).toBe('SIGNATURE_ABSENT');
    const b = await service.handle(
      'S',
      bytes(sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-nonexist-businessid.XML')),
      XML,
    );
    expect([b.status, b.refusal]).toEqual([400, 'SIGNATURE_ABSENT']);
    expect(backend.submitted).toEqual([]);
  });

  it('nonexist business originator (80-B3-…), signed with a real user key: 400 CERTIFICATE_NOT_ORIGINATOR', async () => {
    const { service } = zaz1Service();
    const text = signedRequest(sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-nonexist-businessid.XML'));
    const a = await service.handle('S', bytes(text), XML);
    expect([a.status, a.refusal]).toEqual([400, 'CERTIFICATE_NOT_ORIGINATOR']);
  });

  it('bad signature (one base64 digit changed, as readfw-response-badsignature.xml does): 400 SIGNATURE_INVALID', async () => {
    const { service, backend } = zaz1Service();
    const good = signedRequest(ECS17B());
    const bad = good.replace(
      /<ds:SignatureValue>(.)/,
      (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`,
    );
    expect(bad).not.toBe(good);
    const a = await service.handle('S', bytes(bad), XML);
    expect([a.status, a.refusal]).toEqual([400, 'SIGNATURE_INVALID']);
    expect(backend.submitted).toEqual([]);
    expect(service.counters.last(SUPPLIER)).toBeUndefined();
  });

  it('unknown certificate serial (the one of readfw-response-nonexist-serial.xml): 400 CERTIFICATE_UNKNOWN', async () => {
    const { service } = zaz1Service();
    const text = signedRequest(ECS17B()).replace(
      /<ds:X509SerialNumber>\d+</,
      '<ds:X509SerialNumber>217636141832862931915946451229571981153<',
    );
    expect((await service.handle('S', bytes(text), XML)).refusal).toBe('CERTIFICATE_UNKNOWN');
  });

  it("an issuer name that is not the certificate's (the templates' placeholder CN=U1, OU=07): 400 CERTIFICATE_UNKNOWN", async () => {
    const { service } = zaz1Service();
    const text = signedRequest(ECS17B()).replace(
      /<ds:X509IssuerName>[^<]*</,
      '<ds:X509IssuerName>CN=U1, OU=07<',
    );
    expect((await service.handle('S', bytes(text), XML)).refusal).toBe('CERTIFICATE_UNKNOWN');
    const spaced = signedRequest(ECS17B()).replace(
      /<ds:X509IssuerName>[^<]*</,
      '<ds:X509IssuerName>cn=Z1, OU = 07<',
    );
    expect((await service.handle('S', bytes(spaced), XML)).responseCode).toBe('I99');
  });

  it('a DUIS Response posted as a request (readfw-response.xml): 400 SCHEMA_INVALID', async () => {
    const { service } = zaz1Service();
    const a = await service.handle('S', bytes(sample('readfw-response.xml')), XML);
    expect([a.status, a.refusal]).toEqual([400, 'SCHEMA_INVALID']);
    expect(a.detail).toContain('not a DUIS Request');
  });
});

describeDuis('DUIS front door: access control and validation', () => {
  it('accepts a signed ECS17b: 200, I99 signed by the DSP, counter raised, handed to the backend', async () => {
    const { service, backend } = zaz1Service();
    const a = await service.handle('S', bytes(signedRequest(ECS17B())), XML);
    expect([a.status, a.refusal, a.responseCode]).toEqual([200, null, 'I99']);
    expect(signedCode(a)).toBe('I99');
    expect(a.body).toContain(
      '<sr:RequestID>90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE:1000</sr:RequestID>',
    );
    expect(backend.submitted.map((r) => [r.webService, r.request.variant.srv, r.userRoles])).toEqual([
      ['S', '4.1.1', ['IS', 'GS']],
    ]);
    expect(service.counters.last(SUPPLIER)).toBe(1000n);
  });

  it('a replayed or lower counter: 400 COUNTER_NOT_FRESH; a higher one passes', async () => {
    const { service, backend } = zaz1Service();
    const text = signedRequest(ECS17B());
    await service.handle('S', bytes(text), XML);
    expect((await service.handle('S', bytes(text), XML)).refusal).toBe('COUNTER_NOT_FRESH');
    expect((await service.handle('S', bytes(signedRequest(ECS17B(), { counter: 999n })), XML)).refusal).toBe(
      'COUNTER_NOT_FRESH',
    );
    expect(
      (await service.handle('S', bytes(signedRequest(ECS17B(), { counter: 1001n })), XML)).responseCode,
    ).toBe('I99');
    expect(backend.submitted.length).toBe(2);
  });

  it('concurrent requests with one counter: exactly one is accepted', async () => {
    const { service, backend } = zaz1Service();
    const text = signedRequest(ECS17B());
    const answers = await Promise.all([1, 2, 3].map(() => service.handle('S', bytes(text), XML)));
    expect(answers.map((a) => a.responseCode ?? a.refusal).sort()).toEqual([
      'COUNTER_NOT_FRESH',
      'COUNTER_NOT_FRESH',
      'I99',
    ]);
    expect(backend.submitted.length).toBe(1);
  });

  it('E1 when the originator holds no User Role; counter not raised', async () => {
    const { service, backend } = zaz1Service({ userRoles: userRolesFromTable(new Map()) });
    const a = await service.handle('S', bytes(signedRequest(ECS17B())), XML);
    expect([a.status, a.refusal]).toEqual([200, 'USER_UNKNOWN']);
    expect(signedCode(a)).toBe('E1');
    expect(backend.submitted).toEqual([]);
    expect(service.counters.last(SUPPLIER)).toBeUndefined();
  });

  it('E2 when no User Role of the originator is eligible (network operator sends 3.1 Display Message)', async () => {
    expect(serviceRequestVariant('3.1')?.eligibleRoles).toEqual(['IS', 'GS']);
    const { service } = zaz1Service();
    const text = signedRequest(template('GCS07_3.1_SUCCESS_REQUEST_DUIS.XML'), {
      key: '90B3D51F30020000',
      requestId: '90-B3-D5-1F-30-02-00-00:00-DB-12-34-56-78-90-A1:5',
    });
    const a = await service.handle('S', bytes(text), XML);
    expect(a.refusal).toBe('ROLE_NOT_ELIGIBLE');
    expect(signedCode(a)).toBe('E2');
    expect(a.detail).toContain(NETWORK_OPERATOR);
  });

  it('the Other User (role 127 → OU) may send 9.1, as the signing tool ECS50 sample does', async () => {
    const { service } = zaz1Service({ devices: ['00db1234567890a0'] });
    const text = signedRequest(sample('ECS50_9.1_SUCCESS_REQUEST_DUIS.XML'), { key: '00DB123456780004' });
    expect((await service.handle('S', bytes(text), XML)).responseCode).toBe('I99');
  });

  it('E13 when the Command Variant belongs to another URL (CV 1 posted to serviceT)', async () => {
    const { service } = zaz1Service();
    const a = await service.handle('T', bytes(signedRequest(ECS17B())), XML);
    expect(a.refusal).toBe('WRONG_WEB_SERVICE');
    expect(signedCode(a)).toBe('E13');
  });

  it('E12 when the Command Variant does not apply (critical 1.1.1 sent as CV 1)', async () => {
    const { service } = zaz1Service();
    const text = signedRequest(template('ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML'), {
      commandVariant: 1,
    });
    const a = await service.handle('S', bytes(text), XML);
    expect(a.refusal).toBe('COMMAND_VARIANT_NOT_APPLICABLE');
    expect(signedCode(a)).toBe('E12');
  });

  it('E19 when the Business Target is not in the inventory', async () => {
    const { service, backend } = zaz1Service({ devices: [] });
    const a = await service.handle('S', bytes(signedRequest(ECS17B())), XML);
    expect(a.refusal).toBe('DEVICE_UNKNOWN');
    expect(signedCode(a)).toBe('E19');
    expect(backend.submitted).toEqual([]);
  });

  it('a non-device request (11.1 Update Firmware, CV 8 to serviceD, target the DCC) is acknowledged', async () => {
    const { service, backend } = zaz1Service({ devices: [] });
    const a = await service.handle(
      'D',
      bytes(signedRequest(template('11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML'))),
      XML,
    );
    expect(signedCode(a)).toBe('I99');
    expect(backend.submitted[0]?.webService).toBe('D');
  });

  it('the stand-in backend carries no transform: a critical CV 4 request gets 501 NOT_CARRIED', async () => {
    const { service } = zaz1Service();
    const text = signedRequest(template('ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML'));
    const a = await service.handle('T', bytes(text), XML);
    expect([a.status, a.refusal]).toEqual([501, 'NOT_CARRIED']);
  });

  it('a revoked certificate: 400 CERTIFICATE_NOT_VALID', async () => {
    const registry = new XmlSigningRegistry();
    registry.add(certOf('xml-sign-90B3D51F30010000-ds.pem').der, () => 'R');
    const service = new DuisService({
      registry,
      userRoles: () => ['IS'],
      backend: new AcknowledgingBackend([SAMPLE_DEVICE]),
      dsp: dspKey(),
      clock: new VirtualClock(NOW),
      crypto,
    });
    expect((await service.handle('S', bytes(signedRequest(ECS17B())), XML)).refusal).toBe(
      'CERTIFICATE_NOT_VALID',
    );
  });

  it('415 without an XML content type; 413 past the byte limit', async () => {
    const { service } = zaz1Service();
    const text = signedRequest(ECS17B());
    expect((await service.handle('S', bytes(text), 'text/plain')).status).toBe(415);
    expect((await service.handle('S', bytes(text), undefined)).refusal).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await service.handle('S', bytes(text), 'application/xml; charset=utf-8')).responseCode).toBe(
      'I99',
    );
    const small = new DuisService({
      registry: new XmlSigningRegistry().addKeystore(zaz1Keystore()),
      userRoles: () => ['IS'],
      backend: new AcknowledgingBackend(),
      dsp: dspKey(),
      clock: new VirtualClock(NOW),
      crypto,
      limits: { maxBytes: 100 },
    });
    expect((await small.handle('S', bytes(text), XML)).status).toBe(413);
  });

  it('with the XSD configured, a body the structure check lets through is refused (SCHEMA_INVALID)', async () => {
    const odd = ECS17B().replace(
      '<sr:ReadInstantaneousImportRegisters/>',
      '<sr:ReadInstantaneousImportRegisters><sr:Unexpected/></sr:ReadInstantaneousImportRegisters>',
    );
    const text = signedRequest(odd);
    expect((await zaz1Service().service.handle('S', bytes(text), XML)).responseCode).toBe('I99');
    const a = await zaz1Service({ xsd: true }).service.handle('S', bytes(text), XML);
    expect([a.status, a.refusal]).toEqual([400, 'SCHEMA_INVALID']);
    expect(a.detail).toContain('Unexpected');
  });

  it('its answers are valid against the DUIS XSD (I99, E2)', async () => {
    const v = xsd();
    const { service } = zaz1Service();
    const ok = await service.handle('S', bytes(signedRequest(ECS17B())), XML);
    const e2 = await service.handle(
      'S',
      bytes(
        signedRequest(template('GCS07_3.1_SUCCESS_REQUEST_DUIS.XML'), {
          key: '90B3D51F30020000',
          requestId: '90-B3-D5-1F-30-02-00-00:00-DB-12-34-56-78-90-A1:6',
        }),
      ),
      XML,
    );
    for (const a of [ok, e2]) expect(await v.validate(a.body), a.body).toEqual({ valid: true, errors: [] });
  });

  it('every refusal with a DUIS Response Code is stated in the public DUIS table; HTTP-only ones are 4xx/5xx', () => {
    for (const [kind, r] of Object.entries(REFUSALS)) {
      if (r.responseCode) expect([kind, r.source, r.http]).toEqual([kind, 'stated', 200]);
      else expect(r.http, kind).toBeGreaterThanOrEqual(400);
    }
  });

  it('never throws, never answers 500 and never accepts a changed request (property: one signed byte changed)', async () => {
    const { service, backend } = zaz1Service();
    const text = signedRequest(ECS17B(), { counter: 5n });
    const original = bytes(text);
    // The signed part: the whole Request but the enveloped ds:Signature (ASCII, so chars = bytes).
    const start = text.indexOf('<sr:Request');
    const end = text.indexOf('<ds:Signature');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: start, max: end - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (i, d) => {
          const b = original.slice();
          b[i] = (b[i]! + d) % 256;
          // XML white space for XML white space is the same document after parsing (white space
          // between attributes, CR read as LF at a line end): its signature rightly still verifies.
          const ws = [0x09, 0x0a, 0x0d, 0x20];
          fc.pre(!(ws.includes(original[i]!) && ws.includes(b[i]!)));
          const a = await service.handle('S', b, XML);
          expect(a.status).not.toBe(500);
          expect(a.responseCode === 'I99').toBe(false);
        },
      ),
      { numRuns: 150, examples: [[156, 254]] },
    );
    expect(backend.submitted).toEqual([]);
    expect(parseRequestId('90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE:5')?.counter).toBe(5n);
  });
});
