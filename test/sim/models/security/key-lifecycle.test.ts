/**
 * Device key lifecycle (CS02c, CS02d, CS02e; sim/models/security/key-lifecycle.ts):
 * - RTDS 4.5.0 conformance: the RTDS commands, replayed to an ESME provisioned from the RTDS
 *   keystore, get responses of the RTDS structure (CS02c: a CertificationRequest of the same ASN.1
 *   shape; CS02d ERROR and CS02e: byte-identical payloads and headers; CS02c ERROR through the
 *   injected response code RTDS demonstrates);
 * - the whole lifecycle on the generated test PKI: CS02c → RA issues the Device Certificate from
 *   the CSR → CS02d installs it (response 0, alert 0x8F4D) → the device signs with the new key →
 *   CS02e returns the new certificate; and each CS02d response code 1–5 for its own reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Replayer, trustAnchorsFromKeystore } from '../../../../app/replay.ts';
import { fromHex, toHex } from '../../../../protocol/bytes.ts';
import { createCrypto } from '../../../../protocol/crypto/index.ts';
import {
  decodeGbcsMessage,
  type MacMessage,
  type SigningMessage,
  signedBytes,
} from '../../../../protocol/envelope.ts';
import { VirtualClock } from '../../../../sim/clock.ts';
import { Device } from '../../../../sim/device/device.ts';
import { partyEui } from '../../../../sim/head-end/scenario.ts';
import { modelFor } from '../../../../sim/models/index.ts';
import { securityCredentialsState } from '../../../../sim/models/security/key-lifecycle.ts';
import { DEFAULT_PREMISES } from '../../../../sim/premises/premises.ts';
import { checkCsr } from '../../../../sim/smki/csr.ts';
import { derKeyUsage, derSequence } from '../../../../sim/smki/der-values.ts';
import { deviceCredential, issueDeviceCertificate } from '../../../../sim/smki/generator.ts';
import { deriveTestPrivateKey } from '../../../../sim/smki/test-pki.ts';
import { readOneTlv, readTlvs, type Tlv } from '../../../../sim/smki/tlv.ts';
import { validateCertificate } from '../../../../sim/smki/validate.ts';
import { loadKeystore } from '../../../../sim/store/keystore-files.ts';
import { setupPremises } from '../../../fixtures/premises.ts';
import { describeShared, RTDS_DIR, RTDS_KEYSTORE_DIR } from '../../../fixtures/shared.ts';

const crypto = createCrypto('noble');
const ESME = '00db1234567890a0';
const ACB = '90b3d51f30000002';

const rtds = (dir: string, name: string): Uint8Array =>
  fromHex(readFileSync(join(RTDS_DIR, dir, name), 'utf8'));
const apduOf = (bytes: Uint8Array) => {
  const m = decodeGbcsMessage(bytes);
  if (m.form === 'gbt') throw new Error('GBT');
  return m.apdu;
};

/** The ASN.1 shape of a DER value: tags, recursively (lengths and primitive contents left out). */
function shape(der: Uint8Array): unknown {
  const walk = (t: Tlv): unknown =>
    (t.tag & 0x20) !== 0 ? { tag: t.tag, children: readTlvs(t.value, 'shape').map(walk) } : t.tag;
  return walk(readOneTlv(der, 'shape'));
}

