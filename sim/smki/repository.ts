/**
 * The SMKI Repository (SEC L5; smki-recovery-ch-domain.md §2.4): every certificate issued, with its
 * status — P Pending, I In use, N Not in use, E Expired, R Revoked (the DCC Boxed SMKI service's
 * codes, dccboxed-keystore `src/certificateSearch.ts`) — searchable as the DCC Boxed
 * `certificatesearch` service allows: by subject Entity Identifier (organisation certificates, with
 * role), by subjectAltName Entity Identifier (device certificates), filtered by usage and status; and
 * retrievable by serial (`retrievecertificate`).
 *
 * Plain data; `toJSON` / `fromJSON` persist it (the RA's state file, pki-store.ts). Expiry is not
 * stored: a certificate In use / Not in use past its notAfter reads as E at the asking date.
 */
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { pemBlocks, toPem } from './certificate-info.ts';
import { parseCertificate } from './parse.ts';
import { normaliseSerial } from './serial.ts';
import { validateCertificate } from './validate.ts';

export type CertificateStatus = 'P' | 'I' | 'N' | 'E' | 'R';
export const CERTIFICATE_STATUSES: readonly CertificateStatus[] = ['P', 'I', 'N', 'E', 'R'];
/** Statuses that are stored (E is derived from the date). */
export type StoredStatus = Exclude<CertificateStatus, 'E'>;

export interface RepositoryRecord {
  /** Lowercase hex, no leading zero octets. */
  serial: string;
  certificate: Uint8Array;
  kind: 'device' | 'organisation' | 'ca';
  /** Organisation: x500UniqueIdentifier; device: SAN hwSerialNum; CA: null. */
  eui: Eui64 | null;
  role: number | null;
  usage: 'ds' | 'ka' | null;
  status: StoredStatus;
  notAfter: number | null;
  /** When it entered the repository (ms). */
  issuedAt: number;
  /** Party id of the Subscriber, when issued through the RA. */
  subscriber: string | null;
  revokedAt: number | null;
  revocationReason: string | null;
}

export interface RepositoryQuery {
  /** Organisation certificates whose subject x500UniqueIdentifier is this EUI. */
  subjectEui?: Eui64;
  /** Device certificates whose SAN hwSerialNum is this EUI. */
  sanEui?: Eui64;
  role?: number;
  usage?: 'ds' | 'ka';
  status?: CertificateStatus;
  /** Date for the E status (ms); default: no expiry applied. */
  at?: number;
}

/** The status of a record at a date: E when In use / Not in use and past notAfter. */
export function statusAt(r: RepositoryRecord, at: number | undefined): CertificateStatus {
  if (at !== undefined && (r.status === 'I' || r.status === 'N') && r.notAfter !== null && at > r.notAfter)
    return 'E';
  return r.status;
}

export { normaliseSerial } from './serial.ts';

export class SmkiRepository {
  readonly #records = new Map<string, RepositoryRecord>();

