import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.ts';
import { ErrorCode, GbcsError } from '../../../protocol/errors.ts';
import {
  certificateInfo,
  isPrepaymentName,
  Keystore,
  type KeystoreEntry,
  parseKeystoreJson,
  serializeKeystore,
} from '../../../sim/smki/keystore.ts';
import { loadKeystore, loadKeystores } from '../../../sim/store/keystore-files.ts';
import { describeShared, RTDS_KEYSTORE_DIR, readSharedJson, sharedPath } from '../../fixtures/shared.ts';

const BOXED_JSON = sharedPath('samples', 'smartdcc-dccboxed-keystore', 'keystore.json');
const VECTORS_JSON = sharedPath('vectors', 'rtds-4.5.0.keystore.json');

const ACB = '90b3d51f30000002';
const SUPPLIER = '90b3d51f30010000';
const ESME = '00db1234567890a0';

const temps: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'gbcs-sim-keystore-'));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** Asserts that `f` throws a GbcsError BAD_KEYSTORE (and nothing else) whose message contains `mention`. */
function expectBadKeystore(f: () => unknown, mention: string): GbcsError {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(GbcsError);
  const err = thrown as GbcsError;
  expect(err.code).toBe(ErrorCode.BAD_KEYSTORE);
  expect(err.message).toContain(mention);
  return err;
}

/** A fresh P-256 key pair as PEM (PKCS#8 / SPKI) and raw bytes. */
function newKeyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const priv = new Uint8Array(Buffer.from(jwk.d!, 'base64url'));
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    privateKey: priv,
    publicKey: p256.getPublicKey(priv, false),
  };
}

const raw = (over: Partial<KeystoreEntry>): KeystoreEntry => ({
  eui: '0011223344556677',
  usage: 'ka',
  cell: 'management',
  role: null,
  kind: 'raw',
  publicKey: null,
  privateKey: null,
  certificate: null,
  serial: null,
  source: 'test',
  ...over,
});

const withoutSource = (ks: Keystore) => ks.entries.map(({ source: _, ...e }) => e);

describe('Keystore merging and look-up', () => {
  it('merges a public key with the private key that belongs to it, and ranks groups', () => {
    const a = newKeyPair();
    const b = newKeyPair();
    const ks = new Keystore([
      raw({ privateKey: b.privateKey, source: 'b.key' }), // bare private key: ranks after stated public keys
      raw({ publicKey: a.publicKey, role: 2, source: 'a.pem' }),
      raw({ privateKey: a.privateKey, source: 'a.key' }),
    ]);
    const m = ks.find('0011223344556677', 'ka')!;
    expect(toHex(m.publicKey!)).toBe(toHex(a.publicKey));
    expect(toHex(m.privateKey!)).toBe(toHex(a.privateKey));
    expect(m.role).toBe(2);
    expect(m.kind).toBe('raw');
    const all = ks.findAll('0011223344556677', 'ka');
    expect(all.map((x) => toHex(x.publicKey!))).toEqual([toHex(a.publicKey), toHex(b.publicKey)]);
    expect(toHex(all[1]!.privateKey!)).toBe(toHex(b.privateKey));
    expect(ks.find('0011223344556677', 'ds')).toBeUndefined();
    expect(ks.find('0011223344556677', 'ka', 'prepayment')).toBeUndefined();
  });

  it('derives the public key when only the private key is known', () => {
    const a = newKeyPair();
    const ks = new Keystore([raw({ privateKey: a.privateKey })]);
    expect(toHex(ks.publicKey('0011223344556677', 'ka')!)).toBe(toHex(a.publicKey));
    expect(toHex(ks.privateKey('0011223344556677', 'ka')!)).toBe(toHex(a.privateKey));
    expect(ks.privateKey('0011223344556677', 'ds')).toBeUndefined();
  });

  it('ranks GBCS roles before XML-signing roles; roleOf, euis, merge', () => {
    const xml = newKeyPair();
    const gbcs = newKeyPair();
    const ks = new Keystore([
      raw({ eui: 'aaaaaaaaaaaaaaaa', usage: 'ds', publicKey: xml.publicKey, role: 0x87 }),
      raw({ eui: 'aaaaaaaaaaaaaaaa', usage: 'ds', publicKey: gbcs.publicKey, role: 2 }),
    ]);
    expect(ks.find('aaaaaaaaaaaaaaaa', 'ds')!.role).toBe(2);
    expect(ks.roleOf('aaaaaaaaaaaaaaaa')).toBe(2);
    expect(ks.roleOf('bbbbbbbbbbbbbbbb')).toBeNull();
    const other = new Keystore([raw({ eui: '0000000000000001', publicKey: xml.publicKey })]);
    other.warnings.push('w');
    expect(ks.merge(other)).toBe(ks);
    expect(ks.euis()).toEqual(['0000000000000001', 'aaaaaaaaaaaaaaaa']);
    expect(ks.entries).toHaveLength(3);
    expect(ks.warnings).toEqual(['w']);
  });

  it('refuses an entry whose EUI is not 16 lowercase hex digits', () => {
    const ks = new Keystore();
    expect(() => ks.add(raw({ eui: 'ABCDEF0011223344' }))).toThrow(GbcsError);
  });
});

