/**
 * `decode` against the expected results of RTDS 4.5.0 (../shared/vectors/rtds-4.5.0.messages.json):
 * every header field, every MAC and signature verdict, every encrypted component's plaintext, on
 * both crypto back-ends (which must agree verdict for verdict).
 */
import { beforeAll, expect, it } from 'vitest';
import { createDecodeContext, decodeReport } from '../../app/decode-report.ts';
import { fromHex } from '../../protocol/bytes.ts';
import { createCrypto } from '../../protocol/crypto/index.ts';
import { formatDlmsDateTime } from '../../protocol/dlms-date-time.ts';
import type { Keystore } from '../../sim/smki/keystore.ts';
import { loadKeystore } from '../../sim/store/keystore-files.ts';
import { describeShared, RTDS_KEYSTORE_DIR, rtdsVectors } from '../fixtures/shared.ts';

const ACB = '90b3d51f30000002';

function expectedVerdicts(v: ReturnType<typeof rtdsVectors>[number]): { mac: string; signature: string } {
  const e = v.expected;
  const mac = e.mac === undefined ? 'absent' : e.mac.valid ? 'valid' : 'no-key';
  const sigField = e.header.signatureField as string;
  const signature =
    sigField === 'absent'
      ? 'absent'
      : sigField === 'present, length 0'
        ? 'null'
        : e.signature.valid
          ? 'valid'
          : 'invalid';
  return { mac, signature };
}

describeShared('decode: RTDS 4.5.0 expected results', () => {
  let ks: Keystore;
  beforeAll(() => {
    ks = loadKeystore(RTDS_KEYSTORE_DIR);
  });
  const vectors = rtdsVectors();

  for (const backend of ['noble', 'node'] as const) {
    it(`${backend}: every header field, verdict and encrypted part equals the vectors`, () => {
      const ctx = createDecodeContext(createCrypto(backend), ks, ACB);
      let macs = 0;
      let sigs = 0;
      let parts = 0;
      for (const v of vectors) {
        const r = decodeReport(v.id, v.hex, ctx) as any;
        const e = v.expected.header;
        expect(r.ok, v.id).toBe(true);
        expect(r.form).toBe(e.form.startsWith('general-ciphering') ? 'mac' : 'signing');
        expect(r.header.craFlag).toBe(e.craFlag);
        expect(r.header.originatorCounter).toBe(BigInt(`0x${e.originatorCounter}`).toString());
        expect(r.header.originatorId).toBe(e.originatorId);
        expect(r.header.recipientId).toBe(e.recipientId);
        expect(r.header.dateTime).toBe(e.dateTime === null ? null : formatDlmsDateTime(fromHex(e.dateTime)));
        expect(r.header.messageCode).toBe(Number.parseInt(e.messageCode, 16));
        expect(r.header.supplementaryRemotePartyId).toBe(e.supplementaryRemotePartyId ?? null);
        expect(r.header.supplementaryRemotePartyCounter).toBe(
          e.supplementaryRemotePartyCounter === undefined
            ? null
            : BigInt(`0x${e.supplementaryRemotePartyCounter}`).toString(),
        );
        const want = expectedVerdicts(v);
        expect({ id: v.id, mac: r.mac, signature: r.signature }).toEqual({ id: v.id, ...want });
        if (r.mac === 'valid') macs++;
        if (r.signature === 'valid') sigs++;
        for (const c of v.expected.encryptedComponents ?? []) {
          const got = (r.payload.encryptedParts ?? []).find(
            (p: any) => p.offset === c.securityHeaderOffsetInPayload,
          );
          expect(got, `${v.id} part at ${c.securityHeaderOffsetInPayload}`).toBeDefined();
          expect(got.verdict).toBe('valid');
          expect(got.plaintext).toBe(c.plaintext);
          parts++;
        }
        // Parts the vectors do not list (they list the first GBZ component only) must verify too.
        for (const p of r.payload.encryptedParts ?? []) expect(p.verdict, v.id).toBe('valid');
      }
      // The counts the vectors hold: 542 valid MACs, 313 valid signatures, 31 listed encrypted parts.
      expect({ macs, sigs, parts }).toEqual({ macs: 542, sigs: 313, parts: 31 });
    });
  }

  it('a flipped byte in the MAC or the signature turns the verdict to invalid', () => {
    const ctx = createDecodeContext(createCrypto('noble'), ks, ACB);
    const v = vectors.find((x) => x.expected.mac?.valid && x.expected.signature?.valid)!;
    const bytes = fromHex(v.hex);
    const macFlipped = bytes.slice();
    macFlipped[macFlipped.length - 1]! ^= 0x01;
    expect((decodeReport('m', Buffer.from(macFlipped).toString('hex'), ctx) as any).mac).toBe('invalid');
    const sigFlipped = bytes.slice();
    sigFlipped[sigFlipped.length - 13]! ^= 0x80; // last byte of s, just before the MAC
    const r = decodeReport('s', Buffer.from(sigFlipped).toString('hex'), ctx) as any;
    expect(r.signature).toBe('invalid');
    expect(r.mac).toBe('invalid');
  });

  it('ASN.1 payloads carry their use-case structure (GCS28 validity interval as in the command)', () => {
    const ctx = createDecodeContext(createCrypto('noble'), null, null);
    const gcs28 = vectors.find((v) => v.id === 'GCS28_6.11_ERROR_COMMAND')!;
    const r = decodeReport(gcs28.id, gcs28.hex, ctx) as any;
    // 3022 180f "20150101010000Z" 180f "20150101020000Z"
    expect(r.payload.structure).toEqual({
      validityIntervalStart: Date.UTC(2015, 0, 1, 1, 0, 0),
      validityIntervalEnd: Date.UTC(2015, 0, 1, 2, 0, 0),
    });
    const asn1 = vectors
      .map((v) => decodeReport(v.id, v.hex, ctx) as any)
      .filter((x) => x.payload?.encoding === 'asn1');
    expect(asn1.filter((x) => x.payload.structure !== undefined).length).toBeGreaterThanOrEqual(100);
  });

  it('without a keystore every present MAC and signature is no-key', () => {
    const ctx = createDecodeContext(createCrypto('noble'), null, null);
    for (const v of vectors.slice(0, 60)) {
      const r = decodeReport(v.id, v.hex, ctx) as any;
      const want = expectedVerdicts(v);
      expect(r.mac).toBe(want.mac === 'absent' ? 'absent' : 'no-key');
      expect(r.signature).toBe(want.signature === 'valid' ? 'no-key' : want.signature);
    }
  });
});
