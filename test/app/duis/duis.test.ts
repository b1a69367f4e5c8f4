import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  DuisConfigError,
  type DuisServe,
  dspSigningKey,
  parseUserRoles,
  readDuisSchemas,
  startDuisServe,
} from '../../../app/duis/duis.ts';
import { VirtualClock } from '../../../sim/clock.ts';
import {
  crypto,
  describeDuis,
  NOW,
  SAMPLE_DEVICE,
  sample,
  signedRequest,
  stopChild,
  zaz1Keystore,
} from '../../fixtures/duis.ts';
import { ROOT } from '../../fixtures/paths.ts';
import { SHARED_DIR } from '../../fixtures/shared.ts';

const TOOL = join(SHARED_DIR, 'samples', 'smartdcc-dccboxed-signing-tool');
const KEYSTORE = join(SHARED_DIR, 'vectors', 'smartdcc-dccboxed-keystore.zaz1.json');

describeDuis('duis serve over HTTP (app/duis/duis.ts)', () => {
  let s: DuisServe;
  const answers: string[] = [];
  beforeAll(async () => {
    s = await startDuisServe({
      keystore: zaz1Keystore(),
      clock: new VirtualClock(NOW),
      crypto,
      port: 0,
      devices: [SAMPLE_DEVICE],
      maxBodyBytes: 64 * 1024,
      onAnswer: (path, a) => answers.push(`${path} ${a.status} ${a.responseCode ?? a.refusal}`),
    });
  });
  afterAll(() => s.http.close());

  const post = (path: string, body: string | Uint8Array, type = 'application/xml') =>
    fetch(`${s.http.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: Buffer.from(body),
    });

  it('answers a signed request on /api/v1/serviceS with a DSP-signed I99 (application/xml)', async () => {
    const r = await post(
      '/api/v1/serviceS',
      signedRequest(sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML')),
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/xml');
    const text = await r.text();
    expect(text).toContain('<sr:ResponseCode>I99</sr:ResponseCode>');
    expect(text).toContain(`<ds:X509SerialNumber>${s.dsp.serial}</ds:X509SerialNumber>`);
    expect(s.dsp.serial).toBe(167048897159233642262001557408276884033n); // the keystore's DSP certificate
  });

  it('refuses the XXE sample with 400 and the refusal header', async () => {
    const r = await post('/api/v1/serviceS', sample('duis-xxe.xml'));
    expect([r.status, r.headers.get('x-gbcs-sim-refusal')]).toEqual([400, 'XML_REFUSED']);
  });

  it('405 for GET, 404 elsewhere, 415 for text/plain, 413 past --max-body, and keeps serving', async () => {
    const g = await fetch(`${s.http.url}/api/v1/serviceD`);
    expect([g.status, g.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await post('/api/v1/serviceX', '<a/>')).status).toBe(404);
    expect((await post('/api/v1/serviceS', '<a/>', 'text/plain')).status).toBe(415);
    const big = await post('/api/v1/serviceS', new Uint8Array(65 * 1024).fill(0x20));
    expect([big.status, big.headers.get('x-gbcs-sim-refusal')]).toEqual([413, 'BODY_TOO_LARGE']);
    expect((await post('/api/v1/serviceS', new Uint8Array([0xff, 0x00, 0x3c]))).status).toBe(400);
    const again = await post(
      '/api/v1/serviceS',
      signedRequest(sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML'), { counter: 2000n }),
    );
    expect(again.status).toBe(200);
  });

  it('answers a malformed HTTP request with 400 and does not crash', async () => {
    const { port } = new URL(s.http.url);
    const reply = await new Promise<string>((resolve) => {
      const sock = connect(Number(port), '127.0.0.1', () => sock.write('GARBAGE\r\n\r\n'));
      let got = '';
      sock.on('data', (d) => {
        got += d.toString();
      });
      sock.on('close', () => resolve(got));
      sock.on('error', () => resolve(got));
    });
    expect(reply.startsWith('HTTP/1.1 400')).toBe(true);
    expect((await fetch(`${s.http.url}/api/v1/serviceS`)).status).toBe(405);
  });

  it('reports each answer to onAnswer', () => {
    expect(answers).toContain('/api/v1/serviceS 200 I99');
    expect(answers).toContain('/api/v1/serviceS 400 XML_REFUSED');
  });
});

describeDuis('duis serve configuration', () => {
  it('reads the DUIS, MMC and xmldsig schemas from a directory; names what is missing', () => {
    const s = readDuisSchemas(join(TOOL, 'xsd'));
    expect(s.duis).toContain('DUIS Schema V5.4');
    expect(s.mmc).toContain('ResponseAndAlert');
    expect(() => readDuisSchemas(join(TOOL, 'zaz1-keys'))).toThrow(DuisConfigError);
  });

  it('the DSP key: from the keystore, or --dsp-cert with --dsp-key that go together', () => {
    expect(dspSigningKey(zaz1Keystore(), crypto).certificate.serial).toBe(
      167048897159233642262001557408276884033n,
    );
    const files = {
      certificate: join(TOOL, 'zaz1-keys', 'Z1-accessControlBroker-dSPXmlSign.pem'),
      privateKey: join(TOOL, 'zaz1-keys', 'Z1-accessControlBroker-dSPXmlSign.key'),
    };
    expect(dspSigningKey(zaz1Keystore(), crypto, files).certificate.serial).toBe(
      0x0f4889ef197d41e9016966f9d5ab0402n,
    );
    const mismatch = { ...files, privateKey: join(TOOL, 'zaz1-keys', 'xml-sign-90B3D51F30010000-ds.key') };
    expect(() => dspSigningKey(zaz1Keystore(), crypto, mismatch)).toThrow(/is not the key of/);
    expect(() => dspSigningKey(zaz1Keystore(), crypto, { certificate: files.certificate })).toThrow(
      /go together/,
    );
  });

  it('parses --user EUI=ROLES in either EUI notation and refuses unknown roles', () => {
    expect(parseUserRoles(['90-B3-D5-1F-30-01-00-00=IS,gs', '00db123456780004=OU'])).toEqual(
      new Map([
        ['90b3d51f30010000', ['IS', 'GS']],
        ['00db123456780004', ['OU']],
      ]),
    );
    expect(() => parseUserRoles(['90b3d51f30010000=XX'])).toThrow(/unknown User Role XX/);
  });
});

describeDuis('gbcs-sim duis serve (CLI)', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
  });

  it('prints its URL, answers, and stops on SIGTERM with exit 0', async () => {
    child = spawn(
      join(ROOT, 'bin', 'gbcs-sim'),
      [
        'duis',
        'serve',
        '--port',
        '0',
        '--keystore',
        KEYSTORE,
        '--device',
        '00-07-81-D7-00-00-36-CE',
        '--json',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: string[] = [];
    const first = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child!.stdout!.on('data', (d) => {
        buf += d.toString();
        const parts = buf.split('\n');
        buf = parts.pop()!;
        lines.push(...parts);
        if (lines.length > 0) resolve(lines[0]!);
      });
      child!.on('exit', (c) => reject(new Error(`exited ${c}`)));
    });
    const { url, certificates, xsd } = JSON.parse(first);
    expect([certificates, xsd]).toEqual([4, false]); // 3 user XML-signing certificates and the DSP one
    const r = await fetch(`${url}/api/v1/serviceS`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: signedRequest(sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML')),
    });
    expect(r.status).toBe(200);
    const code = await stopChild(child);
    expect(code).toBe(0);
    const logged = lines.slice(1).map((l) => JSON.parse(l));
    expect(logged[0]).toMatchObject({
      path: '/api/v1/serviceS',
      status: 200,
      responseCode: 'I99',
      refusal: null,
    });
  });

  it('a usage error without --keystore: exit 2, one line on stderr', () => {
    const r = spawnSync(join(ROOT, 'bin', 'gbcs-sim'), ['duis', 'serve', '--port', '0'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'gbcs-sim: --keystore: give the XML-signing certificates to trust',
    ]);
  });
});
