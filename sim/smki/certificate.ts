/**
 * Building SMKI X.509 certificates (gbcs-wire-and-security.md §4; GBCS 4.3.2 / SEC Appendix A
 * Organisation and Device Certificate Policies as the ZAZ1 test certificates show them).
 *
 * A certificate is described by a `CertificateSpec` — plain data whose extensions are an ordered list
 * of (OID, critical, DER value) — and signed with ECDSA P-256 / SHA-256. Profile helpers
 * (`organisationExtensions`, `deviceExtensions`, `caExtensions`) give the GBCS profiles; tests edit
 * specs to build the negative corpus (a certificate that breaks exactly one rule).
 *
 * Structures are encoded with @peculiar/asn1-x509; extension values with der-values.ts.
 */
import { createHash } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Extension,
  Extensions,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Time,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { derTlv } from '../../protocol/asn1/der.ts';
import { concatBytes } from '../../protocol/bytes.ts';
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import {
  derBitString,
  derBoolean,
  derKeyUsage,
  derOctetString,
  derOid,
  derSequence,
  type KeyUsageName,
} from './der-values.ts';
import {
  HW_TYPE_DEVICE,
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
  OID_X500_UNIQUE_IDENTIFIER,
} from './oids.ts';
import { ecdsaRawToDer } from './tlv.ts';

const ab = (u: Uint8Array): ArrayBuffer => u.slice().buffer as ArrayBuffer;

/** One attribute of a distinguished name. `printable`/`utf8` strings, or a raw DER value (`der`). */
export type NameAttribute =
  | { type: string; printable: string }
  | { type: string; utf8: string }
  | { type: string; der: Uint8Array };

/** A distinguished name: RDNs in order, each one attribute (as every SMKI name is). */
export type DistinguishedName = NameAttribute[];

export interface ExtensionSpec {
  oid: string;
  critical: boolean;
  /** DER of the extension value (the contents of extnValue). */
  value: Uint8Array;
}

export interface CertificateSpec {
  /** Serial number: big-endian magnitude (a 0x00 is prefixed when the top bit is set). */
  serial: Uint8Array;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  /** Milliseconds since the epoch, whole seconds; UTCTime before 2050, else GeneralizedTime (RFC 5280 §4.1.2.5). */
  notBefore: number;
  notAfter: number;
  /** DER SubjectPublicKeyInfo (`subjectPublicKeyInfo(point)` for P-256). */
  spki: Uint8Array;
  extensions: ExtensionSpec[];
  /** Default ecdsa-with-SHA256. */
  signatureAlgorithm?: string;
}

/** notAfter of every Device Certificate: 99991231235959Z, "no well-defined expiry" (GBCS 4.3.2, RFC 5280 §4.1.2.5). */
export const DEVICE_NOT_AFTER = Date.UTC(9999, 11, 31, 23, 59, 59);

/** DER SubjectPublicKeyInfo of a P-256 point (or of any point bytes and curve, for the negative corpus). */
export function subjectPublicKeyInfo(point: Uint8Array, curveOid: string = OID_P256): Uint8Array {
  return derSequence(derSequence(derOid(OID_EC_PUBLIC_KEY), derOid(curveOid)), derBitString(point));
}

/**
 * Key identifier by RFC 5280 §4.2.1.2 method 2, as the ZAZ1 certificates use (checked against
 * them): 0100 ‖ the low 60 bits of SHA-1 of the subjectPublicKey BIT STRING value. 8 bytes.
 */
export function keyIdentifier(point: Uint8Array): Uint8Array {
  const h = new Uint8Array(createHash('sha1').update(point).digest());
  const id = h.slice(12, 20);
  id[0] = (id[0]! & 0x0f) | 0x40;
  return id;
}

export const keyUsageExtension = (usages: readonly KeyUsageName[], critical = true): ExtensionSpec => ({
  oid: OID_KEY_USAGE,
  critical,
  value: derKeyUsage(usages),
});

export const subjectKeyIdentifierExtension = (id: Uint8Array): ExtensionSpec => ({
  oid: OID_SUBJECT_KEY_IDENTIFIER,
  critical: false,
  value: derOctetString(id),
});

