/**
 * The DCC's head-end during a recovery and its credential flows: builds each CS02b / CS02g a step
 * asks for, signed and MAC'd with the keys the DCC's register says the device holds (so a device
 * that has already moved to new keys and one that has not are both addressed correctly), delivers
 * it through the premises' CHF (GSME traffic through the GPF until the GSME wakes), checks the
 * signed response and reads the per-cell outcomes.
 *
 * Keys held in custody — the Recovery Private Key (mode 8) and the Contingency Private Key with
 * the Symmetric Key (mode 9) — sign only through `RecoveryKeyCustody`, which refuses before
 * Service Release 1.3 (DECC direction 8 Feb 2016, variation (b)(ii)).
 */
import {
  decodeUpdateSecurityCredentialsResponse,
  encodeUpdateSecurityCredentialsCommand,
  messageCodeOfMode,
  type RemotePartySeqNumberChange,
  type ReplacementOutcome,
} from '../../protocol/asn1/cs02b.ts';
import type { TrustAnchorCellIdentifier } from '../../protocol/asn1/gbcs-types.ts';
import { toHex } from '../../protocol/bytes.ts';
import { type GbcsCrypto, SharedSecretCache } from '../../protocol/crypto/index.ts';
import { DecodeError, GbcsError } from '../../protocol/errors.ts';
import type { KeyResolver } from '../../protocol/security/verify.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { ROLE_NAMES } from '../../protocol/use-case-catalogue.ts';
import type { CommandOutcome, Device } from '../device/device.ts';
import { HeadEnd } from '../head-end/head-end.ts';
import { Refusal } from '../inventory/errors.ts';
import { RecoveryKeyCustody } from '../smki/key-custody.ts';
import type { AsOf, RegulatoryTimeline } from '../smki/timeline.ts';
import type { RecoveryStore } from '../store/recovery-store.ts';
import type { CellRecord, EstatePremises } from './estate.ts';
import { type DccKeyRing, keyIdOf, type Slot } from './key-ring.ts';

/** The DCC's contingency identity: the originator of anyByContingency (no Known Remote Party). */
export const CONTINGENCY_ORIGINATOR: Eui64 = 'ab000000000000ff';

/** One certificate a step places: in `cell`, an Organisation Certificate of `role` for `slot`'s key. */
export interface Placement {
  cell: TrustAnchorCellIdentifier;
  role: number;
  slot: Slot;
  keyGeneration: number;
}

/** Who signs a step. */
export type Signer =
  | { kind: 'party'; eui: Eui64 }
  | { kind: 'recovery' }
  | { kind: 'contingency' }
  | { kind: 'none' };

/** One CS02b / CS02g the DCC sends a device. */
export interface StepSpec {
  /** What it is, for progress records: `method1`, `recovery`, `handover`, `contingency`, `root`, a flow name. */
  name: string;
  mode: number;
  signer: Signer;
  /** Whether the ACB MACs it (modes 8 and 9 are signed only). */
  mac: boolean;
  /** A new Root: the Root OCA certificate of this CA generation goes first. */
  rootCaGeneration?: number;
  placements: Placement[];
  /**
   * The CA generation whose Issuing OCA certifies the placements and is the certification path:
   * default the one whose Root the device holds (after a new Root in this step: that one).
   */
  caGeneration?: number;
  newFloor?: bigint | null;
  otherFloors?: RemotePartySeqNumberChange[] | null;
  /** Completing it completes the device's recovery (SMI Recovered, DCC alert). */
  completesRecovery?: boolean;
  /** The recovery leaves DCC ACB credentials in these cells (alert RecoveryCompleteACBCredentials). */
  acbCells?: string[];
  /** Bytes to send as a placement's certificate instead of the ring's (probes, bad input). */
  certificateOverride?: (p: Placement, der: Uint8Array) => Uint8Array;
  /** Certification path override (probes). */
  pathOverride?: Uint8Array[];
  /** plaintextSymmetricKey to carry instead of the one custody releases (probes: an attacker's). */
  symmetricKey?: Uint8Array;
}

