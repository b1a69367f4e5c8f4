/**
 * Step 2, route (DESIGN §1): a message goes to the device its recipient id names. The CHF delivers
 * by `recipientOf` (sim/premises/premises.ts: to itself, a HAN device, or the GPF's queue for the
 * sleepy GSME); a device refuses what is not addressed to it (`NOT_FOR_ME`).
 */
import type { GbcsMessage, MacMessage, SigningMessage } from '../../../protocol/envelope.ts';
import type { Eui64 } from '../../../protocol/types.ts';
import { type DeviceCore, reject, type Step } from '../core.ts';
import { RejectReason } from '../state.ts';

/** The recipient a message is routed by: the grouping header's, or a GBT block's routing header. */
export const recipientOf = (m: GbcsMessage): Eui64 =>
  m.form === 'gbt' ? m.block.routing.recipientId : m.apdu.header.recipientId;

export function routeStep(dev: Pick<DeviceCore, 'eui'>, m: MacMessage | SigningMessage): Step<null> {
  if (m.apdu.header.recipientId !== dev.eui) {
    return reject(RejectReason.NOT_FOR_ME, `recipient ${m.apdu.header.recipientId} is not ${dev.eui}`);
  }
  return { ok: true, value: null };
}
