/**
 * Every CS02b mode (0–9) and CS02g (10, 11), sent by the DCC's head-end (sim/recovery/dcc.ts) to a
 * device of the estate that takes it, through the premises (the GSME through the GPF): a correct
 * command replaces its cell; then
 *
 * - the wrong signer (a key that is not the authorising party's; for ACB-by-ACB on a meter, which
 *   is MAC only, the wrong ACB key) → refused SIGNATURE_INVALID / MAC_INVALID;
 * - a replayed counter (the accepted command sent again) → refused REPLAY;
 * - a wrong target cell (one the mode may not replace, or that the device type has not) → accepted,
 *   that cell's status 127 other / 25 trustAnchorNotFound;
 * - a bad certificate (another role's certificate, or an Organisation certificate for the Root cell)
 *   → accepted, status 5 badCertificate.
 *
 * Refused commands leave the device byte-identical (its whole state); an accepted command whose
 * replacement fails changes no cell, no key and nothing else but the signer's anti-replay floor,
 * which GBCS 4.3.1.5 raises for every accepted command.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ReplacementMode } from '../../../protocol/asn1/cs02b.ts';
import { Role, StatusCode } from '../../../protocol/asn1/gbcs-types.ts';
import { CONTINGENCY_ORIGINATOR, type Placement, type StepSpec } from '../../../sim/recovery/dcc.ts';
import type { EstateDeviceType } from '../../../sim/recovery/estate.ts';
import { deriveTestPrivateKey } from '../../../sim/smki/test-pki.ts';
import { transaction } from '../../../sim/store/dcc-database.ts';
import { recoveryWorld } from '../../fixtures/recovery.ts';

const w = recoveryWorld({ premises: 1, compromise: 'supplier-ds', crypto: 'noble' });
const ring = w.dcc.ring;
const eui = (p: Parameters<typeof ring.eui>[0]) => ring.eui(p);
const LC = 'ab00000000080000';
const cell = (
  role: number,
  keyUsage: 'ds' | 'ka' | 'kcs',
  cellUsage: 'management' | 'prepayment' = 'management',
) => ({ role, keyUsage, cellUsage }) as const;
const place = (role: number, party: string, usage: 'ds' | 'ka', target = cell(role, usage)): Placement => ({
  cell: target,
  role,
  slot: { eui: party, usage, cell: 'management' },
  keyGeneration: 0,
});
const FRESH = deriveTestPrivateKey('cs02b-modes', 'ffffffffffffffff', 'ds');

interface ModeCase {
  title: string;
  type: EstateDeviceType;
  step: StepSpec;
  /** The refusal the wrong signer gets. */
  wrongSigner: 'SIGNATURE_INVALID' | 'MAC_INVALID';
  wrong: { cell: Placement['cell']; status: number };
  /** Another role's certificate for the placement (or an organisation certificate for the Root). */
  bad: Placement;
  /** Role whose floor an accepted command raises. */
  role: number;
  before?: StepSpec;
}

const s = (
  mode: number,
  signer: StepSpec['signer'],
  mac: boolean,
  placements: Placement[],
  extra: Partial<StepSpec> = {},
): StepSpec => ({
  name: `mode ${mode}`,
  mode,
  signer,
  mac,
  placements,
  ...extra,
});
const party = (p: Parameters<typeof ring.eui>[0]) => ({ kind: 'party' as const, eui: eui(p) });
const NO_CERT_AS_SUPPLIER = place(
  Role.NETWORK_OPERATOR,
  eui('networkOperator'),
  'ds',
  cell(Role.SUPPLIER, 'ds'),
);

