/**
 * The outer forms of a GBCS message (GBCS 7.2.5, 7.2.11; gbcs-wire-and-security.md §2.0–2.5):
 *
 * - `DD 00 00 00 00 00 00 ‖ BER(len) ‖ SC(1) IC(4) ‖ DF… ‖ MAC(12)` — MAC header (general-ciphering
 *   with every inner field empty) around a general-signing APDU: form `mac`.
 * - `DF …` alone — general-signing APDU, no MAC: form `signing` (signed responses and alerts,
 *   pre-commands).
 * - `DD 09 CRA Counter ‖ 08 Orig ‖ 08 Recip ‖ 00 ‖ 02 MessageCode ‖ 00 ‖ BER(len) ‖ SC IC ‖ E0 …` —
 *   a GBT routing header carrying one General Block Transfer block: form `gbt` (see gbt.ts).
 */
import { encodeBerLength, readBerLength } from './ber.ts';
import { ByteReader, concatBytes } from './bytes.ts';
import { DecodeError, ErrorCode } from './errors.ts';
import { decodeGbtAfterRoutingStart, encodeGbtBlock, type GbtBlock } from './gbt.ts';
import {
  decodeGeneralSigning,
  encodeGeneralSigning,
  GENERAL_SIGNING_TAG,
  type GeneralSigning,
  type GroupingHeader,
  type SignatureField,
} from './grouping-header.ts';

export const GENERAL_CIPHERING_TAG = 0xdd;
/** Security Control byte: authentication only, security suite 1 (GBCS 7.2.5). */
export const SECURITY_CONTROL_AUTH_ONLY = 0x11;
export const MAC_LENGTH = 12;
/** Bytes of the security header: SC(1) ‖ invocation counter(4, always 0 in GBCS). */
export const SECURITY_HEADER_LENGTH = 5;

/** Security header and MAC of a `mac`-form message. */
export interface MacHeader {
  securityControl: number;
  invocationCounter: number;
  /** The 12-byte MAC (first 12 bytes of the GCM tag). */
  mac: Uint8Array;
  /** Offset of the security-control byte; AAD = security header ‖ 00 ‖ bytes[apdu.start, apdu.end). */
  securityHeaderOffset: number;
}

export interface MacMessage {
  form: 'mac';
  bytes: Uint8Array;
  macHeader: MacHeader;
  apdu: GeneralSigning;
}
export interface SigningMessage {
  form: 'signing';
  bytes: Uint8Array;
  apdu: GeneralSigning;
}
export interface GbtMessage {
  form: 'gbt';
  bytes: Uint8Array;
  block: GbtBlock;
}
export type GbcsMessage = MacMessage | SigningMessage | GbtMessage;

/** Convenience: the Grouping Header of a non-GBT message. */
export function headerOf(m: MacMessage | SigningMessage): GroupingHeader {
  return m.apdu.header;
}

/**
 * Decodes one GBCS message. Every byte must belong to it.
 * @throws DecodeError with the offset of the offending byte: EMPTY, TRUNCATED, UNKNOWN_TAG,
 *   BAD_LENGTH, BAD_VALUE, TRAILING_BYTES.
 */
