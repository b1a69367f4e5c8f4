/**
 * `conformance`: play the DCC Reference Test Data Set against our devices. For each RTDS scenario
 * (the files of one folder sharing a name prefix: command, pre-command, response, alerts) provision
 * a device like the RTDS one, feed it the command, and compare our response with the RTDS response
 * after decoding both: CRA flag, counter, ids, Message Code, supplementary fields, date-time
 * presence, protection form, and the decoded structure (types, counts, result codes; encrypted
 * parts decrypted on both sides). Values that depend on device state may differ.
 *
 * ERROR scenarios are reproduced by injecting the fault the RTDS response shows (a DLMS result
 * code, a ZCL status, an ASN.1 response code): `faultFromResponse`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeDer, derIntegerValue } from '../../protocol/asn1/der.ts';
import { fromHex } from '../../protocol/bytes.ts';
import { type GbcsCrypto, SharedSecretCache } from '../../protocol/crypto/index.ts';
import { decodeGbcsMessage, type MacMessage, type SigningMessage } from '../../protocol/envelope.ts';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import { decodeReadAttributesResponse, ZclCommand } from '../../protocol/gbz/zcl.ts';
import { zseRequestOf } from '../../protocol/gbz/zcl-se.ts';
import { type DecodedPayload, decodePayload, locateEncryptedParts } from '../../protocol/payload.ts';
import { decryptParts, type VerifyContext } from '../../protocol/security/verify.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { type DeviceType, useCaseOf } from '../../protocol/use-case-catalogue.ts';
import { VirtualClock } from '../../sim/clock.ts';
import type { Device } from '../../sim/device/device.ts';
import type { FaultRule } from '../../sim/device/faults.ts';
import { Scheduler } from '../../sim/device/scheduler.ts';
import { provisionModel } from '../../sim/models/index.ts';
import type { Keystore } from '../../sim/smki/keystore.ts';
import { provisionFromKeystore } from '../replay.ts';
import { compareAlerts, folderOf, readRtdsAlerts, stimulateAlerts } from './alerts.ts';
import { diffShapes, envelopeDiffs, payloadShape } from './compare.ts';

export type RtdsRole = 'COMMAND' | 'PRECOMMAND' | 'RESPONSE' | 'ALERT';

export interface RtdsFile {
  path: string;
  folder: string;
  stem: string;
  role: RtdsRole;
}

export interface RtdsScenario {
  /** `<folder>/<prefix>`. */
  id: string;
  folder: string;
  prefix: string;
  command: RtdsFile | null;
  precommand: RtdsFile | null;
  response: RtdsFile | null;
  alerts: RtdsFile[];
}

/** RTDS device EUIs and their types (inferred from RTDS traffic; gbcs-wire-and-security.md §2.3). */
export const RTDS_DEVICE_TYPES: ReadonlyMap<Eui64, DeviceType> = new Map([
  ['00db1234567890a0', 'ESME'],
  ['00db1234567890a1', 'GSME'],
  ['00db1234567890a2', 'CHF'],
  ['00db1234567890a3', 'GPF'],
  ['00db1234567890a4', 'PPMID'],
  ['00db1234567890a5', 'HCALCS'],
  ['00db1234567890a6', 'ESME'],
]);

/** Role and scenario prefix of an RTDS file name stem (`…_COMMAND`, `…_8F66_…_ALERT_…`). */
export function parseRtdsStem(stem: string): { role: RtdsRole; prefix: string } | null {
  const a = stem.indexOf('_ALERT');
  if (a >= 0) {
    // Alerts insert their alert code after the service reference: ECS01a_1.1.1_8F66_FUTURE_…
    const tokens = stem.slice(0, a).split('_');
    const cleaned = tokens.filter((t, i) => !(i === 2 && /^[0-9A-F]{4}$/.test(t)));
    return { role: 'ALERT', prefix: cleaned.join('_') };
  }
  for (const role of ['PRECOMMAND', 'COMMAND', 'RESPONSE'] as const) {
    if (stem.endsWith(`_${role}`)) return { role, prefix: stem.slice(0, -role.length - 1) };
  }
  return null;
}

