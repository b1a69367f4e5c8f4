/**
 * ECDSA P-256 / SHA-256 verification on @noble/curves' point API, with precomputed multiplication
 * tables for the public keys that are used again and again (DESIGN §2).
 *
 * Why not `p256.verify`: in @noble/curves 2.4 it computes `u1·G + u2·Q` with an interleaved
 * width-4 wNAF (`mulAddUnsafe`) that builds its small tables afresh on every call and ignores any
 * `precompute()` on the key. Trust-anchor keys are few and long-lived, so here each gets a signed
 * fixed-window table (`Point.precompute(W)`, used by `multiplyUnsafe`): with W = 8 a table holds
 * 2^7·33 = 4224 points (≈ 0.6 MB, ≈ 30 ms to build) and turns the key's half of the work into 33
 * point additions with no doublings. The generator gets its own W = 8 table (built once per process,
 * on a private copy of `Point.BASE` so noble's shared W = 6 table is left alone). `npm run bench`
 * measures the gain against `p256.verify` and node:crypto.
 *
 * Verdicts follow SEC 1 v2 §4.1.4 exactly as OpenSSL does (test/protocol/crypto/noble-verifier.test.ts
 * checks them differentially against node:crypto): 64-byte r‖s with 1 ≤ r, s < n; high-S accepted
 * (GBCS signers other than ours may produce it); the public key an uncompressed point 04‖X‖Y on the
 * curve; valid iff `x(u1·G + u2·Q) mod n = r` and the sum is not the point at infinity. Anything
 * malformed yields `false`, never an exception.
 */
import type { WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js';
import { p256 } from '@noble/curves/nist.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../bytes.ts';

type Point = WeierstrassPoint<bigint>;

const P256 = p256.Point;
/** Scalar field (mod n) helpers: a `Field` of @noble/curves/abstract/modular.js. */
const Fn = P256.Fn;

/** Window (bits) of the generator's table: 4224 points, built on first use. */
export const BASE_WINDOW = 8;
let baseTable: Point | undefined;

/** A private copy of the generator with a W = 8 table (built lazily, once per process). */
function base(): Point {
  if (baseTable === undefined) {
    const g = new P256(P256.BASE.X, P256.BASE.Y, P256.BASE.Z);
    baseTable = buildTable(g, BASE_WINDOW);
  }
  return baseTable;
}

/**
 * Attaches a table of window `w` to `point` and builds it now. `precompute(w, false)` would build
 * the wrong one (the 384-bit blinded layout of the constant-time `multiply`); the first
 * `multiplyUnsafe` builds the 256-bit layout that verification uses.
 */
function buildTable(point: Point, w: number): Point {
  point.precompute(w);
  point.multiplyUnsafe(2n);
  return point;
}

export interface NobleVerifierOptions {
  /** Window (bits, 2..12) of the per-key tables: 2^(W−1)·(⌈256/W⌉+1) points. Default 8 (≈ 0.6 MB per key). */
  windowSize?: number;
  /** At most this many keys hold a table; the least recently used one is dropped first. Default 64. */
  maxKeys?: number;
  /**
   * A key gets its table on its n-th verification, so a key seen once never pays for one.
   * Default 2; 1 builds on first sight; `Infinity` never builds (plain verification only).
   */
  precomputeAfter?: number;
  /**
   * Build budget: every verification earns one credit and a table costs this many, with a burst
   * allowance of 8 tables. However keys churn (a fleet of many devices cycling through the cache),
   * table building then adds at most ~(build time / this many verifications) per verification.
   * Default 64 (a W = 8 build costs about as much as 17 plain verifications).
   */
  verificationsPerBuild?: number;
}

export interface NobleVerifierStats {
  /** Keys holding a table now. */
  keys: number;
  /** Verifications that used a key's table / that did not. */
  tableHits: number;
  plain: number;
  /** Tables built / dropped to respect `maxKeys`. */
  builds: number;
  evictions: number;
  /** Builds refused because the cache was full of keys used at least as often (no thrashing). */
  refused: number;
}

export interface NobleVerifier {
  /**
   * ECDSA P-256 / SHA-256 over `message` (hashed here). `publicKey` 65-byte 04‖X‖Y,
   * `signature` 64-byte r‖s. True iff valid; false for any malformed input. Never throws.
   */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /**
   * Builds the table for `publicKey` now, outside the budget (e.g. when a trust anchor is
   * installed). False when the key is not a valid uncompressed P-256 point.
   */
  precompute(publicKey: Uint8Array): boolean;
  stats(): NobleVerifierStats;
  /** Drops every table and counter. */
  clear(): void;
}

const MAX_TRACKED = 1024;
/** Use counts are halved after this many verifications (frequency with a memory of a few rounds). */
const AGE_EVERY = 16 * MAX_TRACKED;
const BURST_BUILDS = 8;

function scalar(bytes: Uint8Array): bigint | null {
  const v = bytesToNumberBE(bytes);
  return Fn.isValidNot0(v) ? v : null;
}

/** The point of an uncompressed key, or null. `Point.fromBytes` checks the curve equation. */
function decodeKey(publicKey: Uint8Array): Point | null {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 65 || publicKey[0] !== 0x04) return null;
  try {
    return P256.fromBytes(publicKey);
  } catch {
    return null;
  }
}

