/**
 * Reading SMKI key material: what an X.509 certificate of the GB smart-metering PKI says about its
 * holder (EUI-64, key usage, Remote Party Role, profile), and the PEM / SPKI / PKCS#8 encodings the
 * keystores hold keys in. Profiles: gbcs-wire-and-security.md §4 (checked against the ZAZ1 test
 * certificates); organisation rules as in dccboxed-keystore `src/certificateMetadata.ts`.
 *
 * Parsing uses @peculiar/asn1-x509 (the schema layer under @peculiar/x509, which itself needs a
 * global Reflect polyfill to load); key encodings use node:crypto; points are checked with
 * @noble/curves.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  KeyUsage as AsnKeyUsage,
  BasicConstraints,
  Certificate,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  SubjectAlternativeName,
} from '@peculiar/asn1-x509';
import { readBerLength } from '../../protocol/ber.ts';
import { ByteReader, equalBytes, toHex } from '../../protocol/bytes.ts';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';

/** Key usage of an end-entity credential: digitalSignature or keyAgreement. */
export type KeyUsage = 'ds' | 'ka';
/**
 * What a certificate (or bare key) is: `device` (empty subject, SAN hardwareModuleName),
 * `organisation` (subject OU = role, x500UniqueIdentifier = EUI), `ca` (basicConstraints cA),
 * `raw` (a key with no certificate).
 */
export type EntryKind = 'device' | 'organisation' | 'ca' | 'raw';

export interface CertificateInfo {
  /** Device: SAN hwSerialNum; organisation: x500UniqueIdentifier; null when the certificate has neither (CAs). */
  eui: Eui64 | null;
  /** From the keyUsage extension: exactly digitalSignature -> 'ds', exactly keyAgreement -> 'ka', else null (CAs). */
  usage: KeyUsage | null;
  /** Subject OU read as 2 hex digits (OU=02 -> 2, OU=87 -> 135); null for device certificates or no hex OU. */
  role: number | null;
  kind: EntryKind;
  /** 65-byte uncompressed P-256 point of the SubjectPublicKeyInfo. */
  publicKey: Uint8Array;
  /** Serial number, lowercase hex without leading zero octets (at least 2 digits). */
  serial: string;
}

const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
/** DER of the namedCurve parameter prime256v1 (1.2.840.10045.3.1.7). */
const P256_PARAMETERS = '06082a8648ce3d030107';
const OID_X500_UNIQUE_IDENTIFIER = '2.5.4.45';
const OID_ORGANIZATIONAL_UNIT = '2.5.4.11';
/** id-on-hardwareModuleName (RFC 4108): { hwType OID, hwSerialNum OCTET STRING }. */
const OID_HARDWARE_MODULE_NAME = '1.3.6.1.5.5.7.8.4';

const badKey = (message: string, cause?: unknown): GbcsError =>
  new GbcsError(ErrorCode.BAD_KEY, message, cause === undefined ? undefined : { cause });

/** Reads one DER TLV, checking the tag; returns its contents. */
function derValue(r: ByteReader, tag: number, what: string): Uint8Array {
  r.expect(tag, what);
  return r.take(readBerLength(r, what), what);
}

const u8 = (b: ArrayBuffer | ArrayBufferView): Uint8Array =>
  b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** x500UniqueIdentifier: BIT STRING (0 unused bits) holding the 8-byte EUI. */
function euiOfUniqueIdentifier(tlv: Uint8Array): Eui64 {
  const r = new ByteReader(tlv);
  const v = derValue(r, 0x03, 'x500UniqueIdentifier');
  r.end('x500UniqueIdentifier');
  if (v.length !== 9 || v[0] !== 0) throw badKey(`x500UniqueIdentifier is not an 8-byte BIT STRING`);
  return toHex(v.subarray(1));
}

