/**
 * Verification of a decoded GBCS message by a party that holds keys (a head-end, `decode`, a test
 * lab): the MAC, the signature and the encrypted payload parts (gbcs-wire-and-security.md §3).
 *
 * Key pairs (GBCS 6.2.3, as every RTDS message shows):
 * - Command (CRA 1): MAC by the Access Control Broker: Z = ECDH(ACB KA, recipient device KA);
 *   KDF originator = the Grouping Header's originator (the business originator, not the ACB).
 * - Response (CRA 2) and Alert (CRA 3): Z = ECDH(originator device KA, recipient KA).
 * - Signature: by the originator's DS key over the grouping header (without DF) and payload.
 * - Encrypted parts: KDF purpose 04; recipient = Supplementary Remote Party ID when present,
 *   counter = Supplementary Originator Counter when present (other-information length 26).
 * Static-static ECDH: Z is the same whichever side's private key is used, so a verifier that holds
 * either private key of the pair can compute it.
 */

import { equalBytes } from './bytes.ts';
import {
  decryptPayloadPart,
  deriveKey,
  type GbcsCrypto,
  gbcsMac,
  gcmIv,
  kdfOtherInfo,
  type SharedSecretCache,
} from './crypto/index.ts';
import { type MacMessage, macAad, type SigningMessage, signedBytes } from './envelope.ts';
import type { GroupingHeader } from './grouping-header.ts';
import { CraFlag, type Eui64, KdfPurpose } from './types.ts';
import { useCaseOf } from './use-case-catalogue.ts';

export type MacVerdict = 'valid' | 'invalid' | 'absent' | 'no-key';
export type SignatureVerdict = 'valid' | 'invalid' | 'absent' | 'null' | 'no-key';

/** Where a verifier finds keys. `cell` defaults to management. */
export interface KeyResolver {
  publicKey(eui: Eui64, usage: 'ds' | 'ka'): Uint8Array | undefined;
  privateKey(eui: Eui64, usage: 'ds' | 'ka'): Uint8Array | undefined;
  /**
   * Every public key held for the slot, best first (a keystore may hold several generations, e.g.
   * DCC Boxed's Z1 and Z1b certificates of one organisation). Signature checks try each.
   */
  publicKeys?(eui: Eui64, usage: 'ds' | 'ka'): Uint8Array[];
}

export interface VerifyContext {
  crypto: GbcsCrypto;
  keys: KeyResolver;
  /** EUI of the Access Control Broker whose KA key MACs commands. */
  acbId: Eui64 | null;
  cache: SharedSecretCache;
}

/** Z of the KA pair (a, b), from whichever private key is known; undefined when neither is. */
export function sharedSecretOf(ctx: VerifyContext, a: Eui64, b: Eui64): Uint8Array | undefined {
  const privA = ctx.keys.privateKey(a, 'ka');
  const pubB = ctx.keys.publicKey(b, 'ka');
  if (privA && pubB) return ctx.cache.get(`${a}/ka`, privA, pubB);
  const privB = ctx.keys.privateKey(b, 'ka');
  const pubA = ctx.keys.publicKey(a, 'ka');
  if (privB && pubA) return ctx.cache.get(`${b}/ka`, privB, pubA);
  return undefined;
}

/** The KA pair that protects a message's MAC: [one side, other side]. */
export function macKeyPair(h: GroupingHeader, acbId: Eui64 | null): [Eui64, Eui64] | null {
  // HAN-only messages (PCS, PECS, HECS) are MAC'd device to device, never by the ACB.
  if (h.craFlag === CraFlag.COMMAND && !useCaseOf(h.messageCode)?.han) {
    return acbId === null ? null : [acbId, h.recipientId];
  }
  return [h.originatorId, h.recipientId];
}

export function verifyMac(ctx: VerifyContext, m: MacMessage | SigningMessage): MacVerdict {
  if (m.form !== 'mac') return 'absent';
  const h = m.apdu.header;
  const pair = macKeyPair(h, ctx.acbId);
  if (!pair) return 'no-key';
  const z = sharedSecretOf(ctx, pair[0], pair[1]);
  if (!z) return 'no-key';
  const key = deriveKey(
    ctx.crypto,
    z,
    kdfOtherInfo(h.originatorId, h.craFlag, h.originatorCounter, h.recipientId),
  );
  const mac = gbcsMac(ctx.crypto, key, gcmIv(h.originatorId), macAad(m));
  return equalBytes(mac, m.macHeader.mac) ? 'valid' : 'invalid';
}

export function verifySignature(ctx: VerifyContext, m: MacMessage | SigningMessage): SignatureVerdict {
  const s = m.apdu.signature;
  if (s.kind === 'absent') return 'absent';
  if (s.kind === 'null') return 'null';
  const id = m.apdu.header.originatorId;
  const pubs =
    ctx.keys.publicKeys?.(id, 'ds') ?? [ctx.keys.publicKey(id, 'ds')].filter((k) => k !== undefined);
  if (pubs.length === 0) return 'no-key';
  const signed = signedBytes(m);
  return pubs.some((pub) => ctx.crypto.verify(pub, signed, s.value)) ? 'valid' : 'invalid';
}

/** Parameters of the payload-encryption KDF for a message (purpose 04). */
export function encryptionParties(h: GroupingHeader): {
  originator: Eui64;
  recipient: Eui64;
  counter: bigint;
} {
  return {
    originator: h.originatorId,
    recipient: h.supplementaryRemotePartyId ?? h.recipientId,
    counter: h.supplementaryOriginatorCounter ?? h.originatorCounter,
  };
}

export interface DecryptedPart {
  /** Offset of the `31` security byte within the payload. */
  offset: number;
  length: number;
  /** Plaintext, or null when no key ('no-key') or the tag failed ('invalid'). */
  plaintext: Uint8Array | null;
  verdict: 'valid' | 'invalid' | 'no-key';
}

/** Decrypts the parts at `parts` (offsets within the payload, e.g. from locateEncryptedParts). */
export function decryptParts(
  ctx: VerifyContext,
  m: MacMessage | SigningMessage,
  parts: ReadonlyArray<{ offset: number; length: number }>,
): DecryptedPart[] {
  if (parts.length === 0) return [];
  const p = encryptionParties(m.apdu.header);
  const z = sharedSecretOf(ctx, p.originator, p.recipient);
  const key =
    z && deriveKey(ctx.crypto, z, kdfOtherInfo(p.originator, KdfPurpose.ENCRYPTION, p.counter, p.recipient));
  const iv = gcmIv(p.originator);
  return parts.map(({ offset, length }) => {
    if (!key) return { offset, length, plaintext: null, verdict: 'no-key' as const };
    const pt = decryptPayloadPart(ctx.crypto, key, iv, m.apdu.payload.subarray(offset, offset + length));
    return { offset, length, plaintext: pt, verdict: pt ? ('valid' as const) : ('invalid' as const) };
  });
}
