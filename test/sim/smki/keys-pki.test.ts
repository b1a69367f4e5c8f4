/**
 * The test SMKI generator (sim/smki/generator.ts) and keystore export (sim/store/keystore-io.ts):
 * deterministic from a seed, backing `createTestKeys` (same keys as before, now certified), the
 * Root OCA carrying the wrapped Contingency Public Key, and export → import round trips through the
 * DCC tools' directory, a DCC Boxed keystore.json and gbcs-sim's own format.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.ts';
import { decodeApexContingencyKey, unwrapContingencyPublicKey } from '../../../sim/smki/contingency.ts';
import { generateTestPki } from '../../../sim/smki/generator.ts';
import { OID_WRAPPED_APEX_CONTINGENCY_KEY } from '../../../sim/smki/oids.ts';
import { parseCertificate } from '../../../sim/smki/parse.ts';
import { createTestKeys, deriveTestPrivateKey, TEST_PARTIES, testPki } from '../../../sim/smki/test-pki.ts';
import { validateCertificate } from '../../../sim/smki/validate.ts';
import { loadKeystore } from '../../../sim/store/keystore-files.ts';
import { pkiKeystore, writeKeystore } from '../../../sim/store/keystore-io.ts';

const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('test PKI generator', () => {
  it('is deterministic from its seed, and seeds differ', () => {
    const a = generateTestPki({
      seed: 's1',
      parties: TEST_PARTIES,
      derive: deriveTestPrivateKey,
      devices: [{ eui: 'd000000000000003' }],
    });
    const b = generateTestPki({
      seed: 's1',
      parties: TEST_PARTIES,
      derive: deriveTestPrivateKey,
      devices: [{ eui: 'd000000000000003' }],
    });
    const c = generateTestPki({ seed: 's2', parties: TEST_PARTIES, derive: deriveTestPrivateKey });
    const all = (p: typeof a) =>
      [p.rootOca, p.issuingOca, p.rootDca, p.issuingDca, ...p.organisations, ...p.devices].map((x) =>
        toHex(x.certificate),
      );
    expect(all(a)).toEqual(all(b));
    expect(toHex(a.rootOca.certificate)).not.toBe(toHex(c.rootOca.certificate));
    // Every Organisation Certificate: OU = role, x500UniqueIdentifier = EUI, one key usage.
    for (const o of a.organisations)
      expect(validateCertificate(o.certificate).summary).toMatchObject({
        role: o.role,
        eui: o.eui,
        usage: o.usage,
      });
    expect(a.organisations.filter((o) => o.cell === 'prepayment').map((o) => o.eui)).toEqual([
      'ab00000000010000',
    ]);
    expect(a.organisations.find((o) => o.role === 1)).toMatchObject({ usage: 'ds' }); // the Recovery key pair
  });

  it('backs createTestKeys: the same keys as the certificates hold, trust anchors from them', () => {
    const keys = createTestKeys('backing');
    const pki = keys.pki();
    for (const o of pki.organisations) {
      expect(toHex(keys.publicKey(o.eui, o.usage, o.cell))).toBe(toHex(o.publicKey));
      expect(toHex(keys.certificate(o.eui, o.usage, o.cell))).toBe(toHex(o.certificate));
    }
    expect(toHex(keys.certificate('ab00000000000000', 'ds'))).toBe(toHex(pki.rootOca.certificate));
    const root = keys.trustAnchors().find((t) => t.role === 0)!;
    expect(toHex(root.publicKey)).toBe(toHex(pki.rootOca.publicKey));
    const dev = validateCertificate(keys.certificate('d000000000000001', 'ka'));
    expect(dev.summary).toMatchObject({
      eui: 'd000000000000001',
      usage: 'ka',
      publicKey: toHex(keys.publicKey('d000000000000001', 'ka')),
    });
    expect(testPki('backing')).toBe(pki);
  });

  it('wraps the Contingency Public Key in the Root OCA certificate (RFC 5934 id-pe-wrappedApexContinKey)', () => {
    const pki = testPki('contingency');
    const ext = parseCertificate(pki.rootOca.certificate).extensions.find(
      (e) => e.oid === OID_WRAPPED_APEX_CONTINGENCY_KEY,
    )!;
    expect(ext.critical).toBe(false);
    const { wrapAlgorithm, wrapped } = decodeApexContingencyKey(ext.value);
    expect(wrapAlgorithm).toBe('2.16.840.1.101.3.4.1.8');
    expect(unwrapContingencyPublicKey(wrapped, pki.contingency.symmetricKey)).toEqual(
      pki.contingency.publicKey,
    );
    expect(unwrapContingencyPublicKey(wrapped, new Uint8Array(16))).toBeNull();
  });
});

describe('keystore export and import', () => {
  const pki = generateTestPki({
    seed: 'export',
    parties: TEST_PARTIES,
    derive: deriveTestPrivateKey,
    devices: [{ eui: 'd000000000000001' }, { eui: 'd000000000000003' }],
  });
  const ks = pkiKeystore(pki);
  const norm = (k: ReturnType<typeof loadKeystore>) =>
    k.entries
      .filter((e) => e.certificate)
      .map((e) => {
        const m = k.find(e.eui, e.usage, e.cell)!;
        return `${e.eui}/${e.usage}/${e.cell}/${e.role}/${e.kind}/${toHex(m.certificate!)}/${toHex(m.privateKey ?? new Uint8Array())}`;
      })
      .sort();

  for (const format of ['dcc-tools', 'dcc-boxed', 'gbcs-sim'] as const) {
    it(`${format}: loads back to the same certificates, private keys, roles and cells`, () => {
      const path = join(dir, format === 'dcc-tools' ? 'tools' : `${format}.json`);
      writeKeystore(ks, format, path);
      const back = loadKeystore(path, { strict: true });
      expect(back.warnings).toEqual([]);
      expect(norm(back)).toEqual(norm(ks));
      expect(norm(back)).toHaveLength(pki.organisations.length + pki.devices.length);
    });
  }

  it('dcc-tools: a second credential for an <eui>-<usage> file name is not written, and reported', () => {
    const other = pkiKeystore(
      generateTestPki({ seed: 'export-2', parties: TEST_PARTIES, derive: deriveTestPrivateKey }),
    );
    const both = pkiKeystore(pki).merge(other);
    const skipped: Array<[string | null, string, string | null]> = [];
    const written = writeKeystore(both, 'dcc-tools', join(dir, 'tools-2'), (e, file, kept) =>
      skipped.push([e.serial, file, kept.serial]),
    );
    const certs = both.entries.filter((e) => e.certificate).length;
    expect(written.filter((f) => f.endsWith('.pem')).length + skipped.length).toBe(certs);
    expect(skipped).toHaveLength(pki.organisations.length);
    for (const [serial, file, kept] of skipped) {
      expect(file).toMatch(/^[0-9a-f]{16}-(pp-)?(ds|ka)\.pem$/);
      expect(serial).not.toBe(kept);
    }
  });
});
