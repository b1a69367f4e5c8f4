/**
 * The Grouping Header and the general-signing APDU that carries it (GBCS 7.2.7;
 * gbcs-wire-and-security.md §2.2):
 *
 * ```
 * DF ‖ 09 CRA Counter(8) ‖ 08 OriginatorID ‖ 08 RecipientID ‖ 00 | 0C DateTime(12)
 *    ‖ BER(len) OtherInformation ‖ BER(len) Payload ‖ [00 | 40 r‖s]
 * ```
 * Other Information = Message Code(2) [‖ Supplementary Remote Party ID(8) [‖ Supplementary Remote
 * Party Counter(8) [‖ Supplementary Originator Counter(8) | Supplementary Remote Party KA
 * certificate(DER)]]], so its length is 2, 10, 18, 26, or > 26.
 */
import { encodeBerLength, readBerLength } from './ber.ts';
import { ByteReader, concatBytes, fromHex, putHex, putU64be, toHex, u16be, u64be } from './bytes.ts';
import { DLMS_DATE_TIME_LENGTH, decodeDlmsDateTime } from './dlms-date-time.ts';
import { DecodeError, ErrorCode } from './errors.ts';
import type { CraFlag, Eui64 } from './types.ts';

export const GENERAL_SIGNING_TAG = 0xdf;
/** Length of the signature field value: raw r‖s (IEEE P1363), GBCS 7.2.8. */
export const SIGNATURE_LENGTH = 64;

export interface GroupingHeader {
  craFlag: CraFlag;
  /** uint64. Commands: the originator's counter; responses echo it; alerts: the device's own. */
  originatorCounter: bigint;
  /** Business originator (Remote Party, ACB, or device). */
  originatorId: Eui64;
  recipientId: Eui64;
  /** The 12 raw bytes of the DLMS date-time, or null when the field is empty (`00`). */
  dateTime: Uint8Array | null;
  /** GBCS Message Code (uint16), the use case. */
  messageCode: number;
  supplementaryRemotePartyId: Eui64 | null;
  supplementaryRemotePartyCounter: bigint | null;
  supplementaryOriginatorCounter: bigint | null;
  /** DER of the Unknown Remote Party's KA certificate (other-information length > 26). */
  supplementaryRemotePartyKaCertificate: Uint8Array | null;
}

/** The signature field: `40` + r‖s, a null `00`, or absent (pre-commands). */
export type SignatureField = { kind: 'present'; value: Uint8Array } | { kind: 'null' } | { kind: 'absent' };

/** A decoded general-signing APDU with the offsets (in the outermost input) that crypto needs. */
export interface GeneralSigning {
  header: GroupingHeader;
  payload: Uint8Array;
  signature: SignatureField;
  /** Offset of the DF tag. */
  start: number;
  /** Offset of the first payload byte. */
  payloadOffset: number;
  /** End (exclusive) of the payload: the signed range is [start + 1, payloadEnd). */
  payloadEnd: number;
  /** End (exclusive) of the signature field. */
  end: number;
}

/** Builds a header with the optional fields empty. */
export function groupingHeader(
  h: Pick<GroupingHeader, 'craFlag' | 'originatorCounter' | 'originatorId' | 'recipientId' | 'messageCode'> &
    Partial<GroupingHeader>,
): GroupingHeader {
  return {
    dateTime: null,
    supplementaryRemotePartyId: null,
    supplementaryRemotePartyCounter: null,
    supplementaryOriginatorCounter: null,
    supplementaryRemotePartyKaCertificate: null,
    ...h,
  };
}

function readEui(r: ByteReader, what: string): Eui64 {
  const at = r.offset;
  const len = r.u8(`${what} length`);
  if (len !== 8) throw new DecodeError(ErrorCode.BAD_LENGTH, at, `${what}: length ${len}, expected 8`);
  return toHex(r.take(8, what));
}

