/**
 * What the command does with its parsed flags (bin/commands/keys.ts defines the flags).
 *
 * `gbcs-sim keys …`: the test SMKI (sim/smki/). `init` writes a whole PKI and the default premises'
 * device credentials; `validate` checks certificates as a device does; `csr` makes a request;
 * `issue` / `revoke` go through the Registration Authority of a PKI directory; `export` converts
 * keystores; `import` puts a keystore's certificates in a PKI directory's SMKI Repository.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import { isEui64 } from '../../protocol/types.ts';
import { type Clock, VirtualClock, WallClock } from '../../sim/clock.ts';
import { DEFAULT_PREMISES } from '../../sim/premises/premises.ts';
import { toPem } from '../../sim/smki/certificate-info.ts';
import { buildCsr, deviceCsrSpec, organisationCsrSpec } from '../../sim/smki/csr.ts';
import {
  caCertificatesOf,
  deviceCredential,
  generateTestPki,
  PKI_NOT_BEFORE_RANGE,
  pkiCrypto,
  pkiNotBeforeProblem,
} from '../../sim/smki/generator.ts';
import { normaliseSerial } from '../../sim/smki/serial.ts';
import { deriveTestPrivateKey, TEST_PARTIES } from '../../sim/smki/test-pki.ts';
import { parseAsOf } from '../../sim/smki/timeline.ts';
import type { CertificateKind, Revocation } from '../../sim/smki/validate.ts';
import { loadKeystores } from '../../sim/store/keystore-files.ts';
import {
  KEYSTORE_FORMATS,
  type KeystoreFormat,
  privateKeyPem,
  writeKeystore,
} from '../../sim/store/keystore-io.ts';
import {
  initPkiDirectory,
  openPkiDirectory,
  readRevocations,
  SMKI_STATE_FILE,
} from '../../sim/store/pki-store.ts';
import { writePrivateFileSync } from '../../sim/store/private-files.ts';
import { EXIT_FAILURE, EXIT_OK, out, UsageError } from '../cli-io.ts';
import { MAX_CERTIFICATE_FILE_BYTES, readDerBlocks, validateFiles } from '../keys/certificate-files.ts';

/** The flags' choices and file names (bin/commands/keys.ts). */
export { KEYSTORE_FORMATS } from '../../sim/store/keystore-io.ts';
export { SMKI_STATE_FILE } from '../../sim/store/pki-store.ts';

export const date = (flag: string, v: string): number => {
  try {
    return parseAsOf(v);
  } catch {
    throw new UsageError(`${flag}: not a date (YYYY-MM-DD) or ISO date-time: ${v}`);
  }
};

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Runs a write to a path the user gave: a file system error (a missing directory, no permission, a
 * directory where a file should be) is a usage error naming the flag and path, not a stack trace.
 */
export function writing<T>(flag: string, path: string, write: () => T): T {
  try {
    return write();
  } catch (e) {
    if (typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).syscall)
      throw new UsageError(`${flag} ${path}: ${(e as Error).message}`);
    throw e;
  }
}

/** The clock of RA decisions: `--as-of` replays history at that date; otherwise enduring, wall clock. */
export function raClock(asOf: string | undefined): { clock: Clock; historical: boolean } {
  return asOf === undefined
    ? { clock: new WallClock(), historical: false }
    : { clock: new VirtualClock(date('--as-of', asOf)), historical: true };
}

export const keysInitAction = (o: { out: string; seed: string; notBefore: string; force?: boolean }) => {
  if (existsSync(join(o.out, SMKI_STATE_FILE)) && !o.force)
    throw new UsageError(`${o.out} already holds a PKI (${SMKI_STATE_FILE}); use --force to overwrite`);
  const notBefore = date('--not-before', o.notBefore);
  const problem = pkiNotBeforeProblem(notBefore);
  if (problem !== null)
    throw new UsageError(
      `--not-before ${o.notBefore}: ${problem}; accepted: ${isoDay(PKI_NOT_BEFORE_RANGE.first)} to ${isoDay(PKI_NOT_BEFORE_RANGE.last)}`,
    );
  const devices = Object.values(DEFAULT_PREMISES);
  const pki = generateTestPki({
    seed: o.seed,
    parties: TEST_PARTIES,
    derive: deriveTestPrivateKey,
    notBefore,
  });
  for (const eui of devices)
    for (const u of ['ds', 'ka'] as const) deviceCredential(pki, deriveTestPrivateKey, eui, u);
  const files = writing('--out', o.out, () =>
    initPkiDirectory(pki, o.out, { parties: TEST_PARTIES, devices, clock: new VirtualClock(notBefore) }),
  );
  out(
    JSON.stringify({
      out: o.out,
      seed: o.seed,
      files: files.length,
      caCertificates: caCertificatesOf(pki).length,
      openssl: `openssl verify -x509_strict -CAfile ${join(o.out, 'ca', 'roots.pem')} -untrusted ${join(o.out, 'ca', 'issuing.pem')} ${join(o.out, '*.pem')}`,
      organisationCertificates: pki.organisations.length,
      deviceCertificates: pki.devices.length,
      devices,
    }),
  );
};

