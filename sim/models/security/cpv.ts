/**
 * Certification Path Validation of a trust-anchor replacement (CS02b / CS02g), as a device does it
 * (smki-recovery-ch-domain.md §2.7 step 4; RTDS 4.5.0 6.15.1 CS02bSupplierBySupplier IMMEDIATE_ERROR,
 * whose KA replacement certificate is issued by a CA absent from the certification path and is
 * answered "noTrustAnchor"):
 *
 * 1. the replacement certificate parses, holds a P-256 key, and its profile matches the target
 *    cell: an Organisation certificate whose OU is the target Remote Party Role (any organisation
 *    for a Load Controller cell) and whose key usage is the target's (digitalSignature /
 *    keyAgreement), or for the Root cell a self-signed CA certificate — else `badCertificate` (5);
 * 2. its issuer (Authority Key Identifier) is a CA certificate of the command's certification path
 *    (or, for a Root certificate, itself) — else `noTrustAnchor` (10); the issuer's signature over
 *    the TBSCertificate verifies — else `badCertificate`;
 * 3. that CA certificate is issued by the Root the device holds (its cell's key identifier) and
 *    verifies against the Root key — else `noTrustAnchor`. A device provisioned without a Root cell
 *    (replay of published test data: the RTDS Root key is not public) skips this step;
 * 4. time-based checks, when the device applies them and the command does not disapply them:
 *    neither certificate has expired at the device's time. Devices do not apply them by default:
 *    RTDS devices accept certificates valid from 2016 at 2015-01-01 (6.15.1 IMMEDIATE) and
 *    certificates that expired in 2026 at 2030-01-15 (6.15.1 FUTURE_DATED outcome alerts) [I].
 *
 * Subject Key Identifiers follow RFC 5280 §4.2.1.2 method 2 (0100 ‖ low 60 bits of SHA-1 of the
 * public key), as every SMKI certificate of the RTDS keystore and commands does.
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  Certificate,
  id_ce_authorityKeyIdentifier,
  id_ce_subjectKeyIdentifier,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import type { TrustAnchorCellIdentifier } from '../../../protocol/asn1/gbcs-types.ts';
import { decodeGbcsDer, rawTlv, StatusCode } from '../../../protocol/asn1/gbcs-types.ts';
import { equalBytes, toHex } from '../../../protocol/bytes.ts';
import type { GbcsCrypto } from '../../../protocol/crypto/index.ts';
import type { Eui64 } from '../../../protocol/types.ts';
import { type CertificateInfo, certificateInfo } from '../../smki/certificate-info.ts';
import { decodeApexContingencyKey } from '../../smki/contingency.ts';
import { OID_WRAPPED_APEX_CONTINGENCY_KEY } from '../../smki/oids.ts';
import { extensionOf, parseCertificate } from '../../smki/parse.ts';

const u8 = (b: ArrayBuffer | ArrayBufferView): Uint8Array =>
  b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** RFC 5280 method 2 key identifier of a public key (65-byte point): 0100 ‖ SHA-1(key)[low 60 bits]. */
export function subjectKeyIdentifierOf(publicKey: Uint8Array): Uint8Array {
  const id = sha1(publicKey).slice(12);
  id[0] = (id[0]! & 0x0f) | 0x40;
  return id;
}

/** What CPV needs of a certificate. */
export interface ParsedCertificate {
  info: CertificateInfo;
  subjectKeyIdentifier: Uint8Array;
  authorityKeyIdentifier: Uint8Array | null;
  notAfter: number;
  /** DER of the TBSCertificate, the signed bytes. */
  tbs: Uint8Array;
  /** The issuer's ECDSA signature as r ‖ s (64 bytes), or null when not an ECDSA P-256 value. */
  signature: Uint8Array | null;
  selfIssued: boolean;
}

/** ECDSA-Sig-Value DER → r ‖ s (32 bytes each), or null. */
function rawSignature(der: Uint8Array): Uint8Array | null {
  if (der[0] !== 0x30 || der.length < 8) return null;
  const out = new Uint8Array(64);
  let p = 2;
  if (der[1]! & 0x80) p = 2 + (der[1]! & 0x7f);
  for (let k = 0; k < 2; k++) {
    if (der[p] !== 0x02) return null;
    const len = der[p + 1]!;
    let v = der.subarray(p + 2, p + 2 + len);
    if (v.length !== len) return null;
    while (v.length > 32 && v[0] === 0) v = v.subarray(1);
    if (v.length > 32) return null;
    out.set(v, 32 * k + 32 - v.length);
    p += 2 + len;
  }
  return out;
}

