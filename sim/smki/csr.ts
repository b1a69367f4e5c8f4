/**
 * PKCS#10 Certificate Signing Requests (RFC 2986) as SMKI uses them:
 *
 * - a device, on CS02c Issue Security Credentials, generates a key pair and answers with a
 *   CertificationRequest: empty subject, P-256 key, attribute extensionRequest { keyUsage critical
 *   (exactly one of DS / KA), subjectAltName critical HardwareModuleName = its EUI-64 }, signed with
 *   the new key (RTDS 4.5.0 `CS02c_6.17_SUCCESS_RESPONSE`);
 * - an Authorised Subscriber submits Organisation CSRs to the Registration Authority: subject
 *   OU = Remote Party Role, x500UniqueIdentifier = EUI-64 (optional CN), extensionRequest keyUsage.
 *
 * `checkCsr` applies the content rules (RAPP CSR checks that depend only on the request); the RA adds
 * the rules about who submits it (registration-authority.ts).
 */
import { p256 } from '@noble/curves/nist.js';
import { derTlv } from '../../protocol/asn1/der.ts';
import { fromHex, toHex } from '../../protocol/bytes.ts';
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import { DecodeError, ErrorCode, GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import {
  type DistinguishedName,
  type ExtensionSpec,
  encodeDistinguishedName,
  encodeExtension,
  hardwareModuleNameSanExtension,
  keyUsageExtension,
  organisationSubject,
  subjectPublicKeyInfo,
} from './certificate.ts';
import { derOid, derSequence, type KeyUsageName, keyUsageNames, oidOfContents } from './der-values.ts';
import {
  OID_EC_PUBLIC_KEY,
  OID_ECDSA_WITH_SHA256,
  OID_EXTENSION_REQUEST,
  OID_HARDWARE_MODULE_NAME,
  OID_KEY_USAGE,
  OID_OU,
  OID_SUBJECT_ALT_NAME,
  OID_X500_UNIQUE_IDENTIFIER,
} from './oids.ts';
import { ecdsaDerToRaw, ecdsaRawToDer, readOneTlv, readTlvs, splitSigned } from './tlv.ts';

/** The contents of a request to build (and, edited, the negative corpus). */
export interface CsrSpec {
  subject: DistinguishedName;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  /** Requested extensions (extensionRequest attribute); none = no attribute. */
  extensions: ExtensionSpec[];
  signatureAlgorithm?: string;
  version?: number;
}

/** DER CertificationRequest of a spec, signed (ECDSA P-256 / SHA-256) with `privateKey`. */
export function buildCsr(spec: CsrSpec, privateKey: Uint8Array, crypto: GbcsCrypto): Uint8Array {
  const attrs =
    spec.extensions.length > 0
      ? derSequence(
          derOid(OID_EXTENSION_REQUEST),
          derTlv(0x31, derSequence(...spec.extensions.map(encodeExtension))),
        )
      : new Uint8Array(0);
  const info = derSequence(
    derTlv(0x02, Uint8Array.of(spec.version ?? 0)),
    encodeDistinguishedName(spec.subject),
    spec.spki,
    derTlv(0xa0, attrs),
  );
  const alg = derSequence(derOid(spec.signatureAlgorithm ?? OID_ECDSA_WITH_SHA256));
  const sig = ecdsaRawToDer(crypto.sign(privateKey, info));
  return derSequence(info, alg, derTlv(0x03, Uint8Array.of(0, ...sig)));
}

/** The CSR a device produces on CS02c for its new key pair (GBCS CS02c; RTDS layout). */
export function deviceCsrSpec(eui: Eui64, usage: 'ds' | 'ka', publicKey: Uint8Array): CsrSpec {
  return {
    subject: [],
    spki: subjectPublicKeyInfo(publicKey),
    extensions: [
      keyUsageExtension([usage === 'ds' ? 'digitalSignature' : 'keyAgreement']),
      hardwareModuleNameSanExtension(fromHex(eui)),
    ],
  };
}

/** An Organisation Certificate request: subject OU = role, x500UniqueIdentifier = EUI, keyUsage requested. */
export function organisationCsrSpec(
  role: number,
  eui: Eui64,
  usage: 'ds' | 'ka',
  publicKey: Uint8Array,
  commonName?: string,
): CsrSpec {
  return {
    subject: organisationSubject(role, fromHex(eui), commonName),
    spki: subjectPublicKeyInfo(publicKey),
    extensions: [keyUsageExtension([usage === 'ds' ? 'digitalSignature' : 'keyAgreement'])],
  };
}

/** Stable reasons for refusing a request's content. */
export const CsrReason = {
  CSR_MALFORMED: 'CSR_MALFORMED',
  CSR_VERSION: 'CSR_VERSION',
  CSR_SIGNATURE_ALGORITHM: 'CSR_SIGNATURE_ALGORITHM',
  CSR_SIGNATURE_INVALID: 'CSR_SIGNATURE_INVALID',
  CSR_KEY_NOT_EC: 'CSR_KEY_NOT_EC',
  CSR_WRONG_CURVE: 'CSR_WRONG_CURVE',
  CSR_COMPRESSED_POINT: 'CSR_COMPRESSED_POINT',
  CSR_POINT_INVALID: 'CSR_POINT_INVALID',
  CSR_EXTENSION_MALFORMED: 'CSR_EXTENSION_MALFORMED',
  CSR_KEY_USAGE_MISSING: 'CSR_KEY_USAGE_MISSING',
  CSR_KEY_USAGE_NOT_SINGLE: 'CSR_KEY_USAGE_NOT_SINGLE',
  CSR_KEY_USAGE_NOT_DS_OR_KA: 'CSR_KEY_USAGE_NOT_DS_OR_KA',
  CSR_ROLE_MISSING: 'CSR_ROLE_MISSING',
  CSR_ROLE_INVALID: 'CSR_ROLE_INVALID',
  CSR_EUI_MISSING: 'CSR_EUI_MISSING',
  CSR_EUI_INVALID: 'CSR_EUI_INVALID',
  CSR_DEVICE_SUBJECT_NOT_EMPTY: 'CSR_DEVICE_SUBJECT_NOT_EMPTY',
  CSR_DEVICE_SAN_INVALID: 'CSR_DEVICE_SAN_INVALID',
} as const;
export type CsrReason = (typeof CsrReason)[keyof typeof CsrReason];

export interface ParsedCsr {
  der: Uint8Array;
  kind: 'device' | 'organisation';
  /** Remote Party Role from the subject OU (organisation requests). */
  role: number | null;
  /** Organisation: x500UniqueIdentifier; device: SAN hwSerialNum. */
  eui: Eui64 | null;
  usage: 'ds' | 'ka' | null;
  keyUsage: KeyUsageName[] | null;
  /** 65-byte uncompressed point (when valid). */
  publicKey: Uint8Array | null;
  commonName: string | null;
}

export interface CsrCheck {
  ok: boolean;
  csr: ParsedCsr | null;
  reasons: Array<{ code: CsrReason; message: string }>;
}

const P256_SPKI_ALG = toHex(derSequence(derOid(OID_EC_PUBLIC_KEY), derOid('1.2.840.10045.3.1.7')));
const td = new TextDecoder();

/**
 * Parses and checks a CSR's content: structure, ecdsa-with-SHA256 proof of possession, P-256
 * uncompressed key, exactly one key usage (DS or KA), and the subject of its kind (organisation:
 * OU role + x500UniqueIdentifier; device: empty subject + SAN HardwareModuleName). Never throws on
 * bad input.
 */
export function checkCsr(der: Uint8Array, crypto: GbcsCrypto): CsrCheck {
  const reasons: CsrCheck['reasons'] = [];
  const add = (code: CsrReason, message: string) => reasons.push({ code, message });
  try {
    const { toBeSigned, signature } = splitSigned(der, 'CertificationRequest');
    const outer = readTlvs(readOneTlv(der, 'CertificationRequest').value, 'CertificationRequest');
    const [algOid, ...algParams] =
      outer[1]?.tag === 0x30 ? readTlvs(outer[1].value, 'signatureAlgorithm') : [];
    const [version, subject, spki, attrs, ...rest] = readTlvs(
      readOneTlv(toBeSigned, 'CertificationRequestInfo').value,
      'CertificationRequestInfo',
    );
    if (
      version?.tag !== 0x02 ||
      !subject ||
      subject.tag !== 0x30 ||
      !spki ||
      spki.tag !== 0x30 ||
      !attrs ||
      attrs.tag !== 0xa0 ||
      rest.length > 0
    )
      throw new DecodeError(
        'BAD_VALUE',
        0,
        'CertificationRequestInfo is not { version, subject, subjectPKInfo, [0] attributes }',
      );
    if (version.value.length !== 1 || version.value[0] !== 0)
      add(CsrReason.CSR_VERSION, 'version must be v1 (0)');
    if (algOid?.tag !== 0x06 || oidOfContents(algOid.value) !== OID_ECDSA_WITH_SHA256 || algParams.length > 0)
      add(
        CsrReason.CSR_SIGNATURE_ALGORITHM,
        'signatureAlgorithm must be ecdsa-with-SHA256 without parameters',
      );
    // Subject.
    const attributes: Array<{ oid: string; tag: number; value: Uint8Array }> = [];
    for (const rdn of readTlvs(subject.value, 'subject'))
      for (const atv of readTlvs(rdn.value, 'RDN')) {
        const [t, v] = readTlvs(atv.value, 'AttributeTypeAndValue');
        if (!t || !v || t.tag !== 0x06) throw new DecodeError('BAD_VALUE', 0, 'malformed subject attribute');
        attributes.push({ oid: oidOfContents(t.value) ?? '?', tag: v.tag, value: v.value });
      }
    // Public key.
    const [alg, bits] = readTlvs(spki.value, 'subjectPKInfo');
    let publicKey: Uint8Array | null = null;
    if (!alg || !bits || bits.tag !== 0x03) throw new DecodeError('BAD_VALUE', 0, 'malformed subjectPKInfo');
    const [keyAlg] = readTlvs(alg.value, 'algorithm');
    if (keyAlg?.tag !== 0x06 || oidOfContents(keyAlg.value) !== OID_EC_PUBLIC_KEY)
      add(CsrReason.CSR_KEY_NOT_EC, 'the key is not an EC key');
    else if (toHex(alg.raw) !== P256_SPKI_ALG) add(CsrReason.CSR_WRONG_CURVE, 'the key is not on P-256');
    else {
      const p = bits.value.subarray(1);
      if (bits.value[0] === 0 && p.length === 33 && (p[0] === 2 || p[0] === 3))
        add(CsrReason.CSR_COMPRESSED_POINT, 'the key is a compressed point; GBCS requires uncompressed');
      else {
        try {
          if (bits.value[0] !== 0 || p.length !== 65 || p[0] !== 4)
            throw new GbcsError(ErrorCode.BAD_KEY, 'not uncompressed');
          p256.Point.fromBytes(p).assertValidity();
          publicKey = p.slice();
        } catch {
          add(CsrReason.CSR_POINT_INVALID, 'the key is not a valid uncompressed P-256 point');
        }
      }
    }
    // Proof of possession.
    const raw = ecdsaDerToRaw(signature);
    if (publicKey && (!raw || !crypto.verify(publicKey, toBeSigned, raw)))
      add(CsrReason.CSR_SIGNATURE_INVALID, 'the request is not signed by the private key of its public key');
    // Requested extensions.
    let keyUsage: KeyUsageName[] | null = null;
    let sanEui: Uint8Array | null | 'bad' = null;
    let sanCritical = false;
    for (const a of readTlvs(attrs.value, 'attributes')) {
      const [oid, set] = readTlvs(a.value, 'Attribute');
      if (oid?.tag !== 0x06 || set?.tag !== 0x31)
        throw new DecodeError('BAD_VALUE', 0, 'malformed Attribute');
      if (oidOfContents(oid.value) !== OID_EXTENSION_REQUEST) continue;
      const [exts] = readTlvs(set.value, 'extensionRequest');
      for (const e of exts ? readTlvs(exts.value, 'Extensions') : []) {
        const parts = readTlvs(e.value, 'Extension');
        if (
          parts.length < 2 ||
          parts.length > 3 ||
          parts[0]!.tag !== 0x06 ||
          parts[parts.length - 1]!.tag !== 0x04
        )
          throw new DecodeError('BAD_VALUE', 0, 'malformed requested Extension');
        const extOid = oidOfContents(parts[0]!.value);
        const critical = parts.length === 3 && parts[1]!.value[0] !== 0;
        const value = parts[parts.length - 1]!.value;
        try {
          if (extOid === OID_KEY_USAGE) {
            const t = readOneTlv(value, 'keyUsage');
            keyUsage = t.tag === 0x03 ? keyUsageNames(t.value) : null;
            if (!keyUsage) throw new DecodeError('BAD_VALUE', 0, 'keyUsage is not a named-bit BIT STRING');
          } else if (extOid === OID_SUBJECT_ALT_NAME) {
            sanCritical = critical;
            sanEui = 'bad';
            const names = readTlvs(readOneTlv(value, 'subjectAltName').value, 'GeneralNames');
            const [gn] = names;
            if (names.length === 1 && gn?.tag === 0xa0) {
              const [typeId, explicit] = readTlvs(gn.value, 'otherName');
              if (typeId && explicit && oidOfContents(typeId.value) === OID_HARDWARE_MODULE_NAME) {
                const [, serial] = readTlvs(
                  readOneTlv(explicit.value, 'HardwareModuleName').value,
                  'HardwareModuleName',
                );
                if (serial?.tag === 0x04 && serial.value.length === 8) sanEui = serial.value;
              }
            }
          }
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
          add(CsrReason.CSR_EXTENSION_MALFORMED, `requested extension ${extOid}: ${err.message}`);
        }
      }
    }
    if (!keyUsage) add(CsrReason.CSR_KEY_USAGE_MISSING, 'no keyUsage is requested');
    else if (keyUsage.length !== 1)
      add(
        CsrReason.CSR_KEY_USAGE_NOT_SINGLE,
        `${keyUsage.length} key usages requested (${keyUsage.join(', ')}); exactly one of digitalSignature or keyAgreement`,
      );
    else if (keyUsage[0] !== 'digitalSignature' && keyUsage[0] !== 'keyAgreement')
      add(
        CsrReason.CSR_KEY_USAGE_NOT_DS_OR_KA,
        `key usage ${keyUsage[0]} requested; must be digitalSignature or keyAgreement`,
      );
    const kind: ParsedCsr['kind'] = attributes.length === 0 || sanEui !== null ? 'device' : 'organisation';
    let role: number | null = null;
    let eui: Eui64 | null = null;
    const cn = attributes.find((a) => a.oid === '2.5.4.3');
    if (kind === 'device') {
      if (attributes.length > 0)
        add(CsrReason.CSR_DEVICE_SUBJECT_NOT_EMPTY, 'a device request has an empty subject');
      if (!(sanEui instanceof Uint8Array) || !sanCritical)
        add(
          CsrReason.CSR_DEVICE_SAN_INVALID,
          'a device request carries a critical subjectAltName with one HardwareModuleName of 8 octets',
        );
      else eui = toHex(sanEui);
    } else {
      const ou = attributes.filter((a) => a.oid === OID_OU);
      const ouText = ou.length === 1 ? td.decode(ou[0]!.value) : null;
      if (ou.length === 0)
        add(CsrReason.CSR_ROLE_MISSING, 'subject has no OU carrying the Remote Party Role');
      else if (ouText === null || !/^[0-9A-Fa-f]{2}$/.test(ouText))
        add(CsrReason.CSR_ROLE_INVALID, 'subject OU is not 2 hex digits');
      else role = Number.parseInt(ouText, 16);
      const ids = attributes.filter((a) => a.oid === OID_X500_UNIQUE_IDENTIFIER);
      const id = ids[0];
      if (!id)
        add(CsrReason.CSR_EUI_MISSING, 'subject has no x500UniqueIdentifier carrying the Entity Identifier');
      else if (ids.length > 1 || id.tag !== 0x03 || id.value.length !== 9 || id.value[0] !== 0)
        add(CsrReason.CSR_EUI_INVALID, 'x500UniqueIdentifier must be a BIT STRING of 8 octets');
      else eui = toHex(id.value.subarray(1));
    }
    const usage =
      keyUsage?.length === 1
        ? keyUsage[0] === 'digitalSignature'
          ? 'ds'
          : keyUsage[0] === 'keyAgreement'
            ? 'ka'
            : null
        : null;
    return {
      ok: reasons.length === 0,
      csr: { der, kind, role, eui, usage, keyUsage, publicKey, commonName: cn ? td.decode(cn.value) : null },
      reasons,
    };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return {
      ok: false,
      csr: null,
      reasons: [
        {
          code: CsrReason.CSR_MALFORMED,
          message: `not a DER PKCS#10 CertificationRequest: ${(e as Error).message}`,
        },
      ],
    };
  }
}
