/**
 * Virtual time (sim/device/scheduler.ts): future-dated DLMS activation times, GBZ start times and ASN.1
 * execution date-times are accepted, kept in the device state, executed when the clock reaches
 * them and reported with 0x8F66 / 0x8F67; cancellation and immediate values; timers in time order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DerTag,
  decodeDer,
  derConstructed,
  derGeneralizedTime,
  derInteger,
  derTlv,
} from '../../../protocol/asn1/der.ts';
import { concatBytes, fromHex, toHex } from '../../../protocol/bytes.ts';
import { createCrypto } from '../../../protocol/crypto/index.ts';
import { encodeDlmsApdu } from '../../../protocol/dlms/apdu.ts';
import type { DlmsData } from '../../../protocol/dlms/axdr.ts';
import { encodeDlmsDateTime } from '../../../protocol/dlms-date-time.ts';
import { decodeGbcsMessage, type MacMessage, type SigningMessage } from '../../../protocol/envelope.ts';
import { encodeGbzCommands } from '../../../protocol/gbz/gbz.ts';
import { decodePayload } from '../../../protocol/payload.ts';
import { VirtualClock } from '../../../sim/clock.ts';
import { AlertMessageCode, zigbeeTime } from '../../../sim/device/alerts.ts';
import type { Executor } from '../../../sim/device/device.ts';
import {
  ASN1_CANCEL_MS,
  asn1ExecutionTime,
  dlmsExecutionTime,
  isFutureDated,
  Scheduler,
  zigbeeExecutionTime,
} from '../../../sim/device/scheduler.ts';
import { partyEui } from '../../../sim/head-end/scenario.ts';
import { executeDlmsAccessRequest } from '../../../sim/models/common/dlms-generic.ts';
import { executeGbzCommand } from '../../../sim/models/common/gbz-generic.ts';
import { executorModel } from '../../../sim/models/index.ts';
import { DEFAULT_PREMISES } from '../../../sim/premises/premises.ts';
import { deviceLike, setupPremises } from '../../fixtures/premises.ts';

const crypto = createCrypto('noble');
const T0 = Date.UTC(2026, 0, 10, 8, 0, 0);
const DAY = 86_400_000;

function setup(kind: 'ESME' | 'GSME', executor: Executor) {
  const { clock, premises, headEnd } = setupPremises('scheduler-test', T0, crypto);
  const like = premises.devices.get(kind === 'ESME' ? DEFAULT_PREMISES.esme : DEFAULT_PREMISES.gsme)!;
  const dev = deviceLike(like, crypto, { clock, model: executorModel(kind, executor) });
  return { clock, headEnd, dev, scheduler: new Scheduler(clock, [dev]) };
}

const decode = (b: Uint8Array) => decodeGbcsMessage(b) as MacMessage | SigningMessage;
const CHARGE_TOU = fromHex('0000131400ff');
const CURRENCY_UNIT = fromHex('00005e2c0200');

/** ECS01a-like: set passive values and their activation times. */
function ecs01aPayload(activations: Array<[number, Uint8Array, number, Uint8Array]>) {
  return (counter: bigint) =>
    encodeDlmsApdu({
      type: 'access-request',
      longInvokeIdAndPriority: (0x20000000 | Number(counter & 0xffffffn)) >>> 0,
      dateTime: null,
      specifications: activations.map(([classId, instanceId, attributeId]) => ({
        type: 'set' as const,
        attribute: { classId, instanceId, attributeId },
      })),
      data: activations.map(([, , , v]): DlmsData => ({ type: 'octet-string', value: v })),
    });
}