export type StepResult =
  | {
      delivered: true;
      accepted: true;
      /** Per-cell outcomes of the executed command (empty when future-dated). */
      outcomes: ReplacementOutcome[];
      problems: string[];
    }
  | { delivered: true; accepted: false; reason: string; detail: string }
  | { delivered: false; reason: string; detail: string };

/** Originator Counters reserved durably (store) before use, so a restarted DCC never reuses one. */
export class CounterSource {
  readonly #store: RecoveryStore;
  readonly #next = new Map<Eui64, bigint>();
  readonly #limit = new Map<Eui64, bigint>();
  readonly #clockMs: () => number;

  constructor(store: RecoveryStore, clockMs: () => number) {
    this.#store = store;
    this.#clockMs = clockMs;
  }

  /** Reserves `n` counters for each originator (call inside a transaction that commits before use). */
  reserve(originators: Iterable<Eui64>, n: number): void {
    for (const o of originators) {
      const from = (() => {
        const stored = this.#store.counter(o);
        const clock = BigInt(Math.floor(this.#clockMs()));
        const next = this.#next.get(o);
        let m = stored > clock ? stored : clock;
        if (next !== undefined && next - 1n > m) m = next - 1n;
        return m;
      })();
      const limit = from + BigInt(n);
      this.#store.setCounter(o, limit);
      if ((this.#next.get(o) ?? 0n) <= from) this.#next.set(o, from + 1n);
      this.#limit.set(o, limit);
    }
  }

  /** The next counter of an originator. @throws GbcsError MISUSE when none is reserved */
  next(o: Eui64): bigint {
    const c = this.#next.get(o);
    const limit = this.#limit.get(o);
    if (c === undefined || limit === undefined || c > limit)
      throw new GbcsError('MISUSE', `no Originator Counter reserved for ${o}`);
    this.#next.set(o, c + 1n);
    return c;
  }
}

/** A cell identifier for a register cell (the Root cell is keyCertSign). */
export const cellId = (c: Pick<CellRecord, 'role' | 'usage' | 'cell'>): TrustAnchorCellIdentifier => ({
  role: c.role,
  keyUsage: c.role === 0 ? 'kcs' : c.usage,
  cellUsage: c.cell,
});

/** A cell for people: `supplier/ka/prepayment`, `root/kcs`. */
export const cellName = (c: TrustAnchorCellIdentifier): string =>
  `${ROLE_NAMES[c.role] ?? `role${c.role}`}/${c.keyUsage}${c.cellUsage === 'prepayment' ? '/prepayment' : ''}`;

/** The register record a cell identifier stands for. */
const registerKey = (c: TrustAnchorCellIdentifier) =>
  `${c.role}/${c.keyUsage === 'ka' ? 'ka' : 'ds'}/${c.cellUsage}`;

export interface DccOptions {
  ring: DccKeyRing;
  store: RecoveryStore;
  crypto: GbcsCrypto;
  timeline: RegulatoryTimeline;
  counters: CounterSource;
}

/** The DCC head-end for one process. */
export class Dcc {
  readonly ring: DccKeyRing;
  readonly store: RecoveryStore;
  readonly crypto: GbcsCrypto;
  readonly timeline: RegulatoryTimeline;
  readonly counters: CounterSource;
  readonly cache: SharedSecretCache;
  readonly #genByKeyId = new Map<string, number>();

  constructor(o: DccOptions) {
    this.ring = o.ring;
    this.store = o.store;
    this.crypto = o.crypto;
    this.timeline = o.timeline;
    this.counters = o.counters;
    this.cache = new SharedSecretCache(o.crypto);
  }

  /** The highest generation worth trying for a slot or the CA. */
  #maxGeneration(): number {
    return Math.max(this.ring.state.caGeneration, ...Object.values(this.ring.state.slots), 0) + 1;
  }

  /** The generation of `slot` whose key has `keyId`, or undefined. */
  generationOfKeyId(slot: Slot, keyId: string): number | undefined {
    const k = `${slot.eui}/${slot.usage}/${slot.cell}#${keyId}`;
    const hit = this.#genByKeyId.get(k);
    if (hit !== undefined) return hit;
    for (let g = 0; g <= this.#maxGeneration(); g++)
      if (keyIdOf(this.ring.publicKey(slot, g)) === keyId) {
        this.#genByKeyId.set(k, g);
        return g;
      }
    return undefined;
  }

  /** The CA generation whose Root key has `keyId`, or undefined. */
  caGenerationOfRootKeyId(keyId: string): number | undefined {
    const k = `ca#${keyId}`;
    const hit = this.#genByKeyId.get(k);
    if (hit !== undefined) return hit;
    for (let g = 0; g <= this.#maxGeneration(); g++)
      if (keyIdOf(this.ring.ca(g).root.publicKey) === keyId) {
        this.#genByKeyId.set(k, g);
        return g;
      }
    return undefined;
  }

  /** The generation of a party's key the device holds per the register (else the ring's current). */
  heldGeneration(cells: readonly CellRecord[], role: number, slot: Slot): number {
    const c = cells.find((x) => x.role === role && x.usage === slot.usage && x.cell === slot.cell);
    const g = c && c.subjectEui === slot.eui ? this.generationOfKeyId(slot, c.keyId) : undefined;
    return g ?? this.ring.generationOf(slot);
  }

  /** The CA generation of the Root the device holds per the register. */
  heldCaGeneration(cells: readonly CellRecord[]): number {
    const root = cells.find((c) => c.role === 0);
    return (root && this.caGenerationOfRootKeyId(root.keyId)) ?? this.ring.state.caGeneration;
  }

  /** What the register will hold after `step` succeeds on a device now holding `cells`. */
  expectedCells(cells: readonly CellRecord[], step: StepSpec): CellRecord[] {
    const out = new Map(cells.map((c) => [registerKey(cellId(c)), { ...c }]));
    if (step.rootCaGeneration !== undefined) {
      const k = '0/ds/management';
      out.set(k, {
        role: 0,
        usage: 'ds',
        cell: 'management',
        subjectEui: '0000000000000000',
        keyId: keyIdOf(this.ring.ca(step.rootCaGeneration).root.publicKey),
      });
    }
    for (const p of step.placements) {
      const k = registerKey(p.cell);
      out.set(k, {
        role: p.cell.role,
        usage: p.cell.keyUsage === 'ka' ? 'ka' : 'ds',
        cell: p.cell.cellUsage,
        subjectEui: p.slot.eui,
        keyId: keyIdOf(this.ring.publicKey(p.slot, p.keyGeneration)),
      });
    }
    return [...out.values()];
  }

  /** The register after a response's successful outcomes. */
  cellsAfter(cells: readonly CellRecord[], outcomes: readonly ReplacementOutcome[]): CellRecord[] {
    const out = new Map(cells.map((c) => [registerKey(cellId(c)), { ...c }]));
    for (const o of outcomes) {
      if (o.statusCode !== 0) continue;
      const k = registerKey(o.cell);
      out.set(k, {
        role: o.cell.role,
        usage: o.cell.keyUsage === 'ka' ? 'ka' : 'ds',
        cell: o.cell.cellUsage,
        subjectEui: o.replacingSubjectUniqueId,
        keyId: toHex(o.replacingSubjectKeyIdentifier),
      });
    }
    return [...out.values()];
  }

  /** Custody of the recovery keys a device's register calls for, gated at `asOf`. */
  custody(cells: readonly CellRecord[], asOf: AsOf): RecoveryKeyCustody {
    const recovery = { eui: this.ring.eui('recovery'), usage: 'ds', cell: 'management' } as const;
    const ca = this.ring.ca(this.heldCaGeneration(cells));
    return new RecoveryKeyCustody({
      timeline: this.timeline,
      asOf: () => asOf,
      recoveryPrivateKey: this.ring.privateKey(recovery, this.heldGeneration(cells, 1, recovery)),
      contingencyPrivateKey: ca.contingency.privateKey,
      symmetricKey: ca.contingency.symmetricKey,
      crypto: this.crypto,
    });
  }

  /**
   * Builds the command of `step` for a device holding `cells` (the register's view, or the view to
   * try). Signing keys: the signer's key the device holds; the ACB KA key the device holds.
   * @throws Refusal NOT_IN_FORCE:… when custody refuses a recovery key at `asOf`
   */
  build(
    step: StepSpec,
    device: Device,
    cells: readonly CellRecord[],
    asOf: AsOf,
    signerKey?: Uint8Array,
    acbKey?: Uint8Array,
  ): Uint8Array {
    const heldCa = this.heldCaGeneration(cells);
    const caGen = step.caGeneration ?? step.rootCaGeneration ?? heldCa;
    const issuing = this.ring.ca(caGen).issuing;
    const replacements = [
      ...(step.rootCaGeneration === undefined
        ? []
        : [
            {
              certificate: this.ring.ca(step.rootCaGeneration).root.certificate,
              targetCell: { role: 0, keyUsage: 'kcs', cellUsage: 'management' } as const,
            },
          ]),
      ...step.placements.map((p) => {
        const der = this.ring.certificate(p.role, p.slot, p.keyGeneration, caGen);
        return { certificate: step.certificateOverride?.(p, der) ?? der, targetCell: p.cell };
      }),
    ];
    const custody =
      step.signer.kind === 'recovery' || step.signer.kind === 'contingency'
        ? this.custody(cells, asOf)
        : null;
    let symmetricKey: Uint8Array | null = step.symmetricKey ?? null;
    if (step.signer.kind === 'contingency' && !symmetricKey) {
      const k = custody!.releaseSymmetricKey();
      if (!k.ok) throw new Refusal(k.code, `${k.message} (${k.citation})`);
      symmetricKey = k.value;
    }
    const originator =
      step.signer.kind === 'party'
        ? step.signer.eui
        : step.signer.kind === 'recovery'
          ? this.ring.eui('recovery')
          : step.signer.kind === 'contingency'
            ? CONTINGENCY_ORIGINATOR
            : this.ring.eui('acb');
    const counter = this.counters.next(originator);
    const payload = encodeUpdateSecurityCredentialsCommand({
      control: {
        mode: step.mode,
        plaintextSymmetricKey: symmetricKey,
        applyTimeBasedCpvChecks: null,
        authorisingCell: null,
        authorisingSeqNumber: counter,
        newRemotePartyFloorSeqNumber: step.newFloor ?? null,
        newRemotePartySpecialistFloorSeqNumbers: null,
        otherRemotePartySeqNumberChanges: step.otherFloors ?? null,
      },
      replacements,
      certificationPath: step.pathOverride ?? [issuing.certificate],
      executionDateTime: null,
    });
    const acbSlot = { eui: this.ring.eui('acb'), usage: 'ka', cell: 'management' } as const;
    const acbPrivate = acbKey ?? this.ring.privateKey(acbSlot, this.heldGeneration(cells, 4, acbSlot));
    const signerPrivate =
      step.signer.kind === 'party'
        ? (signerKey ??
          this.ring.privateKey(
            { eui: step.signer.eui, usage: 'ds', cell: 'management' },
            this.heldGeneration(cells, this.roleOfParty(step.signer.eui), {
              eui: step.signer.eui,
              usage: 'ds',
              cell: 'management',
            }),
          ))
        : undefined;
    const resolver: KeyResolver = {
      privateKey: (eui, usage) =>
        usage === 'ka' && eui === acbSlot.eui
          ? acbPrivate
          : usage === 'ds' && eui === originator
            ? signerPrivate
            : undefined,
      publicKey: (eui, usage) => (eui === device.eui ? device.credentials[usage].publicKey : undefined),
    };
    const head = new HeadEnd({
      crypto: this.crypto,
      keys: resolver,
      acbId: acbSlot.eui,
      clock: device.clock,
      cache: this.cache,
    });
    const signer =
      step.signer.kind === 'recovery'
        ? (bytes: Uint8Array) => {
            const s = custody!.signWithRecoveryKey(bytes);
            if (!s.ok) throw new Refusal(s.code, `${s.message} (${s.citation})`);
            return s.value;
          }
        : step.signer.kind === 'contingency'
          ? (bytes: Uint8Array) => {
              const s = custody!.signWithContingencyKey(bytes);
              if (!s.ok) throw new Refusal(s.code, `${s.message} (${s.citation})`);
              return s.value;
            }
          : undefined;
    return head.buildCommand({
      originatorId: originator,
      recipientId: device.eui,
      messageCode: messageCodeOfMode(step.mode)!,
      payload,
      counter,
      sign: step.signer.kind !== 'none',
      mac: step.mac,
      ...(signer ? { signer } : {}),
    }).bytes;
  }

  /** Remote Party Role of a party EUI (the ACB identity signs as the ACB). */
  roleOfParty(eui: Eui64): number {
    for (const p of ['supplier', 'networkOperator', 'acb', 'transCoS', 'wanProvider', 'recovery'] as const)
      if (this.ring.eui(p) === eui)
        return { supplier: 2, networkOperator: 3, acb: 4, transCoS: 5, wanProvider: 6, recovery: 1 }[p];
    return 127;
  }

  /**
   * Sends `bytes` to a device of `premises` and returns its outcome (the GSME's once it wakes), or
   * why it did not arrive.
   */
  deliver(premises: EstatePremises, bytes: Uint8Array): CommandOutcome | { undeliverable: string } {
    const r = premises.submit(bytes);
    if (r.status === 'answered') return r.outcome;
    if (r.status === 'undeliverable') return r.outcome;
    const out = premises.gsmeWake();
    const last = out.at(-1);
    return last ?? { undeliverable: 'the GSME answered nothing' };
  }

  /** Sends a built command and reads the outcome as the DCC sees it. */
  send(premises: EstatePremises, device: Device, bytes: Uint8Array): StepResult {
    const o = this.deliver(premises, bytes);
    if ('undeliverable' in o) return { delivered: false, reason: 'UNDELIVERABLE', detail: o.undeliverable };
    if (!o.accepted)
      return { delivered: true, accepted: false, reason: o.rejection.reason, detail: o.rejection.detail };
    if (o.dropped) return { delivered: false, reason: 'NO_RESPONSE', detail: 'the device sent no response' };
    const head = new HeadEnd({
      crypto: this.crypto,
      keys: {
        privateKey: () => undefined,
        publicKey: (eui, usage) => (eui === device.eui ? device.credentials[usage].publicKey : undefined),
      },
      acbId: this.ring.eui('acb'),
      clock: device.clock,
      cache: this.cache,
    });
    const check = head.checkResponse(o.message.apdu.header, o.response);
    const m = check.message;
    if (!m || m.form === 'gbt')
      return { delivered: false, reason: 'BAD_RESPONSE', detail: check.problems.join('; ') };
    try {
      const r = decodeUpdateSecurityCredentialsResponse(m.apdu.payload);
      return {
        delivered: true,
        accepted: true,
        outcomes: r.executionOutcome?.outcomes ?? [],
        problems: check.problems,
      };
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return { delivered: false, reason: 'BAD_RESPONSE', detail: `response: ${e.message}` };
    }
  }
}
