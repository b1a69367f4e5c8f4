/**
 * The proleptic Gregorian calendar in UTC, computed without `Date.UTC` (which silently rolls
 * 2027-02-29 over to 1 March, month 21 into a later year and years 0–99 into 1900–1999). The time
 * decoders (DLMS date-time, DER GeneralizedTime/UTCTime) use it so that an impossible date is
 * refused rather than normalised.
 */

export const MS_PER_DAY = 86_400_000;

/**
 * 2000-01-01T00:00:00Z in ms since the Unix epoch: the epoch of ZigBee UTCTime (ZCL 2.6.2) and of
 * the GBCS double-long-unsigned seconds in DLMS buffers and range selectors.
 */
export const EPOCH_2000_MS = 10_957 * MS_PER_DAY;

export const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Days in `month` (1–12) of `year`; 0 for a month outside 1–12. */
export function daysInMonth(year: number, month: number): number {
  if (!Number.isInteger(month) || month < 1 || month > 12) return 0;
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to year-month-day (a valid date; month 1–12), proleptic Gregorian. */
export function daysFromCivil(year: number, month: number, day: number): number {
  // Era-based day count (years counted from March, so the leap day ends the year).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Calendar fields of a UTC date-time. */
export interface UtcFields {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond?: number;
}

/**
 * Why `f` names no instant (`"2027-02-29 is not a date"`, `"hour 24"`), or null when every field is
 * an integer in range: month 1–12, day 1 to the month's length, hour 0–23, minute and second 0–59
 * (no leap second: GBCS clocks have none), millisecond 0–999; year within `minYear`–`maxYear`.
 */
export function utcFieldsProblem(f: UtcFields, minYear = 0, maxYear = 9999): string | null {
  const { year, month, day, hour, minute, second, millisecond = 0 } = f;
  const all = [year, month, day, hour, minute, second, millisecond];
  if (!all.every(Number.isInteger)) return 'a field is not an integer';
  if (year < minYear || year > maxYear) return `year ${year} is outside ${minYear}–${maxYear}`;
  if (month < 1 || month > 12) return `month ${month} is outside 1–12`;
  if (day < 1 || day > daysInMonth(year, month)) {
    const ymd = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    return `${ymd} is not a date`;
  }
  if (hour > 23 || hour < 0) return `hour ${hour} is outside 0–23`;
  if (minute > 59 || minute < 0) return `minute ${minute} is outside 0–59`;
  if (second > 59 || second < 0) return `second ${second} is outside 0–59`;
  if (millisecond > 999 || millisecond < 0) return `millisecond ${millisecond} is outside 0–999`;
  return null;
}

/** Milliseconds since the epoch of valid fields (check them with `utcFieldsProblem` first). */
export function utcFieldsToMs(f: UtcFields): number {
  const days = daysFromCivil(f.year, f.month, f.day);
  return ((days * 24 + f.hour) * 60 + f.minute) * 60_000 + f.second * 1000 + (f.millisecond ?? 0);
}

/** The UTC calendar fields of `ms` (an integer within the JavaScript Date range). */
export function msToUtcFields(ms: number): UtcFields {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}
