/**
 * A test PKI on disk — what `keys init --out DIR` writes and `keys issue`, `keys import`,
 * `smki serve` work on:
 *
 *   DIR/<eui>-{ds,ka,pp-ka}.{pem,key}   end-entity credentials, DCC tools' layout
 *   DIR/keystore.json                    the same as a DCC Boxed keystore.json
 *   DIR/ca/{root,issuing}-{oca,dca}.{pem,key}, ca/ca-bundle.pem, ca/contingency.key,
 *   ca/contingency-symmetric.hex         the CAs and the contingency material
 *   DIR/smki.json                        Registration Authority state and SMKI Repository
 *
 * `smki.json` (`format: "gbcs-sim.smki/1"`): `{ seed, parties, subscribers, certificates: [ { serial,
 * status, issuedAt, subscriber, revokedAt, revocationReason, certificate (PEM) } ] }`. It is written
 * atomically (temporary file, then rename), mode 0600: the seed regenerates every key of the PKI. JSON rather than SQLite: the repository is small and
 * plain data (better-sqlite3 is not installed in this checkout).
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { derTlv } from '../../protocol/asn1/der.ts';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { Clock } from '../clock.ts';
import type { DistinguishedName } from '../smki/certificate.ts';
import { keyIdentifier } from '../smki/certificate.ts';
import { pemBlocks, privateKeyOfDer } from '../smki/certificate-info.ts';
import { caCertificatesOf, type PkiAuthority, type PkiParty, type TestPki } from '../smki/generator.ts';
import { parseCertificate } from '../smki/parse.ts';
import {
  type AuthorisedSubscriber,
  type Party,
  RegistrationAuthority,
  SEC_ROLES,
  type SecRole,
  type SubscriberState,
} from '../smki/registration-authority.ts';
import { SmkiRepository } from '../smki/repository.ts';
import { RegulatoryTimeline, type TimelineDates } from '../smki/timeline.ts';
import type { Revocation } from '../smki/validate.ts';
import { CA_FILES, writePkiDirectory } from './keystore-io.ts';
import { writePrivateFileSync } from './private-files.ts';

export const SMKI_STATE_FORMAT = 'gbcs-sim.smki/1';
export const SMKI_STATE_FILE = 'smki.json';

const bad = (where: string, problem: string, cause?: unknown): GbcsError =>
  new GbcsError('SMKI_BAD_STATE', `${where}: ${problem}`, cause === undefined ? undefined : { cause });

/** A CA of a PKI directory (certificate and private key) as an issuing authority. */
export function loadAuthority(dir: string, stem: string, label: PkiAuthority['label']): PkiAuthority {
  const certPath = join(dir, 'ca', `${stem}.pem`);
  const keyPath = join(dir, 'ca', `${stem}.key`);
  try {
    const cert = pemBlocks(readFileSync(certPath, 'utf8')).find((b) => b.label === 'CERTIFICATE');
    const key = pemBlocks(readFileSync(keyPath, 'utf8')).find((b) => b.label === 'PRIVATE KEY');
    if (!cert || !key) throw new GbcsError(ErrorCode.BAD_KEY, 'no CERTIFICATE / PRIVATE KEY block');
    const parsed = parseCertificate(cert.der);
    if (parsed.multiValuedRdn) throw new GbcsError(ErrorCode.BAD_KEY, 'multi-valued RDN in the CA name');
    const subject: DistinguishedName = parsed.subject.map((a) =>
      a.tag === 0x13
        ? { type: a.oid, printable: new TextDecoder().decode(a.value) }
        : a.tag === 0x0c
          ? { type: a.oid, utf8: new TextDecoder().decode(a.value) }
          : { type: a.oid, der: derTlv(a.tag, a.value) },
    );
    const { privateKey, publicKey } = privateKeyOfDer(key.der, 'pkcs8');
    if (Buffer.compare(Buffer.from(publicKey), Buffer.from(parsed.spki.point)) !== 0)
      throw new GbcsError(ErrorCode.BAD_KEY, 'the private key does not belong to the certificate');
    return { label, subject, certificate: cert.der, privateKey, publicKey, keyId: keyIdentifier(publicKey) };
  } catch (e) {
    if (e instanceof GbcsError && e.code === 'SMKI_BAD_STATE') throw e;
    throw bad(`${certPath}`, (e as Error).message, e);
  }
}

