/**
 * The DCC's custody of the SMKI recovery material (SEC Appendix L, the SMKI Recovery Procedure;
 * smki-recovery-ch-domain.md §3): Key Custodians, the Recovery Private Key, the Contingency Private
 * Key and the Contingency Symmetric Key — each use gated by the regulatory timeline:
 *
 * - appointing Key Custodians is a preparatory arrangement of the Procedure's initial scope
 *   (Sections 1, 2 and Paragraph 3.4 from 9 Feb 2016; the direction's ¶1 names the appointment of
 *   Key Custodians as the reason for that date) [A: that Paragraph 3.4 covers it];
 * - any other Recovery Procedure step needs the full Procedure (from SEC L3, variation (b)(i));
 * - signing with the Recovery or Contingency Private Key, releasing the Symmetric Key, and setting
 *   SMI Status 'recovery' / 'recovered', from Service Release 1.3 (variation (b)(ii)).
 */
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import { unwrapContingencyPublicKey } from './contingency.ts';
import { pkiCrypto } from './generator.ts';
import { type AsOf, Provision, type RegulatoryTimeline, type TimelineRefusal } from './timeline.ts';

export type CustodyOutcome<T> = { ok: true; value: T } | TimelineRefusal;

export interface KeyCustodyOptions {
  timeline: RegulatoryTimeline;
  asOf: () => AsOf;
  recoveryPrivateKey: Uint8Array;
  contingencyPrivateKey: Uint8Array;
  symmetricKey: Uint8Array;
  crypto?: GbcsCrypto;
}

export class RecoveryKeyCustody {
  readonly keyCustodians: string[] = [];
  readonly #o: KeyCustodyOptions;
  readonly #crypto: GbcsCrypto;

  constructor(o: KeyCustodyOptions) {
    this.#o = o;
    this.#crypto = o.crypto ?? pkiCrypto;
  }

  #gate<T>(p: Provision, action: string, f: () => T): CustodyOutcome<T> {
    const t = this.#o.timeline.check(p, this.#o.asOf(), action);
    return t.ok ? { ok: true, value: f() } : t;
  }

  /** Appoints a Key Custodian (Recovery Procedure preparatory arrangements). */
  appointKeyCustodian(name: string): CustodyOutcome<string[]> {
    return this.#gate(Provision.RECOVERY_PROCEDURE_INITIAL, `appointing Key Custodian ${name}`, () => {
      if (!this.keyCustodians.includes(name)) this.keyCustodians.push(name);
      return [...this.keyCustodians];
    });
  }

  /** A Recovery Procedure step outside Sections 1, 2 and 3.4 (e.g. notifying a Recovery Event). */
  recoveryProcedureStep(step: string): CustodyOutcome<string> {
    return this.#gate(Provision.RECOVERY_PROCEDURE_FULL, `Recovery Procedure step "${step}"`, () => step);
  }

  /** Signs with the Recovery Private Key (CS02b anyExceptAbnormalRootByRecovery): 64-byte r‖s. */
  signWithRecoveryKey(message: Uint8Array): CustodyOutcome<Uint8Array> {
    return this.#gate(Provision.RECOVERY_PRIVATE_KEY_STEPS, 'a step using the Recovery Private Key', () =>
      this.#crypto.sign(this.#o.recoveryPrivateKey, message),
    );
  }

  /** Signs with the Contingency Private Key (CS02b anyByContingency): 64-byte r‖s. */
  signWithContingencyKey(message: Uint8Array): CustodyOutcome<Uint8Array> {
    return this.#gate(
      Provision.CONTINGENCY_PRIVATE_KEY_STEPS,
      'a step using the Contingency Private Key',
      () => this.#crypto.sign(this.#o.contingencyPrivateKey, message),
    );
  }

  /** Releases the Symmetric Key (CS02b anyByContingency `plaintextSymmetricKey`). */
  releaseSymmetricKey(): CustodyOutcome<Uint8Array> {
    return this.#gate(Provision.SYMMETRIC_KEY_STEPS, 'a step using the Symmetric Key', () =>
      this.#o.symmetricKey.slice(),
    );
  }

  /** Unwraps the contingency public key of a Root OCA certificate's extension with the Symmetric Key. */
  unwrapContingencyKey(wrapped: Uint8Array): CustodyOutcome<Uint8Array | null> {
    return this.#gate(Provision.SYMMETRIC_KEY_STEPS, 'a step using the Symmetric Key', () =>
      unwrapContingencyPublicKey(wrapped, this.#o.symmetricKey),
    );
  }

  /** Whether the DCC may set a Device's SMI Status to 'recovery' / 'recovered' now. */
  maySetRecoveryStatus(status: 'recovery' | 'recovered'): CustodyOutcome<true> {
    return this.#gate(Provision.SMI_STATUS_RECOVERY, `setting SMI Status '${status}'`, () => true as const);
  }
}
