/**
 * A complete test SMKI, deterministic from a seed (smki-recovery-ch-domain.md §2.1, §8 features 1–2):
 *
 * - Root OCA (self-signed, OU=00; carries the wrapped Contingency Public Key, RFC 5934) and the
 *   Issuing OCA (OU=07, pathLen 0) that issues Organisation Certificates;
 * - Root DCA and Issuing DCA (pathLen 0) that issue Device Certificates;
 * - the Contingency key pair and the Contingency Symmetric Key;
 * - Organisation Certificates for every test party (OU = Remote Party Role, x500UniqueIdentifier =
 *   EUI-64, exactly one key usage, critical policies, 8-byte SKI/AKI) — the Recovery party's is the
 *   Recovery key pair's certificate;
 * - Device Certificates (empty subject, critical SAN HardwareModuleName = EUI-64, notAfter
 *   99991231235959Z) for the devices asked for, and on demand for any other device.
 *
 * The CA names are marked TEST (`CA_SUBJECTS`), so every certificate carries the marker in its
 * issuer name. Every private key derives from (seed, identity) as sim/smki/test-pki.ts always did, so the keys of `run`
 * are unchanged; certificates are signed deterministically (RFC 6979), so the same seed gives the same
 * bytes. Validity periods follow ZAZ1 (organisation 10 years, issuing CA 25 years) from a fixed
 * `notBefore` (default 2025-01-01T00:00:00Z), not from the clock.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { createNobleCrypto, type GbcsCrypto } from '../../protocol/crypto/index.ts';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { ROLE_NAMES } from '../../protocol/use-case-catalogue.ts';
import type { CellUsage, KeyUsage } from '../device/credentials.ts';
import {
  buildCertificate,
  type CertificateSpec,
  caExtensions,
  DEVICE_NOT_AFTER,
  type DistinguishedName,
  deviceExtensions,
  keyIdentifier,
  organisationExtensions,
  organisationSubject,
  subjectPublicKeyInfo,
} from './certificate.ts';
import { wrapContingencyPublicKey, wrappedApexContingencyKeyExtension } from './contingency.ts';
import { OID_CN, OID_OU, POLICY_DEVICE_TEST, POLICY_ORGANISATION_TEST } from './oids.ts';
import { testCaCommonName } from './test-marker.ts';

/** Private key derivation shared with sim/smki/test-pki.ts (`deriveTestPrivateKey`). */
export type KeyDeriver = (seed: string, identity: string, usage: KeyUsage, cell?: CellUsage) => Uint8Array;

/** An organisation of the test PKI (same shape as sim/smki/test-pki.ts TEST_PARTIES). */
export interface PkiParty {
  eui: Eui64;
  role: number;
  name: string;
  usages: readonly KeyUsage[];
  prepayment?: boolean;
}

export interface PkiDevice {
  eui: Eui64;
  deviceType?: string;
}

export interface TestPkiOptions {
  seed: string;
  parties: readonly PkiParty[];
  devices?: readonly PkiDevice[];
  derive: KeyDeriver;
  /** ms since epoch (whole seconds); default 2025-01-01T00:00:00Z. */
  notBefore?: number;
  organisationPolicy?: string;
  devicePolicy?: string;
}

/** A CA of the test PKI. */
export interface PkiAuthority {
  label: 'root-oca' | 'issuing-oca' | 'root-dca' | 'issuing-dca';
  subject: DistinguishedName;
  certificate: Uint8Array;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  keyId: Uint8Array;
}

/** An end-entity credential: certificate and key pair. */
export interface PkiCredential {
  eui: Eui64;
  usage: KeyUsage;
  cell: CellUsage;
  /** Remote Party Role of an organisation; null for a device. */
  role: number | null;
  kind: 'organisation' | 'device';
  name: string;
  certificate: Uint8Array;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  serial: string;
}

export interface TestPki {
  seed: string;
  notBefore: number;
  organisationPolicy: string;
  devicePolicy: string;
  rootOca: PkiAuthority;
  issuingOca: PkiAuthority;
  rootDca: PkiAuthority;
  issuingDca: PkiAuthority;
  /** Contingency key pair and the Contingency Symmetric Key (16 bytes) that wraps its public key in the Root OCA certificate. */
  contingency: {
    privateKey: Uint8Array;
    publicKey: Uint8Array;
    symmetricKey: Uint8Array;
    wrapped: Uint8Array;
  };
  organisations: PkiCredential[];
  devices: PkiCredential[];
}

