/**
 * A device's Security Credentials (GBCS 4.3.x, smki-recovery-ch-domain.md §2.5): its own DS and KA
 * key pairs and its trust-anchor cells, one per (Remote Party Role, key usage, cell usage).
 *
 * Durable (DESIGN §3): the device state holds them as a `CredentialsRecord` (plain data, hex
 * strings), which is the source of truth. A device restarted from its state store holds exactly
 * the cells and keys it held — those a CS02b/CS02g replaced and those a CS02d installed — whatever
 * credentials the restart was provisioned with (sim/device/device.ts).
 */
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';

export type KeyUsage = 'ds' | 'ka';
export type CellUsage = 'management' | 'prepayment';

/** A trust-anchor cell: the public key a device trusts for a role (GBCS Table 4.3.x). */
export interface TrustAnchorCell {
  role: number;
  usage: KeyUsage;
  cell: CellUsage;
  /** EUI-64 of the organisation that holds the key (all-zero for root). */
  subjectUniqueId: Eui64;
  /** 65-byte uncompressed point. */
  publicKey: Uint8Array;
  /**
   * Root cell only: the wrapped Contingency Public Key of the Root OCA certificate the cell was
   * filled from (its `id-pe-wrappedApexContinKey` extension, sim/smki/contingency.ts). CS02b
   * anyByContingency is verified with the key it unwraps under the command's plaintextSymmetricKey
   * (sim/device/pipeline/contingency-signature.ts). Absent: the device cannot take a contingency command.
   */
  wrappedContingencyKey?: Uint8Array;
}

export interface KeyPair {
  publicKey: Uint8Array;
  /**
   * The private key, or null when unknown (a replaying device built from published test data,
   * where only certificates are public). A DS key of null makes signed responses unverifiable;
   * a KA key of null is covered by `peerPrivateKey` (ECDH from the other side gives the same Z).
   */
  privateKey: Uint8Array | null;
  /** The Device Certificate of this key pair (DER), when known: CS02e returns it (sim/models/security/key-lifecycle.ts). */
  certificate?: Uint8Array | null;
}

export interface DeviceCredentials {
  ds: KeyPair;
  ka: KeyPair;
  trustAnchors: TrustAnchorCell[];
}

/**
 * The credentials a device holds, read-only: they change only through `Device.replaceCredentials`,
 * which records them in the durable state.
 */
export interface CredentialsView {
  readonly ds: Readonly<KeyPair>;
  readonly ka: Readonly<KeyPair>;
  readonly trustAnchors: readonly Readonly<TrustAnchorCell>[];
}

/** A key pair as plain data: hex strings, null when unknown. */
export interface KeyPairRecord {
  publicKey: string;
  privateKey: string | null;
  certificate: string | null;
}

/** A trust-anchor cell as plain data (`publicKey`: hex of the 65-byte point). */
export interface TrustAnchorCellRecord {
  role: number;
  usage: KeyUsage;
  cell: CellUsage;
  subjectUniqueId: Eui64;
  publicKey: string;
  /** Hex; Root cell only, when known (see `TrustAnchorCell`). */
  wrappedContingencyKey?: string;
}

/** Credentials as plain, serialisable data (the form they take in `DeviceState.credentials`). */
export interface CredentialsRecord {
  ds: KeyPairRecord;
  ka: KeyPairRecord;
  trustAnchors: TrustAnchorCellRecord[];
}

const pairRecord = (k: Readonly<KeyPair>): KeyPairRecord => ({
  publicKey: toHex(k.publicKey),
  privateKey: k.privateKey ? toHex(k.privateKey) : null,
  certificate: k.certificate ? toHex(k.certificate) : null,
});

export const cellRecord = (t: Readonly<TrustAnchorCell>): TrustAnchorCellRecord => ({
  role: t.role,
  usage: t.usage,
  cell: t.cell,
  subjectUniqueId: t.subjectUniqueId,
  publicKey: toHex(t.publicKey),
  ...(t.wrappedContingencyKey ? { wrappedContingencyKey: toHex(t.wrappedContingencyKey) } : {}),
});

/** The plain-data form of credentials. */
export function credentialsToRecord(c: CredentialsView): CredentialsRecord {
  return { ds: pairRecord(c.ds), ka: pairRecord(c.ka), trustAnchors: c.trustAnchors.map(cellRecord) };
}

const HEX = /^(?:[0-9a-f]{2})+$/;
const EUI = /^[0-9a-f]{16}$/;

function bad(what: string): never {
  throw new GbcsError(ErrorCode.BAD_VALUE, `device state: credentials: ${what}`);
}

