/**
 * Security, join, firmware and clock device models (sim/models/security-and-join*.ts) and UTRN
 * top-up (sim/models/common/utrn-topup.ts): handler behaviour with real expected values, state changes,
 * and the RTDS 4.5.0 scenarios of these use cases through the conformance runner.
 */
import { describe, expect, it } from 'vitest';
import { groupRtdsScenarios, runConformanceScenario } from '../../../../app/conformance/conformance.ts';
import { trustAnchorsFromKeystore } from '../../../../app/replay.ts';
import {
  decodeProvideSecurityCredentialDetailsResponse,
  encodeProvideSecurityCredentialDetailsCommand,
} from '../../../../protocol/asn1/cs02a.ts';
import {
  decodeUpdateSecurityCredentialsCommand,
  decodeUpdateSecurityCredentialsResponse,
  encodeUpdateSecurityCredentialsCommand,
} from '../../../../protocol/asn1/cs02b.ts';
import { decodeResponseCode, encodeJoinDeviceCommand } from '../../../../protocol/asn1/cs03.ts';
import { encodeUnjoinDeviceCommand } from '../../../../protocol/asn1/cs04.ts';
import {
  decodeActivateFirmwareResponse,
  encodeActivateFirmwareCommand,
} from '../../../../protocol/asn1/cs06.ts';
import { decodeReadDeviceJoinDetailsResponse, encodeNullCommand } from '../../../../protocol/asn1/cs07.ts';
import { decodeReadFirmwareVersionResponse } from '../../../../protocol/asn1/cs08.ts';
import { decodeSetTimeResponse, encodeSetTimeCommand } from '../../../../protocol/asn1/gcs28.ts';
import {
  decodeGpfDeviceLogRestoreResponse,
  encodeGpfDeviceLogRestoreCommand,
} from '../../../../protocol/asn1/gcs59.ts';
import { fromHex, toHex } from '../../../../protocol/bytes.ts';
import { createCrypto } from '../../../../protocol/crypto/index.ts';
import { decodeDlmsApdu, encodeDlmsApdu } from '../../../../protocol/dlms/apdu.ts';
import { decodeGbcsMessage } from '../../../../protocol/envelope.ts';
import { decodeGbz, encodeGbzCommands } from '../../../../protocol/gbz/gbz.ts';
import { groupingHeader } from '../../../../protocol/grouping-header.ts';
import type { Eui64 } from '../../../../protocol/types.ts';
import { type DeviceType, useCaseOf } from '../../../../protocol/use-case-catalogue.ts';
import { generateUtrn } from '../../../../protocol/utrn.ts';
import { VirtualClock } from '../../../../sim/clock.ts';
import type { TrustAnchorCell } from '../../../../sim/device/credentials.ts';
import { Device, type ExecutionContext, type PayloadFault } from '../../../../sim/device/device.ts';
import {
  applyPrepaymentTopUpGsme,
  prepaymentOf,
  setUtrnCounterFloor,
} from '../../../../sim/models/common/utrn-topup.ts';
import { gsmeClockOf } from '../../../../sim/models/gsme/clock.ts';
import { handlerFor, modelFor, type UseCaseHandler } from '../../../../sim/models/index.ts';
import { subjectKeyIdentifierOf } from '../../../../sim/models/security/cpv.ts';
import { firmwareOf, holdFirmwareImage } from '../../../../sim/models/security/firmware.ts';
import { deviceLogOf } from '../../../../sim/models/security/joins.ts';
import { TRUST_ANCHOR_CELLS } from '../../../../sim/models/security/trust-anchor-cells.ts';
import { loadKeystore } from '../../../../sim/store/keystore-files.ts';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR, rtdsVectors } from '../../../fixtures/shared.ts';

const crypto = createCrypto('noble');
const T0 = Date.UTC(2015, 0, 1);
const SUPPLIER: Eui64 = '90b3d51f30010000';
const ACB: Eui64 = '90b3d51f30000002';

/** A deterministic P-256 private key. */
const privateKey = (seed: string): Uint8Array => crypto.sha256(new TextEncoder().encode(seed));