/**
 * The PKI directories whose SMKI Repository `keys validate` consults: every `--pki`, and each input
 * that is a PKI directory (holds smki.json) or a file in one.
 */
function repositoriesOf(paths: readonly string[], pki: readonly string[]): string[] {
  const dirs = new Set(pki);
  for (const p of paths) {
    let dir: string;
    try {
      dir = statSync(p).isDirectory() ? p : dirname(p);
    } catch {
      continue;
    }
    if (existsSync(join(dir, SMKI_STATE_FILE))) dirs.add(dir);
  }
  return [...dirs];
}

export const keysValidateAction = (
  paths: string[],
  o: { ca?: string[]; at?: string; strict?: boolean; expect?: string; pki?: string[] },
) => {
  if (o.expect !== undefined && !['device', 'organisation', 'ca'].includes(o.expect))
    throw new UsageError('--expect: device, organisation or ca');
  // A path that is not there is a mistyped argument, not an invalid certificate: usage error (exit 2).
  for (const p of paths)
    if (!statSync(p, { throwIfNoEntry: false }))
      throw new UsageError(`keys validate: ${p}: no such file or directory`);
  const revocations = new Map<string, Revocation>();
  for (const dir of repositoriesOf(paths, o.pki ?? [])) {
    try {
      for (const [serial, r] of readRevocations(dir)) revocations.set(serial, r);
    } catch (e) {
      throw new UsageError(`--pki ${dir}: ${(e as Error).message}`);
    }
  }
  const lines = validateFiles(paths, {
    caPaths: o.ca ?? [],
    ...(o.at !== undefined ? { at: date('--at', o.at) } : {}),
    strict: o.strict ?? false,
    ...(o.expect ? { expect: o.expect as CertificateKind } : {}),
    revocations,
  });
  for (const l of lines) out(JSON.stringify(l));
  process.exitCode = lines.length > 0 && lines.every((l) => l.ok) ? EXIT_OK : EXIT_FAILURE;
};

export const keysCsrAction = (o: {
  eui: string;
  usage: string;
  role?: string;
  name?: string;
  out: string;
  keyOut: string;
}) => {
  const eui = o.eui.toLowerCase();
  if (!isEui64(eui)) throw new UsageError(`--eui: not an EUI-64 (16 hex digits): ${o.eui}`);
  if (o.usage !== 'ds' && o.usage !== 'ka') throw new UsageError('--usage: ds or ka');
  const role = o.role === undefined ? null : Number(o.role);
  if (role !== null && !(Number.isInteger(role) && role >= 0 && role <= 255))
    throw new UsageError('--role: 0..255');
  const key = p256.utils.randomSecretKey();
  const pub = pkiCrypto.publicKeyOf(key);
  const spec =
    role === null ? deviceCsrSpec(eui, o.usage, pub) : organisationCsrSpec(role, eui, o.usage, pub, o.name);
  // The key first: a request whose key could not be kept is worth nothing.
  writing('--key-out', o.keyOut, () => writePrivateFileSync(o.keyOut, privateKeyPem(key)));
  const request = toPem(buildCsr(spec, key, pkiCrypto), 'CERTIFICATE REQUEST');
  writing('--out', o.out, () => writeFileSync(o.out, request));
  out(
    JSON.stringify({
      request: o.out,
      key: o.keyOut,
      kind: role === null ? 'device' : 'organisation',
      eui,
      usage: o.usage,
      role,
    }),
  );
};

