/**
 * The device pipeline (DESIGN §1) on the deterministic test premises: acceptance, rejection
 * reasons, no state change on rejection (property), durable anti-replay floors, and the GBCS §18.4
 * cryptographic test vector accepted by a device built from its raw keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../../protocol/bytes.ts';
import { createCrypto } from '../../../protocol/crypto/index.ts';
import { VirtualClock } from '../../../sim/clock.ts';
import { Device, type DeviceState } from '../../../sim/device/device.ts';
import { HeadEnd } from '../../../sim/head-end/head-end.ts';
import { DEFAULT_SCENARIO, partyEui } from '../../../sim/head-end/scenario.ts';
import { modelFor } from '../../../sim/models/index.ts';
import { DEFAULT_PREMISES } from '../../../sim/premises/premises.ts';
import { FileStateStore } from '../../../sim/store/state-store.ts';
import { deviceLike, restartable, setupPremises } from '../../fixtures/premises.ts';
import { describeShared, readSharedJson } from '../../fixtures/shared.ts';

const crypto = createCrypto('noble');

function setup() {
  const { clock, keys, premises, headEnd } = setupPremises('device-test', Date.UTC(2026, 0, 1), crypto);
  const esme = premises.devices.get(DEFAULT_PREMISES.esme)!;
  return { clock, keys, premises, headEnd, esme };
}

const step = (label: string) => DEFAULT_SCENARIO.find((s) => s.label.includes(label))!;

describe('device pipeline', () => {
  it('accepts a critical command and answers with a signed response', () => {
    const { headEnd, esme } = setup();
    const s = step('open the load switch');
    const cmd = headEnd.buildCommand({
      originatorId: partyEui('supplier'),
      recipientId: esme.eui,
      messageCode: s.messageCode,
      payload: s.payload,
    });
    const out = esme.handle(cmd.bytes);
    expect(out.accepted).toBe(true);
    if (!out.accepted) return;
    const check = headEnd.checkResponse(cmd.header, out.response);
    expect(check).toMatchObject({ ok: true, signature: 'valid', mac: 'absent' });
    expect(esme.state.antiReplay['2']).toBe(cmd.header.originatorCounter.toString());
  });

  it('gives the documented reason for each broken rule', () => {
    const { headEnd, esme, keys } = setup();
    const s = step('read the load switch status');
    const build = (o: Partial<Parameters<HeadEnd['buildCommand']>[0]> = {}) =>
      headEnd.buildCommand({
        originatorId: partyEui('supplier'),
        recipientId: esme.eui,
        messageCode: s.messageCode,
        payload: s.payload,
        ...o,
      }).bytes;
    expect(esme.handle(Uint8Array.of(0xdd, 0x00)).accepted).toBe(false);
    const r = (b: Uint8Array) => {
      const o = esme.handle(b);
      return o.accepted ? 'ACCEPTED' : o.rejection.reason;
    };
    expect(r(Uint8Array.of(0xdd, 0x00))).toBe('DECODE');
    expect(r(build({ recipientId: DEFAULT_PREMISES.gsme }))).toBe('NOT_FOR_ME');
    expect(r(build({ messageCode: 0x0074 }))).toBe('WRONG_DEVICE_TYPE'); // GCS13a to an ESME
    expect(r(build({ messageCode: 0x1001 }))).toBe('UNKNOWN_MESSAGE_CODE'); // an alert code
    // 0x00D5 (GBCS: the DCC's Failure to Deliver alert) names no use case and no device type.
    expect(r(build({ messageCode: 0x00d5 }))).toBe('UNKNOWN_MESSAGE_CODE');
    // PECS01 (0x0116): HAN-only, PPMID → ESME; the Supplier may not send it over the WAN.
    expect(r(build({ messageCode: 0x0116 }))).toBe('NOT_AUTHORISED');
    expect(r(build({ messageCode: 0x0050, sign: false }))).toBe('SIGNATURE_MISSING'); // critical ECS43 unsigned
    expect(r(build({ mac: false }))).toBe('MAC_MISSING');
    // A party unknown to the device (no trust anchor) …
    const stranger = new HeadEnd({
      crypto,
      acbId: partyEui('acb'),
      clock: new VirtualClock(),
      keys: {
        publicKey: (eui, u) => keys.publicKey(eui, u),
        privateKey: (eui, u) => keys.privateKey(eui, u),
      },
    });
    expect(
      r(
        stranger.buildCommand({
          originatorId: 'ab000000000a0000',
          recipientId: esme.eui,
          messageCode: s.messageCode,
          payload: s.payload,
        }).bytes,
      ),
    ).toBe('NO_TRUST_ANCHOR');
    // … and a party whose role may not send the use case (Network Operator sending ECS10).
    expect(
      r(
        build({
          originatorId: partyEui('networkOperator'),
          messageCode: 0x0021,
          payload: step('send a message').payload,
        }),
      ),
    ).toBe('NOT_AUTHORISED');
    // Genuinely signed and MAC'd, but the payload is not in the use case's encoding (DLMS for ECS45).
    expect(r(build({ payload: Uint8Array.of(0x30, 0x00) }))).toBe('DECODE');
    expect(r(build({ payload: Uint8Array.of(0xff, 0xff, 0xff, 0xff) }))).toBe('DECODE');
    const ok = build();
    expect(r(ok)).toBe('ACCEPTED');
    expect(r(ok)).toBe('REPLAY');
  });

  it('property: any single-byte change of a valid command is rejected and changes nothing', () => {
    const { headEnd, esme } = setup();
    const cmds = DEFAULT_SCENARIO.filter((s) => s.device === 'esme').map(
      (s) =>
        headEnd.buildCommand({
          originatorId: partyEui(s.from),
          recipientId: esme.eui,
          messageCode: s.messageCode,
          payload: s.payload,
        }).bytes,
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: cmds.length - 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (i, pos, xor) => {
          const b = cmds[i]!.slice();
          b[pos % b.length]! ^= xor;
          const before = JSON.stringify(esme.state);
          const out = esme.handle(b);
          expect(out.accepted).toBe(false);
          expect(JSON.stringify(esme.state)).toBe(before);
        },
      ),
      { numRuns: 600 },
    );
  });
});

describe('Z per trust-anchor cell', () => {
  it('a device computes the ACB Z once, keeps it whatever other devices do, and again after new credentials', () => {
    const { keys, headEnd, esme } = setup();
    let ecdh = 0;
    const dev = deviceLike(esme, crypto, {
      model: modelFor('ESME'),
      ecdh: (a, b) => {
        ecdh++;
        return crypto.ecdh(a, b);
      },
    });
    const s = step('read the ESME firmware version');
    const send = () => {
      const cmd = headEnd.buildCommand({
        originatorId: partyEui('networkOperator'),
        recipientId: dev.eui,
        messageCode: s.messageCode,
        payload: s.payload,
      });
      const out = dev.handle(cmd.bytes);
      expect(out.accepted).toBe(true);
      return out;
    };
    send();
    // The ACB's Z (verify the MAC) and the Network Operator's (MAC the response).
    expect(ecdh).toBe(2);
    for (let i = 0; i < 3; i++) send();
    expect(ecdh).toBe(2);
    // New credentials (same keys, new record): the Zs are recomputed, not trusted from before.
    dev.replaceCredentials({ ...dev.credentials, trustAnchors: [...keys.trustAnchors()] });
    send();
    expect(ecdh).toBe(4);
  });
});

describe('durable anti-replay floors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbcs-sim-state-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a restarted device (new object, same state file) still refuses the old command', () => {
    const { headEnd, esme, keys } = setup();
    const store = new FileStateStore<DeviceState>(dir);
    const make = restartable(esme, store, crypto, keys);
    const s = step('read the load switch status');
    const cmd = headEnd.buildCommand({
      originatorId: partyEui('supplier'),
      recipientId: esme.eui,
      messageCode: s.messageCode,
      payload: s.payload,
    });
    expect(make().handle(cmd.bytes).accepted).toBe(true);
    const restarted = make();
    expect(restarted.state.antiReplay['2']).toBe(cmd.header.originatorCounter.toString());
    const again = restarted.handle(cmd.bytes);
    expect(again.accepted ? 'ACCEPTED' : again.rejection.reason).toBe('REPLAY');
  });
});

describeShared('GBCS §18.4 cryptographic test vector (../shared/vectors/henrygiraldo-gbcs.json)', () => {
  it('a device built from the vector keys accepts the critical ECS04b command', () => {
    const v = readSharedJson('vectors', 'henrygiraldo-gbcs.json').vectors[0];
    const raw = (hex: string) => fromHex(`04${hex}`);
    const supplier = v.keys.supplierA.id.toLowerCase();
    const acb = 'abababababababab';
    const acbPriv = fromHex(v.keys.acb.kaPrivateKey_raw32);
    const dev = new Device({
      eui: v.keys.deviceA.id.toLowerCase(),
      deviceType: 'ESME',
      credentials: {
        ds: { publicKey: raw(v.keys.deviceA.dsPublicKey_rawXY64), privateKey: null },
        ka: { publicKey: raw(v.keys.deviceA.kaPublicKey_rawXY64), privateKey: null },
        trustAnchors: [
          {
            role: 2,
            usage: 'ds',
            cell: 'management',
            subjectUniqueId: supplier,
            publicKey: raw(v.keys.supplierA.dsPublicKey_rawXY64),
          },
          {
            role: 4,
            usage: 'ka',
            cell: 'management',
            subjectUniqueId: acb,
            publicKey: crypto.publicKeyOf(acbPriv),
          },
        ],
      },
      crypto,
      clock: new VirtualClock(),
      model: modelFor('ESME'),
      peerPrivateKeys: (eui) => (eui === acb ? [acbPriv] : []),
    });
    // The device derives Z from the ACB side: the vector's intermediate value.
    expect(Buffer.from(dev.sharedSecretWith(acb, crypto.publicKeyOf(acbPriv))!).toString('hex')).toBe(
      v.expected.derived.Z_ecdh_acb_device,
    );
    const out = dev.handle(fromHex(v.hex));
    expect(out.accepted ? 'ACCEPTED' : out.rejection).toBe('ACCEPTED');
    const tampered = fromHex(v.hex);
    tampered[tampered.length - 1]! ^= 1;
    const t = dev.handle(tampered);
    expect(t.accepted ? 'ACCEPTED' : t.rejection.reason).toBe('MAC_INVALID');
  });
});