function makeDevice(deviceType: DeviceType, eui: Eui64, trustAnchors: TrustAnchorCell[] = []): Device {
  const ds = privateKey(`${eui}/ds`);
  const ka = privateKey(`${eui}/ka`);
  return new Device({
    eui,
    deviceType,
    credentials: {
      ds: { publicKey: crypto.publicKeyOf(ds), privateKey: ds },
      ka: { publicKey: crypto.publicKeyOf(ka), privateKey: ka },
      trustAnchors,
    },
    crypto,
    clock: new VirtualClock(T0),
    model: modelFor(deviceType),
  });
}

/** Runs the registered handler of a Message Code on a device, as the pipeline's execute step does. */
function run(
  dev: Device,
  messageCode: number,
  payload: Uint8Array,
  o: { from?: Eui64; counter?: bigint; fault?: PayloadFault; role?: number; handler?: UseCaseHandler } = {},
) {
  const handler = o.handler ?? handlerFor(dev.deviceType, messageCode);
  if (!handler) throw new Error(`no handler for 0x${messageCode.toString(16)} on ${dev.deviceType}`);
  const ctx = {
    device: dev,
    header: groupingHeader({
      craFlag: 1,
      originatorCounter: o.counter ?? 1000n,
      originatorId: o.from ?? SUPPLIER,
      recipientId: dev.eui,
      messageCode,
      dateTime: null,
    }),
    payload,
    useCase: useCaseOf(messageCode)!,
    signed: true,
    originatorRole: o.role ?? 2,
    now: dev.clock.now(),
    encryptForRecipient: () => {
      throw new Error('not used');
    },
    fault: o.fault,
    raiseAlert: () => {
      throw new Error('not used');
    },
  } as unknown as ExecutionContext;
  return handler(ctx).payload;
}

const rtdsPayload = (id: string): Uint8Array => {
  const v = rtdsVectors().find((x) => x.id === id);
  if (!v) throw new Error(`no RTDS message ${id}`);
  const m = decodeGbcsMessage(fromHex(v.hex));
  if (m.form === 'gbt') throw new Error('GBT');
  return m.apdu.payload;
};

describe('Device Log: CS03 join, CS04 unjoin, CS07 read, GCS59 restore', () => {
  const join = (method: number, entityId: Eui64, deviceType: number, certificate: Uint8Array | null = null) =>
    encodeJoinDeviceCommand({ joinMethodAndRole: method, entityId, deviceType, certificate });

  it('joins, lists, refuses conflicts, unjoins', () => {
    const gsme = makeDevice('GSME', '00db1234567890a1');
    const code = (mc: number, p: Uint8Array, fault?: PayloadFault) =>
      decodeResponseCode(run(gsme, mc, p, fault ? { fault } : {}));
    const read = () => decodeReadDeviceJoinDetailsResponse(run(gsme, 0x0013, encodeNullCommand()));
    expect(read()).toEqual({ responseCode: 1, entries: null });
    expect(code(0x000e, join(2, '00db1234567890a3', 3))).toBe(0); // Method B with the GPF
    expect(code(0x000e, join(2, '0102030405060708', 5))).toBe(2); // Method B with a PPMID: invalid
    expect(code(0x000e, join(3, '00db1234567890a3', 3))).toBe(1); // Method C under the Method B code
    expect(code(0x00af, join(3, '00db1234567890a4', 5))).toBe(11); // Method C without a certificate
    expect(code(0x000e, join(2, '00db1234567890a3', 3))).toBe(0); // again: already logged
    expect(read()).toEqual({ responseCode: 0, entries: [{ deviceId: '00db1234567890a3', deviceType: 3 }] });
    expect(code(0x0010, encodeUnjoinDeviceCommand('0102030405060708'))).toBe(1);
    expect(code(0x0010, encodeUnjoinDeviceCommand('00db1234567890a3'))).toBe(0);
    expect(deviceLogOf(gsme)).toEqual([]);
    // An injected response code is the answer; a failure changes nothing.
    expect(code(0x000e, join(2, '00db1234567890a3', 3), { kind: 'asn1-status', status: 5 })).toBe(5);
    expect(deviceLogOf(gsme)).toEqual([]);
  });

  it('restores a GPF Device Log entry by entry (GCS59)', () => {
    const gpf = makeDevice('GPF', '00db1234567890a3');
    const entries = [
      { deviceId: '0011223344556677', deviceType: 5 },
      { deviceId: '0011223344556677', deviceType: 6 },
      ...[1, 2, 3, 4, 5].map((i) => ({ deviceId: `00000000000000a${i}`, deviceType: 6 })),
    ];
    const out = decodeGpfDeviceLogRestoreResponse(
      run(gpf, 0x008c, encodeGpfDeviceLogRestoreCommand(entries), { from: ACB }),
    );
    expect(out.map((o) => o.joinResponseCode)).toEqual([0, 3, 0, 0, 0, 0, 4]);
    expect(deviceLogOf(gpf)).toHaveLength(5);
  });
});

