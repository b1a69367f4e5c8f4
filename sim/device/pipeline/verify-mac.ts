/**
 * Step 4, verifyMac (DESIGN §1; GBCS 6.2.3): a command's MAC is by the Access Control Broker —
 * Z = ECDH(my KA key, the ACB KA trust anchor), cached per key pair; KDF and GMAC per message
 * (protocol/security/protect.ts). A command the use case requires MAC'd must carry one.
 */
import type { MacMessage, SigningMessage } from '../../../protocol/envelope.ts';
import { macAad } from '../../../protocol/envelope.ts';
import { macParties, macVerifies } from '../../../protocol/security/protect.ts';
import { Role } from '../../../protocol/types.ts';
import type { UseCase } from '../../../protocol/use-case-catalogue.ts';
import { type DeviceCore, reject, type Step } from '../core.ts';
import { RejectReason } from '../state.ts';

export function verifyMacStep(dev: DeviceCore, m: MacMessage | SigningMessage, uc: UseCase): Step<boolean> {
  if (m.form !== 'mac') {
    if (uc.commandMac === 'required')
      return reject(RejectReason.MAC_MISSING, `${uc.useCase} must carry a MAC`);
    return { ok: true, value: false };
  }
  // A device holds one ACB KA cell; a replaying device may hold one per key generation.
  const acbs = dev.credentials.trustAnchors.filter(
    (t) => t.role === Role.ACCESS_CONTROL_BROKER && t.usage === 'ka' && t.cell === 'management',
  );
  if (acbs.length === 0)
    return reject(RejectReason.NO_TRUST_ANCHOR, 'no Access Control Broker KA trust anchor');
  const zs = acbs.flatMap((acb) => dev.sharedSecretWith(acb.subjectUniqueId, acb.publicKey) ?? []);
  if (zs.length === 0)
    return reject(RejectReason.NO_TRUST_ANCHOR, 'no KA private key on either side of the ACB pair');
  if (macVerifies(dev.crypto, zs, macParties(m.apdu.header), macAad(m), m.macHeader.mac))
    return { ok: true, value: true };
  return reject(RejectReason.MAC_INVALID, 'MAC does not verify');
}
