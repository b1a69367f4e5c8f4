/**
 * `gbcs-sim duis send` (app/duis/send.ts): the built-in examples signed, sent, critical ones through
 * serviceT → PreCommand → CV 5, the asynchronous answers received at --listen and verified; exit codes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DuisServe, keystoreSigningKey, startDuisServe } from '../../../app/duis/duis.ts';
import { duisSend } from '../../../app/duis/send.ts';
import { WallClock } from '../../../sim/clock.ts';
import { EXAMPLES, exampleRequest } from '../../../sim/duis/examples.ts';
import { certOf, crypto, describeDuis, dspKey, xsd, zaz1Keystore } from '../../fixtures/duis.ts';
import { BIN, ROOT } from '../../fixtures/paths.ts';
import { SHARED_DIR } from '../../fixtures/shared.ts';

const KEYSTORE = join(SHARED_DIR, 'vectors', 'smartdcc-dccboxed-keystore.zaz1.json');

it('the --example list in bin/commands/duis.ts is the examples table', () => {
  const bin = readFileSync(join(ROOT, 'bin', 'commands', 'duis.ts'), 'utf8');
  expect(/EXAMPLE_USE_CASES = '([^']+)'/.exec(bin)?.[1]?.split(' ')).toEqual(Object.keys(EXAMPLES));
});

describeDuis('duis send against duis serve --premises 1', () => {
  let s: DuisServe;
  let port: number;
  beforeAll(async () => {
    // The callback port: bound by duisSend's listener, so pick one first from the OS.
    const probe = await startDuisServe({ keystore: zaz1Keystore(), clock: new WallClock(), crypto, port: 0 });
    port = Number(new URL(probe.http.url).port);
    await probe.close();
    s = await startDuisServe({
      keystore: zaz1Keystore(),
      clock: new WallClock(),
      crypto,
      port: 0,
      premises: { count: 1, seed: '1', callback: `http://127.0.0.1:${port}/` },
    });
  });
  afterAll(() => s.close());

  it('every example: answers verified, the asynchronous I0 Response arrives, verified and valid against the XSD', async () => {
    const base = BigInt(Date.now());
    const requests = Object.keys(EXAMPLES).map((uc, i) => ({
      label: uc,
      xml: exampleRequest(uc, { originator: '90b3d51f30010000', counter: base + BigInt(i) })!,
    }));
    const lines: object[] = [];
    const results = await duisSend(requests, {
      to: s.http.url,
      signer: keystoreSigningKey(zaz1Keystore(), 'user', '90b3d51f30010000')!.key,
      dspPublicKey: certOf('dsp-xml-sign-90B3D51F30000002-ds.pem').publicKey,
      crypto,
      seed: '1',
      wait: { host: '127.0.0.1', port, timeoutMs: 20_000 },
      print: (l) => lines.push(l),
    });
    expect(results.map((r) => [r.label, r.ok, r.steps.map((x) => `${x.service} ${x.responseCode}`)])).toEqual(
      Object.keys(EXAMPLES).map((uc) => [
        uc,
        true,
        ['ECS42', 'ECS43', 'GCS32'].includes(uc) ? ['serviceT I0', 'serviceS I99'] : ['serviceS I99'],
      ]),
    );
    const v = xsd();
    for (const r of results) expect((await v.validate(r.asynchronous!.body)).valid).toBe(true);
    expect(lines).toHaveLength(results.length);
  }, 120_000);

  it('an answer signed by another key than the DSP certificate named is not verified: not ok', async () => {
    const [r] = await duisSend(
      [
        {
          label: 'x',
          xml: exampleRequest('ECS52', {
            originator: '90b3d51f30010000',
            counter: BigInt(Date.now()) + 100n,
          })!,
        },
      ],
      {
        to: s.http.url,
        signer: keystoreSigningKey(zaz1Keystore(), 'user', '90b3d51f30010000')!.key,
        dspPublicKey: crypto.publicKeyOf(dspKey().privateKey).map((b, i) => (i === 5 ? b ^ 1 : b)),
        crypto,
        seed: '1',
        print: () => {},
      },
    );
    expect([r!.ok, r!.steps[0]!.responseCode, r!.steps[0]!.verified]).toEqual([false, 'I99', false]);
  });
});

describeDuis('duis send (CLI) exit codes', () => {
  const run = (...args: string[]) =>
    spawnSync(BIN, ['duis', 'send', ...args], { cwd: ROOT, encoding: 'utf8' });
  it('2 for an unknown example, 2 without a request, 1 when the service cannot be reached', () => {
    expect(run('--keystore', KEYSTORE, '--example', 'NOPE').status).toBe(2);
    expect(run('--keystore', KEYSTORE).status).toBe(2);
    const r = run('--keystore', KEYSTORE, '--example', 'ECS52', '--to', 'http://127.0.0.1:1');
    expect([r.status, r.stderr.trim().split('\n').length]).toEqual([1, 1]);
  });
});
