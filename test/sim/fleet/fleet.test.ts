/**
 * sim/fleet/fleet.ts: premises derived from (seed, index), materialised on first use, evicted to a
 * cbor-x snapshot and restored byte-identical; a million premises addressable without building them.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.ts';
import { createCrypto } from '../../../protocol/crypto/index.ts';
import { VirtualClock } from '../../../sim/clock.ts';
import { Fleet, fleetIds, premisesIndexOf } from '../../../sim/fleet/fleet.ts';
import { fleetKeyResolver } from '../../../sim/fleet/shard.ts';
import { HeadEnd } from '../../../sim/head-end/head-end.ts';
import { DEFAULT_SCENARIO, partyEui } from '../../../sim/head-end/scenario.ts';
import { deriveTestPrivateKey } from '../../../sim/smki/test-pki.ts';

const crypto = createCrypto('noble');
const START = Date.UTC(2026, 0, 1);
const step = (label: string) => DEFAULT_SCENARIO.find((s) => s.label.includes(label))!;

function setup(size: number) {
  const clock = new VirtualClock(START);
  const fleet = new Fleet({ seed: 'fleet-test', size, crypto, clock });
  const headEnd = new HeadEnd({
    crypto: createCrypto('node'),
    keys: fleetKeyResolver(fleet),
    acbId: partyEui('acb'),
    clock,
  });
  return { clock, fleet, headEnd };
}

describe('fleet ids', () => {
  it('EUIs follow the index; the index comes back from any device EUI', () => {
    expect(fleetIds(0)).toEqual({
      chf: 'f100000000000001',
      gpf: 'f100000000000002',
      esme: 'f100000000000003',
      gsme: 'f100000000000004',
    });
    expect(fleetIds(999_999).esme).toBe('f10000000f423f03');
    for (const i of [0, 1, 255, 999_999, 2 ** 40 - 1])
      for (const eui of Object.values(fleetIds(i))) expect(premisesIndexOf(eui)).toBe(i);
    expect(premisesIndexOf('d000000000000003')).toBeUndefined();
    expect(premisesIndexOf('f100000000000005')).toBeUndefined();
    expect(() => fleetIds(-1)).toThrow(RangeError);
    expect(() => fleetIds(2 ** 40)).toThrow(RangeError);
  });
});

describe('Fleet', () => {
  it('a million premises: addressing premises 999,999 materialises it alone, with keys derived from (seed, EUI)', () => {
    const { fleet } = setup(1_000_000);
    const p = fleet.premises(999_999);
    expect(fleet.stats()).toMatchObject({ size: 1_000_000, resident: 1, materialised: 1, evicted: 0 });
    expect(fleet.isResident(0)).toBe(false);
    const esme = p.devices.get(fleetIds(999_999).esme)!;
    expect(esme.credentials.ka.privateKey).toEqual(deriveTestPrivateKey('fleet-test', esme.eui, 'ka'));
    expect(fleet.premises(999_999)).toBe(p);
    expect(() => fleet.premises(1_000_000)).toThrow(RangeError);
  });

  it('devices share one set of trust-anchor cells', () => {
    const { fleet } = setup(10);
    const a = fleet.premises(1).devices.get(fleetIds(1).esme)!;
    const b = fleet.premises(2).devices.get(fleetIds(2).gsme)!;
    expect(a.credentials.trustAnchors).toBe(b.credentials.trustAnchors);
  });

  it('the same seed and index give the same premises; certificates are issued on demand', () => {
    const x = setup(5).fleet;
    const y = setup(5).fleet;
    x.premises(3);
    y.premises(3);
    expect(toHex(x.snapshot(3))).toBe(toHex(y.snapshot(3)));
    const cert = x.certificate(fleetIds(3).esme, 'ds');
    expect(cert[0]).toBe(0x30);
    expect(toHex(y.certificate(fleetIds(3).esme, 'ds'))).toBe(toHex(cert));
  });

  it('evicts to a snapshot and restores it byte-identical, state and queue included', () => {
    const { fleet, headEnd, clock } = setup(4);
    const ids = fleetIds(2);
    const p = fleet.premises(2);
    const s = step('read the ESME firmware version');
    const send = (to: string, label: string) => {
      const st = step(label);
      return fleet.premisesOf(to)!.submit(
        headEnd.buildCommand({
          originatorId: partyEui(st.from),
          recipientId: to,
          messageCode: st.messageCode,
          payload: st.payload,
        }).bytes,
      );
    };
    expect(send(ids.esme, s.label).status).toBe('answered');
    expect(send(ids.gsme, 'read the GSME consumption register').status).toBe('queued');
    clock.advance(60_000);
    const before = fleet.snapshot(2);
    expect(fleet.evict(2)).toBe(true);
    expect(fleet.stats()).toMatchObject({ resident: 0, evicted: 1, snapshotBytes: before.length });
    const q = fleet.premises(2);
    expect(q).not.toBe(p);
    expect(toHex(fleet.snapshot(2))).toBe(toHex(before));
    expect(q.gsmeQueue).toHaveLength(1);
    // The restored ESME refuses the command it already accepted (its anti-replay floor came back).
    expect(q.devices.get(ids.esme)!.state.antiReplay).toEqual(p.devices.get(ids.esme)!.state.antiReplay);
    expect(fleet.stats()).toMatchObject({ resident: 1, restored: 1, evicted: 0, snapshotBytes: 0 });
    expect(fleet.evict(3)).toBe(false);
  });
});
