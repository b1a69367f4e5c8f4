import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  duisOfEui,
  euiOfDuis,
  formatRequestId,
  MemoryCounterStore,
  parseRequestId,
  responseIdOf,
} from '../../../sim/duis/request-id.ts';

const hex16 = fc.stringMatching(/^[0-9a-f]{16}$/);
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe('DUIS Request ID', () => {
  it('reads the signing tool sample ID (EUI-64 as dash-separated octets, decimal counter)', () => {
    expect(parseRequestId('90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE:1000')).toEqual({
      originator: '90b3d51f30010000',
      target: '000781d7000036ce',
      counter: 1000n,
    });
    // lower-case octets, as the ECS50 sample writes them
    expect(parseRequestId('00-db-12-34-56-78-00-04:00-DB-12-34-56-78-90-A0:1000')?.originator).toBe(
      '00db123456780004',
    );
  });

  it('refuses what RequestIDType refuses', () => {
    for (const bad of [
      '90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE::1000', // the XSD-invalid sample
      '90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE:01000', // leading zero
      '90-B3-D5-1F-30-01-00:00-07-81-D7-00-00-36-CE:1',
      '90B3D51F30010000:000781D7000036CE:1',
      '90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE:18446744073709551616', // 2^64
      '90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE:-1',
    ])
      expect(parseRequestId(bad), bad).toBeNull();
    expect(
      parseRequestId('90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE:18446744073709551615')?.counter,
    ).toBe((1n << 64n) - 1n);
    expect(parseRequestId('90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE:0')?.counter).toBe(0n);
  });

  it('writes what it reads, upper case as DCC Boxed does (round trip, property)', () => {
    fc.assert(
      fc.property(hex16, hex16, u64, (originator, target, counter) => {
        const text = formatRequestId({ originator, target, counter });
        expect(text).toBe(text.toUpperCase());
        expect(parseRequestId(text)).toEqual({ originator, target, counter });
      }),
    );
    expect(duisOfEui('000781d7000036ce')).toBe('00-07-81-D7-00-00-36-CE');
    expect(euiOfDuis('00-07-81-d7-00-00-36-ce')).toBe('000781d7000036ce');
  });

  it('Response ID swaps originator and target (the sample main-message.xml pair)', () => {
    const id = parseRequestId('90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE:1655397248260')!;
    expect(responseIdOf(id)).toBe('00-07-81-D7-00-00-36-CE:90-B3-D5-1F-30-01-00-00:1655397248260');
  });
});

describe('Originator Counter store', () => {
  it('accepts only strictly rising counters per originator; isFresh changes nothing', () => {
    const s = new MemoryCounterStore();
    expect(s.isFresh('a'.repeat(16), 5n)).toBe(true);
    expect(s.isFresh('a'.repeat(16), 5n)).toBe(true);
    expect(s.accept('a'.repeat(16), 5n)).toBe(true);
    expect(s.accept('a'.repeat(16), 5n)).toBe(false);
    expect(s.accept('a'.repeat(16), 4n)).toBe(false);
    expect(s.accept('b'.repeat(16), 1n)).toBe(true);
    expect(s.last('a'.repeat(16))).toBe(5n);
  });

  it('the last accepted counter is the maximum of the accepted sequence (property)', () => {
    fc.assert(
      fc.property(fc.array(u64, { maxLength: 40 }), (cs) => {
        const s = new MemoryCounterStore();
        let max: bigint | undefined;
        for (const c of cs) {
          const fresh = max === undefined || c > max;
          expect(s.accept('c'.repeat(16), c)).toBe(fresh);
          if (fresh) max = c;
        }
        expect(s.last('c'.repeat(16))).toBe(max);
      }),
    );
  });
});