describe('prepayment rule for DCC Boxed names', () => {
  it.each([
    ['Z1-supplierPP-ka', true],
    ['Z1b-supplierPP-ka', true],
    ['Z1-supplier2PP-ka', true],
    ['supplier-pp-ka', true],
    ['prepaymentTopUp-ka', true],
    ['Z1-supplier-ka', false],
    ['Z1-supplier2-ka', false],
    ['xml-sign-90B3D51F30010000-ds', false],
    ['app-ka', false],
  ])('%s -> %s', (name, want) => expect(isPrepaymentName(name)).toBe(want));
});

describe('gbcs-sim keystore format', () => {
  it('round-trips bare keys (kind, role, cell, absent public key)', () => {
    const a = newKeyPair();
    const b = newKeyPair();
    const ks = new Keystore([
      raw({ privateKey: a.privateKey }),
      raw({ usage: 'ds', publicKey: b.publicKey, privateKey: b.privateKey, role: 4, kind: 'organisation' }),
      raw({ cell: 'prepayment', publicKey: b.publicKey, role: 2 }),
    ]);
    const text = serializeKeystore(ks);
    expect(JSON.parse(text).format).toBe('gbcs-sim.keystore/1');
    const back = parseKeystoreJson(text, 'own.json');
    expect(withoutSource(back)).toEqual(withoutSource(ks));
    expect(back.entries[1]!.source).toBe('own.json#entries/1');
    expect(serializeKeystore(back)).toBe(text);
  });

  it('loads from a file and rejects inconsistent entries', () => {
    const dir = tempDir();
    const a = newKeyPair();
    const b = newKeyPair();
    const entry = { eui: '0011223344556677', usage: 'ka', cell: 'management', role: null };
    const write = (entries: unknown[]) => {
      const p = join(dir, 'own.json');
      writeFileSync(p, JSON.stringify({ format: 'gbcs-sim.keystore/1', entries }));
      return p;
    };
    const ok = loadKeystore(write([{ ...entry, privateKey: toHex(a.privateKey) }]));
    expect(toHex(ok.publicKey('0011223344556677', 'ka')!)).toBe(toHex(a.publicKey));
    const mismatch = write([{ ...entry, publicKey: toHex(b.publicKey), privateKey: toHex(a.privateKey) }]);
    expectBadKeystore(() => loadKeystore(mismatch), 'own.json#entries/0');
    expectBadKeystore(() => loadKeystore(write([{ ...entry, privateKey: 'abcd' }])), 'entries/0');
    const offCurve = `04${'11'.repeat(64)}`;
    expectBadKeystore(() => loadKeystore(write([{ ...entry, publicKey: offCurve }])), 'entries/0');
    expectBadKeystore(() => loadKeystore(write([{ ...entry, eui: 'XYZ' }])), 'entries/0');
    expectBadKeystore(() => loadKeystore(write([entry])), 'entries/0');
  });
});

