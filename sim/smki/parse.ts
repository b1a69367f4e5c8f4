/**
 * Reading an SMKI certificate into the fields its profile rules talk about (GBCS 4.3.2,
 * gbcs-wire-and-security.md §4): raw DER slices (the signed TBS, issuer and subject names) next to
 * decoded values, so validation can check both the encoding and the content. Nothing here judges
 * the profile: validate.ts does.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { equalBytes, toHex } from '../../protocol/bytes.ts';
import { DecodeError } from '../../protocol/errors.ts';
import { type KeyUsageName, keyUsageNames, oidOfContents } from './der-values.ts';
import { OID_CN, OID_OU, OID_X500_UNIQUE_IDENTIFIER } from './oids.ts';
import { readOneTlv, readTlvs, splitSigned, type Tlv } from './tlv.ts';

export interface ParsedExtension {
  oid: string;
  critical: boolean;
  /** Whether `critical` was encoded explicitly as FALSE (forbidden in DER). */
  explicitFalse: boolean;
  value: Uint8Array;
}

export interface ParsedAttribute {
  oid: string;
  /** The value's tag (0x13 PrintableString, 0x0c UTF8String, 0x03 BIT STRING, …). */
  tag: number;
  /** Contents of the value. */
  value: Uint8Array;
}

export interface ParsedCertificate {
  der: Uint8Array;
  /** The exact signed bytes. */
  tbs: Uint8Array;
  /** DER ECDSA-Sig-Value as in the certificate. */
  signature: Uint8Array;
  /** 0 = v1, 2 = v3. */
  version: number;
  /** INTEGER contents (two's complement, as encoded). */
  serialBytes: Uint8Array;
  /** Lowercase hex of the serial without leading zero octets. */
  serial: string;
  tbsSignatureAlgorithm: { oid: string | null; hasParameters: boolean };
  signatureAlgorithm: { oid: string | null; hasParameters: boolean };
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  /** One entry per RDN attribute, in order. */
  issuer: ParsedAttribute[];
  subject: ParsedAttribute[];
  /** Multi-valued RDNs present. */
  multiValuedRdn: boolean;
  notBefore: { tag: number; text: string; ms: number | null };
  notAfter: { tag: number; text: string; ms: number | null };
  spki: { algorithm: string | null; parametersDer: Uint8Array | null; point: Uint8Array; unusedBits: number };
  uniqueIds: boolean;
  extensions: ParsedExtension[];
}

const td = new TextDecoder();

function parseAlgorithm(t: Tlv | undefined): { oid: string | null; hasParameters: boolean } {
  if (t?.tag !== 0x30) throw new DecodeError('BAD_VALUE', 0, 'AlgorithmIdentifier is not a SEQUENCE');
  const [oid, ...params] = readTlvs(t.value, 'AlgorithmIdentifier');
  if (oid?.tag !== 0x06) throw new DecodeError('BAD_VALUE', 0, 'AlgorithmIdentifier has no OID');
  return { oid: oidOfContents(oid.value), hasParameters: params.length > 0 };
}

function parseName(t: Tlv | undefined, what: string): { attrs: ParsedAttribute[]; multi: boolean } {
  if (t?.tag !== 0x30) throw new DecodeError('BAD_VALUE', 0, `${what} is not a SEQUENCE`);
  const attrs: ParsedAttribute[] = [];
  let multi = false;
  for (const rdn of readTlvs(t.value, what)) {
    if (rdn.tag !== 0x31) throw new DecodeError('BAD_VALUE', 0, `${what}: RDN is not a SET`);
    const atvs = readTlvs(rdn.value, what);
    if (atvs.length !== 1) multi = true;
    for (const atv of atvs) {
      const [type, value, ...rest] = atv.tag === 0x30 ? readTlvs(atv.value, what) : [];
      if (type?.tag !== 0x06 || !value || rest.length > 0)
        throw new DecodeError('BAD_VALUE', 0, `${what}: malformed AttributeTypeAndValue`);
      attrs.push({ oid: oidOfContents(type.value) ?? '?', tag: value.tag, value: value.value });
    }
  }
  return { attrs, multi };
}

