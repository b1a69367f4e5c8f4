/**
 * Alerts in the RTDS conformance run (app/conformance/conformance.ts): how a device is made to raise the alert
 * an RTDS scenario shows, and how our alert is compared with RTDS's.
 *
 * Alert-only scenarios (RTDS publishes the alert without the command or event that caused it) are
 * played through the device's event API (sim/device/alerts.ts) or scheduler (sim/device/scheduler.ts): power
 * fails and returns 9 minutes later (ECS80), the billing calendar fires (ECS68, GCS53), a
 * future-dated command comes due (0x00CA–0x00CD, 0x0124) … The event's inputs that are device state
 * or outside input — the CHF device log (CS14), the GPF device log (GCS62), a received image's
 * hash (FDRA), the deferred command's identity, the Sub GHz configuration a DBCH04 set — are taken
 * from the RTDS alert (or the folder's command) as the stimulus: "a device like the RTDS one".
 * What is compared is what the device builds: the envelope and protection, the recipient, the
 * Message Code, the alert code and the payload structure.
 *
 * Comparison (as for responses, `envelopeDiffs` / `payloadShape`): protection form, CRA flag,
 * originator, recipient, Message Code, date-time presence, supplementary fields, signature field;
 * the decoded structure with encrypted parts decrypted; plus, because they are the alert's status,
 * the alert code and, for future-dated outcomes, the Message Code of the command reported on. The
 * Originator Counter is the device's own (its value is device state): it must increase by one per
 * alert. A MAC'd alert must verify.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type DerNode, DerTag, decodeDer, derIntegerValue, derTimeValue } from '../../protocol/asn1/der.ts';
import { ByteReader, fromHex, toHex } from '../../protocol/bytes.ts';
import type { DlmsData } from '../../protocol/dlms/axdr.ts';
import { dlmsDateTimeInstant } from '../../protocol/dlms-date-time.ts';
import { decodeGbcsMessage, type MacMessage, type SigningMessage } from '../../protocol/envelope.ts';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import { type DecodedPayload, decodePayload } from '../../protocol/payload.ts';
import { type VerifyContext, verifyMac } from '../../protocol/security/verify.ts';
import type { VirtualClock } from '../../sim/clock.ts';
import {
  AlertMessageCode,
  alertEvent,
  apcLimitLevelEnded,
  apcLimitLevelProcessed,
  apcOperationalUpdate,
  billingDataLogUpdated,
  commandNotSupported,
  creditAddedLocally,
  deviceLogChanged,
  firmwareTransferred,
  firmwareVerified,
  firmwareVersionReport,
  gpfDeviceLogBackup,
  integrityWarning,
  noMoreSubGhzDeviceCapacity,
  powerFailed,
  powerRestored,
  type RaisedAlert,
  subGhzChannelChanged,
  subGhzChannelScanOutcome,
  subGhzConfigurationChanged,
  ZIGBEE_EPOCH_MS,
} from '../../sim/device/alerts.ts';
import { roleOfRemoteParty } from '../../sim/device/credentials.ts';
import type { Device } from '../../sim/device/device.ts';
import {
  asn1ExecutionTime,
  type ScheduledTask,
  Scheduler,
  scheduleTask,
} from '../../sim/device/scheduler.ts';
import { holdFirmwareImage } from '../../sim/models/security/firmware.ts';
import { diffShapes, envelopeDiffs, fieldDiffs, payloadShape } from './compare.ts';

type Msg = MacMessage | SigningMessage;

/** RTDS ASN.1 alerts use long-form DER lengths (`30 82 00 DE`), as GBCS devices send them. */
const LENIENT = { allowNonMinimalLength: true } as const;

export function readRtdsMessage(path: string): Msg {
  const m = decodeGbcsMessage(fromHex(readFileSync(path, 'latin1')));
  if (m.form === 'gbt') throw new GbcsError(ErrorCode.BAD_VALUE, `${path}: a GBT block`);
  return m;
}