describe('keystore errors', () => {
  it('missing path', () => {
    const p = join(tmpdir(), 'gbcs-sim-no-such-keystore', 'keystore.json');
    expectBadKeystore(() => loadKeystore(p), p);
    expectBadKeystore(() => loadKeystores([p]), 'no such file');
  });

  it('garbage PEM in a directory', () => {
    const dir = tempDir();
    const file = join(dir, '0011223344556677-ds.pem');
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n');
    expectBadKeystore(() => loadKeystore(dir), file);
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n');
    const err = expectBadKeystore(() => loadKeystore(dir), file);
    expect((err.cause as GbcsError).code).toBe(ErrorCode.BAD_KEY);
    writeFileSync(file, 'hello\n');
    expectBadKeystore(() => loadKeystore(dir), 'no PEM block');
    rmSync(file);
    const key = join(dir, '0011223344556677-ka.key');
    writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nAAECAwQF\n-----END PRIVATE KEY-----\n');
    expectBadKeystore(() => loadKeystore(dir), key);
  });

  it('a non-P-256 key', () => {
    const dir = tempDir();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const key = join(dir, '0011223344556677-ka.key');
    writeFileSync(key, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    expectBadKeystore(() => loadKeystore(dir), key);
  });

  it('a directory with no key files, and files outside the pattern ignored', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'README.txt'), 'not a key');
    expectBadKeystore(() => loadKeystore(dir), 'no <eui>');
    const a = newKeyPair();
    writeFileSync(join(dir, '0011223344556677-ka.key'), a.privatePem);
    writeFileSync(join(dir, '0011223344556677-ka.pem'), a.publicPem);
    writeFileSync(join(dir, '0011223344556677-ds.txt'), 'ignored');
    mkdirSync(join(dir, 'sub'));
    const ks = loadKeystore(dir);
    expect(ks.entries.map((e) => e.kind)).toEqual(['raw', 'raw']);
    expect(toHex(ks.privateKey('0011223344556677', 'ka')!)).toBe(toHex(a.privateKey));
    expect(toHex(ks.publicKey('0011223344556677', 'ka')!)).toBe(toHex(a.publicKey));
    expect(ks.entries[0]!.source).toBe(join(dir, '0011223344556677-ka.key'));
    // One file of the layout loads alone.
    expect(loadKeystore(join(dir, '0011223344556677-ka.key')).entries).toHaveLength(1);
  });

  it('JSON that is neither format, and not JSON at all', () => {
    const dir = tempDir();
    const cases: [string, string, string][] = [
      ['a.json', '{"foo": 1}', 'not a keystore'],
      ['b.json', '[1, 2]', 'not a keystore'],
      ['c.json', '{"format": "other/2", "entries": []}', 'unsupported keystore format'],
      ['d.json', '{"0011223344556677": {"keyAgreement": {"1": "x"}}}', 'entry is not an object'],
      ['e.txt', 'this is not json', 'not a keystore'],
    ];
    for (const [name, text, mention] of cases) {
      const p = join(dir, name);
      writeFileSync(p, text);
      const err = expectBadKeystore(() => loadKeystore(p), p);
      expect(err.message).toContain(mention);
    }
  });
});

