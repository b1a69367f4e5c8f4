/**
 * `replay` over the RTDS 4.5.0 commands: every command to a device whose keys the RTDS keystore
 * holds is accepted; copies with one byte changed in the MAC, the signature, the counter or the
 * payload are rejected with the right reason, and nothing changes on the device.
 */
import { beforeAll, expect, it } from 'vitest';
import { Replayer } from '../../app/replay.ts';
import { fromHex, toHex } from '../../protocol/bytes.ts';
import {
  createCrypto,
  deriveKey,
  gbcsMac,
  gcmIv,
  kdfOtherInfo,
  SharedSecretCache,
} from '../../protocol/crypto/index.ts';
import { decodeGbcsMessage, encodeMacMessage, macAadFor } from '../../protocol/envelope.ts';
import {
  encodeGeneralSigning,
  type GroupingHeader,
  type SignatureField,
} from '../../protocol/grouping-header.ts';
import { VirtualClock } from '../../sim/clock.ts';
import type { Keystore } from '../../sim/smki/keystore.ts';
import { loadKeystore } from '../../sim/store/keystore-files.ts';
import { describeShared, RTDS_KEYSTORE_DIR, rtdsVectors } from '../fixtures/shared.ts';

const ACB = '90b3d51f30000002';
const crypto = createCrypto('noble');