describeShared('CS02c / CS02d / CS02e: RTDS 4.5.0 scenarios', () => {
  const ks = loadKeystore(RTDS_KEYSTORE_DIR);
  const clock = new VirtualClock(Date.UTC(2016, 5, 1));
  const replayer = () =>
    new Replayer({ keystore: ks, crypto, clock, acbId: ACB, deviceTypes: new Map([[ESME, 'ESME']]) });
  /** An ESME provisioned from the RTDS keystore, as the Replayer builds it (for fault injection). */
  const esme = () =>
    new Device({
      eui: ESME,
      deviceType: 'ESME',
      credentials: {
        ds: {
          publicKey: ks.publicKey(ESME, 'ds')!,
          privateKey: null,
          certificate: ks.find(ESME, 'ds')!.certificate,
        },
        ka: { publicKey: ks.publicKey(ESME, 'ka')!, privateKey: ks.privateKey(ESME, 'ka') ?? null },
        trustAnchors: trustAnchorsFromKeystore(ks),
      },
      crypto,
      clock,
      model: modelFor('ESME'),
      peerPrivateKeys: (peer) => ks.keyPairs(peer, 'ka').flatMap((p) => (p.privateKey ? [p.privateKey] : [])),
    });

  /** Our response and RTDS's agree on everything the device controls but the signature (its DS key is not published). */
  function expectSameHeader(ours: Uint8Array, theirs: Uint8Array) {
    const a = apduOf(ours);
    const b = apduOf(theirs);
    expect(a.header).toEqual(b.header);
    expect(a.signature.kind).toBe('present');
  }

  it('CS02c SUCCESS: a CertificationRequest of the RTDS shape for a new DS key pair', () => {
    const r = replayer().replay('CS02c', toHex(rtds('6.17_CS02c', 'CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX')));
    expect(r).toMatchObject({ accepted: true, reason: null });
    const ours = fromHex(r.response!);
    const theirs = rtds('6.17_CS02c', 'CS02c_6.17_SUCCESS_RESPONSE_GBCS.HEX');
    expectSameHeader(ours, theirs);
    const csr = apduOf(ours).payload;
    const rtdsCsr = apduOf(theirs).payload;
    expect(shape(csr)).toEqual(shape(rtdsCsr));
    // Everything before the public key is identical; the extensionRequest after it too.
    expect(toHex(csr.subarray(0, 35))).toBe(toHex(rtdsCsr.subarray(0, 35)));
    expect(toHex(csr.subarray(103, 193))).toBe(toHex(rtdsCsr.subarray(103, 193)));
    const check = checkCsr(csr, crypto);
    expect(check.ok).toBe(true);
    expect(check.csr).toMatchObject({ kind: 'device', eui: ESME, usage: 'ds' });
    // The RTDS CSR passes the same checks.
    expect(checkCsr(rtdsCsr, crypto)).toMatchObject({
      ok: true,
      csr: { kind: 'device', eui: ESME, usage: 'ds' },
    });
  });

  it('CS02c ERROR: the RTDS response code 3 (CR production failed), through fault injection', () => {
    const cmd = rtds('6.17_CS02c', 'CS02c_6.17_ERROR_COMMAND_GBCS.HEX');
    const theirs = rtds('6.17_CS02c', 'CS02c_6.17_ERROR_RESPONSE_GBCS.HEX');
    const dev = esme();
    dev.injectFault({ kind: 'asn1-status', messageCode: 0x000a, status: 3 });
    const out = dev.handle(cmd);
    expect(out.accepted).toBe(true);
    if (!out.accepted) return;
    expect(toHex(apduOf(out.response).payload)).toBe('020103');
    expectSameHeader(out.response, theirs);
    expect(toHex(out.response.subarray(0, -64))).toBe(toHex(theirs.subarray(0, -64)));
    // The fault left nothing pending; without it the same command gets a KA CertificationRequest.
    expect(securityCredentialsState(dev).pending).toEqual({});
    const plain = esme().handle(cmd);
    expect(plain.accepted && checkCsr(apduOf(plain.response).payload, crypto).csr?.usage).toBe('ka');
  });

  it('CS02d ERROR: a certificate with keyUsage nonRepudiation gets 3 (invalid key usage), byte for byte', () => {
    const r = replayer().replay('CS02d', toHex(rtds('6.15.2_CS02d', 'CS02d_6.15.2_ERROR_COMMAND_GBCS.HEX')));
    expect(r).toMatchObject({ accepted: true, reason: null });
    const ours = fromHex(r.response!);
    const theirs = rtds('6.15.2_CS02d', 'CS02d_6.15.2_ERROR_RESPONSE_GBCS.HEX');
    expect(toHex(apduOf(ours).payload)).toBe('020103');
    expect(toHex(ours.subarray(0, -64))).toBe(toHex(theirs.subarray(0, -64)));
  });

  it('CS02e SUCCESS: the DS certificate held, byte for byte', () => {
    const r = replayer().replay(
      'CS02e',
      toHex(rtds('6.24.2_CS02e', 'CS02e_6.24.2_SUCCESS_COMMAND_GBCS.HEX')),
    );
    expect(r).toMatchObject({ accepted: true, reason: null });
    const ours = fromHex(r.response!);
    const theirs = rtds('6.24.2_CS02e', 'CS02e_6.24.2_SUCCESS_RESPONSE_GBCS.HEX');
    expect(toHex(ours.subarray(0, -64))).toBe(toHex(theirs.subarray(0, -64)));
    expect(validateCertificate(apduOf(ours).payload)).toMatchObject({ ok: true, kind: 'device' });
  });
});

