/**
 * `replay`: feed recorded commands to virtual devices that hold the keystore's identities
 * (DESIGN §4). Each input gets a freshly provisioned device unless `keepState` is set, in which
 * case one device per recipient EUI lives across inputs (and its anti-replay floors with it).
 *
 * Provisioning from a keystore: the device's own certificates give its DS/KA public keys; every
 * organisation credential with a Remote Party Role becomes a trust-anchor cell (a keystore may hold
 * two parties of one role, e.g. two suppliers, or two key generations of one party, e.g. DCC
 * Boxed's Z1 and Z1b sets; the device then trusts each — a real device holds one cell per role).
 * Device private keys are rarely published: without the KA key the device derives Z from the
 * peer's private key (static-static ECDH gives the same Z from either side); without the DS key it
 * cannot sign genuinely, and its signed responses are reported `no-key`.
 */
import { messageBytes, toHex } from '../protocol/bytes.ts';
import { type GbcsCrypto, SharedSecretCache } from '../protocol/crypto/index.ts';
import { decodeGbcsMessage } from '../protocol/envelope.ts';
import { DecodeError } from '../protocol/errors.ts';
import {
  type MacVerdict,
  type SignatureVerdict,
  verifyMac,
  verifySignature,
} from '../protocol/security/verify.ts';
import { CraFlag, type Eui64 } from '../protocol/types.ts';
import { type DeviceType, useCaseOf } from '../protocol/use-case-catalogue.ts';
import type { Clock } from '../sim/clock.ts';
import type { TrustAnchorCell } from '../sim/device/credentials.ts';
import { Device, RejectReason } from '../sim/device/device.ts';
import { modelFor } from '../sim/models/index.ts';
import type { Keystore } from '../sim/smki/keystore.ts';
import { responseResultOf } from './decode-report.ts';

export interface ReplayOptions {
  keystore: Keystore;
  crypto: GbcsCrypto;
  clock: Clock;
  acbId: Eui64 | null;
  keepState?: boolean;
  /** Device type per EUI; otherwise the first device type of the command's use case. */
  deviceTypes?: ReadonlyMap<Eui64, DeviceType>;
}

/** One `replay --json` line; every key is always present (null when it does not apply). */
export interface ReplayResult {
  input: string;
  recipientId: Eui64 | null;
  messageCode: number | null;
  accepted: boolean;
  reason: string | null;
  detail: string | null;
  error: { code: string; offset: number; message: string } | null;
  response: string | null;
  responseCheck: { mac: MacVerdict; signature: SignatureVerdict } | null;
}