/** HardwareModuleName ::= SEQUENCE { hwType OBJECT IDENTIFIER, hwSerialNum OCTET STRING } (8 bytes = EUI). */
function euiOfHardwareModuleName(tlv: Uint8Array): Eui64 {
  const outer = new ByteReader(tlv);
  const seq = new ByteReader(derValue(outer, 0x30, 'HardwareModuleName'));
  outer.end('HardwareModuleName');
  derValue(seq, 0x06, 'hwType');
  const serial = derValue(seq, 0x04, 'hwSerialNum');
  seq.end('HardwareModuleName');
  if (serial.length !== 8) throw badKey(`hwSerialNum has ${serial.length} bytes, expected an 8-byte EUI-64`);
  return toHex(serial);
}

/** A P-256 point as 65 uncompressed bytes. @throws GbcsError BAD_KEY when it is not on the curve */
export function uncompressedPoint(point: Uint8Array): Uint8Array {
  try {
    const p = p256.Point.fromBytes(point);
    return point.length === 65 ? point : p.toBytes(false);
  } catch (e) {
    throw badKey(`not a P-256 public key: ${(e as Error).message}`, e);
  }
}

/**
 * What an SMKI certificate says about its holder (gbcs-wire-and-security.md §4).
 * `kind`: basicConstraints cA -> 'ca'; a SAN hardwareModuleName, or an empty subject -> 'device';
 * otherwise 'organisation'.
 * @param der DER of the certificate
 * @throws GbcsError BAD_KEY when it is not a DER X.509 certificate with a P-256 key, or a GBCS
 *   field (x500UniqueIdentifier, hardwareModuleName) is malformed
 */
export function certificateInfo(der: Uint8Array): CertificateInfo {
  let cert: Certificate;
  try {
    cert = AsnConvert.parse(der, Certificate);
  } catch (e) {
    throw badKey(`not a DER X.509 certificate: ${(e as Error).message}`, e);
  }
  const tbs = cert.tbsCertificate;
  const spki = tbs.subjectPublicKeyInfo;
  if (spki.algorithm.algorithm !== OID_EC_PUBLIC_KEY)
    throw badKey(`certificate key is not an EC key (algorithm ${spki.algorithm.algorithm})`);
  const params = spki.algorithm.parameters;
  if (!params || toHex(u8(params)) !== P256_PARAMETERS) throw badKey('certificate key is not on curve P-256');
  const publicKey = uncompressedPoint(u8(spki.subjectPublicKey));

  let serialBytes = u8(tbs.serialNumber);
  while (serialBytes.length > 1 && serialBytes[0] === 0) serialBytes = serialBytes.subarray(1);

  let eui: Eui64 | null = null;
  let role: number | null = null;
  let subjectAttributes = 0;
  for (const rdn of tbs.subject) {
    for (const atv of rdn) {
      subjectAttributes++;
      if (atv.type === OID_X500_UNIQUE_IDENTIFIER) {
        const tlv = atv.value.anyValue;
        if (!tlv) throw badKey('x500UniqueIdentifier is not a BIT STRING');
        eui = euiOfUniqueIdentifier(u8(tlv));
      } else if (atv.type === OID_ORGANIZATIONAL_UNIT) {
        const ou = atv.value.toString();
        if (/^[0-9a-fA-F]{2}$/.test(ou)) role = Number.parseInt(ou, 16);
      }
    }
  }

  let usage: KeyUsage | null = null;
  let ca = false;
  let hardwareModule = false;
  for (const ext of tbs.extensions ?? []) {
    const value = ext.extnValue.buffer;
    try {
      if (ext.extnID === id_ce_keyUsage) {
        const bits = AsnConvert.parse(value, AsnKeyUsage).toJSON();
        if (bits.length === 1 && bits[0] === 'digitalSignature') usage = 'ds';
        else if (bits.length === 1 && bits[0] === 'keyAgreement') usage = 'ka';
      } else if (ext.extnID === id_ce_basicConstraints) {
        ca = AsnConvert.parse(value, BasicConstraints).cA;
      } else if (ext.extnID === id_ce_subjectAltName) {
        for (const name of AsnConvert.parse(value, SubjectAlternativeName)) {
          if (name.otherName?.typeId !== OID_HARDWARE_MODULE_NAME) continue;
          const serial = euiOfHardwareModuleName(u8(name.otherName.value));
          if (eui !== null && eui !== serial)
            throw badKey(`subject EUI ${eui} differs from hardwareModuleName ${serial}`);
          eui = serial;
          hardwareModule = true;
        }
      }
    } catch (e) {
      if (e instanceof GbcsError && e.code === ErrorCode.BAD_KEY) throw e;
      throw badKey(`malformed extension ${ext.extnID}: ${(e as Error).message}`, e);
    }
  }

  const kind: EntryKind = ca ? 'ca' : hardwareModule || subjectAttributes === 0 ? 'device' : 'organisation';
  return {
    eui,
    usage,
    role: kind === 'device' ? null : role,
    kind,
    publicKey,
    serial: toHex(serialBytes),
  };
}

