/**
 * Property (issue 8, "Done when"): over random sequences of commands from every Remote Party Role,
 * credential replacements in every CS02b/CS02g mode an ESME takes (Root by Supplier, Supplier,
 * Network Operator, ACB, TransCoS, Supplier by TransCoS, Recovery, Contingency, Load Controller by
 * itself and by the Supplier — new parties, new keys or new certificates for the same keys, any
 * floors), resends of anything sent before and restarts from a FileStateStore directory
 * (provisioned afresh each time, as a real restart is):
 *
 * - a command is never accepted twice;
 * - a command signed or MAC'd with a key the device no longer holds never verifies again (it is
 *   refused before the anti-replay check: never REPLAY, never accepted);
 * - a restarted device holds exactly the credentials, floors and model it held;
 * - nothing throws and no command ends in EXECUTION_FAILED.
 *
 * `GBCS_SIM_PROPERTY_RUNS` sets the number of sequences (default 20; e.g. 500 for a long run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeProvideSecurityCredentialDetailsCommand } from '../../../../protocol/asn1/cs02a.ts';
import { ReplacementMode } from '../../../../protocol/asn1/cs02b.ts';
import type { TrustAnchorCellIdentifier } from '../../../../protocol/asn1/gbcs-types.ts';
import { toHex } from '../../../../protocol/bytes.ts';
import { createCrypto } from '../../../../protocol/crypto/index.ts';
import type { Eui64 } from '../../../../protocol/types.ts';
import { useCaseOf } from '../../../../protocol/use-case-catalogue.ts';
import { credentialsToRecord, type TrustAnchorCell } from '../../../../sim/device/credentials.ts';
import { Device, type DeviceState, RejectReason } from '../../../../sim/device/device.ts';
import { DEFAULT_SCENARIO, partyEui } from '../../../../sim/head-end/scenario.ts';
import { modelFor } from '../../../../sim/models/index.ts';
import { DEFAULT_PREMISES, provisionedCredentials } from '../../../../sim/premises/premises.ts';
import { unwrapContingencyPublicKey } from '../../../../sim/smki/contingency.ts';
import { FileStateStore } from '../../../../sim/store/state-store.ts';
import { setupPremises } from '../../../fixtures/premises.ts';
import {
  CONTINGENCY_EUI,
  heldKeysOf,
  RemoteParties,
  type ReplacementSpec,
} from '../../../fixtures/remote-parties.ts';

const crypto = createCrypto('noble');
const RUNS = Number(process.env.GBCS_SIM_PROPERTY_RUNS ?? 20);

const ROOT: Eui64 = 'ab00000000000000';
const RECOVERY: Eui64 = 'ab00000000000001';
const ACB = partyEui('acb');
const TRANSCOS: Eui64 = 'ab00000000000004';
const NO = partyEui('networkOperator');
const SUPPLIERS: readonly Eui64[] = [partyEui('supplier'), 'ab00000000010001'];
const LOAD_CONTROLLER: Eui64 = 'ab00000000080000';
const ECS52 = DEFAULT_SCENARIO.find((s) => s.messageCode === 0x0059)!.payload;
const CS02E_DS = Uint8Array.of(0x30, 0x04, 0x03, 0x02, 0x07, 0x80);

const id = (
  role: number,
  keyUsage: 'ds' | 'ka' | 'kcs',
  cellUsage: 'management' | 'prepayment' = 'management',
): TrustAnchorCellIdentifier => ({ role, keyUsage, cellUsage });
const ROOT_CELL = id(0, 'kcs');
const SUPPLIER_CELLS = [id(2, 'ds'), id(2, 'ka'), id(2, 'ka', 'prepayment')];
const NO_CELLS = [id(3, 'ds'), id(3, 'ka')];
const LC_CELLS = [id(8, 'ds'), id(8, 'ka')];
const ANY_BUT_ROOT = [id(1, 'ds'), ...SUPPLIER_CELLS, ...NO_CELLS, id(4, 'ka'), id(5, 'ds')];

/** Per mode: who sends it (null: the current Supplier) and the cells it may carry. */
const MODES: Record<number, { from: Eui64 | null; cells: TrustAnchorCellIdentifier[]; mac: boolean }> = {
  [ReplacementMode.ROOT_BY_SUPPLIER]: { from: null, cells: [ROOT_CELL], mac: true },
  [ReplacementMode.SUPPLIER_BY_SUPPLIER]: { from: null, cells: SUPPLIER_CELLS, mac: true },
  [ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR]: { from: NO, cells: NO_CELLS, mac: true },
  [ReplacementMode.ACB_BY_ACB]: { from: ACB, cells: [id(4, 'ka')], mac: true },
  [ReplacementMode.TRANSCOS_BY_TRANSCOS]: { from: TRANSCOS, cells: [id(5, 'ds')], mac: true },
  [ReplacementMode.SUPPLIER_BY_TRANSCOS]: { from: TRANSCOS, cells: SUPPLIER_CELLS, mac: true },
  [ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY]: { from: RECOVERY, cells: ANY_BUT_ROOT, mac: false },
  // Signed with the Contingency Key the Root cell's wrapped key unwraps to (sim/device/pipeline/contingency-signature.ts).
  [ReplacementMode.ANY_BY_CONTINGENCY]: {
    from: CONTINGENCY_EUI,
    cells: [ROOT_CELL, ...ANY_BUT_ROOT],
    mac: false,
  },
  [ReplacementMode.LOAD_CONTROLLER_BY_LOAD_CONTROLLER]: { from: LOAD_CONTROLLER, cells: LC_CELLS, mac: true },
  [ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER]: { from: null, cells: LC_CELLS, mac: true },
};
const PARTY_OF_ROLE: Record<number, Eui64> = { 1: RECOVERY, 3: NO, 4: ACB, 5: TRANSCOS, 8: LOAD_CONTROLLER };

