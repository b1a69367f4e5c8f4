/**
 * Device-initiated alerts (sim/device/alerts.ts): CRA 3, the device's own durable counter, the recipient by
 * Message Code, protection by criticality (signed DF / MAC'd DD with KDF CRA 03), the DLMS, GBZ and
 * ASN.1 payload forms, the encrypted ECS68 billing log, and the event API (the 3-minute outage rule).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DerTag, decodeDer, derIntegerValue } from '../../../protocol/asn1/der.ts';
import { ByteReader } from '../../../protocol/bytes.ts';
import { createCrypto } from '../../../protocol/crypto/index.ts';
import { decodeData } from '../../../protocol/dlms/axdr.ts';
import { formatDlmsDateTime } from '../../../protocol/dlms-date-time.ts';
import { decodeGbcsMessage, type MacMessage, type SigningMessage } from '../../../protocol/envelope.ts';
import { GbcsError } from '../../../protocol/errors.ts';
import { decodePayload, locateEncryptedParts } from '../../../protocol/payload.ts';
import { decryptParts } from '../../../protocol/security/verify.ts';
import {
  AlertCode,
  AlertMessageCode,
  alertEvent,
  alertMessageCode,
  billingDataLogUpdated,
  creditAddedLocally,
  gpfDeviceLogBackup,
  powerFailed,
  powerRestored,
  raiseAlert,
  tamperDetected,
} from '../../../sim/device/alerts.ts';
import type { DeviceState } from '../../../sim/device/device.ts';
import { partyEui } from '../../../sim/head-end/scenario.ts';
import { executorModel, handlerFor, modelFor } from '../../../sim/models/index.ts';
import { DEFAULT_PREMISES } from '../../../sim/premises/premises.ts';
import { FileStateStore } from '../../../sim/store/state-store.ts';
import { deviceLike, restartable, setupPremises } from '../../fixtures/premises.ts';

const crypto = createCrypto('noble');
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);

function setup() {
  const { clock, keys, premises, headEnd } = setupPremises('alerts-test', T0, crypto);
  const dev = (k: keyof typeof DEFAULT_PREMISES) => premises.devices.get(DEFAULT_PREMISES[k])!;
  return {
    clock,
    keys,
    premises,
    headEnd,
    esme: dev('esme'),
    gsme: dev('gsme'),
    chf: dev('chf'),
    gpf: dev('gpf'),
  };
}

const decode = (b: Uint8Array) => decodeGbcsMessage(b) as MacMessage | SigningMessage;

describe('alerts', () => {
  it('a critical alert is signed by the device, CRA 3, its own counter, to the supplier', () => {
    const { esme, headEnd } = setup();
    const a = tamperDetected(esme, 'meter-cover');
    expect(a.messageCode).toBe(AlertMessageCode.GCA);
    expect(a.signed).toBe(true);
    const m = decode(a.bytes);
    expect(m.form).toBe('signing');
    expect(m.apdu.header).toMatchObject({
      craFlag: 3,
      originatorCounter: 1n,
      originatorId: esme.eui,
      recipientId: partyEui('supplier'),
      messageCode: 0x1000,
      dateTime: null,
    });
    expect(headEnd.verify(a.bytes)).toMatchObject({ mac: 'absent', signature: 'valid' });
    // DLMS data-notification: LIIAP 0x20 ‖ low 24 bits of the counter; { alert code, date-time }.
    const d = decodePayload(m.apdu.payload, 0, { craFlag: 3 });
    expect(d.encoding === 'dlms' && d.apdu).toMatchObject({
      type: 'data-notification',
      longInvokeIdAndPriority: 0x20000001,
      dateTime: null,
      notificationBody: {
        type: 'structure',
        value: [{ type: 'long-unsigned', value: 0x8f74 }, { type: 'octet-string' }],
      },
    });
  });

  it('a non-critical alert is MAC-d with KDF CRA 03 and the counter moves by one each time', () => {
    const { esme, headEnd } = setup();
    const a = alertEvent(esme, AlertCode.COMBINED_CREDIT_BELOW_LOW_CREDIT_THRESHOLD);
    const b = alertEvent(esme, AlertCode.EMERGENCY_CREDIT_AVAILABLE);
    expect([a.messageCode, b.messageCode]).toEqual([AlertMessageCode.GNCA, AlertMessageCode.GNCA]);
    expect(decode(a.bytes).form).toBe('mac');
    expect(headEnd.verify(a.bytes)).toMatchObject({ mac: 'valid', signature: 'null' });
    expect(headEnd.verify(b.bytes).mac).toBe('valid');
    expect([a.header.originatorCounter, b.header.originatorCounter]).toEqual([1n, 2n]);
    expect(esme.state.alertCounter).toBe('2');
  });

  it('the alert counter is durable: a restarted device continues it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gbcs-alerts-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const { esme, keys } = setup();
    const store = new FileStateStore<DeviceState>(dir);
    const make = restartable(esme, store, crypto, keys);
    const first = make();
    alertEvent(first, AlertCode.SUPPLY_ARMED);
    alertEvent(first, AlertCode.SUPPLY_ARMED);
    const restarted = make();
    expect(alertEvent(restarted, AlertCode.SUPPLY_ARMED).header.originatorCounter).toBe(3n);
  });

  it('the 3-minute rule: only an outage of 3 minutes or more raises ECS80 to the network operator', () => {
    const { esme, clock, headEnd } = setup();
    powerFailed(esme);
    clock.advance(2 * 60_000 + 59_000);
    expect(powerRestored(esme)).toEqual([]);
    expect(esme.state.alertCounter).toBe('0');
    const start = clock.now();
    powerFailed(esme);
    clock.advance(3 * 60_000);
    const [a, ...more] = powerRestored(esme);
    expect(more).toEqual([]);
    expect(a).toMatchObject({ messageCode: AlertMessageCode.ECS80, alertCode: 0x8f36, signed: true });
    expect(a!.header.recipientId).toBe(partyEui('networkOperator'));
    expect(headEnd.verify(a!.bytes).signature).toBe('valid');
    const d = decodePayload(decode(a!.bytes).apdu.payload, 0, { craFlag: 3 });
    if (
      d.encoding !== 'dlms' ||
      d.apdu.type !== 'data-notification' ||
      d.apdu.notificationBody.type !== 'structure'
    )
      throw new Error('not a DLMS alert');
    const [, , from, to] = d.apdu.notificationBody.value;
    expect(from?.type === 'octet-string' && formatDlmsDateTime(from.value)).toBe('2026-03-01T12:02:59.00');
    expect(to?.type === 'octet-string' && formatDlmsDateTime(to.value)).toBe('2026-03-01T12:05:59.00');
    expect(start).toBe(Date.UTC(2026, 2, 1, 12, 2, 59));
    // Restored without a failure: nothing.
    expect(powerRestored(esme)).toEqual([]);
  });

  it('ECS68 carries the billing data log entry encrypted for the supplier (compact-array of one entry)', () => {
    const { esme, headEnd } = setup();
    const a = billingDataLogUpdated(esme, {
      at: T0,
      activeImportWh: 1_234_567,
      meterBalance: 2500,
      touRegistersWh: [1000, 2000],
      blockRegistersWh: [5],
      touBlockRegistersWh: [[1, 2, 3]],
    });
    expect(a.messageCode).toBe(AlertMessageCode.ECS68);
    const m = decode(a.bytes);
    const [part] = decryptParts(
      { crypto, keys: headEnd.keys, acbId: headEnd.acbId, cache: headEnd.cache },
      m,
      locateEncryptedParts(m.apdu.payload, { craFlag: 3 }),
    );
    expect(part?.verdict).toBe('valid');
    const plain = decodeData(new ByteReader(part!.plaintext!));
    if (plain.type !== 'structure' || plain.value[0]?.type !== 'compact-array') throw new Error('shape');
    // 3 registers + 48 TOU + 4 block + 4 × 8 TOU-by-block, 4 bytes each.
    expect(plain.value[0].arrayContents.length).toBe((3 + 48 + 4 + 32) * 4);
    const c = plain.value[0].arrayContents;
    expect((c[4]! << 24) | (c[5]! << 16) | (c[6]! << 8) | c[7]!).toBe(1_234_567);
  });

  it('a GSME alert takes the GBZ alert form (GNCA 0x810E) and GCS53 encrypts its Publish Snapshot', () => {
    const { gsme, headEnd } = setup();
    const a = creditAddedLocally(gsme);
    const d = decodePayload(decode(a.bytes).apdu.payload, 0, { craFlag: 3 });
    expect(d.encoding === 'gbz' && d.gbz).toMatchObject({
      type: 'alert',
      componentCount: 0,
      alertCode: 0x810e,
      alertBody: { type: 'none' },
    });
    const b = billingDataLogUpdated(gsme, {
      at: T0,
      activeImportWh: 42,
      meterBalance: 0,
      touRegistersWh: [],
      blockRegistersWh: [],
      touBlockRegistersWh: [],
    });
    expect(b.messageCode).toBe(AlertMessageCode.GCS53);
    const m = decode(b.bytes);
    const parts = decryptParts(
      { crypto, keys: headEnd.keys, acbId: headEnd.acbId, cache: headEnd.cache },
      m,
      locateEncryptedParts(m.apdu.payload, { craFlag: 3 }),
    );
    expect(parts.map((p) => p.verdict)).toEqual(['valid']);
  });

  it('GPF alerts go to the DCC (ACB), MAC-d, in the ASN.1 form', () => {
    const { gpf, headEnd } = setup();
    const a = gpfDeviceLogBackup(gpf, [{ deviceId: DEFAULT_PREMISES.gsme, deviceType: 1 }]);
    expect(a.header.recipientId).toBe(partyEui('acb'));
    expect(headEnd.verify(a.bytes).mac).toBe('valid');
    const n = decodeDer(decode(a.bytes).apdu.payload);
    expect(n.children?.map((c) => c.tag)).toEqual([DerTag.INTEGER, DerTag.GENERALIZED_TIME, DerTag.SEQUENCE]);
    expect(derIntegerValue(n.children![0]!)).toBe(0x8071n);
  });

  it('Message Codes: a dedicated use case first, else GCA for 0x8Fxx and GNCA', () => {
    expect(alertMessageCode('ESME', 0x8f0a)).toBe(AlertMessageCode.ECS68);
    expect(alertMessageCode('GSME', 0x8f0a)).toBe(AlertMessageCode.GCS53);
    expect(alertMessageCode('CHF', 0x8f12)).toBe(AlertMessageCode.CS14);
    expect(alertMessageCode('ESME', 0x8f3f)).toBe(AlertMessageCode.GCA);
    expect(alertMessageCode('ESME', 0x81a0)).toBe(AlertMessageCode.MIIWA_ESME);
    expect(() => alertMessageCode('CHF', 0x8f3f)).toThrow(GbcsError);
  });

  it('a command handler raises alerts through its context; they travel with the command outcome', () => {
    const { esme, headEnd } = setup();
    const dev = deviceLike(esme, crypto, {
      model: executorModel('ESME', (ctx) => {
        ctx.raiseAlert({ alertCode: AlertCode.SUPPLY_ARMED });
        return handlerFor('ESME', ctx.header.messageCode)!(ctx);
      }),
    });
    const cmd = headEnd.buildCommand({
      originatorId: partyEui('supplier'),
      recipientId: dev.eui,
      messageCode: 0x0027, // ECS17b read import registers
      payload: (c) =>
        Uint8Array.from([
          0xd9,
          0x20,
          Number((c >> 16n) & 0xffn),
          Number((c >> 8n) & 0xffn),
          Number(c & 0xffn),
          0x00,
          0x01,
          0x01,
          0x00,
          0x03,
          0x01,
          0x00,
          0x01,
          0x08,
          0x00,
          0xff,
          0x02,
          0x01,
          0x00,
        ]),
    });
    const out = dev.handle(cmd.bytes);
    expect(out.accepted).toBe(true);
    if (!out.accepted) return;
    expect(out.alerts?.map((a) => [a.messageCode, a.alertCode])).toEqual([[0x1000, 0x8f32]]);
    expect(headEnd.verify(out.alerts![0]!.bytes).signature).toBe('valid');
  });

  it('refuses an alert it cannot address before its counter moves', () => {
    const { chf } = setup();
    const lonely = deviceLike(chf, crypto, {
      credentials: { ...chf.credentials, trustAnchors: [] },
      model: modelFor('CHF'),
    });
    expect(() => raiseAlert(lonely, { alertCode: 0x8f12 })).toThrow(/trust anchor/);
    expect(lonely.state.alertCounter).toBe('0');
  });

  it('any alert code from any device: refused with ALERT before the counter moves, or CRA 3, counter + 1, verified', () => {
    const { premises, headEnd } = setup();
    const devices = [...premises.devices.values()];
    fc.assert(
      fc.property(fc.constantFrom(...devices), fc.integer({ min: 0, max: 0xffff }), (dev, alertCode) => {
        const before = BigInt(dev.state.alertCounter);
        let a: ReturnType<typeof raiseAlert>;
        try {
          a = raiseAlert(dev, { alertCode });
        } catch (e) {
          expect(e).toBeInstanceOf(GbcsError);
          expect((e as GbcsError).code).toBe('ALERT');
          expect(BigInt(dev.state.alertCounter)).toBe(before);
          return;
        }
        const m = decode(a.bytes);
        expect(m.apdu.header).toMatchObject({
          craFlag: 3,
          originatorCounter: before + 1n,
          originatorId: dev.eui,
        });
        const v = headEnd.verify(a.bytes);
        expect(a.signed ? v.signature : v.mac).toBe('valid');
        expect(alertCodeOfPayload(m)).toBe(alertCode);
      }),
      { numRuns: 60 },
    );
  });
});

/** The alert code in any of the three payload forms. */
function alertCodeOfPayload(m: MacMessage | SigningMessage): number | null {
  const d = decodePayload(m.apdu.payload, 0, { craFlag: 3 });
  if (
    d.encoding === 'dlms' &&
    d.apdu.type === 'data-notification' &&
    d.apdu.notificationBody.type === 'structure'
  ) {
    const c = d.apdu.notificationBody.value[0];
    return c?.type === 'long-unsigned' ? c.value : null;
  }
  if (d.encoding === 'gbz' && d.gbz.type === 'alert') return d.gbz.alertCode;
  const n = decodeDer(m.apdu.payload);
  return n.children?.[0] ? Number(derIntegerValue(n.children[0])) : null;
}
