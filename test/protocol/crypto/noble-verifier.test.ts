/**
 * protocol/crypto/noble-verifier.ts, differentially against OpenSSL.
 *
 * The Wycheproof P-256 vectors that DESIGN §2 names are not available offline here, so node:crypto
 * (OpenSSL, an independent implementation) is the oracle: every case below — valid signatures,
 * tampered messages and r/s, high-S, edge scalars built by key recovery (r = 1, s = n − 1, x(R) ≥ n,
 * u1·G + u2·Q = ∞, u1·G = u2·Q), off-curve and wrong-length keys — must get OpenSSL's verdict from
 * the verifier with tables (fresh small-window tables, the default W = 8 ones) and without.
 * Speed is `npm run bench`'s business, not this file's.
 */
import { createPublicKey, verify as opensslVerifyRaw } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../../../protocol/bytes.ts';
import { createNobleVerifier, type NobleVerifier } from '../../../protocol/crypto/noble-verifier.ts';
import { createNodeCrypto } from '../../../protocol/crypto/node.ts';
import { commonKeyCorruptions } from '../../fixtures/p256-keys.ts';

const { Point } = p256;
const Fn = Point.Fn;
const N = Fn.ORDER;
const P = Point.Fp.ORDER;
const SPKI_P256 = fromHex('3059301306072a8648ce3d020106082a8648ce3d030107034200');

const be32 = (v: bigint): Uint8Array => fromHex(v.toString(16).padStart(64, '0'));
const int = (b: Uint8Array): bigint => BigInt(`0x${toHex(b) || '0'}`);
const rs = (r: bigint, s: bigint): Uint8Array => concatBytes(be32(r), be32(s));
const digest = (m: Uint8Array): bigint => Fn.create(int(sha256(m)));

/**
 * The oracle: OpenSSL via node:crypto, IEEE P1363 r‖s. Only for 65-byte 04‖X‖Y keys (OpenSSL would
 * also take hybrid 06/07 forms and trailing bytes; the verifier rejects those by contract).
 */
function openssl(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (pub.length !== 65 || pub[0] !== 4 || sig.length !== 64) return false;
  try {
    const key = createPublicKey({
      key: Buffer.from(concatBytes(SPKI_P256, pub)),
      format: 'der',
      type: 'spki',
    });
    return opensslVerifyRaw('sha256', msg, { key, dsaEncoding: 'ieee-p1363' }, sig);
  } catch {
    return false;
  }
}

/** Verifier set-ups: always tables (small window, cheap builds), never, and the defaults. */
const alwaysTables = createNobleVerifier({ windowSize: 4, precomputeAfter: 1, verificationsPerBuild: 0 });
const neverTables = createNobleVerifier({ precomputeAfter: Number.POSITIVE_INFINITY });
const defaults = createNobleVerifier();
const VERIFIERS: [string, NobleVerifier][] = [
  ['tables W=4', alwaysTables],
  ['plain', neverTables],
  ['defaults', defaults],
];

/** Every verifier gives OpenSSL's verdict; returns it. */
function verdict(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  const expected = openssl(pub, msg, sig);
  for (const [name, v] of VERIFIERS) expect(v.verify(pub, msg, sig), name).toBe(expected);
  return expected;
}

const node = createNodeCrypto();
const scalarArb = fc.bigInt({ min: 1n, max: N - 1n });
const msgArb = fc.uint8Array({ maxLength: 200 });
/** A random key pair and an OpenSSL signature (random k: high-S about half the time). */
const signedArb = fc.record({ d: scalarArb, msg: msgArb }).map(({ d, msg }) => {
  const pub = Point.BASE.multiply(d).toBytes(false);
  return { d, pub, msg, sig: node.sign(be32(d), msg) };
});

/** A handful of long-lived keys, so the default verifier (W = 8, built on 2nd use) gets tables. */
const ANCHORS = [3n, 0xc0ffeen, N - 1n, 0x1234567890abcdefn].map((d) => ({
  d,
  pub: Point.BASE.multiply(d).toBytes(false),
}));
const anchoredArb = fc.record({ i: fc.nat({ max: ANCHORS.length - 1 }), msg: msgArb }).map(({ i, msg }) => {
  const { d, pub } = ANCHORS[i]!;
  return { d, pub, msg, sig: node.sign(be32(d), msg) };
});

