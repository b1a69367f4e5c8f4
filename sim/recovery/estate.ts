/**
 * The estate a recovery works on: N premises (a Communications Hub — CHF and GPF — with an ESME
 * and a GSME), addressed by index, whose devices are real gbcs-sim devices holding the estate's
 * test key set. The recovery and its drill take it through this small interface only, so a lazy,
 * sharded fleet (issue 12) can plug in where `createPremisesEstate` (built on `createPremises`)
 * stands now.
 *
 * What the DCC may know without touching a device comes from pure functions (ids, the SMI rows,
 * the cells a device was manufactured with); `premises(i)` materialises the devices, which then
 * load and save their state through the estate's store (a premises may be dropped and rebuilt at
 * any time: the store holds what the devices accepted).
 */
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { Clock } from '../clock.ts';
import type { CommandOutcome, Device, DeviceState } from '../device/device.ts';
import { hasCell, TRUST_ANCHOR_CELLS } from '../models/security/trust-anchor-cells.ts';
import { createPremises, type PremisesIds, type SubmitResult } from '../premises/premises.ts';
import { TEST_PARTIES, type TestKeys } from '../smki/test-pki.ts';
import { MemoryStateStore, type StateStore } from '../store/state-store.ts';

export type EstateDeviceType = 'CHF' | 'GPF' | 'ESME' | 'GSME';
export const ESTATE_DEVICE_TYPES: readonly EstateDeviceType[] = ['CHF', 'GPF', 'ESME', 'GSME'];

/** A materialised premises: what the DCC's head-end talks to through the CHF. */
export interface EstatePremises {
  readonly ids: PremisesIds;
  readonly devices: ReadonlyMap<Eui64, Device>;
  /** The CHF takes a message from the WAN (GSME traffic waits in the GPF). Never throws. */
  submit(bytes: Uint8Array): SubmitResult;
  /** The GSME wakes and answers what waited for it, in order. */
  gsmeWake(): CommandOutcome[];
}

/** A device of the estate and the premises it belongs to. */
export interface EstateDevice {
  deviceId: Eui64;
  deviceType: EstateDeviceType;
  premises: number;
}

/** A trust-anchor cell as the DCC records it: who it names and the key id it holds. */
export interface CellRecord {
  role: number;
  usage: 'ds' | 'ka';
  cell: 'management' | 'prepayment';
  subjectEui: Eui64;
  /** RFC 5280 method 2 key identifier of the public key held (hex, 8 bytes). */
  keyId: string;
}

export interface Estate {
  /** Seed of the key set; with `size` it names the estate (state folders check it). */
  readonly seed: string;
  /** Number of premises. */
  readonly size: number;
  readonly keys: TestKeys;
  readonly clock: Clock;
  /** The EUIs of premises `index` (0 ≤ index < size). Pure. */
  idsOf(index: number): PremisesIds;
  /** The device with this EUI, or undefined when it is not of the estate. Pure. */
  deviceOf(deviceId: Eui64): EstateDevice | undefined;
  /** The premises, materialised (its devices load their stored state). */
  premises(index: number): EstatePremises;
  /** Lets a materialised premises go (its devices' state is in the store). */
  release(index: number): void;
}

/** EUI prefix of estate devices (`e5` + 12 hex digits of the premises index + 2 of the device). */
export const ESTATE_EUI_PREFIX = 'e5';
const SUFFIX: Readonly<Record<EstateDeviceType, string>> = { CHF: '01', GPF: '02', ESME: '03', GSME: '04' };

/** The EUIs of premises `index`. */
export function estateIds(index: number): PremisesIds {
  const base = `${ESTATE_EUI_PREFIX}${index.toString(16).padStart(12, '0')}`;
  return {
    chf: base + SUFFIX.CHF,
    gpf: base + SUFFIX.GPF,
    esme: base + SUFFIX.ESME,
    gsme: base + SUFFIX.GSME,
  };
}

/** The estate device of an EUI built by `estateIds`, or undefined. */
export function estateDeviceOf(deviceId: Eui64, size: number): EstateDevice | undefined {
  if (!deviceId.startsWith(ESTATE_EUI_PREFIX) || deviceId.length !== 16) return undefined;
  const premises = Number.parseInt(deviceId.slice(2, 14), 16);
  const type = ESTATE_DEVICE_TYPES.find((t) => SUFFIX[t] === deviceId.slice(14));
  if (!type || !Number.isSafeInteger(premises) || premises >= size) return undefined;
  return { deviceId, deviceType: type, premises };
}

/**
 * The cells a device of `deviceType` is manufactured with in this estate: every cell its type has
 * (TRUST_ANCHOR_CELLS) for which the key set has a party of that role — the DCC's record of what it
 * shipped [A: the DCC knows a device's initial credentials]. `keyIdOf` gives the key id of a party's
 * public key.
 */
export function provisionedCells(
  keys: TestKeys,
  deviceType: EstateDeviceType,
  keyIdOf: (publicKey: Uint8Array) => string,
): CellRecord[] {
  const out: CellRecord[] = [];
  for (const id of TRUST_ANCHOR_CELLS[deviceType]) {
    if (!hasCell(deviceType, id)) continue;
    const party = TEST_PARTIES.find((p) => p.role === id.role);
    if (!party) continue;
    const usage = id.keyUsage === 'ka' ? 'ka' : 'ds';
    const cell = id.cellUsage;
    if (cell === 'prepayment' && !party.prepayment) continue;
    out.push({
      role: id.role,
      usage,
      cell,
      subjectEui: id.role === 0 ? '0000000000000000' : party.eui,
      keyId: keyIdOf(keys.publicKey(party.eui, usage, cell)),
    });
  }
  return out;
}

export interface PremisesEstateOptions {
  seed: string;
  size: number;
  keys: TestKeys;
  clock: Clock;
  crypto: GbcsCrypto;
  /** Where devices keep their state (default: in memory). */
  store?: StateStore<DeviceState>;
  /** Premises kept materialised at once (default 64): others are rebuilt from the store on demand. */
  resident?: number;
}

/** The estate built with `createPremises`, one premises at a time, on demand. */
export function createPremisesEstate(o: PremisesEstateOptions): Estate {
  const store = o.store ?? new MemoryStateStore<DeviceState>();
  const resident = o.resident ?? 64;
  const live = new Map<number, EstatePremises>();
  const check = (index: number) => {
    if (!Number.isSafeInteger(index) || index < 0 || index >= o.size)
      throw new RangeError(`premises index ${index} is not in 0..${o.size - 1}`);
  };
  return {
    seed: o.seed,
    size: o.size,
    keys: o.keys,
    clock: o.clock,
    idsOf(index) {
      check(index);
      return estateIds(index);
    },
    deviceOf: (deviceId) => estateDeviceOf(deviceId, o.size),
    premises(index) {
      check(index);
      let p = live.get(index);
      if (p) {
        // most recently used last
        live.delete(index);
        live.set(index, p);
        return p;
      }
      p = createPremises(o.keys, o.clock, o.crypto, estateIds(index), {}, store);
      live.set(index, p);
      while (live.size > resident) live.delete(live.keys().next().value!);
      return p;
    },
    release(index) {
      live.delete(index);
    },
  };
}
