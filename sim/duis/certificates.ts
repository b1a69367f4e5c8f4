/**
 * Who may sign DUIS: the XML-signing certificates a DUIS service knows, looked up by the serial a
 * signature's X509IssuerSerial names, and the DCC User Roles of each Business Originator.
 *
 * XML-signing certificates are SMKI organisation certificates whose subject OU is 87 (a User's DUIS
 * signing certificate, role 0x87 = 135) or 89 (the DSP's, 0x89 = 137; DCC Boxed before 1.4.1 wrote
 * the DSP's OU as the decimal "137") — smki-recovery-ch-domain.md §2.1–2.2; the ZAZ1 `xml-sign-*` and
 * `dsp-xml-sign-*` certificates. The subject x500UniqueIdentifier is the User ID (EUI-64) the
 * certificate signs for. They come from keystores (any format sim/smki/keystore.ts loads) and/or the SMKI
 * Repository (whose statuses then apply).
 *
 * DCC User Roles are the DCC's registration of a User ID, which no certificate carries. The default
 * (`userRolesFromKeystore`) derives them from the GBCS organisation certificate of the same EUI
 * [assumed, as DCC Boxed's ZAZ1 parties are used]: Supplier (role 2) → IS, ES, GS; Network Operator
 * (3) → ED, GT; Other (127) → OU. A table given explicitly replaces it.
 */
import type { Eui64 } from '../../protocol/types.ts';
import type { Keystore } from '../smki/keystore.ts';
import { OID_CN, OID_OU, OID_X500_UNIQUE_IDENTIFIER } from '../smki/oids.ts';
import { type ParsedAttribute, parseCertificate } from '../smki/parse.ts';
import { type CertificateStatus, type SmkiRepository, statusAt } from '../smki/repository.ts';
import type { UserRole } from './service-requests.ts';

export type XmlSigningParty = 'user' | 'dsp';

export interface XmlSigningCertificate {
  serial: bigint;
  /** The User ID the certificate signs for (subject x500UniqueIdentifier). */
  eui: Eui64;
  party: XmlSigningParty;
  /** 65-byte uncompressed P-256 point. */
  publicKey: Uint8Array;
  /** The issuer as the DCC's tools write X509IssuerName (RFC 2253 order), e.g. `CN=Z1,OU=07`. */
  issuerName: string;
  notBefore: number | null;
  notAfter: number | null;
  der: Uint8Array;
}

const td = new TextDecoder();
const attrText = (a: ParsedAttribute): string => td.decode(a.value);

/** X509IssuerName text of a certificate's issuer: RFC 2253 (last RDN first), `CN=Z1,OU=07`. */
export function rfc2253Name(attrs: readonly ParsedAttribute[]): string {
  const short: Record<string, string> = { [OID_CN]: 'CN', [OID_OU]: 'OU' };
  return [...attrs]
    .reverse()
    .map((a) => `${short[a.oid] ?? a.oid}=${attrText(a).replace(/([,+"\\<>;=])/g, '\\$1')}`)
    .join(',');
}

/**
 * Reads an XML-signing certificate; null when the DER is not a certificate or not an XML-signing one
 * (no OU 87 / 89 / 137, or no 8-byte x500UniqueIdentifier).
 */
export function xmlSigningCertificate(der: Uint8Array): XmlSigningCertificate | null {
  let c: ReturnType<typeof parseCertificate>;
  try {
    c = parseCertificate(der);
  } catch {
    return null;
  }
  const ou = c.subject.find((a) => a.oid === OID_OU);
  const party: XmlSigningParty | null = !ou
    ? null
    : attrText(ou) === '87'
      ? 'user'
      : attrText(ou) === '89' || attrText(ou) === '137'
        ? 'dsp'
        : null;
  const uid = c.subject.find((a) => a.oid === OID_X500_UNIQUE_IDENTIFIER);
  if (!party || !uid || uid.tag !== 0x03 || uid.value.length !== 9 || uid.value[0] !== 0) return null;
  if (c.spki.point.length !== 65) return null;
  return {
    serial: BigInt(`0x${c.serial}`),
    eui: Buffer.from(uid.value.subarray(1)).toString('hex'),
    party,
    publicKey: c.spki.point,
    issuerName: rfc2253Name(c.issuer),
    notBefore: c.notBefore.ms,
    notAfter: c.notAfter.ms,
    der,
  };
}

/**
 * Whether two X509IssuerName texts name the same issuer: RDNs compared in order, attribute types
 * case-insensitively, spaces around `,` and `=` ignored (`CN=Z1,OU=07` = `cn = Z1, OU=07`).
 */
