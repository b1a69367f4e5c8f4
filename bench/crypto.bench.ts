/**
 * Crypto benchmark group: the per-message costs of the device pipeline (DESIGN §1 steps 4–5, 8) on
 * both back-ends, side by side in one process.
 *
 * - KDF+GMAC: OtherInfo, key from a cached Z (SharedSecretCache's job) + 12-byte MAC over a
 *   150-byte AAD. "noble (ciphers gcm)" is the path before gmac.ts, kept here so before/after are
 *   measured side by side: OtherInfo and KDF input by concatBytes/fromHex, @noble/ciphers `gcm`.
 * - GMAC alone (AAD 150 / 400 / 2000 bytes): gmac.ts vs @noble/ciphers `gcm` vs node:crypto.
 * - ECDSA verify for one trust-anchor key: noble `p256.verify` (the pre-noble-verifier path),
 *   the noble back-end (noble-verifier.ts, table built during warm-up), node:crypto.
 * - ECDH with no cache, and ECDSA sign.
 * - The one-off cost of a W = 8 table, which the verifier's build budget is sized against.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { p256 } from '@noble/curves/nist.js';
import { concatBytes, fromHex, u64be } from '../protocol/bytes.ts';
import { createCrypto, type GbcsCrypto } from '../protocol/crypto/index.ts';
import {
  deriveKey,
  gbcsMac,
  gcmIv,
  KDF_ALGORITHM_ID,
  KDF_COUNTER,
  kdfOtherInfo,
} from '../protocol/crypto/kdf.ts';
import { createNobleVerifier } from '../protocol/crypto/noble-verifier.ts';
import { KdfPurpose } from '../protocol/types.ts';
import type { BenchCase, BenchGroup } from './harness.ts';

const KDF = 'KDF+GMAC (cached Z, 150-byte AAD)';
const GMAC_SIZES = [150, 400, 2000] as const;
const gmacRow = (n: number) => `GMAC alone (${n}-byte AAD)`;
const OLD = 'noble (ciphers gcm)';
const VERIFY = 'ECDSA verify (trust anchor)';
const ECDH = 'ECDH (uncached)';
const SIGN = 'ECDSA sign (150 bytes)';
const BUILD = 'verifier table build (per key, W=8)';

/** Deterministic inputs: fixed scalars, patterned bytes (no randomness, no ../shared). */
const scalar = (hex: string): Uint8Array => fromHex(hex.padStart(64, '0'));
const pattern = (n: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

export const group: BenchGroup = {
  name: 'crypto',
  title: 'GBCS security primitives, noble vs node',
  variants: ['noble p256.verify', OLD, 'noble', 'node'],
  notes: [
    '"noble p256.verify" = @noble/curves p256.verify({lowS: false}), which ignores precomputed tables;',
    '"noble" = the noble back-end (verify through noble-verifier.ts, tables for recurring keys;',
    '  MAC through gmac.ts: @noble/ciphers AES blocks, GHASH with per-key tables of 32 or 256 entries);',
    `"${OLD}" = the MAC path before gmac.ts (@noble/ciphers gcm, OtherInfo/KDF input via concatBytes).`,
  ],
  ratios: [
    {
      label: 'verify: noble (tables) / node',
      numerator: { name: VERIFY, variant: 'noble' },
      denominator: { name: VERIFY, variant: 'node' },
    },
    {
      label: 'verify: noble (tables) / noble p256.verify',
      numerator: { name: VERIFY, variant: 'noble' },
      denominator: { name: VERIFY, variant: 'noble p256.verify' },
    },
    {
      label: 'KDF+GMAC: noble / node',
      numerator: { name: KDF, variant: 'noble' },
      denominator: { name: KDF, variant: 'node' },
    },
    {
      label: `KDF+GMAC: noble / ${OLD} (after / before)`,
      numerator: { name: KDF, variant: 'noble' },
      denominator: { name: KDF, variant: OLD },
    },
    ...GMAC_SIZES.flatMap((n) => [
      {
        label: `GMAC ${n} B: noble / ${OLD}`,
        numerator: { name: gmacRow(n), variant: 'noble' },
        denominator: { name: gmacRow(n), variant: OLD },
      },
      {
        label: `GMAC ${n} B: noble / node`,
        numerator: { name: gmacRow(n), variant: 'noble' },
        denominator: { name: gmacRow(n), variant: 'node' },
      },
    ]),
    {
      label: 'ECDH: noble / node',
      numerator: { name: ECDH, variant: 'noble' },
      denominator: { name: ECDH, variant: 'node' },
    },
    {
      label: 'sign: noble / node',
      numerator: { name: SIGN, variant: 'noble' },
      denominator: { name: SIGN, variant: 'node' },
    },
  ],
  setup(): BenchCase[] {
    const backends: GbcsCrypto[] = [createCrypto('noble'), createCrypto('node')];
    const anchorPriv = scalar('c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789');
    const anchorPub = p256.getPublicKey(anchorPriv, false);
    const kaPriv = scalar('1111111111111111111111111111111111111111111111111111111111111111');
    const peerPub = p256.getPublicKey(
      scalar('2222222222222222222222222222222222222222222222222222222222222222'),
      false,
    );
    const z = backends[0]!.ecdh(kaPriv, peerPub);
    const aad = pattern(150, 7);
    const originator = '90b3d51f30010000';
    const recipient = '00db1234567890a0';
    const iv = gcmIv(originator);
    // A few signed messages, signed by node (random k: a mix of low- and high-S).
    const signed = Array.from({ length: 8 }, (_, i) => {
      const msg = pattern(150, i);
      return { msg, sig: backends[1]!.sign(anchorPriv, msg) };
    });
    const cases: BenchCase[] = [];
    {
      // The path before gmac.ts, as it was (kdf.ts at 5521737), on the noble back-end's SHA-256.
      const noble = backends[0]!;
      let counter = 0x1000n;
      cases.push({
        name: KDF,
        variant: OLD,
        fn: () => {
          const oi = concatBytes(
            KDF_ALGORITHM_ID,
            fromHex(originator),
            Uint8Array.of(0x09, KdfPurpose.COMMAND),
            u64be(counter++),
            fromHex(recipient),
          );
          const key = noble.sha256(concatBytes(KDF_COUNTER, z, oi)).subarray(0, 16);
          return gcm(key, iv, aad).encrypt(new Uint8Array(0)).subarray(0, 12);
        },
      });
    }
    for (const c of backends) {
      let counter = 0x1000n;
      cases.push({
        name: KDF,
        variant: c.name,
        fn: () => {
          const oi = kdfOtherInfo(originator, KdfPurpose.COMMAND, counter++, recipient);
          return gbcsMac(c, deriveKey(c, z, oi), iv, aad);
        },
      });
    }
    // GMAC alone: a different key per call (as in GBCS: one message per key).
    const macKeys = Array.from({ length: 64 }, (_, i) => pattern(16, 100 + i));
    for (const n of GMAC_SIZES) {
      const data = pattern(n, n);
      let k = 0;
      cases.push({
        name: gmacRow(n),
        variant: OLD,
        fn: () => gcm(macKeys[k++ & 63]!, iv, data).encrypt(new Uint8Array(0)),
      });
      for (const c of backends)
        cases.push({ name: gmacRow(n), variant: c.name, fn: () => c.gmac(macKeys[k++ & 63]!, iv, data) });
    }
    let i = 0;
    const next = () => signed[i++ & 7]!;
    cases.push({
      name: VERIFY,
      variant: 'noble p256.verify',
      fn: () => {
        const { msg, sig } = next();
        return p256.verify(sig, msg, anchorPub, { prehash: true, lowS: false });
      },
    });
    for (const c of backends) {
      for (const { msg, sig } of signed)
        if (!c.verify(anchorPub, msg, sig)) throw new Error(`${c.name}: bench signature does not verify`);
      cases.push({
        name: VERIFY,
        variant: c.name,
        fn: () => {
          const { msg, sig } = next();
          return c.verify(anchorPub, msg, sig);
        },
      });
    }
    for (const c of backends) cases.push({ name: ECDH, variant: c.name, fn: () => c.ecdh(kaPriv, peerPub) });
    for (const c of backends)
      cases.push({ name: SIGN, variant: c.name, fn: () => c.sign(anchorPriv, signed[0]!.msg) });
    let d = 1000n;
    cases.push({
      name: BUILD,
      variant: 'noble',
      fn: () => createNobleVerifier().precompute(p256.Point.BASE.multiply(d++).toBytes(false)),
    });
    return cases;
  },
};
