/**
 * An encrypted part of a GBCS payload as it sits on the wire (GBCS 4.3.3 KDF and IV;
 * gbcs-wire-and-security.md §3.4):
 *
 * ```
 * security-control(1) = 0x31 ‖ invocation-counter(4) = 0 ‖ ciphertext ‖ tag(12)
 * ```
 * i.e. the DLMS security header (Green Book: SC ‖ IC) followed by the AES-128-GCM
 * output with the tag cut to 12 bytes. AAD is the security-control byte alone; key and IV come
 * from the KDF with CRA byte 04. Carried by DLMS protected-attributes octet-strings
 * (protected-attributes.ts) and by GBZ encrypted components (gbz/gbz.ts).
 */
import { ByteReader, concatBytes } from '../bytes.ts';
import { DecodeError, ErrorCode } from '../errors.ts';

/** Security control of every GBCS encrypted part: security suite 1, authenticated encryption. */
export const GBCS_ENCRYPTION_SECURITY_CONTROL = 0x31;
/** Bytes of the inline security header: SC(1) ‖ IC(4). */
export const CIPHERED_SECURITY_HEADER_LENGTH = 5;
/** Bytes of the GCM tag kept on the wire. */
export const CIPHERED_TAG_LENGTH = 12;
/** Smallest encrypted part: header and tag around an empty ciphertext. */
export const MIN_CIPHERED_CONTENT_LENGTH = CIPHERED_SECURITY_HEADER_LENGTH + CIPHERED_TAG_LENGTH;

export interface CipheredContent {
  /** Always 0x31 in GBCS. */
  securityControl: number;
  /** uint32; always 0 in GBCS (uniqueness comes from the KDF inputs). */
  invocationCounter: number;
  ciphertext: Uint8Array;
  /** The first 12 bytes of the GCM tag. */
  tag: Uint8Array;
}

/**
 * Splits `31 ‖ IC ‖ ciphertext ‖ tag12`.
 * @param baseOffset absolute offset of `bytes[0]`, for error offsets.
 * @throws DecodeError BAD_LENGTH (fewer than 17 bytes), BAD_VALUE (security control not 0x31).
 */
export function decodeCipheredContent(bytes: Uint8Array, baseOffset = 0): CipheredContent {
  if (bytes.length < MIN_CIPHERED_CONTENT_LENGTH) {
    throw new DecodeError(
      ErrorCode.BAD_LENGTH,
      baseOffset,
      `encrypted part of ${bytes.length} byte(s): at least ${MIN_CIPHERED_CONTENT_LENGTH} (security header and tag)`,
    );
  }
  const r = new ByteReader(bytes, baseOffset);
  const securityControl = r.u8('security control');
  if (securityControl !== GBCS_ENCRYPTION_SECURITY_CONTROL) {
    throw new DecodeError(
      ErrorCode.BAD_VALUE,
      baseOffset,
      `encrypted part security control 0x${securityControl.toString(16).padStart(2, '0')}: expected 0x31`,
    );
  }
  const invocationCounter = r.u32('invocation counter');
  const ciphertext = r.take(bytes.length - MIN_CIPHERED_CONTENT_LENGTH, 'ciphertext');
  const tag = r.take(CIPHERED_TAG_LENGTH, 'tag');
  return { securityControl, invocationCounter, ciphertext, tag };
}

/** `SC ‖ IC ‖ ciphertext ‖ tag`. @throws RangeError for a tag that is not 12 bytes or fields out of range. */
export function encodeCipheredContent(c: CipheredContent): Uint8Array {
  if (c.tag.length !== CIPHERED_TAG_LENGTH) throw new RangeError('tag must be 12 bytes');
  if (!Number.isInteger(c.securityControl) || c.securityControl < 0 || c.securityControl > 0xff) {
    throw new RangeError(`security control ${c.securityControl}`);
  }
  if (!Number.isInteger(c.invocationCounter) || c.invocationCounter < 0 || c.invocationCounter > 0xffffffff) {
    throw new RangeError(`invocation counter ${c.invocationCounter}`);
  }
  const ic = c.invocationCounter;
  return concatBytes(
    Uint8Array.of(c.securityControl, ic >>> 24, (ic >>> 16) & 0xff, (ic >>> 8) & 0xff, ic & 0xff),
    c.ciphertext,
    c.tag,
  );
}

/** Encoded size of a ciphered content. */
export function cipheredContentLength(c: CipheredContent): number {
  return CIPHERED_SECURITY_HEADER_LENGTH + c.ciphertext.length + CIPHERED_TAG_LENGTH;
}
