/**
 * The ESME's build (single element, twin element, polyphase) is device configuration (issue 13
 * item 2): the premises configuration sets it, the default is single element single phase, and the
 * model derives nothing from the traffic or the test data.
 */
import { describe, expect, it } from 'vitest';
import { rtdsMeterVariant } from '../../../../app/conformance/conformance.ts';
import { createCrypto } from '../../../../protocol/crypto/index.ts';
import { esmeModelIn } from '../../../../sim/models/esme/state.ts';
import { provisionModel } from '../../../../sim/models/index.ts';
import { createTestBed } from '../../../../sim/premises/test-bed.ts';

const crypto = createCrypto('noble');
const esmeOf = (config?: Parameters<typeof createTestBed>[0]['config']) => {
  const bed = createTestBed({
    seed: 'variant',
    crypto,
    start: Date.UTC(2026, 0, 1),
    ...(config ? { config } : {}),
  });
  return bed.premises.devices.get(bed.premises.ids.esme)!;
};

describe('ESME variant as premises configuration', () => {
  it('a premises configured twin element or polyphase builds that ESME; the default is single', () => {
    expect(esmeModelIn(esmeOf({ esmeVariant: { elements: 2, phases: 1 } }).state)!.variant).toEqual({
      elements: 2,
      phases: 1,
    });
    expect(esmeModelIn(esmeOf({ esmeVariant: { elements: 1, phases: 3 } }).state)!.variant).toEqual({
      elements: 1,
      phases: 3,
    });
    // Unconfigured: the model is built lazily, single element, single phase.
    expect(esmeModelIn(esmeOf().state)).toBeUndefined();
  });

  it('a twin-element ESME has the secondary element registers a single one has not', () => {
    const twin = esmeModelIn(esmeOf({ esmeVariant: { elements: 2, phases: 1 } }).state)!;
    // Provisioned as in service for a while: the secondary element has accrued off-peak energy.
    expect(twin.registers.secondaryImportWh).toBeGreaterThan(0);
    const single = esmeModelIn(esmeOf({ esmeVariant: { elements: 1, phases: 1 } }).state)!;
    expect(single.registers.secondaryImportWh).toBe(0);
  });
});

describe('the model reads no build from the traffic', () => {
  it('provisioned for a secondary-element or per-phase use case without a variant: single, single phase', () => {
    for (const messageCode of [0x00b7 /* ECS01c */, 0x00bc /* ECS23b */]) {
      const dev = esmeOf();
      provisionModel('ESME', dev.state, { messageCode, nowMs: dev.clock.now() });
      expect(esmeModelIn(dev.state)!.variant).toEqual({ elements: 1, phases: 1 });
    }
  });
});

describe('the RTDS harness chooses the build from the scenario metadata', () => {
  it('TWIN token or a secondary-element use case: twin; SINGLE wins; per-phase use cases: polyphase', () => {
    expect(rtdsMeterVariant('ECS17d_4.1.2_TWIN_SUCCESS', 0x0029)).toEqual({ elements: 2, phases: 1 });
    expect(rtdsMeterVariant('ECS01c_1.1.2_SUCCESS', 0x00b7)).toEqual({ elements: 2, phases: 1 });
    expect(rtdsMeterVariant('ECS24b_4.11.2_SINGLE_SUCCESS', 0x00bd)).toEqual({ elements: 1, phases: 1 });
    expect(rtdsMeterVariant('ECS23b_4.10_SUCCESS', 0x00bc)).toEqual({ elements: 1, phases: 3 });
    expect(rtdsMeterVariant('ECS17b_4.1.1_SUCCESS', 0x0027)).toEqual({ elements: 1, phases: 1 });
  });
});
