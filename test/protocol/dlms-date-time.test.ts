/**
 * DLMS date-time decoding (protocol/dlms-date-time.ts) and the calendar under it
 * (protocol/calendar.ts): impossible values are refused with a typed error, never rolled over
 * (issue 8 finding 10: 2027-02-29 read as 1 March).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, fromHex, toHex } from '../../protocol/bytes.ts';
import { daysFromCivil, utcFieldsProblem, utcFieldsToMs } from '../../protocol/calendar.ts';
import { decodeDlmsApdu, encodeDlmsApdu } from '../../protocol/dlms/apdu.ts';
import {
  decodeDlmsDateTime,
  dlmsDateTimeInstant,
  encodeDlmsDateTime,
} from '../../protocol/dlms-date-time.ts';
import { DecodeError, ErrorCode, GbcsError } from '../../protocol/errors.ts';
import {
  decodeGeneralSigning,
  encodeGeneralSigning,
  groupingHeader,
} from '../../protocol/grouping-header.ts';
import { dlmsDateTimeArb } from '../fixtures/dlms-date-time.ts';

const error = (f: () => unknown): { code: string; offset?: number } | null => {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof DecodeError) return { code: e.code, offset: e.offset };
    if (e instanceof GbcsError) return { code: e.code };
    throw e;
  }
};

describe('DLMS date-time (Blue Book 4.1.6.1)', () => {
  it.each([
    ['07eb021dff000000008000ff', '2027-02-29', 3],
    ['07eb021fff000000008000ff', '2027-02-31', 3],
    ['07eb041fff000000008000ff', '2027-04-31', 3],
    ['ffff021eff000000008000ff', '30 February of any year', 3],
    ['07eb0001ff000000008000ff', 'month 0', 2],
    ['07eb0d01ff000000008000ff', 'month 13', 2],
    ['07eb0100ff000000008000ff', 'day 0', 3],
    ['07eb01e0ff000000008000ff', 'day E0 (reserved)', 3],
    ['07eb010108000000008000ff', 'day of week 8', 4],
    ['07eb030103000000008000ff', 'day of week 3 on a Monday', 4],
    ['07eb0101ff180000008000ff', 'hour 24', 5],
    ['07eb0101ff003c00008000ff', 'minute 60', 6],
    ['07eb0101ff00003c008000ff', 'second 60', 7],
    ['07eb0101ff00000064 8000ff'.replace(' ', ''), 'hundredths 100', 8],
    ['07eb0101ff00000000 02d1ff'.replace(' ', ''), 'deviation 721', 9],
  ])('%s (%s) → BAD_DATE at the offending byte', (hex, _what, at) => {
    expect(error(() => decodeDlmsDateTime(fromHex(hex), 100))).toEqual({
      code: ErrorCode.BAD_DATE,
      offset: 100 + at,
    });
  });

  it('reads real ones, markers and wildcards', () => {
    expect(dlmsDateTimeInstant(fromHex('07ec021dff173b3b638000ff'))).toBe(
      Date.UTC(2028, 1, 29, 23, 59, 59, 990),
    );
    expect(dlmsDateTimeInstant(fromHex('07eb030101000000008000ff'))).toBe(Date.UTC(2027, 2, 1)); // a Monday
    expect(decodeDlmsDateTime(fromHex('ffff021dff000000008000ff'))).toMatchObject({
      year: null,
      month: 2,
      dayOfMonth: 29,
    });
    expect(decodeDlmsDateTime(fromHex('07ebfefdff000000fffd30ff'))).toMatchObject({
      month: 0xfe,
      dayOfMonth: 0xfd,
      deviation: -720,
      clockStatus: null,
    });
    expect(dlmsDateTimeInstant(fromHex('07eb0101ffff0000008000ff'))).toBeNull(); // hour not specified
    expect(error(() => decodeDlmsDateTime(fromHex('07eb0101ff0000000080')))).toMatchObject({
      code: ErrorCode.BAD_LENGTH,
    });
  });

  it('encodes only what it can (years 0–65534)', () => {
    expect(error(() => encodeDlmsDateTime(Number.NaN))).toEqual({ code: ErrorCode.MISUSE });
    expect(error(() => encodeDlmsDateTime(Date.UTC(-1, 0, 1)))).toEqual({ code: ErrorCode.MISUSE });
    expect(dlmsDateTimeInstant(encodeDlmsDateTime(Date.UTC(10_000, 0, 1)))).toBe(Date.UTC(10_000, 0, 1));
  });

  it('every valid date-time decodes, and an instant round-trips (property)', () => {
    fc.assert(
      fc.property(dlmsDateTimeArb, (b) => {
        decodeDlmsDateTime(b);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: -62_167_219_200_000, max: Date.UTC(9999, 11, 31) }) /* 0000-01-01 … */,
        (ms0) => {
          const ms = Math.floor(ms0 / 10) * 10;
          expect(dlmsDateTimeInstant(encodeDlmsDateTime(ms))).toBe(ms);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the Grouping Header and an xDLMS APDU refuse an impossible date-time where they carry one', () => {
    const header = groupingHeader({
      craFlag: 2,
      originatorCounter: 1n,
      originatorId: '00db1234567890a0',
      recipientId: '90b3d51f30010000',
      messageCode: 0x0062,
      dateTime: fromHex('07eb030101000000008000ff'),
    });
    const good = encodeGeneralSigning(header, Uint8Array.of(0x05, 0x00), { kind: 'null' });
    const decode = (b: Uint8Array) => decodeGeneralSigning(new ByteReader(b), b.length);
    expect(error(() => decode(good))).toBeNull();
    const at = toHex(good).indexOf('07eb030101') / 2; // the date-time in the header
    const bad = Uint8Array.from(good);
    bad.set([0x02, 0x1d, 0xff], at + 2); // 2027-03-01 → 2027-02-29
    expect(error(() => decode(bad))).toEqual({ code: ErrorCode.BAD_DATE, offset: at + 3 });

    const apdu = encodeDlmsApdu({
      type: 'access-request',
      longInvokeIdAndPriority: 1,
      dateTime: fromHex('07eb021dff000000008000ff'),
      specifications: [],
      data: [],
    });
    expect(error(() => decodeDlmsApdu(apdu))).toMatchObject({ code: ErrorCode.BAD_DATE });
  });
});

describe('calendar (protocol/calendar.ts)', () => {
  it('agrees with Date.UTC on every real date and refuses what Date.UTC rolls over (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 23 }),
        (year, month, day, hour) => {
          const f = { year, month, day, hour, minute: 7, second: 9 };
          const d = new Date(0);
          d.setUTCFullYear(year, month - 1, day);
          d.setUTCHours(hour, 7, 9, 0);
          const rolledOver = d.getUTCDate() !== day;
          expect(utcFieldsProblem(f) !== null).toBe(rolledOver);
          if (!rolledOver) expect(utcFieldsToMs(f)).toBe(d.getTime());
        },
      ),
      { numRuns: 5000 },
    );
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1)).toBe(11_017);
  });
});
