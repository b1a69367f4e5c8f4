/**
 * The SMKI Registration Authority (SEC Appendix D, the SMKI RAPP; smki-recovery-ch-domain.md §2.4):
 * parties and their SEC roles, Authorised Subscribers (entry tests, onboarding states), the checks on
 * a Certificate Signing Request, issue by the Issuing OCA / Issuing DCA into the SMKI Repository,
 * and revocation.
 *
 * What the RAPP text decides but is not public is modelled generically and documented as an
 * assumption [A]: onboarding `applied → verified → authorised` (`withdrawn`), the SMKI and
 * Repository Entry Process Tests (SREPT) passed before applying [S44], the eligibility of Remote
 * Party Roles per SEC role, and "the Entity Identifier belongs to the party".
 *
 * Every decision consults the regulatory timeline (timeline.ts) at the virtual clock's date, or
 * "enduring": before 9 Feb 2016 there is no RAPP; before SEC L3 takes effect only the DCC may submit
 * CSRs (DECC direction 8 Feb 2016, variation (a)). A refused request changes nothing.
 */

import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../protocol/bytes.ts';
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { isEui64 } from '../../protocol/types.ts';
import type { Clock } from '../clock.ts';
import { checkCsr, type ParsedCsr } from './csr.ts';
import {
  issueDeviceCertificate,
  issueOrganisationCertificate,
  type PkiAuthority,
  pkiCrypto,
} from './generator.ts';
import { parseCertificate } from './parse.ts';
import type { RepositoryRecord, SmkiRepository } from './repository.ts';
import { type AsOf, Provision, type RegulatoryTimeline } from './timeline.ts';

/**
 * SEC / DUIS User Roles of a party (DUIS request matrix codes), and the DCC. `LC` = Load Controller,
 * an organisation of Remote Party Role 8.
 */
export type SecRole = 'DCC' | 'IS' | 'ES' | 'GS' | 'ED' | 'GT' | 'RSA' | 'OU' | 'LC';
export const SEC_ROLES: readonly SecRole[] = ['DCC', 'IS', 'ES', 'GS', 'ED', 'GT', 'RSA', 'OU', 'LC'];

/**
 * Remote Party Roles (organisation certificate OU) a party of each SEC role may hold [A]:
 * DCC: Recovery 1, Access Control Broker 4, Transitional CoS 5, WAN Provider 6, DSP XML signing 0x89;
 * Suppliers: 2; Network Operators: 3; Load Controller: 8; Registered Supplier Agent / Other User:
 * Other 0x7F. Every DCC User: DUIS XML signing 0x87. Root 0 and Issuing Authority 7 are CAs, never
 * issued on a CSR.
 */
export const ELIGIBLE_ROLES: Record<SecRole, readonly number[]> = {
  DCC: [1, 4, 5, 6, 0x89],
  IS: [2, 0x87],
  ES: [2, 0x87],
  GS: [2, 0x87],
  ED: [3, 0x87],
  GT: [3, 0x87],
  LC: [8, 0x87],
  RSA: [0x7f, 0x87],
  OU: [0x7f, 0x87],
};

export interface Party {
  id: string;
  name: string;
  secRoles: SecRole[];
  /** Entity Identifiers (EUI-64) the party holds organisation certificates for. */
  euis: Eui64[];
  /** Devices the party may request Device Certificates for; undefined = any (the DCC). */
  devices?: Eui64[];
  /** SMKI and Repository Entry Process Tests passed [S44]. */
  entryTestsPassed: boolean;
}

export type CertificatePolicy = 'organisation' | 'device';
export type SubscriberState = 'applied' | 'verified' | 'authorised' | 'withdrawn';

export interface AuthorisedSubscriber {
  partyId: string;
  policy: CertificatePolicy;
  state: SubscriberState;
}

export interface RaReason {
  code: string;
  message: string;
  /** The regulatory source, when the timeline decided. */
  citation?: string;
}

export type RaOutcome<T> = { ok: true; value: T } | { ok: false; reasons: RaReason[] };

export interface RegistrationAuthorityOptions {
  timeline: RegulatoryTimeline;
  clock: Clock;
  /** true: decide at the clock's date (`--as-of`); false (default): enduring, every provision in force. */
  historical?: boolean;
  repository: SmkiRepository;
  issuingOca: PkiAuthority;
  issuingDca: PkiAuthority;
  crypto?: GbcsCrypto;
  organisationPolicy?: string;
  devicePolicy?: string;
}

const refuse = <T>(...reasons: RaReason[]): RaOutcome<T> => ({ ok: false, reasons });

