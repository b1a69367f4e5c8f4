/**
 * The DCC's side of every Remote Party's keys during a recovery (reference §2.1, §3.2): which key
 * generation each Organisation key slot is at, which CA generation (Root OCA, Issuing OCA,
 * Contingency key pair and Symmetric Key) is current, and the Organisation Certificates that
 * certify them. The harness plays every party, so the ring holds their private keys too.
 *
 * Deterministic: generation 0 of a slot is the estate's test key set (sim/test-pki.ts), generation
 * g > 0 derives from (seed, g, EUI, usage, cell); CA generation 0 is the test PKI, generation g > 0
 * a new test PKI from the seed `<seed>/recovery-ca-<g>`. Certificates are issued by the Issuing OCA
 * of the CA generation asked for, with serials derived from what they certify, so a resumed drill
 * issues byte-identical certificates.
 *
 * The DCC's Access Control Broker identity also holds Supplier (OU=02) and Network Operator
 * (OU=03) certificates for its own keys — the "ACB credentials" of a DCC-controlled device
 * (reference §2.5: at manufacture, Supplier and NO cells hold DCC certificates; RTDS 6.21 handover
 * is originated by the ACB identity) that Method 2 places in the cells of a compromised role.
 */
import { Role } from '../../protocol/asn1/gbcs-types.ts';
import { toHex } from '../../protocol/bytes.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { CellUsage, KeyUsage } from '../device/credentials.ts';
import { subjectKeyIdentifierOf } from '../models/security/cpv.ts';
import {
  deriveSerial,
  generateTestPki,
  issueOrganisationCertificate,
  type PkiAuthority,
  pkiCrypto,
  type TestPki,
} from '../smki/generator.ts';
import { deriveTestPrivateKey, TEST_PARTIES, type TestKeys } from '../smki/test-pki.ts';
import { type PartyName, ROLE_OF_PARTY } from './keys.ts';

/** One CA generation: the Root and Issuing OCA and the Contingency material of that Root. */
export interface CaGeneration {
  generation: number;
  root: PkiAuthority;
  issuing: PkiAuthority;
  contingency: TestPki['contingency'];
}

/** The ring's durable state: the current CA generation and each slot's key generation (absent = 0). */
export interface KeyRingState {
  caGeneration: number;
  /** `eui/usage/cell` → key generation. */
  slots: Record<string, number>;
}

/** A key slot: an organisation's key for a usage and a cell. */
export interface Slot {
  eui: Eui64;
  usage: KeyUsage;
  cell: CellUsage;
}

export const slotKey = (s: Slot): string => `${s.eui}/${s.usage}/${s.cell}`;

/** The key id (RFC 5280 method 2, 8 bytes, hex) devices report for a public key. */
export const keyIdOf = (publicKey: Uint8Array): string => toHex(subjectKeyIdentifierOf(publicKey));

export class DccKeyRing {
  readonly keys: TestKeys;
  readonly state: KeyRingState;
  readonly #cas = new Map<number, CaGeneration>();
  readonly #certs = new Map<string, Uint8Array>();
  readonly #pub = new Map<string, Uint8Array>();

  constructor(keys: TestKeys, state: KeyRingState = { caGeneration: 0, slots: {} }) {
    this.keys = keys;
    this.state = { caGeneration: state.caGeneration, slots: { ...state.slots } };
  }

  /** The EUI of a party of the estate (the test key set's). */
  eui(party: PartyName): Eui64 {
    const role = ROLE_OF_PARTY[party];
    return TEST_PARTIES.find((p) => p.role === role)!.eui;
  }

  /** The Root party's EUI (the subject of the Root cell's organisation). */
  get rootEui(): Eui64 {
    return TEST_PARTIES.find((p) => p.role === Role.ROOT)!.eui;
  }

  /** A CA generation (default: the current one). */
  ca(generation = this.state.caGeneration): CaGeneration {
    let ca = this.#cas.get(generation);
    if (!ca) {
      const pki =
        generation === 0
          ? this.keys.pki()
          : generateTestPki({
              seed: `${this.keys.seed}/recovery-ca-${generation}`,
              parties: [],
              derive: deriveTestPrivateKey,
              notBefore: this.keys.pki().notBefore,
            });
      ca = { generation, root: pki.rootOca, issuing: pki.issuingOca, contingency: pki.contingency };
      this.#cas.set(generation, ca);
    }
    return ca;
  }

  /**
   * The slot whose key a certificate for (eui, usage, cell) carries: the ACB's identity certifies
   * its own DS and KA keys for every cell (it holds no prepayment key).
   */
  keySlot(s: Slot): Slot {
    return s.eui === this.eui('acb') ? { eui: s.eui, usage: s.usage, cell: 'management' } : s;
  }

  generationOf(s: Slot): number {
    return this.state.slots[slotKey(this.keySlot(s))] ?? 0;
  }

  setGeneration(s: Slot, generation: number): void {
    this.state.slots[slotKey(this.keySlot(s))] = generation;
  }

  /** A slot's private key at a generation (default: its current one). */
  privateKey(s: Slot, generation = this.generationOf(s)): Uint8Array {
    const k = this.keySlot(s);
    return generation === 0
      ? this.keys.privateKey(k.eui, k.usage, k.cell)
      : deriveTestPrivateKey(`${this.keys.seed}/recovery-gen-${generation}`, k.eui, k.usage, k.cell);
  }

  publicKey(s: Slot, generation = this.generationOf(s)): Uint8Array {
    const k = this.keySlot(s);
    const id = `${slotKey(k)}#${generation}`;
    let p = this.#pub.get(id);
    if (!p) {
      p =
        generation === 0
          ? this.keys.publicKey(k.eui, k.usage, k.cell)
          : pkiCrypto.publicKeyOf(this.privateKey(k, generation));
      this.#pub.set(id, p);
    }
    return p;
  }

  /**
   * The Organisation Certificate of `role` for a slot's key at `keyGeneration`, issued by the
   * Issuing OCA of `caGeneration` (defaults: current). The test PKI's own certificate where it
   * certifies exactly that (generation 0 of both, the party's own role).
   */
  certificate(
    role: number,
    s: Slot,
    keyGeneration = this.generationOf(s),
    caGeneration = this.state.caGeneration,
  ): Uint8Array {
    const id = `${role}|${slotKey(s)}|k${keyGeneration}|ca${caGeneration}`;
    let c = this.#certs.get(id);
    if (c) return c;
    const own = TEST_PARTIES.find((p) => p.eui === s.eui)?.role === role;
    if (keyGeneration === 0 && caGeneration === 0 && own) {
      const o = this.keys
        .pki()
        .organisations.find((x) => x.eui === s.eui && x.usage === s.usage && x.cell === s.cell);
      if (o) c = o.certificate;
    }
    c ??= issueOrganisationCertificate(this.ca(caGeneration).issuing, {
      role,
      eui: s.eui,
      usage: s.usage,
      publicKey: this.publicKey(s, keyGeneration),
      notBefore: this.keys.pki().notBefore,
      serial: deriveSerial(this.keys.seed, `recovery|${id}`),
    });
    this.#certs.set(id, c);
    return c;
  }

  /** A copy of the durable state. */
  snapshot(): KeyRingState {
    return { caGeneration: this.state.caGeneration, slots: { ...this.state.slots } };
  }
}
