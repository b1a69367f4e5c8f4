import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../protocol/bytes.ts';
import { parseFaultConfig } from '../../../sim/device/faults.ts';
import { responseOutcome } from '../../../sim/head-end/outcome.ts';

describe('responseOutcome: what a response says about execution', () => {
  it('reads DLMS results, ZCL statuses and ASN.1 response codes', () => {
    // access-response: 1 data (null), 1 spec: action result 1 (hardware fault) — RTDS ECS17b ERROR.
    expect(responseOutcome(fromHex('da200003e900000100010301'))).toEqual({
      ok: false,
      errors: ['action[0] result 1'],
    });
    expect(responseOutcome(fromHex('da200003e900000100010300'))).toEqual({ ok: true });
    expect(responseOutcome(fromHex('020103'))).toEqual({ ok: false, errors: ['response code 3'] });
    expect(responseOutcome(fromHex('020100'))).toEqual({ ok: true });
  });
  it('a payload in no GBCS encoding, or not a response, is an error', () => {
    expect(responseOutcome(fromHex('deadbeef'))).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/no GBCS encoding/)],
    });
    expect(responseOutcome(fromHex('d9200003e80001010001000000020100ff020100'))).toMatchObject({ ok: false });
  });
});

describe('fault configuration files', () => {
  it('accepts a use-case id for messageCode, refuses unknown fields and ambiguous ids', () => {
    const ok = parseFaultConfig({ d000000000000003: [{ kind: 'drop', messageCode: 'ECS52' }] });
    expect(ok).toEqual({ ok: true, config: { d000000000000003: [{ kind: 'drop', messageCode: 0x0059 }] } });
    const bad = parseFaultConfig({
      d000000000000003: [
        { kind: 'drop', bogus: 1 },
        { kind: 'drop', messageCode: 'CS02b' },
      ],
    });
    expect(bad).toMatchObject({ ok: false });
    if (!bad.ok) {
      expect(bad.problems).toEqual([
        'd000000000000003[0]: unknown field "bogus"',
        'd000000000000003[1]: messageCode "CS02b" is no use case, or names several (give the number)',
      ]);
    }
  });
});
