/**
 * Credential replacement and anti-replay (issue 8, findings 1 and 2): which floor a CS02b sets
 * (sim/models/security/trust-anchor-cells.ts `applySeqNumberChanges`), that the CS02b itself and
 * everything a party that keeps its key sent before stay refused, and that credentials are durable
 * — a device restarted from its FileStateStore, provisioned afresh as at first, holds exactly the
 * cells and keys it held. Generated commands on the test premises, then the RTDS scenario
 * through `gbcs-sim replay --keep-state`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReplacementMode } from '../../../../protocol/asn1/cs02b.ts';
import type { TrustAnchorCellIdentifier } from '../../../../protocol/asn1/gbcs-types.ts';
import { toHex } from '../../../../protocol/bytes.ts';
import { createCrypto } from '../../../../protocol/crypto/index.ts';
import type { Eui64 } from '../../../../protocol/types.ts';
import { credentialsToRecord } from '../../../../sim/device/credentials.ts';
import { type CommandOutcome, Device, type DeviceState } from '../../../../sim/device/device.ts';
import { DEFAULT_SCENARIO, partyEui } from '../../../../sim/head-end/scenario.ts';
import { modelFor } from '../../../../sim/models/index.ts';
import { DEFAULT_PREMISES, provisionedCredentials } from '../../../../sim/premises/premises.ts';
import { FileStateStore } from '../../../../sim/store/state-store.ts';
import { BIN } from '../../../fixtures/paths.ts';
import { setupPremises } from '../../../fixtures/premises.ts';
import {
  heldKeysOf,
  RemoteParties,
  type ReplacementSpec,
  replacementStatuses,
} from '../../../fixtures/remote-parties.ts';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR } from '../../../fixtures/shared.ts';

const crypto = createCrypto('noble');
const SUPPLIER = partyEui('supplier');
const OTHER_SUPPLIER: Eui64 = 'ab00000000010001';
const RECOVERY: Eui64 = 'ab00000000000001';
const TRANSCOS: Eui64 = 'ab00000000000004';
const ACB = partyEui('acb');
const NO = partyEui('networkOperator');
const ECS52 = DEFAULT_SCENARIO.find((s) => s.messageCode === 0x0059)!.payload;

const cell = (
  role: number,
  keyUsage: 'ds' | 'ka',
  cellUsage: 'management' | 'prepayment' = 'management',
): TrustAnchorCellIdentifier => ({ role, keyUsage, cellUsage });
const SUPPLIER_CELLS = [cell(2, 'ds'), cell(2, 'ka'), cell(2, 'ka', 'prepayment')];

function setup(seed = 'replacement-test') {
  const { clock, keys, premises } = setupPremises(seed, Date.UTC(2026, 0, 1), crypto);
  const esme = premises.devices.get(DEFAULT_PREMISES.esme)!;
  const parties = new RemoteParties(keys, crypto, clock);
  const deviceKa = (eui: Eui64) => premises.devices.get(eui)?.credentials.ka.publicKey;
  let dev = esme;
  const send = (from: Eui64, counter: bigint, o: { messageCode?: number; payload?: Uint8Array } = {}) =>
    parties.headEnd(deviceKa).buildCommand({
      originatorId: from,
      recipientId: esme.eui,
      messageCode: o.messageCode ?? 0x0059,
      payload: o.payload ?? ECS52,
      counter,
    }).bytes;
  /** A CS02b as its mode is sent (signed-only for Recovery), and the parties' keys once the device took it. */
  const cs02b = (
    mode: number,
    from: Eui64,
    counter: bigint,
    replacements: ReplacementSpec[],
    floors: Parameters<RemoteParties['cs02b']>[3],
    authorisingCell: TrustAnchorCellIdentifier | null,
  ) => {
    const c = parties.cs02b(mode, counter, replacements, floors, authorisingCell);
    const bytes = parties.headEnd(deviceKa).buildCommand({
      originatorId: from,
      recipientId: esme.eui,
      messageCode: c.messageCode,
      payload: c.payload,
      counter,
      mac: mode !== ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY,
    }).bytes;
    return { bytes, commit: () => c.commit(heldKeysOf(dev.credentials.trustAnchors)) };
  };
  const handle = (bytes: Uint8Array): CommandOutcome => dev.handle(bytes);
  const verdict = (bytes: Uint8Array): string => {
    const o = handle(bytes);
    return o.accepted ? 'ACCEPTED' : o.rejection.reason;
  };
  return {
    clock,
    keys,
    parties,
    esme,
    send,
    cs02b,
    handle,
    verdict,
    get dev() {
      return dev;
    },
    set dev(d: Device) {
      dev = d;
    },
  };
}

