/**
 * What an incident does, decided when execution starts (reference §3.2, the cases and methods of
 * keys.ts): the new key and CA generations, which devices are relevant (by the key id their cells
 * hold), which certificates are revoked, and — per device — the CS02b steps of the method:
 *
 * | method | device steps |
 * |---|---|
 * | 1 (R1) | the Relevant Subscriber's own mode (2 Supplier, 3 Network Operator, 4 ACB, 5 WAN Provider, 6 TransCoS) places its new certificate in the compromised cell, signed with its current key and MAC'd by the ACB |
 * | 1 (R5) | a new Root (new CA generation, new wrapped Contingency Key) by rootBySupplier (mode 0) on meters and GPFs, rootByWanProvider (mode 1) on CHFs |
 * | 2 (R2) | mode 8 (Recovery key) places the DCC ACB identity's certificates in every cell of the role (change of control: the role's floor 0); then the handover (SRV 6.21): the ACB identity's mode 2/3 places the Subscriber's certificates, the compromised one renewed |
 * | 3 (R3, R6) | mode 8 places the new certificate of the compromised key |
 * | contingency (R4, R6, R7) | mode 9 (Contingency key, Symmetric Key in clear): a new Root, then every cell the device holds re-certified under it (the compromised key renewed) |
 *
 * Methods 2, 3 and contingency move the device's SMI Status Commissioned → Recovery before the
 * command and Recovery → Recovered after it (DCC alert RecoveryComplete, or
 * RecoveryCompleteACBCredentials for Method 2 naming the cells that hold ACB credentials); Method 1
 * leaves the SMI Status alone [A].
 */
import { ReplacementMode } from '../../protocol/asn1/cs02b.ts';
import { Role } from '../../protocol/asn1/gbcs-types.ts';
import { parseCertificate } from '../smki/parse.ts';
import { cellId, cellName, type Placement, type StepSpec } from './dcc.ts';
import type { CellRecord, EstateDeviceType } from './estate.ts';
import { type DccKeyRing, type KeyRingState, keyIdOf, type Slot } from './key-ring.ts';
import { type CompromisedKey, type Method, OWN_MODE, ROLE_OF_PARTY } from './keys.ts';

/** The execution plan of an incident (stored with it as JSON). */
export interface IncidentPlan {
  key: string;
  method: Method;
  /** The key ring before and after (the new generations). */
  before: KeyRingState;
  after: KeyRingState;
  /** A device is relevant when a cell of one of `roles` holds one of `keyIds`. */
  relevance: { keyIds: string[]; roles: number[] };
  /** Whether the method moves SMI Statuses (Recovery → Recovered) and raises the DCC alerts. */
  smi: boolean;
  /** Certificates revoked at post-recovery: serial (hex) and what they certified. */
  revoke: Array<{ serial: string; subject: string }>;
}

/** The compromised slot of an Organisation key, or of the Recovery key. */
export function compromisedSlot(key: CompromisedKey, ring: DccKeyRing): Slot | null {
  if (key.kind === 'organisation') return { eui: ring.eui(key.party), usage: key.usage, cell: key.cell };
  if (key.kind === 'recovery') return { eui: ring.eui('recovery'), usage: 'ds', cell: 'management' };
  return null;
}

const serialOf = (der: Uint8Array): string => parseCertificate(der).serial;

/** The plan of `method` for `key`, from the ring as it is now (which it does not change). */
export function planIncident(key: CompromisedKey, method: Method, ring: DccKeyRing): IncidentPlan {
  const before = ring.snapshot();
  const after = ring.snapshot();
  const maxGen = Math.max(0, ...Object.values(before.slots));
  const slot = compromisedSlot(key, ring);
  const newCa = method === 'contingency' || key.kind === 'contingency';
  if (slot)
    after.slots[`${ring.keySlot(slot).eui}/${ring.keySlot(slot).usage}/${ring.keySlot(slot).cell}`] =
      maxGen + 1;
  if (newCa) after.caGeneration = before.caGeneration + 1;
  const ca = ring.ca(before.caGeneration);
  const rootKeyId = keyIdOf(ca.root.publicKey);
  let relevance: IncidentPlan['relevance'];
  const revoke: IncidentPlan['revoke'] = [];
  if (key.kind === 'organisation' || key.kind === 'recovery') {
    const role = key.kind === 'organisation' ? ROLE_OF_PARTY[key.party] : Role.RECOVERY;
    const s = slot!;
    relevance = { keyIds: [keyIdOf(ring.publicKey(s))], roles: [role] };
    revoke.push({
      serial: serialOf(ring.certificate(role, s)),
      subject: `${key.name}: Organisation Certificate of ${s.eui} (role ${role}, ${s.usage}${s.cell === 'prepayment' ? ', prepayment' : ''})`,
    });
  } else {
    // The Root, the Issuing OCA under it and the Contingency Key it carries: every device holding that Root.
    relevance = { keyIds: [rootKeyId], roles: [Role.ROOT] };
    if (key.kind === 'root' || key.kind === 'contingency')
      revoke.push({ serial: serialOf(ca.root.certificate), subject: `${key.name}: Root OCA certificate` });
    if (key.kind === 'root' || key.kind === 'issuing')
      revoke.push({
        serial: serialOf(ca.issuing.certificate),
        subject: `${key.name}: Issuing OCA certificate`,
      });
  }
  return { key: key.name, method, before, after, relevance, smi: method !== '1', revoke };
}

