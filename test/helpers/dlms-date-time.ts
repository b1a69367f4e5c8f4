/**
 * fast-check arbitrary of valid 12-byte DLMS date-times (Blue Book 4.1.6.1) for property tests:
 * a real instant in years 2000–2099, each field possibly not specified (FF), any valid deviation
 * and clock status. Decoders refuse impossible date-times, so random bytes no longer do.
 */
import fc from 'fast-check';
import { encodeDlmsDateTime } from '../../protocol/dlms-date-time.ts';

export const dlmsDateTimeArb: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31, 23, 59, 59, 990) }),
    fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
    fc.oneof(fc.constant(0x8000), fc.integer({ min: -720, max: 720 })),
    fc.integer({ min: 0, max: 0xff }),
  )
  .map(([ms, wild, deviation, status]) => {
    const b = encodeDlmsDateTime(ms);
    // Not specified: year (2 bytes), month, day, day of week, hour, minute, second, hundredths.
    [[0, 1], [2], [3], [4], [5], [6], [7], [8]].forEach((at, i) => {
      if (wild[i]) for (const j of at) b[j] = 0xff;
    });
    const d = deviation & 0xffff;
    b[9] = d >> 8;
    b[10] = d & 0xff;
    b[11] = status;
    return b;
  });
