/**
 * The DCC's credential flows end to end through real devices (sim/recovery/flows.ts): handover of
 * a DCC-controlled device (6.21), Change of Supplier through TransCoS (6.23, mode 7), a change of
 * Network Operator (mode 3), the ACB re-key and Service Opt Out (mode 4), the WAN Provider re-key
 * (mode 5), the Load Controller (CS02g); after each, the party that left is refused and the one
 * that came is accepted. A failed replacement changes no cell, leaves the DCC register and the SMI
 * as they were, and is reported with its status codes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ReplacementMode } from '../../../protocol/asn1/cs02b.ts';
import { Role } from '../../../protocol/asn1/gbcs-types.ts';
import { credentialsToRecord } from '../../../sim/device/credentials.ts';
import { cellId, type StepSpec } from '../../../sim/recovery/dcc.ts';
import type { EstateDeviceType } from '../../../sim/recovery/estate.ts';
import { CredentialFlows, type FlowTarget } from '../../../sim/recovery/flows.ts';
import { transaction } from '../../../sim/store/dcc-database.ts';
import { recoveryWorld } from '../../fixtures/recovery.ts';

const w = recoveryWorld({ premises: 1, compromise: 'supplier-ds' });
const ring = w.dcc.ring;
const flows = new CredentialFlows(w.procedure);
const GAINING = 'ab00000000010001';
const NEW_NO = 'ab00000000020001';
const LC = 'ab00000000080000';
const target = (t: EstateDeviceType): FlowTarget => {
  const p = w.estate.premises(0);
  const id = { CHF: p.ids.chf, GPF: p.ids.gpf, ESME: p.ids.esme, GSME: p.ids.gsme }[t];
  return { premises: p, device: p.devices.get(id)!, deviceType: t };
};
const subjectOf = (t: EstateDeviceType, role: number, usage: 'ds' | 'ka' = 'ds') =>
  target(t).device.credentials.trustAnchors.find(
    (a) => a.role === role && a.usage === usage && a.cell === 'management',
  )?.subjectUniqueId;

/** An empty CS02b of `mode` from `eui` (signed with its key at `generation`), as the DCC would send it. */
function knock(
  t: EstateDeviceType,
  mode: number,
  eui: string,
  opts: { generation?: number; acbGeneration?: number; sign?: boolean } = {},
) {
  transaction(w.db, () => w.dcc.counters.reserve([eui, ring.eui('acb')], 4));
  const { device, premises } = target(t);
  const step: StepSpec = {
    name: 'knock',
    mode,
    signer: opts.sign === false ? { kind: 'none' } : { kind: 'party', eui },
    mac: true,
    placements: [],
  };
  const key =
    opts.generation === undefined
      ? undefined
      : ring.privateKey({ eui, usage: 'ds', cell: 'management' }, opts.generation);
  const acb =
    opts.acbGeneration === undefined
      ? undefined
      : ring.privateKey({ eui: ring.eui('acb'), usage: 'ka', cell: 'management' }, opts.acbGeneration);
  const r = w.dcc.send(
    premises,
    device,
    w.dcc.build(step, device, w.procedure.store.cells(device.eui), w.at, key, acb),
  );
  return r.delivered && r.accepted ? 'accepted' : r.reason;
}

