/**
 * The test bed of `run`, `simulate`, `serve`, `bridge`, the benchmarks and the tests: the
 * deterministic test key set of a seed (sim/smki/test-pki.ts), a clock, the default premises and the
 * head-end that plays the test parties towards it. One factory, so every job and test starts from
 * the same set-up.
 */
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import type { KeyResolver } from '../../protocol/security/verify.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { type Clock, VirtualClock } from '../clock.ts';
import type { FaultConfig } from '../device/faults.ts';
import type { DeviceState } from '../device/state.ts';
import { HeadEnd } from '../head-end/head-end.ts';
import { partyEui } from '../head-end/scenario.ts';
import { createTestKeys, TEST_PARTIES, type TestKeys } from '../smki/test-pki.ts';
import type { StateStore } from '../store/state-store.ts';
import { createPremises, DEFAULT_PREMISES, type Premises, type PremisesIds } from './premises.ts';

/**
 * Key lookups of the test head-end: every test party's public and private keys, and the public
 * keys of the devices named (a premises' devices, or the EUIs of a served premises).
 */
export function testKeyResolver(keys: TestKeys, devices: Premises | PremisesIds): KeyResolver {
  const parties = new Set(TEST_PARTIES.map((p) => p.eui));
  const ids = new Set<Eui64>('devices' in devices ? devices.devices.keys() : Object.values(devices));
  return {
    publicKey: (eui, usage) => (parties.has(eui) || ids.has(eui) ? keys.publicKey(eui, usage) : undefined),
    privateKey: (eui, usage) => (parties.has(eui) ? keys.privateKey(eui, usage) : undefined),
  };
}

/** The head-end of the test parties (MACs as the test ACB) towards the devices named. */
export function testHeadEnd(o: {
  keys: TestKeys;
  crypto: GbcsCrypto;
  clock: Clock;
  devices?: Premises | PremisesIds;
}): HeadEnd {
  return new HeadEnd({
    crypto: o.crypto,
    keys: testKeyResolver(o.keys, o.devices ?? DEFAULT_PREMISES),
    acbId: partyEui('acb'),
    clock: o.clock,
  });
}

export interface TestBedOptions {
  /** Seed of the test key set. */
  seed: string;
  crypto: GbcsCrypto;
  /** The virtual clock's start (ms since the epoch; default 2026-01-01). */
  start?: number;
  ids?: PremisesIds;
  faults?: FaultConfig;
  store?: StateStore<DeviceState>;
}

export interface TestBed {
  keys: TestKeys;
  clock: VirtualClock;
  premises: Premises;
  headEnd: HeadEnd;
}

/** The default premises on the test keys of `seed`, its clock, and the test parties' head-end. */
export function createTestBed(o: TestBedOptions): TestBed {
  const clock = new VirtualClock(o.start);
  const keys = createTestKeys(o.seed);
  const premises = createPremises(keys, clock, o.crypto, o.ids ?? DEFAULT_PREMISES, o.faults ?? {}, o.store);
  const headEnd = testHeadEnd({ keys, crypto: o.crypto, clock, devices: premises });
  return { keys, clock, premises, headEnd };
}