export const keysIssueAction = (o: {
  pki: string;
  csr: string;
  submitter: string;
  asOf?: string;
  out?: string;
}) => {
  const { clock, historical } = raClock(o.asOf);
  const pki = openPkiDirectory(o.pki, { clock, historical });
  // A file that cannot be read is a usage error; content that is not one request goes to the RA
  // as it is and is refused there (CSR_MALFORMED, exit 1), like any other bad request.
  let der: Uint8Array;
  try {
    const st = statSync(o.csr);
    if (!st.isFile()) throw new GbcsError(ErrorCode.BAD_KEY, 'not a file');
    if (st.size > MAX_CERTIFICATE_FILE_BYTES)
      throw new GbcsError(ErrorCode.TOO_LARGE, `${st.size} bytes: larger than ${MAX_CERTIFICATE_FILE_BYTES}`);
    der = new Uint8Array(readFileSync(o.csr));
  } catch (e) {
    throw new UsageError(`--csr ${o.csr}: ${(e as Error).message}`);
  }
  try {
    const blocks = readDerBlocks(o.csr, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
    if (blocks.length === 1) der = blocks[0]!;
  } catch {
    // not PEM nor DER: the raw bytes, which the RA reports as CSR_MALFORMED
  }
  const r = pki.ra.submitCsr(o.submitter, der);
  if (!r.ok) {
    out(JSON.stringify({ ok: false, reasons: r.reasons }));
    process.exitCode = EXIT_FAILURE;
    return;
  }
  pki.save();
  const pem = toPem(r.value.certificate);
  if (o.out) writing('--out', o.out, () => writeFileSync(o.out!, pem));
  const { serial, kind, eui, usage, role, status } = r.value;
  out(
    JSON.stringify({
      ok: true,
      serial,
      kind,
      eui,
      usage,
      role,
      status,
      certificate: pem,
      ...(o.out ? { certificateFile: o.out } : {}),
    }),
  );
};

export const keysRevokeAction = (o: {
  pki: string;
  serial: string;
  by: string;
  reason: string;
  asOf?: string;
}) => {
  if (normaliseSerial(o.serial) === null)
    throw new UsageError(`--serial: not a certificate serial number (1 to 64 hex digits): ${o.serial}`);
  const pki = openPkiDirectory(o.pki, raClock(o.asOf));
  const r = pki.ra.revoke(o.by, o.serial, o.reason);
  if (!r.ok) {
    out(JSON.stringify({ ok: false, reasons: r.reasons }));
    process.exitCode = EXIT_FAILURE;
    return;
  }
  pki.save();
  out(JSON.stringify({ ok: true, serial: r.value.serial, status: r.value.status }));
};

export const keysExportAction = (o: { keystore: string[]; format: string; out: string }) => {
  if (!KEYSTORE_FORMATS.includes(o.format as KeystoreFormat))
    throw new UsageError(`--format: one of ${KEYSTORE_FORMATS.join(', ')}`);
  const ks = loadKeystores(o.keystore);
  for (const w of ks.warnings) process.stderr.write(`gbcs-sim: keystore warning: ${w}\n`);
  let skipped = 0;
  const files = writing('--out', o.out, () =>
    writeKeystore(ks, o.format as KeystoreFormat, o.out, (e, file, kept) => {
      skipped++;
      process.stderr.write(
        `gbcs-sim: warning: not exported: ${e.source} (${e.eui} ${e.usage}${e.cell === 'prepayment' ? ' prepayment' : ''}, serial ${e.serial ?? 'none'}): ${file} already holds serial ${kept.serial ?? 'none'} (${kept.source}); the dcc-tools layout has one credential per file name\n`,
      );
    }),
  );
  out(
    JSON.stringify({
      format: o.format,
      out: o.out,
      entries: ks.entries.length,
      files: files.length,
      ...(o.format === 'dcc-tools' ? { notExported: skipped } : {}),
    }),
  );
};

export const keysImportAction = (paths: string[], o: { pki: string }) => {
  const pki = openPkiDirectory(o.pki, { clock: new WallClock() });
  const ks = loadKeystores(paths);
  for (const w of ks.warnings) process.stderr.write(`gbcs-sim: keystore warning: ${w}\n`);
  let imported = 0;
  const skipped: Array<{ serial: string | null; source: string; reason: string }> = [];
  const now = new WallClock().now();
  for (const e of ks.entries) {
    if (!e.certificate) continue;
    if (e.serial && pki.repository.has(e.serial)) {
      skipped.push({ serial: e.serial, source: e.source, reason: 'serial already in the repository' });
      continue;
    }
    try {
      pki.repository.add(e.certificate, { status: 'I', issuedAt: now, subscriber: null });
      imported++;
    } catch (err) {
      skipped.push({ serial: e.serial, source: e.source, reason: (err as Error).message });
    }
  }
  pki.save();
  out(JSON.stringify({ pki: o.pki, imported, skipped }));
};
