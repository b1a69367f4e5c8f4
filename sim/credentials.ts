/**
 * A device's Security Credentials (GBCS 4.3.x, smki-recovery-ch-domain.md §2.5): its own DS and KA
 * key pairs and its trust-anchor cells, one per (Remote Party Role, key usage, cell usage).
 * Plain data, serialisable.
 */
import type { Eui64 } from '../protocol/types.ts';

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
}

export interface KeyPair {
  publicKey: Uint8Array;
  /**
   * The private key, or null when unknown (a replaying device built from published test data,
   * where only certificates are public). A DS key of null makes signed responses unverifiable;
   * a KA key of null is covered by `peerPrivateKey` (ECDH from the other side gives the same Z).
   */
  privateKey: Uint8Array | null;
  /** The Device Certificate of this key pair (DER), when known: CS02e returns it (sim/models/security-credentials.ts). */
  certificate?: Uint8Array | null;
}

export interface DeviceCredentials {
  ds: KeyPair;
  ka: KeyPair;
  trustAnchors: TrustAnchorCell[];
}

export function findTrustAnchor(
  c: DeviceCredentials,
  role: number,
  usage: KeyUsage,
  cell: CellUsage = 'management',
): TrustAnchorCell | undefined {
  return c.trustAnchors.find((t) => t.role === role && t.usage === usage && t.cell === cell);
}

/** The role under which `eui` is a Known Remote Party of this device, or undefined. */
export function roleOfRemoteParty(c: DeviceCredentials, eui: Eui64): number | undefined {
  return c.trustAnchors.find((t) => t.subjectUniqueId === eui && t.cell === 'management')?.role;
}