describe('GCS28 set clock on GSME', () => {
  it('synchronises inside the validity interval only', () => {
    const gsme = makeDevice('GSME', '00db1234567890a1');
    gsmeClockOf(gsme).offsetMs = -90_000;
    const set = (start: number, end: number) =>
      decodeSetTimeResponse(
        run(gsme, 0x007f, encodeSetTimeCommand({ validityIntervalStart: start, validityIntervalEnd: end })),
      );
    expect(set(T0 + 3_600_000, T0 + 7_200_000)).toEqual({ deviceTime: T0 - 90_000, deviceTimeStatus: 2 });
    expect(set(T0 - 1_800_000, T0 + 1_800_000)).toEqual({ deviceTime: T0, deviceTimeStatus: 0 });
    expect(gsmeClockOf(gsme)).toEqual({ offsetMs: 0, timeStatus: 0, lastSyncMs: T0 });
    // Out of interval after a synchronisation: still reliable, time unchanged.
    expect(set(T0 + 3_600_000, T0 + 7_200_000)).toEqual({ deviceTime: T0, deviceTimeStatus: 0 });
  });
});

describe('CS06 activate firmware, CS08 read firmware version', () => {
  const hash = crypto.sha256(new TextEncoder().encode('image v1.2'));
  const cmd = (counter: bigint, h = hash, executionDateTime: number | null = null) =>
    encodeActivateFirmwareCommand({
      manufacturerImageHash: h,
      originatorCounter: counter,
      executionDateTime,
    });

  it('activates a held image whose hash matches', () => {
    const esme = makeDevice('ESME', '00db1234567890a0');
    const act = (p: Uint8Array) => decodeActivateFirmwareResponse(run(esme, 0x0012, p));
    expect(act(cmd(1000n))).toEqual({ responseCode: 1, firmwareVersion: fromHex('01000000') });
    holdFirmwareImage(esme, hash, '01020000');
    expect(act(cmd(1001n, new Uint8Array(32)))).toMatchObject({ responseCode: 2 });
    // Future-dated and cancelling commands are accepted and change nothing yet.
    expect(act(cmd(1002n, hash, T0 + 86_400_000))).toBeNull();
    expect(act(cmd(1003n, hash, Date.UTC(9999, 11, 31, 23, 59, 59)))).toBeNull();
    expect(firmwareOf(esme).version).toBe('01000000');
    expect(act(cmd(1004n))).toEqual({ responseCode: 0, firmwareVersion: fromHex('01020000') });
    expect(firmwareOf(esme)).toMatchObject({
      version: '01020000',
      image: null,
      lastActivationCounter: '1004',
    });
    holdFirmwareImage(esme, hash, '01030000');
    expect(act(cmd(1004n))).toMatchObject({ responseCode: 3 }); // counter not above the last activation
  });

  it('reads a PPMID firmware version', () => {
    const ppmid = makeDevice('PPMID', '00db1234567890a4');
    firmwareOf(ppmid).version = '0123abcd';
    expect(decodeReadFirmwareVersionResponse(run(ppmid, 0x0129, encodeNullCommand(), { from: ACB }))).toEqual(
      {
        firmwareVersion: fromHex('0123abcd'),
        responseCode: 0,
      },
    );
  });
});