describe('future-dated DLMS commands', () => {
  it('accepts, keeps the task durably, executes when the clock gets there and raises 0x8F66 per target', () => {
    const { clock, headEnd, dev, scheduler } = setup('ESME', executeDlmsAccessRequest);
    const due = T0 + 2 * DAY + 3_600_000;
    const cmd = headEnd.buildCommand({
      originatorId: partyEui('supplier'),
      recipientId: dev.eui,
      messageCode: 0x0019,
      payload: ecs01aPayload([
        [113, CHARGE_TOU, 7, encodeDlmsDateTime(due)],
        [9000, CURRENCY_UNIT, 6, encodeDlmsDateTime(due)],
      ]),
    });
    const out = dev.handle(cmd.bytes);
    expect(out.accepted).toBe(true);
    expect(out.accepted && out.alerts).toBeUndefined();
    expect(dev.state.schedule).toHaveLength(2);
    expect(JSON.parse(JSON.stringify(dev.state))).toEqual(dev.state);
    expect(scheduler.nextDue()).toBe(due);
    // Nothing before the time.
    expect(scheduler.advanceTo(due - 1)).toEqual([]);
    const alerts = scheduler.advance(1);
    expect(clock.now()).toBe(due);
    expect(alerts.map((a) => [a.messageCode, a.alertCode, a.at])).toEqual([
      [AlertMessageCode.FUTURE_DATED_DLMS, 0x8f66, due],
      [AlertMessageCode.FUTURE_DATED_DLMS, 0x8f66, due],
    ]);
    expect(dev.state.schedule).toBeUndefined();
    const m = decode(alerts[0]!.bytes);
    expect(m.apdu.header).toMatchObject({ craFlag: 3, recipientId: partyEui('supplier'), messageCode: 0xcc });
    expect(headEnd.verify(alerts[0]!.bytes).signature).toBe('valid');
    const d = decodePayload(m.apdu.payload, 0, { craFlag: 3 });
    if (
      d.encoding !== 'dlms' ||
      d.apdu.type !== 'data-notification' ||
      d.apdu.notificationBody.type !== 'structure'
    )
      throw new Error('not a DLMS alert');
    const part = d.apdu.notificationBody.value[2];
    // message code ‖ originator counter ‖ class ‖ instance ‖ attribute of the activation time.
    expect(part?.type === 'octet-string' && toHex(part.value)).toBe(
      `0019${cmd.header.originatorCounter.toString(16).padStart(16, '0')}0071${toHex(CHARGE_TOU)}07`,
    );
    expect(scheduler.advance(10 * DAY)).toEqual([]);
  });

  it('a "not specified" date cancels; a zero date or a past one activates at once', () => {
    const { clock, headEnd, dev, scheduler } = setup('ESME', executeDlmsAccessRequest);
    const send = (v: Uint8Array) =>
      dev.handle(
        headEnd.buildCommand({
          originatorId: partyEui('supplier'),
          recipientId: dev.eui,
          messageCode: 0x0019,
          payload: ecs01aPayload([[113, CHARGE_TOU, 7, v]]),
        }).bytes,
      );
    send(encodeDlmsDateTime(T0 + DAY));
    expect(dev.state.schedule?.map((t) => t.dueMs)).toEqual([T0 + DAY]);
    // A later future date replaces the pending activation.
    send(encodeDlmsDateTime(T0 + 2 * DAY));
    expect(dev.state.schedule?.map((t) => t.dueMs)).toEqual([T0 + 2 * DAY]);
    send(new Uint8Array(12).fill(0xff));
    expect(dev.state.schedule ?? []).toEqual([]);
    send(new Uint8Array(12));
    send(encodeDlmsDateTime(T0 - DAY));
    expect(dev.state.schedule ?? []).toEqual([]);
    expect(scheduler.advance(3 * DAY)).toEqual([]);
    expect(clock.now()).toBe(T0 + 3 * DAY);
  });

  it('reads DLMS execution times', () => {
    expect(dlmsExecutionTime(encodeDlmsDateTime(T0))).toEqual({ kind: 'at', ms: T0 });
    expect(dlmsExecutionTime(new Uint8Array(12))).toEqual({ kind: 'now' });
    expect(dlmsExecutionTime(new Uint8Array(12).fill(0xff))).toEqual({ kind: 'cancel' });
    expect(zigbeeExecutionTime(0)).toEqual({ kind: 'now' });
    expect(zigbeeExecutionTime(0xffffffff)).toEqual({ kind: 'cancel' });
    expect(zigbeeExecutionTime(zigbeeTime(T0))).toEqual({ kind: 'at', ms: T0 });
  });
});

describe('future-dated GBZ commands', () => {
  it('a Change Payment Mode with a future implementation time raises 0x00CD naming the ZCL command', () => {
    const { headEnd, dev, scheduler } = setup('GSME', executeGbzCommand);
    const due = T0 + DAY;
    const le32 = (n: number) => Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
    const cmd = headEnd.buildCommand({
      originatorId: partyEui('supplier'),
      recipientId: dev.eui,
      messageCode: 0x006d,
      payload: encodeGbzCommands([
        {
          clusterId: 0x0705,
          frameControl: 0x01,
          commandId: 0x06,
          transactionSequenceNumber: 1,
          // provider id, issuer event id, implementation date-time, proposed configuration, cut-off value
          zcl: concatBytes(le32(0), le32(7), le32(zigbeeTime(due)), Uint8Array.of(0x97, 0x08), le32(0)),
        },
      ]),
    });
    expect(dev.handle(cmd.bytes).accepted).toBe(true);
    const [a, ...more] = scheduler.advance(DAY);
    expect(more).toEqual([]);
    expect(a).toMatchObject({ messageCode: AlertMessageCode.FUTURE_DATED_GBZ, alertCode: 0x8f66, at: due });
    const d = decodePayload(decode(a!.bytes).apdu.payload, 0, { craFlag: 3 });
    expect(d.encoding === 'gbz' && d.gbz).toMatchObject({
      type: 'alert',
      timestamp: zigbeeTime(due),
      alertBody: {
        type: 'future-dated-outcome',
        messageCode: 0x006d,
        originatorCounter: cmd.header.originatorCounter,
        clusterId: 0x0705,
        frameControl: 0x01,
        commandId: 0x06,
      },
    });
  });
});

