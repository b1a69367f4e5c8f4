/**
 * Step 5, verifySignature (DESIGN §1; GBCS 7.2.8): a critical command must carry the originator's
 * signature, verified against the DS trust anchor of the originator's Remote Party Role whose
 * subject is the originator. A message with neither MAC nor signature is refused. CS02b
 * anyByContingency is verified with the Contingency Key its Root cell unwraps instead
 * (contingency-signature.ts).
 */
import { type MacMessage, type SigningMessage, signedBytes } from '../../../protocol/envelope.ts';
import type { UseCase } from '../../../protocol/use-case-catalogue.ts';
import { type DeviceCore, reject, type Step } from '../core.ts';
import { RejectReason } from '../state.ts';
import { ANY_BY_CONTINGENCY_CODE, contingencyKeyFor } from './contingency-signature.ts';

export function verifySignatureStep(
  dev: DeviceCore,
  m: MacMessage | SigningMessage,
  uc: UseCase,
  role: number,
): Step<boolean> {
  const s = m.apdu.signature;
  if (s.kind !== 'present') {
    if (uc.commandSignature === 'required') {
      return reject(RejectReason.SIGNATURE_MISSING, `${uc.useCase} is critical: a signature is required`);
    }
    if (m.form !== 'mac') return reject(RejectReason.MAC_MISSING, 'neither MAC nor signature');
    return { ok: true, value: false };
  }
  if (m.apdu.header.messageCode === ANY_BY_CONTINGENCY_CODE) {
    const k = contingencyKeyFor(dev.credentials, m.apdu.payload);
    if (!k.ok) return reject(RejectReason[k.reason], k.detail);
    if (!dev.crypto.verify(k.publicKey, signedBytes(m), s.value))
      return reject(RejectReason.SIGNATURE_INVALID, 'signature does not verify with the Contingency Key');
    return { ok: true, value: true };
  }
  // The cell of the originator's role whose subject is the originator (a device holds one cell per
  // role; a replaying device provisioned from a keystore may hold several: two suppliers, or two
  // key generations of one party).
  const anchors = dev.credentials.trustAnchors.filter(
    (t) => t.role === role && t.usage === 'ds' && t.subjectUniqueId === m.apdu.header.originatorId,
  );
  if (anchors.length === 0)
    return reject(RejectReason.NO_TRUST_ANCHOR, `no DS trust anchor for role ${role}`);
  const signed = signedBytes(m);
  if (!anchors.some((a) => dev.crypto.verify(a.publicKey, signed, s.value))) {
    return reject(RejectReason.SIGNATURE_INVALID, 'signature does not verify');
  }
  return { ok: true, value: true };
}
