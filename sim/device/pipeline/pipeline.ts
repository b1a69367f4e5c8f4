/**
 * A command's path through a device (DESIGN §1), one function per step, in this order:
 *
 *   1 decode → 2 route → 3 authorise → 4 verifyMac → 5 verifySignature → 6 checkReplay
 *   → 7 execute → 8 protect
 *
 * Steps 1–6 return typed outcomes and change nothing: a command rejected at any of them leaves the
 * device exactly as it was. Only an accepted command raises the anti-replay floor (durably, through
 * the state store) and reaches the device model; should the model, the protection or the store
 * fail, the state goes back to what it was — a typed `EXECUTION_FAILED`, never a throw out of the
 * pipeline and never a half-executed command. Faults are injected around the stages
 * (with-faults.ts), not inside them.
 */
import type { GbcsMessage, MacMessage, SigningMessage } from '../../../protocol/envelope.ts';
import type { UseCase } from '../../../protocol/use-case-catalogue.ts';
import type { RaisedAlert } from '../alert-types.ts';
import { type CommandOutcome, type DeviceCore, reject, type Stages } from '../core.ts';
import { type Rejection, RejectReason, snapshotState } from '../state.ts';
import { authoriseStep } from './authorise.ts';
import { checkReplayStep, raiseFloor } from './check-replay.ts';
import { checkPayloadStep, decodeStep } from './decode.ts';
import { executeStep, responseHeaderFor } from './execute.ts';
import { protect, responseSigned } from './protect.ts';
import { routeStep } from './route.ts';
import { verifyMacStep } from './verify-mac.ts';
import { verifySignatureStep } from './verify-signature.ts';
import { withFaults } from './with-faults.ts';

/** The stages without faults. */
export const PLAIN_STAGES: Stages = { execute: executeStep, protect, finish: (_dev, outcome) => outcome };

/** The stages every device runs: the plain ones with fault injection around them. */
export const STAGES: Stages = withFaults(PLAIN_STAGES);

const refused = (rejection: Rejection, message: GbcsMessage | null): CommandOutcome => ({
  accepted: false,
  rejection,
  message,
  response: null,
});

/** Runs the whole pipeline on one message. Never throws on bad input. */
export function handleCommand(dev: DeviceCore, bytes: Uint8Array, stages: Stages = STAGES): CommandOutcome {
  const d = decodeStep(bytes); // 1
  if (!d.ok) return refused(d.rejection, null);
  const m = d.value;
  if (m.form === 'gbt')
    return refused(
      reject(RejectReason.GBT_BLOCK, 'a GBT block reaches a device only through reassembly').rejection,
      m,
    );
  const r = routeStep(dev, m); // 2
  if (!r.ok) return refused(r.rejection, m);
  const a = authoriseStep(dev, m); // 3
  if (!a.ok) return refused(a.rejection, m);
  const { useCase, role } = a.value;
  const mac = verifyMacStep(dev, m, useCase); // 4
  if (!mac.ok) return refused(mac.rejection, m);
  const sig = verifySignatureStep(dev, m, useCase, role); // 5
  if (!sig.ok) return refused(sig.rejection, m);
  const rp = checkReplayStep(dev, m, role); // 6
  if (!rp.ok) return refused(rp.rejection, m);
  const pl = checkPayloadStep(m, useCase); // 1, the payload: it must decode before anything runs
  if (!pl.ok) return refused(pl.rejection, m);
  return executeAndProtect(dev, m, useCase, role, sig.value, stages); // 7, 8
}

/**
 * Steps 7 and 8 of an accepted command: the floor is raised before execution, so the model sees
 * it (a CS02b may move it); the state is persisted before the response leaves.
 */
function executeAndProtect(
  dev: DeviceCore,
  m: MacMessage | SigningMessage,
  useCase: UseCase,
  role: number,
  signed: boolean,
  stages: Stages,
): CommandOutcome {
  const before = snapshotState(dev.state);
  const h = m.apdu.header;
  const alerts: RaisedAlert[] = [];
  try {
    raiseFloor(dev, m, role);
    const header = responseHeaderFor(dev, h, useCase);
    const command = { header: h, payload: m.apdu.payload, useCase, signed, originatorRole: role };
    const payload = stages.execute(dev, command, alerts);
    const response = stages.protect(dev, header, payload, responseSigned(useCase, signed));
    dev.persist();
    return stages.finish(dev, {
      accepted: true,
      message: m,
      useCase,
      originatorRole: role,
      response,
      responseHeader: header,
      ...(alerts.length > 0 ? { alerts } : {}),
    });
  } catch (e) {
    dev.state = before;
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return refused(
      reject(RejectReason.EXECUTION_FAILED, `${useCase.useCase || 'command'}: ${what}`).rejection,
      m,
    );
  }
}