describe('noble verifier = OpenSSL (random keys)', () => {
  it('valid signatures', () => {
    fc.assert(
      fc.property(signedArb, ({ pub, msg, sig }) => {
        expect(verdict(pub, msg, sig)).toBe(true);
      }),
    );
  });

  it('valid signatures by long-lived keys (default W = 8 tables)', () => {
    fc.assert(
      fc.property(anchoredArb, ({ pub, msg, sig }) => {
        expect(verdict(pub, msg, sig)).toBe(true);
      }),
      { numRuns: 200 },
    );
    expect(defaults.stats().keys).toBeGreaterThanOrEqual(ANCHORS.length);
    expect(defaults.stats().tableHits).toBeGreaterThan(100);
  });

  it('high-S: s′ = n − s is valid too', () => {
    fc.assert(
      fc.property(fc.oneof(signedArb, anchoredArb), ({ pub, msg, sig }) => {
        const s = int(sig.subarray(32));
        expect(verdict(pub, msg, rs(int(sig.subarray(0, 32)), N - s))).toBe(true);
      }),
    );
  });

  it('a changed message', () => {
    fc.assert(
      fc.property(
        fc.oneof(signedArb, anchoredArb),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        ({ pub, msg, sig }, at, bit) => {
          const m = msg.length === 0 ? Uint8Array.of(1) : msg.slice();
          if (msg.length > 0) m[at % m.length]! ^= 1 << bit;
          expect(verdict(pub, m, sig)).toBe(false);
        },
      ),
    );
  });

  it('tampered r or s (byte changes, ±1, and r↔s)', () => {
    fc.assert(
      fc.property(
        fc.oneof(signedArb, anchoredArb),
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 1, max: 255 }),
        ({ pub, msg, sig }, at, x) => {
          const t = sig.slice();
          t[at]! ^= x;
          expect(verdict(pub, msg, t)).toBe(false);
          const r = int(sig.subarray(0, 32));
          const s = int(sig.subarray(32));
          verdict(pub, msg, rs(r, s + 1n));
          verdict(pub, msg, rs(r - 1n, s));
          expect(verdict(pub, msg, rs(s, r))).toBe(false);
        },
      ),
    );
  });

  it('edge scalars: r, s ∈ {0, 1, n − 1, n, n + 1, 2^256 − 1}', () => {
    const edge = fc.constantFrom(0n, 1n, 2n, N - 1n, N, N + 1n, P, 2n ** 256n - 1n);
    fc.assert(
      fc.property(
        fc.oneof(signedArb, anchoredArb),
        edge,
        edge,
        fc.boolean(),
        ({ pub, msg, sig }, a, b, keep) => {
          const r = keep ? int(sig.subarray(0, 32)) : a;
          expect(verdict(pub, msg, rs(r, b))).toBe(false);
          expect(verdict(pub, msg, rs(a, int(sig.subarray(32))))).toBe(false);
        },
      ),
    );
  });

  it('wrong-length signatures and messages of any length', () => {
    fc.assert(
      fc.property(signedArb, fc.uint8Array({ maxLength: 80 }), ({ pub, msg, sig }, junk) => {
        expect(verdict(pub, msg, concatBytes(sig, junk))).toBe(junk.length === 0);
        expect(verdict(pub, msg, sig.subarray(0, junk.length % 64))).toBe(false);
      }),
    );
    const big = new Uint8Array(100_000).fill(0xa5);
    expect(verdict(ANCHORS[0]!.pub, big, node.sign(be32(ANCHORS[0]!.d), big))).toBe(true);
  });

  it('off-curve, wrong-length, compressed and out-of-range keys', () => {
    const corrupt = fc.oneof(
      ...commonKeyCorruptions,
      fc.constant((pub: Uint8Array) => concatBytes(pub, Uint8Array.of(0))),
      fc.constant((pub: Uint8Array) => concatBytes(Uint8Array.of(6 + (pub[64]! & 1)), pub.subarray(1))),
      fc.constant((pub: Uint8Array) =>
        concatBytes(Uint8Array.of(4), pub.subarray(1, 33), be32(P - int(pub.subarray(33)))),
      ),
      fc.constant(() => concatBytes(Uint8Array.of(4), new Uint8Array(64))),
      fc.constant(() => concatBytes(Uint8Array.of(4), be32(P), be32(1n))),
      fc.constant(() => new Uint8Array(0)),
    );
    fc.assert(
      fc.property(signedArb, corrupt, fc.boolean(), ({ pub, msg, sig }, f, tables) => {
        const bad = f(pub);
        if (tables) alwaysTables.precompute(bad);
        const expected = openssl(bad, msg, sig);
        for (const [name, v] of VERIFIERS) expect(v.verify(bad, msg, sig), name).toBe(expected);
        // (X, −Y) is on the curve: the negated key is a valid key that this signature does not fit.
        expect(expected).toBe(false);
      }),
    );
  });

  it('non-Uint8Array input is false, never a throw', () => {
    const { pub, d } = ANCHORS[0]!;
    const msg = Uint8Array.of(1, 2, 3);
    const sig = node.sign(be32(d), msg);
    const junk: unknown[] = [
      undefined,
      null,
      'abc',
      42,
      {},
      [1, 2],
      new Uint16Array(64),
      Buffer.from(sig).toString('hex'),
    ];
    for (const [, v] of VERIFIERS) {
      expect(v.verify(pub, msg, sig)).toBe(true);
      expect(v.verify(pub, Buffer.from(msg), Buffer.from(sig))).toBe(true);
      for (const j of junk) {
        expect(v.verify(j as Uint8Array, msg, sig)).toBe(false);
        expect(v.verify(pub, j as Uint8Array, sig)).toBe(false);
        expect(v.verify(pub, msg, j as Uint8Array)).toBe(false);
      }
      expect(v.precompute(undefined as unknown as Uint8Array)).toBe(false);
    }
  });
});

