/**
 * Remote Parties whose credentials change during a test: the test premises' parties (their keys
 * start as the test key set's) plus any the test introduces, each key replaceable by a fresh one,
 * and the CS02b/CS02g commands that give a device their new certificates. The head end signs and
 * MACs with whatever key a party holds at the time, so a command built before a replacement keeps
 * the old key — what a replay of a captured command carries.
 */
import {
  decodeUpdateSecurityCredentialsResponse,
  encodeUpdateSecurityCredentialsCommand,
  messageCodeOfMode,
} from '../../protocol/asn1/cs02b.ts';
import type { TrustAnchorCellIdentifier } from '../../protocol/asn1/gbcs-types.ts';
import { toHex } from '../../protocol/bytes.ts';
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import { decodeGbcsMessage } from '../../protocol/envelope.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { KeyResolver } from '../../protocol/verify.ts';
import type { Clock } from '../../sim/clock.ts';
import type { CellUsage, KeyUsage } from '../../sim/credentials.ts';
import type { CommandOutcome } from '../../sim/device.ts';
import { HeadEnd } from '../../sim/head-end.ts';
import { partyEui } from '../../sim/scenario.ts';
import {
  deriveSerial,
  generateTestPki,
  issueOrganisationCertificate,
  type PkiAuthority,
  type TestPki,
} from '../../sim/smki/generator.ts';
import { deriveTestPrivateKey, type TestKeys } from '../../sim/test-pki.ts';

export interface ReplacementSpec {
  cell: TrustAnchorCellIdentifier;
  /** The organisation the new certificate names (its Entity Identifier). */
  eui: Eui64;
  /** Give the party a fresh key for this cell (else: a new certificate for the key it holds). */
  freshKey: boolean;
  /** Send these bytes as the certificate, as they are (fuzzing); nothing to commit. */
  certificate?: Uint8Array;
}

export interface FloorSpec {
  /** `newRemotePartyFloorSeqNumber`, null = absent. */
  newFloor: bigint | null;
  /** `otherRemotePartySeqNumberChanges`, null = absent. */
  others: Array<{ role: number; floor: bigint; topUpFloor?: bigint }> | null;
  /** The Supplier's prepayment-top-up specialist floor with `newFloor`, null = absent. */
  topUpFloor?: bigint | null;
}

const slot = (eui: Eui64, usage: KeyUsage, cell: CellUsage) => `${eui}/${usage}/${cell}`;
const usageOf = (c: TrustAnchorCellIdentifier): KeyUsage => (c.keyUsage === 'ka' ? 'ka' : 'ds');

/**
 * The originator of the tests' CS02b anyByContingency: the DCC acting with the Contingency Key, no
 * Known Remote Party of a device (sim/contingency-signature.ts). Its "DS key" is the current CA's
 * Contingency Private Key.
 */
export const CONTINGENCY_EUI: Eui64 = 'ab000000000000ff';

export class RemoteParties {
  readonly keys: TestKeys;
  readonly crypto: GbcsCrypto;
  readonly clock: Clock;
  /** The CA that issues Organisation Certificates, and its Root (replaced by a Root replacement). */
  ca: { root: PkiAuthority; issuing: PkiAuthority; contingency: TestPki['contingency'] };
  private readonly held = new Map<string, Uint8Array>();
  private fresh = 0;

  constructor(keys: TestKeys, crypto: GbcsCrypto, clock: Clock) {
    this.keys = keys;
    this.crypto = crypto;
    this.clock = clock;
    const pki = keys.pki();
    this.ca = { root: pki.rootOca, issuing: pki.issuingOca, contingency: pki.contingency };
  }

  /** The private key a party holds now (the test key set's until replaced). */
  privateKey(eui: Eui64, usage: KeyUsage, cell: CellUsage = 'management'): Uint8Array {
    if (eui === CONTINGENCY_EUI) return this.ca.contingency.privateKey;
    return this.held.get(slot(eui, usage, cell)) ?? this.keys.privateKey(eui, usage, cell);
  }

  publicKey(eui: Eui64, usage: KeyUsage, cell: CellUsage = 'management'): Uint8Array {
    return this.crypto.publicKeyOf(this.privateKey(eui, usage, cell));
  }

  /** Gives a party a key: afterwards it signs (or MACs, for the ACB) with it. */
  hold(eui: Eui64, usage: KeyUsage, cell: CellUsage, privateKey: Uint8Array): void {
    this.held.set(slot(eui, usage, cell), privateKey);
  }

  /** A fresh private key, never used before in this test. */
  freshKey(): Uint8Array {
    return deriveTestPrivateKey(`${this.keys.seed}/fresh`, `${this.fresh++}`.padStart(16, '0'), 'ds');
  }

  /** Key resolver for a head end: the parties' keys now, the devices' KA keys as given. */
  resolver(deviceKa: (eui: Eui64) => Uint8Array | undefined): KeyResolver {
    return {
      privateKey: (eui, usage) => this.privateKey(eui, usage),
      publicKey: (eui, usage) => deviceKa(eui) ?? this.publicKey(eui, usage),
    };
  }