const enc = new TextEncoder();

/** `years` after `from`, minus one second, on the same calendar day (ZAZ1: 151030000000Z → 251029235959Z). */
export function yearsLater(from: number, years: number): number {
  const d = new Date(from);
  return (
    Date.UTC(
      d.getUTCFullYear() + years,
      d.getUTCMonth(),
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
    ) - 1000
  );
}

/** Lifetimes of the test PKI's certificates, in years (the ZAZ1 pattern): Root CAs 30, Issuing CAs 25. */
const ROOT_CA_YEARS = 30;
const ISSUING_CA_YEARS = 25;

/**
 * The notBefore dates a test PKI can carry, each certificate's validity encoded as the SMKI
 * profiles require (RFC 5280 §4.1.2.5, which the SMKI certificate profiles follow; GBCS's Device
 * Certificate profile, reference/gbcs-wire-and-security.md §4):
 * - `first` 1950-01-01T00:00:00Z: a date before 2050 MUST be UTCTime, whose two-digit year reads
 *   50–99 as 1950–1999 and 00–49 as 2000–2049, so 1949 cannot be written (it reads back as 2049);
 * - `last` 9969-12-31T23:59:59Z: the Root CAs' notAfter, 30 years on, must fit GeneralizedTime's
 *   four-digit year, at most 99991231235959Z — the notAfter every Device Certificate carries.
 * Milliseconds since the epoch, inclusive.
 */
export const PKI_NOT_BEFORE_RANGE = {
  first: Date.UTC(1950, 0, 1),
  last: Date.UTC(9999 - ROOT_CA_YEARS, 11, 31, 23, 59, 59),
} as const;

/**
 * Why `notBefore` cannot start a test PKI (null when it can): the rule of PKI_NOT_BEFORE_RANGE
 * that it breaks, in words.
 */
export function pkiNotBeforeProblem(notBefore: number): string | null {
  if (notBefore < PKI_NOT_BEFORE_RANGE.first)
    return 'before 1950: a validity date before 2050 is UTCTime, whose two-digit year cannot hold 19xx below 1950 (RFC 5280 §4.1.2.5)';
  if (notBefore > PKI_NOT_BEFORE_RANGE.last)
    return `after 9969-12-31: the Root CAs' notAfter (${ROOT_CA_YEARS} years on) would pass GeneralizedTime 99991231235959Z, the notAfter of every Device Certificate (GBCS Device Certificate profile)`;
  return null;
}

/** A positive 16-octet serial number derived from a label (top bit clear, first octet non-zero). */
export function deriveSerial(seed: string, label: string): Uint8Array {
  const s = sha256(enc.encode(`gbcs-sim serial|${seed}|${label}`)).slice(0, 16);
  s[0] = (s[0]! & 0x7f) | 0x40;
  return s;
}

const euiBytes = (eui: Eui64): Uint8Array => fromHex(eui);

/** The crypto that signs test certificates: noble, deterministic ECDSA (RFC 6979). */
export const pkiCrypto: GbcsCrypto = createNobleCrypto();

function authority(
  label: PkiAuthority['label'],
  subject: DistinguishedName,
  privateKey: Uint8Array,
  issuer: PkiAuthority | null,
  spec: Omit<CertificateSpec, 'issuer' | 'subject' | 'spki' | 'extensions' | 'serial'> & {
    extra?: CertificateSpec['extensions'];
  },
  seed: string,
  policy: string,
  pathLen: number | undefined,
): PkiAuthority {
  const publicKey = pkiCrypto.publicKeyOf(privateKey);
  const certificate = buildCertificate(
    {
      serial: deriveSerial(seed, label),
      issuer: issuer?.subject ?? subject,
      subject,
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      spki: subjectPublicKeyInfo(publicKey),
      extensions: [...caExtensions(publicKey, issuer?.keyId ?? null, policy, pathLen), ...(spec.extra ?? [])],
    },
    issuer?.privateKey ?? privateKey,
    pkiCrypto,
  );
  return { label, subject, certificate, privateKey, publicKey, keyId: keyIdentifier(publicKey) };
}

