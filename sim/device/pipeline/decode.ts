/**
 * Step 1, decode (DESIGN §1): the envelope — `DD 00` MAC header, `DF` grouping header or `DD 09` GBT
 * block — and, before execution, the payload in its use case's encoding. Malformed input is a
 * `DECODE` rejection carrying the decoder's code and offset; nothing changes.
 */
import { decodeDer } from '../../../protocol/asn1/der.ts';
import {
  decodeGbcsMessage,
  type GbcsMessage,
  type MacMessage,
  type SigningMessage,
} from '../../../protocol/envelope.ts';
import { DecodeError, ErrorCode } from '../../../protocol/errors.ts';
import { decodePayload, payloadEncoding } from '../../../protocol/payload.ts';
import type { UseCase } from '../../../protocol/use-case-catalogue.ts';
import type { Step } from '../core.ts';
import { RejectReason } from '../state.ts';

export function decodeStep(bytes: Uint8Array): Step<GbcsMessage> {
  try {
    return { ok: true, value: decodeGbcsMessage(bytes) };
  } catch (e) {
    if (e instanceof DecodeError) {
      return {
        ok: false,
        rejection: { reason: RejectReason.DECODE, detail: e.message, error: e.toJSON() },
      };
    }
    throw e;
  }
}

/**
 * The payload must decode in its encoding (DLMS, GBZ) before the command is accepted: a malformed
 * payload from a genuine Remote Party is refused like a malformed envelope, changing nothing.
 */
export function checkPayloadStep(m: MacMessage | SigningMessage, uc: UseCase): Step<null> {
  const payload = m.apdu.payload;
  const encoding = payloadEncoding(payload);
  // The payload must be in the use case's encoding (DLMS for ESME/CHF use cases, GBZ for GSME/GPF,
  // DER for the security and join use cases) and must decode in it.
  if (encoding === 'unknown' || (uc.encoding !== null && encoding !== uc.encoding)) {
    const error = {
      code: ErrorCode.UNKNOWN_TAG,
      offset: m.apdu.payloadOffset,
      message: `payload encoding ${encoding}: ${uc.useCase || 'this use case'} expects ${uc.encoding ?? 'DLMS, GBZ or ASN.1'}`,
    };
    return { ok: false, rejection: { reason: RejectReason.DECODE, detail: error.message, error } };
  }
  try {
    if (encoding === 'asn1') decodeDer(payload, m.apdu.payloadOffset);
    else decodePayload(payload, m.apdu.payloadOffset, { craFlag: m.apdu.header.craFlag });
    return { ok: true, value: null };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return {
      ok: false,
      rejection: { reason: RejectReason.DECODE, detail: `payload: ${e.message}`, error: e.toJSON() },
    };
  }
}
