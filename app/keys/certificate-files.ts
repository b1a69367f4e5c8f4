/**
 * Certificates and requests from files, for `keys validate` / `keys issue`: PEM (one or more
 * CERTIFICATE blocks, or a CERTIFICATE REQUEST) or DER; directories expand to their `*.pem`,
 * `*.crt`, `*.cer`, `*.der` files, recursively and sorted. A file that cannot be read is an input
 * with an error, never an exception: one bad file does not stop the others.
 *
 * Keystores: a PEM file holding only PUBLIC KEY blocks (a bare key, as DCC tools' keystores may
 * hold) is a `public-key` input, not a certificate; a JSON file given by name (DCC Boxed
 * keystore.json, the RTDS keystore JSON, gbcs-sim's format) yields every PEM certificate found in
 * its string values, each named `file#<JSON path>`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import { pemBlocks } from '../../sim/smki/certificate-info.ts';
import {
  IssuerIndex,
  type ValidationOptions,
  type ValidationResult,
  validateCertificate,
} from '../../sim/smki/validate.ts';

/** Largest certificate or request file read (far above any SMKI certificate, ~500 bytes). */
export const MAX_CERTIFICATE_FILE_BYTES = 1 << 20;

export type CertificateInput =
  | { input: string; der: Uint8Array }
  | { input: string; error: string; code?: 'NO_CERTIFICATES' }
  | { input: string; publicKey: Uint8Array };

const CERT_FILE = /\.(pem|crt|cer|der)$/i;

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (CERT_FILE.test(e.name)) out.push(p);
  }
}

function readBytes(path: string): Uint8Array {
  const size = statSync(path).size;
  if (size > MAX_CERTIFICATE_FILE_BYTES)
    throw new GbcsError(ErrorCode.TOO_LARGE, `${size} bytes: larger than ${MAX_CERTIFICATE_FILE_BYTES}`);
  return new Uint8Array(readFileSync(path));
}

/** DER blocks of a PEM or DER file with the given PEM labels; a DER file is one block. */
export function readDerBlocks(path: string, labels: readonly string[]): Uint8Array[] {
  const bytes = readBytes(path);
  if (bytes[0] === 0x30) return [bytes];
  const text = new TextDecoder().decode(bytes);
  const blocks = pemBlocks(text).filter((b) => labels.includes(b.label));
  if (blocks.length === 0)
    throw new GbcsError(ErrorCode.BAD_KEY, `no PEM ${labels.join(' / ')} block and not DER`);
  return blocks.map((b) => b.der);
}

/** PEM CERTIFICATE blocks in the string values of a JSON document, with their JSON paths. */
function jsonCertificates(v: unknown, path: string, out: Array<{ path: string; der: Uint8Array }>): void {
  if (typeof v === 'string') {
    if (!v.includes('-----BEGIN CERTIFICATE-----')) return;
    const blocks = pemBlocks(v).filter((b) => b.label === 'CERTIFICATE');
    blocks.forEach((b, i) => {
      out.push({ path: blocks.length > 1 ? `${path}#${i + 1}` : path, der: b.der });
    });
  } else if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) jsonCertificates(x, `${path}/${i}`, out);
  } else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) jsonCertificates(x, path === '' ? k : `${path}/${k}`, out);
}

/** The certificates of a JSON keystore (any of the formats `decode --keystore` takes). */
function readJsonKeystore(f: string): Array<{ input: string; der: Uint8Array }> {
  const text = new TextDecoder().decode(readBytes(f));
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new GbcsError(ErrorCode.BAD_KEY, `not JSON: ${(e as Error).message}`);
  }
  const found: Array<{ path: string; der: Uint8Array }> = [];
  jsonCertificates(doc, '', found);
  if (found.length === 0) throw new GbcsError(ErrorCode.BAD_KEY, 'a JSON file without PEM certificates');
  return found.map((c) => ({ input: `${f}#${c.path}`, der: c.der }));
}

/**
 * Every certificate of the paths (files or directories), named `path` or `path#n` for the n-th PEM
 * block. A certificate met again (a bundle repeating single files) is listed once, where first met.
 */
