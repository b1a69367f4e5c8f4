/**
 * Verification of a decoded GBCS message by a party that holds keys (a head-end, `decode`, a test
 * lab): the MAC, the signature and the encrypted payload parts (gbcs-wire-and-security.md §3).
 *
 * Key pairs (GBCS 6.2.3, as every RTDS message shows):
 * - Command (CRA 1): MAC by the Access Control Broker: Z = ECDH(ACB KA, recipient device KA);
 *   KDF originator = the Grouping Header's originator (the business originator, not the ACB).
 *   HAN-only messages (PCS, PECS, HECS) are MAC'd device to device instead.
 * - Response (CRA 2) and Alert (CRA 3): Z = ECDH(originator device KA, recipient KA).
 * - Signature: by the originator's DS key over the grouping header (without DF) and payload.
 * - Encrypted parts: KDF purpose 04; recipient = Supplementary Remote Party ID when present,
 *   counter = Supplementary Originator Counter when present (other-information length 26).
 * Static-static ECDH: Z is the same whichever side's private key is used, so a verifier that holds
 * either private key of the pair can compute it. Where a keystore holds several key generations of
 * a party (DCC Boxed's Z1 and Z1b sets), every combination is tried.
 */
import { toHex } from '../bytes.ts';
import type { GbcsCrypto, SharedSecretCache } from '../crypto/index.ts';
import { type MacMessage, macAad, type SigningMessage, signedBytes } from '../envelope.ts';
import type { GroupingHeader } from '../grouping-header.ts';
import { CraFlag, type Eui64 } from '../types.ts';
import { useCaseOf } from '../use-case-catalogue.ts';
import { decryptPartWith, encryptionParties, macParties, macVerifies, messageKey } from './protect.ts';

export type MacVerdict = 'valid' | 'invalid' | 'absent' | 'no-key';
export type SignatureVerdict = 'valid' | 'invalid' | 'absent' | 'null' | 'no-key';

export interface KeyPairView {
  publicKey: Uint8Array | null;
  privateKey: Uint8Array | null;
}

/** Where a verifier finds keys (management cell). */
export interface KeyResolver {
  publicKey(eui: Eui64, usage: 'ds' | 'ka'): Uint8Array | undefined;
  privateKey(eui: Eui64, usage: 'ds' | 'ka'): Uint8Array | undefined;
  /**
   * Every key pair held for the slot, best first (key generations, e.g. DCC Boxed's Z1 and Z1b
   * certificates of one organisation). MAC, signature and decryption checks try each.
   */
  keyPairs?(eui: Eui64, usage: 'ds' | 'ka'): ReadonlyArray<KeyPairView>;
}

export interface VerifyContext {
  crypto: GbcsCrypto;
  keys: KeyResolver;
  /** EUI of the Access Control Broker whose KA key MACs commands. */
  acbId: Eui64 | null;
  cache: SharedSecretCache;
}

function pairsOf(ctx: VerifyContext, eui: Eui64, usage: 'ds' | 'ka'): ReadonlyArray<KeyPairView> {
  return (
    ctx.keys.keyPairs?.(eui, usage) ?? [
      {
        publicKey: ctx.keys.publicKey(eui, usage) ?? null,
        privateKey: ctx.keys.privateKey(eui, usage) ?? null,
      },
    ]
  );
}

/**
 * Every candidate Z of the KA pair (a, b), computed from whichever private keys are known (one per
 * combination of key generations); empty when no private key of either side is known.
 */
export function sharedSecretsOf(ctx: VerifyContext, a: Eui64, b: Eui64): Uint8Array[] {
  const out: Uint8Array[] = [];
  const seen = new Set<string>();
  const add = (owner: Eui64, priv: Uint8Array, pub: Uint8Array) => {
    const z = ctx.cache.get(`${owner}/ka/${toHex(priv.subarray(0, 8))}`, priv, pub);
    const k = toHex(z);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(z);
    }
  };
  const pa = pairsOf(ctx, a, 'ka');
  const pb = pairsOf(ctx, b, 'ka');
  for (const x of pa) for (const y of pb) if (x.privateKey && y.publicKey) add(a, x.privateKey, y.publicKey);
  for (const y of pb) for (const x of pa) if (y.privateKey && x.publicKey) add(b, y.privateKey, x.publicKey);
  return out;
}

/** The first candidate Z of the KA pair (a, b) (see sharedSecretsOf), or undefined. */
export function sharedSecretOf(ctx: VerifyContext, a: Eui64, b: Eui64): Uint8Array | undefined {
  return sharedSecretsOf(ctx, a, b)[0];
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
  const zs = sharedSecretsOf(ctx, pair[0], pair[1]);
  if (zs.length === 0) return 'no-key';
  return macVerifies(ctx.crypto, zs, macParties(h), macAad(m), m.macHeader.mac) ? 'valid' : 'invalid';
}

export function verifySignature(ctx: VerifyContext, m: MacMessage | SigningMessage): SignatureVerdict {
  const s = m.apdu.signature;
  if (s.kind === 'absent') return 'absent';
  if (s.kind === 'null') return 'null';
  const pubs = pairsOf(ctx, m.apdu.header.originatorId, 'ds').flatMap((p) =>
    p.publicKey ? [p.publicKey] : [],
  );
  if (pubs.length === 0) return 'no-key';
  const signed = signedBytes(m);
  return pubs.some((pub) => ctx.crypto.verify(pub, signed, s.value)) ? 'valid' : 'invalid';
}

export { encryptionParties } from './protect.ts';

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
  const keys = sharedSecretsOf(ctx, p.originator, p.recipient).map((z) => messageKey(ctx.crypto, z, p));
  return parts.map(({ offset, length }) => {
    if (keys.length === 0) return { offset, length, plaintext: null, verdict: 'no-key' as const };
    const pt = decryptPartWith(
      ctx.crypto,
      keys,
      p.originator,
      m.apdu.payload.subarray(offset, offset + length),
    );
    return pt
      ? { offset, length, plaintext: pt, verdict: 'valid' as const }
      : { offset, length, plaintext: null, verdict: 'invalid' as const };
  });
}