/** An Organisation Certificate for (role, EUI, usage) issued by the Issuing OCA. */
export function issueOrganisationCertificate(
  issuer: PkiAuthority,
  req: {
    role: number;
    eui: Eui64;
    usage: KeyUsage;
    publicKey: Uint8Array;
    commonName?: string;
    notBefore: number;
    notAfter?: number;
    serial: Uint8Array;
    policy?: string;
  },
): Uint8Array {
  return buildCertificate(
    {
      serial: req.serial,
      issuer: issuer.subject,
      subject: organisationSubject(req.role, euiBytes(req.eui), req.commonName),
      notBefore: req.notBefore,
      notAfter: req.notAfter ?? yearsLater(req.notBefore, 10),
      spki: subjectPublicKeyInfo(req.publicKey),
      extensions: organisationExtensions(
        req.usage,
        req.publicKey,
        issuer.keyId,
        req.policy ?? POLICY_ORGANISATION_TEST,
      ),
    },
    issuer.privateKey,
    pkiCrypto,
  );
}

/** A Device Certificate for (EUI, usage) issued by the Issuing DCA. */
export function issueDeviceCertificate(
  issuer: PkiAuthority,
  req: {
    eui: Eui64;
    usage: KeyUsage;
    publicKey: Uint8Array;
    notBefore: number;
    serial: Uint8Array;
    policy?: string;
  },
): Uint8Array {
  return buildCertificate(
    {
      serial: req.serial,
      issuer: issuer.subject,
      subject: [],
      notBefore: req.notBefore,
      notAfter: DEVICE_NOT_AFTER,
      spki: subjectPublicKeyInfo(req.publicKey),
      extensions: deviceExtensions(
        req.usage,
        euiBytes(req.eui),
        req.publicKey,
        issuer.keyId,
        req.policy ?? POLICY_DEVICE_TEST,
      ),
    },
    issuer.privateKey,
    pkiCrypto,
  );
}

/**
 * Names of the test CAs (gbcs-sim's own; ZAZ1 uses "OU=00, CN=ZA" and "OU=07, CN=Z1"), each CN
 * marked TEST: the marker every certificate of the PKI carries in its issuer name
 * (sim/smki/test-marker.ts says why there).
 */
export const CA_SUBJECTS = {
  'root-oca': [
    { type: OID_OU, printable: '00' },
    { type: OID_CN, printable: testCaCommonName('GS') },
  ],
  'issuing-oca': [
    { type: OID_OU, printable: '07' },
    { type: OID_CN, printable: testCaCommonName('G1') },
  ],
  'root-dca': [{ type: OID_CN, printable: testCaCommonName('GSD0') }],
  'issuing-dca': [{ type: OID_CN, printable: testCaCommonName('GSD1') }],
} as const satisfies Record<PkiAuthority['label'], DistinguishedName>;

/** Label used in key derivation and names for a party credential (e.g. "supplier-ds", "supplierPP-ka"). */
const credentialName = (role: number, usage: KeyUsage, cell: CellUsage): string =>
  `gs-${ROLE_NAMES[role] ?? `role${role}`}${cell === 'prepayment' ? 'PP' : ''}-${usage}`;

/**
 * The device credential of (EUI, usage) in `pki`, issuing it (deterministically) when the device is
 * not among those generated.
 */
export function deviceCredential(
  pki: TestPki,
  derive: KeyDeriver,
  eui: Eui64,
  usage: KeyUsage,
): PkiCredential {
  const existing = pki.devices.find((d) => d.eui === eui && d.usage === usage);
  if (existing) return existing;
  const privateKey = derive(pki.seed, eui, usage, 'management');
  const publicKey = pkiCrypto.publicKeyOf(privateKey);
  const serial = deriveSerial(pki.seed, `device|${eui}|${usage}`);
  const certificate = issueDeviceCertificate(pki.issuingDca, {
    eui,
    usage,
    publicKey,
    notBefore: pki.notBefore,
    serial,
    policy: pki.devicePolicy,
  });
  const cred: PkiCredential = {
    eui,
    usage,
    cell: 'management',
    role: null,
    kind: 'device',
    name: `device-${eui}-${usage}`,
    certificate,
    privateKey,
    publicKey,
    serial: toHex(serial),
  };
  pki.devices.push(cred);
  return cred;
}

/**
 * Generates the whole test PKI. Pure: the same options give the same bytes.
 * @throws GbcsError BAD_DATE for a notBefore outside PKI_NOT_BEFORE_RANGE (its validity cannot be encoded)
 */
