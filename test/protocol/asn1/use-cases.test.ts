/**
 * GBCS ASN.1 use-case codecs (protocol/asn1/*): every RTDS 4.5.0 payload of CS02a/b/f/g, CS03x,
 * CS04x, CS06, CS07, CS08, CCS08, GCS28, GCS59, GCS62 decodes with its codec and encodes back —
 * byte for byte where RTDS is strict DER; value for value where RTDS uses long-form lengths.
 */
import { describe, expect, it } from 'vitest';
import { decodeProvideSecurityCredentialDetailsResponse } from '../../../protocol/asn1/cs02a.ts';
import {
  decodeUpdateSecurityCredentialsCommand,
  decodeUpdateSecurityCredentialsResponse,
} from '../../../protocol/asn1/cs02b.ts';
import { decodeJoinDeviceCommand } from '../../../protocol/asn1/cs03.ts';
import { decodeActivateFirmwareCommand } from '../../../protocol/asn1/cs06.ts';
import { decodeDer } from '../../../protocol/asn1/der.ts';
import { decodeSetTimeResponse } from '../../../protocol/asn1/gcs28.ts';
import { asn1CodecFor } from '../../../protocol/asn1/index.ts';
import { fromHex, toHex } from '../../../protocol/bytes.ts';
import { decodeGbcsMessage } from '../../../protocol/envelope.ts';
import { DecodeError } from '../../../protocol/errors.ts';
import { describeShared, rtdsVectors } from '../../fixtures/shared.ts';

const MINE = /_(CS02[abfg]|CS03|CS04|CS06|CS07|CS08|CCS08|GCS28|GCS59|GCS62)/;

function payloads() {
  return rtdsVectors()
    .filter((v) => MINE.test(v.path))
    .map((v) => {
      const m = decodeGbcsMessage(fromHex(v.hex));
      if (m.form === 'gbt') throw new Error('GBT');
      return {
        id: v.id,
        code: m.apdu.header.messageCode,
        cra: m.apdu.header.craFlag,
        payload: m.apdu.payload,
      };
    });
}

