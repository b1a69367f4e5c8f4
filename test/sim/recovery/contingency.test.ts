/**
 * CS02b anyByContingency on the devices (sim/device/pipeline/contingency-signature.ts): authorised by the
 * Contingency Public Key unwrapped from the Root cell with the command's plaintextSymmetricKey —
 * whoever originates it — and by nothing else: not the Root OCA key, not a wrong Symmetric Key, not
 * the Contingency Key of a Root the device no longer holds. Each refusal leaves the device
 * byte-identical.
 */
import { describe, expect, it } from 'vitest';
import { ReplacementMode } from '../../../protocol/asn1/cs02b.ts';
import { Role } from '../../../protocol/asn1/gbcs-types.ts';
import { CONTINGENCY_ORIGINATOR, type StepSpec } from '../../../sim/recovery/dcc.ts';
import { transaction } from '../../../sim/store/dcc-database.ts';
import { recoveryWorld } from '../../fixtures/recovery.ts';

describe('anyByContingency: the Contingency Key unwrapped with the Symmetric Key', () => {
  const w = recoveryWorld({ premises: 1, compromise: 'root', crypto: 'noble' });
  w.drill.buildEstate();
  const ring = w.dcc.ring;
  const p = w.estate.premises(0);
  const esme = p.devices.get(p.ids.esme)!;
  const state = () => JSON.stringify(esme.state);
  const reserve = () =>
    transaction(w.db, () => w.dcc.counters.reserve([CONTINGENCY_ORIGINATOR, ring.eui('recovery')], 20));
  const step = (over: Partial<StepSpec> = {}): StepSpec => ({
    name: 'contingency',
    mode: ReplacementMode.ANY_BY_CONTINGENCY,
    signer: { kind: 'party', eui: CONTINGENCY_ORIGINATOR },
    mac: false,
    placements: [
      {
        cell: { role: Role.RECOVERY, keyUsage: 'ds', cellUsage: 'management' },
        role: Role.RECOVERY,
        slot: { eui: ring.eui('recovery'), usage: 'ds', cell: 'management' },
        keyGeneration: 0,
      },
    ],
    ...over,
  });
  const send = (s: StepSpec, key: Uint8Array) => {
    const cells = w.procedure.store.cells(esme.eui);
    const r = w.dcc.send(p, esme, w.dcc.build(s, esme, cells, w.at, key));
    if (r.delivered && r.accepted)
      transaction(w.db, () => w.procedure.store.setCells(esme.eui, w.dcc.cellsAfter(cells, r.outcomes)));
    return r;
  };
  const ca0 = ring.ca(0);
  const ca1 = ring.ca(1);

  it('refuses the Root OCA key, a wrong Symmetric Key, no Symmetric Key — each leaving the device as it was', () => {
    reserve();
    const before = state();
    expect(send(step({ symmetricKey: ca0.contingency.symmetricKey }), ca0.root.privateKey)).toMatchObject({
      accepted: false,
      reason: 'SIGNATURE_INVALID',
    });
    expect(
      send(step({ symmetricKey: ca1.contingency.symmetricKey }), ca0.contingency.privateKey),
    ).toMatchObject({
      accepted: false,
      reason: 'SIGNATURE_INVALID',
    });
    expect(send(step(), ca0.contingency.privateKey)).toMatchObject({
      accepted: false,
      reason: 'NO_TRUST_ANCHOR',
    });
    expect(state()).toBe(before);
  });

  it('accepts the Contingency Key from any originator; after a new Root, only the new Root’s Contingency Key', () => {
    reserve();
    const ok = send(
      step({ symmetricKey: ca0.contingency.symmetricKey, rootCaGeneration: 1, caGeneration: 1 }),
      ca0.contingency.privateKey,
    );
    expect(ok).toMatchObject({ accepted: true });
    expect(ok.delivered && ok.accepted && ok.outcomes.map((o) => o.statusCode)).toEqual([0, 0]);
    const root = esme.credentials.trustAnchors.find((t) => t.role === 0)!;
    expect(Buffer.from(root.wrappedContingencyKey!).equals(Buffer.from(ca1.contingency.wrapped))).toBe(true);
    const before = state();
    expect(
      send(step({ symmetricKey: ca0.contingency.symmetricKey }), ca0.contingency.privateKey),
    ).toMatchObject({
      accepted: false,
      reason: 'SIGNATURE_INVALID',
    });
    expect(state()).toBe(before);
    expect(
      send(step({ symmetricKey: ca1.contingency.symmetricKey, caGeneration: 1 }), ca1.contingency.privateKey),
    ).toMatchObject({
      accepted: true,
    });
  });
});