function decoded(m: Msg): DecodedPayload | null {
  try {
    return decodePayload(m.apdu.payload, 0, { craFlag: m.apdu.header.craFlag });
  } catch {
    return null;
  }
}

/** The elements of a DLMS alert's structure (alert code, date-time, use-case part…). */
function dlmsBody(m: Msg): DlmsData[] {
  const d = decoded(m);
  if (d?.encoding !== 'dlms' || d.apdu.type !== 'data-notification') return [];
  const b = d.apdu.notificationBody;
  return b.type === 'structure' ? b.value : [];
}

function asn1Children(m: Msg): DerNode[] {
  try {
    return decodeDer(m.apdu.payload, 0, LENIENT).children ?? [];
  } catch {
    return [];
  }
}

/** The alert code an alert carries, whatever its payload form. */
export function alertCodeOf(m: Msg): number | null {
  const d = decoded(m);
  if (d?.encoding === 'dlms') {
    const c = dlmsBody(m)[0];
    return c?.type === 'long-unsigned' ? c.value : null;
  }
  if (d?.encoding === 'gbz') return d.gbz.type === 'alert' ? d.gbz.alertCode : null;
  const c = asn1Children(m)[0];
  return c?.tag === DerTag.INTEGER ? Number(derIntegerValue(c)) : null;
}

/** The Message Code a future-dated outcome alert reports on (DLMS / GBZ forms), else null. */
function reportedMessageCode(m: Msg): number | null {
  const d = decoded(m);
  if (d?.encoding === 'gbz' && d.gbz.type === 'alert' && d.gbz.alertBody.type === 'future-dated-outcome') {
    return d.gbz.alertBody.messageCode;
  }
  if (m.apdu.header.messageCode === AlertMessageCode.FUTURE_DATED_DLMS) {
    const p = dlmsBody(m)[2];
    if (p?.type === 'octet-string' && p.value.length === 19) return (p.value[0]! << 8) | p.value[1]!;
  }
  return null;
}

const octetsOf = (d: DlmsData | undefined): Uint8Array =>
  d?.type === 'octet-string' ? d.value : new Uint8Array(0);
const numberOf = (d: DlmsData | undefined): number =>
  d && 'value' in d && typeof d.value === 'number' ? d.value : 0;

function dlmsTime(d: DlmsData | undefined, fallback: number): number {
  const b = octetsOf(d);
  if (b.length !== 12) return fallback;
  const at = Uint8Array.from(b); // unspecified time fields count as 0; no day rolled over
  for (const i of [5, 6, 7]) if (at[i] === 0xff) at[i] = 0;
  at.set([0xff], 4); // day of week, hundredths, deviation: not used
  at.set([0, 0x80, 0], 8);
  try {
    return dlmsDateTimeInstant(at) ?? fallback;
  } catch {
    return fallback;
  }
}

/** Commands (decoded) of an RTDS folder with their file names, sorted by file name. */
function folderCommands(folder: string): Array<{ name: string; message: Msg }> {
  const out: Array<{ name: string; message: Msg }> = [];
  for (const f of readdirSync(folder).sort()) {
    if (!/_COMMAND_GBCS\.HEX$/i.test(f) || /_PRECOMMAND_/i.test(f)) continue;
    try {
      out.push({ name: f, message: readRtdsMessage(join(folder, f)) });
    } catch {
      /* not a usable command */
    }
  }
  return out;
}

/**
 * The folder's command that stands for the deferred one of an outcome alert: of the deferred use
 * case, not a cancellation, and preferably one RTDS shows with the same outcome (SUCCESS for
 * 0x8F66, ERROR for 0x8F67) — the deferred command itself is not in RTDS.
 */
function deferredCommandOf(
  folder: string,
  accepts: (mc: number) => boolean,
  actioned: boolean,
): Msg | undefined {
  const all = folderCommands(folder).filter((c) => accepts(c.message.apdu.header.messageCode));
  const usable = all.filter((c) => !/CANCELLATION/i.test(c.name));
  const outcome = actioned ? /SUCCESS/i : /ERROR/i;
  return (usable.find((c) => outcome.test(c.name)) ?? usable[0] ?? all[0])?.message;
}