function hexField(v: unknown, what: string, nullable: true): Uint8Array | null;
function hexField(v: unknown, what: string, nullable: false): Uint8Array;
function hexField(v: unknown, what: string, nullable: boolean): Uint8Array | null {
  if (v === null && nullable) return null;
  if (typeof v !== 'string' || !HEX.test(v)) bad(`${what} is not lowercase hex`);
  return fromHex(v);
}

function pairFromRecord(r: unknown, what: string): KeyPair {
  if (typeof r !== 'object' || r === null) bad(`${what} is not an object`);
  const o = r as Record<string, unknown>;
  return {
    publicKey: hexField(o.publicKey, `${what}.publicKey`, false),
    privateKey: hexField(o.privateKey ?? null, `${what}.privateKey`, true),
    certificate: hexField(o.certificate ?? null, `${what}.certificate`, true),
  };
}

/** A trust-anchor cell from its record. @throws GbcsError BAD_VALUE when the record is malformed */
export function cellFromRecord(r: unknown, what = 'trust-anchor cell'): TrustAnchorCell {
  if (typeof r !== 'object' || r === null) bad(`${what} is not an object`);
  const o = r as Record<string, unknown>;
  if (typeof o.role !== 'number' || !Number.isInteger(o.role) || o.role < 0 || o.role > 127)
    bad(`${what}.role is not a Remote Party Role`);
  if (o.usage !== 'ds' && o.usage !== 'ka') bad(`${what}.usage is not ds or ka`);
  if (o.cell !== 'management' && o.cell !== 'prepayment') bad(`${what}.cell is not management or prepayment`);
  if (typeof o.subjectUniqueId !== 'string' || !EUI.test(o.subjectUniqueId))
    bad(`${what}.subjectUniqueId is not an EUI-64`);
  return {
    role: o.role,
    usage: o.usage,
    cell: o.cell,
    subjectUniqueId: o.subjectUniqueId,
    publicKey: hexField(o.publicKey, `${what}.publicKey`, false),
    ...(o.wrappedContingencyKey === undefined
      ? {}
      : { wrappedContingencyKey: hexField(o.wrappedContingencyKey, `${what}.wrappedContingencyKey`, false) }),
  };
}

/**
 * Credentials from their record (fresh objects, nothing shared with the record).
 * @throws GbcsError BAD_VALUE when the record is malformed (a hand-edited or corrupted state file)
 */
export function credentialsFromRecord(r: unknown): DeviceCredentials {
  if (typeof r !== 'object' || r === null) bad('not an object');
  const o = r as Record<string, unknown>;
  if (!Array.isArray(o.trustAnchors)) bad('trustAnchors is not a list');
  return {
    ds: pairFromRecord(o.ds, 'ds'),
    ka: pairFromRecord(o.ka, 'ka'),
    trustAnchors: o.trustAnchors.map((t, i) => cellFromRecord(t, `trustAnchors[${i}]`)),
  };
}

/**
 * Credentials of a device whose stored state predates durable credentials: the provisioned ones
 * with the changes that state recorded re-applied — cells CS02b replaced
 * (`model.trustAnchorCells`) and key pairs CS02d installed (`model.securityCredentials.installed`
 * with their private keys). The legacy cell records are removed from `model`.
 */
export function migrateLegacyCredentials(
  provisioned: CredentialsView,
  model: Record<string, unknown>,
): CredentialsRecord {
  const rec = credentialsToRecord(provisioned);
  const cells = model.trustAnchorCells;
  if (Array.isArray(cells)) {
    for (const [i, raw] of cells.entries()) {
      const c = cellRecord(cellFromRecord(raw, `model.trustAnchorCells[${i}]`));
      const j = rec.trustAnchors.findIndex(
        (t) => t.role === c.role && t.usage === c.usage && t.cell === c.cell,
      );
      if (j >= 0) rec.trustAnchors[j] = c;
      else rec.trustAnchors.push(c);
    }
    delete model.trustAnchorCells;
  }
  const installed = (model.securityCredentials as { installed?: Record<string, unknown> } | undefined)
    ?.installed;
  for (const usage of ['ds', 'ka'] as const) {
    const i = installed?.[usage] as Record<string, unknown> | undefined;
    if (i && typeof i.privateKey === 'string')
      rec[usage] = pairRecord(pairFromRecord(i, `installed.${usage}`));
  }
  return rec;
}

export function findTrustAnchor(
  c: CredentialsView,
  role: number,
  usage: KeyUsage,
  cell: CellUsage = 'management',
): Readonly<TrustAnchorCell> | undefined {
  return c.trustAnchors.find((t) => t.role === role && t.usage === usage && t.cell === cell);
}

/** The role under which `eui` is a Known Remote Party of this device, or undefined. */
export function roleOfRemoteParty(c: CredentialsView, eui: Eui64): number | undefined {
  return c.trustAnchors.find((t) => t.subjectUniqueId === eui && t.cell === 'management')?.role;
}