const isMeterOrGpf = (t: EstateDeviceType) => t !== 'CHF';

/**
 * The CS02b steps of a plan for one device of `deviceType` holding `cells` (the DCC register).
 * `ring` must hold the plan's `after` state.
 */
export function stepsFor(
  plan: IncidentPlan,
  key: CompromisedKey,
  deviceType: EstateDeviceType,
  cells: readonly CellRecord[],
  ring: DccKeyRing,
): StepSpec[] {
  const gen = (s: Slot) => ring.generationOf(s);
  const slot = compromisedSlot(key, ring);
  const placementOf = (c: CellRecord, role: number, s: Slot): Placement => ({
    cell: cellId(c),
    role,
    slot: s,
    keyGeneration: gen(s),
  });
  const slotOfCell = (c: CellRecord): Slot => ({ eui: c.subjectEui, usage: c.usage, cell: c.cell });
  if (plan.method === 'contingency')
    return [
      {
        name: 'contingency',
        mode: ReplacementMode.ANY_BY_CONTINGENCY,
        signer: { kind: 'contingency' },
        mac: false,
        rootCaGeneration: plan.after.caGeneration,
        placements: cells
          .filter((c) => c.role !== Role.ROOT)
          .map((c) => placementOf(c, c.role, slotOfCell(c))),
        completesRecovery: true,
      },
    ];
  if (key.kind === 'contingency')
    return [
      {
        name: 'root',
        mode: isMeterOrGpf(deviceType)
          ? ReplacementMode.ROOT_BY_SUPPLIER
          : ReplacementMode.ROOT_BY_WAN_PROVIDER,
        signer: { kind: 'party', eui: ring.eui(isMeterOrGpf(deviceType) ? 'supplier' : 'wanProvider') },
        mac: true,
        rootCaGeneration: plan.after.caGeneration,
        placements: [],
      },
    ];
  if (key.kind === 'recovery') {
    const c = cells.find((x) => x.role === Role.RECOVERY)!;
    return [
      {
        name: 'recovery',
        mode: ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY,
        signer: { kind: 'recovery' },
        mac: false,
        placements: [placementOf(c, Role.RECOVERY, slot!)],
        completesRecovery: true,
      },
    ];
  }
  if (key.kind !== 'organisation') return [];
  const role = ROLE_OF_PARTY[key.party];
  const s = slot!;
  const target = cells.filter((c) => c.role === role && c.usage === s.usage && c.cell === s.cell);
  const roleCells = cells.filter((c) => c.role === role);
  if (plan.method === '1') {
    const acbOnMeter = key.party === 'acb' && deviceType !== 'CHF';
    return [
      {
        name: 'method1',
        mode: OWN_MODE[key.party],
        // ACB by ACB is MAC only on meters and GPFs, signed and MAC'd on a CHF (GBCS 6.2.3).
        signer: acbOnMeter ? { kind: 'none' } : { kind: 'party', eui: ring.eui(key.party) },
        mac: true,
        placements: target.map((c) => placementOf(c, role, s)),
      },
    ];
  }
  if (plan.method === '3')
    return [
      {
        name: 'recovery',
        mode: ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY,
        signer: { kind: 'recovery' },
        mac: false,
        placements: target.map((c) => placementOf(c, role, s)),
        completesRecovery: true,
      },
    ];
  // Method 2: the DCC's ACB identity takes the role's cells, then hands them back renewed.
  const acb = ring.eui('acb');
  return [
    {
      name: 'recovery',
      mode: ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY,
      signer: { kind: 'recovery' },
      mac: false,
      placements: roleCells.map((c) => placementOf(c, role, { eui: acb, usage: c.usage, cell: c.cell })),
      otherFloors: [{ role, floorSeqNumber: 0n, specialistFloorSeqNumbers: null }],
      completesRecovery: true,
      acbCells: roleCells.map((c) => cellName(cellId(c))),
    },
    {
      name: 'handover',
      mode: OWN_MODE[key.party],
      signer: { kind: 'party', eui: acb },
      mac: true,
      placements: roleCells.map((c) =>
        placementOf(c, role, { eui: ring.eui(key.party), usage: c.usage, cell: c.cell }),
      ),
    },
  ];
}