/** ASN.1 outcome alert → the future-dateable Message Codes it reports on. */
const ASN1_DEFERRED_CODES: Record<number, (mc: number) => boolean> = {
  [AlertMessageCode.FUTURE_DATED_FIRMWARE_ACTIVATION]: (mc) => mc === 0x0012,
  [AlertMessageCode.FUTURE_DATED_SECURITY_CREDENTIALS]: (mc) => mc >= 0x0100 && mc <= 0x0109,
  [AlertMessageCode.FUTURE_DATED_LOAD_CONTROLLER_CREDENTIALS]: (mc) => mc === 0x0125 || mc === 0x0126,
};

/**
 * The future-dated task that, when it comes due, makes the device raise `rtds` (a future-dated
 * outcome alert), or a reason why none can be built.
 */
function deferredTaskFor(dev: Device, rtds: Msg, folder: string): ScheduledTask | string {
  const h = rtds.apdu.header;
  const originatorId = h.recipientId;
  const originatorRole = roleOfRemoteParty(dev.credentials, originatorId) ?? 2;
  const base = { originatorId, originatorRole, signed: true };
  const now = dev.clock.now();
  if (h.messageCode === AlertMessageCode.FUTURE_DATED_DLMS) {
    const body = dlmsBody(rtds);
    const p = octetsOf(body[2]);
    if (p.length !== 19) return 'future-dated DLMS alert without its 19-byte part';
    const r = new ByteReader(p);
    const messageCode = r.u16('message code');
    const counter = r.u64('counter');
    const classId = r.u16('class id');
    const instanceId = toHex(r.take(6, 'instance id'));
    const attributeId = r.u8('attribute id');
    return {
      ...base,
      dueMs: dlmsTime(body[1], now + 1),
      messageCode,
      originatorCounter: counter.toString(),
      target: { kind: 'cosem', classId, instanceId, attributeId },
    };
  }
  if (h.messageCode === AlertMessageCode.FUTURE_DATED_GBZ) {
    const d = decoded(rtds);
    if (d?.encoding !== 'gbz' || d.gbz.type !== 'alert' || d.gbz.alertBody.type !== 'future-dated-outcome') {
      return 'future-dated GBZ alert without its outcome part';
    }
    const b = d.gbz.alertBody;
    return {
      ...base,
      dueMs: ZIGBEE_EPOCH_MS + d.gbz.timestamp * 1000,
      messageCode: b.messageCode,
      originatorCounter: b.originatorCounter.toString(),
      target: { kind: 'zcl', clusterId: b.clusterId, frameControl: b.frameControl, commandId: b.commandId },
    };
  }
  const accepts = ASN1_DEFERRED_CODES[h.messageCode];
  if (!accepts) return `no future-dated stimulus for Message Code 0x${h.messageCode.toString(16)}`;
  const kids = asn1Children(rtds);
  const exec = kids[1];
  if (!exec || exec.tag !== DerTag.GENERALIZED_TIME)
    return 'future-dated ASN.1 alert without its execution date-time';
  const actioned = alertCodeOf(rtds) === 0x8f66;
  const cmd = deferredCommandOf(folder, accepts, actioned);
  if (!cmd) return 'no command of the deferred use case in the RTDS folder';
  if (h.messageCode === AlertMessageCode.FUTURE_DATED_FIRMWARE_ACTIVATION && actioned) {
    // The RTDS device held the image the command activates (firmware distribution, SRV 11.1): its
    // hash from the command, its version from the outcome the alert reports.
    const hash = decodeDer(cmd.apdu.payload, 0, LENIENT).children?.[0]?.value;
    const version = kids[3]?.children?.[1]?.value;
    if (hash?.length === 32 && version) holdFirmwareImage(dev, hash, toHex(version));
  }
  const immediate = asn1ExecutionTime(cmd.apdu.payload)?.immediate ?? cmd.apdu.payload;
  const payloadCounter =
    h.messageCode === AlertMessageCode.FUTURE_DATED_FIRMWARE_ACTIVATION && kids[2]?.tag === DerTag.INTEGER
      ? derIntegerValue(kids[2]).toString()
      : undefined;
  return {
    ...base,
    originatorRole: roleOfRemoteParty(dev.credentials, cmd.apdu.header.originatorId) ?? originatorRole,
    dueMs: derTimeValue(exec),
    messageCode: cmd.apdu.header.messageCode,
    originatorCounter: cmd.apdu.header.originatorCounter.toString(),
    target: { kind: 'asn1', alertMessageCode: h.messageCode },
    payload: toHex(immediate),
    ...(payloadCounter !== undefined ? { payloadCounter } : {}),
  };
}