/**
 * Valid signatures with chosen (r, s), made by solving for the key (SEC 1 §4.1.6 recovery):
 * Q = r⁻¹(s·R − e·G) for a point R with x(R) ≡ r (mod n). These reach corners random signing
 * never does.
 */
describe('noble verifier = OpenSSL (constructed edge cases)', () => {
  /** The first curve point with x ≥ `from` (even y). */
  function pointWithX(from: bigint): { x: bigint; R: InstanceType<typeof Point> } {
    for (let x = from; ; x++) {
      try {
        return { x, R: Point.fromBytes(concatBytes(Uint8Array.of(2), be32(x))) };
      } catch {}
    }
  }
  const keyFor = (R: InstanceType<typeof Point>, r: bigint, s: bigint, e: bigint): Uint8Array => {
    const q = R.multiplyUnsafe(s).subtract(Point.BASE.multiplyUnsafe(e)).multiplyUnsafe(Fn.inv(r));
    return q.toBytes(false);
  };
  const sValues = [1n, 2n, (N - 1n) / 2n, (N + 1n) / 2n, N - 2n, N - 1n];

  it('small r and extreme s (including s = n − 1, the highest high-S)', () => {
    const msg = new TextEncoder().encode('edge');
    const e = digest(msg);
    for (const from of [1n, 2n, 1000n, N - 100n]) {
      const { x, R } = pointWithX(from);
      if (x >= N) continue;
      for (const s of sValues) {
        const pub = keyFor(R, x, s, e);
        expect(verdict(pub, msg, rs(x, s)), `r=${x} s=${s}`).toBe(true);
        expect(verdict(pub, msg, rs(x, N - s)), `r=${x} s=n-${s}`).toBe(true); // −R has the same x
        expect(verdict(pub, msg, rs(x + 1n, s))).toBe(false);
      }
    }
  });

  it('x(R) ≥ n: r = x(R) − n is valid, the unreduced x(R) is not', () => {
    const msg = new TextEncoder().encode('wrap');
    const e = digest(msg);
    const { x, R } = pointWithX(N);
    expect(x < P).toBe(true);
    const r = x - N;
    for (const s of [1n, 0xdeadbeefn, N - 1n]) {
      const pub = keyFor(R, r, s, e);
      expect(verdict(pub, msg, rs(r, s))).toBe(true);
      expect(verdict(pub, msg, rs(x, s))).toBe(false);
    }
  });

  it('u1·G + u2·Q = ∞ is rejected (Q = −(e/r)·G)', () => {
    fc.assert(
      fc.property(msgArb, scalarArb, scalarArb, (msg, r, s) => {
        const e = digest(msg);
        if (e === 0n) return;
        const pub = Point.BASE.multiply(Fn.neg(Fn.mul(e, Fn.inv(r)))).toBytes(false);
        expect(verdict(pub, msg, rs(r, s))).toBe(false);
      }),
    );
  });

  it('u1·G = u2·Q (the sum is a doubling) is accepted when r fits', () => {
    fc.assert(
      fc.property(msgArb, scalarArb, (msg, s) => {
        const e = digest(msg);
        if (e === 0n) return;
        // R = u1·G + u2·Q = (2e/s)·G when Q = (e/r)·G.
        const x = Point.BASE.multiply(Fn.mul(2n * e, Fn.inv(s))).toAffine().x;
        const r = Fn.create(x);
        const pub = Point.BASE.multiply(Fn.mul(e, Fn.inv(r))).toBytes(false);
        expect(verdict(pub, msg, rs(r, s))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});

describe('table cache (behaviour, not speed)', () => {
  const keys = [11n, 12n, 13n].map((d) => ({ d, pub: Point.BASE.multiply(d).toBytes(false) }));
  const msg = Uint8Array.of(9);
  const sigs = keys.map(({ d }) => node.sign(be32(d), msg));

  it('a key gets its table on its n-th use; a full cache admits a key used more often than the LRU one', () => {
    const v = createNobleVerifier({ windowSize: 4, maxKeys: 2, precomputeAfter: 2 });
    expect(v.verify(keys[0]!.pub, msg, sigs[0]!)).toBe(true);
    expect(v.stats()).toMatchObject({ keys: 0, builds: 0, plain: 1 });
    expect(v.verify(keys[0]!.pub, msg, sigs[0]!)).toBe(true);
    expect(v.stats()).toMatchObject({ keys: 1, builds: 1 });
    // Key 1 gets the free slot on its 2nd use; key 0 is touched (3 uses).
    for (const i of [1, 1, 0]) expect(v.verify(keys[i]!.pub, msg, sigs[i]!)).toBe(true);
    expect(v.stats()).toMatchObject({ keys: 2, builds: 2, evictions: 0 });
    // Key 2's 2nd use does not beat key 1 (LRU, 2 uses): refused; its 3rd does, and key 1 goes.
    for (const i of [2, 2]) expect(v.verify(keys[i]!.pub, msg, sigs[i]!)).toBe(true);
    expect(v.stats()).toMatchObject({ keys: 2, builds: 2, refused: 1 });
    expect(v.verify(keys[2]!.pub, msg, sigs[2]!)).toBe(true);
    expect(v.stats()).toMatchObject({ keys: 2, builds: 3, evictions: 1 });
    expect(v.verify(keys[0]!.pub, msg, sigs[0]!)).toBe(true);
    expect(v.stats().tableHits).toBe(5);
  });

  it('keys in round robin over more than maxKeys keep their tables: no thrashing', () => {
    // The measured problem: 1,000 device keys in turn (a head-end) built tables that were evicted
    // before reuse. With frequency admission the first maxKeys keys keep theirs.
    const v = createNobleVerifier({
      windowSize: 2,
      maxKeys: 4,
      precomputeAfter: 2,
      verificationsPerBuild: 0,
    });
    const ring = Array.from({ length: 12 }, (_, i) => {
      const d = BigInt(500 + i);
      return { pub: Point.BASE.multiply(d).toBytes(false), sig: node.sign(be32(d), msg) };
    });
    for (let round = 0; round < 6; round++)
      for (const { pub, sig } of ring) expect(v.verify(pub, msg, sig)).toBe(true);
    expect(v.stats()).toMatchObject({ keys: 4, builds: 4, evictions: 0 });
    expect(v.stats().tableHits).toBe(4 * 5);
    expect(v.stats().refused).toBeGreaterThan(0);
  });

  it('the build budget bounds table building under churn', () => {
    const v = createNobleVerifier({
      windowSize: 2,
      maxKeys: 64,
      precomputeAfter: 1,
      verificationsPerBuild: 10,
    });
    const many = Array.from({ length: 40 }, (_, i) => {
      const d = BigInt(100 + i);
      return { pub: Point.BASE.multiply(d).toBytes(false), sig: node.sign(be32(d), msg) };
    });
    for (const { pub, sig } of many) expect(v.verify(pub, msg, sig)).toBe(true);
    // A burst of 8 builds, then one per 10 verifications.
    expect(v.stats().builds).toBeLessThanOrEqual(8 + 4);
    expect(v.stats().builds).toBeGreaterThanOrEqual(8);
  });

  it('precompute() builds at once, outside the budget; clear() drops everything', () => {
    const v = createNobleVerifier({ windowSize: 4, precomputeAfter: Number.POSITIVE_INFINITY });
    expect(v.precompute(keys[2]!.pub)).toBe(true);
    expect(v.precompute(keys[2]!.pub.subarray(1))).toBe(false);
    expect(v.stats()).toMatchObject({ keys: 1, builds: 1 });
    expect(v.verify(keys[2]!.pub, msg, sigs[2]!)).toBe(true);
    expect(v.stats().tableHits).toBe(1);
    v.clear();
    expect(v.stats().keys).toBe(0);
    expect(v.verify(keys[2]!.pub, msg, sigs[2]!)).toBe(true);
  });

  it('rejects out-of-range options', () => {
    expect(() => createNobleVerifier({ windowSize: 1 })).toThrow(RangeError);
    expect(() => createNobleVerifier({ windowSize: 13 })).toThrow(RangeError);
    expect(() => createNobleVerifier({ maxKeys: -1 })).toThrow(RangeError);
    expect(() => createNobleVerifier({ precomputeAfter: 0 })).toThrow(RangeError);
  });
});