/** Trust-anchor cells for every GBCS organisation credential (roles < 0x80) of a keystore. */
export function trustAnchorsFromKeystore(ks: Keystore): TrustAnchorCell[] {
  const cells: TrustAnchorCell[] = [];
  const seen = new Set<string>();
  for (const e of ks.entries) {
    if (e.kind !== 'organisation') continue;
    // Each key generation of the slot; an organisation's DUIS XML-signing certificates (roles
    // >= 0x80) share its EUI but are not GBCS Remote Party credentials.
    for (const m of ks.keyPairs(e.eui, e.usage, e.cell)) {
      if (!m.publicKey || m.role === null || m.role >= 0x80) continue;
      const k = `${e.eui}/${e.usage}/${e.cell}/${toHex(m.publicKey)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      cells.push({
        role: m.role,
        usage: e.usage,
        cell: e.cell,
        subjectUniqueId: e.eui,
        publicKey: m.publicKey,
      });
    }
  }
  return cells;
}

/**
 * A device holding a keystore's identity: its DS/KA certificates (and private keys where published),
 * every organisation credential as a trust-anchor cell, and the peers' KA private keys to derive Z
 * from the other side. Returns a reason string when the keystore lacks the device's certificates.
 */
export function provisionFromKeystore(
  ks: Keystore,
  eui: Eui64,
  deviceType: DeviceType,
  env: { crypto: GbcsCrypto; clock: Clock; cache: SharedSecretCache; trustAnchors?: TrustAnchorCell[] },
): Device | string {
  const ds = ks.find(eui, 'ds');
  const ka = ks.find(eui, 'ka');
  if (!ds?.publicKey || !ka?.publicKey) return `the keystore has no DS and KA certificates for ${eui}`;
  return new Device({
    eui,
    deviceType,
    credentials: {
      ds: { publicKey: ds.publicKey, privateKey: ds.privateKey, certificate: ds.certificate },
      ka: { publicKey: ka.publicKey, privateKey: ka.privateKey, certificate: ka.certificate },
      trustAnchors: env.trustAnchors ?? trustAnchorsFromKeystore(ks),
    },
    crypto: env.crypto,
    clock: env.clock,
    // A device per message: Z comes from the replay's cache, keyed by the private key.
    ecdh: (priv, pub) => env.cache.get(toHex(priv), priv, pub),
    model: modelFor(deviceType),
    peerPrivateKeys: (peer) => ks.keyPairs(peer, 'ka').flatMap((p) => (p.privateKey ? [p.privateKey] : [])),
  });
}

export class Replayer {
  private readonly opts: ReplayOptions;
  private readonly cache: SharedSecretCache;
  private readonly anchors: TrustAnchorCell[];
  private readonly devices = new Map<Eui64, Device>();

  constructor(opts: ReplayOptions) {
    this.opts = opts;
    this.cache = new SharedSecretCache(opts.crypto);
    this.anchors = trustAnchorsFromKeystore(opts.keystore);
  }

  private deviceFor(eui: Eui64, messageCode: number): Device | string {
    const existing = this.opts.keepState ? this.devices.get(eui) : undefined;
    if (existing) return existing;
    const deviceType = this.opts.deviceTypes?.get(eui) ?? useCaseOf(messageCode)?.devices[0] ?? 'ESME';
    const dev = provisionFromKeystore(this.opts.keystore, eui, deviceType, {
      crypto: this.opts.crypto,
      clock: this.opts.clock,
      cache: this.cache,
      trustAnchors: this.anchors,
    });
    if (typeof dev !== 'string' && this.opts.keepState) this.devices.set(eui, dev);
    return dev;
  }

  /** The line for an input that could not be read (missing, too large, …). */
  unreadable(input: string, error: { code: string; offset: number; message: string }): ReplayResult {
    return {
      input,
      recipientId: null,
      messageCode: null,
      accepted: false,
      reason: RejectReason.DECODE,
      detail: error.message,
      error,
      response: null,
      responseCheck: null,
    };
  }

  replay(input: string, text: string): ReplayResult {
    const r: ReplayResult = {
      input,
      recipientId: null,
      messageCode: null,
      accepted: false,
      reason: null,
      detail: null,
      error: null,
      response: null,
      responseCheck: null,
    };
    let bytes: Uint8Array;
    try {
      bytes = messageBytes(text).bytes;
      const m = decodeGbcsMessage(bytes);
      if (m.form === 'gbt') {
        r.recipientId = m.block.routing.recipientId;
        r.messageCode = m.block.routing.messageCode;
        r.reason = RejectReason.GBT_BLOCK;
        r.detail = 'a GBT block reaches a device only through reassembly';
        return r;
      }
      const h = m.apdu.header;
      r.recipientId = h.recipientId;
      r.messageCode = h.messageCode;
      if (h.craFlag !== CraFlag.COMMAND) {
        r.reason = RejectReason.NOT_A_COMMAND;
        r.detail = `CRA flag ${h.craFlag} is not a command`;
        return r;
      }
      const dev = this.deviceFor(h.recipientId, h.messageCode);
      if (typeof dev === 'string') {
        r.reason = 'NO_DEVICE_KEYS';
        r.detail = dev;
        return r;
      }
      const out = dev.handle(bytes);
      if (!out.accepted) {
        r.reason = out.rejection.reason;
        r.detail = out.rejection.detail;
        r.error = out.rejection.error ?? null;
        return r;
      }
      r.accepted = true;
      r.response = toHex(out.response);
      r.responseCheck = this.checkResponse(out.response, dev);
      return r;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      r.reason = RejectReason.DECODE;
      r.detail = e.message;
      r.error = e.toJSON();
      return r;
    }
  }

  private checkResponse(bytes: Uint8Array, dev: Device): { mac: MacVerdict; signature: SignatureVerdict } {
    const m = decodeGbcsMessage(bytes);
    if (m.form === 'gbt') return { mac: 'absent', signature: 'absent' };
    const ctx = {
      crypto: this.opts.crypto,
      keys: this.opts.keystore,
      acbId: this.opts.acbId,
      cache: this.cache,
    };
    const signature =
      m.apdu.signature.kind === 'present' && dev.credentials.ds.privateKey === null
        ? 'no-key'
        : verifySignature(ctx, m);
    return { mac: verifyMac(ctx, m), signature };
  }
}

/**
 * The human-readable lines of one result (`replay` without --json): the verdict, then for an
 * accepted command its response (hex, with its MAC and signature verdicts) and what the response
 * says of the execution (`success` or `error: …`, as `decode` prints it).
 */
export function replayLines(r: ReplayResult): string[] {
  const lines = [
    `${r.input}: ${r.accepted ? 'accepted' : `rejected ${r.reason}`}${r.detail ? ` (${r.detail})` : ''}`,
  ];
  if (r.response !== null) {
    const check = r.responseCheck ? `mac=${r.responseCheck.mac} signature=${r.responseCheck.signature} ` : '';
    lines.push(`  response: ${check}${r.response}`);
    const result = responseResultOf(r.response);
    if (result !== null) lines.push(`  result: ${result}`);
  }
  return lines;
}