/** AuthorityKeyIdentifier in keyIdentifier form only ([0] IMPLICIT OCTET STRING). */
export const authorityKeyIdentifierExtension = (id: Uint8Array): ExtensionSpec => ({
  oid: OID_AUTHORITY_KEY_IDENTIFIER,
  critical: false,
  value: derSequence(derTlv(0x80, id)),
});

export const certificatePoliciesExtension = (
  policies: readonly string[],
  critical = true,
): ExtensionSpec => ({
  oid: OID_CERTIFICATE_POLICIES,
  critical,
  value: derSequence(...policies.map((p) => derSequence(derOid(p)))),
});

/** basicConstraints cA TRUE (pathLenConstraint when given), critical. */
export const caBasicConstraintsExtension = (pathLen?: number): ExtensionSpec => ({
  oid: OID_BASIC_CONSTRAINTS,
  critical: true,
  value: derSequence(
    derBoolean(true),
    ...(pathLen === undefined ? [] : [derTlv(0x02, Uint8Array.of(pathLen))]),
  ),
});

/** DER HardwareModuleName ::= SEQUENCE { hwType OID, hwSerialNum OCTET STRING } (RFC 4108). */
export function hardwareModuleName(eui: Uint8Array, hwType: string = HW_TYPE_DEVICE): Uint8Array {
  return derSequence(derOid(hwType), derOctetString(eui));
}

/** subjectAltName with one otherName HardwareModuleName carrying the device's EUI-64 (GBCS 4.3.2.x). */
export function hardwareModuleNameSanExtension(
  eui: Uint8Array,
  critical = true,
  hwType: string = HW_TYPE_DEVICE,
): ExtensionSpec {
  const otherName = derTlv(
    0xa0,
    concatBytes(derOid(OID_HARDWARE_MODULE_NAME), derTlv(0xa0, hardwareModuleName(eui, hwType))),
  );
  return { oid: OID_SUBJECT_ALT_NAME, critical, value: derSequence(otherName) };
}

/** DER of the x500UniqueIdentifier value: BIT STRING of the 8-byte Entity Identifier. */
export const x500UniqueIdentifier = (eui: Uint8Array): Uint8Array => derBitString(eui);

/** The Organisation Certificate subject (ZAZ1 layout): [CN=name,] OU=<role, 2 hex digits>, x500UniqueIdentifier=EUI. */
export function organisationSubject(role: number, eui: Uint8Array, commonName?: string): DistinguishedName {
  return [
    ...(commonName ? [{ type: OID_CN, utf8: commonName }] : []),
    { type: OID_OU, utf8: role.toString(16).padStart(2, '0').toUpperCase() },
    { type: OID_X500_UNIQUE_IDENTIFIER, der: x500UniqueIdentifier(eui) },
  ];
}

function encodeName(dn: DistinguishedName): Name {
  return new Name(
    dn.map((a) => {
      const value =
        'printable' in a
          ? new AttributeValue({ printableString: a.printable })
          : 'utf8' in a
            ? new AttributeValue({ utf8String: a.utf8 })
            : new AttributeValue({ anyValue: ab(a.der) });
      return new RelativeDistinguishedName([new AttributeTypeAndValue({ type: a.type, value })]);
    }),
  );
}

/** DER of a distinguished name. */
export function encodeDistinguishedName(dn: DistinguishedName): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(encodeName(dn)));
}

/** DER `Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }`. */
export function encodeExtension(e: ExtensionSpec): Uint8Array {
  return derSequence(derOid(e.oid), ...(e.critical ? [derBoolean(true)] : []), derOctetString(e.value));
}

function encodeTime(ms: number): Time {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return d.getUTCFullYear() < 2050 ? new Time({ utcTime: d }) : new Time({ generalTime: d });
}