describe('future-dated ASN.1 commands', () => {
  const HASH = new Uint8Array(32).fill(0xab);
  const cs06 = (counter: number, at: number | null) =>
    derConstructed(
      DerTag.SEQUENCE,
      derTlv(DerTag.OCTET_STRING, HASH),
      derInteger(counter),
      ...(at === null ? [] : [derGeneralizedTime(at)]),
    );
  /** CS06 as a firmware model answers it: "Command Accepted" when future-dated, else the outcome. */
  const firmware =
    (responseCode: number): Executor =>
    (ctx) =>
      isFutureDated(ctx)
        ? { payload: Uint8Array.of(0x05, 0x00) }
        : {
            payload: derConstructed(
              DerTag.SEQUENCE,
              derInteger(responseCode),
              derTlv(DerTag.OCTET_STRING, Uint8Array.of(1, 2, 3, 4)),
            ),
          };

  it('executes the command without its execution date-time when due and reports the outcome (0x00CA)', () => {
    const { headEnd, dev, scheduler } = setup('ESME', firmware(0));
    const due = T0 + 5 * DAY;
    const cmd = headEnd.buildCommand({
      originatorId: partyEui('supplier'),
      recipientId: dev.eui,
      messageCode: 0x0012,
      payload: cs06(1234, due),
    });
    const out = dev.handle(cmd.bytes);
    expect(out.accepted && toHex(decode(out.response).apdu.payload)).toBe('0500');
    const [a] = scheduler.advance(5 * DAY);
    expect(a).toMatchObject({
      messageCode: AlertMessageCode.FUTURE_DATED_FIRMWARE_ACTIVATION,
      alertCode: 0x8f66,
    });
    const n = decodeDer(decode(a!.bytes).apdu.payload);
    // alert code, execution date-time, the payload's originator counter, execution outcome
    expect(n.children?.map((c) => c.tag)).toEqual([
      DerTag.INTEGER,
      DerTag.GENERALIZED_TIME,
      DerTag.INTEGER,
      DerTag.SEQUENCE,
    ]);
    expect(toHex(n.children![1]!.value)).toBe(toHex(derGeneralizedTime(due).subarray(2)));
    expect(toHex(n.children![2]!.value)).toBe(toHex(derInteger(1234).subarray(2)));
  });

  it('reports a failed execution with 0x8F67', () => {
    const { headEnd, dev, scheduler } = setup('ESME', firmware(1));
    const cmd = headEnd.buildCommand({
      originatorId: partyEui('supplier'),
      recipientId: dev.eui,
      messageCode: 0x0012,
      payload: cs06(1, T0 + DAY),
    });
    dev.handle(cmd.bytes);
    expect(scheduler.advance(DAY).map((a) => a.alertCode)).toEqual([0x8f67]);
  });

  it('9999-12-31T23:59:59Z cancels a pending execution', () => {
    const { headEnd, dev, scheduler } = setup('ESME', firmware(0));
    const send = (at: number) =>
      dev.handle(
        headEnd.buildCommand({
          originatorId: partyEui('supplier'),
          recipientId: dev.eui,
          messageCode: 0x0012,
          payload: cs06(1, at),
        }).bytes,
      );
    send(T0 + DAY);
    expect(dev.state.schedule).toHaveLength(1);
    send(ASN1_CANCEL_MS);
    expect(dev.state.schedule ?? []).toEqual([]);
    expect(scheduler.advance(2 * DAY)).toEqual([]);
    expect(asn1ExecutionTime(cs06(1, ASN1_CANCEL_MS))?.time).toEqual({ kind: 'cancel' });
    expect(asn1ExecutionTime(cs06(1, null))).toBeNull();
  });
});

describe('Scheduler timers', () => {
  it('runs timers and device tasks in time order, never moving the clock backwards', () => {
    const clock = new VirtualClock(T0);
    const s = new Scheduler(clock, []);
    const seen: string[] = [];
    s.every(1000, (now) => {
      seen.push(`tick@${now - T0}`);
    });
    s.at(T0 + 2500, (now) => {
      seen.push(`once@${now - T0}`);
    });
    s.at(T0 + 2000, (now) => {
      seen.push(`tie@${now - T0}`);
    });
    s.advanceTo(T0 + 3000);
    expect(seen).toEqual(['tick@1000', 'tick@2000', 'tie@2000', 'once@2500', 'tick@3000']);
    expect(clock.now()).toBe(T0 + 3000);
    s.advanceTo(T0 + 1000);
    expect(clock.now()).toBe(T0 + 3000);
    expect(() => s.every(0, () => undefined)).toThrow(RangeError);
  });

  it('property: every timer runs at its due instant, in time order, and the clock ends where asked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 3_000 }), { minLength: 1, maxLength: 10 }),
        (dues, steps) => {
          const clock = new VirtualClock(T0);
          const s = new Scheduler(clock, []);
          const ran: Array<[number, number]> = [];
          for (const d of dues) s.at(T0 + d, (now) => void ran.push([T0 + d, now]));
          let target = T0;
          for (const step of steps) {
            target += step;
            s.advanceTo(target);
            expect(clock.now()).toBe(target);
          }
          expect(ran.every(([due, now]) => due === now)).toBe(true);
          expect(ran.map(([, now]) => now)).toEqual([...ran.map(([, now]) => now)].sort((a, b) => a - b));
          expect(ran.length).toBe(dues.filter((d) => T0 + d <= target).length);
        },
      ),
    );
  });
});