  /**
   * Adds a certificate. Its serial must be new.
   * @throws GbcsError BAD_KEY when it is not a parseable certificate; SMKI_DUPLICATE_SERIAL when the serial is known
   */
  add(
    der: Uint8Array,
    meta: { status?: StoredStatus; issuedAt: number; subscriber?: string | null },
  ): RepositoryRecord {
    const v = validateCertificate(der);
    if (!v.summary)
      throw new GbcsError(ErrorCode.BAD_KEY, `not a certificate: ${v.reasons[0]?.message ?? ''}`);
    const parsed = parseCertificate(der);
    if (this.#records.has(parsed.serial))
      throw new GbcsError(
        'SMKI_DUPLICATE_SERIAL',
        `a certificate with serial ${parsed.serial} is already in the repository`,
      );
    const r: RepositoryRecord = {
      serial: parsed.serial,
      certificate: der,
      kind: v.kind ?? 'organisation',
      eui: v.summary.eui,
      role: v.summary.role,
      usage: v.summary.usage,
      status: meta.status ?? 'I',
      notAfter: parsed.notAfter.ms,
      issuedAt: meta.issuedAt,
      subscriber: meta.subscriber ?? null,
      revokedAt: null,
      revocationReason: null,
    };
    this.#records.set(r.serial, r);
    return r;
  }

  has(serial: string): boolean {
    const s = normaliseSerial(serial);
    return s !== null && this.#records.has(s);
  }

  /** The record of a serial (hex, any case). */
  bySerial(serial: string): RepositoryRecord | undefined {
    const s = normaliseSerial(serial);
    return s === null ? undefined : this.#records.get(s);
  }

  /** Records matching every given criterion, in order of entry. */
  search(q: RepositoryQuery): RepositoryRecord[] {
    return [...this.#records.values()].filter(
      (r) =>
        (q.subjectEui === undefined || (r.kind === 'organisation' && r.eui === q.subjectEui)) &&
        (q.sanEui === undefined || (r.kind === 'device' && r.eui === q.sanEui)) &&
        (q.role === undefined || r.role === q.role) &&
        (q.usage === undefined || r.usage === q.usage) &&
        (q.status === undefined || statusAt(r, q.at) === q.status),
    );
  }

  get records(): RepositoryRecord[] {
    return [...this.#records.values()];
  }

  /** Whether a certificate for this public key (65-byte point hex) is held. */
  hasPublicKey(pointHex: string): boolean {
    for (const r of this.#records.values()) {
      try {
        if (toHex(parseCertificate(r.certificate).spki.point) === pointHex) return true;
      } catch {
        // unparseable records cannot be in the repository (add parses them)
      }
    }
    return false;
  }

  /** Changes a stored status. @throws GbcsError SMKI_UNKNOWN_CERTIFICATE */
  setStatus(serial: string, status: StoredStatus, at: number, reason?: string): RepositoryRecord {
    const r = this.bySerial(serial);
    if (!r) throw new GbcsError('SMKI_UNKNOWN_CERTIFICATE', `no certificate with serial ${serial}`);
    r.status = status;
    if (status === 'R') {
      r.revokedAt = at;
      r.revocationReason = reason ?? null;
    }
    return r;
  }

  toJSON(): unknown[] {
    return this.records.map((r) => ({
      serial: r.serial,
      status: r.status,
      issuedAt: new Date(r.issuedAt).toISOString(),
      subscriber: r.subscriber,
      revokedAt: r.revokedAt === null ? null : new Date(r.revokedAt).toISOString(),
      revocationReason: r.revocationReason,
      certificate: toPem(r.certificate),
    }));
  }

  /** @throws GbcsError SMKI_BAD_STATE naming the entry and the problem */
  static fromJSON(list: unknown): SmkiRepository {
    const repo = new SmkiRepository();
    if (!Array.isArray(list)) throw new GbcsError('SMKI_BAD_STATE', 'certificates is not a list');
    list.forEach((e: unknown, i) => {
      const o = e as Record<string, unknown>;
      const where = `certificates[${i}]`;
      if (typeof o !== 'object' || o === null || typeof o.certificate !== 'string')
        throw new GbcsError('SMKI_BAD_STATE', `${where}: no certificate`);
      const blocks = pemBlocks(o.certificate);
      if (blocks.length !== 1 || blocks[0]!.label !== 'CERTIFICATE')
        throw new GbcsError('SMKI_BAD_STATE', `${where}: not one PEM certificate`);
      if (!['P', 'I', 'N', 'R'].includes(o.status as string))
        throw new GbcsError('SMKI_BAD_STATE', `${where}: status must be P, I, N or R`);
      const date = (v: unknown) =>
        typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? Date.parse(v) : null;
      const r = repo.add(blocks[0]!.der, {
        status: o.status as StoredStatus,
        issuedAt: date(o.issuedAt) ?? 0,
        subscriber: typeof o.subscriber === 'string' ? o.subscriber : null,
      });
      r.revokedAt = date(o.revokedAt);
      r.revocationReason = typeof o.revocationReason === 'string' ? o.revocationReason : null;
    });
    return repo;
  }
}

/** EUI-64 in the DUIS / SMKI-interface form: dash-separated upper-case octets (DESIGN §3). */
export const duisEui = (eui: Eui64): string => toHex(fromHex(eui)).toUpperCase().match(/../g)!.join('-');

/** An EUI given as `90-B3-D5-1F-30-01-00-00` or `90b3d51f30010000`, or null. */
export function euiOfDuis(text: string): Eui64 | null {
  const t = text.trim();
  if (/^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){7}$/.test(t)) return t.replace(/-/g, '').toLowerCase();
  if (/^[0-9A-Fa-f]{16}$/.test(t)) return t.toLowerCase();
  return null;
}