const floor = fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 3000n }));
const action = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('command' as const),
      who: fc.constantFrom(
        'supplier',
        'otherSupplier',
        'networkOperator',
        'acb',
        'transCoS',
        'loadController',
      ),
      critical: fc.boolean(),
      step: fc.bigInt({ min: 1n, max: 400n }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('resend' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('cs02b' as const),
      mode: fc.constantFrom(...Object.keys(MODES).map(Number)),
      cells: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
      freshKey: fc.boolean(),
      otherSupplier: fc.boolean(),
      newFloor: fc.option(floor, { nil: null }),
      others: fc.option(
        fc.array(fc.record({ role: fc.integer({ min: 1, max: 8 }), floor }), { maxLength: 3 }),
        {
          nil: null,
        },
      ),
      /** A floor for each role whose cells the command carries (GBCS: recovery, change of supplier). */
      replacedRolesFloor: fc.option(floor, { nil: null }),
      step: fc.bigInt({ min: 1n, max: 400n }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

interface Sent {
  bytes: Uint8Array;
  /** DS public key (hex) that signed it, if signed; the ACB KA public key that MAC'd it, if MAC'd. */
  signedWith: string | null;
  macWith: string | null;
}

const stats = {
  accepted: 0,
  refusedResends: 0,
  deadKeyDeliveries: 0,
  replacements: 0,
  restarts: 0,
  lowered: 0,
};

type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

function runSequence(actions: Action[], dir: string): void {
  const { clock, keys } = setupPremises('credentials-property', Date.UTC(2026, 0, 1), crypto);
  const parties = new RemoteParties(keys, crypto, clock);
  const eui = DEFAULT_PREMISES.esme;
  const lcCells: TrustAnchorCell[] = (['ds', 'ka'] as const).map((usage) => ({
    role: 8,
    usage,
    cell: 'management',
    subjectUniqueId: LOAD_CONTROLLER,
    publicKey: keys.publicKey(LOAD_CONTROLLER, usage),
  }));
  const store = new FileStateStore<DeviceState>(dir);
  // A restart: a new object provisioned as at first (the test keys), on the same state directory.
  const start = () =>
    new Device({
      eui,
      deviceType: 'ESME',
      credentials: provisionedCredentials(keys, eui, [...keys.trustAnchors(), ...lcCells]),
      crypto,
      clock,
      model: modelFor('ESME'),
      store,
    });
  let dev = start();
  const counters = new Map<Eui64, bigint>();
  const next = (from: Eui64, step: bigint) => {
    const c = (counters.get(from) ?? 1000n) + step;
    counters.set(from, c);
    return c;
  };
  const sent: Sent[] = [];
  const accepted = new Set<string>();
  const currentSupplier = () =>
    dev.credentials.trustAnchors.find((t) => t.role === 2 && t.usage === 'ds')?.subjectUniqueId ??
    SUPPLIERS[0]!;
  const headEnd = () => parties.headEnd((e) => (e === eui ? dev.credentials.ka.publicKey : undefined));

  const build = (
    from: Eui64,
    counter: bigint,
    messageCode: number,
    payload: Uint8Array | ((c: bigint) => Uint8Array),
    sign: boolean,
    mac: boolean,
  ): Sent => ({
    bytes: headEnd().buildCommand({
      originatorId: from,
      recipientId: eui,
      messageCode,
      payload,
      counter,
      sign,
      mac,
    }).bytes,
    signedWith: sign ? toHex(parties.publicKey(from, 'ds')) : null,
    macWith: mac ? toHex(parties.publicKey(ACB, 'ka')) : null,
  });

  const deliver = (s: Sent) => {
    const cells = dev.credentials.trustAnchors;
    const ds = new Set(cells.filter((t) => t.usage === 'ds').map((t) => toHex(t.publicKey)));
    // The Contingency Key is held wrapped in the Root cell: live while the current Symmetric Key unwraps it.
    const wrapped = cells.find((t) => t.role === 0)?.wrappedContingencyKey;
    const contingency = wrapped && unwrapContingencyPublicKey(wrapped, parties.ca.contingency.symmetricKey);
    if (contingency) ds.add(toHex(contingency));
    const acb = new Set(cells.filter((t) => t.role === 4 && t.usage === 'ka').map((t) => toHex(t.publicKey)));
    const dead =
      (s.signedWith !== null && !ds.has(s.signedWith)) || (s.macWith !== null && !acb.has(s.macWith));
    const key = toHex(s.bytes);
    const out = dev.handle(s.bytes);
    const reason = out.accepted ? 'ACCEPTED' : out.rejection.reason;
    expect(reason).not.toBe(RejectReason.EXECUTION_FAILED);
    if (out.accepted) {
      expect(accepted.has(key), 'a command accepted twice').toBe(false);
      accepted.add(key);
      stats.accepted++;
    } else if (accepted.has(key)) stats.refusedResends++;
    if (dead) {
      stats.deadKeyDeliveries++;
      expect(['ACCEPTED', 'REPLAY'], 'a replaced key verified').not.toContain(reason);
    }
    if (!sent.includes(s)) sent.push(s);
    return out;
  };

  for (const a of actions) {
    if (a.kind === 'restart') {
      const held = structuredClone(dev.state);
      dev = start();
      expect(dev.state).toEqual(held);
      expect(credentialsToRecord(dev.credentials)).toEqual(held.credentials);
      stats.restarts++;
    } else if (a.kind === 'resend') {
      if (sent.length > 0) deliver(sent[a.pick % sent.length]!);
    } else if (a.kind === 'command') {
      const supplier =
        a.who === 'supplier' ? currentSupplier() : SUPPLIERS.find((s) => s !== currentSupplier())!;
      if (a.who === 'supplier' || a.who === 'otherSupplier') {
        const c = next(supplier, a.step);
        deliver(
          a.critical
            ? build(supplier, c, 0x000c, CS02E_DS, true, true)
            : build(supplier, c, 0x0059, ECS52, false, true),
        );
      } else if (a.who === 'transCoS') {
        const payload = encodeProvideSecurityCredentialDetailsCommand({
          authorisingCell: id(5, 'ds'),
          roles: [2, 5],
        });
        deliver(build(TRANSCOS, next(TRANSCOS, a.step), 0x0008, payload, true, true));
      } else if (a.who === 'loadController') {
        // A Load Controller sends CS02g only: here one that replaces nothing.
        const c = next(LOAD_CONTROLLER, a.step);
        const payload = parties.cs02b(10, c, [], { newFloor: null, others: null }, null).payload;
        deliver(build(LOAD_CONTROLLER, c, 0x0125, payload, true, true));
      } else {
        const from = a.who === 'acb' ? ACB : NO;
        deliver(build(from, next(from, a.step), 0x0059, ECS52, false, true));
      }
    } else {
      const m = MODES[a.mode]!;
      const from = m.from ?? currentSupplier();
      const picked = a.cells.map((i) => m.cells[i % m.cells.length]!);
      // A change of Supplier gives the new one all three Supplier cells.
      if (a.otherSupplier && picked.some((c) => c.role === 2)) picked.push(...SUPPLIER_CELLS);
      const cells = [...new Map(picked.map((c) => [JSON.stringify(c), c])).values()];
      const supplierEui = a.otherSupplier
        ? SUPPLIERS.find((s) => s !== currentSupplier())!
        : currentSupplier();
      const replacements: ReplacementSpec[] = cells.map((cell) => ({
        cell,
        eui: cell.role === 2 ? supplierEui : (PARTY_OF_ROLE[cell.role] ?? ROOT),
        freshKey: a.freshKey,
      }));
      const counter = next(from, a.step);
      const replacedRoles = [...new Set(cells.map((x) => x.role))].filter((r) => r !== 0);
      const floorOfReplaced = a.replacedRolesFloor;
      const others =
        a.others === null && floorOfReplaced === null
          ? null
          : [
              ...(a.others ?? []),
              ...(floorOfReplaced === null
                ? []
                : replacedRoles.map((role) => ({ role, floor: floorOfReplaced }))),
            ];
      const c = parties.cs02b(a.mode, counter, replacements, { newFloor: a.newFloor, others }, null);
      const floorsBefore = { ...dev.state.antiReplay };
      const cellsBefore = JSON.stringify(credentialsToRecord(dev.credentials).trustAnchors);
      const sign = useCaseOf(c.messageCode)?.commandSignature !== 'none';
      const out = deliver(build(from, counter, c.messageCode, c.payload, sign, m.mac));
      if (out.accepted) {
        c.commit(heldKeysOf(dev.credentials.trustAnchors));
        if (JSON.stringify(credentialsToRecord(dev.credentials).trustAnchors) !== cellsBefore)
          stats.replacements++;
        for (const [role, f] of Object.entries(floorsBefore))
          if (BigInt(dev.state.antiReplay[role] ?? '0') < BigInt(f)) stats.lowered++;
      }
    }
  }
}

describe('credential replacements, replays and restarts (property)', () => {
  const root = mkdtempSync(join(tmpdir(), 'gbcs-sim-credentials-property-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it(`never accepts a command twice and never verifies a replaced key (${RUNS} sequences)`, () => {
    let run = 0;
    fc.assert(
      fc.property(fc.array(action, { minLength: 5, maxLength: 30 }), (actions) => {
        runSequence(actions, join(root, `run-${run++}`));
      }),
      { numRuns: RUNS, seed: 20260101 },
    );
    // The sequences exercised what the property is about.
    expect(stats.accepted).toBeGreaterThan(RUNS);
    expect(stats.refusedResends).toBeGreaterThan(0);
    expect(stats.deadKeyDeliveries).toBeGreaterThan(0);
    expect(stats.replacements).toBeGreaterThan(0);
    expect(stats.lowered).toBeGreaterThan(0);
    expect(stats.restarts).toBeGreaterThan(0);
  });
});
