/**
 * What the GPF checks before it holds a command for the sleepy GSME (issue 8 finding 6: without
 * checks, unauthenticated junk addressed to the GSME filled its queue and legitimate commands were
 * refused QUEUE_FULL).
 *
 * Which checks the GPF can make follows from the key material it holds [inferred from GBCS 4.3 and
 * the key cells of smki-recovery-ch-domain.md §2.5]: a GSME command's MAC is keyed by
 * ECDH(GSME KA private key, ACB KA public key) — the GPF holds neither private key, so it cannot
 * verify the MAC; a signature would verify against the GSME's own trust-anchor cells, which the GPF
 * does not hold (its cells are its own, and a CS02b may have replaced the GSME's alone). So the GPF
 * checks everything that needs no key, with the reasons the GSME itself would give:
 *
 * 1. the message decodes (done by the CHF before routing) and is a whole message, not a GBT block
 *    (GBT_BLOCK);
 * 2. its CRA flag is a command (NOT_A_COMMAND);
 * 3. its Message Code is a command (UNKNOWN_MESSAGE_CODE) for a GSME (WRONG_DEVICE_TYPE);
 * 4. it carries the protection its use case needs: a signature when critical (SIGNATURE_MISSING),
 *    a MAC when the use case requires one, and at least one of them (MAC_MISSING);
 * 5. its payload decodes in the use case's encoding, GBZ (DECODE).
 *
 * The MAC, the signature and the anti-replay floor are checked by the GSME when it wakes. The
 * harness also bounds what each link may hold in the queue (app/serve.ts).
 */
import type { GbcsMessage } from '../../protocol/envelope.ts';
import { CraFlag } from '../../protocol/types.ts';
import { useCaseOf } from '../../protocol/use-case-catalogue.ts';
import { checkPayloadStep, type Rejection, RejectReason } from '../device/device.ts';

/** Null when the GPF may queue `m` for the GSME, else why the GSME would refuse it. */
export function gsmeQueueCheck(m: GbcsMessage): Rejection | null {
  const no = (reason: RejectReason, detail: string): Rejection => ({ reason, detail: `GPF: ${detail}` });
  if (m.form === 'gbt') return no(RejectReason.GBT_BLOCK, 'a GBT block is queued only once reassembled');
  const h = m.apdu.header;
  if (h.craFlag !== CraFlag.COMMAND)
    return no(RejectReason.NOT_A_COMMAND, `CRA flag ${h.craFlag} is not a command`);
  const uc = useCaseOf(h.messageCode);
  if (!uc || uc.kind === 'alert' || uc.kind === 'alert-critical')
    return no(
      RejectReason.UNKNOWN_MESSAGE_CODE,
      `message code 0x${h.messageCode.toString(16)} is not a command`,
    );
  if (uc.devices.length > 0 && !uc.devices.includes('GSME'))
    return no(RejectReason.WRONG_DEVICE_TYPE, `${uc.useCase} is not for a GSME`);
  const signed = m.apdu.signature.kind === 'present';
  if (uc.commandSignature === 'required' && !signed)
    return no(RejectReason.SIGNATURE_MISSING, `${uc.useCase} is critical: a signature is required`);
  if (m.form !== 'mac' && (uc.commandMac === 'required' || !signed))
    return no(RejectReason.MAC_MISSING, `${uc.useCase} must carry a MAC`);
  const payload = checkPayloadStep(m, uc);
  return payload.ok ? null : { ...payload.rejection, detail: `GPF: ${payload.rejection.detail}` };
}
