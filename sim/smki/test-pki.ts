/**
 * The deterministic test key set of `run`, CI and the tests, backed by the full test SMKI of
 * sim/smki/generator.ts: Root and Issuing OCA, Root and Issuing DCA, Organisation Certificates for
 * every test party and Device Certificates for every device asked about. Every private key derives
 * from (seed, EUI, usage, cell), so the same seed always gives the same premises and traces
 * reproduce byte for byte; the PKI (certificates) is generated on first use and cached per seed.
 *
 * The EUIs are gbcs-sim's own (prefix `ab` for organisations, `d0` for devices), chosen not to
 * collide with the ZAZ1 test PKI of DCC Boxed / RTDS.
 */
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../../protocol/bytes.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { Role } from '../../protocol/types.ts';
import type { CellUsage, KeyUsage, TrustAnchorCell } from '../device/credentials.ts';
import { deviceCredential, generateTestPki, type PkiCredential, type TestPki } from './generator.ts';

const N = p256.Point.CURVE().n;

/** 32-byte private key in [1, n-1], derived from the seed and the key's identity (an EUI, or a CA label). */
export function deriveTestPrivateKey(
  seed: string,
  eui: Eui64,
  usage: KeyUsage,
  cell: CellUsage = 'management',
): Uint8Array {
  const enc = new TextEncoder();
  for (let i = 0; ; i++) {
    const h = sha256(concatBytes(enc.encode(`gbcs-sim test key|${seed}|${eui}|${usage}|${cell}|${i}`)));
    let k = 0n;
    for (const b of h) k = (k << 8n) | BigInt(b);
    if (k > 0n && k < N) return h;
  }
}

export interface TestParty {
  eui: Eui64;
  role: number;
  name: string;
  /** Key usages this party holds (KA for those that MAC or receive MAC'd responses). */
  usages: readonly KeyUsage[];
  prepayment?: boolean;
}

/** The organisations of the default test premises. The Root's key is the Root OCA's. */
export const TEST_PARTIES: readonly TestParty[] = [
  { eui: 'ab00000000000000', role: Role.ROOT, name: 'Root', usages: ['ds'] },
  { eui: 'ab00000000000001', role: Role.RECOVERY, name: 'Recovery', usages: ['ds'] },
  { eui: 'ab00000000000002', role: Role.ACCESS_CONTROL_BROKER, name: 'ACB', usages: ['ds', 'ka'] },
  { eui: 'ab00000000000004', role: Role.TRANSITIONAL_COS, name: 'TransCoS', usages: ['ds'] },
  { eui: 'ab00000000000007', role: Role.WAN_PROVIDER, name: 'WAN Provider', usages: ['ds', 'ka'] },
  {
    eui: 'ab00000000010000',
    role: Role.SUPPLIER,
    name: 'Supplier',
    usages: ['ds', 'ka'],
    prepayment: true,
  },
  {
    eui: 'ab00000000020000',
    role: Role.NETWORK_OPERATOR,
    name: 'Network Operator',
    usages: ['ds', 'ka'],
  },
];

export interface TestKeys {
  seed: string;
  privateKey(eui: Eui64, usage: KeyUsage, cell?: CellUsage): Uint8Array;
  publicKey(eui: Eui64, usage: KeyUsage, cell?: CellUsage): Uint8Array;
  /** Trust-anchor cells for every test party and usage (plus the supplier's prepayment KA cell). */
  trustAnchors(): TrustAnchorCell[];
  /** The generated test SMKI (CAs, organisation and device certificates). */
  pki(): TestPki;
  /**
   * The certificate of a credential: an organisation's, or a device's (issued by the Issuing DCA on
   * first request). DER.
   */
  certificate(eui: Eui64, usage: KeyUsage, cell?: CellUsage): Uint8Array;
}

const PKI_CACHE = new Map<string, TestPki>();

/** The test PKI of a seed (cached: generation signs a few dozen certificates). */
export function testPki(seed = '1'): TestPki {
  let pki = PKI_CACHE.get(seed);
  if (!pki) {
    pki = generateTestPki({ seed, parties: TEST_PARTIES, derive: deriveTestPrivateKey });
    PKI_CACHE.set(seed, pki);
  }
  return pki;
}

export function createTestKeys(seed = '1'): TestKeys {
  const pubCache = new Map<string, Uint8Array>();
  const privateKey = (eui: Eui64, usage: KeyUsage, cell: CellUsage = 'management') =>
    deriveTestPrivateKey(seed, eui, usage, cell);
  const publicKey = (eui: Eui64, usage: KeyUsage, cell: CellUsage = 'management') => {
    const k = `${eui}/${usage}/${cell}`;
    let p = pubCache.get(k);
    if (!p) {
      p = p256.getPublicKey(privateKey(eui, usage, cell), false);
      pubCache.set(k, p);
    }
    return p;
  };
  const organisation = (eui: Eui64, usage: KeyUsage, cell: CellUsage): PkiCredential | undefined =>
    testPki(seed).organisations.find((o) => o.eui === eui && o.usage === usage && o.cell === cell);
  return {
    seed,
    privateKey,
    publicKey,
    pki: () => testPki(seed),
    certificate(eui, usage, cell = 'management') {
      const pki = testPki(seed);
      const root = TEST_PARTIES.find((p) => p.role === Role.ROOT);
      if (eui === root?.eui) return pki.rootOca.certificate;
      return (organisation(eui, usage, cell) ?? deviceCredential(pki, deriveTestPrivateKey, eui, usage))
        .certificate;
    },
    trustAnchors() {
      const cells: TrustAnchorCell[] = [];
      for (const p of TEST_PARTIES) {
        for (const usage of p.usages) {
          cells.push({
            role: p.role,
            usage,
            cell: 'management',
            subjectUniqueId: p.eui,
            publicKey: publicKey(p.eui, usage),
            // The Root cell keeps the wrapped Contingency Public Key of the Root OCA certificate.
            ...(p.role === Role.ROOT ? { wrappedContingencyKey: testPki(seed).contingency.wrapped } : {}),
          });
        }
        if (p.prepayment) {
          cells.push({
            role: p.role,
            usage: 'ka',
            cell: 'prepayment',
            subjectUniqueId: p.eui,
            publicKey: publicKey(p.eui, 'ka', 'prepayment'),
          });
        }
      }
      return cells;
    },
  };
}
