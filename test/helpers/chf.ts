/**
 * A CHF under test and a way to run one of its DLMS handlers directly (no envelope, no crypto),
 * shared by the CHF model tests.
 */
import { createCrypto } from '../../protocol/crypto/index.ts';
import { type AccessRequestSpecification, decodeDlmsApdu, encodeDlmsApdu } from '../../protocol/dlms/apdu.ts';
import type { DlmsData } from '../../protocol/dlms/axdr.ts';
import { groupingHeader } from '../../protocol/grouping-header.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { useCaseOf } from '../../protocol/use-case-catalogue.ts';
import type { AlertSpec } from '../../sim/alerts.ts';
import type { VirtualClock } from '../../sim/clock.ts';
import type { TrustAnchorCell } from '../../sim/credentials.ts';
import { Device, type ExecutionContext, type PayloadFault } from '../../sim/device.ts';
import { createExecutor } from '../../sim/executors/index.ts';
import { handlerFor } from '../../sim/models/index.ts';

export const crypto = createCrypto('noble');
export const CHF: Eui64 = '00db1234567890a2';
export const ACB: Eui64 = '90b3d51f30000002';

/** A CHF with deterministic keys (derived from 'chf') on `clock`. */
export function makeChfDevice(clock: VirtualClock, trustAnchors: TrustAnchorCell[] = []): Device {
  const k = crypto.sha256(new TextEncoder().encode('chf'));
  return new Device({
    eui: CHF,
    deviceType: 'CHF',
    credentials: {
      ds: { publicKey: crypto.publicKeyOf(k), privateKey: k },
      ka: { publicKey: crypto.publicKeyOf(k), privateKey: k },
      trustAnchors,
    },
    crypto,
    clock,
    executor: createExecutor('CHF'),
  });
}

/** Runs a CHF handler as the ACB; returns the results, the data and the alerts the command raised. */
export function runChf(
  dev: Device,
  messageCode: number,
  specs: AccessRequestSpecification[],
  data: DlmsData[],
  fault?: PayloadFault,
) {
  const alerts: AlertSpec[] = [];
  const ctx = {
    device: dev,
    header: groupingHeader({
      craFlag: 1,
      originatorCounter: 1n,
      originatorId: ACB,
      recipientId: dev.eui,
      messageCode,
      dateTime: null,
    }),
    payload: encodeDlmsApdu({
      type: 'access-request',
      longInvokeIdAndPriority: 0x20000001,
      dateTime: null,
      specifications: specs,
      data,
    }),
    useCase: useCaseOf(messageCode)!,
    signed: false,
    originatorRole: 4,
    now: dev.clock.now(),
    encryptForRecipient: () => {
      throw new Error('not used');
    },
    fault,
    raiseAlert: (s: AlertSpec) => {
      alerts.push(s);
      return null;
    },
  } as unknown as ExecutionContext;
  const r = decodeDlmsApdu(handlerFor('CHF', messageCode)!(ctx).payload);
  if (r.type !== 'access-response') throw new Error('not a response');
  return {
    results: r.responseSpecifications.map((s) => s.result),
    data: r.data,
    alerts: alerts.map((a) => a.alertCode),
  };
}