const CASES: ModeCase[] = [
  {
    title: '0 rootBySupplier (ESME)',
    type: 'ESME',
    step: s(ReplacementMode.ROOT_BY_SUPPLIER, party('supplier'), true, [], { rootCaGeneration: 1 }),
    wrongSigner: 'SIGNATURE_INVALID',
    wrong: { cell: cell(Role.SUPPLIER, 'ds'), status: StatusCode.OTHER },
    bad: place(Role.SUPPLIER, eui('supplier'), 'ds', cell(Role.ROOT, 'kcs')),
    role: Role.SUPPLIER,
  },
  {
    title: '1 rootByWanProvider (CHF)',
    type: 'CHF',
    step: s(ReplacementMode.ROOT_BY_WAN_PROVIDER, party('wanProvider'), true, [], { rootCaGeneration: 1 }),
    wrongSigner: 'SIGNATURE_INVALID',
    wrong: { cell: cell(Role.WAN_PROVIDER, 'ds'), status: StatusCode.OTHER },
    bad: place(Role.WAN_PROVIDER, eui('wanProvider'), 'ds', cell(Role.ROOT, 'kcs')),
    role: Role.WAN_PROVIDER,
  },
  {
    title: '2 supplierBySupplier (GSME, through the GPF)',
    type: 'GSME',
    step: s(ReplacementMode.SUPPLIER_BY_SUPPLIER, party('supplier'), true, [
      place(Role.SUPPLIER, eui('supplier'), 'ds'),
    ]),
    wrongSigner: 'SIGNATURE_INVALID',
    wrong: { cell: cell(Role.TRANSITIONAL_COS, 'ds'), status: StatusCode.OTHER },
    bad: NO_CERT_AS_SUPPLIER,
    role: Role.SUPPLIER,
  },
  {
    title: '3 networkOperatorByNetworkOperator (GPF)',
    type: 'GPF',
    step: s(ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR, party('networkOperator'), true, [
      place(Role.NETWORK_OPERATOR, eui('networkOperator'), 'ka'),
    ]),
    wrongSigner: 'SIGNATURE_INVALID',
    wrong: { cell: cell(Role.SUPPLIER, 'ka'), status: StatusCode.OTHER },
    bad: place(Role.SUPPLIER, eui('supplier'), 'ka', cell(Role.NETWORK_OPERATOR, 'ka')),
    role: Role.NETWORK_OPERATOR,
  },
  {
    title: '4 accessControlBrokerByACB (ESME, MAC only)',
    type: 'ESME',
    step: s(ReplacementMode.ACB_BY_ACB, { kind: 'none' }, true, [
      place(Role.ACCESS_CONTROL_BROKER, eui('acb'), 'ka'),
    ]),
    wrongSigner: 'MAC_INVALID',
    wrong: { cell: cell(Role.RECOVERY, 'ds'), status: StatusCode.OTHER },
    bad: place(Role.SUPPLIER, eui('supplier'), 'ka', cell(Role.ACCESS_CONTROL_BROKER, 'ka')),
    role: Role.ACCESS_CONTROL_BROKER,
  },
  {
    title: '4 accessControlBrokerByACB (CHF, signed and MAC’d)',
    type: 'CHF',
    step: s(ReplacementMode.ACB_BY_ACB, party('acb'), true, [
      place(Role.ACCESS_CONTROL_BROKER, eui('acb'), 'ds'),
    ]),
    wrongSigner: 'SIGNATURE_INVALID',
    wrong: { cell: cell(Role.WAN_PROVIDER, 'ds'), status: StatusCode.OTHER },
    bad: place(Role.WAN_PROVIDER, eui('wanProvider'), 'ds', cell(Role.ACCESS_CONTROL_BROKER, 'ds')),
    role: Role.ACCESS_CONTROL_BROKER,
  },
  {
    title: '5 wanProviderByWanProvider (CHF)',
    type: 'CHF',
    step: s(ReplacementMode.WAN_PROVIDER_BY_WAN_PROVIDER, party('wanProvider'), true, [
      place(Role.WAN_PROVIDER, eui('wanProvider'), 'ds'),
    ]),
    wrongSigner: 'SIGNATURE_INVALID',
    wrong: { cell: cell(Role.RECOVERY, 'ds'), status: StatusCode.OTHER },
    bad: place(Role.ACCESS_CONTROL_BROKER, eui('acb'), 'ds', cell(Role.WAN_PROVIDER, 'ds')),
    role: Role.WAN_PROVIDER,
  },
  {
    title: '6 transCoSByTransCoS (GSME, through the GPF)',
    type: 'GSME',
    step: s(ReplacementMode.TRANSCOS_BY_TRANSCOS, party('transCoS'), true, [
      place(Role.TRANSITIONAL_COS, eui('transCoS'), 'ds'),
    ]),
    wrongSigner: 'SIGNATURE_INVALID',
    wrong: { cell: cell(Role.SUPPLIER, 'ds'), status: StatusCode.OTHER },
    bad: place(Role.RECOVERY, eui('recovery'), 'ds', cell(Role.TRANSITIONAL_COS, 'ds')),
    role: Role.TRANSITIONAL_COS,
  },
  {
    title: '7 supplierByTransCoS (ESME)',
    type: 'ESME',
    step: s(ReplacementMode.SUPPLIER_BY_TRANSCOS, party('transCoS'), true, [
      place(Role.SUPPLIER, eui('supplier'), 'ka'),
    ]),
    wrongSigner: 'SIGNATURE_INVALID',
    wrong: { cell: cell(Role.NETWORK_OPERATOR, 'ka'), status: StatusCode.OTHER },
    bad: place(Role.NETWORK_OPERATOR, eui('networkOperator'), 'ka', cell(Role.SUPPLIER, 'ka')),
    role: Role.TRANSITIONAL_COS,
  },
  {
    title: '8 anyExceptAbnormalRootByRecovery (CHF)',
    type: 'CHF',
    step: s(ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY, { kind: 'recovery' }, false, [
      place(Role.RECOVERY, eui('recovery'), 'ds'),
    ]),
    wrongSigner: 'SIGNATURE_INVALID',
    wrong: { cell: cell(Role.ROOT, 'kcs'), status: StatusCode.OTHER },
    bad: place(Role.SUPPLIER, eui('supplier'), 'ds', cell(Role.RECOVERY, 'ds')),
    role: Role.RECOVERY,
  },
  {
    title: '9 anyByContingency (GPF)',
    type: 'GPF',
    step: s(ReplacementMode.ANY_BY_CONTINGENCY, { kind: 'contingency' }, false, [
      place(Role.RECOVERY, eui('recovery'), 'ds'),
    ]),
    wrongSigner: 'SIGNATURE_INVALID',
    wrong: { cell: cell(Role.WAN_PROVIDER, 'ds'), status: StatusCode.TRUST_ANCHOR_NOT_FOUND },
    bad: place(Role.SUPPLIER, eui('supplier'), 'ds', cell(Role.RECOVERY, 'ds')),
    role: Role.ROOT,
  },
  {
    title: '11 loadControllerBySupplier (CS02g, ESME)',
    type: 'ESME',
    step: s(ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER, party('supplier'), true, [
      place(Role.LOAD_CONTROLLER, LC, 'ds'),
    ]),
    wrongSigner: 'SIGNATURE_INVALID',
    wrong: { cell: cell(Role.SUPPLIER, 'ds'), status: StatusCode.OTHER },
    bad: { ...place(Role.LOAD_CONTROLLER, LC, 'ka'), cell: cell(Role.LOAD_CONTROLLER, 'ds') },
    role: Role.SUPPLIER,
  },
  {
    title: '10 loadControllerByLoadController (CS02g, ESME)',
    type: 'ESME',
    before: s(ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER, party('supplier'), true, [
      place(Role.LOAD_CONTROLLER, LC, 'ds'),
      place(Role.LOAD_CONTROLLER, LC, 'ka'),
    ]),
    step: s(ReplacementMode.LOAD_CONTROLLER_BY_LOAD_CONTROLLER, { kind: 'party', eui: LC }, true, [
      place(Role.LOAD_CONTROLLER, LC, 'ka'),
    ]),
    wrongSigner: 'SIGNATURE_INVALID',
    wrong: { cell: cell(Role.SUPPLIER, 'ka'), status: StatusCode.OTHER },
    bad: { ...place(Role.LOAD_CONTROLLER, LC, 'ds'), cell: cell(Role.LOAD_CONTROLLER, 'ka') },
    role: Role.LOAD_CONTROLLER,
  },
];