/** ms since the epoch of a DER UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ), or null. */
export function derTimeMs(tag: number, text: string): number | null {
  const m =
    tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : tag === 0x18
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (!m) return null;
  let year = Number(m[1]);
  if (tag === 0x17) year += year < 50 ? 2000 : 1900;
  const [mo, d, h, mi, s] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (year < 100 || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    return null;
  return ms;
}

function parseTime(t: Tlv | undefined): { tag: number; text: string; ms: number | null } {
  if (!t) throw new DecodeError('BAD_VALUE', 0, 'Validity is incomplete');
  const text = td.decode(t.value);
  return { tag: t.tag, text, ms: derTimeMs(t.tag, text) };
}

function parseExtensions(t: Tlv): ParsedExtension[] {
  const [seq, ...rest] = readTlvs(t.value, 'extensions');
  if (seq?.tag !== 0x30 || rest.length > 0)
    throw new DecodeError('BAD_VALUE', 0, 'extensions is not [3] SEQUENCE');
  return readTlvs(seq.value, 'extensions').map((e) => {
    const parts = e.tag === 0x30 ? readTlvs(e.value, 'Extension') : [];
    const oid = parts[0];
    const last = parts[parts.length - 1];
    if (parts.length < 2 || parts.length > 3 || !oid || oid.tag !== 0x06 || !last || last.tag !== 0x04)
      throw new DecodeError('BAD_VALUE', 0, 'malformed Extension');
    let critical = false;
    let explicitFalse = false;
    if (parts.length === 3) {
      const b = parts[1]!;
      if (b.tag !== 0x01 || b.value.length !== 1)
        throw new DecodeError('BAD_VALUE', 0, 'malformed Extension critical');
      critical = b.value[0] !== 0;
      explicitFalse = !critical;
    }
    return { oid: oidOfContents(oid.value) ?? '?', critical, explicitFalse, value: last.value };
  });
}

/**
 * Parses a DER X.509 certificate into raw slices and values.
 * @throws DecodeError when the bytes are not an X.509 Certificate structure
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const { toBeSigned, signature } = splitSigned(der, 'Certificate');
  const outer = readTlvs(readOneTlv(der, 'Certificate').value, 'Certificate');
  const signatureAlgorithm = parseAlgorithm(outer[1]);
  const fields = readTlvs(readOneTlv(toBeSigned, 'TBSCertificate').value, 'TBSCertificate');
  let i = 0;
  let version = 0;
  if (fields[0]?.tag === 0xa0) {
    const v = readOneTlv(fields[0].value, 'version');
    if (v.tag !== 0x02 || v.value.length !== 1) throw new DecodeError('BAD_VALUE', 0, 'malformed version');
    version = v.value[0]!;
    i = 1;
  }
  const serial = fields[i++];
  if (serial?.tag !== 0x02 || serial.value.length === 0)
    throw new DecodeError('BAD_VALUE', 0, 'no serialNumber');
  const tbsAlg = parseAlgorithm(fields[i++]);
  const issuerTlv = fields[i++];
  const issuer = parseName(issuerTlv, 'issuer');
  const validity = fields[i++];
  if (validity?.tag !== 0x30) throw new DecodeError('BAD_VALUE', 0, 'no Validity');
  const [nb, na, ...vrest] = readTlvs(validity.value, 'Validity');
  if (vrest.length > 0) throw new DecodeError('BAD_VALUE', 0, 'Validity has extra fields');
  const subjectTlv = fields[i++];
  const subject = parseName(subjectTlv, 'subject');
  const spkiTlv = fields[i++];
  if (spkiTlv?.tag !== 0x30) throw new DecodeError('BAD_VALUE', 0, 'no SubjectPublicKeyInfo');
  const [alg, bits, ...srest] = readTlvs(spkiTlv.value, 'SubjectPublicKeyInfo');
  if (alg?.tag !== 0x30 || !bits || bits.tag !== 0x03 || bits.value.length === 0 || srest.length > 0)
    throw new DecodeError('BAD_VALUE', 0, 'malformed SubjectPublicKeyInfo');
  const [algOid, params] = readTlvs(alg.value, 'SubjectPublicKeyInfo algorithm');
  let uniqueIds = false;
  let extensions: ParsedExtension[] = [];
  for (const f of fields.slice(i)) {
    if (f.tag === 0x81 || f.tag === 0x82 || f.tag === 0xa1 || f.tag === 0xa2) uniqueIds = true;
    else if (f.tag === 0xa3) extensions = parseExtensions(f);
    else throw new DecodeError('BAD_VALUE', 0, `unexpected TBSCertificate field tag 0x${f.tag.toString(16)}`);
  }
  let mag = serial.value;
  while (mag.length > 1 && mag[0] === 0) mag = mag.subarray(1);
  return {
    der,
    tbs: toBeSigned,
    signature,
    version,
    serialBytes: serial.value,
    serial: toHex(mag),
    tbsSignatureAlgorithm: tbsAlg,
    signatureAlgorithm,
    issuerDer: issuerTlv!.raw,
    subjectDer: subjectTlv!.raw,
    issuer: issuer.attrs,
    subject: subject.attrs,
    multiValuedRdn: issuer.multi || subject.multi,
    notBefore: parseTime(nb),
    notAfter: parseTime(na),
    spki: {
      algorithm: algOid?.tag === 0x06 ? oidOfContents(algOid.value) : null,
      parametersDer: params?.raw ?? null,
      point: bits.value.subarray(1),
      unusedBits: bits.value[0]!,
    },
    uniqueIds,
    extensions,
  };
}

/** Whether @peculiar/asn1-x509 reads the certificate and writes back the same bytes (a DER check). */
export function reencodesIdentically(der: Uint8Array): boolean {
  try {
    return equalBytes(new Uint8Array(AsnConvert.serialize(AsnConvert.parse(der, Certificate))), der);
  } catch {
    return false;
  }
}

const SHORT: Record<string, string> = {
  [OID_CN]: 'CN',
  [OID_OU]: 'OU',
  [OID_X500_UNIQUE_IDENTIFIER]: 'x500UniqueIdentifier',
};

/** "OU=07, CN=Z1"-style text of a parsed name; non-string values as #hex of their contents. */
export function formatName(attrs: readonly ParsedAttribute[]): string {
  return attrs
    .map((a) => {
      // Strings as text; an Entity Identifier BIT STRING as its 16 hex digits; anything else as #hex.
      const v =
        a.tag === 0x0c || a.tag === 0x13 || a.tag === 0x16
          ? td.decode(a.value)
          : a.tag === 0x03 && a.value[0] === 0
            ? toHex(a.value.subarray(1))
            : `#${toHex(a.value)}`;
      return `${SHORT[a.oid] ?? a.oid}=${v}`;
    })
    .join(', ');
}

/** The extension with `oid`, if present once or more (first). */
export const extensionOf = (c: ParsedCertificate, oid: string): ParsedExtension | undefined =>
  c.extensions.find((e) => e.oid === oid);

/** Key usage names of the certificate's keyUsage extension, null when absent or malformed. */
export function certificateKeyUsage(c: ParsedCertificate, oid: string): KeyUsageName[] | null {
  const e = extensionOf(c, oid);
  if (!e) return null;
  try {
    const t = readOneTlv(e.value, 'keyUsage');
    return t.tag === 0x03 ? keyUsageNames(t.value) : null;
  } catch {
    return null;
  }
}
