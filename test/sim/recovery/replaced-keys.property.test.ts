/**
 * Property: over random sequences of credential replacements (each party re-keyed in its own mode,
 * the Recovery key by mode 8, a whole new Root by mode 9) and commands signed or MAC'd with any key
 * generation a party ever had, on every device type of a premises (the GSME through the GPF): no
 * device ever accepts a command under a key after that key was replaced — a command is accepted
 * only under keys the device holds at that moment. `GBCS_SIM_PROPERTY_RUNS` sets the number of
 * sequences (default 20).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplacementMode } from '../../../protocol/asn1/cs02b.ts';
import { Role } from '../../../protocol/asn1/gbcs-types.ts';
import { toHex } from '../../../protocol/bytes.ts';
import { CONTINGENCY_ORIGINATOR, cellId, type StepSpec } from '../../../sim/recovery/dcc.ts';
import type { EstateDeviceType } from '../../../sim/recovery/estate.ts';
import type { PartyName } from '../../../sim/recovery/keys.ts';
import { unwrapContingencyPublicKey } from '../../../sim/smki/contingency.ts';
import { transaction } from '../../../sim/store/dcc-database.ts';
import { recoveryWorld } from '../../fixtures/recovery.ts';

const RUNS = Number(process.env.GBCS_SIM_PROPERTY_RUNS ?? 20);
const TYPES: EstateDeviceType[] = ['CHF', 'GPF', 'ESME', 'GSME'];
/** Each party, its own mode, its role, the cell it re-keys, and the device types that take the mode. */
const PARTIES: Record<
  string,
  { party: PartyName; mode: number; role: number; usage: 'ds' | 'ka'; types: EstateDeviceType[] }
> = {
  supplier: {
    party: 'supplier',
    mode: ReplacementMode.SUPPLIER_BY_SUPPLIER,
    role: Role.SUPPLIER,
    usage: 'ds',
    types: ['ESME', 'GSME', 'GPF'],
  },
  networkOperator: {
    party: 'networkOperator',
    mode: ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR,
    role: Role.NETWORK_OPERATOR,
    usage: 'ds',
    types: ['ESME', 'GPF'],
  },
  transCoS: {
    party: 'transCoS',
    mode: ReplacementMode.TRANSCOS_BY_TRANSCOS,
    role: Role.TRANSITIONAL_COS,
    usage: 'ds',
    types: ['ESME', 'GSME', 'GPF'],
  },
  wanProvider: {
    party: 'wanProvider',
    mode: ReplacementMode.WAN_PROVIDER_BY_WAN_PROVIDER,
    role: Role.WAN_PROVIDER,
    usage: 'ds',
    types: ['CHF'],
  },
  acb: {
    party: 'acb',
    mode: ReplacementMode.ACB_BY_ACB,
    role: Role.ACCESS_CONTROL_BROKER,
    usage: 'ka',
    types: TYPES,
  },
  recovery: {
    party: 'recovery',
    mode: ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY,
    role: Role.RECOVERY,
    usage: 'ds',
    types: TYPES,
  },
};
const NAMES = Object.keys(PARTIES);

const action = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('rekey' as const),
      who: fc.constantFrom(...NAMES),
      on: fc.constantFrom(...TYPES),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('newRoot' as const), on: fc.constantFrom(...TYPES) }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('command' as const),
      who: fc.constantFrom(...NAMES, 'contingency'),
      on: fc.constantFrom(...TYPES),
      generation: fc.nat({ max: 4 }),
    }),
  },
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

const stats = { accepted: 0, refusedReplaced: 0, rekeys: 0 };