const same = (c: TrustAnchorCellIdentifier, eui: Eui64): ReplacementSpec => ({
  cell: c,
  eui,
  freshKey: false,
});
const fresh = (c: TrustAnchorCellIdentifier, eui: Eui64): ReplacementSpec => ({
  cell: c,
  eui,
  freshKey: true,
});
const statuses = replacementStatuses;

describe('anti-replay floors after a credentials replacement (CS02b)', () => {
  it('recovery that keeps every key: the CS02b and what was sent before stay refused (finding 1)', () => {
    const t = setup();
    const old = t.send(SUPPLIER, 5000n);
    expect(t.verdict(old)).toBe('ACCEPTED');
    expect(t.verdict(old)).toBe('REPLAY');
    // The RTDS NA anyExceptAbnormalRootByRecovery layout: every cell but the Root, the parties'
    // own keys, every floor commanded to 0.
    const recovery = t.cs02b(
      ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY,
      RECOVERY,
      7000n,
      [
        same(cell(1, 'ds'), RECOVERY),
        ...SUPPLIER_CELLS.map((c) => same(c, SUPPLIER)),
        same(cell(3, 'ds'), NO),
        same(cell(3, 'ka'), NO),
        same(cell(4, 'ka'), ACB),
        same(cell(5, 'ds'), TRANSCOS),
      ],
      { newFloor: 0n, others: [2, 3, 4, 5].map((role) => ({ role, floor: 0n })) },
      cell(1, 'ds'),
    );
    expect(statuses(t.handle(recovery.bytes))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(t.verdict(recovery.bytes)).toBe('REPLAY');
    expect(t.verdict(old)).toBe('REPLAY');
    expect(t.esme.state.antiReplay).toMatchObject({ '1': '7000', '2': '5000' });
    expect(t.verdict(t.send(SUPPLIER, 5001n))).toBe('ACCEPTED');
  });

  it('recovery with new Supplier DS and ACB KA keys: the commanded floor applies, old commands fail to verify', () => {
    const t = setup();
    const old = t.send(SUPPLIER, 5000n);
    const oldCritical = t.send(SUPPLIER, 5001n, {
      messageCode: 0x000c,
      payload: Uint8Array.of(0x30, 0x04, 0x03, 0x02, 0x07, 0x80),
    });
    expect(t.verdict(old)).toBe('ACCEPTED');
    const recovery = t.cs02b(
      ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY,
      RECOVERY,
      7000n,
      [fresh(cell(2, 'ds'), SUPPLIER), fresh(cell(4, 'ka'), ACB)],
      {
        newFloor: 0n,
        others: [
          { role: 2, floor: 0n },
          { role: 4, floor: 0n },
        ],
      },
      cell(1, 'ds'),
    );
    expect(statuses(t.handle(recovery.bytes))).toEqual([0, 0]);
    recovery.commit();
    // Nothing the Supplier sent before can verify (the ACB's MAC key is new): its floor is 0.
    expect(t.esme.state.antiReplay['2']).toBe('0');
    expect(t.verdict(old)).toBe('MAC_INVALID');
    expect(t.verdict(oldCritical)).toBe('MAC_INVALID');
    expect(t.verdict(t.send(SUPPLIER, 10n))).toBe('ACCEPTED');
    // The Recovery key did not change: the CS02b's own counter stays consumed.
    expect(t.esme.state.antiReplay['1']).toBe('7000');
    expect(t.verdict(recovery.bytes)).toBe('REPLAY');
  });

  it('a new Supplier DS key alone lowers nothing: non-critical commands carry only the ACB MAC', () => {
    const t = setup();
    const old = t.send(SUPPLIER, 5000n);
    expect(t.verdict(old)).toBe('ACCEPTED');
    const rekey = t.cs02b(
      ReplacementMode.SUPPLIER_BY_SUPPLIER,
      SUPPLIER,
      5001n,
      [fresh(cell(2, 'ds'), SUPPLIER)],
      { newFloor: 0n, others: null },
      cell(2, 'ds'),
    );
    expect(statuses(t.handle(rekey.bytes))).toEqual([0]);
    rekey.commit();
    expect(t.esme.state.antiReplay['2']).toBe('5001');
    expect(t.verdict(old)).toBe('REPLAY');
    expect(t.verdict(rekey.bytes)).toBe('SIGNATURE_INVALID');
  });

  it('change of Supplier: the new one starts at its floor, the old one is refused, and keeps its floor if it comes back', () => {
    const t = setup();
    const oldA = t.send(SUPPLIER, 5000n);
    expect(t.verdict(oldA)).toBe('ACCEPTED');
    const toB = t.cs02b(
      ReplacementMode.SUPPLIER_BY_TRANSCOS,
      TRANSCOS,
      100n,
      SUPPLIER_CELLS.map((c) => fresh(c, OTHER_SUPPLIER)),
      { newFloor: null, others: [{ role: 2, floor: 0n, topUpFloor: 0n }] },
      cell(5, 'ds'),
    );
    expect(statuses(t.handle(toB.bytes))).toEqual([0, 0, 0]);
    toB.commit();
    expect(t.verdict(oldA)).toBe('NO_TRUST_ANCHOR');
    expect(t.verdict(t.send(OTHER_SUPPLIER, 1n))).toBe('ACCEPTED');
    expect(t.esme.state.retiredFloors).toEqual({ [`2/${SUPPLIER}`]: '5000' });
    // Supplier A again, with the keys it had: its commands up to 5000 would verify again.
    const backToA = t.cs02b(
      ReplacementMode.SUPPLIER_BY_TRANSCOS,
      TRANSCOS,
      101n,
      SUPPLIER_CELLS.map((c) => same(c, SUPPLIER)),
      { newFloor: null, others: [{ role: 2, floor: 0n }] },
      cell(5, 'ds'),
    );
    expect(statuses(t.handle(backToA.bytes))).toEqual([0, 0, 0]);
    expect(t.esme.state.antiReplay['2']).toBe('5000');
    expect(t.verdict(oldA)).toBe('REPLAY');
    expect(t.verdict(t.send(SUPPLIER, 5002n))).toBe('ACCEPTED');
  });
});

describe('durable credentials: a restart trusts exactly the cells it held (finding 2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-credentials-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('after a CS02b and a restart from FileStateStore, the replaced key no longer verifies', () => {
    const t = setup('durable-credentials');
    const store = new FileStateStore<DeviceState>(join(dir, 'cs02b'));
    // A restart: a new Device object provisioned from the test keys as at first, on the same store.
    const restart = () =>
      new Device({
        eui: t.esme.eui,
        deviceType: 'ESME',
        credentials: provisionedCredentials(t.keys, t.esme.eui),
        crypto,
        clock: t.clock,
        model: modelFor('ESME'),
        store,
      });
    t.dev = restart();
    const oldKeyCommand = t.send(SUPPLIER, 6001n, {
      messageCode: 0x000c,
      payload: Uint8Array.of(0x30, 0x04, 0x03, 0x02, 0x07, 0x80),
    });
    const rekey = t.cs02b(
      ReplacementMode.SUPPLIER_BY_SUPPLIER,
      SUPPLIER,
      6000n,
      [fresh(cell(2, 'ds'), SUPPLIER)],
      { newFloor: null, others: null },
      cell(2, 'ds'),
    );
    expect(statuses(t.handle(rekey.bytes))).toEqual([0]);
    rekey.commit();
    const held = credentialsToRecord(t.dev.credentials);
    t.dev = restart();
    expect(credentialsToRecord(t.dev.credentials)).toEqual(held);
    const ds = t.dev.credentials.trustAnchors.find((c) => c.role === 2 && c.usage === 'ds')!;
    expect(toHex(ds.publicKey)).toBe(toHex(t.parties.publicKey(SUPPLIER, 'ds')));
    expect(t.verdict(oldKeyCommand)).toBe('SIGNATURE_INVALID');
    expect(
      t.verdict(
        t.send(SUPPLIER, 6002n, {
          messageCode: 0x000c,
          payload: Uint8Array.of(0x30, 0x04, 0x03, 0x02, 0x07, 0x80),
        }),
      ),
    ).toBe('ACCEPTED');
  });
});

