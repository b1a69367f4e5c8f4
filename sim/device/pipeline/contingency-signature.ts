/**
 * How a device authorises CS02b anyByContingency (Message Code 0x0109, replacement mode 9): not
 * by a Known Remote Party's trust-anchor cell but by the Contingency Key of the SMKI
 * (smki-recovery-ch-domain.md §2.1, §2.6, §2.7 step 2; SEC glossary "Contingency Public Key"):
 *
 * 1. the Root cell holds, beside the Root public key, the wrapped Contingency Public Key carried in
 *    the Root OCA certificate it was filled from (RFC 5934 `id-pe-wrappedApexContinKey`;
 *    `TrustAnchorCell.wrappedContingencyKey`);
 * 2. the command carries the Contingency Symmetric Key in clear (`plaintextSymmetricKey`, GBCS:
 *    present always and only in this mode);
 * 3. the device unwraps the Contingency Public Key with it (AES key wrap with padding, RFC 5649 —
 *    the algorithm is gbcs-sim's assumption, sim/smki/contingency.ts) and verifies the command's
 *    signature with that key. No MAC (GBCS 6.2.3: KRP signature only).
 *
 * The originator is the DCC's contingency identity, which is no Known Remote Party (RTDS 4.5.0
 * `NA_CS02bAnyByContingency` answers `70b3d51f300017ff`, an EUI of no trust-anchor cell): the
 * command is authorised as Root (role 0), whose anti-replay floor it uses. A key that does not
 * unwrap (wrong Symmetric Key, a Root replaced since) or a signature that does not verify is
 * `SIGNATURE_INVALID`; a Root cell without a wrapped key, or a command without the Symmetric Key,
 * `NO_TRUST_ANCHOR`. Holding the Root OCA private key alone no longer authorises anything on a
 * device.
 */
import { decodeUpdateSecurityCredentialsCommand } from '../../../protocol/asn1/cs02b.ts';
import { DecodeError } from '../../../protocol/errors.ts';
import { unwrapContingencyPublicKey } from '../../smki/contingency.ts';
import type { CredentialsView } from '../credentials.ts';

/** Message Code of CS02b anyByContingency. */
export const ANY_BY_CONTINGENCY_CODE = 0x0109;

export type ContingencyKeyResult =
  | { ok: true; publicKey: Uint8Array }
  | { ok: false; reason: 'NO_TRUST_ANCHOR' | 'SIGNATURE_INVALID' | 'DECODE'; detail: string };

/**
 * The Contingency Public Key that authorises an anyByContingency command on a device holding
 * `credentials`: unwrapped from its Root cell with the command's plaintextSymmetricKey. Never throws.
 */
export function contingencyKeyFor(credentials: CredentialsView, payload: Uint8Array): ContingencyKeyResult {
  const root = credentials.trustAnchors.find((t) => t.role === 0 && t.cell === 'management');
  if (!root?.wrappedContingencyKey)
    return { ok: false, reason: 'NO_TRUST_ANCHOR', detail: 'the Root cell holds no wrapped Contingency Key' };
  let symmetricKey: Uint8Array | null;
  try {
    symmetricKey = decodeUpdateSecurityCredentialsCommand(payload).control.plaintextSymmetricKey;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { ok: false, reason: 'DECODE', detail: `anyByContingency payload: ${e.message}` };
  }
  if (!symmetricKey)
    return { ok: false, reason: 'NO_TRUST_ANCHOR', detail: 'anyByContingency without plaintextSymmetricKey' };
  const publicKey = unwrapContingencyPublicKey(root.wrappedContingencyKey, symmetricKey);
  if (!publicKey)
    return {
      ok: false,
      reason: 'SIGNATURE_INVALID',
      detail: 'the Symmetric Key does not unwrap the Contingency Key of the Root held',
    };
  return { ok: true, publicKey };
}