export class RegistrationAuthority {
  readonly parties = new Map<string, Party>();
  readonly subscribers: AuthorisedSubscriber[] = [];
  readonly repository: SmkiRepository;
  readonly timeline: RegulatoryTimeline;
  readonly clock: Clock;
  historical: boolean;
  readonly #issuingOca: PkiAuthority;
  readonly #issuingDca: PkiAuthority;
  readonly #crypto: GbcsCrypto;
  readonly #orgPolicy: string | undefined;
  readonly #devPolicy: string | undefined;

  constructor(o: RegistrationAuthorityOptions) {
    this.timeline = o.timeline;
    this.clock = o.clock;
    this.historical = o.historical ?? false;
    this.repository = o.repository;
    this.#issuingOca = o.issuingOca;
    this.#issuingDca = o.issuingDca;
    this.#crypto = o.crypto ?? pkiCrypto;
    this.#orgPolicy = o.organisationPolicy;
    this.#devPolicy = o.devicePolicy;
  }

  /** The point of view of decisions: the clock's date, or enduring. */
  asOf(): AsOf {
    return this.historical ? this.clock.now() : 'enduring';
  }

  #rapp(action: string): RaReason | null {
    const t = this.timeline.check(Provision.RAPP, this.asOf(), action);
    return t.ok ? null : { code: t.code, message: t.message, citation: t.citation };
  }

  /** Registers a party (a SEC Party or the DCC). @returns refusal reasons for malformed data */
  registerParty(p: Party): RaOutcome<Party> {
    const reasons: RaReason[] = [];
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(p.id))
      reasons.push({ code: 'PARTY_ID_INVALID', message: 'party id: 1–64 of A–Z a–z 0–9 . _ -' });
    if (this.parties.has(p.id))
      reasons.push({ code: 'PARTY_EXISTS', message: `party ${p.id} is already registered` });
    if (p.secRoles.length === 0 || p.secRoles.some((r) => !SEC_ROLES.includes(r)))
      reasons.push({ code: 'SEC_ROLE_INVALID', message: `SEC roles must be among ${SEC_ROLES.join(', ')}` });
    for (const e of [...p.euis, ...(p.devices ?? [])])
      if (!isEui64(e))
        reasons.push({
          code: 'EUI_INVALID',
          message: `${JSON.stringify(e)} is not an EUI-64 (16 lowercase hex digits)`,
        });
    for (const other of this.parties.values())
      for (const e of p.euis.filter((x) => other.euis.includes(x)))
        reasons.push({ code: 'EUI_TAKEN', message: `Entity Identifier ${e} already belongs to ${other.id}` });
    if (reasons.length > 0) return refuse(...reasons);
    const copy = {
      ...p,
      secRoles: [...p.secRoles],
      euis: [...p.euis],
      ...(p.devices ? { devices: [...p.devices] } : {}),
    };
    this.parties.set(p.id, copy);
    return { ok: true, value: copy };
  }

  /** Records the result of the SMKI and Repository Entry Process Tests [S44]. */
  recordEntryTests(partyId: string, passed: boolean): RaOutcome<Party> {
    const p = this.parties.get(partyId);
    if (!p) return refuse({ code: 'PARTY_UNKNOWN', message: `no party ${partyId}` });
    p.entryTestsPassed = passed;
    return { ok: true, value: p };
  }

  subscriber(partyId: string, policy: CertificatePolicy): AuthorisedSubscriber | undefined {
    return this.subscribers.find((s) => s.partyId === partyId && s.policy === policy);
  }

  /** A party applies to become an Authorised Subscriber for a Certificate Policy (needs SREPT passed). */
  applyForSubscription(partyId: string, policy: CertificatePolicy): RaOutcome<AuthorisedSubscriber> {
    const gate = this.#rapp('applying to become an Authorised Subscriber');
    if (gate) return refuse(gate);
    const p = this.parties.get(partyId);
    if (!p) return refuse({ code: 'PARTY_UNKNOWN', message: `no party ${partyId}` });
    if (!p.entryTestsPassed)
      return refuse({
        code: 'ENTRY_TESTS_NOT_PASSED',
        message: `${partyId} has not passed the SMKI and Repository Entry Process Tests`,
      });
    const existing = this.subscriber(partyId, policy);
    if (existing && existing.state !== 'withdrawn')
      return refuse({
        code: 'ALREADY_APPLIED',
        message: `${partyId} is already ${existing.state} for the ${policy} certificate policy`,
      });
    const s: AuthorisedSubscriber = existing ?? { partyId, policy, state: 'applied' };
    s.state = 'applied';
    if (!existing) this.subscribers.push(s);
    return { ok: true, value: s };
  }

  /** The RA moves an application on: applied → verified → authorised; any → withdrawn. */
  setSubscriberState(
    partyId: string,
    policy: CertificatePolicy,
    state: SubscriberState,
  ): RaOutcome<AuthorisedSubscriber> {
    const s = this.subscriber(partyId, policy);
    if (!s)
      return refuse({
        code: 'NOT_APPLIED',
        message: `${partyId} has not applied for the ${policy} certificate policy`,
      });
    const next: Record<SubscriberState, readonly SubscriberState[]> = {
      applied: ['verified', 'withdrawn'],
      verified: ['authorised', 'withdrawn'],
      authorised: ['withdrawn'],
      withdrawn: [],
    };
    if (!next[s.state].includes(state))
      return refuse({
        code: 'BAD_TRANSITION',
        message: `subscriber state ${s.state} cannot become ${state}`,
      });
    s.state = state;
    return { ok: true, value: s };
  }

  /** Registers, tests and authorises a party in one go (fixtures, `keys init`). */
  onboard(p: Party, policies: readonly CertificatePolicy[] = ['organisation', 'device']): RaOutcome<Party> {
    const r = this.registerParty(p);
    if (!r.ok) return r;
    for (const policy of policies) {
      for (const step of [
        () => this.applyForSubscription(p.id, policy),
        () => this.setSubscriberState(p.id, policy, 'verified'),
        () => this.setSubscriberState(p.id, policy, 'authorised'),
      ]) {
        const o = step();
        if (!o.ok) return o;
      }
    }
    return r;
  }

  /**
   * Checks a CSR submitted by `submitterId` without issuing: the timeline (RAPP in force; only the
   * DCC before SEC L3), the submitter (known, Authorised Subscriber for the policy), the request's
   * content (csr.ts), the eligibility of the role for the party's SEC roles, that the Entity
   * Identifier (or device) belongs to the party, and that the key is not certified already.
   */
  checkRequest(submitterId: string, csrDer: Uint8Array): RaOutcome<ParsedCsr> {
    const gate = this.#rapp('a Certificate Signing Request');
    if (gate) return refuse(gate);
    const party = this.parties.get(submitterId);
    if (!party) return refuse({ code: 'PARTY_UNKNOWN', message: `no party ${submitterId}` });
    if (!party.secRoles.includes('DCC')) {
      const t = this.timeline.check(
        Provision.CSR_BY_ANY_SUBSCRIBER,
        this.asOf(),
        `a Certificate Signing Request from ${submitterId}`,
      );
      if (!t.ok)
        return refuse({
          code: 'ONLY_DCC_MAY_SUBMIT_CSR',
          message: `${t.message}; until then no person other than the DCC may submit a CSR`,
          citation: t.citation,
        });
    }
    const reasons: RaReason[] = [];
    const check = checkCsr(csrDer, this.#crypto);
    reasons.push(...check.reasons);
    const csr = check.csr;
    if (!csr) return refuse(...reasons);
    const sub = this.subscriber(submitterId, csr.kind);
    if (!party.entryTestsPassed)
      reasons.push({
        code: 'ENTRY_TESTS_NOT_PASSED',
        message: `${submitterId} has not passed the SMKI and Repository Entry Process Tests`,
      });
    if (sub?.state !== 'authorised')
      reasons.push({
        code: 'NOT_AUTHORISED_SUBSCRIBER',
        message: `${submitterId} is ${sub ? sub.state : 'not an applicant'}, not an Authorised Subscriber for the ${csr.kind} certificate policy`,
      });
    if (csr.kind === 'organisation') {
      if (csr.role !== null && !party.secRoles.some((r) => ELIGIBLE_ROLES[r].includes(csr.role!)))
        reasons.push({
          code: 'ROLE_NOT_ELIGIBLE',
          message: `Remote Party Role ${csr.role} (OU ${csr.role.toString(16).padStart(2, '0').toUpperCase()}) is not eligible for a party with SEC roles ${party.secRoles.join(', ')}`,
        });
      if (csr.eui !== null && !party.euis.includes(csr.eui))
        reasons.push({
          code: 'EUI_NOT_OWNED',
          message: `Entity Identifier ${csr.eui} does not belong to ${submitterId}`,
        });
    } else if (csr.eui !== null && party.devices !== undefined && !party.devices.includes(csr.eui)) {
      reasons.push({
        code: 'DEVICE_NOT_OWNED',
        message: `device ${csr.eui} is not one ${submitterId} may request certificates for`,
      });
    }
    if (csr.publicKey && this.repository.hasPublicKey(toHex(csr.publicKey)))
      reasons.push({
        code: 'KEY_ALREADY_CERTIFIED',
        message: 'a certificate for this public key is already in the SMKI Repository',
      });
    return reasons.length > 0 ? refuse(...reasons) : { ok: true, value: csr };
  }

  /**
   * Submits a CSR: checks it (`checkRequest`) and, when every check passes, issues the certificate
   * (Issuing OCA for organisation requests, Issuing DCA for device requests), stores it In use and
   * returns its record. Nothing changes on refusal.
   */
  submitCsr(submitterId: string, csrDer: Uint8Array): RaOutcome<RepositoryRecord> {
    const c = this.checkRequest(submitterId, csrDer);
    if (!c.ok) return c;
    const csr = c.value;
    const notBefore = Math.floor(this.clock.now() / 1000) * 1000;
    const period = this.#issuerPeriodCheck(
      csr.kind === 'organisation' ? this.#issuingOca : this.#issuingDca,
      notBefore,
    );
    if (period) return refuse(period);
    const serial = sha256(
      new Uint8Array([...csrDer, ...new TextEncoder().encode(`|${this.repository.records.length}`)]),
    ).slice(0, 16);
    serial[0] = (serial[0]! & 0x7f) | 0x40;
    const der =
      csr.kind === 'organisation'
        ? issueOrganisationCertificate(this.#issuingOca, {
            role: csr.role!,
            eui: csr.eui!,
            usage: csr.usage!,
            publicKey: csr.publicKey!,
            ...(csr.commonName ? { commonName: csr.commonName } : {}),
            notBefore,
            serial,
            ...(this.#orgPolicy ? { policy: this.#orgPolicy } : {}),
          })
        : issueDeviceCertificate(this.#issuingDca, {
            eui: csr.eui!,
            usage: csr.usage!,
            publicKey: csr.publicKey!,
            notBefore,
            serial,
            ...(this.#devPolicy ? { policy: this.#devPolicy } : {}),
          });
    const record = this.repository.add(der, {
      status: 'I',
      issuedAt: this.clock.now(),
      subscriber: submitterId,
    });
    return { ok: true, value: record };
  }

  /**
   * A certificate is issued with notBefore = the clock's date; the issuing CA must be valid then, or
   * the certificate would not chain (OpenSSL: "certificate is not yet valid"). Refused, not clamped:
   * replaying the timeline needs a PKI made with `keys init --not-before` on or before the date.
   */
  #issuerPeriodCheck(issuer: PkiAuthority, at: number): RaReason | null {
    const ca = parseCertificate(issuer.certificate);
    const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const name = issuer.label === 'issuing-oca' ? 'Issuing OCA' : 'Issuing DCA';
    const from = ca.notBefore.ms;
    const to = ca.notAfter.ms;
    if ((from !== null && at < from) || (to !== null && at > to))
      return {
        code: 'ISSUER_NOT_VALID_AT',
        message: `the ${name} is valid from ${from === null ? '?' : iso(from)} to ${to === null ? '?' : iso(to)}; a certificate cannot be issued at ${iso(at)} (make the PKI with keys init --not-before on or before that date)`,
      };
    return null;
  }

  /**
   * Revokes a certificate (status R). The DCC, or the Subscriber the certificate was issued to, may
   * request it. Devices do not check revocation: trust anchors are replaced instead [A].
   */
  revoke(requesterId: string, serial: string, reason: string): RaOutcome<RepositoryRecord> {
    const gate = this.#rapp('revocation');
    if (gate) return refuse(gate);
    const party = this.parties.get(requesterId);
    if (!party) return refuse({ code: 'PARTY_UNKNOWN', message: `no party ${requesterId}` });
    const r = this.repository.bySerial(serial);
    if (!r) return refuse({ code: 'CERTIFICATE_UNKNOWN', message: `no certificate with serial ${serial}` });
    if (r.status === 'R')
      return refuse({ code: 'ALREADY_REVOKED', message: `certificate ${r.serial} is already revoked` });
    if (!party.secRoles.includes('DCC') && r.subscriber !== requesterId)
      return refuse({
        code: 'NOT_SUBSCRIBER',
        message: `${requesterId} is not the Subscriber of certificate ${r.serial}`,
      });
    return { ok: true, value: this.repository.setStatus(r.serial, 'R', this.clock.now(), reason) };
  }

  toJSON(): { parties: Party[]; subscribers: AuthorisedSubscriber[] } {
    return { parties: [...this.parties.values()], subscribers: this.subscribers.map((s) => ({ ...s })) };
  }
}