export function readCertificateInputs(paths: readonly string[]): CertificateInput[] {
  const out: CertificateInput[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    let files: string[];
    try {
      files = statSync(p).isDirectory() ? [] : [p];
      if (files.length === 0) walk(p, files);
    } catch (e) {
      out.push({ input: p, error: (e as Error).message });
      continue;
    }
    if (files.length === 0) {
      out.push({
        input: p,
        code: 'NO_CERTIFICATES',
        error: 'no certificate files (*.pem, *.crt, *.cer, *.der) in this directory',
      });
      continue;
    }
    for (const f of files) {
      try {
        if (/\.json$/i.test(f)) {
          for (const c of readJsonKeystore(f)) {
            const key = Buffer.from(c.der).toString('base64');
            if (seen.has(key)) continue;
            seen.add(key);
            out.push(c);
          }
          continue;
        }
        const bytes = readBytes(f);
        if (bytes[0] !== 0x30) {
          const blocks = pemBlocks(new TextDecoder().decode(bytes));
          if (blocks.length > 0 && blocks.every((b) => b.label === 'PUBLIC KEY')) {
            for (const b of blocks) out.push({ input: f, publicKey: b.der });
            continue;
          }
        }
        const ders = readDerBlocks(f, ['CERTIFICATE']);
        ders.forEach((der, i) => {
          const key = Buffer.from(der).toString('base64');
          if (seen.has(key)) return;
          seen.add(key);
          out.push({ input: ders.length > 1 ? `${f}#${i + 1}` : f, der });
        });
      } catch (e) {
        out.push({ input: f, error: (e as Error).message });
      }
    }
  }
  return out;
}

/** One `keys validate` line. */
export interface ValidationLine {
  input: string;
  ok: boolean;
  /** `public-key`: a bare SubjectPublicKeyInfo (keystores hold some), not a certificate, not validated. */
  kind: ValidationResult['kind'] | 'public-key';
  reasons: ValidationResult['reasons'];
  warnings: ValidationResult['warnings'];
  serial: string | null;
  eui: string | null;
  usage: 'ds' | 'ka' | null;
  role: number | null;
  subject: string | null;
  issuer: string | null;
  /** null for a `public-key` input. */
  chain: ValidationResult['chain'] | null;
  /** A test certificate: a CA name marked TEST (gbcs-sim's) or a published test PKI (the warning TEST_CERTIFICATE says which). */
  test: boolean;
}

/** The fields of a line for an input that is not a readable certificate: no warnings, no summary. */
const noSummary = () => ({
  warnings: [],
  serial: null,
  eui: null,
  usage: null,
  role: null,
  subject: null,
  issuer: null,
});

/**
 * Validates every certificate of `paths`. Issuers are the CA certificates among the inputs and those
 * of `caPaths`, so a directory written by `keys init` validates with full chains.
 */
export function validateFiles(
  paths: readonly string[],
  o: Omit<ValidationOptions, 'issuers'> & { caPaths?: readonly string[] } = {},
): ValidationLine[] {
  const inputs = readCertificateInputs(paths);
  const cas = readCertificateInputs(o.caPaths ?? []);
  const issuers = new IssuerIndex();
  for (const i of [...inputs, ...cas]) if ('der' in i) issuers.add(i.der);
  return inputs.map((i): ValidationLine => {
    if ('publicKey' in i)
      return {
        input: i.input,
        ok: true,
        kind: 'public-key',
        reasons: [],
        ...noSummary(),
        chain: null,
        test: false,
      };
    if ('error' in i)
      return {
        input: i.input,
        ok: false,
        kind: null,
        reasons: [
          i.code === 'NO_CERTIFICATES'
            ? { code: i.code, message: i.error }
            : { code: 'NOT_A_CERTIFICATE', message: `unreadable: ${i.error}` },
        ],
        ...noSummary(),
        chain: { status: 'invalid', path: [] },
        test: false,
      };
    const r = validateCertificate(i.der, { ...o, issuers });
    return {
      input: i.input,
      ok: r.ok,
      kind: r.kind,
      reasons: r.reasons,
      warnings: r.warnings,
      serial: r.summary?.serial ?? null,
      eui: r.summary?.eui ?? null,
      usage: r.summary?.usage ?? null,
      role: r.summary?.role ?? null,
      subject: r.summary?.subject ?? null,
      issuer: r.summary?.issuer ?? null,
      chain: r.chain,
      test: r.test !== null,
    };
  });
}