export function decodeGbcsMessage(bytes: Uint8Array): GbcsMessage {
  if (bytes.length === 0) throw new DecodeError(ErrorCode.EMPTY, 0, 'empty message');
  const r = new ByteReader(bytes);
  const tag = r.peek()!;
  if (tag === GENERAL_SIGNING_TAG) {
    const apdu = decodeGeneralSigning(r, bytes.length);
    r.end('general-signing APDU');
    return { form: 'signing', bytes, apdu };
  }
  if (tag !== GENERAL_CIPHERING_TAG) {
    throw new DecodeError(
      ErrorCode.UNKNOWN_TAG,
      0,
      `first byte 0x${tag.toString(16).padStart(2, '0')}: expected DD (general-ciphering) or DF (general-signing)`,
    );
  }
  r.u8();
  if (r.peek() !== 0x00) {
    return { form: 'gbt', bytes, block: decodeGbtAfterRoutingStart(r) };
  }
  // MAC header: five empty octet-strings and an absent key-info.
  for (const what of [
    'transaction-id',
    'originator-system-title',
    'recipient-system-title',
    'date-time',
    'other-information',
    'key-info',
  ]) {
    r.expect(0x00, `MAC header ${what} (empty)`);
  }
  const lenAt = r.offset;
  const contentLength = readBerLength(r, 'ciphered-content length');
  if (contentLength < SECURITY_HEADER_LENGTH + MAC_LENGTH + 1) {
    throw new DecodeError(ErrorCode.BAD_LENGTH, lenAt, `ciphered-content length ${contentLength} too short`);
  }
  if (r.remaining < contentLength) {
    throw new DecodeError(
      ErrorCode.TRUNCATED,
      bytes.length,
      `ciphered content declares ${contentLength} bytes, ${r.remaining} present`,
    );
  }
  if (r.remaining > contentLength) {
    throw new DecodeError(ErrorCode.TRAILING_BYTES, r.offset + contentLength, 'bytes after the MAC');
  }
  const securityHeaderOffset = r.offset;
  const scAt = r.offset;
  const securityControl = r.u8('security control');
  if (securityControl !== SECURITY_CONTROL_AUTH_ONLY) {
    throw new DecodeError(
      ErrorCode.BAD_VALUE,
      scAt,
      `security control 0x${securityControl.toString(16)}: expected 0x11`,
    );
  }
  const invocationCounter = r.u32('invocation counter');
  const apduEnd = bytes.length - MAC_LENGTH;
  const inner = new ByteReader(bytes.subarray(0, apduEnd));
  inner.pos = r.pos;
  const apdu = decodeGeneralSigning(inner, apduEnd);
  if (inner.pos !== apduEnd)
    throw new DecodeError(ErrorCode.BAD_LENGTH, inner.offset, 'general-signing APDU length mismatch');
  const mac = bytes.subarray(apduEnd);
  return {
    form: 'mac',
    bytes,
    macHeader: { securityControl, invocationCounter, mac, securityHeaderOffset },
    apdu,
  };
}

/** Bytes over which the MAC is computed: SC ‖ IC ‖ 00 ‖ the general-signing APDU (GBCS 6.2.3). */
export function macAad(m: MacMessage): Uint8Array {
  const h = m.macHeader.securityHeaderOffset;
  return concatBytes(
    m.bytes.subarray(h, h + SECURITY_HEADER_LENGTH),
    Uint8Array.of(0x00),
    m.bytes.subarray(m.apdu.start, m.apdu.end),
  );
}

/** Bytes covered by the signature: the general-signing APDU without its DF tag, up to the payload end. */
export function signedBytes(m: MacMessage | SigningMessage): Uint8Array {
  return m.bytes.subarray(m.apdu.start + 1, m.apdu.payloadEnd);
}

/** AAD for a MAC over an already-encoded general-signing APDU. */
export function macAadFor(apduBytes: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(SECURITY_CONTROL_AUTH_ONLY, 0, 0, 0, 0, 0), apduBytes);
}

/**
 * Wraps an encoded general-signing APDU and its MAC in the MAC header. The invocation counter is 0
 * in GBCS; a decoded message that carries another value passes it so that it re-encodes unchanged.
 */
export function encodeMacMessage(apduBytes: Uint8Array, mac: Uint8Array, invocationCounter = 0): Uint8Array {
  if (mac.length !== MAC_LENGTH) throw new RangeError('MAC must be 12 bytes');
  if (!Number.isInteger(invocationCounter) || invocationCounter < 0 || invocationCounter > 0xffffffff)
    throw new RangeError(`invocation counter ${invocationCounter}`);
  const ic = invocationCounter;
  return concatBytes(
    Uint8Array.of(GENERAL_CIPHERING_TAG, 0, 0, 0, 0, 0, 0),
    encodeBerLength(SECURITY_HEADER_LENGTH + apduBytes.length + MAC_LENGTH),
    Uint8Array.of(SECURITY_CONTROL_AUTH_ONLY, ic >>> 24, (ic >>> 16) & 0xff, (ic >>> 8) & 0xff, ic & 0xff),
    apduBytes,
    mac,
  );
}

/**
 * Re-encodes a decoded message from its fields (not from its bytes). For every valid message the
 * result equals the input byte for byte; tests assert it over RTDS.
 */
export function encodeGbcsMessage(m: GbcsMessage): Uint8Array {
  if (m.form === 'gbt') return encodeGbtMessageFrom(m);
  const apdu = encodeGeneralSigning(m.apdu.header, m.apdu.payload, m.apdu.signature);
  return m.form === 'signing' ? apdu : encodeMacMessage(apdu, m.macHeader.mac, m.macHeader.invocationCounter);
}

function encodeGbtMessageFrom(m: GbtMessage): Uint8Array {
  return encodeGbtBlock(m.block);
}

export type { SignatureField };