/** Parses a certificate for CPV, or null when it is not a usable SMKI certificate. */
export function parseCertificateForCpv(der: Uint8Array): ParsedCertificate | null {
  let info: CertificateInfo;
  let cert: Certificate;
  try {
    info = certificateInfo(der);
    cert = AsnConvert.parse(der, Certificate);
  } catch {
    return null;
  }
  let ski: Uint8Array | null = null;
  let aki: Uint8Array | null = null;
  try {
    for (const ext of cert.tbsCertificate.extensions ?? []) {
      if (ext.extnID === id_ce_subjectKeyIdentifier)
        ski = u8(AsnConvert.parse(ext.extnValue.buffer, SubjectKeyIdentifier).buffer);
      if (ext.extnID === id_ce_authorityKeyIdentifier) {
        const k = AsnConvert.parse(ext.extnValue.buffer, AuthorityKeyIdentifier).keyIdentifier;
        if (k) aki = u8(k.buffer);
      }
    }
  } catch {
    return null;
  }
  // The signed bytes as they came (a re-encoding could differ from the signed one). Any content
  // @peculiar/asn1-schema parsed but cannot re-encode (an unusual subject or issuer name) or whose
  // validity is not a date makes the certificate unusable, never an exception.
  try {
    const outer = decodeGbcsDer(der);
    const tbs = rawTlv(der, outer.children![0]!);
    const subject = u8(AsnConvert.serialize(cert.tbsCertificate.subject));
    const issuer = u8(AsnConvert.serialize(cert.tbsCertificate.issuer));
    const notAfter = cert.tbsCertificate.validity.notAfter.getTime().getTime();
    if (!Number.isFinite(notAfter)) return null;
    return {
      info,
      subjectKeyIdentifier: ski ?? subjectKeyIdentifierOf(info.publicKey),
      authorityKeyIdentifier: aki,
      notAfter,
      tbs,
      signature: rawSignature(u8(cert.signatureValue)),
      selfIssued: equalBytes(subject, issuer),
    };
  } catch {
    return null;
  }
}

/**
 * Certificates parsed recently, by their DER bytes (parsing is a pure function of them): during a
 * recovery or a fleet-wide credential flow the same few Organisation and CA certificates reach
 * every device, and parsing them with @peculiar/asn1-schema was most of a CS02b's cost. Bounded
 * (FIFO); entries are never changed by their users.
 */
const PARSED = new Map<string, ParsedCertificate | null>();
const PARSED_LIMIT = 4096;
/** Issuer-signature verdicts per crypto back-end, by certificate and issuer key (verify is pure). */
const VERIFIED = new WeakMap<GbcsCrypto, Map<string, boolean>>();

function parsedOnce(der: Uint8Array): { key: string; cert: ParsedCertificate | null } {
  const key = toHex(der);
  let cert = PARSED.get(key);
  if (cert === undefined) {
    cert = parseCertificateForCpv(der);
    if (PARSED.size >= PARSED_LIMIT) PARSED.delete(PARSED.keys().next().value!);
    PARSED.set(key, cert);
  }
  return { key, cert };
}

/** Whether `issuerKey` signed the parsed certificate (cached per back-end). */
function signedBy(
  crypto: GbcsCrypto,
  certKey: string,
  cert: ParsedCertificate,
  issuerKey: Uint8Array,
): boolean {
  if (!cert.signature) return false;
  let m = VERIFIED.get(crypto);
  if (!m) {
    m = new Map();
    VERIFIED.set(crypto, m);
  }
  const k = `${certKey}|${toHex(issuerKey)}`;
  let v = m.get(k);
  if (v === undefined) {
    v = crypto.verify(issuerKey, cert.tbs, cert.signature);
    if (m.size >= PARSED_LIMIT) m.delete(m.keys().next().value!);
    m.set(k, v);
  }
  return v;
}

/** The Root a device holds: its key and key identifier. */
export interface RootAnchor {
  publicKey: Uint8Array;
  subjectKeyIdentifier: Uint8Array;
}

export interface CpvInput {
  crypto: GbcsCrypto;
  replacement: Uint8Array;
  target: TrustAnchorCellIdentifier;
  certificationPath: readonly Uint8Array[];
  root: RootAnchor | null;
  /** Device time, ms. */
  now: number;
  applyTimeChecks: boolean;
}