/** The parties `keys init` registers: the DCC (Recovery, ACB, TransCoS, WAN Provider EUIs), the Supplier, the Network Operator. */
export function defaultParties(parties: readonly PkiParty[], devices: readonly Eui64[]): Party[] {
  const of = (roles: number[]) => parties.filter((p) => roles.includes(p.role)).map((p) => p.eui);
  return [
    { id: 'dcc', name: 'DCC', secRoles: ['DCC'], euis: of([0, 1, 4, 5, 6, 7]), entryTestsPassed: true },
    {
      id: 'supplier',
      name: 'Supplier',
      secRoles: ['IS', 'GS'],
      euis: of([2]),
      devices: [...devices],
      entryTestsPassed: true,
    },
    {
      id: 'network-operator',
      name: 'Network Operator',
      secRoles: ['ED'],
      euis: of([3]),
      devices: [],
      entryTestsPassed: true,
    },
  ];
}

export interface OpenedPki {
  dir: string;
  ra: RegistrationAuthority;
  repository: SmkiRepository;
  issuingOca: PkiAuthority;
  issuingDca: PkiAuthority;
  seed: string | null;
  /** Writes `smki.json` back (atomically). */
  save(): void;
}

function stateDocument(ra: RegistrationAuthority, seed: string | null): string {
  const { parties, subscribers } = ra.toJSON();
  return `${JSON.stringify(
    { format: SMKI_STATE_FORMAT, seed, parties, subscribers, certificates: ra.repository.toJSON() },
    null,
    2,
  )}\n`;
}

/** smki.json holds the seed every test key derives from: 0600, like the keys (sim/store/private-files.ts). */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writePrivateFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * Writes a generated PKI as a directory (`writePkiDirectory`) with the RA state: the default
 * parties onboarded (Authorised Subscribers for both policies) and every certificate In use.
 */
export function initPkiDirectory(
  pki: TestPki,
  dir: string,
  o: { parties: readonly PkiParty[]; devices: readonly Eui64[]; clock: Clock },
): string[] {
  const written = writePkiDirectory(pki, dir);
  const repository = new SmkiRepository();
  const at = pki.notBefore;
  for (const der of caCertificatesOf(pki))
    repository.add(der, { status: 'I', issuedAt: at, subscriber: 'dcc' });
  const ra = new RegistrationAuthority({
    timeline: new RegulatoryTimeline(),
    clock: o.clock,
    repository,
    issuingOca: pki.issuingOca,
    issuingDca: pki.issuingDca,
  });
  const parties = defaultParties(o.parties, o.devices);
  for (const p of parties) {
    const r = ra.onboard(p);
    if (!r.ok) throw new GbcsError(ErrorCode.MISUSE, r.reasons.map((x) => x.message).join('; '));
  }
  const owner = (eui: Eui64): string =>
    parties.find((p) => p.euis.includes(eui) || p.devices?.includes(eui))?.id ?? 'dcc';
  for (const c of [...pki.organisations, ...pki.devices])
    repository.add(c.certificate, { status: 'I', issuedAt: at, subscriber: owner(c.eui) });
  const state = join(dir, SMKI_STATE_FILE);
  writeAtomically(state, stateDocument(ra, pki.seed));
  written.push(state);
  return written;
}

function parseParty(v: unknown, i: number): Party {
  const o = v as Record<string, unknown>;
  const where = `parties[${i}]`;
  if (typeof o !== 'object' || o === null || typeof o.id !== 'string' || typeof o.name !== 'string')
    throw bad(where, 'needs "id" and "name"');
  const strings = (x: unknown, what: string): string[] => {
    if (!Array.isArray(x) || !x.every((s) => typeof s === 'string'))
      throw bad(where, `"${what}" is not a list of strings`);
    return x as string[];
  };
  const secRoles = strings(o.secRoles, 'secRoles');
  if (!secRoles.every((r) => SEC_ROLES.includes(r as SecRole)))
    throw bad(where, `"secRoles" must be among ${SEC_ROLES.join(', ')}`);
  return {
    id: o.id,
    name: o.name,
    secRoles: secRoles as SecRole[],
    euis: strings(o.euis, 'euis'),
    ...(o.devices === undefined ? {} : { devices: strings(o.devices, 'devices') }),
    entryTestsPassed: o.entryTestsPassed === true,
  };
}