describeShared('ASN.1 use-case codecs on RTDS 4.5.0', () => {
  it('round-trips every payload of the use cases', () => {
    const all = payloads();
    expect(all.length).toBeGreaterThan(100);
    let exact = 0;
    for (const p of all) {
      const codec = asn1CodecFor(p.code, p.cra);
      expect(codec, `${p.id}: codec for 0x${p.code.toString(16)}/${p.cra}`).toBeDefined();
      const value = codec!.decode(p.payload);
      const again = codec!.encode(value);
      let strict = true;
      try {
        decodeDer(p.payload);
      } catch {
        strict = false;
      }
      if (strict) {
        expect(toHex(again), p.id).toBe(toHex(p.payload));
        exact++;
      } else {
        expect(codec!.decode(again), p.id).toEqual(value);
      }
    }
    expect(exact).toBeGreaterThan(80);
  });

  it('reads the values RTDS shows', () => {
    const byId = new Map(payloads().map((p) => [p.id, p.payload]));
    const cs02a = decodeProvideSecurityCredentialDetailsResponse(byId.get('CS02aMAC_6.24.1_ERROR_RESPONSE')!);
    expect(cs02a.map((d) => [d.role, d.statusCode, d.cells?.length ?? null])).toEqual([
      [4, 0, 1],
      [3, 25, null],
    ]);
    expect(cs02a[0]!.cells![0]).toMatchObject({
      keyUsage: 'ka',
      cellUsage: 'management',
      subjectUniqueId: '90b3d51f30000002',
    });
    expect(toHex(cs02a[0]!.cells![0]!.subjectKeyIdentifier)).toBe('4a9ce02c39ab910b');

    const cmd = decodeUpdateSecurityCredentialsCommand(
      byId.get('CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS_COMMAND')!,
    );
    expect(cmd.control).toMatchObject({
      mode: 7,
      authorisingSeqNumber: 6001n,
      authorisingCell: { role: 5, keyUsage: 'ds' },
    });
    expect(cmd.control.otherRemotePartySeqNumberChanges).toEqual([
      { role: 2, floorSeqNumber: 0n, specialistFloorSeqNumbers: [{ usage: 0, seqNumber: 0n }] },
    ]);
    expect(cmd.replacements.map((r) => r.targetCell)).toEqual([
      { role: 2, keyUsage: 'ds', cellUsage: 'management' },
      { role: 2, keyUsage: 'ka', cellUsage: 'management' },
      { role: 2, keyUsage: 'ka', cellUsage: 'prepayment' },
    ]);
    expect(cmd.certificationPath).toHaveLength(1);
    expect(cmd.executionDateTime).toBeNull();

    const resp = decodeUpdateSecurityCredentialsResponse(
      byId.get('CS02bSupplierBySupplier_6.15.1_IMMEDIATE_ERROR_RESPONSE')!,
    );
    expect(resp.executionOutcome!.outcomes.map((o) => o.statusCode)).toEqual([0, 10, 0]);

    const join = decodeJoinDeviceCommand(byId.get('CS03CNonCritical_8.7.2_SUCCESS_COMMAND')!);
    expect(join).toMatchObject({ joinMethodAndRole: 3, entityId: '00db123456789094', deviceType: 0 });
    expect(join.certificate?.length).toBeGreaterThan(400);

    const cs06 = decodeActivateFirmwareCommand(byId.get('CS06_11.3_CANCELLATION_SUCCESS_COMMAND')!);
    expect(cs06.originatorCounter).toBe(1002n);
    expect(new Date(cs06.executionDateTime!).toISOString()).toBe('9999-12-31T23:59:59.000Z');

    const t = decodeSetTimeResponse(byId.get('GCS28_6.11_ERROR_RESPONSE')!);
    expect(t).toEqual({ deviceTime: Date.UTC(2015, 0, 1), deviceTimeStatus: 2 });
  });
});

describe('ASN.1 use-case codecs: bad input', () => {
  it('gives typed errors, never crashes', () => {
    const bad = ['', '30', '3003020100', '300302010005', '0500', '3080', '30020500ff', '040700db1234567890'];
    for (const code of [0x0008, 0x0102, 0x000d, 0x000f, 0x0012, 0x0013, 0x007f, 0x008c, 0x0129]) {
      for (const cra of [1, 2]) {
        const codec = asn1CodecFor(code, cra)!;
        for (const h of bad) {
          let threw: unknown = null;
          try {
            codec.decode(h === '' ? new Uint8Array(0) : fromHex(h));
          } catch (e) {
            threw = e;
          }
          if (threw !== null) expect(threw, `${code}/${cra}/${h}`).toBeInstanceOf(DecodeError);
        }
      }
    }
  });
});

describe('ASN.1 use-case codecs: fuzz', () => {
  it('random and mutated inputs give DecodeError or a value, never another exception', async () => {
    const fc = await import('fast-check');
    const codes = [
      0x0008, 0x0102, 0x0126, 0x000d, 0x000f, 0x0012, 0x00ca, 0x0013, 0x007f, 0x008c, 0x00b2, 0x0128, 0x0129,
      0x00cb,
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...codes),
        fc.constantFrom(1, 2, 3),
        fc.uint8Array({ maxLength: 64 }),
        (code, cra, bytes) => {
          const codec = asn1CodecFor(code, cra);
          if (!codec) return;
          // Half the time, wrap the bytes in a SEQUENCE so decoding gets past the outer tag.
          for (const input of [bytes, Uint8Array.of(0x30, bytes.length & 0x7f, ...bytes.subarray(0, 0x7f))]) {
            try {
              codec.decode(input);
            } catch (e) {
              if (!(e instanceof DecodeError)) throw e;
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
