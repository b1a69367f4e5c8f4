/**
 * A lazy fleet of premises derived from (seed, premises index): premises i has a Communications
 * Hub (CHF + GPF), an ESME and a GSME whose EUIs, keys and certificates follow from the seed and i
 * alone (sim/smki/test-pki.ts: every key from (seed, EUI, usage)). Nothing exists until it is
 * addressed: `premises(i)` materialises premises i (its devices hold the test parties as
 * trust-anchor cells, one list shared by the whole fleet, and the fleet's one crypto back-end, so
 * verifier tables are shared too); `evict(i)` turns it into a compact snapshot (cbor-x) and
 * `premises(i)` brings it back from the snapshot, byte-identical (its device states re-encode to
 * the same bytes). A million premises cost nothing until used.
 *
 * Certificates are not put into device state (a fleet device never presents its own; the
 * `certificate` method issues any of them on demand through the seed's test PKI, deterministic).
 * A device's own Z per trust-anchor cell lives in its `Device` (sim/device/device.ts).
 */
import { Encoder } from 'cbor-x';
import { toHex } from '../../protocol/bytes.ts';
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { DeviceType } from '../../protocol/use-case-catalogue.ts';
import type { Clock } from '../clock.ts';
import {
  type CredentialsRecord,
  cellRecord,
  type KeyUsage,
  type TrustAnchorCellRecord,
} from '../device/credentials.ts';
import { Device, type DeviceState, newDeviceState } from '../device/device.ts';
import { modelFor } from '../models/index.ts';
import { Premises, type PremisesIds } from '../premises/premises.ts';
import { createTestKeys, deriveTestPrivateKey, type TestKeys } from '../smki/test-pki.ts';

/** The most premises a fleet addresses: premises indices fit 12 hex digits of the EUI. */
export const MAX_FLEET_PREMISES = 2 ** 40;

/** EUI prefix of fleet devices (apart from the default premises' d0… and the bench's d1…). */
const PREFIX = 'f1';
const ROLES: readonly [keyof PremisesIds, DeviceType, number][] = [
  ['chf', 'CHF', 1],
  ['gpf', 'GPF', 2],
  ['esme', 'ESME', 3],
  ['gsme', 'GSME', 4],
];

/**
 * EUIs of premises `index`: `f1` ‖ index (12 hex digits) ‖ `01` CHF, `02` GPF, `03` ESME, `04` GSME.
 * @throws RangeError for an index outside [0, 2^40)
 */
export function fleetIds(index: number): PremisesIds {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_FLEET_PREMISES)
    throw new RangeError(`premises index out of range: ${index}`);
  const mid = index.toString(16).padStart(12, '0');
  return {
    chf: `${PREFIX}${mid}01`,
    gpf: `${PREFIX}${mid}02`,
    esme: `${PREFIX}${mid}03`,
    gsme: `${PREFIX}${mid}04`,
  };
}

/** The premises index of a fleet device's EUI, or undefined when it is not one. */
export function premisesIndexOf(eui: Eui64): number | undefined {
  if (eui.length !== 16 || !eui.startsWith(PREFIX)) return undefined;
  const kind = eui.slice(14);
  if (kind !== '01' && kind !== '02' && kind !== '03' && kind !== '04') return undefined;
  const mid = eui.slice(2, 14);
  if (!/^[0-9a-f]{12}$/.test(mid)) return undefined;
  return Number.parseInt(mid, 16);
}

export interface FleetOptions {
  /** Seed of the key set (sim/smki/test-pki.ts). */
  seed: string;
  /** Premises addressable: indices 0 … size − 1. */
  size: number;
  crypto: GbcsCrypto;
  clock: Clock;
  /**
   * Derives the devices' public keys from their private keys when premises are materialised
   * (default `crypto`): set-up work, so a fleet whose devices run on noble may derive with node.
   */
  keyCrypto?: GbcsCrypto;
}

/** What is held of premises i when it is not resident: its devices' states and the GPF's queue. */
interface Snapshot {
  /** Device states in CHF, GPF, ESME, GSME order; `credentials` left out while it is the derived one. */
  states: DeviceState[];
  gsmeQueue: Uint8Array[];
}

/** cbor-x without record extensions: the same value always encodes to the same bytes. */
const CBOR = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });

export interface FleetStats {
  size: number;
  /** Premises materialised now. */
  resident: number;
  /** Premises held as snapshots. */
  evicted: number;
  /** Bytes of the snapshots held. */
  snapshotBytes: number;
  /** Premises built from keys (first use) / from a snapshot. */
  materialised: number;
  restored: number;
}

const UNUSED_KEY = { publicKey: new Uint8Array(0), privateKey: null };
const UNUSED_CREDENTIALS = { ds: UNUSED_KEY, ka: UNUSED_KEY, trustAnchors: [] };

export class Fleet {
  readonly seed: string;
  readonly size: number;
  readonly crypto: GbcsCrypto;
  readonly clock: Clock;
  readonly keys: TestKeys;
  private readonly keyCrypto: GbcsCrypto;
  /** The test parties' trust-anchor cells, as records: one list for every device of the fleet. */
  private readonly anchorRecords: TrustAnchorCellRecord[];
  private readonly resident = new Map<number, Premises>();
  /** Per resident premises: the derived credentials records its devices started with (identity). */
  private readonly derived = new Map<number, CredentialsRecord[]>();
  private readonly snapshots = new Map<number, Uint8Array>();
  private snapshotBytes = 0;
  private materialised = 0;
  private restored = 0;