describeShared('replay: RTDS 4.5.0 commands', () => {
  let ks: Keystore;
  let cache: SharedSecretCache;
  beforeAll(() => {
    ks = loadKeystore(RTDS_KEYSTORE_DIR);
    cache = new SharedSecretCache(crypto);
  });
  const commands = rtdsVectors().filter((v) => v.role === 'COMMAND');
  const replayer = (keepState = false) =>
    new Replayer({ keystore: ks, crypto, clock: new VirtualClock(), acbId: ACB, keepState });

  /** Re-encodes a (possibly altered) command and MACs it as the ACB would. */
  function remac(h: GroupingHeader, payload: Uint8Array, signature: SignatureField): Uint8Array {
    const apdu = encodeGeneralSigning(h, payload, signature);
    const z = cache.get(`${ACB}/ka`, ks.privateKey(ACB, 'ka')!, ks.publicKey(h.recipientId, 'ka')!);
    const key = deriveKey(crypto, z, kdfOtherInfo(h.originatorId, 1, h.originatorCounter, h.recipientId));
    return encodeMacMessage(apdu, gbcsMac(crypto, key, gcmIv(h.originatorId), macAadFor(apdu)));
  }

  it('accepts every command whose device keys the keystore holds (all but the HAN-only PCS ones)', () => {
    const r = replayer();
    const rejected = commands
      .map((v) => ({ id: v.id, res: r.replay(v.id, v.hex) }))
      .filter((x) => !x.res.accepted)
      .map((x) => `${x.id}:${x.res.reason}`);
    expect(rejected).toEqual([
      'PCS01_NA_SUCCESS_COMMAND:NO_TRUST_ANCHOR',
      'PCS02_NA_SUCCESS_COMMAND:NO_TRUST_ANCHOR',
    ]);
    expect(commands.length).toBe(335);
  });

  it('answers with responses whose MAC verifies (and signed responses without the device DS key are no-key)', () => {
    const r = replayer();
    for (const v of commands.filter((c) => !c.id.startsWith('PCS'))) {
      const res = r.replay(v.id, v.hex);
      expect(res.responseCheck, v.id).not.toBeNull();
      const { mac, signature } = res.responseCheck!;
      expect([mac, signature].sort(), v.id).toSatisfy(
        (p: string[]) => (p[0] === 'null' && p[1] === 'valid') || (p[0] === 'absent' && p[1] === 'no-key'),
      );
    }
  });

  it('rejects one changed byte in the MAC, signature, counter or payload with the right reason', () => {
    const reasons = new Map<string, number>();
    const note = (k: string) => reasons.set(k, (reasons.get(k) ?? 0) + 1);
    for (const v of commands.filter((c) => !c.id.startsWith('PCS'))) {
      const bytes = fromHex(v.hex);
      const m = decodeGbcsMessage(bytes);
      if (m.form === 'gbt') throw new Error('unexpected');
      const h = m.apdu.header;
      const fresh = () => replayer();

      if (m.form === 'mac') {
        // MAC byte changed.
        const t = bytes.slice();
        t[t.length - 5]! ^= 0x01;
        const res = fresh().replay(v.id, toHex(t));
        expect(res.reason, `${v.id} mac`).toBe('MAC_INVALID');
        note('mac→MAC_INVALID');
        // Payload byte changed, MAC left as is.
        const p = bytes.slice();
        p[m.apdu.payloadOffset + m.apdu.payload.length - 1]! ^= 0x01;
        expect(fresh().replay(v.id, toHex(p)).reason, `${v.id} payload`).toBe('MAC_INVALID');
        note('payload→MAC_INVALID');
        // Counter changed, MAC left as is (the counter is in the KDF and the AAD).
        const c = bytes.slice();
        c[m.apdu.start + 10]! ^= 0x01;
        expect(fresh().replay(v.id, toHex(c)).reason, `${v.id} counter`).toBe('MAC_INVALID');
        note('counter→MAC_INVALID');
      }
      if (m.apdu.signature.kind === 'present') {
        // Signature byte changed, then re-MAC'd by the ACB: only the signature can catch it.
        const sig = m.apdu.signature.value.slice();
        sig[40]! ^= 0x01;
        const forged =
          m.form === 'mac'
            ? remac(h, m.apdu.payload, { kind: 'present', value: sig })
            : encodeGeneralSigning(h, m.apdu.payload, { kind: 'present', value: sig });
        expect(fresh().replay(v.id, toHex(forged)).reason, `${v.id} signature`).toBe('SIGNATURE_INVALID');
        note('signature→SIGNATURE_INVALID');
        if (m.form === 'mac') {
          // Payload changed and re-MAC'd: the originator's signature no longer matches.
          const payload = m.apdu.payload.slice();
          payload[payload.length - 1]! ^= 0x01;
          const res = fresh().replay(v.id, toHex(remac(h, payload, m.apdu.signature)));
          expect(res.reason, `${v.id} payload+remac`).toBe('SIGNATURE_INVALID');
          note('payload+remac→SIGNATURE_INVALID');
        }
      } else if (m.form === 'mac') {
        // A non-critical command re-MAC'd with a lower counter after the original: a replay.
        const r = replayer(true);
        expect(r.replay(v.id, v.hex).accepted).toBe(true);
        const lower = remac(
          { ...h, originatorCounter: h.originatorCounter - 1n },
          m.apdu.payload,
          m.apdu.signature,
        );
        const reason = r.replay(v.id, toHex(lower)).reason;
        if (h.messageCode === 0x0104) {
          // CS02b accessControlBrokerByACB replaced the ACB's KA cell: the old key no longer MACs
          // anything for this device, so the copy fails before the counter is even looked at.
          expect(reason, `${v.id} lower counter after ACB replacement`).toBe('NO_TRUST_ANCHOR');
          note('lower counter after ACB replacement→NO_TRUST_ANCHOR');
        } else {
          expect(reason, `${v.id} lower counter`).toBe('REPLAY');
          note('lower counter→REPLAY');
        }
      }
    }
    // 333 commands: 330 MAC'd (125 of them signed), 3 signed-only (DF) — as the vectors classify them.
    expect(Object.fromEntries(reasons)).toEqual({
      'mac→MAC_INVALID': 330,
      'payload→MAC_INVALID': 330,
      'counter→MAC_INVALID': 330,
      'signature→SIGNATURE_INVALID': 128,
      'payload+remac→SIGNATURE_INVALID': 125,
      'lower counter→REPLAY': 204,
      'lower counter after ACB replacement→NO_TRUST_ANCHOR': 1,
    });
  });

  it('the same command twice on a kept device: accepted, then REPLAY; the floor survives only accepted commands', () => {
    const r = replayer(true);
    const v = commands.find((c) => c.id.startsWith('ECS42'))!;
    expect(r.replay(v.id, v.hex).accepted).toBe(true);
    expect(r.replay(v.id, v.hex).reason).toBe('REPLAY');
  });
});
