/**
 * Certificate validation as a device does it (GBCS 4.3.2 certificate rules; RFC 5280/5759 profile as
 * gbcs-wire-and-security.md §4 and smki-recovery-ch-domain.md §2.3 summarise them), reporting every
 * rule broken with a stable reason code.
 *
 * A lone certificate is checked against its profile (device, organisation or CA); when the issuer is
 * known (`issuers`), the signature, the issuer's name and key identifier, its CA status and path
 * length are checked too, up to a self-signed root when that is known as well. The ZAZ1 root "ZA"
 * and the RTDS device CA "E357" are not public: their certificates validate by profile alone.
 *
 * Time is checked only when `at` is given (a device checks validity periods only when it has a
 * reliable clock, GBCS CS02b `applyTimeBasedCPVChecks`): the published ZAZ1 organisation
 * certificates expired in 2025 and still pass a profile check.
 */
import { p256 } from '@noble/curves/nist.js';
import { equalBytes, toHex } from '../../protocol/bytes.ts';
import { createCrypto, type GbcsCrypto } from '../../protocol/crypto/index.ts';
import { DecodeError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { keyIdentifier } from './certificate.ts';
import { decodeApexContingencyKey } from './contingency.ts';
import { type KeyUsageName, oidOfContents } from './der-values.ts';
import {
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_BASIC_CONSTRAINTS,
  OID_CERTIFICATE_POLICIES,
  OID_CN,
  OID_EC_PUBLIC_KEY,
  OID_ECDSA_WITH_SHA256,
  OID_HARDWARE_MODULE_NAME,
  OID_KEY_USAGE,
  OID_OU,
  OID_P256,
  OID_SUBJECT_ALT_NAME,
  OID_SUBJECT_KEY_IDENTIFIER,
  OID_WRAPPED_APEX_CONTINGENCY_KEY,
  OID_X500_UNIQUE_IDENTIFIER,
  POLICY_DEVICE_TEST,
  POLICY_ORGANISATION_TEST,
} from './oids.ts';
import {
  certificateKeyUsage,
  formatName,
  type ParsedCertificate,
  parseCertificate,
  reencodesIdentically,
} from './parse.ts';
import { normaliseSerial } from './serial.ts';
import { type TestMarking, testMarking } from './test-marker.ts';
import { ecdsaDerToRaw, ecdsaSignatureIsMinimal, readOneTlv, readTlvs } from './tlv.ts';

/** Stable reason codes, one per rule. */
export const Reason = {
  NOT_A_CERTIFICATE: 'NOT_A_CERTIFICATE',
  /** An input directory holding no certificate file at all (`keys validate DIR`). */
  NO_CERTIFICATES: 'NO_CERTIFICATES',
  NOT_DER: 'NOT_DER',
  NOT_V3: 'NOT_V3',
  SERIAL_INVALID: 'SERIAL_INVALID',
  SIGNATURE_ALGORITHM: 'SIGNATURE_ALGORITHM',
  SIGNATURE_MALFORMED: 'SIGNATURE_MALFORMED',
  SIGNATURE_INTEGER_NOT_MINIMAL: 'SIGNATURE_INTEGER_NOT_MINIMAL',
  SIGNATURE_ALGORITHM_PARAMETERS: 'SIGNATURE_ALGORITHM_PARAMETERS',
  KEY_NOT_EC: 'KEY_NOT_EC',
  WRONG_CURVE: 'WRONG_CURVE',
  COMPRESSED_POINT: 'COMPRESSED_POINT',
  POINT_INVALID: 'POINT_INVALID',
  VALIDITY_ENCODING: 'VALIDITY_ENCODING',
  VALIDITY_ORDER: 'VALIDITY_ORDER',
  NOT_YET_VALID: 'NOT_YET_VALID',
  EXPIRED: 'EXPIRED',
  /** Revoked in the SMKI Repository consulted (`revocations`): status R (SEC L; the DCC Boxed SMKI service's statuses). */
  REVOKED: 'REVOKED',
  ISSUER_EMPTY: 'ISSUER_EMPTY',
  MULTI_VALUED_RDN: 'MULTI_VALUED_RDN',
  UNIQUE_IDS_PRESENT: 'UNIQUE_IDS_PRESENT',
  EXTENSIONS_MISSING: 'EXTENSIONS_MISSING',
  DUPLICATE_EXTENSION: 'DUPLICATE_EXTENSION',
  EXTENSION_MALFORMED: 'EXTENSION_MALFORMED',
  UNKNOWN_CRITICAL_EXTENSION: 'UNKNOWN_CRITICAL_EXTENSION',
  KEY_USAGE_MISSING: 'KEY_USAGE_MISSING',
  KEY_USAGE_NOT_CRITICAL: 'KEY_USAGE_NOT_CRITICAL',
  KEY_USAGE_NOT_SINGLE: 'KEY_USAGE_NOT_SINGLE',
  KEY_USAGE_NOT_DS_OR_KA: 'KEY_USAGE_NOT_DS_OR_KA',
  SKI_MISSING: 'SKI_MISSING',
  SKI_CRITICAL: 'SKI_CRITICAL',
  SKI_NOT_8_BYTES: 'SKI_NOT_8_BYTES',
  SKI_NOT_METHOD_2: 'SKI_NOT_METHOD_2',
  AKI_MISSING: 'AKI_MISSING',
  AKI_CRITICAL: 'AKI_CRITICAL',
  AKI_NOT_KEY_IDENTIFIER: 'AKI_NOT_KEY_IDENTIFIER',
  AKI_NOT_8_BYTES: 'AKI_NOT_8_BYTES',
  POLICIES_MISSING: 'POLICIES_MISSING',
  POLICIES_NOT_CRITICAL: 'POLICIES_NOT_CRITICAL',
  POLICY_NOT_SINGLE: 'POLICY_NOT_SINGLE',
  POLICY_WRONG: 'POLICY_WRONG',
  DEVICE_SUBJECT_NOT_EMPTY: 'DEVICE_SUBJECT_NOT_EMPTY',
  DEVICE_SAN_MISSING: 'DEVICE_SAN_MISSING',
  DEVICE_SAN_NOT_CRITICAL: 'DEVICE_SAN_NOT_CRITICAL',
  DEVICE_SAN_NOT_HARDWARE_MODULE_NAME: 'DEVICE_SAN_NOT_HARDWARE_MODULE_NAME',
  DEVICE_EUI_INVALID: 'DEVICE_EUI_INVALID',
  DEVICE_NOT_AFTER: 'DEVICE_NOT_AFTER',
  ORG_ROLE_MISSING: 'ORG_ROLE_MISSING',
  ORG_ROLE_INVALID: 'ORG_ROLE_INVALID',
  ORG_EUI_MISSING: 'ORG_EUI_MISSING',
  ORG_EUI_INVALID: 'ORG_EUI_INVALID',
  ORG_SAN_PRESENT: 'ORG_SAN_PRESENT',
  END_ENTITY_IS_CA: 'END_ENTITY_IS_CA',
  CA_BASIC_CONSTRAINTS: 'CA_BASIC_CONSTRAINTS',
  CA_KEY_USAGE: 'CA_KEY_USAGE',
  CONTINGENCY_KEY_MALFORMED: 'CONTINGENCY_KEY_MALFORMED',
  KIND_MISMATCH: 'KIND_MISMATCH',
  ISSUER_NOT_CA: 'ISSUER_NOT_CA',
  PATH_LENGTH_EXCEEDED: 'PATH_LENGTH_EXCEEDED',
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  ISSUER_NOT_YET_VALID: 'ISSUER_NOT_YET_VALID',
  ISSUER_EXPIRED: 'ISSUER_EXPIRED',
  /**
   * Not a rule: the certificate is a test certificate (a CA name marked TEST, as gbcs-sim's are, or
   * a CA of a published test PKI; sim/smki/test-marker.ts). Always a warning, never a failure, also with `strict`.
   */
  TEST_CERTIFICATE: 'TEST_CERTIFICATE',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export interface ValidationReason {
  code: Reason;
  message: string;
}

export type CertificateKind = 'device' | 'organisation' | 'ca';

/** Policy OIDs of the environment (GBCS: a single policy OID per environment and certificate policy). */
export interface PolicySet {
  organisation: readonly string[];
  device: readonly string[];
}

/**
 * The test environment's policies: ZAZ1 organisation certificates use 1.2.826.0.1.8641679.1.2.1.4;
 * device certificates use 1.2.826.0.1.1800000.1.2.1.4 (RTDS) or the organisation OID (DCC Boxed).
 */
export const TEST_POLICIES: PolicySet = {
  organisation: [POLICY_ORGANISATION_TEST],
  device: [POLICY_DEVICE_TEST, POLICY_ORGANISATION_TEST],
};

export interface ValidationOptions {
  /** Known CA certificates (DER, or an index of them): issuers are looked up by name and key identifier. */
  issuers?: readonly Uint8Array[] | IssuerIndex;
  /** Check validity periods at this instant (ms since epoch); none when absent. */
  at?: number;
  policies?: PolicySet;
  /** Report KIND_MISMATCH when the certificate is not of this kind. */
  expect?: CertificateKind;
  /** Treat the tolerated deviations (`warnings`) as failures. */
  strict?: boolean;
  crypto?: GbcsCrypto;
  /**
   * Revoked certificates of the SMKI Repositories consulted, by serial (normaliseSerial form):
   * a certificate among them is REVOKED from `revokedAt` (ms) on — at `at`, or whenever when no
   * `at` is given. `repository` names where it was revoked.
   */
  revocations?: ReadonlyMap<string, Revocation>;
}

/** One revocation in an SMKI Repository (status R). */
export interface Revocation {
  revokedAt: number;
  reason: string | null;
  repository: string;
}

export interface CertificateSummary {
  serial: string;
  subject: string;
  issuer: string;
  eui: Eui64 | null;
  usage: 'ds' | 'ka' | null;
  role: number | null;
  keyUsage: KeyUsageName[] | null;
  notBefore: string | null;
  notAfter: string | null;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  policies: string[];
  publicKey: string | null;
}

export type ChainStatus = 'verified' | 'self-signed' | 'partial' | 'issuer-unknown' | 'invalid';

export interface ValidationResult {
  ok: boolean;
  kind: CertificateKind | null;
  reasons: ValidationReason[];
  /**
   * Deviations that the published test PKIs themselves contain, tolerated unless `strict`
   * (SIGNATURE_INTEGER_NOT_MINIMAL, SIGNATURE_ALGORITHM_PARAMETERS, AKI_MISSING on an organisation
   * certificate): see `TOLERATED`; and TEST_CERTIFICATE, which `strict` leaves a warning.
   */
  warnings: ValidationReason[];
  summary: CertificateSummary | null;
  /** verified: signatures check up to a known self-signed root; partial: up to a known CA whose issuer is unknown. */
  chain: { status: ChainStatus; path: string[] };
  /** Why this is a test certificate (also reported as the warning TEST_CERTIFICATE); null when nothing says so. */
  test: TestMarking | null;
}

/**
 * Deviations found in the certificates DCC publishes for testing, reported as warnings rather than
 * failures (a device evidently accepts them):
 * - SIGNATURE_INTEGER_NOT_MINIMAL: an ECDSA-Sig-Value INTEGER with a superfluous 00 octet (RTDS
 *   keystore `00db123456789023-ka.pem`, `00db12345678909b-ds.pem`);
 * - SIGNATURE_ALGORITHM_PARAMETERS: ecdsa-with-SHA256 with NULL parameters, which RFC 5758 §3.2 says
 *   are absent (DCC Boxed keystore.json "mdr" certificates, issuer "Z99");
 * - AKI_MISSING on an organisation certificate (RTDS keystore `90b3d51f30010008-*.pem` Load
 *   Controller, DCC Boxed DUIS XML-signing certificates OU=87/89). Device and CA certificates
 *   without an AKI fail.
 */
export const TOLERATED: readonly Reason[] = [
  'SIGNATURE_INTEGER_NOT_MINIMAL',
  'SIGNATURE_ALGORITHM_PARAMETERS',
  'AKI_MISSING',
];

const ROLE_CODES = new Set([1, 2, 3, 4, 5, 6, 8, 0x7f, 0x87, 0x89]);
const KNOWN_EXTENSIONS = new Set([
  OID_KEY_USAGE,
  OID_SUBJECT_KEY_IDENTIFIER,
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_SUBJECT_ALT_NAME,
  OID_BASIC_CONSTRAINTS,
  OID_CERTIFICATE_POLICIES,
  OID_WRAPPED_APEX_CONTINGENCY_KEY,
]);
const P256_PARAMETERS = '06082a8648ce3d030107';
const td = new TextDecoder();

interface Extracted {
  keyUsage: KeyUsageName[] | null;
  ski: Uint8Array | null;
  aki: Uint8Array | null;
  policies: string[];
  ca: { cA: boolean; pathLen: number | null } | null;
  /** hwSerialNum of each otherName HardwareModuleName, and whether other names are present too. */
  san: { hardwareModuleNames: Uint8Array[]; others: number } | null;
  orgEui: Uint8Array | null | 'malformed';
  role: number | null | 'malformed';
}

function readBasicConstraints(v: Uint8Array): { cA: boolean; pathLen: number | null } {
  const seq = readOneTlv(v, 'basicConstraints');
  if (seq.tag !== 0x30) throw new DecodeError('BAD_VALUE', 0, 'basicConstraints is not a SEQUENCE');
  let cA = false;
  let pathLen: number | null = null;
  for (const t of readTlvs(seq.value, 'basicConstraints')) {
    if (t.tag === 0x01 && t.value.length === 1) cA = t.value[0] !== 0;
    else if (t.tag === 0x02 && t.value.length >= 1 && t.value.length <= 2)
      pathLen = Number.parseInt(toHex(t.value), 16);
    else throw new DecodeError('BAD_VALUE', 0, 'malformed basicConstraints');
  }
  return { cA, pathLen };
}

function readSan(v: Uint8Array): { hardwareModuleNames: Uint8Array[]; others: number } {
  const seq = readOneTlv(v, 'subjectAltName');
  if (seq.tag !== 0x30) throw new DecodeError('BAD_VALUE', 0, 'subjectAltName is not a SEQUENCE');
  const out: Uint8Array[] = [];
  let others = 0;
  for (const gn of readTlvs(seq.value, 'GeneralName')) {
    if (gn.tag !== 0xa0) {
      others++;
      continue;
    }
    const [typeId, explicit, ...rest] = readTlvs(gn.value, 'otherName');
    if (typeId?.tag !== 0x06 || !explicit || explicit.tag !== 0xa0 || rest.length > 0)
      throw new DecodeError('BAD_VALUE', 0, 'malformed otherName');
    if (oidOfContents(typeId.value) !== OID_HARDWARE_MODULE_NAME) {
      others++;
      continue;
    }
    const hmn = readOneTlv(explicit.value, 'HardwareModuleName');
    const [hwType, serial, ...more] = hmn.tag === 0x30 ? readTlvs(hmn.value, 'HardwareModuleName') : [];
    if (hwType?.tag !== 0x06 || !serial || serial.tag !== 0x04 || more.length > 0)
      throw new DecodeError('BAD_VALUE', 0, 'malformed HardwareModuleName');
    out.push(serial.value);
  }
  return { hardwareModuleNames: out, others };
}

function readPolicies(v: Uint8Array): string[] {
  const seq = readOneTlv(v, 'certificatePolicies');
  if (seq.tag !== 0x30) throw new DecodeError('BAD_VALUE', 0, 'certificatePolicies is not a SEQUENCE');
  return readTlvs(seq.value, 'PolicyInformation').map((pi) => {
    const [oid] = pi.tag === 0x30 ? readTlvs(pi.value, 'PolicyInformation') : [];
    if (oid?.tag !== 0x06) throw new DecodeError('BAD_VALUE', 0, 'malformed PolicyInformation');
    return oidOfContents(oid.value) ?? '?';
  });
}

function readAki(v: Uint8Array): { keyId: Uint8Array | null; otherForms: boolean } {
  const seq = readOneTlv(v, 'authorityKeyIdentifier');
  if (seq.tag !== 0x30) throw new DecodeError('BAD_VALUE', 0, 'authorityKeyIdentifier is not a SEQUENCE');
  let keyId: Uint8Array | null = null;
  let otherForms = false;
  for (const t of readTlvs(seq.value, 'authorityKeyIdentifier')) {
    if (t.tag === 0x80) keyId = t.value;
    else otherForms = true;
  }
  return { keyId, otherForms };
}

/** Remote Party Role of an organisation subject: OU of 2 hex digits. */
function roleOf(c: ParsedCertificate): number | null | 'malformed' {
  const ous = c.subject.filter((a) => a.oid === OID_OU);
  if (ous.length === 0) return null;
  const s = td.decode(ous[0]!.value);
  return ous.length === 1 && /^[0-9A-Fa-f]{2}$/.test(s) ? Number.parseInt(s, 16) : 'malformed';
}

function orgEuiOf(c: ParsedCertificate): Uint8Array | null | 'malformed' {
  const ids = c.subject.filter((a) => a.oid === OID_X500_UNIQUE_IDENTIFIER);
  if (ids.length === 0) return null;
  const v = ids[0]!;
  if (ids.length > 1 || v.tag !== 0x03 || v.value.length !== 9 || v.value[0] !== 0) return 'malformed';
  return v.value.subarray(1);
}

/** Reads a certificate's SMKI-relevant content; reasons for malformed extensions go to `add`. */
function extract(c: ParsedCertificate, add: (code: Reason, message: string) => void): Extracted {
  const out: Extracted = {
    keyUsage: null,
    ski: null,
    aki: null,
    policies: [],
    ca: null,
    san: null,
    orgEui: orgEuiOf(c),
    role: roleOf(c),
  };
  for (const e of c.extensions) {
    try {
      switch (e.oid) {
        case OID_KEY_USAGE:
          out.keyUsage = certificateKeyUsage(c, OID_KEY_USAGE);
          if (!out.keyUsage)
            throw new DecodeError('BAD_VALUE', 0, 'keyUsage is not a DER named-bit BIT STRING');
          break;
        case OID_SUBJECT_KEY_IDENTIFIER: {
          const t = readOneTlv(e.value, 'subjectKeyIdentifier');
          if (t.tag !== 0x04)
            throw new DecodeError('BAD_VALUE', 0, 'subjectKeyIdentifier is not an OCTET STRING');
          out.ski = t.value;
          break;
        }
        case OID_AUTHORITY_KEY_IDENTIFIER: {
          const a = readAki(e.value);
          if (a.otherForms || !a.keyId)
            add(
              Reason.AKI_NOT_KEY_IDENTIFIER,
              'authorityKeyIdentifier must hold only a keyIdentifier (GBCS 4.3.2)',
            );
          out.aki = a.keyId;
          break;
        }
        case OID_BASIC_CONSTRAINTS:
          out.ca = readBasicConstraints(e.value);
          break;
        case OID_SUBJECT_ALT_NAME:
          out.san = readSan(e.value);
          break;
        case OID_CERTIFICATE_POLICIES:
          out.policies = readPolicies(e.value);
          break;
        case OID_WRAPPED_APEX_CONTINGENCY_KEY:
          decodeApexContingencyKey(e.value);
          break;
      }
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      const code =
        e.oid === OID_WRAPPED_APEX_CONTINGENCY_KEY
          ? Reason.CONTINGENCY_KEY_MALFORMED
          : Reason.EXTENSION_MALFORMED;
      add(code, `extension ${e.oid}: ${err.message}`);
    }
  }
  return out;
}

/** The kind a certificate presents itself as: CA (cA or keyCertSign), device (SAN HardwareModuleName or empty subject), else organisation. */
function kindOf(c: ParsedCertificate, x: Extracted): CertificateKind {
  if (x.ca?.cA || x.keyUsage?.includes('keyCertSign')) return 'ca';
  if ((x.san && x.san.hardwareModuleNames.length > 0) || c.subject.length === 0) return 'device';
  return 'organisation';
}

const isoOf = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString().replace('.000Z', 'Z');

function summaryOf(c: ParsedCertificate, x: Extracted, kind: CertificateKind): CertificateSummary {
  const usage =
    x.keyUsage?.length === 1
      ? x.keyUsage[0] === 'digitalSignature'
        ? 'ds'
        : x.keyUsage[0] === 'keyAgreement'
          ? 'ka'
          : null
      : null;
  const hmn = x.san?.hardwareModuleNames[0];
  const eui =
    kind === 'device'
      ? hmn?.length === 8
        ? toHex(hmn)
        : null
      : x.orgEui instanceof Uint8Array
        ? toHex(x.orgEui)
        : null;
  return {
    serial: c.serial,
    subject: formatName(c.subject),
    issuer: formatName(c.issuer),
    eui,
    usage,
    role: kind === 'device' || typeof x.role !== 'number' ? null : x.role,
    keyUsage: x.keyUsage,
    notBefore: isoOf(c.notBefore.ms),
    notAfter: isoOf(c.notAfter.ms),
    subjectKeyId: x.ski ? toHex(x.ski) : null,
    authorityKeyId: x.aki ? toHex(x.aki) : null,
    policies: x.policies,
    publicKey: c.spki.point.length > 0 ? toHex(c.spki.point) : null,
  };
}

/** A known CA certificate, parsed once. */
interface IssuerEntry {
  parsed: ParsedCertificate;
  x: Extracted;
}

/** What the profile checks of one certificate look at, and where they report. */
interface ProfileContext {
  c: ParsedCertificate;
  x: Extracted;
  kind: CertificateKind;
  opts: ValidationOptions;
  add: (code: Reason, message: string) => void;
  warn: (code: Reason, message: string) => void;
}

/** Profile checks of one parsed certificate. */
function checkProfile(ctx: ProfileContext): void {
  checkEncoding(ctx);
  checkPublicKey(ctx);
  checkValidity(ctx);
  checkNames(ctx);
  checkExtensions(ctx);
  checkKindRules(ctx);
}

/** Encoding, version, serial number and signature algorithm and value. */
function checkEncoding(ctx: ProfileContext): void {
  const { c, add, warn } = ctx;
  if (!reencodesIdentically(c.der))
    add(Reason.NOT_DER, 'the certificate is not in DER (it does not re-encode identically)');
  if (c.version !== 2) add(Reason.NOT_V3, `version is v${c.version + 1}, GBCS requires X.509 v3`);
  if ((c.serialBytes[0]! & 0x80) !== 0 || c.serial === '00' || c.serialBytes.length > 17)
    add(
      Reason.SERIAL_INVALID,
      'serialNumber must be a positive integer of at most 16 octets (RFC 5280 §4.1.2.2)',
    );
  for (const [name, alg] of [
    ['signatureAlgorithm', c.signatureAlgorithm],
    ['tbsCertificate.signature', c.tbsSignatureAlgorithm],
  ] as const) {
    if (alg.oid !== OID_ECDSA_WITH_SHA256)
      add(Reason.SIGNATURE_ALGORITHM, `${name} is ${alg.oid ?? '?'}, GBCS requires ecdsa-with-SHA256`);
    else if (alg.hasParameters)
      warn(
        Reason.SIGNATURE_ALGORITHM_PARAMETERS,
        `${name} ecdsa-with-SHA256 has parameters (RFC 5758 §3.2: absent)`,
      );
  }
  if (!ecdsaDerToRaw(c.signature))
    add(Reason.SIGNATURE_MALFORMED, 'signatureValue is not a DER ECDSA-Sig-Value');
  else if (!ecdsaSignatureIsMinimal(c.signature))
    warn(
      Reason.SIGNATURE_INTEGER_NOT_MINIMAL,
      'signatureValue has an INTEGER with a superfluous leading zero octet',
    );
}

/** The subject public key: NIST P-256, an uncompressed point on the curve (GBCS 4.3.2). */
function checkPublicKey(ctx: ProfileContext): void {
  const { c, add } = ctx;
  if (c.spki.algorithm !== OID_EC_PUBLIC_KEY) {
    add(Reason.KEY_NOT_EC, `subject public key algorithm is ${c.spki.algorithm ?? '?'}, not id-ecPublicKey`);
  } else if (!c.spki.parametersDer || toHex(c.spki.parametersDer) !== P256_PARAMETERS) {
    const curve = c.spki.parametersDer?.[0] === 0x06 ? oidOfContents(c.spki.parametersDer.subarray(2)) : null;
    add(
      Reason.WRONG_CURVE,
      `public key is on curve ${curve ?? '(explicit or absent parameters)'}, GBCS requires P-256 (${OID_P256})`,
    );
  } else {
    const p = c.spki.point;
    if (c.spki.unusedBits !== 0) add(Reason.POINT_INVALID, 'subjectPublicKey BIT STRING has unused bits');
    else if (p.length === 33 && (p[0] === 2 || p[0] === 3))
      add(
        Reason.COMPRESSED_POINT,
        'public key is a compressed point, GBCS requires the uncompressed form (04‖X‖Y)',
      );
    else if (p.length !== 65 || p[0] !== 4)
      add(
        Reason.POINT_INVALID,
        `public key is not a 65-byte uncompressed point (${p.length} bytes, prefix ${p[0]})`,
      );
    else {
      try {
        p256.Point.fromBytes(p).assertValidity();
      } catch {
        add(Reason.POINT_INVALID, 'public key is not a point on P-256');
      }
    }
  }
}

/** The validity period: its encoding (RFC 5280 §4.1.2.5), its order and, with `opts.at`, the date. */
function checkValidity(ctx: ProfileContext): void {
  const { c, opts, add } = ctx;
  for (const [name, t] of [
    ['notBefore', c.notBefore],
    ['notAfter', c.notAfter],
  ] as const) {
    const year = t.ms === null ? null : new Date(t.ms).getUTCFullYear();
    if (t.ms === null || year === null || year < 2050 !== (t.tag === 0x17))
      add(
        Reason.VALIDITY_ENCODING,
        `${name} ${JSON.stringify(t.text)} is not UTCTime before 2050 / GeneralizedTime from 2050, YYMMDDHHMMSSZ (RFC 5280 §4.1.2.5)`,
      );
  }
  if (c.notBefore.ms !== null && c.notAfter.ms !== null && c.notBefore.ms > c.notAfter.ms)
    add(Reason.VALIDITY_ORDER, 'notBefore is after notAfter');
  if (opts.at !== undefined) {
    if (c.notBefore.ms !== null && opts.at < c.notBefore.ms)
      add(Reason.NOT_YET_VALID, `not valid before ${isoOf(c.notBefore.ms)} (checked at ${isoOf(opts.at)})`);
    if (c.notAfter.ms !== null && opts.at > c.notAfter.ms)
      add(Reason.EXPIRED, `expired at ${isoOf(c.notAfter.ms)} (checked at ${isoOf(opts.at)})`);
  }
}

/** Issuer and subject names, unique ids. */
function checkNames(ctx: ProfileContext): void {
  const { c, add } = ctx;
  if (c.issuer.length === 0) add(Reason.ISSUER_EMPTY, 'issuer name is empty');
  if (c.multiValuedRdn) add(Reason.MULTI_VALUED_RDN, 'a name has a multi-valued RDN');
  if (c.uniqueIds)
    add(Reason.UNIQUE_IDS_PRESENT, 'issuerUniqueID/subjectUniqueID must not be present (RFC 5280 §4.1.2.8)');
}

/** The extensions every certificate carries: no duplicates, keyUsage, subject and authority key identifiers, certificate policies (GBCS 4.3.2). */
function checkExtensions(ctx: ProfileContext): void {
  const { c, x, kind, opts, add, warn } = ctx;
  if (c.extensions.length === 0) add(Reason.EXTENSIONS_MISSING, 'no extensions');
  const seen = new Set<string>();
  for (const e of c.extensions) {
    if (seen.has(e.oid)) add(Reason.DUPLICATE_EXTENSION, `extension ${e.oid} appears twice`);
    seen.add(e.oid);
    if (e.explicitFalse)
      add(Reason.NOT_DER, `extension ${e.oid} encodes critical FALSE (DER omits a DEFAULT value)`);
    if (e.critical && !KNOWN_EXTENSIONS.has(e.oid))
      add(Reason.UNKNOWN_CRITICAL_EXTENSION, `unrecognised critical extension ${e.oid}`);
  }
  const ku = c.extensions.find((e) => e.oid === OID_KEY_USAGE);
  if (!ku) add(Reason.KEY_USAGE_MISSING, 'keyUsage is missing (GBCS 4.3.2: present and critical)');
  else if (!ku.critical) add(Reason.KEY_USAGE_NOT_CRITICAL, 'keyUsage must be critical');
  const ski = c.extensions.find((e) => e.oid === OID_SUBJECT_KEY_IDENTIFIER);
  if (!ski) add(Reason.SKI_MISSING, 'subjectKeyIdentifier is missing');
  else {
    if (ski.critical) add(Reason.SKI_CRITICAL, 'subjectKeyIdentifier must be non-critical');
    if (x.ski && x.ski.length !== 8)
      add(Reason.SKI_NOT_8_BYTES, `subjectKeyIdentifier has ${x.ski.length} octets, GBCS requires 8`);
    else if (x.ski && c.spki.point.length > 0 && !equalBytes(x.ski, keyIdentifier(c.spki.point)))
      add(
        Reason.SKI_NOT_METHOD_2,
        'subjectKeyIdentifier is not the RFC 5280 §4.2.1.2 method 2 identifier of the key',
      );
  }
  const selfIssued = equalBytes(c.issuerDer, c.subjectDer);
  const aki = c.extensions.find((e) => e.oid === OID_AUTHORITY_KEY_IDENTIFIER);
  if (!aki) {
    if (!selfIssued)
      (kind === 'organisation' ? warn : add)(
        Reason.AKI_MISSING,
        'authorityKeyIdentifier is missing (required except on the self-signed root)',
      );
  } else {
    if (aki.critical) add(Reason.AKI_CRITICAL, 'authorityKeyIdentifier must be non-critical');
    if (x.aki && x.aki.length !== 8)
      add(Reason.AKI_NOT_8_BYTES, `authorityKeyIdentifier has ${x.aki.length} octets, GBCS requires 8`);
  }
  const pol = c.extensions.find((e) => e.oid === OID_CERTIFICATE_POLICIES);
  const policies = opts.policies ?? TEST_POLICIES;
  const allowed =
    kind === 'device'
      ? policies.device
      : kind === 'organisation'
        ? policies.organisation
        : [...policies.organisation, ...policies.device];
  if (!pol) add(Reason.POLICIES_MISSING, 'certificatePolicies is missing (GBCS 4.3.2: present and critical)');
  else {
    if (!pol.critical) add(Reason.POLICIES_NOT_CRITICAL, 'certificatePolicies must be critical');
    if (x.policies.length !== 1)
      add(Reason.POLICY_NOT_SINGLE, `${x.policies.length} policies, GBCS requires exactly one`);
    for (const p of x.policies)
      if (!allowed.includes(p))
        add(
          Reason.POLICY_WRONG,
          `policy ${p} is not a ${kind} policy of this environment (${allowed.join(', ')})`,
        );
  }
}

/** Rules of the certificate's kind: device (empty subject, HardwareModuleName, notAfter 9999), organisation (Remote Party Role, Entity Identifier), CA (basicConstraints, keyUsage). */
function checkKindRules(ctx: ProfileContext): void {
  const { c, x, kind, opts, add } = ctx;
  const usages = x.keyUsage ?? [];
  if (kind !== 'ca') {
    // basicConstraints cA FALSE is tolerated (DCC Boxed "otherUser" certificates carry it, critical).
    if (x.keyUsage) {
      if (usages.length !== 1)
        add(
          Reason.KEY_USAGE_NOT_SINGLE,
          `keyUsage has ${usages.length} usages (${usages.join(', ')}), exactly one of digitalSignature or keyAgreement is allowed`,
        );
      else if (usages[0] !== 'digitalSignature' && usages[0] !== 'keyAgreement')
        add(
          Reason.KEY_USAGE_NOT_DS_OR_KA,
          `keyUsage is ${usages[0]}, must be digitalSignature or keyAgreement`,
        );
    }
  }
  if (kind === 'device') {
    if (c.subject.length > 0)
      add(
        Reason.DEVICE_SUBJECT_NOT_EMPTY,
        `device certificate subject must be empty, is "${formatName(c.subject)}"`,
      );
    const san = c.extensions.find((e) => e.oid === OID_SUBJECT_ALT_NAME);
    if (!san) add(Reason.DEVICE_SAN_MISSING, 'device certificate has no subjectAltName HardwareModuleName');
    else {
      if (!san.critical)
        add(
          Reason.DEVICE_SAN_NOT_CRITICAL,
          'device certificate subjectAltName must be critical (its subject is empty)',
        );
      if (x.san && (x.san.hardwareModuleNames.length !== 1 || x.san.others > 0))
        add(
          Reason.DEVICE_SAN_NOT_HARDWARE_MODULE_NAME,
          'subjectAltName must be exactly one otherName HardwareModuleName',
        );
      const hw = x.san?.hardwareModuleNames[0];
      if (hw && hw.length !== 8)
        add(
          Reason.DEVICE_EUI_INVALID,
          `hwSerialNum has ${hw.length} octets, must be the 8-octet Entity Identifier`,
        );
    }
    if (c.notAfter.ms !== Date.UTC(9999, 11, 31, 23, 59, 59) || c.notAfter.tag !== 0x18)
      add(
        Reason.DEVICE_NOT_AFTER,
        `device certificate notAfter is ${JSON.stringify(c.notAfter.text)}, GBCS requires 99991231235959Z`,
      );
  } else if (kind === 'organisation') {
    if (x.role === null) add(Reason.ORG_ROLE_MISSING, 'subject has no OU carrying the Remote Party Role');
    else if (x.role === 'malformed' || !ROLE_CODES.has(x.role))
      add(
        Reason.ORG_ROLE_INVALID,
        `subject OU is not a Remote Party Role of an organisation (2 hex digits: 01–06, 08, 7F, 87, 89)`,
      );
    if (x.orgEui === null)
      add(Reason.ORG_EUI_MISSING, 'subject has no x500UniqueIdentifier carrying the Entity Identifier');
    else if (x.orgEui === 'malformed')
      add(
        Reason.ORG_EUI_INVALID,
        'x500UniqueIdentifier must be a BIT STRING of the 8-octet Entity Identifier',
      );
    if (c.extensions.some((e) => e.oid === OID_SUBJECT_ALT_NAME))
      add(Reason.ORG_SAN_PRESENT, 'organisation certificates carry no subjectAltName');
  } else {
    const bc = c.extensions.find((e) => e.oid === OID_BASIC_CONSTRAINTS);
    if (!bc?.critical || !x.ca?.cA)
      add(Reason.CA_BASIC_CONSTRAINTS, 'CA certificate needs critical basicConstraints cA TRUE');
    if (!usages.includes('keyCertSign') || usages.some((u) => u !== 'keyCertSign' && u !== 'cRLSign'))
      add(
        Reason.CA_KEY_USAGE,
        `CA keyUsage must be keyCertSign (with optional cRLSign), is ${usages.join(', ') || 'empty'}`,
      );
  }
  if (opts.expect && opts.expect !== kind)
    add(Reason.KIND_MISMATCH, `expected a ${opts.expect} certificate, this is a ${kind} certificate`);
}

/** Verifies `c`'s signature with `issuerPoint`. */
function signatureValid(crypto: GbcsCrypto, c: ParsedCertificate, issuerPoint: Uint8Array): boolean {
  const raw = ecdsaDerToRaw(c.signature);
  return raw !== null && crypto.verify(issuerPoint, c.tbs, raw);
}

/** A set of known (CA) certificates, indexed for issuer look-up. */
export class IssuerIndex {
  readonly #entries: IssuerEntry[] = [];

  constructor(certificates: Iterable<Uint8Array> = []) {
    for (const der of certificates) this.add(der);
  }

  /**
   * Adds a certificate (ignored unless it parses). Non-CA certificates are kept too, so that a
   * certificate naming one of them as its issuer is reported ISSUER_NOT_CA rather than unknown.
   */
  add(der: Uint8Array): void {
    try {
      const parsed = parseCertificate(der);
      const x = extract(parsed, () => {});
      if (!this.#entries.some((e) => equalBytes(e.parsed.der, der))) this.#entries.push({ parsed, x });
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  }

  /** The CA that issued `c`: subject equal to c's issuer and (when c has an AKI) SKI equal to it. */
  issuerOf(c: ParsedCertificate, aki: Uint8Array | null): IssuerEntry | undefined {
    return this.#entries.find(
      (e) =>
        equalBytes(e.parsed.subjectDer, c.issuerDer) &&
        (aki === null || (e.x.ski !== null && equalBytes(e.x.ski, aki))),
    );
  }

  get certificates(): Uint8Array[] {
    return this.#entries.map((e) => e.parsed.der);
  }
}

/**
 * Validates one certificate (DER) as a device would: every profile rule broken is a reason; with
 * known issuers the chain is checked as far as it goes.
 */
export function validateCertificate(der: Uint8Array, opts: ValidationOptions = {}): ValidationResult {
  const reasons: ValidationReason[] = [];
  const warnings: ValidationReason[] = [];
  const push = (list: ValidationReason[], code: Reason, message: string) => {
    if (!list.some((r) => r.code === code && r.message === message)) list.push({ code, message });
  };
  const add = (code: Reason, message: string) => push(reasons, code, message);
  const warn = (code: Reason, message: string) => push(opts.strict ? reasons : warnings, code, message);
  let c: ParsedCertificate;
  try {
    c = parseCertificate(der);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return {
      ok: false,
      kind: null,
      reasons: [{ code: Reason.NOT_A_CERTIFICATE, message: `not a DER X.509 certificate: ${e.message}` }],
      warnings: [],
      summary: null,
      chain: { status: 'invalid', path: [] },
      test: null,
    };
  }
  const x = extract(c, add);
  const kind = kindOf(c, x);
  checkProfile({ c, x, kind, opts, add, warn });

  const crypto = opts.crypto ?? createCrypto('noble');
  const index = opts.issuers instanceof IssuerIndex ? opts.issuers : new IssuerIndex(opts.issuers ?? []);
  const chain = checkChain(c, x, kind, index, crypto, add, opts.at);
  const summary = summaryOf(c, x, kind);
  const revoked = opts.revocations?.get(normaliseSerial(summary.serial) ?? '');
  if (revoked && (opts.at === undefined || opts.at >= revoked.revokedAt))
    add(
      Reason.REVOKED,
      `revoked at ${isoOf(revoked.revokedAt)} in ${revoked.repository}${revoked.reason ? ` (${revoked.reason})` : ''}`,
    );
  const test = testMarkingOf(c, summary, kind);
  // Information, not a deviation: a warning even when strict.
  if (test) warnings.push({ code: Reason.TEST_CERTIFICATE, message: test.message });
  return { ok: reasons.length === 0, kind, reasons, warnings, summary, chain, test };
}

const commonNames = (name: ParsedCertificate['subject']): string[] =>
  name.filter((a) => a.oid === OID_CN).map((a) => td.decode(a.value));

const testMarkingOf = (c: ParsedCertificate, s: CertificateSummary, kind: CertificateKind) =>
  testMarking({
    issuer: s.issuer,
    issuerCommonNames: commonNames(c.issuer),
    subjectCommonNames: commonNames(c.subject),
    authorityKeyId: s.authorityKeyId,
    subjectKeyId: s.subjectKeyId,
    isCa: kind === 'ca',
  });

/**
 * Why a certificate (DER) is a test certificate — a CA name marked TEST (gbcs-sim's) or a CA of a
 * published test PKI (sim/smki/test-marker.ts) — without validating it; null when nothing says so or it does
 * not parse.
 */
export function certificateTestMarking(der: Uint8Array): TestMarking | null {
  let c: ParsedCertificate;
  try {
    c = parseCertificate(der);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return null;
  }
  const x = extract(c, () => {});
  const kind = kindOf(c, x);
  return testMarkingOf(c, summaryOf(c, x, kind), kind);
}

function checkChain(
  c: ParsedCertificate,
  x: Extracted,
  kind: CertificateKind,
  index: IssuerIndex,
  crypto: GbcsCrypto,
  add: (code: Reason, message: string) => void,
  at: number | undefined,
): { status: ChainStatus; path: string[] } {
  let outOfPeriod = false;
  /** With `at`, every CA certificate of the path must be valid at that instant too (RFC 5280 §6.1.3 (a)(2)). */
  const inPeriod = (ca: ParsedCertificate): void => {
    if (at === undefined) return;
    const name = formatName(ca.subject);
    if (ca.notBefore.ms !== null && at < ca.notBefore.ms) {
      outOfPeriod = true;
      add(
        Reason.ISSUER_NOT_YET_VALID,
        `issuer "${name}" is not valid before ${isoOf(ca.notBefore.ms)} (checked at ${isoOf(at)})`,
      );
    }
    if (ca.notAfter.ms !== null && at > ca.notAfter.ms) {
      outOfPeriod = true;
      add(
        Reason.ISSUER_EXPIRED,
        `issuer "${name}" expired at ${isoOf(ca.notAfter.ms)} (checked at ${isoOf(at)})`,
      );
    }
  };
  const path = [formatName(c.subject) || `(device ${c.serial})`];
  if (
    equalBytes(c.issuerDer, c.subjectDer) &&
    (x.aki === null || (x.ski !== null && equalBytes(x.aki, x.ski)))
  ) {
    if (!signatureValid(crypto, c, c.spki.point)) {
      add(Reason.SIGNATURE_INVALID, 'self-signature does not verify');
      return { status: 'invalid', path };
    }
    return { status: 'self-signed', path };
  }
  let child = c;
  let childX = x;
  for (let depth = 0; depth < 8; depth++) {
    const issuer = index.issuerOf(child, childX.aki);
    if (!issuer)
      return { status: outOfPeriod ? 'invalid' : depth === 0 ? 'issuer-unknown' : 'partial', path };
    path.push(formatName(issuer.parsed.subject));
    const who = depth === 0 ? 'the certificate' : `"${formatName(child.subject)}"`;
    if (!signatureValid(crypto, child, issuer.parsed.spki.point)) {
      add(
        Reason.SIGNATURE_INVALID,
        `signature of ${who} does not verify with the key of "${formatName(issuer.parsed.subject)}"`,
      );
      return { status: 'invalid', path };
    }
    if (!issuer.x.ca?.cA || !issuer.x.keyUsage?.includes('keyCertSign')) {
      add(
        Reason.ISSUER_NOT_CA,
        `issuer "${formatName(issuer.parsed.subject)}" is not a CA (basicConstraints cA, keyCertSign)`,
      );
      return { status: 'invalid', path };
    }
    // pathLenConstraint bounds the CA certificates between the issuer and the end of the path (RFC 5280 §4.2.1.9).
    const intermediatesBelow = depth + (kind === 'ca' ? 1 : 0);
    if (issuer.x.ca.pathLen !== null && issuer.x.ca.pathLen < intermediatesBelow) {
      add(
        Reason.PATH_LENGTH_EXCEEDED,
        `"${formatName(issuer.parsed.subject)}" has pathLenConstraint ${issuer.x.ca.pathLen}`,
      );
      return { status: 'invalid', path };
    }
    inPeriod(issuer.parsed);
    if (equalBytes(issuer.parsed.issuerDer, issuer.parsed.subjectDer))
      return { status: outOfPeriod ? 'invalid' : 'verified', path };
    child = issuer.parsed;
    childX = issuer.x;
  }
  return { status: outOfPeriod ? 'invalid' : 'partial', path };
}
