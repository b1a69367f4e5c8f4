/**
 * A GBCS device (ESME, GSME, CHF, GPF, …): its identity, keys, durable state and model. Commands
 * go through the pipeline of sim/device/pipeline/pipeline.ts (DESIGN §1):
 *
 *   decode → route → authorise → verifyMac → verifySignature → checkReplay → execute → protect
 *
 * Steps 1–6 never change state: a command rejected at any of them leaves the device exactly as it
 * was. Only an accepted command raises the anti-replay floor (durably, through the state store) and
 * reaches the device model.
 */
import { equalBytes, toHex } from '../../protocol/bytes.ts';
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { Role } from '../../protocol/types.ts';
import type { DeviceType } from '../../protocol/use-case-catalogue.ts';
import type { Clock } from '../clock.ts';
import type { StateStore } from '../store/state-store.ts';
import type { CommandOutcome, DeviceCore, DeviceModel, ExecutionContext, ExecutionResult } from './core.ts';
import {
  type CredentialsRecord,
  type CredentialsView,
  credentialsFromRecord,
  credentialsToRecord,
  findTrustAnchor,
  migrateLegacyCredentials,
  type TrustAnchorCell,
  type TrustAnchorCellRecord,
} from './credentials.ts';
import type { FaultRule } from './faults.ts';
import { handleCommand } from './pipeline/pipeline.ts';
import { type DeviceState, newDeviceState } from './state.ts';

export type {
  CommandOutcome,
  CommandToExecute,
  DeviceCore,
  DeviceModel,
  ExecutionContext,
  ExecutionResult,
  Executor,
  PayloadFault,
} from './core.ts';
export { checkPayloadStep, decodeStep } from './pipeline/decode.ts';
export { executionContext, responseHeaderFor } from './pipeline/execute.ts';
export { protect } from './pipeline/protect.ts';
export { type DeviceState, newDeviceState, type Rejection, RejectReason } from './state.ts';

export interface DeviceConfig {
  eui: Eui64;
  deviceType: DeviceType;
  /**
   * The credentials the device is provisioned with. Used only when the state (the store's, else
   * `state`) holds none: a device restarted from its store keeps the credentials it held.
   */
  credentials: CredentialsView;
  crypto: GbcsCrypto;
  clock: Clock;
  /** The device type's model (sim/models/index.ts `modelFor`). */
  model: DeviceModel;
  /** Shared between devices of a premises or fleet; one is made when absent. */
  /**
   * Private KA keys of a peer (every key generation held), for devices whose own KA private key is
   * unknown (replay of published test data): static-static ECDH gives the same Z from either side.
   * The key whose public key is the trust anchor's is used.
   */
  peerPrivateKeys?: (eui: Eui64) => Uint8Array[];
  /**
   * Static ECDH on a miss of the device's own Z per cell (default `crypto.ecdh`). Replay, which
   * makes a short-lived device per message, passes a `SharedSecretCache` lookup here.
   */
  ecdh?: (privateKey: Uint8Array, publicKey: Uint8Array) => Uint8Array;
  store?: StateStore<DeviceState>;
  /** Initial state; the store's copy wins when it has one. */
  state?: DeviceState;
}

/**
 * Decoded trust-anchor cells by the record list they came from: frozen, so devices whose state
 * records share one list (sim/fleet/) share one set of cells and their key bytes.
 */
const SHARED_CELLS = new WeakMap<readonly TrustAnchorCellRecord[], readonly Readonly<TrustAnchorCell>[]>();

export class Device implements DeviceCore {
  readonly eui: Eui64;
  readonly deviceType: DeviceType;
  readonly crypto: GbcsCrypto;
  readonly clock: Clock;
  state: DeviceState;
  readonly model: DeviceModel;
  private readonly peerPrivateKeys: ((eui: Eui64) => Uint8Array[]) | undefined;
  private readonly ecdh: (privateKey: Uint8Array, publicKey: Uint8Array) => Uint8Array;
  private readonly store: StateStore<DeviceState> | undefined;

  constructor(cfg: DeviceConfig) {
    this.eui = cfg.eui;
    this.deviceType = cfg.deviceType;
    this.crypto = cfg.crypto;
    this.clock = cfg.clock;
    this.model = cfg.model;
    this.peerPrivateKeys = cfg.peerPrivateKeys;
    this.ecdh = cfg.ecdh ?? ((priv, pub) => cfg.crypto.ecdh(priv, pub));
    this.store = cfg.store;
    this.state = cfg.store?.load(cfg.eui) ?? cfg.state ?? newDeviceState(cfg.eui, cfg.deviceType);
    this.state.credentials ??= migrateLegacyCredentials(cfg.credentials, this.state.model);
  }

  private credentialsSource: CredentialsRecord | undefined;
  private credentialsView: CredentialsView | undefined;

