/**
 * Exporting SMKI credentials as the keystores the DCC tools and gbcs-sim read (DESIGN §4
 * `--keystore`), and the test PKI as a directory:
 *
 * - `dcc-tools`: a directory of `<eui>-ds.pem` / `<eui>-ka.pem` / `<eui>-pp-ka.pem` (certificates)
 *   and `.key` (PKCS#8 private keys), the layout of gbcs-parser `test/rtds/keystore`;
 * - `dcc-boxed`: a DCC Boxed `keystore.json` (dccboxed-keystore `schema.json`):
 *   `{ "<eui>": { "digitalSignature"|"keyAgreement": { "<decimal serial>": { certificate, privateKey, role?, name } } } }`;
 * - `gbcs-sim`: gbcs-sim's own keystore file (sim/smki/keystore.ts `serializeKeystore`).
 *
 * Import is sim/smki/keystore.ts `loadKeystore`, which reads all three: an export loads back to the same
 * entries (certificate, private key, role, cell).
 */
import { createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import { ROLE_NAMES } from '../../protocol/use-case-catalogue.ts';
import { subjectPublicKeyInfo } from '../smki/certificate.ts';
import { publicKeyOfPrivate, toPem } from '../smki/certificate-info.ts';
import type { PkiCredential, TestPki } from '../smki/generator.ts';
import { Keystore, type KeystoreEntry, serializeKeystore } from '../smki/keystore.ts';
import { mkdirPrivateSync, writePrivateFileSync } from './private-files.ts';

export type KeystoreFormat = 'dcc-tools' | 'dcc-boxed' | 'gbcs-sim';
export const KEYSTORE_FORMATS: readonly KeystoreFormat[] = ['dcc-tools', 'dcc-boxed', 'gbcs-sim'];

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/** PEM PKCS#8 of a P-256 private key (as the DCC tools' `.key` files hold them). */
export function privateKeyPem(privateKey: Uint8Array): string {
  const pub = publicKeyOfPrivate(privateKey);
  const key = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: b64url(privateKey),
      x: b64url(pub.subarray(1, 33)),
      y: b64url(pub.subarray(33)),
    },
    format: 'jwk',
  });
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** Keystore entries of PKI credentials (certificate and private key each). */
export function credentialsKeystore(creds: readonly PkiCredential[]): Keystore {
  const ks = new Keystore();
  for (const c of creds) {
    ks.add({
      eui: c.eui,
      usage: c.usage,
      cell: c.cell,
      role: c.role,
      kind: c.kind,
      publicKey: c.publicKey,
      privateKey: c.privateKey,
      certificate: c.certificate,
      serial: c.serial,
      source: `gbcs-sim test PKI#${c.name}`,
    });
  }
  return ks;
}

/** All end-entity credentials of a test PKI (organisations, then devices) as a keystore. */
export const pkiKeystore = (pki: TestPki): Keystore =>
  credentialsKeystore([...pki.organisations, ...pki.devices]);

const fileStem = (e: KeystoreEntry): string => `${e.eui}-${e.cell === 'prepayment' ? 'pp-' : ''}${e.usage}`;

/** Name of a DCC Boxed entry: role and cell in words, so that the loader's prepayment rule finds "PP". */
function boxedName(e: KeystoreEntry): string {
  const who =
    e.kind === 'device'
      ? `device-${e.eui}`
      : `gs-${ROLE_NAMES[e.role ?? -1] ?? `role${e.role ?? 'unknown'}`}`;
  return `${who}${e.cell === 'prepayment' ? 'PP' : ''}-${e.usage}`;
}

/** One entry per (EUI, usage, cell, public key): the loader merges a certificate and its key. */
function exportable(ks: Keystore): KeystoreEntry[] {
  const out: KeystoreEntry[] = [];
  for (const eui of ks.euis()) {
    for (const usage of ['ds', 'ka'] as const) {
      for (const cell of ['management', 'prepayment'] as const) {
        for (const m of ks.findAll(eui, usage, cell)) {
          const src = ks.entries.find(
            (e) => e.eui === eui && e.usage === usage && e.cell === cell && e.certificate === m.certificate,
          );
          out.push({
            eui,
            usage,
            cell,
            role: m.role,
            kind: m.kind,
            publicKey: m.publicKey,
            privateKey: m.privateKey,
            certificate: m.certificate,
            serial: src?.serial ?? null,
            source: src?.source ?? '',
          });
        }
      }
    }
  }
  return out;
}

/**
 * Writes `ks` at `path` in `format`. Whatever can hold a private key is written 0600 — the JSON
 * keystores, every `.key` — and a directory created for `dcc-tools` 0700 (sim/store/private-files.ts);
 * certificates and bare public keys (`.pem`) keep the default mode (0644 under umask 0022).
 * `dcc-tools` writes into the directory `path` (created);
 * a slot with several key pairs keeps only the best one there (file names hold one credential):
 * every other one is passed to `onSkip` (the CLI warns on stderr for each).
 * @returns the files written
 * @throws GbcsError BAD_KEYSTORE when an entry cannot be expressed (DCC Boxed needs a certificate)
 */