/** One `-----BEGIN label-----` … `-----END label-----` block of a PEM text. */
export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/** The PEM blocks of `text`, in order; text outside blocks is ignored (openssl "Bag Attributes"). */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const body = m[2]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw badKey(`PEM ${m[1]} block is not base64`);
    out.push({ label: m[1]!, der: u8(Buffer.from(body, 'base64')) });
  }
  return out;
}

/** PEM text of `der` under `label`, 64 columns, trailing newline. */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function p256Jwk(key: KeyObject, what: string): { d?: string; x: string; y: string } {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y)
    throw badKey(`${what} is not a P-256 EC key (${jwk.kty ?? '?'} ${jwk.crv ?? ''})`);
  return jwk as { d?: string; x: string; y: string };
}

const b64url = (s: string, n: number, what: string): Uint8Array => {
  const b = u8(Buffer.from(s, 'base64url'));
  if (b.length !== n) throw badKey(`${what} has ${b.length} bytes, expected ${n}`);
  return b;
};

/**
 * A private key block (`PRIVATE KEY` = PKCS#8, or `EC PRIVATE KEY` = SEC 1) as the 32-byte scalar,
 * with the public key that goes with it (computed, not read from the optional field).
 * @throws GbcsError BAD_KEY when it does not parse or is not a P-256 key
 */
export function privateKeyOfDer(
  der: Uint8Array,
  type: 'pkcs8' | 'sec1',
): { privateKey: Uint8Array; publicKey: Uint8Array } {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type });
  } catch (e) {
    throw badKey(`not a ${type === 'pkcs8' ? 'PKCS#8' : 'SEC 1'} private key: ${(e as Error).message}`, e);
  }
  const jwk = p256Jwk(key, 'private key');
  const privateKey = b64url(jwk.d ?? '', 32, 'private key');
  const publicKey = p256.getPublicKey(privateKey, false);
  const stated = new Uint8Array(65);
  stated[0] = 4;
  stated.set(b64url(jwk.x, 32, 'public key x'), 1);
  stated.set(b64url(jwk.y, 32, 'public key y'), 33);
  if (!equalBytes(stated, publicKey)) throw badKey('private key and its embedded public key differ');
  return { privateKey, publicKey };
}

/** A SubjectPublicKeyInfo (`PUBLIC KEY` block) as a 65-byte point. @throws GbcsError BAD_KEY */
export function publicKeyOfSpki(der: Uint8Array): Uint8Array {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch (e) {
    throw badKey(`not a SubjectPublicKeyInfo: ${(e as Error).message}`, e);
  }
  const jwk = p256Jwk(key, 'public key');
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(b64url(jwk.x, 32, 'public key x'), 1);
  out.set(b64url(jwk.y, 32, 'public key y'), 33);
  return out;
}

/** Uncompressed public key of a 32-byte scalar. @throws GbcsError BAD_KEY when the scalar is out of range */
export function publicKeyOfPrivate(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== 32 || !p256.utils.isValidSecretKey(privateKey))
    throw badKey('not a P-256 private key (32-byte scalar in [1, n-1])');
  return p256.getPublicKey(privateKey, false);
}
