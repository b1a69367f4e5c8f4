/**
 * Certificates and requests from files, for `keys validate` / `keys issue`: PEM (one or more
 * CERTIFICATE blocks, or a CERTIFICATE REQUEST) or DER; directories expand to their `*.pem`,
 * `*.crt`, `*.cer`, `*.der` files, recursively and sorted. A file that cannot be read is an input
 * with an error, never an exception: one bad file does not stop the others.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pemBlocks } from '../certificate-info.ts';
import {
  IssuerIndex,
  type ValidationOptions,
  type ValidationResult,
  validateCertificate,
} from './validate.ts';

/** Largest certificate or request file read (far above any SMKI certificate, ~500 bytes). */
export const MAX_CERTIFICATE_FILE_BYTES = 1 << 20;

export type CertificateInput = { input: string; der: Uint8Array } | { input: string; error: string };

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
    throw new Error(`${size} bytes: larger than ${MAX_CERTIFICATE_FILE_BYTES}`);
  return new Uint8Array(readFileSync(path));
}

/** DER blocks of a PEM or DER file with the given PEM labels; a DER file is one block. */
export function readDerBlocks(path: string, labels: readonly string[]): Uint8Array[] {
  const bytes = readBytes(path);
  if (bytes[0] === 0x30) return [bytes];
  const text = new TextDecoder().decode(bytes);
  const blocks = pemBlocks(text).filter((b) => labels.includes(b.label));
  if (blocks.length === 0) throw new Error(`no PEM ${labels.join(' / ')} block and not DER`);
  return blocks.map((b) => b.der);
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
    for (const f of files) {
      try {
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
  kind: ValidationResult['kind'];
  reasons: ValidationResult['reasons'];
  warnings: ValidationResult['warnings'];
  serial: string | null;
  eui: string | null;
  usage: 'ds' | 'ka' | null;
  role: number | null;
  subject: string | null;
  issuer: string | null;
  chain: ValidationResult['chain'];
}

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
    if ('error' in i)
      return {
        input: i.input,
        ok: false,
        kind: null,
        reasons: [{ code: 'NOT_A_CERTIFICATE', message: `unreadable: ${i.error}` }],
        warnings: [],
        serial: null,
        eui: null,
        usage: null,
        role: null,
        subject: null,
        issuer: null,
        chain: { status: 'invalid', path: [] },
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
    };
  });
}