describe('CS02b / CS02g in every mode: wrong signer, replay, wrong target cell, bad certificate', () => {
  const premises = () => w.estate.premises(0);
  beforeAll(() => {
    w.drill.buildEstate();
    premises().gsmeWake(); // the GSME's model exists before any comparison
  });
  const reserve = () =>
    transaction(w.db, () =>
      w.dcc.counters.reserve(
        [
          ...(['supplier', 'networkOperator', 'acb', 'transCoS', 'wanProvider', 'recovery'] as const).map(
            eui,
          ),
          CONTINGENCY_ORIGINATOR,
          LC,
        ],
        20,
      ),
    );
  const deviceOf = (t: EstateDeviceType) => {
    const ids = premises().ids;
    return premises().devices.get({ CHF: ids.chf, GPF: ids.gpf, ESME: ids.esme, GSME: ids.gsme }[t])!;
  };
  const state = (t: EstateDeviceType) => JSON.stringify(deviceOf(t).state);
  const send = (t: EstateDeviceType, step: StepSpec, signerKey?: Uint8Array, acbKey?: Uint8Array) => {
    const d = deviceOf(t);
    const cells = w.procedure.store.cells(d.eui);
    const bytes = w.dcc.build(step, d, cells, w.at, signerKey, acbKey);
    const r = w.dcc.send(premises(), d, bytes);
    // The DCC keeps its register in step with what the device took.
    if (r.delivered && r.accepted)
      transaction(w.db, () => w.procedure.store.setCells(d.eui, w.dcc.cellsAfter(cells, r.outcomes)));
    return { bytes, r };
  };
  const withoutFloor = (json: string, role: number) => {
    const o = JSON.parse(json);
    delete o.antiReplay[String(role)];
    return o;
  };

  for (const c of CASES)
    it(c.title, () => {
      reserve();
      if (c.before) expect(send(c.type, c.before).r).toMatchObject({ accepted: true });
      // A correct command is accepted and replaces its cells.
      const ok = send(c.type, c.step);
      expect(ok.r).toMatchObject({ delivered: true, accepted: true });
      expect(ok.r.delivered && ok.r.accepted && ok.r.outcomes.map((o) => o.statusCode)).toEqual([
        ...(c.step.rootCaGeneration === undefined ? [] : [0]),
        ...c.step.placements.map(() => 0),
      ]);
      // Replayed counter: the same bytes again.
      let before = state(c.type);
      const again = w.dcc.send(premises(), deviceOf(c.type), ok.bytes);
      expect(again).toMatchObject({ accepted: false, reason: 'REPLAY' });
      expect(state(c.type)).toBe(before);
      // Wrong signer.
      before = state(c.type);
      const wrong =
        c.wrongSigner === 'MAC_INVALID'
          ? send(c.type, c.step, undefined, FRESH)
          : c.step.signer.kind === 'contingency'
            ? // The Root OCA key, which authorised mode 9 before the Contingency Key did.
              send(
                c.type,
                {
                  ...c.step,
                  signer: { kind: 'party', eui: CONTINGENCY_ORIGINATOR },
                  symmetricKey: ring.ca(0).contingency.symmetricKey,
                },
                ring.ca(0).root.privateKey,
              )
            : send(
                c.type,
                { ...c.step, signer: c.step.signer.kind === 'recovery' ? party('recovery') : c.step.signer },
                FRESH,
              );
      expect(wrong.r).toMatchObject({ accepted: false, reason: c.wrongSigner });
      expect(state(c.type)).toBe(before);
      // Wrong target cell.
      before = state(c.type);
      const target = send(c.type, {
        ...c.step,
        rootCaGeneration: undefined,
        placements: [{ ...(c.step.placements[0] ?? c.bad), cell: c.wrong.cell }],
      } as StepSpec);
      expect(target.r.delivered && target.r.accepted && target.r.outcomes.map((o) => o.statusCode)).toEqual([
        c.wrong.status,
      ]);
      expect(withoutFloor(state(c.type), c.role)).toEqual(withoutFloor(before, c.role));
      // Bad certificate.
      before = state(c.type);
      const bad = send(c.type, { ...c.step, rootCaGeneration: undefined, placements: [c.bad] } as StepSpec);
      expect(bad.r.delivered && bad.r.accepted && bad.r.outcomes.map((o) => o.statusCode)).toEqual([
        StatusCode.BAD_CERTIFICATE,
      ]);
      expect(withoutFloor(state(c.type), c.role)).toEqual(withoutFloor(before, c.role));
    });
});