export function sameIssuerName(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .split(/(?<!\\),/)
      .map((rdn) => {
        const i = rdn.indexOf('=');
        return i < 0 ? rdn.trim() : `${rdn.slice(0, i).trim().toUpperCase()}=${rdn.slice(i + 1).trim()}`;
      })
      .join(',');
  return norm(a) === norm(b);
}

export type CertificateCheck =
  | { ok: true; certificate: XmlSigningCertificate }
  | {
      ok: false;
      code: 'CERTIFICATE_UNKNOWN' | 'CERTIFICATE_NOT_ORIGINATOR' | 'CERTIFICATE_NOT_VALID';
      detail: string;
    };

/** The XML-signing certificates a DUIS service or client trusts, by serial. */
export class XmlSigningRegistry {
  readonly #bySerial = new Map<
    bigint,
    { cert: XmlSigningCertificate; status: (at: number) => CertificateStatus }
  >();

  /** Adds an XML-signing certificate (others are ignored). @returns whether it was added */
  add(der: Uint8Array, status: (at: number) => CertificateStatus = () => 'I'): boolean {
    const cert = xmlSigningCertificate(der);
    if (!cert || this.#bySerial.has(cert.serial)) return false;
    this.#bySerial.set(cert.serial, { cert, status });
    return true;
  }

  /** Every certificate of a keystore that is an XML-signing one (status In use). */
  addKeystore(ks: Keystore): this {
    for (const e of ks.entries) if (e.certificate) this.add(e.certificate);
    return this;
  }

  /** Every XML-signing certificate of the SMKI Repository, with its status at the asking date. */
  addRepository(repo: SmkiRepository): this {
    for (const r of repo.records) this.add(r.certificate, (at) => statusAt(r, at));
    return this;
  }

  bySerial(serial: bigint): XmlSigningCertificate | undefined {
    return this.#bySerial.get(serial)?.cert;
  }

  get size(): number {
    return this.#bySerial.size;
  }

  /**
   * The certificate that must have made a signature naming (`issuerName`, `serial`) — the
   * X509IssuerSerial; `issuerName` null: serial only — on a message from `originator`: known, of the
   * expected party, for that EUI, In use and within its validity at `at` (ms).
   */
  check(
    serial: bigint,
    issuerName: string | null,
    originator: Eui64,
    party: XmlSigningParty,
    at: number,
  ): CertificateCheck {
    const e = this.#bySerial.get(serial);
    if (!e || (issuerName !== null && !sameIssuerName(issuerName, e.cert.issuerName)))
      return {
        ok: false,
        code: 'CERTIFICATE_UNKNOWN',
        detail: `no XML-signing certificate with serial ${serial}${issuerName === null ? '' : ` issued by ${issuerName}`}`,
      };
    const c = e.cert;
    if (c.party !== party || c.eui !== originator)
      return {
        ok: false,
        code: 'CERTIFICATE_NOT_ORIGINATOR',
        detail: `certificate ${serial} is the ${c.party} XML-signing certificate of ${c.eui}, not the ${party} one of ${originator}`,
      };
    const status = e.status(at);
    if (status !== 'I')
      return {
        ok: false,
        code: 'CERTIFICATE_NOT_VALID',
        detail: `certificate ${serial} has status ${status}`,
      };
    if ((c.notBefore !== null && at < c.notBefore) || (c.notAfter !== null && at > c.notAfter))
      return {
        ok: false,
        code: 'CERTIFICATE_NOT_VALID',
        detail: `certificate ${serial} is not valid at this date`,
      };
    return { ok: true, certificate: c };
  }
}

/** DCC User Roles of Business Originators. */
export type UserRoles = (originator: Eui64) => readonly UserRole[];

const ROLES_OF_GBCS_ROLE: Readonly<Record<number, readonly UserRole[]>> = {
  2: ['IS', 'ES', 'GS'],
  3: ['ED', 'GT'],
  127: ['OU'],
};

/** User Roles derived from the keystore's GBCS organisation roles (module comment). */
export function userRolesFromKeystore(ks: Keystore): UserRoles {
  return (eui) => {
    const role = ks.roleOf(eui);
    return role === null ? [] : (ROLES_OF_GBCS_ROLE[role] ?? []);
  };
}

/** User Roles from an explicit table (EUI → roles); unknown EUIs have none. */
export function userRolesFromTable(table: ReadonlyMap<Eui64, readonly UserRole[]>): UserRoles {
  return (eui) => table.get(eui) ?? [];
}