describeShared('keystore: RTDS directory in the DCC tools layout', () => {
  // Loaded in beforeAll: a skipped suite (no ../shared) still runs its body to collect the tests.
  let ks: Keystore;
  beforeAll(() => {
    ks = loadKeystore(RTDS_KEYSTORE_DIR);
  });

  it('loads the 435 files, skipping the misfiled WAN Provider KA pair', () => {
    expect(ks.entries).toHaveLength(433);
    expect(ks.euis()).toHaveLength(211);
    const kinds = { device: 0, organisation: 0, ca: 0, raw: 0 };
    for (const e of ks.entries) kinds[e.kind]++;
    expect(kinds).toEqual({ device: 400, organisation: 15, ca: 0, raw: 18 });
    expect(ks.warnings).toHaveLength(2);
    expect(ks.warnings[0]).toContain('90b3d51f30000007-ka.pem: certificate is for EUI 90b3d51f30030000');
    expect(ks.warnings[1]).toContain('90b3d51f30000007-ka.key');
    expect(ks.find('90b3d51f30000007', 'ka')).toBeUndefined();
    expect(ks.find('90b3d51f30000007', 'ds')!.privateKey).not.toBeNull();
  });

  it('throws on the misfiled certificate when strict', () => {
    expectBadKeystore(() => loadKeystore(RTDS_KEYSTORE_DIR, { strict: true }), '90b3d51f30000007-ka.pem');
  });

  it('ACB has DS and KA private keys and role 4', () => {
    for (const usage of ['ds', 'ka'] as const) {
      const m = ks.find(ACB, usage)!;
      expect(m.privateKey).toHaveLength(32);
      expect(m.publicKey).toHaveLength(65);
      expect(m.role).toBe(4);
      expect(m.kind).toBe('organisation');
      expect(certificateInfo(m.certificate!)).toMatchObject({ eui: ACB, usage, role: 4 });
    }
    expect(ks.roleOf(ACB)).toBe(4);
  });

  it('the supplier has a prepayment KA cell distinct from its management KA', () => {
    const pp = ks.find(SUPPLIER, 'ka', 'prepayment')!;
    const mgmt = ks.find(SUPPLIER, 'ka', 'management')!;
    expect(pp.role).toBe(2);
    expect(pp.privateKey).toHaveLength(32);
    expect(toHex(pp.publicKey!)).not.toBe(toHex(mgmt.publicKey!));
    expect(toHex(ks.publicKey(SUPPLIER, 'ka')!)).toBe(toHex(mgmt.publicKey!));
    const entries = ks.entries.filter((e) => e.cell === 'prepayment');
    expect(entries.map((e) => e.eui).sort()).toEqual([
      SUPPLIER,
      SUPPLIER,
      '90b3d51f30030000',
      '90b3d51f30030000',
    ]);
  });

  it('device certificates: kind device, role null, EUI from hardwareModuleName', () => {
    for (const usage of ['ds', 'ka'] as const) {
      const m = ks.find(ESME, usage)!;
      expect(m.kind).toBe('device');
      expect(m.role).toBeNull();
      expect(m.privateKey).toBeNull();
      const info = certificateInfo(m.certificate!);
      expect(info).toMatchObject({ eui: ESME, usage, role: null, kind: 'device' });
      expect(toHex(info.publicKey)).toBe(toHex(m.publicKey!));
    }
    const e = ks.entries.find((x) => x.eui === ESME && x.usage === 'ka')!;
    expect(e.serial).toBe('730c9adaead36d3057022f36c2c89de3');
    expect(e.source).toBe(join(RTDS_KEYSTORE_DIR, `${ESME}-ka.pem`));
  });

  it("every private key's public key equals its certificate's key", () => {
    let checked = 0;
    for (const e of ks.entries.filter((x) => x.privateKey)) {
      const derived = toHex(p256.getPublicKey(e.privateKey!, false));
      expect(derived).toBe(toHex(e.publicKey!));
      const cert = ks.entries.find(
        (x) => x.certificate && x.eui === e.eui && x.usage === e.usage && x.cell === e.cell,
      );
      if (!cert) continue;
      expect(derived).toBe(toHex(certificateInfo(cert.certificate!).publicKey));
      checked++;
    }
    expect(checked).toBe(15);
  });

  it('bare keys: a private key alone, a PUBLIC KEY .pem', () => {
    const alone = ks.find('123456789abcdef0', 'ka')!;
    expect(alone.kind).toBe('raw');
    expect(toHex(alone.publicKey!)).toBe(toHex(p256.getPublicKey(alone.privateKey!, false)));
    const pub = ks.find('fffffffffffffffe', 'ka')!;
    expect(pub).toMatchObject({ kind: 'raw', privateKey: null, certificate: null, role: null });
    expect(toHex(pub.publicKey!)).toMatch(/^042db45a3f/);
  });

  it('merges with rtds-4.5.0.keystore.json: the ESME KA private key joins its certificate', () => {
    const both = loadKeystores([RTDS_KEYSTORE_DIR, VECTORS_JSON]);
    const m = both.find(ESME, 'ka')!;
    expect(m.kind).toBe('device');
    expect(toHex(p256.getPublicKey(m.privateKey!, false))).toBe(toHex(m.publicKey!));
    expect(both.findAll(ESME, 'ka')).toHaveLength(1);
  });

  it('certificateInfo of the Issuing CA', () => {
    const doc = readSharedJson<{ entries: { eui: string | null; pem: string }[] }>(
      'vectors',
      'rtds-4.5.0.keystore.json',
    );
    const pem = doc.entries.find((e) => e.eui === null)!.pem;
    const der = new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
    expect(certificateInfo(der)).toMatchObject({ eui: null, usage: null, role: 7, kind: 'ca' });
    expect(() => certificateInfo(der.subarray(0, 50))).toThrow(GbcsError);
  });

  it('EUI and key usage mismatches in a directory', () => {
    const pem = readFileSync(join(RTDS_KEYSTORE_DIR, `${SUPPLIER}-ds.pem`), 'utf8');
    const dir = tempDir();
    const wrongEui = join(dir, '90b3d51f30020000-ds.pem');
    writeFileSync(wrongEui, pem);
    expectBadKeystore(() => loadKeystore(dir, { strict: true }), wrongEui);
    const lenient = loadKeystore(dir);
    expect(lenient.entries).toHaveLength(0);
    expect(lenient.warnings[0]).toContain(`certificate is for EUI ${SUPPLIER}`);
    rmSync(wrongEui);
    const wrongUsage = join(dir, `${SUPPLIER}-ka.pem`);
    writeFileSync(wrongUsage, pem);
    expectBadKeystore(() => loadKeystore(dir, { strict: true }), 'key usage is ds');
  });

  it('round-trips through the gbcs-sim format', () => {
    const text = serializeKeystore(ks);
    const dir = tempDir();
    const p = join(dir, 'keystore.json');
    writeFileSync(p, text);
    const back = loadKeystore(p);
    expect(withoutSource(back)).toEqual(withoutSource(ks));
    expect(back.warnings).toEqual([]);
  });
});