/** Decodes Other Information (length already read) into the Message Code and supplementary fields. */
function decodeOtherInformation(r: ByteReader, length: number, h: GroupingHeader, lengthAt: number): void {
  if (length !== 2 && length !== 10 && length !== 18 && length < 26) {
    throw new DecodeError(
      ErrorCode.BAD_LENGTH,
      lengthAt,
      `other-information length ${length}: GBCS allows 2, 10, 18, 26 or more than 26`,
    );
  }
  const sub = new ByteReader(r.take(length, 'other-information'), r.offset - length);
  h.messageCode = sub.u16('message code');
  if (length >= 10) h.supplementaryRemotePartyId = toHex(sub.take(8, 'supplementary remote party id'));
  if (length >= 18) h.supplementaryRemotePartyCounter = sub.u64('supplementary remote party counter');
  if (length === 26) h.supplementaryOriginatorCounter = sub.u64('supplementary originator counter');
  else if (length > 26) h.supplementaryRemotePartyKaCertificate = sub.take(sub.remaining, 'URP certificate');
}

/**
 * Decodes a general-signing APDU starting at the reader's position and ending at `end` (exclusive,
 * relative to the reader): whatever follows the payload up to `end` must be a signature field.
 * @throws DecodeError
 */
export function decodeGeneralSigning(r: ByteReader, end: number): GeneralSigning {
  const start = r.offset;
  r.expect(GENERAL_SIGNING_TAG, 'general-signing tag');
  const tidAt = r.offset;
  const tidLen = r.u8('transaction-id length');
  if (tidLen !== 9)
    throw new DecodeError(ErrorCode.BAD_LENGTH, tidAt, `transaction-id length ${tidLen}, expected 9`);
  const craAt = r.offset;
  const cra = r.u8('CRA flag');
  if (cra < 1 || cra > 3)
    throw new DecodeError(ErrorCode.BAD_VALUE, craAt, `CRA flag ${cra}: expected 1, 2 or 3`);
  const h = groupingHeader({
    craFlag: cra as CraFlag,
    originatorCounter: r.u64('originator counter'),
    originatorId: readEui(r, 'originator system title'),
    recipientId: readEui(r, 'recipient system title'),
    messageCode: 0,
  });
  const dtAt = r.offset;
  const dtLen = r.u8('date-time length');
  if (dtLen === DLMS_DATE_TIME_LENGTH) {
    const at = r.offset;
    h.dateTime = r.take(DLMS_DATE_TIME_LENGTH, 'date-time');
    decodeDlmsDateTime(h.dateTime, at); // an impossible date-time is refused, not carried
  } else if (dtLen !== 0)
    throw new DecodeError(ErrorCode.BAD_LENGTH, dtAt, `date-time length ${dtLen}: expected 0 or 12`);
  const oiAt = r.offset;
  decodeOtherInformation(r, readBerLength(r, 'other-information length'), h, oiAt);
  const payloadLength = readBerLength(r, 'content length');
  const payloadOffset = r.offset;
  const payload = r.take(payloadLength, 'payload');
  const payloadEnd = r.offset;
  if (payloadLength === 0) throw new DecodeError(ErrorCode.BAD_LENGTH, payloadOffset - 1, 'empty payload');
  const left = end - r.pos;
  let signature: SignatureField;
  if (left === 0) signature = { kind: 'absent' };
  else {
    const sigAt = r.offset;
    const sigLen = r.u8('signature length');
    if (sigLen === 0) signature = { kind: 'null' };
    else if (sigLen === SIGNATURE_LENGTH)
      signature = { kind: 'present', value: r.take(SIGNATURE_LENGTH, 'signature') };
    else throw new DecodeError(ErrorCode.BAD_LENGTH, sigAt, `signature length ${sigLen}: expected 0 or 64`);
    if (r.pos < end)
      throw new DecodeError(ErrorCode.TRAILING_BYTES, r.offset, `${end - r.pos} byte(s) after the signature`);
    if (r.pos > end)
      throw new DecodeError(ErrorCode.BAD_LENGTH, sigAt, 'signature runs past the enclosing length');
  }
  return { header: h, payload, signature, start, payloadOffset, payloadEnd, end: r.offset };
}