  /** A head end holding the parties' keys as they are now. */
  headEnd(deviceKa: (eui: Eui64) => Uint8Array | undefined): HeadEnd {
    return new HeadEnd({
      crypto: this.crypto,
      keys: this.resolver(deviceKa),
      acbId: partyEui('acb'),
      clock: this.clock,
    });
  }

  /** A new Root and Issuing OCA (what a Root replacement installs), not yet in use. */
  newCa(): RemoteParties['ca'] {
    const pki = generateTestPki({
      seed: `${this.keys.seed}/ca${this.fresh++}`,
      parties: [],
      derive: deriveTestPrivateKey,
      notBefore: this.keys.pki().notBefore,
    });
    return { root: pki.rootOca, issuing: pki.issuingOca, contingency: pki.contingency };
  }

  /** An Organisation Certificate from the current Issuing OCA for a key. */
  certificate(role: number, eui: Eui64, usage: KeyUsage, publicKey: Uint8Array): Uint8Array {
    return issueOrganisationCertificate(this.ca.issuing, {
      role,
      eui,
      usage,
      publicKey,
      notBefore: this.keys.pki().notBefore,
      serial: deriveSerial(this.keys.seed, `replacement|${this.fresh++}`),
    });
  }

  /**
   * The payload of a CS02b/CS02g of `mode` carrying `replacements`, and what each replacement
   * gives its party once the device has installed it (`commit`: only for cells the device took).
   * A Root replacement carries the Root certificate of `newCa` (the parties' CA from then on).
   */
  cs02b(
    mode: number,
    counter: bigint,
    replacements: readonly ReplacementSpec[],
    floors: FloorSpec,
    authorisingCell: TrustAnchorCellIdentifier | null,
  ): {
    messageCode: number;
    payload: Uint8Array;
    /** Applies the new keys of the cells now holding them (by public key, hex) to the parties. */
    commit: (heldKeys: ReadonlySet<string>) => void;
  } {
    const commits: Array<{ publicKey: string; apply: () => void }> = [];
    const reps = replacements.map((r) => {
      if (r.certificate) return { certificate: r.certificate, targetCell: r.cell };
      if (r.cell.role === 0) {
        const ca = this.newCa();
        commits.push({
          publicKey: toHex(ca.root.publicKey),
          apply: () => {
            this.ca = ca;
          },
        });
        return { certificate: ca.root.certificate, targetCell: r.cell };
      }
      const usage = usageOf(r.cell);
      const priv = r.freshKey ? this.freshKey() : this.privateKey(r.eui, usage, r.cell.cellUsage);
      const pub = this.crypto.publicKeyOf(priv);
      commits.push({ publicKey: toHex(pub), apply: () => this.hold(r.eui, usage, r.cell.cellUsage, priv) });
      // A Load Controller cell takes the certificate of any organisation acting as one.
      return { certificate: this.certificate(r.cell.role, r.eui, usage, pub), targetCell: r.cell };
    });
    const payload = encodeUpdateSecurityCredentialsCommand({
      control: {
        mode,
        // anyByContingency carries the Contingency Symmetric Key of the Root the device holds now.
        plaintextSymmetricKey: mode === 9 ? this.ca.contingency.symmetricKey : null,
        applyTimeBasedCpvChecks: null,
        authorisingCell,
        authorisingSeqNumber: counter,
        newRemotePartyFloorSeqNumber: floors.newFloor,
        newRemotePartySpecialistFloorSeqNumbers:
          floors.topUpFloor === undefined || floors.topUpFloor === null
            ? null
            : [{ usage: 0, seqNumber: floors.topUpFloor }],
        otherRemotePartySeqNumberChanges:
          floors.others?.map((o) => ({
            role: o.role,
            floorSeqNumber: o.floor,
            specialistFloorSeqNumbers:
              o.topUpFloor === undefined ? null : [{ usage: 0, seqNumber: o.topUpFloor }],
          })) ?? null,
      },
      replacements: reps,
      certificationPath: [this.ca.issuing.certificate],
      executionDateTime: null,
    });
    return {
      messageCode: messageCodeOfMode(mode)!,
      payload,
      commit: (heldKeys) => {
        for (const c of commits) if (heldKeys.has(c.publicKey)) c.apply();
      },
    };
  }
}

/** The hex public keys of every trust-anchor cell a device holds. */
export const heldKeysOf = (cells: readonly { publicKey: Uint8Array }[]): Set<string> =>
  new Set(cells.map((t) => toHex(t.publicKey)));

/**
 * The per-cell status codes of a CS02b/CS02g response (0 success, 5 badCertificate, …), or the
 * rejection reason when the device refused the command.
 */
export function replacementStatuses(o: CommandOutcome): number[] | string {
  if (!o.accepted) return o.rejection.reason;
  const m = decodeGbcsMessage(o.response);
  if (m.form === 'gbt') throw new Error('a GBT block, not a CS02b response');
  return decodeUpdateSecurityCredentialsResponse(m.apdu.payload).executionOutcome!.outcomes.map(
    (x) => x.statusCode,
  );
}
