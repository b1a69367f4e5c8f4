/**
 * `replay`: feed recorded commands to virtual devices that hold the keystore's identities
 * (DESIGN §4). Each input gets a freshly provisioned device unless `keepState` is set, in which
 * case one device per recipient EUI lives across inputs (and its anti-replay floors with it).
 *
 * Provisioning from a keystore: the device's own certificates give its DS/KA public keys; every
 * organisation entry with a Remote Party Role becomes a trust-anchor cell (a keystore may hold two
 * parties of one role, e.g. two suppliers; the device then trusts both — a real device holds one
 * cell per role). Device private keys are rarely published: without the KA key the device derives
 * Z from the peer's private key (static-static ECDH gives the same Z from either side); without the
 * DS key it cannot sign genuinely, and its signed responses are reported `no-key`.
 */

import { fromHex, toHex } from '../protocol/bytes.ts';
import { type GbcsCrypto, SharedSecretCache } from '../protocol/crypto/index.ts';
import { decodeGbcsMessage } from '../protocol/envelope.ts';
import { DecodeError } from '../protocol/errors.ts';
import type { Eui64 } from '../protocol/types.ts';
import { type DeviceType, useCaseOf } from '../protocol/use-case-catalogue.ts';
import { type MacVerdict, type SignatureVerdict, verifyMac, verifySignature } from '../protocol/verify.ts';
import type { Clock } from './clock.ts';
import type { TrustAnchorCell } from './credentials.ts';
import { Device, RejectReason } from './device.ts';
import { createExecutor } from './executors/index.ts';
import type { Keystore } from './keystore.ts';

export interface ReplayOptions {
  keystore: Keystore;
  crypto: GbcsCrypto;
  clock: Clock;
  acbId: Eui64 | null;
  keepState?: boolean;
  /** Device type per EUI; otherwise the first device type of the command's use case. */
  deviceTypes?: ReadonlyMap<Eui64, DeviceType>;
}

export interface ReplayResult {
  input: string;
  recipientId: Eui64 | null;
  messageCode: number | null;
  accepted: boolean;
  reason: string | null;
  detail?: string;
  error?: { code: string; offset: number; message: string };
  response: string | null;
  responseCheck: { mac: MacVerdict; signature: SignatureVerdict } | null;
}

export function trustAnchorsFromKeystore(ks: Keystore): TrustAnchorCell[] {
  const cells: TrustAnchorCell[] = [];
  for (const e of ks.entries) {
    if (e.kind !== 'organisation') continue;
    if (cells.some((c) => c.subjectUniqueId === e.eui && c.usage === e.usage && c.cell === e.cell)) continue;
    // The best credential of the slot decides the role: an organisation's DUIS XML-signing
    // certificates (roles >= 0x80) share its EUI but are not GBCS Remote Party credentials.
    const best = ks.find(e.eui, e.usage, e.cell);
    if (!best?.publicKey || best.role === null || best.role >= 0x80) continue;
    cells.push({
      role: best.role,
      usage: e.usage,
      cell: e.cell,
      subjectUniqueId: e.eui,
      publicKey: best.publicKey,
    });
  }
  return cells;
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
    const ks = this.opts.keystore;
    const ds = ks.publicKey(eui, 'ds');
    const ka = ks.publicKey(eui, 'ka');
    if (!ds || !ka) return `the keystore has no DS and KA certificates for ${eui}`;
    const deviceType = this.opts.deviceTypes?.get(eui) ?? useCaseOf(messageCode)?.devices[0] ?? 'ESME';
    const dev = new Device({
      eui,
      deviceType,
      credentials: {
        ds: { publicKey: ds, privateKey: ks.privateKey(eui, 'ds') ?? null, certificate: ks.find(eui, 'ds')?.certificate ?? null },
        ka: { publicKey: ka, privateKey: ks.privateKey(eui, 'ka') ?? null, certificate: ks.find(eui, 'ka')?.certificate ?? null },
        trustAnchors: this.anchors,
      },
      crypto: this.opts.crypto,
      clock: this.opts.clock,
      cache: this.cache,
      executor: createExecutor(deviceType),
      peerPrivateKey: (peer) => ks.privateKey(peer, 'ka'),
    });
    if (this.opts.keepState) this.devices.set(eui, dev);
    return dev;
  }

  replay(input: string, text: string): ReplayResult {
    const base = { input, response: null, responseCheck: null };
    let bytes: Uint8Array;
    try {
      bytes = fromHex(text);
      const m = decodeGbcsMessage(bytes);
      if (m.form === 'gbt') {
        return {
          ...base,
          recipientId: m.block.routing.recipientId,
          messageCode: m.block.routing.messageCode,
          accepted: false,
          reason: RejectReason.GBT_BLOCK,
        };
      }
      const h = m.apdu.header;
      const dev = this.deviceFor(h.recipientId, h.messageCode);
      if (typeof dev === 'string') {
        return {
          ...base,
          recipientId: h.recipientId,
          messageCode: h.messageCode,
          accepted: false,
          reason: 'NO_DEVICE_KEYS',
          detail: dev,
        };
      }
      const out = dev.handle(bytes);
      if (!out.accepted) {
        return {
          ...base,
          recipientId: h.recipientId,
          messageCode: h.messageCode,
          accepted: false,
          reason: out.rejection.reason,
          detail: out.rejection.detail,
        };
      }
      return {
        input,
        recipientId: h.recipientId,
        messageCode: h.messageCode,
        accepted: true,
        reason: null,
        response: toHex(out.response),
        responseCheck: this.checkResponse(out.response, dev),
      };
    } catch (e) {
      if (e instanceof DecodeError) {
        return {
          ...base,
          recipientId: null,
          messageCode: null,
          accepted: false,
          reason: RejectReason.DECODE,
          error: e.toJSON(),
        };
      }
      throw e;
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