/** Groups the `*_GBCS.HEX` files of an RTDS tree into scenarios, sorted by id. */
export function groupRtdsScenarios(dir: string): RtdsScenario[] {
  const byId = new Map<string, RtdsScenario>();
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const folder of folders) {
    const files = readdirSync(join(dir, folder))
      .filter((f) => /_GBCS\.HEX$/i.test(f))
      .sort();
    const parsed = files
      .map((f) => ({ f, p: parseRtdsStem(f.replace(/_GBCS\.HEX$/i, '')) }))
      .filter((x): x is { f: string; p: NonNullable<ReturnType<typeof parseRtdsStem>> } => x.p !== null);
    for (const { f, p } of parsed) {
      const id = `${folder}/${p.prefix}`;
      let s = byId.get(id);
      if (!s) {
        s = { id, folder, prefix: p.prefix, command: null, precommand: null, response: null, alerts: [] };
        byId.set(id, s);
      }
      const file: RtdsFile = {
        path: join(dir, folder, f),
        folder,
        stem: f.replace(/_GBCS\.HEX$/i, ''),
        role: p.role,
      };
      if (p.role === 'COMMAND') s.command = file;
      else if (p.role === 'PRECOMMAND') s.precommand = file;
      else if (p.role === 'RESPONSE') s.response = file;
      else s.alerts.push(file);
    }
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Structure ("shape") of decoded payloads: what must match; values are left out.

/** The fault rule that makes a device answer like `rtds` (an RTDS response), or null for a success. */
export function faultFromResponse(rtds: MacMessage | SigningMessage, vctx: VerifyContext): FaultRule | null {
  const code = rtds.apdu.header.messageCode;
  let d: DecodedPayload;
  try {
    d = decodePayload(rtds.apdu.payload, 0, { craFlag: rtds.apdu.header.craFlag });
  } catch {
    return null;
  }
  if (d.encoding === 'dlms' && d.apdu.type === 'access-response') {
    const results = d.apdu.responseSpecifications.map((s) => s.result);
    return results.some((r) => r !== 0) ? { kind: 'dlms-results', messageCode: code, results } : null;
  }
  if (d.encoding === 'gbz' && d.gbz.type === 'components') {
    const parts = (() => {
      try {
        return decryptParts(vctx, rtds, locateEncryptedParts(rtds.apdu.payload, { craFlag: 2 }));
      } catch {
        return [];
      }
    })();
    // The failed command is named by cluster, command id and its rank among the command's
    // components of that cluster and id (`occurrence`), counted from the responses before it: a
    // GSME answers components in order and stops at the first failure, answering the rest with
    // Default Response (0xFF, FAILURE) — those are the consequence, not the fault. NOT_FOUND is a
    // log read that found nothing: when the response found nothing at all (no cluster-specific
    // answer) it is the fault (the RTDS device held no such data); beside found entries it is the
    // device's log content, which our model decides (sim/models/gsme/gbz.ts).
    let k = 0;
    let notFound: FaultRule | null = null;
    let foundData = false;
    const answered = new Map<string, number>();
    let previousGroup = '';
    for (const c of d.gbz.components) {
      const h = c.zclHeader;
      const zcl = c.encrypted ? (parts[k++]?.plaintext ?? null) : c.zclPayload;
      if (zcl === null) continue;
      const global = (h.frameControl & 0x03) === 0;
      if (!global) foundData = true;
      const request = global
        ? h.commandId === ZclCommand.DEFAULT_RESPONSE
          ? zcl[0]
          : h.commandId === ZclCommand.READ_ATTRIBUTES_RESPONSE
            ? ZclCommand.READ_ATTRIBUTES
            : undefined
        : zseRequestOf(c.clusterId, h.commandId);
      const key = `${c.clusterId}/${request}`;
      const occurrence = answered.get(key) ?? 0;
      // Responses to one Get Day/Week Profiles or Get Calendar come in a run: one request.
      const group = !global && c.clusterId === 0x0707 && h.commandId <= 2 ? `${key}/${h.commandId}` : '';
      if (group === '' || group !== previousGroup) answered.set(key, occurrence + 1);
      previousGroup = group;
      if (!global) continue;
      if (h.commandId === ZclCommand.DEFAULT_RESPONSE && zcl.length >= 2 && zcl[1] !== 0) {
        if (zcl[0] === 0xff) continue;
        const rule: FaultRule = {
          kind: 'gbz-default-response',
          messageCode: code,
          status: zcl[1]!,
          commandId: zcl[0]!,
          clusterId: c.clusterId,
          occurrence,
        };
        if (zcl[1] === 0x8b) notFound ??= { kind: 'gbz-default-response', messageCode: code, status: 0x8b };
        else return rule;
      }
      if (h.commandId === ZclCommand.READ_ATTRIBUTES_RESPONSE) {
        try {
          const bad = decodeReadAttributesResponse(zcl).find((r) => r.status !== 0);
          if (bad) {
            return {
              kind: 'gbz-attribute-status',
              messageCode: code,
              status: bad.status,
              clusterId: c.clusterId,
              attributeId: bad.attributeId,
            };
          }
        } catch {
          /* not a fault we can reproduce */
        }
      }
    }
    return foundData ? null : notFound;
  }
  if (d.encoding === 'asn1') {
    try {
      const n = decodeDer(rtds.apdu.payload);
      if (n.tag === 0x02 && !n.constructed)
        return { kind: 'asn1-status', messageCode: code, status: Number(derIntegerValue(n)) };
    } catch {
      return null;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------

export interface ConformanceResult {
  scenario: string;
  useCase: string | null;
  messageCode: number | null;
  device: Eui64 | null;
  deviceType: DeviceType | null;
  status: 'matched' | 'mismatched';
  fault: FaultRule | null;
  differences: string[];
}

export interface ConformanceOptions {
  keystore: Keystore;
  crypto: GbcsCrypto;
  acbId: Eui64;
  /** Told how many scenarios the tree holds, before the first runs (a progress bar's total). */
  onScenarios?: (count: number) => void;
  /**
   * Our own messages of a scenario, as they left the device: the response (null when the device
   * sent none) and the alerts it raised (`conformance --out DIR`).
   */
  onMessages?: (scenario: RtdsScenario, response: Uint8Array | null, alerts: Uint8Array[]) => void;
}

const readHex = (p: string): Uint8Array => fromHex(readFileSync(p, 'latin1'));

function readMessage(path: string): MacMessage | SigningMessage {
  const m = decodeGbcsMessage(readHex(path));
  if (m.form === 'gbt') throw new GbcsError(ErrorCode.BAD_VALUE, `${path}: a GBT block`);
  return m;
}

/** Plays one scenario. Never throws on RTDS content; a failure is a mismatch with a reason. */
export function runConformanceScenario(s: RtdsScenario, opts: ConformanceOptions): ConformanceResult {
  const base = {
    scenario: s.id,
    useCase: null,
    messageCode: null,
    device: null,
    deviceType: null,
    fault: null,
  };
  const vctx: VerifyContext = {
    crypto: opts.crypto,
    keys: opts.keystore,
    acbId: opts.acbId,
    cache: new SharedSecretCache(opts.crypto),
  };
  const ks = opts.keystore;
  /** A device like the RTDS one: its certificates from the keystore, every organisation a trust anchor. */
  /** A device like the RTDS one (app/replay.ts provisionFromKeystore). */
  const provision = (eui: Eui64, deviceType: DeviceType): Device | string =>
    provisionFromKeystore(ks, eui, deviceType, {
      crypto: opts.crypto,
      clock: new VirtualClock(Date.UTC(2015, 0, 1)),
      cache: vctx.cache,
    });
  const rtdsAlerts = readRtdsAlerts(s.alerts.map((a) => a.path));
  if (typeof rtdsAlerts === 'string') return { ...base, status: 'mismatched', differences: [rtdsAlerts] };
  if (!s.command) {
    // Alert-only scenario: the device raises the alert through its event API or scheduler
    // (app/conformance/alerts.ts).
    const first = rtdsAlerts[0]?.message.apdu.header;
    if (!first)
      return { ...base, status: 'mismatched', differences: ['RTDS has no command for this response'] };
    const alertUc = useCaseOf(first.messageCode);
    const deviceType = RTDS_DEVICE_TYPES.get(first.originatorId) ?? alertUc?.devices[0] ?? 'ESME';
    const info = {
      ...base,
      useCase: alertUc?.useCase || null,
      messageCode: first.messageCode,
      device: first.originatorId,
      deviceType,
    };
    const dev = provision(first.originatorId, deviceType);
    if (typeof dev === 'string') return { ...info, status: 'mismatched', differences: [dev] };
    provisionModel(deviceType, dev.state, {
      scenario: s.prefix,
      messageCode: first.messageCode,
      nowMs: dev.clock.now(),
    });
    let ours: ReturnType<typeof stimulateAlerts>;
    try {
      ours = stimulateAlerts(
        dev,
        rtdsAlerts.map((a) => a.message),
        folderOf(s.alerts[0]!.path),
      );
    } catch (e) {
      return { ...info, status: 'mismatched', differences: [`device error: ${(e as Error).message}`] };
    }
    if (typeof ours !== 'string')
      opts.onMessages?.(
        s,
        null,
        ours.map((a) => a.bytes),
      );
    const differences = typeof ours === 'string' ? [ours] : compareAlerts(ours, rtdsAlerts, vctx);
    return { ...info, status: differences.length === 0 ? 'matched' : 'mismatched', differences };
  }
  let cmd: MacMessage | SigningMessage;
  try {
    cmd = readMessage(s.command.path);
  } catch (e) {
    return {
      ...base,
      status: 'mismatched',
      differences: [`command does not decode: ${(e as Error).message}`],
    };
  }
  const h = cmd.apdu.header;
  const uc = useCaseOf(h.messageCode);
  const deviceType = RTDS_DEVICE_TYPES.get(h.recipientId) ?? uc?.devices[0] ?? 'ESME';
  const info = {
    ...base,
    useCase: uc?.useCase || null,
    messageCode: h.messageCode,
    device: h.recipientId,
    deviceType,
  };
  const rtdsResponse = s.response ? readMessage(s.response.path) : null;
  const fault = rtdsResponse ? faultFromResponse(rtdsResponse, vctx) : null;
  const dev = provision(h.recipientId, deviceType);
  if (typeof dev === 'string') return { ...info, fault, status: 'mismatched', differences: [dev] };
  // The RTDS device of this scenario, as far as its name and use case say (e.g. a twin-element or
  // polyphase ESME): device models that know variants set up their state from these hints.
  provisionModel(deviceType, dev.state, {
    scenario: s.prefix,
    messageCode: h.messageCode,
    nowMs: dev.clock.now(),
  });
  if (fault) dev.injectFault(fault);
  let out: ReturnType<Device['handle']>;
  try {
    out = dev.handle(readHex(s.command.path));
  } catch (e) {
    return { ...info, fault, status: 'mismatched', differences: [`device error: ${(e as Error).message}`] };
  }
  if (!out.accepted) {
    opts.onMessages?.(s, null, []);
    return {
      ...info,
      fault,
      status: 'mismatched',
      differences: [`command rejected: ${out.rejection.reason} (${out.rejection.detail})`],
    };
  }
  if (!rtdsResponse) {
    opts.onMessages?.(
      s,
      out.dropped ? null : out.response,
      (out.alerts ?? []).map((a) => a.bytes),
    );
    return { ...info, fault, status: 'mismatched', differences: ['RTDS has no response for this command'] };
  }
  const ours = decodeGbcsMessage(out.response) as MacMessage | SigningMessage;
  const differences = [
    ...envelopeDiffs(ours, rtdsResponse),
    ...diffShapes(payloadShape(ours, vctx), payloadShape(rtdsResponse, vctx)),
  ];
  let raised = out.alerts ?? [];
  if (rtdsAlerts.length > 0) {
    // The alerts the command causes: at once, or when its future-dated parts come due. (Where RTDS
    // shows no alert file for a scenario nothing is asserted: RTDS records only some of them.)
    try {
      raised = [...raised, ...new Scheduler(dev.clock as VirtualClock, [dev]).runPending()];
      differences.push(...compareAlerts(raised, rtdsAlerts, vctx));
    } catch (e) {
      differences.push(`device error raising alerts: ${(e as Error).message}`);
    }
  }
  opts.onMessages?.(
    s,
    out.dropped ? null : out.response,
    raised.map((a) => a.bytes),
  );
  return { ...info, fault, status: differences.length === 0 ? 'matched' : 'mismatched', differences };
}

export function runConformance(
  dir: string,
  opts: ConformanceOptions,
  onResult: (r: ConformanceResult) => void,
): { scenarios: number; matched: number; mismatched: number } {
  const scenarios = groupRtdsScenarios(dir);
  opts.onScenarios?.(scenarios.length);
  let matched = 0;
  for (const s of scenarios) {
    const r = runConformanceScenario(s, opts);
    if (r.status === 'matched') matched++;
    onResult(r);
  }
  return { scenarios: scenarios.length, matched, mismatched: scenarios.length - matched };
}