/** Encodes Other Information: Message Code and the supplementary fields that are set. */
export function encodeOtherInformation(h: GroupingHeader): Uint8Array {
  const parts = [u16be(h.messageCode)];
  if (h.supplementaryRemotePartyId !== null) {
    parts.push(fromHex(h.supplementaryRemotePartyId));
    if (h.supplementaryRemotePartyCounter !== null) {
      parts.push(u64be(h.supplementaryRemotePartyCounter));
      if (h.supplementaryOriginatorCounter !== null) parts.push(u64be(h.supplementaryOriginatorCounter));
      else if (h.supplementaryRemotePartyKaCertificate !== null)
        parts.push(h.supplementaryRemotePartyKaCertificate);
    }
  }
  return concatBytes(...parts);
}

/**
 * Encodes `DF` + Grouping Header + payload, without the signature field: the bytes a signer signs
 * start at index 1 of this result (GBCS 7.2.8).
 */
export function encodeGroupingHeaderAndPayload(h: GroupingHeader, payload: Uint8Array): Uint8Array {
  if (h.dateTime !== null && h.dateTime.length !== DLMS_DATE_TIME_LENGTH) {
    throw new RangeError('dateTime must be 12 bytes');
  }
  const oi = encodeOtherInformation(h);
  const oiLen = encodeBerLength(oi.length);
  const payloadLen = encodeBerLength(payload.length);
  const dt = h.dateTime === null ? 1 : 1 + DLMS_DATE_TIME_LENGTH;
  // DF 09 CRA ‖ counter(8) ‖ 08 originator(8) ‖ 08 recipient(8) ‖ date-time ‖ OI ‖ payload: one buffer.
  const out = new Uint8Array(
    3 + 8 + 9 + 9 + dt + oiLen.length + oi.length + payloadLen.length + payload.length,
  );
  out[0] = GENERAL_SIGNING_TAG;
  out[1] = 0x09;
  out[2] = h.craFlag;
  putU64be(out, 3, h.originatorCounter);
  out[11] = 0x08;
  out[20] = 0x08;
  // EUI-64s are 16 hex digits; anything else takes the general (erroring / odd-length) path.
  if (!putHex(out, 12, h.originatorId, 8) || !putHex(out, 21, h.recipientId, 8))
    return encodeSlow(h, payload, oi, oiLen, payloadLen);
  let at = 29;
  if (h.dateTime === null) out[at++] = 0;
  else {
    out[at++] = DLMS_DATE_TIME_LENGTH;
    out.set(h.dateTime, at);
    at += DLMS_DATE_TIME_LENGTH;
  }
  out.set(oiLen, at);
  at += oiLen.length;
  out.set(oi, at);
  at += oi.length;
  out.set(payloadLen, at);
  out.set(payload, at + payloadLen.length);
  return out;
}

/** The same bytes by concatenation, for ids that are not 16 hex digits (fromHex's errors, any length). */
function encodeSlow(
  h: GroupingHeader,
  payload: Uint8Array,
  oi: Uint8Array,
  oiLen: Uint8Array,
  payloadLen: Uint8Array,
): Uint8Array {
  return concatBytes(
    Uint8Array.of(GENERAL_SIGNING_TAG, 0x09, h.craFlag),
    u64be(h.originatorCounter),
    Uint8Array.of(0x08),
    fromHex(h.originatorId),
    Uint8Array.of(0x08),
    fromHex(h.recipientId),
    h.dateTime === null ? Uint8Array.of(0) : concatBytes(Uint8Array.of(DLMS_DATE_TIME_LENGTH), h.dateTime),
    oiLen,
    oi,
    payloadLen,
    payload,
  );
}

export function encodeSignatureField(s: SignatureField): Uint8Array {
  if (s.kind === 'absent') return new Uint8Array(0);
  if (s.kind === 'null') return Uint8Array.of(0);
  if (s.value.length !== SIGNATURE_LENGTH) throw new RangeError('signature must be 64 bytes (r‖s)');
  return concatBytes(Uint8Array.of(SIGNATURE_LENGTH), s.value);
}

/** Encodes a complete general-signing APDU. */
export function encodeGeneralSigning(
  h: GroupingHeader,
  payload: Uint8Array,
  signature: SignatureField,
): Uint8Array {
  return concatBytes(encodeGroupingHeaderAndPayload(h, payload), encodeSignatureField(signature));
}
