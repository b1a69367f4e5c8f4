/**
 * The error hierarchy of gbcs-sim (DESIGN §5): one base class with a stable `code`,
 * `DecodeError` adds the byte `offset` at which decoding failed.
 * Protocol outcomes a device reports (a MAC that does not verify, a replayed counter) are
 * values, not exceptions; these classes are for malformed input and misuse.
 */

/** Stable error codes. Tools and tests branch on these, never on messages. */
export const ErrorCode = {
  /** Input ended before a field was complete. */
  TRUNCATED: 'TRUNCATED',
  /** Bytes left over after a complete structure. */
  TRAILING_BYTES: 'TRAILING_BYTES',
  /** A tag byte that the structure does not allow at this place. */
  UNKNOWN_TAG: 'UNKNOWN_TAG',
  /** A length field that is malformed or contradicts a fixed length. */
  BAD_LENGTH: 'BAD_LENGTH',
  /** A field value outside its allowed range (CRA flag 7, …). */
  BAD_VALUE: 'BAD_VALUE',
  /**
   * An encoding the rules allow in BER but DER forbids (X.690 §10–11): an INTEGER not in the fewest
   * octets, BOOLEAN TRUE other than FF, set unused bits, a long-form tag for a small number, an
   * ASN.1 DEFAULT value encoded. One value, one encoding.
   */
  NOT_CANONICAL: 'NOT_CANONICAL',
  /** A date or time that names no instant: 2027-02-29, month 21, hour 24, a malformed time string. */
  BAD_DATE: 'BAD_DATE',
  /** Input text that is not hexadecimal. */
  NOT_HEX: 'NOT_HEX',
  /** Input text that is neither hexadecimal nor base64 (RFC 4648). */
  NOT_BASE64: 'NOT_BASE64',
  /** No bytes at all. */
  EMPTY: 'EMPTY',
  /** Larger than a configured bound (GBT reassembly, framing). */
  TOO_LARGE: 'TOO_LARGE',
  /** A key, certificate or keystore that cannot be used. */
  BAD_KEY: 'BAD_KEY',
  /** A key needed to protect, encrypt or sign is not held. */
  NO_KEY: 'NO_KEY',
  /** A keystore file or directory that cannot be read. */
  BAD_KEYSTORE: 'BAD_KEYSTORE',
  /** Wrong use of an API (programming error, not bad input). */
  MISUSE: 'MISUSE',
  /** A command-line flag or configuration the user must fix (exit 2). */
  USAGE: 'USAGE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class GbcsError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GbcsError';
    this.code = code;
  }
  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Malformed bytes. `offset` is the index (0-based, in the outermost input) of the offending byte. */
export class DecodeError extends GbcsError {
  readonly offset: number;
  constructor(code: string, offset: number, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'DecodeError';
    this.offset = offset;
  }
  override toJSON(): { code: string; offset: number; message: string } {
    return { code: this.code, offset: this.offset, message: this.message };
  }
}