describeShared('keystore: DCC Boxed keystore.json', () => {
  let ks: Keystore;
  let index: string[][];
  beforeAll(() => {
    ks = loadKeystore(BOXED_JSON);
    const csv = readFileSync(
      sharedPath('samples', 'smartdcc-dccboxed-keystore', 'keystore-index.csv'),
      'utf8',
    );
    index = csv
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((l) => l.trim().split(','));
  });

  it('loads every entry with its role, certificate and private key', () => {
    expect(index).toHaveLength(33);
    expect(ks.entries).toHaveLength(33);
    expect(ks.warnings).toEqual([]);
    for (const [eui, usageName, serial, name, role, hasKey] of index) {
      const e = ks.entries.find((x) => x.source === `${BOXED_JSON}#${eui}/${usageName}/${serial}`)!;
      expect(e, `${eui} ${name}`).toBeDefined();
      expect(e.usage).toBe(usageName === 'digitalSignature' ? 'ds' : 'ka');
      expect(e.role).toBe(Number(role));
      expect(e.kind).toBe('organisation');
      expect(BigInt(`0x${e.serial}`)).toBe(BigInt(serial!));
      expect(e.privateKey !== null).toBe(hasKey === 'True');
      expect(toHex(p256.getPublicKey(e.privateKey!, false))).toBe(toHex(e.publicKey!));
      expect(e.cell).toBe(/PP-ka$/.test(name!) ? 'prepayment' : 'management');
    }
  });

  it('puts exactly the three "PP" KA entries in the prepayment cell', () => {
    expect(ks.entries.filter((e) => e.cell === 'prepayment')).toHaveLength(3);
  });

  it('prefers GBCS roles over XML-signing certificates; findAll lists the Z1 and Z1b sets', () => {
    expect(ks.find(ACB, 'ds')!.role).toBe(4);
    expect(ks.findAll(ACB, 'ds').map((m) => m.role)).toEqual([4, 4, 137]);
    expect(ks.findAll(SUPPLIER, 'ds').map((m) => m.role)).toEqual([2, 2, 135]);
    expect(ks.roleOf(SUPPLIER)).toBe(2);
    expect(ks.roleOf('00db123456780004')).toBe(127);
  });

  it('agrees with the RTDS directory: its keys are among the DCC Boxed ones, cell for cell', () => {
    const dir = loadKeystore(RTDS_KEYSTORE_DIR);
    for (const [eui, usage, cell] of [
      [SUPPLIER, 'ka', 'prepayment'],
      [SUPPLIER, 'ka', 'management'],
      [SUPPLIER, 'ds', 'management'],
      [ACB, 'ds', 'management'],
      [ACB, 'ka', 'management'],
    ] as const) {
      const want = toHex(dir.publicKey(eui, usage, cell)!);
      expect(ks.findAll(eui, usage, cell).map((m) => toHex(m.publicKey!))).toContain(want);
    }
  });

  it('loads the {keystore: …} wrapper of the vectors copy the same', () => {
    const wrapped = loadKeystore(sharedPath('vectors', 'smartdcc-dccboxed-keystore.zaz1.json'));
    expect(withoutSource(wrapped)).toEqual(withoutSource(ks));
  });

  it('an EUI that contradicts the certificate', () => {
    const doc = JSON.parse(readFileSync(BOXED_JSON, 'utf8'));
    doc['0123456789abcdef'] = doc[ACB];
    delete doc[ACB];
    const text = JSON.stringify(doc);
    expectBadKeystore(
      () => parseKeystoreJson(text, 'moved.json', { strict: true }),
      'moved.json#0123456789abcdef/',
    );
    const lenient = parseKeystoreJson(text, 'moved.json');
    expect(lenient.entries).toHaveLength(28);
    expect(lenient.warnings).toHaveLength(5);
  });

  it('a private key that does not belong to its certificate', () => {
    const doc = JSON.parse(readFileSync(BOXED_JSON, 'utf8'));
    const [a, b] = Object.values(doc[ACB].digitalSignature) as { privateKey: string }[];
    a!.privateKey = b!.privateKey;
    expectBadKeystore(() => parseKeystoreJson(JSON.stringify(doc), 'swapped.json'), 'does not belong');
  });

  it('round-trips through the gbcs-sim format', () => {
    const back = parseKeystoreJson(serializeKeystore(ks), 'own.json');
    expect(withoutSource(back)).toEqual(withoutSource(ks));
  });
});
