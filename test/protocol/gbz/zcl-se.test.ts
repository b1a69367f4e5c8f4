/**
 * The ZSE cluster-specific command codec (protocol/gbz/zcl-se.ts): synthetic round trips, typed
 * errors, and RTDS 4.5.0 — every cluster-specific payload of every GSME/GPF command, response and
 * alert (encrypted ones decrypted with the RTDS keystore) decodes and re-encodes byte for byte,
 * with the values the reference parser shows.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupRtdsScenarios } from '../../../app/conformance/conformance.ts';
import { equalBytes, fromHex, toHex } from '../../../protocol/bytes.ts';
import { createCrypto, SharedSecretCache } from '../../../protocol/crypto/index.ts';
import { decodeGbcsMessage } from '../../../protocol/envelope.ts';
import { DecodeError, ErrorCode } from '../../../protocol/errors.ts';
import { decodeGbz, type GbzComponent } from '../../../protocol/gbz/gbz.ts';
import {
  decodeMeteringSnapshotPayload,
  decodePrepaySnapshotPayload,
  decodeZse,
  decodeZseFrame,
  encodeMeteringSnapshotPayload,
  encodePrepaySnapshotPayload,
  encodeZse,
  type GetSampledDataResponse,
  type PublishDayProfile,
  type PublishEventLog,
  type PublishTariffInformation,
  type PublishTopUpLog,
  ZseCalendar,
  ZseCluster,
  ZseEvents,
  ZseMetering,
  ZsePrepayment,
  ZsePrice,
  zseCommandDef,
  zseRequestOf,
  zseShape,
} from '../../../protocol/gbz/zcl-se.ts';
import { locateEncryptedParts } from '../../../protocol/payload.ts';
import { decryptParts } from '../../../protocol/security/verify.ts';
import { loadKeystore } from '../../../sim/store/keystore-files.ts';
import { errorOf } from '../../fixtures/errors.ts';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR } from '../../fixtures/shared.ts';

describe('ZSE commands', () => {
  it('Get Snapshot: layout and round trip (RTDS GCS16a)', () => {
    const bytes = fromHex('84a7341c037e181e0001000000');
    const q = decodeZse(ZseMetering.GetSnapshot, bytes);
    expect(q).toEqual({
      earliestStartTime: 0x1c34a784,
      latestEndTime: 0x1e187e03,
      snapshotOffset: 0,
      snapshotCause: 1,
    });
    expect(toHex(encodeZse(ZseMetering.GetSnapshot, q))).toBe(toHex(bytes));
  });

  it('Publish Day Profile: entries counted by its field', () => {
    const p: PublishDayProfile = {
      providerId: 0,
      issuerEventId: 0x1c374a80,
      issuerCalendarId: 1,
      dayId: 2,
      totalNumberOfScheduleEntries: 2,
      commandIndex: 0,
      totalNumberOfCommands: 1,
      calendarType: 3,
      entries: [
        { startTime: 0, value: 1 },
        { startTime: 480, value: 0 },
      ],
    };
    const b = encodeZse(ZseCalendar.PublishDayProfile, p);
    expect(b.length).toBe(17 + 6);
    expect(decodeZse(ZseCalendar.PublishDayProfile, b)).toEqual(p);
    expect(() => encodeZse(ZseCalendar.PublishDayProfile, { ...p, totalNumberOfScheduleEntries: 3 })).toThrow(
      RangeError,
    );
  });

  it('snapshot sub-payloads: type 6 (TOU and block registers) and type 0 (debt/credit)', () => {
    const m = {
      currentSummationDelivered: 65,
      tierSummations: [81, 15, 176, 126],
      numberOfTiersAndBlockThresholdsInUse: 0x14,
      blockSummations: [202, 223, 121, 195],
    };
    const b = encodeMeteringSnapshotPayload(m);
    expect(b.length).toBe(56);
    expect(decodeMeteringSnapshotPayload(b)).toEqual(m);
    expect(() => encodeMeteringSnapshotPayload({ ...m, blockSummations: [1] })).toThrow(RangeError);
    const p = {
      accumulatedDebt: 35,
      type1DebtRemaining: 177,
      type2DebtRemaining: 48,
      type3DebtRemaining: 74,
      emergencyCreditRemaining: 0,
      creditRemaining: -126,
    };
    expect(decodePrepaySnapshotPayload(encodePrepaySnapshotPayload(p))).toEqual(p);
  });

  it('finds commands by cluster, direction and id; pairs answers with requests', () => {
    expect(zseCommandDef(ZseCluster.PREPAYMENT, 0x01, 0x04)?.name).toBe('Consumer Top Up');
    expect(zseCommandDef(ZseCluster.PREPAYMENT, 0x09, 0x03)?.name).toBe('Consumer Top Up Response');
    expect(zseCommandDef(ZseCluster.PREPAYMENT, 0x01, 0x7f)).toBeUndefined();
    expect(zseRequestOf(ZseCluster.PREPAYMENT, 0x01)).toBe(0x07);
    expect(zseRequestOf(ZseCluster.METERING, 0x07)).toBe(0x08);
    expect(zseRequestOf(ZseCluster.CALENDAR, 0x01)).toBe(0x01);
    expect(errorOf(() => decodeZseFrame(ZseCluster.PREPAYMENT, 0x01, 0x7f, new Uint8Array(0))).code).toBe(
      ErrorCode.UNKNOWN_TAG,
    );
  });

  it('shapes: list entries by structure, not by count', () => {
    const log = (n: number): PublishTopUpLog => ({
      commandIndex: 0,
      totalNumberOfCommands: 1,
      entries: Array.from({ length: n }, (_, i) => ({
        topUpCode: new TextEncoder().encode('7'.repeat(20)),
        topUpAmount: i,
        topUpTime: i,
      })),
    });
    const shape = (p: PublishTopUpLog) =>
      zseShape(ZseCluster.PREPAYMENT, 0x19, 0x05, encodeZse(ZsePrepayment.PublishTopUpLog, p));
    expect(shape(log(5))).toEqual(shape(log(1)));
    expect(shape(log(0))).not.toEqual(shape(log(1)));
  });

  it('rejects truncated and over-long payloads with typed errors', () => {
    expect(errorOf(() => decodeZse(ZseMetering.GetSnapshot, fromHex('84a7341c'))).code).toBe(
      ErrorCode.TRUNCATED,
    );
    expect(
      errorOf(() => decodeZse(ZseMetering.GetSnapshot, fromHex('84a7341c037e181e000100000000'))).code,
    ).toBe(ErrorCode.TRAILING_BYTES);
  });

  it('every command decoder fails with typed errors only (property)', () => {
    const defs = [ZsePrice, ZseMetering, ZsePrepayment, ZseCalendar, ZseEvents].flatMap((c) =>
      Object.values(c),
    );
    fc.assert(
      fc.property(fc.constantFrom(...defs), fc.uint8Array({ maxLength: 80 }), (d, b) => {
        try {
          const v = decodeZse(d, b);
          return equalBytes(encodeZse(d, v as never), b);
        } catch (e) {
          return e instanceof DecodeError;
        }
      }),
    );
  });
});

describeShared('ZSE commands in RTDS 4.5.0 (GSME, GPF)', () => {
  const ks = loadKeystore(RTDS_KEYSTORE_DIR);
  const crypto = createCrypto('node');
  const vctx = { crypto, keys: ks, acbId: '90b3d51f30000002', cache: new SharedSecretCache(crypto) };

  /** Every cluster-specific frame of the GBZ files: [file stem, component, ZCL payload]. */
  function frames(): Array<[string, GbzComponent, Uint8Array]> {
    const out: Array<[string, GbzComponent, Uint8Array]> = [];
    for (const s of groupRtdsScenarios(RTDS_DIR)) {
      for (const f of [s.command, s.response, ...s.alerts]) {
        if (!f) continue;
        const m = decodeGbcsMessage(fromHex(readFileSync(f.path, 'latin1')));
        if (m.form === 'gbt') continue;
        const pl = m.apdu.payload;
        if (pl[0] !== 0x01 || pl[1] !== 0x09) continue;
        const g = decodeGbz(pl, 0, { alert: m.apdu.header.craFlag === 3 });
        const comps =
          g.type === 'components'
            ? g.components
            : g.alertBody.type === 'component'
              ? [g.alertBody.component]
              : [];
        const parts = decryptParts(vctx, m, locateEncryptedParts(pl, { craFlag: m.apdu.header.craFlag }));
        let k = 0;
        for (const c of comps) {
          const zcl = c.encrypted ? parts[k++]?.plaintext : c.zclPayload;
          if (zcl && (c.zclHeader.frameControl & 0x03) === 1) out.push([f.stem, c, zcl]);
        }
      }
    }
    return out;
  }
  const all = frames();

  it('decodes and re-encodes every cluster-specific payload byte for byte', () => {
    expect(all.length).toBeGreaterThan(300);
    const names = new Set<string>();
    for (const [stem, c, zcl] of all) {
      const h = c.zclHeader;
      const { def, value } = decodeZseFrame(c.clusterId, h.frameControl, h.commandId, zcl);
      expect(toHex(encodeZse(def, value)), `${stem} ${def.name}`).toBe(toHex(zcl));
      names.add(def.name);
    }
    // The commands RTDS exercises between the DCC and a GSME/GPF.
    expect(names.size).toBe(57);
  });

  const find = (stem: string, name: string) => {
    const hit = all.find(
      ([s, c, z]) =>
        s === stem &&
        decodeZseFrame(c.clusterId, c.zclHeader.frameControl, c.zclHeader.commandId, z).def.name === name,
    );
    if (!hit) throw new Error(`${stem}: no ${name}`);
    return decodeZseFrame(hit[1].clusterId, hit[1].zclHeader.frameControl, hit[1].zclHeader.commandId, hit[2])
      .value;
  };

  it('reads the values the reference parser shows', () => {
    const tariff = find(
      'GCS01a_1.1.1_FUTURE_DATED_BLOCK_SUCCESS_COMMAND',
      'Publish Tariff Information',
    ) as unknown as PublishTariffInformation;
    expect(tariff).toMatchObject({
      standingCharge: 54794,
      currency: 826,
      numberOfBlockThresholdsInUse: 3,
      blockThresholdDivisor: 1000,
    });
    const gsd = find(
      'GCS18_4.10_SUCCESS_RESPONSE',
      'Get Sampled Data Response',
    ) as unknown as GetSampledDataResponse;
    expect(gsd).toMatchObject({ sampleId: 2, sampleRequestInterval: 360, numberOfSamples: 41 });
    expect(gsd.samples[0]).toEqual({ sample: 2 });
    const events = find('CS10a_6.13_SUCCESS_RESPONSE', 'Publish Event Log') as unknown as PublishEventLog;
    expect(events.entries).toHaveLength(32);
    expect(events.entries[0]).toMatchObject({ logId: 3, eventId: 0x8f1f, eventTime: 0x1c35f900 });
    expect(toHex(events.entries[2]!.eventData)).toBe('009b');
    const topUps = find('GCS15e_4.4.5_SUCCESS_RESPONSE', 'Publish Top Up Log') as unknown as PublishTopUpLog;
    expect(topUps.entries.map((e) => e.topUpAmount)).toEqual([1000000, 2500000, 500000, 1250000, 1000000]);
    expect(new TextDecoder().decode(topUps.entries[0]!.topUpCode)).toBe('73942316567647575864');
  });
});