/**
 * Reads `smki.json` of a PKI directory: the document and its SMKI Repository.
 * @throws GbcsError SMKI_BAD_STATE naming the file and the problem
 */
function readSmkiState(dir: string): {
  path: string;
  doc: Record<string, unknown>;
  repository: SmkiRepository;
} {
  const path = join(dir, SMKI_STATE_FILE);
  if (!existsSync(path))
    throw bad(dir, `no ${SMKI_STATE_FILE}: not a PKI directory written by \`keys init\``);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw bad(path, `not JSON (${(e as Error).message})`, e);
  }
  if (typeof doc !== 'object' || doc === null || doc.format !== SMKI_STATE_FORMAT)
    throw bad(path, `format is not ${SMKI_STATE_FORMAT}`);
  try {
    return { path, doc, repository: SmkiRepository.fromJSON(doc.certificates) };
  } catch (e) {
    throw bad(path, (e as Error).message, e);
  }
}

/**
 * Opens a PKI directory: its RA state, repository and issuing CAs.
 * @throws GbcsError SMKI_BAD_STATE naming the file and the problem
 */
export function openPkiDirectory(
  dir: string,
  o: { clock: Clock; historical?: boolean; timeline?: Partial<TimelineDates> },
): OpenedPki {
  const { path, doc, repository } = readSmkiState(dir);
  const issuingOca = loadAuthority(dir, CA_FILES.issuingOca, 'issuing-oca');
  const issuingDca = loadAuthority(dir, CA_FILES.issuingDca, 'issuing-dca');
  const ra = new RegistrationAuthority({
    timeline: new RegulatoryTimeline(o.timeline),
    clock: o.clock,
    historical: o.historical ?? false,
    repository,
    issuingOca,
    issuingDca,
  });
  if (!Array.isArray(doc.parties) || !Array.isArray(doc.subscribers))
    throw bad(path, '"parties" and "subscribers" must be lists');
  doc.parties.forEach((p, i) => {
    const party = parseParty(p, i);
    ra.parties.set(party.id, party);
  });
  doc.subscribers.forEach((s: unknown, i) => {
    const x = s as Record<string, unknown>;
    const states: SubscriberState[] = ['applied', 'verified', 'authorised', 'withdrawn'];
    if (
      typeof x?.partyId !== 'string' ||
      (x.policy !== 'organisation' && x.policy !== 'device') ||
      !states.includes(x.state as SubscriberState)
    )
      throw bad(
        path,
        `subscribers[${i}]: needs partyId, policy (organisation|device) and state (${states.join('|')})`,
      );
    ra.subscribers.push(x as unknown as AuthorisedSubscriber);
  });
  const seed = typeof doc.seed === 'string' ? doc.seed : null;
  return {
    dir,
    ra,
    repository,
    issuingOca,
    issuingDca,
    seed,
    save: () => writeAtomically(path, stateDocument(ra, seed)),
  };
}

/**
 * The revocations (status R) in the SMKI Repository of a PKI directory (`smki.json`), by serial,
 * for `validateCertificate`'s `revocations`; `repository` names the file.
 * @throws GbcsError SMKI_BAD_STATE naming the file and the problem
 */
export function readRevocations(dir: string): Map<string, Revocation> {
  const { path, repository } = readSmkiState(dir);
  const out = new Map<string, Revocation>();
  for (const r of repository.records)
    if (r.status === 'R' && r.revokedAt !== null)
      out.set(r.serial, { revokedAt: r.revokedAt, reason: r.revocationReason, repository: path });
  return out;
}