export function writeKeystore(
  ks: Keystore,
  format: KeystoreFormat,
  path: string,
  onSkip?: (skipped: KeystoreEntry, file: string, kept: KeystoreEntry) => void,
): string[] {
  if (format === 'gbcs-sim') {
    writePrivateFileSync(path, serializeKeystore(ks));
    return [path];
  }
  const entries = exportable(ks);
  if (format === 'dcc-tools') {
    mkdirPrivateSync(path);
    const written: string[] = [];
    const done = new Map<string, KeystoreEntry>();
    for (const e of entries) {
      const stem = fileStem(e);
      const kept = done.get(stem);
      if (kept) {
        onSkip?.(e, `${stem}.pem`, kept);
        continue;
      }
      done.set(stem, e);
      if (e.certificate) {
        writeFileSync(join(path, `${stem}.pem`), toPem(e.certificate));
        written.push(join(path, `${stem}.pem`));
      } else if (e.publicKey) {
        writeFileSync(join(path, `${stem}.pem`), toPem(subjectPublicKeyInfo(e.publicKey), 'PUBLIC KEY'));
        written.push(join(path, `${stem}.pem`));
      }
      if (e.privateKey) {
        writePrivateFileSync(join(path, `${stem}.key`), privateKeyPem(e.privateKey));
        written.push(join(path, `${stem}.key`));
      }
    }
    return written;
  }
  const doc: Record<string, Record<string, Record<string, Record<string, unknown>>>> = {};
  for (const e of entries) {
    if (!e.certificate || !e.serial)
      throw new GbcsError(
        ErrorCode.BAD_KEYSTORE,
        `${e.eui}/${e.usage}: DCC Boxed keystore.json entries need a certificate`,
      );
    const usageKey = e.usage === 'ds' ? 'digitalSignature' : 'keyAgreement';
    const rec: Record<string, unknown> = { certificate: toPem(e.certificate) };
    if (e.privateKey) rec.privateKey = privateKeyPem(e.privateKey);
    if (e.role !== null) rec.role = e.role;
    rec.name = boxedName(e);
    doc[e.eui] ??= {};
    doc[e.eui]![usageKey] ??= {};
    doc[e.eui]![usageKey]![BigInt(`0x${e.serial}`).toString(10)] = rec;
  }
  writePrivateFileSync(path, `${JSON.stringify(doc, null, 2)}\n`);
  return [path];
}

/** File names of the CA material in a PKI directory's `ca/` folder. */
export const CA_FILES = {
  rootOca: 'root-oca',
  issuingOca: 'issuing-oca',
  rootDca: 'root-dca',
  issuingDca: 'issuing-dca',
} as const;

/**
 * Writes a whole test PKI into `dir`: the end-entity credentials in the DCC tools' layout at the top,
 * the CA certificates and keys in `ca/` (`root-oca.pem|key`, `issuing-oca…`, `root-dca…`,
 * `issuing-dca…`; `roots.pem` and `issuing.pem`, bundles for `openssl verify -CAfile … -untrusted …`),
 * the contingency material in `ca/`
 * (`contingency.key`, `contingency-symmetric.hex`), and `keystore.json` (DCC Boxed). Keys, the
 * Contingency Symmetric Key and keystore.json are 0600, `dir` and `ca/` (when created) 0700.
 * @returns the files written
 */
export function writePkiDirectory(pki: TestPki, dir: string): string[] {
  const ks = pkiKeystore(pki);
  const written = writeKeystore(ks, 'dcc-tools', dir);
  const ca = join(dir, 'ca');
  mkdirPrivateSync(ca);
  for (const [field, stem] of Object.entries(CA_FILES) as Array<[keyof typeof CA_FILES, string]>) {
    const a = pki[field];
    writeFileSync(join(ca, `${stem}.pem`), toPem(a.certificate));
    writePrivateFileSync(join(ca, `${stem}.key`), privateKeyPem(a.privateKey));
    written.push(join(ca, `${stem}.pem`), join(ca, `${stem}.key`));
  }
  // Bundles for `openssl verify -CAfile ca/roots.pem -untrusted ca/issuing.pem <certificates>`.
  writeFileSync(join(ca, 'roots.pem'), toPem(pki.rootOca.certificate) + toPem(pki.rootDca.certificate));
  writeFileSync(
    join(ca, 'issuing.pem'),
    toPem(pki.issuingOca.certificate) + toPem(pki.issuingDca.certificate),
  );
  writePrivateFileSync(join(ca, 'contingency.key'), privateKeyPem(pki.contingency.privateKey));
  writePrivateFileSync(
    join(ca, 'contingency-symmetric.hex'),
    `${Buffer.from(pki.contingency.symmetricKey).toString('hex')}\n`,
  );
  written.push(
    join(ca, 'roots.pem'),
    join(ca, 'issuing.pem'),
    join(ca, 'contingency.key'),
    join(ca, 'contingency-symmetric.hex'),
  );
  writeKeystore(ks, 'dcc-boxed', join(dir, 'keystore.json'));
  written.push(join(dir, 'keystore.json'));
  return written;
}