describe('UTRN top-up (CS01a ESME, CS01b GSME)', () => {
  const ppKey = privateKey('supplier/pp-ka');
  const ppCell: TrustAnchorCell = {
    role: 2,
    usage: 'ka',
    cell: 'prepayment',
    subjectUniqueId: SUPPLIER,
    publicKey: crypto.publicKeyOf(ppKey),
  };
  const utrnFor = (dev: Device, counter: bigint, value: number, valueClass = 0) =>
    generateUtrn(
      {
        crypto,
        z: crypto.ecdh(ppKey, dev.credentials.ka.publicKey),
        supplierId: SUPPLIER,
        deviceId: dev.eui,
      },
      { counter, value, valueClass },
    ).utrn;
  const topUpGsme = (dev: Device, utrn: string) => {
    const zcl = Uint8Array.of(0x00, 20, ...new TextEncoder().encode(utrn));
    const payload = encodeGbzCommands([
      { clusterId: 0x0705, frameControl: 0x01, commandId: 0x04, transactionSequenceNumber: 7, zcl: zcl },
    ]);
    // This file's handler (the GSME model registers its own, on its credit register, over it).
    const g = decodeGbz(run(dev, 0x0097, payload, { handler: applyPrepaymentTopUpGsme }), 0, {
      alert: false,
    });
    if (g.type !== 'components') throw new Error('alert');
    const c = g.components[0]!;
    if (c.encrypted) throw new Error('encrypted');
    return {
      frameControl: c.zclHeader.frameControl,
      commandId: c.zclHeader.commandId,
      zcl: toHex(c.zclPayload),
    };
  };

  it('adds the credit of a valid UTRN once, and enforces the counter rules', () => {
    const gsme = makeDevice('GSME', '00db1234567890a1', [ppCell]);
    const u1 = utrnFor(gsme, 6n << 32n, 1250);
    // Accepted: £12.50 = 1 250 000 GSME units (int32 LE), source 0, credit 1 250 000.
    expect(topUpGsme(gsme, u1)).toEqual({ frameControl: 0x09, commandId: 0x03, zcl: '00d012130000d0121300' });
    expect(prepaymentOf(gsme.state.model)).toMatchObject({
      creditPence: 1250,
      utrnCounterFloor: String(6n << 32n),
      lastVerdict: 'accepted',
    });
    // The same UTRN again: already used.
    expect(topUpGsme(gsme, u1).zcl).toBe('02ffffffff00ffffffff');
    // An older counter: already used too (its MAC verifies one turn back).
    expect(topUpGsme(gsme, utrnFor(gsme, 5n << 32n, 100)).zcl.slice(0, 2)).toBe('02');
    // A next counter in £: accepted.
    expect(topUpGsme(gsme, utrnFor(gsme, 7n << 32n, 3, 1)).zcl.slice(0, 2)).toBe('00');
    expect(prepaymentOf(gsme.state.model).creditPence).toBe(1550);
    // Too far ahead (more than 512 top-ups): refused.
    expect(topUpGsme(gsme, utrnFor(gsme, 600n << 32n, 1)).zcl.slice(0, 2)).toBe('01');
    expect(prepaymentOf(gsme.state.model).lastVerdict).toBe('outside-window');
    // For another device, or a corrupted one: refused, nothing added.
    const other = makeDevice('GSME', '00db1234567890ff', [ppCell]);
    expect(topUpGsme(gsme, utrnFor(other, 8n << 32n, 1)).zcl.slice(0, 2)).toBe('01');
    expect(topUpGsme(gsme, '12345678910121314156').zcl).toBe('01ffffffff00ffffffff');
    expect(prepaymentOf(gsme.state.model).creditPence).toBe(1550);
    // A CS02b floor reset lets the Supplier's counters start again.
    setUtrnCounterFloor(gsme.state.model, 0n);
    expect(topUpGsme(gsme, utrnFor(gsme, 1n << 32n, 50)).zcl.slice(0, 2)).toBe('00');
    expect(prepaymentOf(gsme.state.model).creditPence).toBe(1600);
  });

  it('answers CS01a with an action result and credits the ESME', () => {
    const esme = makeDevice('ESME', '00db1234567890a0', [ppCell]);
    const req = (utrn: string) =>
      encodeDlmsApdu({
        type: 'access-request',
        longInvokeIdAndPriority: 0x20000001,
        dateTime: null,
        specifications: [
          {
            type: 'action',
            method: { classId: 115, instanceId: Uint8Array.of(0, 0, 19, 40, 0, 0xff), methodId: 1 },
          },
        ],
        data: [{ type: 'octet-string', value: new TextEncoder().encode(utrn) }],
      });
    const result = (utrn: string, fault?: PayloadFault) => {
      const r = decodeDlmsApdu(run(esme, 0x0007, req(utrn), fault ? { fault } : {}));
      return r.type === 'access-response' ? r.responseSpecifications.map((s) => s.result) : null;
    };
    const u = utrnFor(esme, 1n << 32n, 20, 1);
    expect(result(u, { kind: 'dlms-results', results: [1] })).toEqual([1]);
    expect(prepaymentOf(esme.state.model).creditPence).toBe(0);
    expect(result(u)).toEqual([0]);
    expect(prepaymentOf(esme.state.model).creditPence).toBe(2000);
    expect(result(u)).toEqual([250]);
    expect(prepaymentOf(esme.state.model).lastVerdict).toBe('already-used');
  });
});

