/**
 * The DUIS service in front of virtual premises (`duis serve --premises N`): what the DCC does with a
 * request that passed access control (service.ts).
 *
 * - Send Command, non-critical (CV 1, 3): the DCC builds the GBCS command — its Grouping Header
 *   (originator: the test Remote Party of the user's role, recipient: the Business Target, a fresh
 *   Originator Counter) and the payload from the request Body (gbcs-commands.ts) — adds the ACB MAC
 *   and sends it; answer I99.
 * - Transform (CV 4, critical): the DCC builds the Pre-Command (Grouping Header and payload, GBCS
 *   7.2.x) and answers I0 with `sr:PreCommand` (GBCSVersion, GBCSPayload); it keeps it under the
 *   Request ID.
 * - Send Command, signed Pre-Command (CV 5, 7): `sr:SignedPreCommand/GBCSPayload` must be a Pre-
 *   Command this DCC issued followed by the signature field (`40` ‖ r‖s) that verifies with the
 *   originator's DS key; the DCC adds the ACB MAC and sends it; answer I99. It may come under the
 *   Request ID of its CV 4 request (service.ts lets that one through the counter check).
 * - The device's answer becomes a DUIS Response (I0, RequestID, ResponseID, `sr:GBCSPayload` of
 *   the device's GBCS response), the alerts the command raised become DeviceAlertMessages, a
 *   command the device refused or did not answer a Response E21 (no response received from the
 *   device) — each signed by the DSP and put in the outbox (outbox.ts) before the synchronous answer
 *   leaves. A GSME is woken at once (no 30-minute wait).
 *
 * Premises: N of them on the test key set of a seed (sim/premises/test-bed.ts), premises i (0-based)
 * holding CHF, GPF, ESME, GSME = `d000000000000000 + 16·i + 1…4` (premises 0 is DEFAULT_PREMISES),
 * built when first addressed. DUIS User IDs are not GBCS Remote Parties of the test PKI: a user's
 * command is originated by the test Supplier (User Roles IS, ES, GS) or Network Operator (ED, GT)
 * [assumed: what lets any DCC Boxed user drive the test premises]; CV 5 signatures are checked
 * against that party's DS key, so a signed Pre-Command must be signed with the test key of the
 * seed (`duis send` does that).
 *
 * Not carried (501, `NOT_CARRIED`): non-device requests (CV 8), local delivery (CV 2, 6), device
 * variants without a payload builder. No I/O here: the outbox store and the callback delivery are
 * passed in.
 */
import { equalBytes } from '../../protocol/bytes.ts';
import type { GbcsCrypto } from '../../protocol/crypto/gbcs-crypto.ts';
import { SharedSecretCache } from '../../protocol/crypto/index.ts';
import { SIGNATURE_LENGTH } from '../../protocol/grouping-header.ts';
import type { KeyResolver } from '../../protocol/security/verify.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { Clock } from '../clock.ts';
import type { CommandOutcome } from '../device/core.ts';
import type { DeviceState } from '../device/state.ts';
import { type BuiltCommand, type CommandSpec, HeadEnd } from '../head-end/head-end.ts';
import { partyEui } from '../head-end/scenario.ts';
import { createPremises, type Premises, type PremisesIds } from '../premises/premises.ts';
import { createTestKeys, TEST_PARTIES, type TestKeys } from '../smki/test-pki.ts';
import type { StateStore } from '../store/state-store.ts';
import { buildGbcsCommand } from './gbcs-commands.ts';
import type { DuisOutbox } from './outbox.ts';
import { duisOfEui, formatRequestId, responseIdOf } from './request-id.ts';
import { gbcsPayloadXml, signedDeviceAlert, signedDuisResponse } from './response.ts';
import type { AcceptedDuisRequest, DuisBackend, DuisSyncAnswer } from './service.ts';
import type { UserRole } from './service-requests.ts';
import { elementChildren, leafText } from './xml.ts';
import { decodeBase64Text, type XmlSigningKey } from './xmldsig.ts';

/** First EUI of the fleet: premises i holds BASE + 16·i + 1 (CHF), +2 (GPF), +3 (ESME), +4 (GSME). */
const BASE = 0xd000000000000000n;
const DEVICE_KEYS = ['chf', 'gpf', 'esme', 'gsme'] as const;

/** The device EUIs of premises `i` (0-based). */
export function premisesIdsOf(i: number): PremisesIds {
  const at = (k: number) => (BASE + 16n * BigInt(i) + BigInt(k)).toString(16).padStart(16, '0');
  return { chf: at(1), gpf: at(2), esme: at(3), gsme: at(4) };
}

