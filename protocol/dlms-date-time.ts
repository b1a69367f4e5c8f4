/**
 * The 12-byte DLMS COSEM date-time (Blue Book 4.1.6.1): year(2) month day day-of-week hour minute
 * second hundredths deviation(2) clock-status. GBCS carries it in the Grouping Header and payloads.
 * 0xFF (0xFFFF for year) = not specified; deviation 0x8000 = not specified.
 */
import { DecodeError, ErrorCode } from './errors.ts';

export const DLMS_DATE_TIME_LENGTH = 12;

/**
 * Readable form `YYYY-MM-DDTHH:MM:SS.hh` (DESIGN §4 `dateTime`); an unspecified field prints as
 * asterisks of its width (`****-01-01T…`).
 */
export function formatDlmsDateTime(b: Uint8Array): string {
  if (b.length !== DLMS_DATE_TIME_LENGTH)
    throw new DecodeError(ErrorCode.BAD_LENGTH, 0, 'date-time is 12 bytes');
  const year = (b[0]! << 8) | b[1]!;
  const f = (v: number, w: number, unspecified: number) =>
    v === unspecified ? '*'.repeat(w) : String(v).padStart(w, '0');
  return (
    `${f(year, 4, 0xffff)}-${f(b[2]!, 2, 0xff)}-${f(b[3]!, 2, 0xff)}` +
    `T${f(b[5]!, 2, 0xff)}:${f(b[6]!, 2, 0xff)}:${f(b[7]!, 2, 0xff)}.${f(b[8]!, 2, 0xff)}`
  );
}

/**
 * Encodes a UTC instant (milliseconds since the epoch) as a DLMS date-time with day-of-week
 * (1 = Monday … 7 = Sunday), deviation not specified (0x8000) and clock status 0x00.
 */
export function encodeDlmsDateTime(epochMs: number): Uint8Array {
  const d = new Date(epochMs);
  const dow = ((d.getUTCDay() + 6) % 7) + 1;
  const y = d.getUTCFullYear();
  return Uint8Array.of(
    y >> 8,
    y & 0xff,
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    dow,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    Math.floor(d.getUTCMilliseconds() / 10),
    0x80,
    0x00,
    0x00,
  );
}