export function generateTestPki(opts: TestPkiOptions): TestPki {
  const seed = opts.seed;
  const notBefore = Math.floor((opts.notBefore ?? Date.UTC(2025, 0, 1)) / 1000) * 1000;
  const problem = pkiNotBeforeProblem(notBefore);
  if (problem !== null)
    throw new GbcsError(ErrorCode.BAD_DATE, `notBefore ${new Date(notBefore).toISOString()}: ${problem}`);
  const orgPolicy = opts.organisationPolicy ?? POLICY_ORGANISATION_TEST;
  const devPolicy = opts.devicePolicy ?? POLICY_DEVICE_TEST;
  const rootParty = opts.parties.find((p) => p.role === 0);
  const rootKey = opts.derive(seed, rootParty?.eui ?? 'root-oca', 'ds');
  const contingencyKey = opts.derive(seed, 'contingency', 'ds');
  const contingencyPub = pkiCrypto.publicKeyOf(contingencyKey);
  const symmetricKey = sha256(enc.encode(`gbcs-sim contingency symmetric key|${seed}`)).slice(0, 16);
  const wrapped = wrapContingencyPublicKey(contingencyPub, symmetricKey);
  const rootOca = authority(
    'root-oca',
    CA_SUBJECTS['root-oca'],
    rootKey,
    null,
    {
      notBefore,
      notAfter: yearsLater(notBefore, ROOT_CA_YEARS),
      extra: [wrappedApexContingencyKeyExtension(wrapped)],
    },
    seed,
    orgPolicy,
    undefined,
  );
  const rootDca = authority(
    'root-dca',
    CA_SUBJECTS['root-dca'],
    opts.derive(seed, 'root-dca', 'ds'),
    null,
    { notBefore, notAfter: yearsLater(notBefore, ROOT_CA_YEARS) },
    seed,
    devPolicy,
    undefined,
  );
  /** An issuing CA under its root: its own derived key, ISSUING_CA_YEARS, path length 0. */
  const issuingCa = (label: 'issuing-oca' | 'issuing-dca', root: PkiAuthority, policy: string) =>
    authority(
      label,
      CA_SUBJECTS[label],
      opts.derive(seed, label, 'ds'),
      root,
      { notBefore, notAfter: yearsLater(notBefore, ISSUING_CA_YEARS) },
      seed,
      policy,
      0,
    );
  const issuingOca = issuingCa('issuing-oca', rootOca, orgPolicy);
  const issuingDca = issuingCa('issuing-dca', rootDca, devPolicy);
  const organisations: PkiCredential[] = [];
  for (const p of opts.parties) {
    if (p.role === 0) continue; // the Root's key is the Root OCA's
    const cells: Array<[KeyUsage, CellUsage]> = p.usages.map((u) => [u, 'management']);
    if (p.prepayment) cells.push(['ka', 'prepayment']);
    for (const [usage, cell] of cells) {
      const privateKey = opts.derive(seed, p.eui, usage, cell);
      const publicKey = pkiCrypto.publicKeyOf(privateKey);
      const name = credentialName(p.role, usage, cell);
      const serial = deriveSerial(seed, `org|${p.eui}|${usage}|${cell}`);
      organisations.push({
        eui: p.eui,
        usage,
        cell,
        role: p.role,
        kind: 'organisation',
        name,
        certificate: issueOrganisationCertificate(issuingOca, {
          role: p.role,
          eui: p.eui,
          usage,
          publicKey,
          ...(usage === 'ds' && cell === 'management'
            ? { commonName: p.name.toUpperCase().replace(/[^A-Z0-9]/g, '') }
            : {}),
          notBefore,
          serial,
          policy: orgPolicy,
        }),
        privateKey,
        publicKey,
        serial: toHex(serial),
      });
    }
  }
  const pki: TestPki = {
    seed,
    notBefore,
    organisationPolicy: orgPolicy,
    devicePolicy: devPolicy,
    rootOca,
    issuingOca,
    rootDca,
    issuingDca,
    contingency: { privateKey: contingencyKey, publicKey: contingencyPub, symmetricKey, wrapped },
    organisations,
    devices: [],
  };
  for (const d of opts.devices ?? [])
    for (const u of ['ds', 'ka'] as const) deviceCredential(pki, opts.derive, d.eui, u);
  return pki;
}

/** The four CA certificates, roots first. */
export const caCertificatesOf = (pki: TestPki): Uint8Array[] =>
  [pki.rootOca, pki.issuingOca, pki.rootDca, pki.issuingDca].map((a) => a.certificate);
