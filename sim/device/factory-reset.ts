/**
 * What a factory reset keeps (`serve` control `reset {mode: "factory"}`). The rule: a factory reset
 * returns a device's application state — registers, tariffs, logs, configuration, the GPF's mirror,
 * schedules, injected faults — to what it was at manufacture, but never its security state, because
 * that is what stops a captured command from executing again:
 *
 * - the anti-replay floors of every Remote Party Role (GBCS 4.3.1.5: a command is accepted only
 *   with an Originator Counter above the floor; a floor back at 0 would accept every command ever
 *   captured);
 * - the device's own Originator Counter for the alerts it sends (receivers hold a floor too);
 * - the trust-anchor cells as CS02b replaced them and the device's own credentials as CS02d
 *   installed them (wherever the state keeps them: `model.trustAnchorCells`,
 *   `model.securityCredentials.installed`, or fields of their own beside `antiReplay`) — a reset that
 *   restored the manufacturer's cells would trust keys that were replaced, so anything signed with
 *   them, replays included, would verify again;
 * - the UTRN counter floor and record (`model.prepayment`: a top-up code, once used, stays used).
 *
 * A real meter's factory reset is a manufacturer's maintenance action outside GBCS; keeping the
 * security state is the conservative reading [assumed], and it is the one that keeps the simulator
 * at least as strict as a real device (issue 8 finding 5).
 */

import { prepaymentOf } from '../models/common/utrn-topup.ts';
import type { DeviceState } from './device.ts';

/**
 * The state a device has after a factory reset (a new object; `state` is not changed): every
 * field of the DeviceState but three is security state and kept as it is — the anti-replay
 * floors, the alert counter, and any credentials or floor records the state holds; the model is
 * cut back to its security parts; injected faults and pending schedules go.
 */
export function factoryResetState(state: DeviceState): DeviceState {
  const { model: m, faults: _faults, schedule: _schedule, ...security } = state;
  const model: Record<string, unknown> = {};
  if (Array.isArray(m.trustAnchorCells)) model.trustAnchorCells = structuredClone(m.trustAnchorCells);
  const sc = m.securityCredentials as { installed?: unknown } | undefined;
  if (sc && typeof sc === 'object' && sc.installed && typeof sc.installed === 'object')
    model.securityCredentials = { pending: {}, installed: structuredClone(sc.installed), unsentAlerts: [] };
  const used = m.prepayment as { utrnCounterFloor?: unknown; utrnCounters?: unknown } | undefined;
  if (used && typeof used === 'object') {
    const fresh = prepaymentOf(model);
    if (typeof used.utrnCounterFloor === 'string') fresh.utrnCounterFloor = used.utrnCounterFloor;
    if (Array.isArray(used.utrnCounters)) fresh.utrnCounters = structuredClone(used.utrnCounters);
  }
  return { ...structuredClone(security), model };
}