  constructor(o: FleetOptions) {
    if (!Number.isInteger(o.size) || o.size < 1 || o.size > MAX_FLEET_PREMISES)
      throw new RangeError(`fleet size must be an integer in 1..2^40, got ${o.size}`);
    this.seed = o.seed;
    this.size = o.size;
    this.crypto = o.crypto;
    this.clock = o.clock;
    this.keys = createTestKeys(o.seed);
    this.keyCrypto = o.keyCrypto ?? o.crypto;
    this.anchorRecords = this.keys.trustAnchors().map(cellRecord);
  }

  /** Whether premises `index` is materialised now. */
  isResident(index: number): boolean {
    return this.resident.has(index);
  }

  /** Resident premises indices (materialised order). */
  residentIndices(): number[] {
    return [...this.resident.keys()];
  }

  /**
   * Premises `index`, materialised (from its snapshot when it was evicted) on first use.
   * @throws RangeError for an index outside the fleet
   */
  premises(index: number): Premises {
    const held = this.resident.get(index);
    if (held) return held;
    if (!Number.isInteger(index) || index < 0 || index >= this.size)
      throw new RangeError(`premises index ${index} outside the fleet (0..${this.size - 1})`);
    const snap = this.snapshots.get(index);
    const p = this.build(index, snap ? (CBOR.decode(snap) as Snapshot) : undefined);
    if (snap) {
      this.snapshots.delete(index);
      this.snapshotBytes -= snap.length;
      this.restored++;
    } else this.materialised++;
    this.resident.set(index, p);
    return p;
  }

  /** The premises holding device `eui`, materialised; undefined when `eui` is not of this fleet. */
  premisesOf(eui: Eui64): Premises | undefined {
    const i = premisesIndexOf(eui);
    return i !== undefined && i < this.size ? this.premises(i) : undefined;
  }

  /** The compact snapshot of resident premises `index` (cbor-x). @throws GbcsError MISUSE when not resident */
  snapshot(index: number): Uint8Array {
    const p = this.resident.get(index);
    if (!p) throw new GbcsError(ErrorCode.MISUSE, `premises ${index} is not resident`);
    const derived = this.derived.get(index)!;
    const states = ROLES.map(([role], k) => {
      const s = p.devices.get(p.ids[role])!.state;
      if (s.credentials !== derived[k]) return s;
      const { credentials: _, ...rest } = s;
      return rest as DeviceState;
    });
    return CBOR.encode({ states, gsmeQueue: p.gsmeQueue } satisfies Snapshot);
  }

  /** Drops resident premises `index`, keeping its snapshot; false when it was not resident. */
  evict(index: number): boolean {
    if (!this.resident.has(index)) return false;
    const snap = this.snapshot(index);
    this.resident.delete(index);
    this.derived.delete(index);
    this.snapshots.set(index, snap);
    this.snapshotBytes += snap.length;
    return true;
  }

  /** A device's certificate (DER), issued on demand by the seed's test PKI: deterministic. */
  certificate(eui: Eui64, usage: KeyUsage): Uint8Array {
    if (premisesIndexOf(eui) === undefined)
      throw new GbcsError(ErrorCode.BAD_VALUE, `${eui} is not a fleet device`);
    return this.keys.certificate(eui, usage);
  }

  /** A device's or a test party's public key (derived, not memoised for devices). */
  publicKey(eui: Eui64, usage: KeyUsage): Uint8Array {
    if (premisesIndexOf(eui) === undefined) return this.keys.publicKey(eui, usage);
    return this.keyCrypto.publicKeyOf(deriveTestPrivateKey(this.seed, eui, usage));
  }

  stats(): FleetStats {
    return {
      size: this.size,
      resident: this.resident.size,
      evicted: this.snapshots.size,
      snapshotBytes: this.snapshotBytes,
      materialised: this.materialised,
      restored: this.restored,
    };
  }

  private credentialsOf(eui: Eui64): CredentialsRecord {
    const pair = (usage: KeyUsage) => {
      const priv = deriveTestPrivateKey(this.seed, eui, usage);
      return {
        publicKey: toHex(this.keyCrypto.publicKeyOf(priv)),
        privateKey: toHex(priv),
        certificate: null,
      };
    };
    return { ds: pair('ds'), ka: pair('ka'), trustAnchors: this.anchorRecords };
  }

  private build(index: number, snap: Snapshot | undefined): Premises {
    const ids = fleetIds(index);
    const devices = new Map<Eui64, Device>();
    const derived: CredentialsRecord[] = [];
    for (const [k, [role, deviceType]] of ROLES.entries()) {
      const eui = ids[role];
      const credentials = this.credentialsOf(eui);
      derived.push(credentials);
      const state: DeviceState = snap ? snap.states[k]! : newDeviceState(eui, deviceType);
      state.credentials ??= credentials;
      devices.set(
        eui,
        new Device({
          eui,
          deviceType,
          // Unused: the state carries credentials (the constructor only migrates states without).
          credentials: UNUSED_CREDENTIALS,
          crypto: this.crypto,
          clock: this.clock,
          model: modelFor(deviceType),
          state,
        }),
      );
    }
    this.derived.set(index, derived);
    const p = new Premises(ids, devices, this.clock);
    if (snap) p.gsmeQueue.push(...snap.gsmeQueue.map((b) => new Uint8Array(b)));
    return p;
  }
}