/** A billing snapshot of a device that has measured nothing yet (the conformance device is fresh). */
const freshSnapshot = (at: number) => ({
  at,
  activeImportWh: 0,
  meterBalance: 0,
  touRegistersWh: [],
  blockRegistersWh: [],
  touBlockRegistersWh: [],
});

/** The Sub GHz configuration a DBCH04 in the folder sets, else the one the RTDS alert reports. */
function subGhzConfiguration(rtds: Msg, folder: string): DlmsData | undefined {
  for (const { message: c } of folderCommands(folder)) {
    // DBCH04 "Set CHF Sub GHz Configuration": set 0-0:94.44.10.0 (Data, value).
    if (c.apdu.header.messageCode !== 0x010d) continue;
    const d = decoded(c);
    if (d?.encoding === 'dlms' && d.apdu.type === 'access-request') {
      const v = d.apdu.data[0];
      if (v?.type === 'structure') return v;
    }
  }
  return dlmsBody(rtds)[2];
}

/**
 * Makes `dev` raise the alert(s) of an alert-only scenario through its event API or scheduler.
 * @returns our alerts, or a reason when the scenario cannot be stimulated.
 */
export function stimulateAlerts(
  dev: Device,
  rtdsAlerts: readonly Msg[],
  folder: string,
): RaisedAlert[] | string {
  const out: RaisedAlert[] = [];
  const clock = dev.clock as VirtualClock;
  let futureDated = false;
  for (const rtds of rtdsAlerts) {
    const mc = rtds.apdu.header.messageCode;
    const code = alertCodeOf(rtds);
    const body = dlmsBody(rtds);
    const part = body[2];
    const kids = asn1Children(rtds);
    switch (mc) {
      case AlertMessageCode.FUTURE_DATED_DLMS:
      case AlertMessageCode.FUTURE_DATED_GBZ:
      case AlertMessageCode.FUTURE_DATED_FIRMWARE_ACTIVATION:
      case AlertMessageCode.FUTURE_DATED_SECURITY_CREDENTIALS:
      case AlertMessageCode.FUTURE_DATED_LOAD_CONTROLLER_CREDENTIALS: {
        const task = deferredTaskFor(dev, rtds, folder);
        if (typeof task === 'string') return task;
        scheduleTask(dev, task);
        futureDated = true;
        break;
      }
      case AlertMessageCode.ECS68:
      case AlertMessageCode.GCS53:
        out.push(billingDataLogUpdated(dev, freshSnapshot(clock.now())));
        break;
      case AlertMessageCode.ECS80:
        // The supply fails, and returns nine minutes later: an outage of 3 minutes or more.
        powerFailed(dev);
        clock.advance(9 * 60_000);
        out.push(...powerRestored(dev));
        break;
      case AlertMessageCode.MIIWA_ESME:
      case AlertMessageCode.MIIWA_GSME: {
        const info = octetsOf(part);
        out.push(integrityWarning(dev, info.length === 2 ? (info[0]! << 8) | info[1]! : 0));
        break;
      }
      case AlertMessageCode.FIRMWARE_RECEIPT_ESME:
      case AlertMessageCode.FIRMWARE_RECEIPT_GSME: {
        const d = decoded(rtds);
        const hash =
          d?.encoding === 'gbz' && d.gbz.type === 'alert' && d.gbz.alertBody.type === 'firmware-hash'
            ? d.gbz.alertBody.calculatedManufacturerImageHash
            : octetsOf(part);
        if (hash.length !== 32) return 'firmware receipt alert without a 32-byte hash';
        out.push(firmwareVerified(dev, hash, code === 0x8f72));
        break;
      }
      case AlertMessageCode.CS14: {
        const s = part?.type === 'structure' ? part.value : [];
        const log = s[2]?.type === 'array' ? s[2].value : [];
        out.push(
          deviceLogChanged(
            dev,
            toHex(octetsOf(s[1])),
            log.map((e) => {
              const x = e.type === 'structure' ? e.value : [];
              return { deviceId: toHex(octetsOf(x[0])), installCode: toHex(octetsOf(x[1])) };
            }),
          ),
        );
        break;
      }
      case AlertMessageCode.DBCH07: {
        const s = part?.type === 'structure' ? part.value : [];
        const bits = s[0]?.type === 'bit-string' ? s[0].value : new Uint8Array(4);
        const mask = ((bits[0]! << 24) | (bits[1]! << 16) | (bits[2]! << 8) | bits[3]!) >>> 0;
        out.push(subGhzChannelChanged(dev, mask, octetsOf(s[1])[0] ?? 0));
        break;
      }
      case AlertMessageCode.DBCH08: {
        const s = part?.type === 'structure' ? part.value : [];
        out.push(subGhzChannelScanOutcome(dev, octetsOf(s[0])[0] ?? 0, octetsOf(s[1])[0] ?? 0));
        break;
      }
      case AlertMessageCode.DBCH09: {
        const config = subGhzConfiguration(rtds, folder);
        if (!config) return 'no Sub GHz configuration to report';
        out.push(subGhzConfigurationChanged(dev, config));
        break;
      }
      case AlertMessageCode.DBCH11:
        out.push(noMoreSubGhzDeviceCapacity(dev, toHex(octetsOf(part))));
        break;
      case AlertMessageCode.ECS100: {
        const p = octetsOf(part);
        if (p.length !== 10) return 'ECS100 alert without the refused command';
        const r = new ByteReader(p);
        out.push(commandNotSupported(dev, r.u16('message code'), r.u64('counter')));
        break;
      }
      case AlertMessageCode.ECS101:
        out.push(
          apcLimitLevelProcessed(
            dev,
            numberOf(body[2]),
            dlmsTime(body[3], clock.now()),
            dlmsTime(body[4], clock.now()),
            numberOf(body[5]),
          ),
        );
        break;
      case AlertMessageCode.ECS102:
        out.push(apcLimitLevelEnded(dev, numberOf(body[2]), numberOf(body[3])));
        break;
      case AlertMessageCode.ECS200: {
        const text = part?.type === 'utf8-string' ? new TextDecoder().decode(part.value) : '{}';
        let update: Record<string, string> = {};
        try {
          update = JSON.parse(text) as Record<string, string>;
        } catch {
          /* an empty update */
        }
        out.push(apcOperationalUpdate(dev, update));
        break;
      }
      case AlertMessageCode.CCS08:
        out.push(
          firmwareTransferred(
            dev,
            toHex(kids[2]?.value ?? new Uint8Array(8)),
            kids[3]?.value ?? new Uint8Array(4),
            kids[4] ? Number(derIntegerValue(kids[4])) : 0,
          ),
        );
        break;
      case AlertMessageCode.CS09:
        out.push(
          firmwareVersionReport(
            dev,
            kids[2]?.value ?? new Uint8Array(4),
            kids[3] ? Number(derIntegerValue(kids[3])) : 0,
          ),
        );
        break;
      case AlertMessageCode.GCS62:
        out.push(
          gpfDeviceLogBackup(
            dev,
            (kids[2]?.children ?? []).map((e) => ({
              deviceId: toHex(e.children?.[0]?.value ?? new Uint8Array(8)),
              deviceType: e.children?.[1] ? Number(derIntegerValue(e.children[1])) : 0,
            })),
          ),
        );
        break;
      case AlertMessageCode.GNCA:
        out.push(
          code === 0x810e && dev.deviceType === 'GSME' ? creditAddedLocally(dev) : alertEvent(dev, code ?? 0),
        );
        break;
      default:
        if (code === null) return `no alert code in RTDS alert 0x${mc.toString(16)}`;
        out.push(alertEvent(dev, code));
    }
  }
  if (futureDated) out.push(...new Scheduler(clock, [dev]).runPending());
  return out;
}