describeShared('trust-anchor cells (CS02a, CS02f, CS02b) on RTDS credentials', () => {
  const ks = loadKeystore(RTDS_KEYSTORE_DIR);
  const esme = () => makeDevice('ESME', '00db1234567890a0', trustAnchorsFromKeystore(ks));

  it('reports the cells a device type holds', () => {
    const gsme = makeDevice('GSME', '00db1234567890a1', trustAnchorsFromKeystore(ks));
    const cmd = encodeProvideSecurityCredentialDetailsCommand({
      authorisingCell: { role: 4, keyUsage: 'ka', cellUsage: 'management' },
      roles: [4, 3, 2, 5, 8],
    });
    const r = decodeProvideSecurityCredentialDetailsResponse(run(gsme, 0x0008, cmd, { from: ACB, role: 4 }));
    expect(
      r.map((d) => [d.role, d.statusCode, d.cells?.map((c) => `${c.keyUsage}/${c.cellUsage}`) ?? null]),
    ).toEqual([
      [4, 0, ['ka/management']],
      [3, 25, null],
      [2, 0, ['ds/management', 'ka/management', 'ka/prepayment']],
      [5, 0, ['ds/management']],
      [8, 127, null],
    ]);
    expect(toHex(r[0]!.cells![0]!.subjectKeyIdentifier)).toBe('4a9ce02c39ab910b');
    // An authorising cell that is not the originator's: nothing reported.
    const r2 = decodeProvideSecurityCredentialDetailsResponse(run(gsme, 0x0008, cmd, { from: SUPPLIER }));
    expect(r2.every((d) => d.statusCode === 127)).toBe(true);
    // CS02f on an ESME: the Load Controller is reported, the Transitional CoS is not.
    const f = decodeProvideSecurityCredentialDetailsResponse(
      run(esme(), 0x011b, cmd, { from: ACB, role: 4 }),
    );
    expect(f.map((d) => [d.role, d.statusCode])).toEqual([
      [4, 0],
      [3, 0],
      [2, 0],
      [5, 127],
      [8, 0],
    ]);
  });

  it('replaces the cells whose certificates validate, one by one (6.15.1 IMMEDIATE_ERROR)', () => {
    const dev = esme();
    const shared = dev.credentials.trustAnchors;
    dev.state.antiReplay['2'] = '1003';
    setUtrnCounterFloor(dev.state.model, 99n << 32n);
    const payload = rtdsPayload('CS02bSupplierBySupplier_6.15.1_IMMEDIATE_ERROR_COMMAND');
    const res = decodeUpdateSecurityCredentialsResponse(run(dev, 0x0102, payload, { counter: 1003n }));
    const o = res.executionOutcome!;
    expect(o.outcomes.map((x) => x.statusCode)).toEqual([0, 10, 0]);
    expect(o.outcomes.map((x) => toHex(x.replacingSubjectKeyIdentifier))).toEqual([
      '43046b4fb7c4f11b',
      toHex(o.outcomes[1]!.existingSubjectKeyIdentifier),
      '4eb07a1bca0dd58c',
    ]);
    expect(o.seqNumberChanges).toEqual([
      { role: 2, floorSeqNumber: 0n, specialistFloorSeqNumbers: [{ usage: 0, seqNumber: 0n }] },
    ]);
    // The new DS key is in the cell; the shared provisioning array is untouched.
    const ds = dev.credentials.trustAnchors.find((t) => t.role === 2 && t.usage === 'ds');
    expect(toHex(subjectKeyIdentifierOf(ds!.publicKey))).toBe('43046b4fb7c4f11b');
    expect(shared).not.toBe(dev.credentials.trustAnchors);
    // The Supplier keeps its identity and the ACB its KA key: commands it sent up to 1003 would
    // still verify, so the commanded floor 0 does not lower the role's floor. The prepayment key
    // is new, so UTRNs under the old one cannot verify: the UTRN floor takes the commanded 0.
    expect(dev.state.antiReplay['2']).toBe('1003');
    expect(prepaymentOf(dev.state.model).utrnCounterFloor).toBe('0');
    // Durable: a device rebuilt from its state (provisioned as at first) holds the replaced cells.
    const again = esme();
    again.state = structuredClone(dev.state);
    expect(
      toHex(
        subjectKeyIdentifierOf(
          again.credentials.trustAnchors.find((t) => t.role === 2 && t.usage === 'ds')!.publicKey,
        ),
      ),
    ).toBe('43046b4fb7c4f11b');
  });

  it('refuses replacements the mode or the device type does not allow, and accepts future-dated ones', () => {
    const dev = esme();
    const cmd = decodeUpdateSecurityCredentialsCommand(
      rtdsPayload('CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS_COMMAND'),
    );
    const before = dev.credentials.trustAnchors;
    // Mode 7 under the supplierBySupplier Message Code: 127 other, nothing replaced.
    const wrong = decodeUpdateSecurityCredentialsResponse(
      run(dev, 0x0102, encodeUpdateSecurityCredentialsCommand(cmd)),
    );
    expect(wrong.executionOutcome!.outcomes.map((x) => x.statusCode)).toEqual([127, 127, 127]);
    expect(dev.credentials.trustAnchors).toBe(before);
    // Future-dated: Command Accepted only.
    const future = encodeUpdateSecurityCredentialsCommand({ ...cmd, executionDateTime: T0 + 3_600_000 });
    expect(toHex(run(dev, 0x0107, future, { from: '90b3d51f30000004', role: 5 }))).toBe('30020500');
    expect(dev.credentials.trustAnchors).toBe(before);
    // A GSME has no Network Operator cells: trustAnchorNotFound.
    const gsme = makeDevice('GSME', '00db1234567890a1', trustAnchorsFromKeystore(ks));
    expect(TRUST_ANCHOR_CELLS.GSME.some((c) => c.role === 3)).toBe(false);
    const no = decodeUpdateSecurityCredentialsResponse(
      run(gsme, 0x0103, rtdsPayload('CS02bNOByNO_6.15.1_SUCCESS_COMMAND'), { role: 3 }),
    );
    expect(no.executionOutcome!.outcomes.map((x) => x.statusCode)).toEqual([25, 25]);
  });
});

