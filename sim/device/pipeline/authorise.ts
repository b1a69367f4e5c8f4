/**
 * Step 3, authorise (DESIGN §1): the message is a command (CRA flag 1) whose Message Code is a
 * command use case for my device type and for the originator's Remote Party Role, the originator
 * is a Known Remote Party (a trust-anchor cell names it) and the use case is not a HAN-only message
 * (those come from a PPMID or HCALCS, not a Remote Party), and — unless the response is signed — I
 * hold the originator's KA key to protect the response (GBCS 7.2.x; the use-case catalogue).
 */
import type { MacMessage, SigningMessage } from '../../../protocol/envelope.ts';
import { CraFlag } from '../../../protocol/types.ts';
import { type UseCase, useCaseOf } from '../../../protocol/use-case-catalogue.ts';
import { type DeviceCore, reject, type Step } from '../core.ts';
import { roleOfRemoteParty } from '../credentials.ts';
import { RejectReason } from '../state.ts';
import { ANY_BY_CONTINGENCY_CODE } from './contingency-signature.ts';

export function authoriseStep(
  dev: DeviceCore,
  m: MacMessage | SigningMessage,
): Step<{ useCase: UseCase; role: number }> {
  const h = m.apdu.header;
  if (h.craFlag !== CraFlag.COMMAND)
    return reject(RejectReason.NOT_A_COMMAND, `CRA flag ${h.craFlag} is not a command`);
  const uc = useCaseOf(h.messageCode);
  // A code GBCS lists with neither a use case nor a device type (0x00D5, the DCC's "Failure to
  // Deliver Remote Party Message to ESME Alert") is no device command: no device executes it.
  if (
    !uc ||
    uc.kind === 'alert' ||
    uc.kind === 'alert-critical' ||
    (uc.useCase === '' && uc.devices.length === 0)
  ) {
    return reject(
      RejectReason.UNKNOWN_MESSAGE_CODE,
      `message code 0x${h.messageCode.toString(16)} is not a command`,
    );
  }
  if (uc.devices.length > 0 && !uc.devices.includes(dev.deviceType)) {
    return reject(RejectReason.WRONG_DEVICE_TYPE, `${uc.useCase} is not for a ${dev.deviceType}`);
  }
  // anyByContingency is authorised by the Contingency Key as Root, whoever sends it (contingency-signature.ts).
  const role =
    h.messageCode === ANY_BY_CONTINGENCY_CODE ? 0 : roleOfRemoteParty(dev.credentials, h.originatorId);
  if (role === undefined) {
    return reject(RejectReason.NO_TRUST_ANCHOR, `originator ${h.originatorId} is not a Known Remote Party`);
  }
  if (uc.roles.length > 0 && !uc.roles.includes(role)) {
    return reject(RejectReason.NOT_AUTHORISED, `role ${role} may not send ${uc.useCase}`);
  }
  // A HAN-only message (GBCS Table 13.3 "HAN Only Message": PCS01/02, PECS01–03, HECS01) passes
  // from a PPMID or HCALCS to a meter over the HAN; no Remote Party may send it.
  if (uc.han) {
    return reject(
      RejectReason.NOT_AUTHORISED,
      `${uc.useCase} is a HAN-only message: no Remote Party (here role ${role}) may send it`,
    );
  }
  // The response is MAC'd for the originator unless it is signed: its KA key must be known.
  const signedResponse =
    uc.responseSigned === 'yes' ||
    (uc.responseSigned === 'if-command-signed' && m.apdu.signature.kind === 'present');
  if (!signedResponse && !dev.remotePartyKaKey(h.originatorId)) {
    return reject(
      RejectReason.NO_TRUST_ANCHOR,
      `no KA trust anchor for ${h.originatorId} to protect the response`,
    );
  }
  return { ok: true, value: { useCase: uc, role } };
}