// ---------------------------------------------------------------------------------------------

function envelope(ours: Msg, theirs: Msg): string[] {
  return [
    ...envelopeDiffs(ours, theirs, false),
    ...fieldDiffs([
      ['alert code', alertCodeOf(ours), alertCodeOf(theirs)],
      ['reported message code', reportedMessageCode(ours), reportedMessageCode(theirs)],
    ]),
  ];
}

/** Differences between one of our alerts and an RTDS alert. */
export function alertPairDiffs(ours: Msg, theirs: Msg, vctx: VerifyContext): string[] {
  const d = envelope(ours, theirs);
  if (ours.form === 'mac') {
    const v = verifyMac(vctx, ours);
    if (v !== 'valid') d.push(`our alert's MAC: ${v}`);
  }
  return [...d, ...diffShapes(payloadShape(ours, vctx), payloadShape(theirs, vctx))];
}

/**
 * Compares our alerts with a scenario's RTDS alerts (any order; each RTDS alert is paired with
 * one of ours that matches, else with the closest by Message Code and alert code).
 */
export function compareAlerts(
  ours: readonly RaisedAlert[],
  theirs: ReadonlyArray<{ name: string; message: Msg }>,
  vctx: VerifyContext,
): string[] {
  const out: string[] = [];
  if (ours.length !== theirs.length) out.push(`alerts: ${ours.length} vs ${theirs.length}`);
  for (let i = 1; i < ours.length; i++) {
    if (ours[i]!.header.originatorCounter !== ours[i - 1]!.header.originatorCounter + 1n) {
      out.push('alert counters do not increase by one');
      break;
    }
  }
  const decodedOurs = ours.map((a) => decodeGbcsMessage(a.bytes) as Msg);
  const used = new Set<number>();
  for (const t of theirs) {
    const candidates = decodedOurs.map((m, i) => ({ m, i })).filter((x) => !used.has(x.i));
    const exact = candidates.find((x) => alertPairDiffs(x.m, t.message, vctx).length === 0);
    const close =
      exact ??
      candidates.find(
        (x) =>
          x.m.apdu.header.messageCode === t.message.apdu.header.messageCode &&
          alertCodeOf(x.m) === alertCodeOf(t.message),
      ) ??
      candidates[0];
    if (!close) {
      out.push(`${t.name}: no alert of ours`);
      continue;
    }
    used.add(close.i);
    for (const x of alertPairDiffs(close.m, t.message, vctx)) out.push(`${t.name}: ${x}`);
  }
  return out;
}

/** The scenario's RTDS alerts, decoded, with short names (the part of the file name after the prefix). */
export function readRtdsAlerts(paths: readonly string[]): Array<{ name: string; message: Msg }> | string {
  const out: Array<{ name: string; message: Msg }> = [];
  for (const p of paths) {
    try {
      out.push({
        name: p
          .split('/')
          .pop()!
          .replace(/_GBCS\.HEX$/i, ''),
        message: readRtdsMessage(p),
      });
    } catch (e) {
      return `RTDS alert does not decode: ${(e as Error).message}`;
    }
  }
  return out;
}

/** Folder of an RTDS file. */
export const folderOf = (path: string): string => dirname(path);