describeShared('RTDS 4.5.0 scenarios of these use cases', () => {
  const MINE = /_(CS02[abfg]|CS03|CS04|CS06|CS07|CS08|GCS28|GCS59|CS01[ab])/;
  /** Alert-only / response-only scenarios whose outcome the RTDS commands do not determine. */
  const KNOWN = new Set([
    '11.3_CS06/CS06_11.3_FUTURE_DATED_SUCCESS',
    '6.15.1_CS02bSupplierBySupplier/CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_ERROR',
    '6.15.1_CS02gLoadControllerBySupplier/CS02gLoadControllerBySupplier_6.15.1_FUTURE_DATED_ERROR',
    '6.23_CS02bSupplierByTransCoS/CS02bSupplierByTransCoS_6.23_FUTURE_DATED_SUCCESS',
    'NA_CS02bAnyByContingency/CS02bAnyByContingency_NA_ERROR',
  ]);
  it('match every scenario that has a command', () => {
    const opts = { keystore: loadKeystore(RTDS_KEYSTORE_DIR), crypto, acbId: ACB };
    const scenarios = groupRtdsScenarios(RTDS_DIR).filter((s) => MINE.test(s.folder) && !KNOWN.has(s.id));
    expect(scenarios.length).toBeGreaterThanOrEqual(40);
    const bad = scenarios
      .map((s) => runConformanceScenario(s, opts))
      .filter((r) => r.status !== 'matched')
      .map((r) => `${r.scenario}: ${r.differences.join('; ')}`);
    expect(bad).toEqual([]);
  });
});
