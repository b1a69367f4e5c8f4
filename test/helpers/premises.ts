/**
 * The default premises under test with a head end that can build commands for it and verify what
 * it answers: the same set-up for every test that goes through the whole pipeline.
 */
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { Device, type DeviceState } from '../../sim/device.ts';
import { createExecutor } from '../../sim/executors/index.ts';
import { HeadEnd } from '../../sim/head-end.ts';
import { createPremises, provisionedCredentials } from '../../sim/premises.ts';
import { testKeyResolver } from '../../sim/run.ts';
import { partyEui } from '../../sim/scenario.ts';
import type { StateStore } from '../../sim/state-store.ts';
import { createTestKeys, type TestKeys } from '../../sim/test-pki.ts';

/** A premises on test keys generated from `seed`, its clock starting at `start` (ms), and the ACB's head end. */
export function setupPremises(seed: string, start: number, crypto: GbcsCrypto) {
  const clock = new VirtualClock(start);
  const keys = createTestKeys(seed);
  const premises = createPremises(keys, clock, crypto);
  const headEnd = new HeadEnd({
    crypto,
    keys: testKeyResolver(keys, premises),
    acbId: partyEui('acb'),
    clock,
  });
  return { clock, keys, premises, headEnd };
}

/**
 * Makes a new Device object for `like` (same EUI and clock) on `store`, provisioned afresh from the
 * test keys as at first: a restart of it (the store's credentials, not the provisioned ones, win).
 */
export const restartable =
  (like: Device, store: StateStore<DeviceState>, crypto: GbcsCrypto, keys: TestKeys) => (): Device =>
    new Device({
      eui: like.eui,
      deviceType: like.deviceType,
      credentials: provisionedCredentials(keys, like.eui),
      crypto,
      clock: like.clock,
      executor: createExecutor(like.deviceType),
      store,
    });
