/**
 * The 12-byte DLMS COSEM date-time (Blue Book 4.1.6.1): year(2) month day day-of-week hour minute
 * second hundredths deviation(2) clock-status. GBCS carries it in the Grouping Header and payloads.
 * 0xFF (0xFFFF for year) = not specified; deviation 0x8000 = not specified.
 */
import { daysInMonth, MS_PER_DAY, utcFieldsProblem, utcFieldsToMs } from './calendar.ts';
import { DecodeError, ErrorCode, GbcsError } from './errors.ts';

export const DLMS_DATE_TIME_LENGTH = 12;

/** Month and day-of-month values that are markers, not numbers (Blue Book 4.1.6.1). */
export const DlmsDateMarker = {
  /** month: daylight saving end; day of month: second last day of the month. */
  FD: 0xfd,
  /** month: daylight saving begin; day of month: last day of the month. */
  FE: 0xfe,
} as const;

/**
 * The fields of a DLMS date-time; null = not specified (0xFF, 0xFFFF for the year, 0x8000 for
 * the deviation). `month` and `dayOfMonth` may also be the markers 0xFD / 0xFE.
 */
export interface DlmsDateTime {
  year: number | null;
  month: number | null;
  dayOfMonth: number | null;
  /** 1 = Monday … 7 = Sunday. */
  dayOfWeek: number | null;
  hour: number | null;
  minute: number | null;
  second: number | null;
  hundredths: number | null;
  /** Minutes, −720…720 (local time = UTC + deviation in the Blue Book's sign convention). */
  deviation: number | null;
  /** Clock status bits (0xFF = not specified). */
  clockStatus: number | null;
}

/**
 * Decodes and checks the 12 bytes of a DLMS date-time (Blue Book 4.1.6.1): year 0–0xFFFE; month
 * 1–12 (or FD/FE); day of month 1–31 (or FD/FE; E0–FC are reserved) and no later than the month
 * has — in the given year, or in any year when the year is not specified (so 29 February passes
 * only then or in a leap year); day of week 1–7; hour 0–23; minute and second 0–59; hundredths
 * 0–99; deviation −720…720; and, when the date is complete, a day of week that matches it.
 * @throws DecodeError BAD_LENGTH (not 12 bytes), BAD_DATE (a field out of range or an impossible
 *   date), with `offset` + the index of the offending byte
 */
export function decodeDlmsDateTime(b: Uint8Array, offset = 0): DlmsDateTime {
  if (b.length !== DLMS_DATE_TIME_LENGTH)
    throw new DecodeError(ErrorCode.BAD_LENGTH, offset, `date-time is 12 bytes, not ${b.length}`);
  const bad = (i: number, what: string) =>
    new DecodeError(ErrorCode.BAD_DATE, offset + i, `date-time ${what}`);
  const field = (i: number, max: number, min: number, what: string): number | null => {
    const v = b[i]!;
    if (v === 0xff) return null;
    if (v < min || v > max) throw bad(i, `${what} ${v} is outside ${min}–${max}`);
    return v;
  };
  const y = (b[0]! << 8) | b[1]!;
  const year = y === 0xffff ? null : y;
  const m = b[2]!;
  if (!(m === 0xff || m === 0xfd || m === 0xfe || (m >= 1 && m <= 12)))
    throw bad(2, `month ${m} is outside 1–12`);
  const month = m === 0xff ? null : m;
  const d = b[3]!;
  if (!(d === 0xff || d === 0xfd || d === 0xfe || (d >= 1 && d <= 31)))
    throw bad(3, `day of month ${d} is outside 1–31`);
  const dayOfMonth = d === 0xff ? null : d;
  if (dayOfMonth !== null && dayOfMonth <= 31 && month !== null && month <= 12) {
    const max = daysInMonth(year ?? 2000, month);
    if (dayOfMonth > max)
      throw bad(
        3,
        `${year ?? '****'}-${String(month).padStart(2, '0')}-${String(dayOfMonth).padStart(2, '0')} is not a date`,
      );
  }
  const dayOfWeek = field(4, 7, 1, 'day of week');
  const hour = field(5, 23, 0, 'hour');
  const minute = field(6, 59, 0, 'minute');
  const second = field(7, 59, 0, 'second');
  const hundredths = field(8, 99, 0, 'hundredths');
  const dv = (b[9]! << 8) | b[10]!;
  let deviation: number | null = null;
  if (dv !== 0x8000) {
    deviation = dv >= 0x8000 ? dv - 0x10000 : dv;
    if (deviation < -720 || deviation > 720) throw bad(9, `deviation ${deviation} is outside −720…720`);
  }
  const clockStatus = b[11] === 0xff ? null : b[11]!;
  if (
    year !== null &&
    month !== null &&
    month <= 12 &&
    dayOfMonth !== null &&
    dayOfMonth <= 31 &&
    dayOfWeek !== null
  ) {
    const dow =
      ((((utcFieldsToMs({ year, month, day: dayOfMonth, hour: 0, minute: 0, second: 0 }) / MS_PER_DAY + 3) %
        7) +
        7) %
        7) +
      1;
    if (dow !== dayOfWeek)
      throw bad(4, `day of week ${dayOfWeek} but ${year}-${month}-${dayOfMonth} is day ${dow}`);
  }
  return { year, month, dayOfMonth, dayOfWeek, hour, minute, second, hundredths, deviation, clockStatus };
}

