/**
 * Step 7, execute (DESIGN §1): the device model (`DeviceCore.model`, sim/models/index.ts) changes
 * state and yields the response payload; future-dated parts of the command go into the schedule
 * (sim/device/future-dated.ts). The execution context gives the model what it needs: the command,
 * the clock, encryption for the response's recipient, the injected payload fault and alerts.
 */
import { encodeDlmsDateTime } from '../../../protocol/dlms-date-time.ts';
import { ErrorCode, GbcsError } from '../../../protocol/errors.ts';
import { type GroupingHeader, groupingHeader } from '../../../protocol/grouping-header.ts';
import { encryptionParties, encryptPartFor } from '../../../protocol/security/protect.ts';
import { CraFlag } from '../../../protocol/types.ts';
import type { UseCase } from '../../../protocol/use-case-catalogue.ts';
import type { RaisedAlert } from '../alert-types.ts';
import { raiseAlert } from '../alerts.ts';
import type { CommandToExecute, DeviceCore, ExecutionContext } from '../core.ts';
import { faultFor } from '../faults.ts';
import { planFutureDated } from '../future-dated.ts';

/** Response header (GBCS 7.2.7, as RTDS shows): CRA 2, the command's counter, ids swapped, same codes. */
export function responseHeaderFor(dev: DeviceCore, h: GroupingHeader, uc: UseCase): GroupingHeader {
  return groupingHeader({
    craFlag: CraFlag.RESPONSE,
    originatorCounter: h.originatorCounter,
    originatorId: dev.eui,
    recipientId: h.originatorId,
    messageCode: h.messageCode,
    dateTime: uc.responseDateTime ? encodeDlmsDateTime(dev.clock.now()) : null,
    supplementaryRemotePartyId: h.supplementaryRemotePartyId,
    supplementaryRemotePartyCounter: h.supplementaryRemotePartyCounter,
  });
}

/**
 * The execution context of a command on `dev`; alerts the model raises through it are appended
 * to `alerts`.
 */
export function executionContext(
  dev: DeviceCore,
  c: CommandToExecute,
  alerts: RaisedAlert[] = [],
): ExecutionContext {
  const h = c.header;
  const rh = responseHeaderFor(dev, h, c.useCase);
  return {
    device: dev,
    header: h,
    payload: c.payload,
    useCase: c.useCase,
    signed: c.signed,
    originatorRole: c.originatorRole,
    now: dev.clock.now(),
    encryptForRecipient(plaintext) {
      const p = encryptionParties(rh);
      const pub = dev.remotePartyKaKey(p.recipient);
      const z = pub && dev.sharedSecretWith(p.recipient, pub);
      if (!z) throw new GbcsError(ErrorCode.NO_KEY, `no KA key to encrypt for ${p.recipient}`);
      return encryptPartFor(dev.crypto, z, p, plaintext);
    },
    fault: faultFor(
      dev.state.faults,
      h.messageCode,
      'dlms-results',
      'gbz-default-response',
      'gbz-attribute-status',
      'asn1-status',
      'sentinel',
    ),
    raiseAlert(spec) {
      const a = raiseAlert(dev, spec);
      alerts.push(a);
      return a;
    },
  };
}

/**
 * Runs the model on an accepted command and records its future-dated parts; the alerts it raises
 * are appended to `alerts`. Returns the response payload.
 */
export function executeStep(dev: DeviceCore, c: CommandToExecute, alerts: RaisedAlert[]): Uint8Array {
  const ctx = executionContext(dev, c, alerts);
  const payload = dev.execute(ctx).payload;
  // Future-dated parts of an accepted command wait in the schedule for the clock (sim/device/scheduler.ts).
  planFutureDated(ctx, payload);
  return payload;
}