  /**
   * The credentials the device holds now (read-only; built from `state.credentials`, so restoring
   * or reloading the state restores them). Change them with `replaceCredentials`.
   */
  get credentials(): CredentialsView {
    const rec = this.state.credentials;
    if (!rec) throw new GbcsError(ErrorCode.MISUSE, `device ${this.eui}: its state holds no credentials`);
    if (rec !== this.credentialsSource || !this.credentialsView) {
      const c = credentialsFromRecord(rec);
      // Devices whose records share one list of cells (a fleet's) share the decoded cells too.
      let cells = SHARED_CELLS.get(rec.trustAnchors);
      if (!cells) {
        for (const t of c.trustAnchors) Object.freeze(t);
        cells = Object.freeze(c.trustAnchors);
        SHARED_CELLS.set(rec.trustAnchors, cells);
      }
      this.credentialsView = Object.freeze({
        ds: Object.freeze(c.ds),
        ka: Object.freeze(c.ka),
        trustAnchors: cells,
      });
      this.credentialsSource = rec;
    }
    return this.credentialsView;
  }

  /**
   * Replaces the credentials the device holds (CS02b/CS02g cells, CS02d key pairs). They are
   * recorded in the state, so they persist with it; nothing of `next` is shared afterwards.
   */
  replaceCredentials(next: CredentialsView): void {
    this.state.credentials = credentialsToRecord(next);
  }

  /** Runs the whole pipeline on one message (sim/device/pipeline/pipeline.ts). Never throws on bad input. */
  handle(bytes: Uint8Array): CommandOutcome {
    return handleCommand(this, bytes);
  }

  persist(): void {
    this.store?.save(this.eui, this.state);
  }

  /** Adds a fault rule (sim/device/faults.ts); it applies from the next command on. */
  injectFault(rule: FaultRule): void {
    this.state.faults = [...(this.state.faults ?? []), rule];
    this.persist();
  }

  clearFaults(): void {
    delete this.state.faults;
    this.persist();
  }

  private readonly publicKeys = new Map<string, Uint8Array>();
  private publicKeyOf(priv: Uint8Array): Uint8Array {
    const k = toHex(priv);
    let p = this.publicKeys.get(k);
    if (!p) {
      p = this.crypto.publicKeyOf(priv);
      this.publicKeys.set(k, p);
    }
    return p;
  }

  /**
   * Z per trust-anchor cell: peer EUI → the peer KA public keys met and their Z with my KA key (one
   * cell, or one per key generation when replaying). Emptied when the credentials change (CS02b/d/g,
   * a restored state): Z depends on my KA key and the cell's key only. Nothing fleet-wide, nothing
   * evicted: two or three entries a device.
   */
  private readonly secrets = new Map<Eui64, { peerPublicKey: Uint8Array; z: Uint8Array }[]>();
  private secretsFor: CredentialsView | undefined;

  /** Z between my KA key and a peer's KA public key (from whichever private key is known). */
  sharedSecretWith(peer: Eui64, peerPublicKey: Uint8Array): Uint8Array | undefined {
    const creds = this.credentials;
    if (creds !== this.secretsFor) {
      this.secrets.clear();
      this.secretsFor = creds;
    }
    const held = this.secrets.get(peer);
    const hit = held?.find((e) => equalBytes(e.peerPublicKey, peerPublicKey));
    if (hit) return hit.z;
    const z = this.computeSharedSecret(peer, peerPublicKey);
    if (z === undefined) return undefined;
    const entry = { peerPublicKey: peerPublicKey.slice(), z };
    if (held) held.push(entry);
    else this.secrets.set(peer, [entry]);
    return z;
  }

  private computeSharedSecret(peer: Eui64, peerPublicKey: Uint8Array): Uint8Array | undefined {
    const own = this.credentials.ka.privateKey;
    if (own) return this.ecdh(own, peerPublicKey);
    for (const priv of this.peerPrivateKeys?.(peer) ?? []) {
      if (equalBytes(this.publicKeyOf(priv), peerPublicKey))
        return this.ecdh(priv, this.credentials.ka.publicKey);
    }
    return undefined;
  }

  /** KA public key of a Known Remote Party by EUI (any role). */
  remotePartyKaKey(eui: Eui64): Uint8Array | undefined {
    return this.credentials.trustAnchors.find(
      (t) => t.subjectUniqueId === eui && t.usage === 'ka' && t.cell === 'management',
    )?.publicKey;
  }

  /** EUI of the Access Control Broker this device trusts. */
  get acbId(): Eui64 | undefined {
    return findTrustAnchor(this.credentials, Role.ACCESS_CONTROL_BROKER, 'ka')?.subjectUniqueId;
  }

  /**
   * Runs the device model on an accepted command (pipeline step 7; the scheduler re-runs deferred
   * ones): the model's handler for the Message Code, else its generic answer.
   */
  execute(ctx: ExecutionContext): ExecutionResult {
    return (this.model.handlers.get(ctx.header.messageCode) ?? this.model.generic)(ctx);
  }
}