describe('device key lifecycle on the generated test PKI', () => {
  function setup() {
    const { clock, keys, premises, headEnd } = setupPremises('lifecycle', Date.UTC(2026, 0, 1, 8), crypto);
    const dev = premises.devices.get(DEFAULT_PREMISES.esme)!;
    const send = (messageCode: number, payload: Uint8Array) => {
      const cmd = headEnd.buildCommand({
        originatorId: partyEui('supplier'),
        recipientId: dev.eui,
        messageCode,
        payload,
      });
      const out = dev.handle(cmd.bytes);
      if (!out.accepted) throw new Error(`${out.rejection.reason}: ${out.rejection.detail}`);
      return out;
    };
    return { clock, keys, dev, send };
  }
  const kuCommand = (usage: 'digitalSignature' | 'keyAgreement') => derSequence(derKeyUsage([usage]));
  const payloadOf = (bytes: Uint8Array) => apduOf(bytes).payload;
  const verifySigned = (bytes: Uint8Array, publicKey: Uint8Array) => {
    const m = decodeGbcsMessage(bytes) as MacMessage | SigningMessage;
    return (
      m.apdu.signature.kind === 'present' && crypto.verify(publicKey, signedBytes(m), m.apdu.signature.value)
    );
  };

  it('CS02e returns the device certificate the test PKI issued', () => {
    const { keys, dev, send } = setup();
    const out = send(0x000c, kuCommand('keyAgreement'));
    expect(toHex(payloadOf(out.response))).toBe(toHex(keys.certificate(dev.eui, 'ka')));
    expect(
      validateCertificate(payloadOf(out.response), {
        issuers: [keys.pki().rootDca.certificate, keys.pki().issuingDca.certificate],
      }),
    ).toMatchObject({
      ok: true,
      kind: 'device',
      chain: { status: 'verified' },
    });
  });

  it('CS02c → issue → CS02d installs the new DS credential; the device then signs with it; CS02e reads it', () => {
    const { keys, dev, send, clock } = setup();
    const oldKey = dev.credentials.ds.publicKey;
    const csr = checkCsr(payloadOf(send(0x000a, kuCommand('digitalSignature')).response), crypto);
    expect(csr.ok).toBe(true);
    const pki = keys.pki();
    const cert = issueDeviceCertificate(pki.issuingDca, {
      eui: dev.eui,
      usage: 'ds',
      publicKey: csr.csr!.publicKey!,
      notBefore: clock.now(),
      serial: fromHex('41'.repeat(16)),
    });
    clock.advance(60_000);
    const upd = send(0x000b, cert);
    expect(toHex(payloadOf(upd.response))).toBe('020100');
    expect(verifySigned(upd.response, csr.csr!.publicKey!)).toBe(true);
    expect(verifySigned(upd.response, oldKey)).toBe(false);
    expect(upd.alerts?.map((a) => a.alertCode)).toEqual([0x8f4d]);
    const read = send(0x000c, kuCommand('digitalSignature'));
    expect(toHex(payloadOf(read.response))).toBe(toHex(cert));
    expect(verifySigned(read.response, csr.csr!.publicKey!)).toBe(true);
    // A device rebuilt from its state gets the installed credential back.
    const rebuilt = new Device({
      eui: dev.eui,
      deviceType: 'ESME',
      credentials: { ...dev.credentials, ds: { publicKey: oldKey, privateKey: null } },
      crypto,
      clock,
      model: modelFor('ESME'),
      state: structuredClone(dev.state),
    });
    expect(toHex(rebuilt.credentials.ds.certificate!)).toBe(toHex(cert));
    expect(toHex(rebuilt.credentials.ds.privateKey!)).toBe(toHex(dev.credentials.ds.privateKey!));
  });

  it('CS02d KA: the new KA key takes over the MAC of later responses', () => {
    const { keys, dev, send, clock } = setup();
    const csr = checkCsr(payloadOf(send(0x000a, kuCommand('keyAgreement')).response), crypto);
    const cert = issueDeviceCertificate(keys.pki().issuingDca, {
      eui: dev.eui,
      usage: 'ka',
      publicKey: csr.csr!.publicKey!,
      notBefore: clock.now(),
      serial: fromHex('42'.repeat(16)),
    });
    const upd = send(0x000b, cert);
    expect(toHex(payloadOf(upd.response))).toBe('020100');
    expect(upd.alerts?.map((a) => a.alertCode)).toEqual([0x8f4f]);
    expect(toHex(dev.credentials.ka.publicKey)).toBe(toHex(csr.csr!.publicKey!));
  });

  it('CS02d answers 1–5, each for its own reason, and changes no credential', () => {
    const { keys, dev, send, clock } = setup();
    const pki = keys.pki();
    const issue = (o: { eui?: string; usage?: 'ds' | 'ka'; publicKey: Uint8Array }, serial: string) =>
      issueDeviceCertificate(pki.issuingDca, {
        eui: o.eui ?? dev.eui,
        usage: o.usage ?? 'ds',
        publicKey: o.publicKey,
        notBefore: clock.now(),
        serial: fromHex(serial.repeat(16)),
      });
    const other = deviceCredential(pki, deriveTestPrivateKey, 'd0000000000000ff', 'ds');
    const before = { ...dev.credentials.ds };
    // 4: no CS02c key pair pending yet.
    expect(toHex(payloadOf(send(0x000b, issue({ publicKey: other.publicKey }, '43')).response))).toBe(
      '020104',
    );
    const csr = checkCsr(payloadOf(send(0x000a, kuCommand('digitalSignature')).response), crypto).csr!;
    // 1: an organisation certificate is not a device certificate.
    expect(toHex(payloadOf(send(0x000b, pki.organisations[0]!.certificate).response))).toBe('020101');
    // 2: a certificate for another device.
    expect(
      toHex(
        payloadOf(send(0x000b, issue({ eui: 'd0000000000000ff', publicKey: csr.publicKey! }, '44')).response),
      ),
    ).toBe('020102');
    // 5: the pending usage, the wrong key.
    expect(toHex(payloadOf(send(0x000b, issue({ publicKey: other.publicKey }, '45')).response))).toBe(
      '020105',
    );
    // 4 again: a KA certificate while only a DS key pair is pending.
    expect(
      toHex(payloadOf(send(0x000b, issue({ usage: 'ka', publicKey: csr.publicKey! }, '46')).response)),
    ).toBe('020104');
    expect(dev.credentials.ds).toEqual(before);
    expect(securityCredentialsState(dev).installed).toEqual({});
    // 1 (CS02c): a key usage that is neither DS nor KA.
    expect(toHex(payloadOf(send(0x000a, derSequence(derKeyUsage(['keyCertSign']))).response))).toBe('020101');
    expect(
      toHex(payloadOf(send(0x000c, derSequence(derKeyUsage(['digitalSignature', 'keyAgreement']))).response)),
    ).toBe('020101');
  });

  it('any payload: CS02c/d/e never throw and only a valid certificate for the pending key changes credentials', () => {
    const { dev, send } = setup();
    const before = structuredClone(dev.credentials);
    fc.assert(
      fc.property(
        fc.constantFrom(0x000a, 0x000b, 0x000c),
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.uint8Array({ maxLength: 40 }).map((b) => derSequence(b)),
        ),
        (code, payload) => {
          try {
            const out = send(code, payload);
            expect(out.accepted).toBe(true);
          } catch (e) {
            // Refused by the pipeline (a payload that does not decode): a reason, not a crash.
            expect(String(e)).toMatch(/^Error: [A-Z_]+:/);
          }
          expect(dev.credentials).toEqual(before);
        },
      ),
      { numRuns: 60 },
    );
  });
});