/**
 * A verifier with its own bounded table cache. Tables are immutable and depend only on the key,
 * so one verifier can serve any number of devices.
 * @throws RangeError on out-of-range options (programming error, not input).
 */
export function createNobleVerifier(options: NobleVerifierOptions = {}): NobleVerifier {
  const windowSize = options.windowSize ?? 8;
  const maxKeys = options.maxKeys ?? 64;
  const precomputeAfter = options.precomputeAfter ?? 2;
  const perBuild = options.verificationsPerBuild ?? 64;
  if (!Number.isInteger(windowSize) || windowSize < 2 || windowSize > 12)
    throw new RangeError(`windowSize must be an integer in 2..12, got ${windowSize}`);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new RangeError(`bad maxKeys ${maxKeys}`);
  if (!(precomputeAfter >= 1)) throw new RangeError(`bad precomputeAfter ${precomputeAfter}`);
  if (!(perBuild >= 0)) throw new RangeError(`bad verificationsPerBuild ${perBuild}`);

  /**
   * Keys with a table, least recently used first (Map order; a hit moves the key to the end), with
   * their use counts. Admission is by frequency (TinyLFU-like): when the cache is full, a key earns
   * a table only if it has been used more often than the least recently used table's key. So keys
   * in round robin over more than `maxKeys` (a head-end checking 1,000 device keys) keep the tables
   * they have instead of building tables that are evicted before reuse; counts are halved every
   * `AGE_EVERY` verifications so that a key that stopped recurring gives way.
   */
  const tables = new Map<string, { point: Point; uses: number }>();
  /** Uses of keys without a table, oldest first; bounded so one-off keys cannot grow it. */
  const uses = new Map<string, number>();
  const creditCap = perBuild * BURST_BUILDS;
  let credits = creditCap;
  let sinceAging = 0;
  const st: NobleVerifierStats = { keys: 0, tableHits: 0, plain: 0, builds: 0, evictions: 0, refused: 0 };

  function install(hex: string, point: Point, n: number): Point {
    buildTable(point, windowSize);
    st.builds++;
    uses.delete(hex);
    tables.set(hex, { point, uses: n });
    while (tables.size > maxKeys) {
      tables.delete(tables.keys().next().value!);
      st.evictions++;
    }
    st.keys = tables.size;
    return point;
  }

  function age(): void {
    sinceAging = 0;
    for (const t of tables.values()) t.uses >>>= 1;
    for (const [k, n] of uses) {
      if (n > 1) uses.set(k, n >>> 1);
      else uses.delete(k);
    }
  }

  /** Whether a key used `n` times may have a table now (room, or more uses than the LRU victim). */
  function admits(n: number): boolean {
    if (maxKeys === 0 || n < precomputeAfter || credits < perBuild) return false;
    if (tables.size < maxKeys) return true;
    const victim = tables.values().next().value!;
    if (n > victim.uses) return true;
    st.refused++;
    return false;
  }

  /** The key's point (with a table when it has earned one), or null when malformed. */
  function keyPoint(publicKey: Uint8Array): Point | null {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 65) return null;
    if (++sinceAging >= AGE_EVERY) age();
    const hex = toHex(publicKey);
    const cached = tables.get(hex);
    if (cached !== undefined) {
      tables.delete(hex);
      tables.set(hex, cached);
      cached.uses++;
      st.tableHits++;
      return cached.point;
    }
    const point = decodeKey(publicKey);
    if (point === null) return null;
    const n = (uses.get(hex) ?? 0) + 1;
    if (admits(n)) {
      credits -= perBuild;
      st.tableHits++;
      return install(hex, point, n);
    }
    st.plain++;
    uses.delete(hex);
    uses.set(hex, n);
    if (uses.size > MAX_TRACKED) uses.delete(uses.keys().next().value!);
    return point;
  }

  return {
    verify(publicKey, message, signature) {
      try {
        if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
        if (!(message instanceof Uint8Array)) return false;
        const r = scalar(signature.subarray(0, 32));
        const s = scalar(signature.subarray(32, 64));
        if (r === null || s === null) return false;
        if (credits < creditCap) credits++;
        const q = keyPoint(publicKey);
        if (q === null) return false;
        // SEC 1 §4.1.4: e = SHA-256(m) (256 bits: no truncation for P-256), reduced mod n.
        const e = Fn.create(bytesToNumberBE(sha256(message)));
        const w = Fn.inv(s);
        // u1 may be 0 (e ≡ 0): multiplyUnsafe(0) is the identity, which `add` handles.
        const sum = base()
          .multiplyUnsafe(Fn.mul(e, w))
          .add(q.multiplyUnsafe(Fn.mul(r, w)));
        if (sum.is0()) return false;
        return Fn.create(sum.toAffine().x) === r;
      } catch {
        return false;
      }
    },
    precompute(publicKey) {
      const point = decodeKey(publicKey);
      if (point === null) return false;
      const hex = toHex(publicKey);
      const cached = tables.get(hex);
      if (cached === undefined) install(hex, point, uses.get(hex) ?? 0);
      else {
        tables.delete(hex);
        tables.set(hex, cached);
      }
      return true;
    },
    stats: () => ({ ...st }),
    clear() {
      tables.clear();
      uses.clear();
      credits = creditCap;
      sinceAging = 0;
      st.keys = 0;
    },
  };
}