describe('DCC credential flows through real devices', () => {
  beforeAll(() => w.drill.buildEstate());

  it('handover of a DCC-controlled device (SRV 6.21): the Supplier’s certificates replace the DCC ACB identity’s', () => {
    // The ESME as manufactured DCC-controlled: its Supplier cells hold the DCC's ACB identity.
    const t = target('ESME');
    const acb = ring.eui('acb');
    transaction(w.db, () => w.dcc.counters.reserve([ring.eui('recovery')], 2));
    const cells = w.procedure.store.cells(t.device.eui);
    const take: StepSpec = {
      name: 'dcc-control',
      mode: ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY,
      signer: { kind: 'recovery' },
      mac: false,
      placements: cells
        .filter((c) => c.role === Role.SUPPLIER)
        .map((c) => ({
          cell: cellId(c),
          role: Role.SUPPLIER,
          slot: { eui: acb, usage: c.usage, cell: c.cell },
          keyGeneration: 0,
        })),
    };
    const r = w.dcc.send(t.premises, t.device, w.dcc.build(take, t.device, cells, w.at));
    expect(r).toMatchObject({ accepted: true });
    transaction(w.db, () =>
      w.procedure.store.setCells(
        t.device.eui,
        w.dcc.cellsAfter(cells, r.delivered && r.accepted ? r.outcomes : []),
      ),
    );
    expect(subjectOf('ESME', Role.SUPPLIER)).toBe(acb);
    expect(knock('ESME', ReplacementMode.SUPPLIER_BY_SUPPLIER, ring.eui('supplier'))).toBe('NO_TRUST_ANCHOR');
    const h = flows.handover(t, 'supplier', w.at);
    expect(h).toMatchObject({
      ok: true,
      srv: '6.21',
      mode: 2,
      statuses: { 'supplier/ds': 0, 'supplier/ka': 0, 'supplier/ka/prepayment': 0 },
    });
    expect(subjectOf('ESME', Role.SUPPLIER)).toBe(ring.eui('supplier'));
    expect(
      w.procedure.store.cells(t.device.eui).find((c) => c.role === Role.SUPPLIER && c.usage === 'ds')
        ?.subjectEui,
    ).toBe(ring.eui('supplier'));
    expect(knock('ESME', ReplacementMode.SUPPLIER_BY_SUPPLIER, ring.eui('supplier'))).toBe('accepted');
  });

  it('Change of Supplier (SRV 6.23, TransCoS mode 7): the gaining Supplier from floor 0, the old one refused', () => {
    const r = flows.changeOfSupplier(target('GSME'), GAINING, w.at);
    expect(r).toMatchObject({ ok: true, srv: '6.23', mode: 7 });
    expect(subjectOf('GSME', Role.SUPPLIER)).toBe(GAINING);
    expect(target('GSME').device.state.antiReplay[String(Role.SUPPLIER)]).toBe('0');
    expect(knock('GSME', ReplacementMode.SUPPLIER_BY_SUPPLIER, ring.eui('supplier'))).toBe('NO_TRUST_ANCHOR');
    expect(knock('GSME', ReplacementMode.SUPPLIER_BY_SUPPLIER, GAINING)).toBe('accepted');
  });

  it('change of Network Operator (mode 3 by the current one)', () => {
    expect(flows.changeOfNetworkOperator(target('GPF'), NEW_NO, w.at)).toMatchObject({ ok: true, mode: 3 });
    expect(subjectOf('GPF', Role.NETWORK_OPERATOR)).toBe(NEW_NO);
    expect(
      knock('GPF', ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR, ring.eui('networkOperator')),
    ).toBe('NO_TRUST_ANCHOR');
    expect(knock('GPF', ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR, NEW_NO)).toBe('accepted');
  });

  it('ACB re-key (mode 4, MAC only on a GPF): the old ACB key MACs nothing any more', () => {
    expect(knock('GPF', ReplacementMode.ACB_BY_ACB, ring.eui('acb'), { sign: false, acbGeneration: 0 })).toBe(
      'accepted',
    );
    expect(flows.acbRekey(target('GPF'), 1, w.at)).toMatchObject({
      ok: true,
      mode: 4,
      statuses: { 'accessControlBroker/ka': 0 },
    });
    expect(knock('GPF', ReplacementMode.ACB_BY_ACB, ring.eui('acb'), { sign: false, acbGeneration: 0 })).toBe(
      'MAC_INVALID',
    );
    // The DCC's register knows the new key: its commands are MAC'd with it.
    expect(knock('GPF', ReplacementMode.ACB_BY_ACB, ring.eui('acb'), { sign: false })).toBe('accepted');
  });

  it('WAN Provider re-key on the CHF (mode 5)', () => {
    expect(flows.wanProviderRekey(target('CHF'), 1, w.at)).toMatchObject({ ok: true, mode: 5 });
    expect(
      knock('CHF', ReplacementMode.WAN_PROVIDER_BY_WAN_PROVIDER, ring.eui('wanProvider'), { generation: 0 }),
    ).toBe('SIGNATURE_INVALID');
    expect(
      knock('CHF', ReplacementMode.WAN_PROVIDER_BY_WAN_PROVIDER, ring.eui('wanProvider'), { generation: 1 }),
    ).toBe('accepted');
  });

  it('Load Controller (CS02g): placed by the Supplier, then re-placed by the Load Controller itself', () => {
    expect(flows.loadController(target('ESME'), LC, 'supplier', w.at)).toMatchObject({
      ok: true,
      mode: ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER,
      statuses: { 'loadController/ds': 0, 'loadController/ka': 0 },
    });
    expect(subjectOf('ESME', Role.LOAD_CONTROLLER)).toBe(LC);
    expect(flows.loadController(target('ESME'), LC, LC, w.at)).toMatchObject({
      ok: true,
      mode: ReplacementMode.LOAD_CONTROLLER_BY_LOAD_CONTROLLER,
    });
  });

  it('a failed replacement changes no cell, no register entry, no SMI Status — and is reported', () => {
    const t = target('ESME');
    const noCert = ring.certificate(Role.NETWORK_OPERATOR, {
      eui: ring.eui('networkOperator'),
      usage: 'ds',
      cell: 'management',
    });
    const cells = JSON.stringify(credentialsToRecord(t.device.credentials));
    const register = JSON.stringify(w.procedure.store.cells(t.device.eui));
    const smi = w.procedure.inventory.get(t.device.eui)!.status;
    const r = flows.changeOfSupplier(t, GAINING, w.at, { certificate: () => noCert });
    expect(r).toMatchObject({
      ok: false,
      reason: 'REPLACEMENT_REFUSED',
      statuses: { 'supplier/ds': 5, 'supplier/ka': 5, 'supplier/ka/prepayment': 5 },
    });
    const o = flows.serviceOptOut(t, w.at, { certificate: () => noCert });
    expect(o).toMatchObject({ ok: false, statuses: { 'accessControlBroker/ka': 5 }, smi: null });
    expect(JSON.stringify(credentialsToRecord(t.device.credentials))).toBe(cells);
    expect(JSON.stringify(w.procedure.store.cells(t.device.eui))).toBe(register);
    expect(w.procedure.inventory.get(t.device.eui)!.status).toBe(smi);
  });

  it('Service Opt Out (SRV 8.5, mode 4): the Supplier’s own ACB key; the DCC’s MAC refused; SMI Withdrawn (non-domestic)', () => {
    const t = target('ESME');
    w.db.prepare('UPDATE devices SET non_domestic = 1 WHERE device_id = ?').run(t.device.eui);
    expect(flows.serviceOptOut(t, w.at)).toMatchObject({ ok: true, srv: '8.5', smi: 'Withdrawn' });
    expect(subjectOf('ESME', Role.ACCESS_CONTROL_BROKER, 'ka')).toBe(ring.eui('supplier'));
    expect(w.procedure.inventory.get(t.device.eui)!.status).toBe('Withdrawn');
    expect(
      knock('ESME', ReplacementMode.ACB_BY_ACB, ring.eui('acb'), { sign: false, acbGeneration: 0 }),
    ).toBe('MAC_INVALID');
  });
});
