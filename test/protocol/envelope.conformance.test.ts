import { expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { decodeGbcsMessage, encodeGbcsMessage } from '../../protocol/envelope.ts';
import { describeShared, rtdsVectors } from '../fixtures/shared.ts';

describeShared('envelope over RTDS 4.5.0 (../shared/vectors/rtds-4.5.0.messages.json)', () => {
  const vectors = rtdsVectors();
  it('has the 851 messages', () => expect(vectors.length).toBe(851));

  it.each(vectors.map((v) => [v.id, v] as const))('%s: header fields and byte-exact round trip', (_id, v) => {
    const bytes = fromHex(v.hex);
    const m = decodeGbcsMessage(bytes);
    const e = v.expected.header;
    expect(m.form).toBe(e.form.startsWith('general-ciphering') ? 'mac' : 'signing');
    if (m.form === 'gbt') throw new Error('unexpected');
    const h = m.apdu.header;
    expect(h.craFlag).toBe(e.craFlag);
    expect(h.originatorCounter.toString(16).padStart(16, '0')).toBe(e.originatorCounter);
    expect(h.originatorId).toBe(e.originatorId);
    expect(h.recipientId).toBe(e.recipientId);
    expect(h.dateTime === null ? null : toHex(h.dateTime)).toBe(e.dateTime);
    expect(h.messageCode.toString(16).padStart(4, '0')).toBe(e.messageCode);
    expect(m.apdu.payload[0]!.toString(16).padStart(2, '0')).toBe(e.payloadFirstByte);
    expect(m.apdu.payload.length).toBe(e.payloadLength);
    expect(h.supplementaryRemotePartyId).toBe(e.supplementaryRemotePartyId ?? null);
    expect(h.supplementaryRemotePartyCounter?.toString(16).padStart(16, '0') ?? null).toBe(
      e.supplementaryRemotePartyCounter ?? null,
    );
    if (e.supplementaryRemotePartyKACertificateDER !== undefined) {
      expect(toHex(h.supplementaryRemotePartyKaCertificate!)).toBe(
        e.supplementaryRemotePartyKACertificateDER,
      );
    }
    const sig = { absent: 'absent', 'present, length 0': 'null', 'present, length 64': 'present' }[
      e.signatureField as string
    ];
    expect(m.apdu.signature.kind).toBe(sig);
    if (m.form === 'mac') {
      expect(toHex(m.macHeader.mac)).toBe(e.mac);
      expect(
        toHex(bytes.subarray(m.macHeader.securityHeaderOffset, m.macHeader.securityHeaderOffset + 5)),
      ).toBe(e.securityHeader);
    }
    expect(toHex(encodeGbcsMessage(m))).toBe(toHex(bytes));
  });
});