/** DER of the TBSCertificate of a spec. */
export function encodeTbsCertificate(spec: CertificateSpec): Uint8Array {
  const serial = (spec.serial[0] ?? 0) & 0x80 ? concatBytes(Uint8Array.of(0), spec.serial) : spec.serial;
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: ab(serial),
    signature: new AlgorithmIdentifier({ algorithm: spec.signatureAlgorithm ?? OID_ECDSA_WITH_SHA256 }),
    issuer: encodeName(spec.issuer),
    validity: Object.assign(new Validity(), {
      notBefore: encodeTime(spec.notBefore),
      notAfter: encodeTime(spec.notAfter),
    }),
    subject: encodeName(spec.subject),
    subjectPublicKeyInfo: AsnConvert.parse(spec.spki, SubjectPublicKeyInfo),
  });
  if (spec.extensions.length > 0) {
    tbs.extensions = new Extensions(
      spec.extensions.map(
        (e) =>
          new Extension({ extnID: e.oid, critical: e.critical, extnValue: new OctetString(ab(e.value)) }),
      ),
    );
  }
  return new Uint8Array(AsnConvert.serialize(tbs));
}

/**
 * Signs a spec: DER Certificate. The signature is ECDSA P-256 / SHA-256 over the DER TBSCertificate,
 * DER-encoded (RFC 5480); with the noble back-end it is deterministic (RFC 6979), so a seed
 * reproduces certificates byte for byte.
 */
export function buildCertificate(
  spec: CertificateSpec,
  issuerPrivateKey: Uint8Array,
  crypto: GbcsCrypto,
): Uint8Array {
  const tbsDer = encodeTbsCertificate(spec);
  const sig = ecdsaRawToDer(crypto.sign(issuerPrivateKey, tbsDer));
  const cert = new Certificate({
    tbsCertificate: AsnConvert.parse(tbsDer, TBSCertificate),
    signatureAlgorithm: new AlgorithmIdentifier({
      algorithm: spec.signatureAlgorithm ?? OID_ECDSA_WITH_SHA256,
    }),
    signatureValue: ab(sig),
  });
  const der = new Uint8Array(AsnConvert.serialize(cert));
  return der;
}

/** Extensions of an Organisation Certificate (ZAZ1 order): keyUsage, SKI, certificatePolicies, AKI. */
export function organisationExtensions(
  usage: 'ds' | 'ka',
  subjectPoint: Uint8Array,
  issuerKeyId: Uint8Array,
  policy: string,
): ExtensionSpec[] {
  return [
    keyUsageExtension([usage === 'ds' ? 'digitalSignature' : 'keyAgreement']),
    subjectKeyIdentifierExtension(keyIdentifier(subjectPoint)),
    certificatePoliciesExtension([policy]),
    authorityKeyIdentifierExtension(issuerKeyId),
  ];
}

/** Extensions of a Device Certificate (RTDS order): keyUsage, SKI, SAN HardwareModuleName, certificatePolicies, AKI. */
export function deviceExtensions(
  usage: 'ds' | 'ka',
  eui: Uint8Array,
  subjectPoint: Uint8Array,
  issuerKeyId: Uint8Array,
  policy: string,
): ExtensionSpec[] {
  return [
    keyUsageExtension([usage === 'ds' ? 'digitalSignature' : 'keyAgreement']),
    subjectKeyIdentifierExtension(keyIdentifier(subjectPoint)),
    hardwareModuleNameSanExtension(eui),
    certificatePoliciesExtension([policy]),
    authorityKeyIdentifierExtension(issuerKeyId),
  ];
}

/**
 * Extensions of a CA certificate (the Issuing CA "Z1" order): keyUsage keyCertSign+cRLSign,
 * basicConstraints (pathLen 0 for issuing CAs, none for roots), certificatePolicies, SKI, and AKI
 * unless self-signed.
 */
export function caExtensions(
  subjectPoint: Uint8Array,
  issuerKeyId: Uint8Array | null,
  policy: string,
  pathLen: number | undefined,
): ExtensionSpec[] {
  return [
    keyUsageExtension(['keyCertSign', 'cRLSign']),
    caBasicConstraintsExtension(pathLen),
    certificatePoliciesExtension([policy]),
    subjectKeyIdentifierExtension(keyIdentifier(subjectPoint)),
    ...(issuerKeyId ? [authorityKeyIdentifierExtension(issuerKeyId)] : []),
  ];
}