describe('state files written before credentials were durable', () => {
  it('a device whose state records CS02b cells and a CS02d key pair the old way holds them', () => {
    const { keys, esme, clock } = setup('legacy-state');
    const provisioned = provisionedCredentials(keys, esme.eui);
    const newCell = { ...provisioned.trustAnchors.find((c) => c.role === 2 && c.usage === 'ds')! };
    newCell.publicKey = crypto.publicKeyOf(crypto.sha256(Uint8Array.of(1)));
    const ka = crypto.sha256(Uint8Array.of(2));
    const state: DeviceState = {
      eui: esme.eui,
      deviceType: 'ESME',
      antiReplay: { '2': '42' },
      alertCounter: '0',
      model: {
        trustAnchorCells: [{ ...newCell, publicKey: toHex(newCell.publicKey) }],
        securityCredentials: {
          pending: {},
          installed: {
            ka: {
              privateKey: toHex(ka),
              publicKey: toHex(crypto.publicKeyOf(ka)),
              certificate: '3000',
              installedAt: 0,
            },
          },
          unsentAlerts: [],
        },
      },
    };
    const dev = new Device({
      eui: esme.eui,
      deviceType: 'ESME',
      credentials: provisioned,
      crypto,
      clock,
      model: modelFor('ESME'),
      state,
    });
    const ds = dev.credentials.trustAnchors.find((c) => c.role === 2 && c.usage === 'ds')!;
    expect(toHex(ds.publicKey)).toBe(toHex(newCell.publicKey));
    expect(toHex(dev.credentials.ka.privateKey!)).toBe(toHex(ka));
    expect(dev.credentials.trustAnchors).toHaveLength(provisioned.trustAnchors.length);
    expect(dev.state.model.trustAnchorCells).toBeUndefined();
  });
});