/** The premises index and device of an EUI of a fleet of `n`, or null. */
export function premisesOf(eui: Eui64, n: number): { index: number; device: keyof PremisesIds } | null {
  if (!/^[0-9a-f]{16}$/.test(eui)) return null;
  const off = BigInt(`0x${eui}`) - BASE;
  if (off < 0n) return null;
  const index = off / 16n;
  const k = Number(off % 16n);
  if (index >= BigInt(n) || k < 1 || k > 4) return null;
  return { index: Number(index), device: DEVICE_KEYS[k - 1]! };
}

/** GBCS Version written in a Pre-Command [assumed: the GBCS version the simulator follows]. */
export const PRE_COMMAND_GBCS_VERSION = '4.0';

const SUPPLIER_ROLES: readonly UserRole[] = ['IS', 'ES', 'GS'];
const NETWORK_ROLES: readonly UserRole[] = ['ED', 'GT'];

export interface PremisesBackendOptions {
  /** Number of premises (≥ 1). */
  premises: number;
  /** Seed of the test key set. */
  seed: string;
  crypto: GbcsCrypto;
  clock: Clock;
  /** The DSP's XML-signing key for the asynchronous messages. */
  dsp: XmlSigningKey;
  outbox: DuisOutbox;
  /** Called after messages were put in the outbox (wakes the delivery). */
  onEnqueued?: () => void;
  /**
   * Where the devices keep their state (anti-replay floors, credentials, model): a premises built
   * when first addressed starts from its devices' stored states, and every accepted command is
   * stored before its response leaves (sim/store/state-dir.ts). Default: memory only.
   */
  devices?: StateStore<DeviceState>;
}

interface Pending {
  preCommand: BuiltCommand;
  originator: Eui64;
}

export class PremisesBackend implements DuisBackend {
  readonly keys: TestKeys;
  readonly headEnd: HeadEnd;
  readonly #o: PremisesBackendOptions;
  readonly #premises = new Map<number, Premises>();
  /** Pre-Commands issued (CV 4) and not yet sent, by the DUIS Request ID text. */
  readonly #pending = new Map<string, Pending>();
  readonly #cache: SharedSecretCache;

  constructor(o: PremisesBackendOptions) {
    this.#o = o;
    this.keys = createTestKeys(o.seed);
    this.#cache = new SharedSecretCache(o.crypto);
    const parties = new Set(TEST_PARTIES.map((p) => p.eui));
    const keys: KeyResolver = {
      publicKey: (eui, usage) =>
        parties.has(eui) || premisesOf(eui, o.premises) ? this.keys.publicKey(eui, usage) : undefined,
      privateKey: (eui, usage) => (parties.has(eui) ? this.keys.privateKey(eui, usage) : undefined),
    };
    this.headEnd = new HeadEnd({
      crypto: o.crypto,
      keys,
      acbId: partyEui('acb'),
      clock: o.clock,
      cache: this.#cache,
    });
  }

  /** Premises built so far (they are built when first addressed). */
  get built(): number {
    return this.#premises.size;
  }

