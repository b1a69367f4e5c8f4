/**
 * The attacker's test after a recovery: for each Relevant Device, what someone holding the
 * compromised key would send, with every other key the device trusts (so only the compromised key
 * decides). `accepted` means the device still trusts the compromised key — the drill's
 * `acceptedCompromisedKeyAfterRecovery` counts them. The probes, per key:
 *
 * | key | probe |
 * |---|---|
 * | a Remote Party's DS key (`supplier-ds`, `network-operator-ds`, `transcos-ds`, `wan-provider-ds`, `acb-ds`) | a CS02b of the party's own mode (2, 3, 6, 5, 4) carrying no replacement, signed with the compromised key, MAC'd by the ACB: accepted = the signature verified |
 * | `acb-ka` | a CS02b accessControlBrokerByACB carrying no replacement, MAC'd with the compromised ACB key (signed by the ACB on a CHF) |
 * | `supplier-ka`, `network-operator-ka` | a read from the party (ECS52 / ECS45 to an ESME, GCS13a to a GPF or GSME); accepted = the device's response is MAC'd under the compromised key (an attacker could forge and read the party's traffic) |
 * | `recovery` | a CS02b anyExceptAbnormalRootByRecovery carrying no replacement, signed with the compromised Recovery key |
 * | `contingency` | a CS02b anyByContingency carrying no replacement, signed with the compromised Contingency key, the old Symmetric Key in clear |
 * | `root`, `issuing` | a CS02b from the legitimate Supplier (WAN Provider on a CHF) re-certifying its own key with a certificate chaining to the compromised CA (an Issuing OCA the attacker made under the compromised Root; the compromised Issuing OCA): accepted = the device installed it |
 */
import { ReplacementMode } from '../../protocol/asn1/cs02b.ts';
import { Role } from '../../protocol/asn1/gbcs-types.ts';
import { useCaseOf } from '../../protocol/use-case-catalogue.ts';
import type { Device } from '../device/device.ts';
import { HeadEnd } from '../head-end/head-end.ts';
import { DEFAULT_SCENARIO } from '../head-end/scenario.ts';
import { buildCertificate, caExtensions, keyIdentifier, subjectPublicKeyInfo } from '../smki/certificate.ts';
import { CA_SUBJECTS, deriveSerial, issueOrganisationCertificate, pkiCrypto } from '../smki/generator.ts';
import { OID_CN, OID_OU } from '../smki/oids.ts';
import { deriveTestPrivateKey } from '../smki/test-pki.ts';
import { CONTINGENCY_ORIGINATOR, type Dcc, type StepSpec } from './dcc.ts';
import type { CellRecord, EstateDeviceType, EstatePremises } from './estate.ts';
import type { KeyRingState, Slot } from './key-ring.ts';
import { slotKey } from './key-ring.ts';
import { type CompromisedKey, OWN_MODE, type PartyName, ROLE_OF_PARTY } from './keys.ts';
import type { ProbeVerdict } from './procedure.ts';

/** What the probe of a key sends, in words (for the summary). */
export function probeDescription(key: CompromisedKey): string {
  switch (key.kind) {
    case 'organisation':
      if (key.usage === 'ka' && key.party !== 'acb')
        return `a read from the ${key.party}: is the response MAC'd under the compromised key-agreement key?`;
      if (key.party === 'acb' && key.usage === 'ka')
        return 'an empty CS02b accessControlBrokerByACB MAC’d with the compromised ACB key';
      return `an empty CS02b of the ${key.party}’s own mode signed with the compromised key`;
    case 'recovery':
      return 'an empty CS02b anyExceptAbnormalRootByRecovery signed with the compromised Recovery key';
    case 'contingency':
      return 'an empty CS02b anyByContingency signed with the compromised Contingency key, the old Symmetric Key in clear';
    case 'root':
      return 'a certificate chaining to the compromised Root (through an Issuing OCA the attacker made), placed by the legitimate Supplier / WAN Provider';
    case 'issuing':
      return 'a certificate issued by the compromised Issuing OCA, placed by the legitimate Supplier / WAN Provider';
  }
}

/** The context a probe runs in (what `RunHooks.probe` gets). */
export interface ProbeContext {
  device: Device;
  deviceType: EstateDeviceType;
  premises: EstatePremises;
  cells: CellRecord[];
}

