/**
 * The keys whose compromise the SMKI Recovery Procedure handles (SEC Appendix L; reference
 * `smki-recovery-ch-domain.md` §3.1–3.2), the cases R1–R7 they fall in, and which methods the
 * procedure offers for each on a date (the regulatory timeline of the DECC direction of 8 February
 * 2016, variation (b)).
 *
 * Key names (the CLI's `--compromise KEY`): a Remote Party's Organisation Certificate key held in
 * devices' trust-anchor cells (`supplier-ds`, `supplier-ka`, `network-operator-ds`,
 * `network-operator-ka`, `acb-ka`, `acb-ds`, `transcos-ds`, `wan-provider-ds`, `wan-provider-ka`) or
 * a key of the PKI itself (`root` — the Root OCA, `issuing` — the Issuing OCA, `recovery` — the
 * Recovery Private Key, `contingency` — the Contingency Private Key and its Symmetric Key).
 *
 * Cases (reference §3.2): R1 Method 1, R2 Method 2, R3 Method 3 for an Organisation key; R4 any
 * recovery by the Contingency Key (a new Root and everything it certifies); R5 the Contingency key;
 * R6 the Recovery key; R7 the Issuing OCA key. Which methods each case offers is [A] where the
 * reference marks it so (see `METHODS_OF`).
 */
import { ReplacementMode } from '../../protocol/asn1/cs02b.ts';
import { Role } from '../../protocol/asn1/gbcs-types.ts';
import type { CellUsage, KeyUsage } from '../device/credentials.ts';
import { type AsOf, Provision, type RegulatoryTimeline } from '../smki/timeline.ts';

/** A Remote Party of the estate, by what it is (its EUI comes from the estate's key set). */
export type PartyName = 'supplier' | 'networkOperator' | 'acb' | 'transCoS' | 'wanProvider' | 'recovery';

/** Remote Party Role of each party (GBCS; reference §2.2). */
export const ROLE_OF_PARTY: Readonly<Record<PartyName, number>> = {
  supplier: Role.SUPPLIER,
  networkOperator: Role.NETWORK_OPERATOR,
  acb: Role.ACCESS_CONTROL_BROKER,
  transCoS: Role.TRANSITIONAL_COS,
  wanProvider: Role.WAN_PROVIDER,
  recovery: Role.RECOVERY,
};

/** The CS02b replacement mode in which each party replaces its own cells (GBCS; reference §2.5). */
export const OWN_MODE: Readonly<Record<PartyName, number>> = {
  supplier: ReplacementMode.SUPPLIER_BY_SUPPLIER,
  networkOperator: ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR,
  acb: ReplacementMode.ACB_BY_ACB,
  wanProvider: ReplacementMode.WAN_PROVIDER_BY_WAN_PROVIDER,
  transCoS: ReplacementMode.TRANSCOS_BY_TRANSCOS,
  recovery: ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY,
};

/** An Organisation key slot: a party's key for one usage and cell. */
export interface OrganisationSlot {
  party: PartyName;
  usage: KeyUsage;
  cell: CellUsage;
}

export type CompromisedKey =
  | ({ kind: 'organisation'; name: string; title: string } & OrganisationSlot)
  | { kind: 'root' | 'issuing' | 'recovery' | 'contingency'; name: string; title: string };

const org = (name: string, title: string, party: PartyName, usage: KeyUsage): CompromisedKey => ({
  kind: 'organisation',
  name,
  title,
  party,
  usage,
  cell: 'management',
});

