/**
 * The `decode --json` report of one message (DESIGN §4): header fields, protection verdicts with the
 * keys at hand, and the decoded payload with its encrypted parts decrypted where keys allow.
 */

import { decodeAsn1Payload } from '../protocol/asn1/index.ts';
import { messageBytes, toHex } from '../protocol/bytes.ts';
import type { GbcsCrypto } from '../protocol/crypto/index.ts';
import { SharedSecretCache } from '../protocol/crypto/index.ts';
import { formatDlmsDateTime } from '../protocol/dlms-date-time.ts';
import { decodeGbcsMessage, type GbcsMessage } from '../protocol/envelope.ts';
import { DecodeError } from '../protocol/errors.ts';
import type { GroupingHeader } from '../protocol/grouping-header.ts';
import { decodePayload, locateEncryptedParts, payloadEncoding, payloadToJson } from '../protocol/payload.ts';
import {
  decryptParts,
  type KeyResolver,
  type VerifyContext,
  verifyMac,
  verifySignature,
} from '../protocol/security/verify.ts';
import type { Eui64 } from '../protocol/types.ts';
import { useCaseOf } from '../protocol/use-case-catalogue.ts';
import { outcomeText } from '../sim/head-end/outcome.ts';

export interface DecodeContext {
  crypto: GbcsCrypto;
  keys: KeyResolver | null;
  acbId: Eui64 | null;
  cache: SharedSecretCache;
}

export function createDecodeContext(
  crypto: GbcsCrypto,
  keys: KeyResolver | null,
  acbId: Eui64 | null,
): DecodeContext {
  return { crypto, keys, acbId, cache: new SharedSecretCache(crypto) };
}

const NO_KEYS: KeyResolver = { publicKey: () => undefined, privateKey: () => undefined };

/** JSON form of a Grouping Header (counters as decimal strings, ids as 16 hex digits). */
export function headerJson(h: GroupingHeader): Record<string, unknown> {
  const uc = useCaseOf(h.messageCode);
  return {
    craFlag: h.craFlag,
    originatorCounter: h.originatorCounter.toString(),
    originatorId: h.originatorId,
    recipientId: h.recipientId,
    dateTime: h.dateTime === null ? null : formatDlmsDateTime(h.dateTime),
    messageCode: h.messageCode,
    useCase: uc?.useCase || null,
    supplementaryRemotePartyId: h.supplementaryRemotePartyId,
    supplementaryRemotePartyCounter: h.supplementaryRemotePartyCounter?.toString() ?? null,
    supplementaryOriginatorCounter: h.supplementaryOriginatorCounter?.toString() ?? null,
  };
}

export function errorJson(input: string, e: DecodeError): Record<string, unknown> {
  return { input, ok: false, error: e.toJSON() };
}

/** Decodes, verifies and renders one message. Bad input gives `ok: false` with a stable code. */
export function decodeReport(input: string, text: string, ctx: DecodeContext): Record<string, unknown> {
  let m: GbcsMessage;
  try {
    m = decodeGbcsMessage(messageBytes(text).bytes);
  } catch (e) {
    if (e instanceof DecodeError) return errorJson(input, e);
    throw e;
  }
  if (m.form === 'gbt') {
    const b = m.block;
    return {
      input,
      ok: true,
      form: 'gbt',
      header: {
        craFlag: b.routing.craFlag,
        originatorCounter: b.routing.originatorCounter.toString(),
        originatorId: b.routing.originatorId,
        recipientId: b.routing.recipientId,
        dateTime: null,
        messageCode: b.routing.messageCode,
        useCase: useCaseOf(b.routing.messageCode)?.useCase || null,
        supplementaryRemotePartyId: null,
        supplementaryRemotePartyCounter: null,
        supplementaryOriginatorCounter: null,
      },
      gbt: {
        blockNumber: b.blockNumber,
        blockNumberAck: b.blockNumberAck,
        lastBlock: b.lastBlock,
        streaming: b.streaming,
        window: b.window,
        dataLength: b.data.length,
      },
      mac: 'absent',
      signature: 'absent',
    };
  }
  const vctx: VerifyContext = {
    crypto: ctx.crypto,
    keys: ctx.keys ?? NO_KEYS,
    acbId: ctx.acbId,
    cache: ctx.cache,
  };
  const payload = m.apdu.payload;
  const encoding = payloadEncoding(payload);
  let decoded: Record<string, unknown> = { encoding, length: payload.length };
  let parts: Array<{ offset: number; length: number }> = [];
  try {
    const craFlag = m.apdu.header.craFlag;
    decoded = {
      encoding,
      length: payload.length,
      ...(payloadToJson(decodePayload(payload, m.apdu.payloadOffset, { craFlag })) as object),
    };
    // ASN.1 payloads: the use case's own structure (CS02x, CS03x, CS06, GCS28, …) where a codec exists.
    if (encoding === 'asn1') {
      const structure = decodeAsn1Payload(m.apdu.header.messageCode, craFlag, payload);
      if (structure !== undefined) decoded.structure = payloadToJson(structure);
    }
    parts = locateEncryptedParts(payload, { craFlag });
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    // The envelope is fine; a payload the codecs cannot read is reported, not fatal.
    decoded = { encoding, length: payload.length, hex: toHex(payload), error: e.toJSON() };
  }
  if (parts.length > 0) {
    decoded.encryptedParts = decryptParts(vctx, m, parts).map((p) => ({
      offset: p.offset,
      length: p.length,
      verdict: p.verdict,
      plaintext: p.plaintext === null ? null : toHex(p.plaintext),
    }));
  }
  return {
    input,
    ok: true,
    form: m.form,
    header: headerJson(m.apdu.header),
    mac: verifyMac(vctx, m),
    signature: verifySignature(vctx, m),
    payload: decoded,
  };
}

/**
 * What a response (CRA flag 2) says of its command's execution, in words (`success` or `error: …`,
 * sim/head-end/outcome.ts); null for a command, an alert, a GBT block or bytes that do not decode.
 */
export function responseResultOf(text: string): string | null {
  try {
    const m = decodeGbcsMessage(messageBytes(text).bytes);
    if (m.form === 'gbt' || m.apdu.header.craFlag !== 2) return null;
    return outcomeText(m.apdu.payload);
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}

/**
 * The human-readable lines of one report (`decode` without --json): the header line, then the
 * payload (its encoding and the decoded tree as one line of JSON) and, for a response, the result.
 */
export function reportLines(r: Record<string, unknown>, result: string | null): string[] {
  const input = r.input as string;
  if (!r.ok) {
    const e = r.error as { code: string; offset: number; message: string };
    return [`${input}: ERROR ${e.code} at byte ${e.offset}: ${e.message}`];
  }
  const h = r.header as Record<string, unknown>;
  const lines = [
    `${input}: ${r.form} CRA=${h.craFlag} ${h.useCase ?? `0x${Number(h.messageCode).toString(16)}`} ` +
      `counter=${h.originatorCounter} ${h.originatorId}->${h.recipientId} mac=${r.mac} signature=${r.signature}`,
  ];
  if (r.payload !== undefined) {
    const { encoding, ...rest } = r.payload as { encoding?: string };
    lines.push(`  payload: ${encoding ?? ''} ${JSON.stringify(rest)}`);
  }
  if (result !== null) lines.push(`  result: ${result}`);
  return lines;
}