const verdictOf = (r: ReturnType<Dcc['send']>, needSuccess: boolean): ProbeVerdict => {
  if (!r.delivered) return `refused:${r.reason}`;
  if (!r.accepted) return `refused:${r.reason}`;
  if (needSuccess) {
    const failed = r.outcomes.find((o) => o.statusCode !== 0);
    return failed || r.outcomes.length === 0 ? `refused:status-${failed?.statusCode ?? 'none'}` : 'accepted';
  }
  return 'accepted';
};

/**
 * The probe of `key` for devices recovered by the DCC `dcc`, `before` being the key ring before the
 * incident (whose generations hold the compromised keys).
 */
export function makeProbe(
  key: CompromisedKey,
  before: KeyRingState,
  dcc: Dcc,
  at: number,
): (ctx: ProbeContext) => ProbeVerdict {
  const ring = dcc.ring;
  const beforeGen = (s: Slot) => before.slots[slotKey(ring.keySlot(s))] ?? 0;
  const oldCa = ring.ca(before.caGeneration);
  const applies = (mode: number, t: EstateDeviceType) => {
    const uc = useCaseOf(0x0100 + mode);
    return !uc || uc.devices.length === 0 || uc.devices.includes(t);
  };
  const empty = (mode: number, signer: StepSpec['signer'], mac: boolean): StepSpec => ({
    name: 'probe',
    mode,
    signer,
    mac,
    placements: [],
  });
  const send = (
    ctx: ProbeContext,
    step: StepSpec,
    signerKey?: Uint8Array,
    acbKey?: Uint8Array,
    success = false,
  ) =>
    verdictOf(
      dcc.send(ctx.premises, ctx.device, dcc.build(step, ctx.device, ctx.cells, at, signerKey, acbKey)),
      success,
    );

  if (key.kind === 'organisation' && !(key.usage === 'ka' && key.party !== 'acb')) {
    const slot: Slot = { eui: ring.eui(key.party), usage: key.usage, cell: key.cell };
    const compromised = ring.privateKey(slot, beforeGen(slot));
    return (ctx) => {
      if (key.party === 'acb' && key.usage === 'ka') {
        const onChf = ctx.deviceType === 'CHF';
        return send(
          ctx,
          empty(
            ReplacementMode.ACB_BY_ACB,
            onChf ? { kind: 'party', eui: slot.eui } : { kind: 'none' },
            true,
          ),
          undefined,
          compromised,
        );
      }
      const mode = OWN_MODE[key.party];
      if (!applies(mode, ctx.deviceType)) return `n/a:${ctx.deviceType}`;
      return send(ctx, empty(mode, { kind: 'party', eui: slot.eui }, true), compromised);
    };
  }
  if (key.kind === 'organisation') {
    // A party's KA key protects the device's responses to it: read, and test the response's MAC.
    const slot: Slot = { eui: ring.eui(key.party), usage: 'ka', cell: key.cell };
    const compromised = ring.privateKey(slot, beforeGen(slot));
    const compromisedPublic = ring.publicKey(slot, beforeGen(slot));
    const read: Partial<Record<EstateDeviceType, number>> =
      key.party === 'supplier' ? { ESME: 0x0059, GPF: 0x0074, GSME: 0x0074 } : { ESME: 0x0052, GPF: 0x0074 };
    return (ctx) => {
      const code = read[ctx.deviceType];
      const stepOf = DEFAULT_SCENARIO.find(
        (s) => s.messageCode === code && s.device === ctx.deviceType.toLowerCase(),
      );
      if (code === undefined || !stepOf) return `n/a:${ctx.deviceType}`;
      const acbSlot = { eui: ring.eui('acb'), usage: 'ka', cell: 'management' } as const;
      const acb = ring.privateKey(
        acbSlot,
        dcc.heldGeneration(ctx.cells, Role.ACCESS_CONTROL_BROKER, acbSlot),
      );
      const head = new HeadEnd({
        crypto: dcc.crypto,
        keys: {
          privateKey: (eui, usage) => (usage === 'ka' && eui === acbSlot.eui ? acb : undefined),
          publicKey: (eui, usage) =>
            eui === ctx.device.eui ? ctx.device.credentials[usage].publicKey : undefined,
        },
        acbId: acbSlot.eui,
        clock: ctx.device.clock,
        cache: dcc.cache,
      });
      const cmd = head.buildCommand({
        originatorId: slot.eui,
        recipientId: ctx.device.eui,
        messageCode: code,
        payload: stepOf.payload,
        counter: dcc.counters.next(slot.eui),
      });
      const o = dcc.deliver(ctx.premises, cmd.bytes);
      if ('undeliverable' in o) return `refused:UNDELIVERABLE`;
      if (!o.accepted) return `refused:${o.rejection.reason}`;
      const attacker = new HeadEnd({
        crypto: dcc.crypto,
        keys: {
          privateKey: (eui, usage) => (eui === slot.eui && usage === 'ka' ? compromised : undefined),
          publicKey: (eui, usage) =>
            eui === ctx.device.eui
              ? ctx.device.credentials[usage].publicKey
              : eui === slot.eui && usage === 'ka'
                ? compromisedPublic
                : undefined,
        },
        acbId: acbSlot.eui,
        clock: ctx.device.clock,
      });
      return attacker.verify(o.response).mac === 'valid' ? 'accepted' : 'refused:MAC_INVALID';
    };
  }
  if (key.kind === 'recovery') {
    const slot: Slot = { eui: ring.eui('recovery'), usage: 'ds', cell: 'management' };
    const compromised = ring.privateKey(slot, beforeGen(slot));
    return (ctx) =>
      send(
        ctx,
        empty(ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY, { kind: 'party', eui: slot.eui }, false),
        compromised,
      );
  }
  if (key.kind === 'contingency')
    return (ctx) =>
      send(
        ctx,
        {
          ...empty(ReplacementMode.ANY_BY_CONTINGENCY, { kind: 'party', eui: CONTINGENCY_ORIGINATOR }, false),
          symmetricKey: oldCa.contingency.symmetricKey,
        },
        oldCa.contingency.privateKey,
      );
  // root / issuing: a certificate chaining to the compromised CA, placed by a legitimate party.
  const attackerKey = deriveTestPrivateKey(`${ring.keys.seed}/attacker`, 'attacker-issuing', 'ds');
  const attackerPublic = pkiCrypto.publicKeyOf(attackerKey);
  const attackerSubject = [
    { type: OID_OU, printable: '07' },
    { type: OID_CN, printable: 'ATTACKER TEST' },
  ];
  const issuer =
    key.kind === 'issuing'
      ? oldCa.issuing
      : {
          label: 'issuing-oca' as const,
          subject: attackerSubject,
          privateKey: attackerKey,
          publicKey: attackerPublic,
          keyId: keyIdentifier(attackerPublic),
          certificate: buildCertificate(
            {
              serial: deriveSerial(ring.keys.seed, 'attacker-issuing'),
              issuer: CA_SUBJECTS['root-oca'],
              subject: attackerSubject,
              notBefore: ring.keys.pki().notBefore,
              notAfter: ring.keys.pki().notBefore + 20 * 365 * 86_400_000,
              spki: subjectPublicKeyInfo(attackerPublic),
              extensions: caExtensions(
                attackerPublic,
                oldCa.root.keyId,
                ring.keys.pki().organisationPolicy,
                0,
              ),
            },
            oldCa.root.privateKey,
            pkiCrypto,
          ),
        };
  return (ctx) => {
    const party: PartyName = ctx.deviceType === 'CHF' ? 'wanProvider' : 'supplier';
    const role = ROLE_OF_PARTY[party];
    const slot: Slot = { eui: ring.eui(party), usage: 'ds', cell: 'management' };
    const gen = dcc.heldGeneration(ctx.cells, role, slot);
    const cell = ctx.cells.find((c) => c.role === role && c.usage === 'ds');
    if (!cell) return `n/a:${ctx.deviceType}`;
    const fake = issueOrganisationCertificate(issuer, {
      role,
      eui: slot.eui,
      usage: 'ds',
      publicKey: ring.publicKey(slot, gen),
      notBefore: ring.keys.pki().notBefore,
      serial: deriveSerial(ring.keys.seed, `attacker|${ctx.device.eui}`),
    });
    return send(
      ctx,
      {
        name: 'probe',
        mode: OWN_MODE[party],
        signer: { kind: 'party', eui: slot.eui },
        mac: true,
        placements: [
          { cell: { role, keyUsage: 'ds', cellUsage: 'management' }, role, slot, keyGeneration: gen },
        ],
        certificateOverride: () => fake,
        pathOverride: [issuer.certificate],
      },
      undefined,
      undefined,
      true,
    );
  };
}