/** Every key `--compromise` takes, by name. */
export const COMPROMISABLE_KEYS: Readonly<Record<string, CompromisedKey>> = Object.fromEntries(
  (
    [
      org('supplier-ds', 'the Supplier’s digital-signing key', 'supplier', 'ds'),
      org('supplier-ka', 'the Supplier’s key-agreement key', 'supplier', 'ka'),
      org('network-operator-ds', 'the Network Operator’s digital-signing key', 'networkOperator', 'ds'),
      org('network-operator-ka', 'the Network Operator’s key-agreement key', 'networkOperator', 'ka'),
      org('acb-ka', 'the DCC Access Control Broker’s key-agreement key', 'acb', 'ka'),
      org('acb-ds', 'the DCC Access Control Broker’s digital-signing key', 'acb', 'ds'),
      org('transcos-ds', 'the DCC Transitional CoS digital-signing key', 'transCoS', 'ds'),
      org('wan-provider-ds', 'the WAN Provider’s digital-signing key', 'wanProvider', 'ds'),
      org('wan-provider-ka', 'the WAN Provider’s key-agreement key', 'wanProvider', 'ka'),
      { kind: 'root', name: 'root', title: 'the Root OCA private key' },
      { kind: 'issuing', name: 'issuing', title: 'the Issuing OCA private key' },
      { kind: 'recovery', name: 'recovery', title: 'the Recovery Private Key' },
      {
        kind: 'contingency',
        name: 'contingency',
        title: 'the Contingency Private Key (and its Symmetric Key)',
      },
    ] as CompromisedKey[]
  ).map((k) => [k.name, k]),
);

export const KEY_NAMES: readonly string[] = Object.keys(COMPROMISABLE_KEYS);

/** Methods of the procedure (the CLI's `--method`). */
export const METHODS = ['1', '2', '3', 'contingency'] as const;
export type Method = (typeof METHODS)[number];

/** "Method 2", or "the contingency method". */
export const methodLabel = (m: Method): string =>
  m === 'contingency' ? 'the contingency method' : `Method ${m}`;

export type RecoveryCase = 'R1' | 'R2' | 'R3' | 'R4' | 'R5' | 'R6' | 'R7';

/** What a method does for a key (one line each, for reports and refusals). */
export interface MethodOption {
  method: Method;
  case: RecoveryCase;
  /** What happens on the devices. */
  summary: string;
  /** Provisions it needs besides the full Recovery Procedure. */
  provisions: readonly Provision[];
  /** The DCC's recovery keys it uses: these need a Key Custodian quorum. */
  usesRecoveryKeys: boolean;
  /** Source tag of the choice: S stated, I inferred, A assumed. */
  tag: 'S' | 'I' | 'A';
}

const RECOVERY_KEY = [Provision.RECOVERY_PRIVATE_KEY_STEPS, Provision.SMI_STATUS_RECOVERY] as const;
const CONTINGENCY_KEY = [
  Provision.CONTINGENCY_PRIVATE_KEY_STEPS,
  Provision.SYMMETRIC_KEY_STEPS,
  Provision.SMI_STATUS_RECOVERY,
] as const;

const CONTINGENCY_OPTION: MethodOption = {
  method: 'contingency',
  case: 'R4',
  summary:
    'CS02b anyByContingency (mode 9) signed with the Contingency Private Key, the Symmetric Key in clear: a new Root and every cell re-certified under it',
  provisions: CONTINGENCY_KEY,
  usesRecoveryKeys: true,
  tag: 'I',
};

/**
 * The methods each key's case offers, in the order a report lists them; null = not offered, with
 * the reason (refusal `METHOD_NOT_OFFERED`).
 */
