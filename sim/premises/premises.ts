/**
 * A consumer premises: a Communications Hub (CHF + GPF) with an ESME and a GSME on its HAN.
 * The CHF routes each message by recipient id (DESIGN §1 step 2): to itself, to the ESME, to the
 * GPF, or — for the battery-powered, sleepy GSME — into the GPF's queue, where it waits until the
 * GSME wakes and polls (GBCS 7.2.x, the GSME tunnel; gbcs-wire-and-security.md §2.6).
 */

import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import { GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { DeviceType } from '../../protocol/use-case-catalogue.ts';
import type { Clock } from '../clock.ts';
import type { MeterVariant } from '../device/core.ts';
import type { DeviceCredentials, TrustAnchorCell } from '../device/credentials.ts';
import { type CommandOutcome, Device, type DeviceState, decodeStep, RejectReason } from '../device/device.ts';
import type { FaultConfig } from '../device/faults.ts';
import { recipientOf } from '../device/pipeline/route.ts';
import { syncGpfMirror } from '../models/gpf/gpf.ts';
import { modelFor, provisionModel } from '../models/index.ts';
import type { TestKeys } from '../smki/test-pki.ts';
import type { StateStore } from '../store/state-store.ts';
import { gsmeQueueCheck } from './gpf-queue.ts';

export interface PremisesIds {
  chf: Eui64;
  gpf: Eui64;
  esme: Eui64;
  gsme: Eui64;
}

export const DEFAULT_PREMISES: PremisesIds = {
  chf: 'd000000000000001',
  gpf: 'd000000000000002',
  esme: 'd000000000000003',
  gsme: 'd000000000000004',
};

/**
 * `undeliverable`: no device of that id on the HAN, or refused by the GPF before queueing for the
 * GSME (sim/premises/gpf-queue.ts); the outcome says why.
 */
export type SubmitResult =
  | { status: 'answered'; device: Eui64; outcome: CommandOutcome }
  | { status: 'queued'; device: Eui64 }
  | { status: 'undeliverable'; outcome: CommandOutcome };

export class Premises {
  readonly ids: PremisesIds;
  readonly devices: Map<Eui64, Device>;
  readonly clock: Clock;
  /** Messages for the GSME held by the GPF until it wakes. */
  readonly gsmeQueue: Uint8Array[] = [];
  /** GSME wake-up (polling) interval, milliseconds (default 30 minutes). */
  gsmePollIntervalMs = 30 * 60_000;

  constructor(ids: PremisesIds, devices: Map<Eui64, Device>, clock: Clock) {
    this.ids = ids;
    this.devices = devices;
    this.clock = clock;
  }

  /** The CHF takes a message from the WAN. Never throws on bad input. */
  submit(bytes: Uint8Array): SubmitResult {
    const d = decodeStep(bytes);
    if (!d.ok) {
      return {
        status: 'undeliverable',
        outcome: { accepted: false, rejection: d.rejection, message: null, response: null },
      };
    }
    const m = d.value;
    const recipient = recipientOf(m); // step 2, route: by recipient id
    if (recipient === this.ids.gsme) {
      // The GPF checks what it can before holding the message (sim/premises/gpf-queue.ts).
      const refused = gsmeQueueCheck(m);
      if (refused)
        return {
          status: 'undeliverable',
          outcome: { accepted: false, rejection: refused, message: m, response: null },
        };
      this.gsmeQueue.push(bytes);
      return { status: 'queued', device: recipient };
    }
    const dev = this.devices.get(recipient);
    if (!dev) {
      return {
        status: 'undeliverable',
        outcome: {
          accepted: false,
          rejection: { reason: RejectReason.NOT_FOR_ME, detail: `no device ${recipient} on this HAN` },
          message: m,
          response: null,
        },
      };
    }
    return { status: 'answered', device: recipient, outcome: dev.handle(bytes) };
  }

  /** The GSME wakes: it takes every queued message (in order), answers each, and updates the GPF mirror. */
  gsmeWake(): CommandOutcome[] {
    const gsme = this.devices.get(this.ids.gsme)!;
    const out: CommandOutcome[] = [];
    while (this.gsmeQueue.length > 0) out.push(gsme.handle(this.gsmeQueue.shift()!));
    // Awake, the GSME reports its data to the GPF, whose mirror serves reads until the next wake.
    const gpf = this.devices.get(this.ids.gpf);
    if (gpf) syncGpfMirror(gpf, gsme);
    return out;
  }
}

/**
 * The credentials a device of the test premises is provisioned with (its keys and certificates
 * from the test key set, every test party as a trust-anchor cell): what it holds before any
 * CS02b or CS02d, and what a restart provisions it with again (its store's credentials win).
 */
export function provisionedCredentials(
  keys: TestKeys,
  eui: Eui64,
  trustAnchors: TrustAnchorCell[] = keys.trustAnchors(),
): DeviceCredentials {
  const pair = (usage: 'ds' | 'ka') => ({
    publicKey: keys.publicKey(eui, usage),
    privateKey: keys.privateKey(eui, usage),
    certificate: keys.certificate(eui, usage),
  });
  return { ds: pair('ds'), ka: pair('ka'), trustAnchors };
}

/**
 * Builds a premises whose devices hold keys derived from the test key set. With a `store`, each
 * device starts from its stored state when there is one (a restart) and persists to it; injected
 * faults are lab settings, not device state: stored ones are dropped and `faults` applied afresh.
 */
/** How the premises' meters are built (a real installation's choice, not the traffic's). */
export interface PremisesConfig {
  /**
   * The ESME's build: `{elements: 2}` twin element, `{phases: 3}` polyphase (GBCS ESME variants).
   * Default: single element, single phase. Applied to a fresh ESME; a state restored from the
   * store keeps the build it was created with.
   */
  esmeVariant?: MeterVariant;
}

export function createPremises(
  keys: TestKeys,
  clock: Clock,
  crypto: GbcsCrypto,
  ids: PremisesIds = DEFAULT_PREMISES,
  faults: FaultConfig = {},
  store?: StateStore<DeviceState>,
  config: PremisesConfig = {},
): Premises {
  const anchors = keys.trustAnchors();
  const devices = new Map<Eui64, Device>();
  const types: Array<[Eui64, DeviceType]> = [
    [ids.chf, 'CHF'],
    [ids.gpf, 'GPF'],
    [ids.esme, 'ESME'],
    [ids.gsme, 'GSME'],
  ];
  for (const [eui, deviceType] of types) {
    devices.set(
      eui,
      new Device({
        eui,
        deviceType,
        credentials: provisionedCredentials(keys, eui, anchors),
        crypto,
        clock,
        model: modelFor(deviceType),
        ...(store ? { store } : {}),
      }),
    );
  }
  const esme = devices.get(ids.esme)!;
  if (config.esmeVariant && esme.state.model.esme === undefined) {
    provisionModel('ESME', esme.state, { nowMs: clock.now(), variant: config.esmeVariant });
    esme.persist();
  }
  for (const dev of devices.values()) {
    if (dev.state.faults === undefined) continue;
    delete dev.state.faults;
    dev.persist();
  }
  // Injected faults from a configuration (sim/device/faults.ts), per device EUI.
  for (const [eui, rules] of Object.entries(faults)) {
    const dev = devices.get(eui);
    if (!dev)
      throw new GbcsError(
        'BAD_CONFIG',
        `fault configuration names ${eui}, which is not a device of this premises`,
      );
    for (const rule of rules) dev.injectFault(rule);
  }
  return new Premises(ids, devices, clock);
}
