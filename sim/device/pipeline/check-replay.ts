/**
 * Step 6, checkReplay (DESIGN §1; GBCS 4.3.1.5): the Originator Counter must be above the floor held
 * for the originator's Remote Party Role. The floor is raised only once the command is accepted
 * (`raiseFloor`, called by the pipeline): steps 1–6 change nothing.
 */
import type { MacMessage, SigningMessage } from '../../../protocol/envelope.ts';
import { type DeviceCore, reject, type Step } from '../core.ts';
import { RejectReason } from '../state.ts';

export function checkReplayStep(dev: DeviceCore, m: MacMessage | SigningMessage, role: number): Step<null> {
  const floor = BigInt(dev.state.antiReplay[String(role)] ?? '0');
  const c = m.apdu.header.originatorCounter;
  if (c <= floor) return reject(RejectReason.REPLAY, `originator counter ${c} is not above ${floor}`);
  return { ok: true, value: null };
}

/** Accepts the counter: the role's floor becomes the command's Originator Counter. */
export function raiseFloor(dev: DeviceCore, m: MacMessage | SigningMessage, role: number): void {
  dev.state.antiReplay[String(role)] = m.apdu.header.originatorCounter.toString();
}