describeShared('the issue scenario on RTDS through the CLI (replay --keep-state)', () => {
  it('ECS52, ECS52, recovery CS02b, the same CS02b, the old ECS52: accepted, then refused as replays', () => {
    const bin = BIN;
    const ecs52 = join(RTDS_DIR, '11.2_ECS52', 'ECS52_11.2_SUCCESS_COMMAND_GBCS.HEX');
    const cs02b = join(
      RTDS_DIR,
      'NA_CS02bAnyExceptAbnormalRootByRecovery',
      'CS02bAnyExceptAbnormalRootByRecovery_NA_SUCCESS_COMMAND_GBCS.HEX',
    );
    const r = spawnSync(
      bin,
      [
        'replay',
        '--json',
        '--keep-state',
        '--keystore',
        RTDS_KEYSTORE_DIR,
        ecs52,
        ecs52,
        cs02b,
        cs02b,
        ecs52,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const lines = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { messageCode: number; accepted: boolean; reason: string | null });
    expect(lines.map((l) => [l.messageCode, l.accepted, l.reason])).toEqual([
      [0x0059, true, null],
      [0x0059, false, 'REPLAY'],
      [0x0108, true, null],
      [0x0108, false, 'REPLAY'],
      [0x0059, false, 'REPLAY'],
    ]);
    expect(r.status).toBe(1); // refused inputs
  });
});