/**
 * The UTC instant (ms since epoch) a DLMS date-time names, or null when a date or time field is
 * not specified or is a marker (it then names no single instant). Unspecified hundredths count as
 * 0; the deviation and clock status are not applied (GBCS date-times are UTC).
 * @throws DecodeError as decodeDlmsDateTime
 */
export function dlmsDateTimeInstant(b: Uint8Array, offset = 0): number | null {
  const t = decodeDlmsDateTime(b, offset);
  const { year, month, dayOfMonth: day, hour, minute, second } = t;
  if (year === null || month === null || day === null || hour === null || minute === null || second === null)
    return null;
  if (month > 12 || day > 31) return null;
  const f = { year, month, day, hour, minute, second, millisecond: (t.hundredths ?? 0) * 10 };
  return utcFieldsProblem(f, 0, 0xfffe) === null ? utcFieldsToMs(f) : null;
}

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
 * How the optional fields of an encoded DLMS date-time are filled: `full` (grouping headers,
 * responses) gives day-of-week (1 = Monday … 7 = Sunday), hundredths and clock status 0x00; `gbcs`
 * (values in GBCS payloads and model buffers, as RTDS shows them) leaves day-of-week and clock
 * status not specified (0xFF) and hundredths 0. Deviation is not specified (0x8000) in both.
 */
export type DlmsDateTimeForm = 'full' | 'gbcs';

/**
 * Encodes a UTC instant (milliseconds since the epoch) as a 12-byte DLMS date-time (Blue Book
 * 4.1.6.1) in the given form.
 * @throws GbcsError MISUSE when the instant is not in years 0–65534 (a DLMS year is 2 bytes, FFFF
 *   meaning not specified)
 */
export function encodeDlmsDateTime(epochMs: number, form: DlmsDateTimeForm = 'full'): Uint8Array {
  const d = new Date(epochMs);
  const y = d.getUTCFullYear();
  if (!Number.isFinite(epochMs) || y < 0 || y > 0xfffe)
    throw new GbcsError(ErrorCode.MISUSE, `a DLMS date-time has years 0–65534, not ${epochMs} ms`);
  const full = form === 'full';
  return Uint8Array.of(
    y >> 8,
    y & 0xff,
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    full ? ((d.getUTCDay() + 6) % 7) + 1 : 0xff,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    full ? Math.floor(d.getUTCMilliseconds() / 10) : 0x00,
    0x80,
    0x00,
    full ? 0x00 : 0xff,
  );
}