function runSequence(actions: Action[]): void {
  const w = recoveryWorld({ premises: 1, compromise: 'supplier-ds' });
  w.drill.buildEstate();
  const ring = w.dcc.ring;
  const p = w.estate.premises(0);
  const dev = (t: EstateDeviceType) =>
    p.devices.get({ CHF: p.ids.chf, GPF: p.ids.gpf, ESME: p.ids.esme, GSME: p.ids.gsme }[t])!;
  const generations: Record<string, number> = Object.fromEntries(NAMES.map((n) => [n, 0]));
  let caGeneration = 0;
  const everHeld = new Map<string, Set<string>>();
  const held = (t: EstateDeviceType): Set<string> => {
    const d = dev(t);
    const keys = new Set(d.credentials.trustAnchors.map((a) => toHex(a.publicKey)));
    // The Contingency Key is held wrapped in the Root cell, for whichever CA generation unwraps it.
    const wrapped = d.credentials.trustAnchors.find((a) => a.role === 0)?.wrappedContingencyKey;
    for (let g = 0; wrapped && g <= caGeneration; g++) {
      const k = unwrapContingencyPublicKey(wrapped, ring.ca(g).contingency.symmetricKey);
      if (k) keys.add(toHex(k));
    }
    return keys;
  };
  const record = () => {
    for (const t of TYPES) {
      const s = everHeld.get(t) ?? new Set<string>();
      for (const k of held(t)) s.add(k);
      everHeld.set(t, s);
    }
  };
  const send = (t: EstateDeviceType, step: StepSpec, signerKey?: Uint8Array, acbKey?: Uint8Array) => {
    transaction(w.db, () =>
      w.dcc.counters.reserve(
        [
          ...(['supplier', 'networkOperator', 'acb', 'transCoS', 'wanProvider', 'recovery'] as const).map(
            (x) => ring.eui(x),
          ),
          CONTINGENCY_ORIGINATOR,
        ],
        4,
      ),
    );
    const d = dev(t);
    const cells = w.procedure.store.cells(d.eui);
    const r = w.dcc.send(p, d, w.dcc.build(step, d, cells, w.at, signerKey, acbKey));
    if (r.delivered && r.accepted)
      transaction(w.db, () => w.procedure.store.setCells(d.eui, w.dcc.cellsAfter(cells, r.outcomes)));
    return r;
  };
  record();
  for (const a of actions) {
    if (a.kind === 'rekey') {
      const x = PARTIES[a.who]!;
      if (!x.types.includes(a.on)) continue;
      const eui = ring.eui(x.party);
      const cells = w.procedure.store
        .cells(dev(a.on).eui)
        .filter((c) => c.role === x.role && c.usage === x.usage && c.cell === 'management');
      const g = ++generations[a.who]!;
      const signer: StepSpec['signer'] =
        x.party === 'recovery'
          ? { kind: 'recovery' }
          : x.party === 'acb' && a.on !== 'CHF'
            ? { kind: 'none' }
            : { kind: 'party', eui };
      send(a.on, {
        name: 'rekey',
        mode: x.mode,
        signer,
        mac: x.party !== 'recovery',
        placements: cells.map((c) => ({
          cell: cellId(c),
          role: x.role,
          slot: { eui, usage: x.usage, cell: 'management' },
          keyGeneration: g,
        })),
      });
      stats.rekeys++;
    } else if (a.kind === 'newRoot') {
      caGeneration++;
      send(a.on, {
        name: 'root',
        mode: ReplacementMode.ANY_BY_CONTINGENCY,
        signer: { kind: 'contingency' },
        mac: false,
        rootCaGeneration: caGeneration,
        placements: [],
      });
    } else {
      // A command under the key of generation `generation` (of the party, or of the CA's Contingency Key).
      let step: StepSpec;
      let key: string;
      let signerKey: Uint8Array | undefined;
      let acbKey: Uint8Array | undefined;
      if (a.who === 'contingency') {
        const ca = ring.ca(Math.min(a.generation, caGeneration));
        step = {
          name: 'cmd',
          mode: ReplacementMode.ANY_BY_CONTINGENCY,
          signer: { kind: 'party', eui: CONTINGENCY_ORIGINATOR },
          mac: false,
          placements: [],
          symmetricKey: ca.contingency.symmetricKey,
        };
        signerKey = ca.contingency.privateKey;
        key = toHex(ca.contingency.publicKey);
      } else {
        const x = PARTIES[a.who]!;
        if (!x.types.includes(a.on)) continue;
        const eui = ring.eui(x.party);
        const g = Math.min(a.generation, generations[a.who]!);
        const slot = { eui, usage: x.usage, cell: 'management' } as const;
        if (x.party === 'acb') {
          acbKey = ring.privateKey(slot, g);
          step = {
            name: 'cmd',
            mode: x.mode,
            signer: a.on === 'CHF' ? { kind: 'party', eui } : { kind: 'none' },
            mac: true,
            placements: [],
          };
        } else {
          signerKey = ring.privateKey(slot, g);
          step = {
            name: 'cmd',
            mode: x.mode,
            signer: { kind: 'party', eui },
            mac: x.party !== 'recovery',
            placements: [],
          };
        }
        key = toHex(ring.publicKey(slot, g));
      }
      const now = held(a.on);
      const wasHeld = everHeld.get(a.on)!.has(key);
      const r = send(a.on, step, signerKey, acbKey);
      const accepted = r.delivered && r.accepted;
      if (accepted) {
        stats.accepted++;
        expect(now.has(key), `accepted under a key ${a.on} does not hold`).toBe(true);
      } else if (wasHeld && !now.has(key)) stats.refusedReplaced++;
      expect(r.delivered ? 'delivered' : r.reason).toBe('delivered');
    }
    record();
  }
}

describe('no device accepts a command under a key after that key was replaced (property)', () => {
  it(`${RUNS} random sequences of replacements and commands over CHF, GPF, ESME and GSME`, {
    timeout: 600_000,
  }, () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 5, maxLength: 25 }), (actions) => runSequence(actions)),
      {
        numRuns: RUNS,
        seed: 20170101,
      },
    );
    expect(stats.accepted).toBeGreaterThan(RUNS);
    expect(stats.refusedReplaced).toBeGreaterThan(0);
    expect(stats.rekeys).toBeGreaterThan(RUNS);
  });
});