  /** Premises `i`, built on first use. */
  premises(i: number): Premises {
    let p = this.#premises.get(i);
    if (!p) {
      p = createPremises(this.keys, this.#o.clock, this.#o.crypto, premisesIdsOf(i), {}, this.#o.devices);
      this.#premises.set(i, p);
    }
    return p;
  }

  hasDevice(eui: Eui64): boolean {
    return premisesOf(eui, this.#o.premises) !== null;
  }

  /** Whether `requestId` names a Pre-Command issued by the Transform service and not yet sent. */
  isPendingTransform(requestId: string): boolean {
    return this.#pending.has(requestId);
  }

  submit(r: AcceptedDuisRequest): DuisSyncAnswer {
    const req = r.request;
    const cv = req.commandVariant;
    if (req.variant.nonDevice)
      return { kind: 'not-carried', reason: 'non-device requests (CV 8) are not carried' };
    if (cv === 2 || cv === 6)
      return { kind: 'not-carried', reason: 'commands for local delivery (CV 2, 6) are not carried' };
    const originator = this.#gbcsOriginator(r.userRoles);
    if (!originator)
      return {
        kind: 'not-carried',
        reason: `no test Remote Party for User Role ${r.userRoles.join('/')} (Supplier or Network Operator only)`,
      };
    const target = req.requestId.target;
    const where = premisesOf(target, this.#o.premises)!;
    const premises = this.premises(where.index);
    if (cv === 5 || cv === 7) return this.#signedPreCommand(r, premises, originator);

    const device = premises.devices.get(target)!;
    const built = buildGbcsCommand(req.variant.srv, device.deviceType, req.body);
    if (!built.ok) {
      if (built.why === 'E11') return { kind: 'error', responseCode: 'E11' };
      if (built.why === 'bad-body')
        return { kind: 'refused', refusal: 'BODY_NOT_USABLE', reason: built.detail };
      return { kind: 'not-carried', reason: built.detail };
    }
    const spec: CommandSpec = {
      originatorId: originator,
      recipientId: target,
      messageCode: built.command.messageCode,
      payload: built.payload,
    };
    let payload: Uint8Array;
    const counter = this.headEnd.nextCounter(originator);
    try {
      payload = built.payload(counter); // a Body value out of a codec's range throws (RangeError)
    } catch (e) {
      return {
        kind: 'refused',
        refusal: 'BODY_NOT_USABLE',
        reason: `${req.variant.srv}: ${(e as Error).message}`,
      };
    }
    spec.payload = payload;
    spec.counter = counter;
    if (cv === 4) {
      const preCommand = this.headEnd.preCommand(spec);
      this.#pending.set(req.requestIdText, { preCommand, originator });
      return {
        kind: 'response',
        content:
          `<sr:PreCommand><sr:GBCSVersion>${PRE_COMMAND_GBCS_VERSION}</sr:GBCSVersion>` +
          `${gbcsPayloadXml(preCommand.bytes)}</sr:PreCommand>`,
      };
    }
    const command = this.headEnd.buildCommand(spec);
    this.#deliver(r, premises, command.bytes);
    return { kind: 'acknowledged' };
  }

  #gbcsOriginator(roles: readonly UserRole[]): Eui64 | null {
    if (roles.some((x) => SUPPLIER_ROLES.includes(x))) return partyEui('supplier');
    if (roles.some((x) => NETWORK_ROLES.includes(x))) return partyEui('networkOperator');
    return null;
  }

  #signedPreCommand(r: AcceptedDuisRequest, premises: Premises, originator: Eui64): DuisSyncAnswer {
    const el = elementChildren(r.request.body).find((e) => e.localName === 'GBCSPayload');
    const signed = decodeBase64Text(el ? (leafText(el) ?? '') : '');
    if (!signed)
      return { kind: 'refused', refusal: 'PRE_COMMAND_UNKNOWN', reason: 'GBCSPayload is not base64' };
    let found: [string, Pending] | undefined;
    for (const e of this.#pending)
      if (
        e[1].originator === originator &&
        signed.length === e[1].preCommand.bytes.length + 1 + SIGNATURE_LENGTH &&
        equalBytes(signed.subarray(0, e[1].preCommand.bytes.length), e[1].preCommand.bytes)
      )
        found = e;
    if (!found)
      return {
        kind: 'refused',
        refusal: 'PRE_COMMAND_UNKNOWN',
        reason: 'not a Pre-Command issued by this DCC followed by a signature',
      };
    const [key, { preCommand }] = found;
    const body = preCommand.bytes;
    const sig = signed.subarray(body.length);
    const pub = this.keys.publicKey(originator, 'ds');
    if (sig[0] !== SIGNATURE_LENGTH || !pub || !this.#o.crypto.verify(pub, body.subarray(1), sig.subarray(1)))
      return {
        kind: 'refused',
        refusal: 'PRE_COMMAND_SIGNATURE',
        reason: `the Pre-Command signature does not verify with the DS key of ${originator}`,
      };
    this.#pending.delete(key);
    this.#deliver(r, premises, this.headEnd.macAsAcb(preCommand.header, signed));
    return { kind: 'acknowledged' };
  }

  /** Sends the command to the premises and puts what comes back in the outbox. */
  #deliver(r: AcceptedDuisRequest, premises: Premises, bytes: Uint8Array): void {
    const o = this.#o;
    const req = r.request;
    const sent = premises.submit(bytes);
    let outcome: CommandOutcome | undefined;
    if (sent.status === 'queued') outcome = premises.gsmeWake().at(-1);
    else outcome = sent.outcome;
    const now = o.clock.now();
    const requestId = formatRequestId(req.requestId);
    const response = (code: 'I0' | 'E21', content?: string) =>
      signedDuisResponse(
        {
          requestId: req.requestIdText,
          responseId: responseIdOf(req.requestId),
          responseCode: code,
          responseDateTime: now,
          serviceReference: req.serviceReference,
          serviceReferenceVariant: req.variant.srv,
          ...(content === undefined ? {} : { content }),
        },
        o.dsp,
        o.crypto,
      );
    if (outcome?.accepted && !outcome.dropped) {
      o.outbox.enqueue(
        { kind: 'response', requestId, body: response('I0', gbcsPayloadXml(outcome.response)) },
        now,
      );
      for (const a of outcome.alerts ?? [])
        o.outbox.enqueue(
          {
            kind: 'device-alert',
            requestId,
            body: signedDeviceAlert(
              {
                responseId: `${duisOfEui(a.header.originatorId)}:${duisOfEui(req.requestId.originator)}:${a.header.originatorCounter}`,
                responseDateTime: now,
                alertCode: a.alertCode,
                gbcs: a.bytes,
              },
              o.dsp,
              o.crypto,
            ),
          },
          now,
        );
    } else {
      o.outbox.enqueue({ kind: 'response', requestId, body: response('E21') }, now);
    }
    o.onEnqueued?.();
  }
}