export function methodsOf(key: CompromisedKey): Array<MethodOption | { method: Method; notOffered: string }> {
  const not = (method: Method, why: string) => ({ method, notOffered: why });
  if (key.kind === 'organisation') {
    const dcc = key.party === 'acb' || key.party === 'transCoS' || key.party === 'wanProvider';
    return [
      {
        method: '1',
        case: 'R1',
        summary:
          'the Relevant Subscriber replaces its own cell with its usual CS02b mode (2 Supplier, 3 Network Operator, 4 ACB, 5 WAN Provider, 6 TransCoS), signed with its current key; SMI Status unchanged',
        provisions: [],
        usesRecoveryKeys: false,
        tag: 'A',
      },
      dcc || key.party === 'recovery'
        ? not(
            '2',
            'Method 2 places the DCC’s Access Control Broker credentials in Supplier and Network Operator cells; the compromised key is itself a DCC key',
          )
        : {
            method: '2',
            case: 'R2',
            summary:
              'CS02b anyExceptAbnormalRootByRecovery (mode 8) signed with the Recovery Private Key places DCC ACB credentials in the role’s cells; the Subscriber regains control by handover (SRV 6.21) with its new certificates',
            provisions: RECOVERY_KEY,
            usesRecoveryKeys: true,
            tag: 'I',
          },
      {
        method: '3',
        case: 'R3',
        summary:
          'CS02b anyExceptAbnormalRootByRecovery (mode 8) signed with the Recovery Private Key places the Subscriber’s new certificate',
        provisions: RECOVERY_KEY,
        usesRecoveryKeys: true,
        tag: 'I',
      },
      CONTINGENCY_OPTION,
    ];
  }
  switch (key.kind) {
    case 'root':
      return [
        not('1', 'only a new Root removes a compromised Root: that needs the Contingency Key'),
        not('2', 'Method 2 is for Organisation keys held in devices'),
        not('3', 'the Recovery key cannot replace the Root cell (mode 8 excludes it)'),
        CONTINGENCY_OPTION,
      ];
    case 'issuing':
      return [
        not(
          '1',
          'devices check no revocation: a certificate of the old Issuing OCA chains to the Root they hold until the Root is replaced',
        ),
        not('2', 'Method 2 is for Organisation keys held in devices'),
        not(
          '3',
          'mode 8 cannot replace the Root, and devices check no revocation: certificates of the compromised Issuing OCA would still chain [A]',
        ),
        { ...CONTINGENCY_OPTION, case: 'R7' },
      ];
    case 'recovery':
      return [
        not('1', 'the Recovery key has no Subscriber: only the DCC can replace it'),
        not('2', 'Method 2 is for Organisation keys held in devices'),
        {
          method: '3',
          case: 'R6',
          summary:
            'CS02b mode 8 signed with the (compromised) Recovery key itself replaces the Recovery cell with a new Recovery key, racing the attacker (PMA decision)',
          provisions: RECOVERY_KEY,
          usesRecoveryKeys: true,
          tag: 'A',
        },
        { ...CONTINGENCY_OPTION, case: 'R6' },
      ];
    case 'contingency':
      return [
        {
          method: '1',
          case: 'R5',
          summary:
            'a new Root OCA certificate carrying a new wrapped Contingency Key, placed by CS02b rootBySupplier (mode 0) on meters and GPFs and rootByWanProvider (mode 1) on CHFs; SMI Status unchanged',
          provisions: [],
          usesRecoveryKeys: false,
          tag: 'A',
        },
        not('2', 'Method 2 is for Organisation keys held in devices'),
        not('3', 'the Recovery key cannot replace the Root cell (mode 8 excludes it)'),
        not('contingency', 'the compromised Contingency key cannot be trusted to replace itself'),
      ];
  }
}

/** One method's availability on a date. */
export type MethodAvailability =
  | { method: Method; available: true; option: MethodOption }
  | {
      method: Method;
      available: false;
      /** Stable code: METHOD_NOT_OFFERED or NOT_IN_FORCE:<provision>. */
      code: string;
      reason: string;
      citation?: string;
    };

/**
 * Which methods the procedure offers for `key` at `asOf`: every method is gated by the full
 * Recovery Procedure (SEC L3, variation (b)(i)); those using the Recovery or Contingency Private
 * Key, the Symmetric Key or the SMI Statuses recovery/recovered by Service Release 1.3 (variation
 * (b)(ii)).
 */
export function methodAvailability(
  key: CompromisedKey,
  timeline: RegulatoryTimeline,
  asOf: AsOf,
): MethodAvailability[] {
  return methodsOf(key).map((m) => {
    if ('notOffered' in m)
      return { method: m.method, available: false, code: 'METHOD_NOT_OFFERED', reason: m.notOffered };
    for (const p of [Provision.RECOVERY_PROCEDURE_FULL, ...m.provisions]) {
      const c = timeline.check(p, asOf, methodLabel(m.method));
      if (!c.ok)
        return { method: m.method, available: false, code: c.code, reason: c.message, citation: c.citation };
    }
    return { method: m.method, available: true, option: m };
  });
}

/** The default method: the first available (Method 1 where offered), else the first offered. */
export function defaultMethod(availability: readonly MethodAvailability[]): Method {
  return (availability.find((a) => a.available) ?? availability[0]!).method;
}
