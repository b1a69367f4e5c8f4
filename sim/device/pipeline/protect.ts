/**
 * Step 8, protect (DESIGN §1; GBCS 7.2.7–7.2.8): a response to a critical command (and any message
 * the use case signs) is signed with my DS key and carries no MAC; any other message gets a null
 * signature field and a MAC with KDF(me, CRA flag, counter, recipient) — protocol/security/protect.ts.
 * Alerts (sim/device/alerts.ts) are protected the same way with CRA 3 and my own counter.
 */
import { ErrorCode, GbcsError } from '../../../protocol/errors.ts';
import { encodeGroupingHeaderAndPayload, type GroupingHeader } from '../../../protocol/grouping-header.ts';
import { macProtect, signedProtect, unsignedApdu } from '../../../protocol/security/protect.ts';
import type { UseCase } from '../../../protocol/use-case-catalogue.ts';
import type { DeviceCore } from '../core.ts';

/**
 * The protected message of `payload` under header `h`: signed when `sign`, else MAC'd for the
 * recipient.
 * @throws GbcsError NO_KEY when unsigned and no KA trust anchor of the recipient is held (the
 *   authorise step checks it for responses, so only a misused API gets here).
 */
export function protect(dev: DeviceCore, h: GroupingHeader, payload: Uint8Array, sign: boolean): Uint8Array {
  const body = encodeGroupingHeaderAndPayload(h, payload);
  if (sign) {
    const priv = dev.credentials.ds.privateKey;
    // Without my DS private key (replay of published data) the signature cannot be genuine: the
    // field is filled with zeros and verifiers report it invalid; replay reports `no-key`.
    return signedProtect(priv ? dev.crypto.sign(priv, body.subarray(1)) : new Uint8Array(64), body);
  }
  const peer = dev.remotePartyKaKey(h.recipientId);
  const z = peer && dev.sharedSecretWith(h.recipientId, peer);
  if (!z) throw new GbcsError(ErrorCode.NO_KEY, `no KA trust anchor for recipient ${h.recipientId}`);
  return macProtect(dev.crypto, z, h, unsignedApdu(body));
}

/** Whether the response to a command of `uc` is signed (by the use case; or as the command was). */
export const responseSigned = (uc: UseCase, commandSigned: boolean): boolean =>
  uc.responseSigned === 'yes' || (uc.responseSigned === 'if-command-signed' && commandSigned);