export type CpvResult =
  | {
      status: 0;
      subjectUniqueId: Eui64;
      subjectKeyIdentifier: Uint8Array;
      publicKey: Uint8Array;
      /** A Root certificate's wrapped Contingency Public Key (RFC 5934 extension), when it has one. */
      wrappedContingencyKey?: Uint8Array;
    }
  | { status: number; reason: string };

/** The wrapped Contingency Public Key a (Root OCA) certificate carries, or undefined. Never throws. */
export function wrappedContingencyKeyOf(der: Uint8Array): Uint8Array | undefined {
  try {
    const ext = extensionOf(parseCertificate(der), OID_WRAPPED_APEX_CONTINGENCY_KEY);
    return ext ? decodeApexContingencyKey(ext.value).wrapped : undefined;
  } catch {
    return undefined;
  }
}

const ZERO_EUI = '0000000000000000';
const LOAD_CONTROLLER = 8;

/** Validates a replacement certificate for a target cell. `status` is a CS02b StatusCode. */
export function validateReplacement(x: CpvInput): CpvResult {
  const bad = (reason: string) => ({ status: StatusCode.BAD_CERTIFICATE, reason });
  const noAnchor = (reason: string) => ({ status: StatusCode.NO_TRUST_ANCHOR, reason });
  const { key: certKey, cert } = parsedOnce(x.replacement);
  if (!cert) return bad('not an SMKI certificate with a P-256 key');
  const { info } = cert;
  const isRoot = x.target.role === 0;
  if (isRoot) {
    if (info.kind !== 'ca' || !cert.selfIssued)
      return bad('the Root cell takes a self-signed CA certificate');
  } else {
    if (info.kind !== 'organisation')
      return bad(`a ${info.kind} certificate cannot fill a Remote Party cell`);
    // Load Controller cells take the certificate of the organisation acting as Load Controller,
    // which may be a Supplier (RTDS 6.15.1 CS02gLoadControllerBySupplier: OU=02 certificates).
    if (info.role !== x.target.role && x.target.role !== LOAD_CONTROLLER)
      return bad(`certificate role ${info.role} is not the cell's role ${x.target.role}`);
    if (info.usage !== x.target.keyUsage)
      return bad(`certificate key usage ${info.usage} is not ${x.target.keyUsage}`);
    if (info.eui === null) return bad('no subject unique identifier');
  }
  if (x.applyTimeChecks && cert.notAfter < x.now) return bad('certificate has expired');

  // The issuing CA: from the certification path (a Root certificate issues itself).
  let issuer: ParsedCertificate | null = null;
  let issuerKey = certKey;
  if (isRoot) issuer = cert;
  else {
    for (const der of x.certificationPath) {
      const { key: caKey, cert: ca } = parsedOnce(der);
      if (
        ca &&
        ca.info.kind === 'ca' &&
        cert.authorityKeyIdentifier &&
        equalBytes(ca.subjectKeyIdentifier, cert.authorityKeyIdentifier)
      ) {
        issuer = ca;
        issuerKey = caKey;
        break;
      }
    }
  }
  if (!issuer) return noAnchor('the issuing CA is not in the certification path');
  if (!signedBy(x.crypto, certKey, cert, issuer.info.publicKey))
    return bad('the issuer signature does not verify');
  if (x.applyTimeChecks && issuer.notAfter < x.now) return bad('the issuing CA certificate has expired');
  if (!isRoot && x.root) {
    if (
      !issuer.authorityKeyIdentifier ||
      !equalBytes(issuer.authorityKeyIdentifier, x.root.subjectKeyIdentifier)
    )
      return noAnchor('the issuing CA is not issued by the Root the device holds');
    if (!signedBy(x.crypto, issuerKey, issuer, x.root.publicKey))
      return noAnchor('the issuing CA signature does not verify with the Root key');
  }
  const wrapped = isRoot ? wrappedContingencyKeyOf(x.replacement) : undefined;
  return {
    status: StatusCode.SUCCESS,
    subjectUniqueId: isRoot ? ZERO_EUI : info.eui!,
    subjectKeyIdentifier: cert.subjectKeyIdentifier,
    publicKey: info.publicKey,
    ...(wrapped ? { wrappedContingencyKey: wrapped } : {}),
  };
}
