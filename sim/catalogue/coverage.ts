/**
 * Use-case coverage (issue 13): for every Message Code of the use-case catalogue
 * (protocol/use-case-catalogue.ts, GBCS Table 13.3 family) and every alert code the device
 * machinery knows (sim/device/alerts.ts `AlertCode`, GBCS Table 16.2), what each of the four device
 * types of a premises (ESME, GSME, GPF, CHF) does with it:
 *
 * - `implemented` — a command reaches a use-case handler of the device type's model (the row of a
 *   model file, sim/models/index.ts); an alert Message Code or alert code is raised by the device's
 *   own machinery (the event API's Message Code for the alert code, or the scheduler's future-dated
 *   outcome alert);
 * - `generic` — a command passes authorisation and falls to the generic responder
 *   (sim/models/common/generic.ts: the generic COSEM store, the generic ZSE responder, an empty
 *   SEQUENCE); an alert Message Code no machinery of the device raises;
 * - `refused` — the device refuses it, with the reason: the pipeline's authorise step (GBCS 7.2.x;
 *   sim/device/pipeline/authorise.ts) rejects the command from every Remote Party Role GBCS lets
 *   originate it, or no Message Code can carry the alert code from that device type.
 *
 * How it is determined, and why this way: each command is built by the test parties' head-end
 * exactly as a Remote Party builds it (signed when critical, MAC'd by the ACB) for a real device of
 * the test bed (sim/premises/test-bed.ts), decoded, and put through that device's authorise step;
 * an accepted command is then classified by the path the execute step takes — the model's handler
 * map or its generic answer (`DeviceModel.handlers` / `DeviceModel.generic`, the same lookup
 * sim/device/pipeline/execute.ts makes). The command is not executed: a well-formed payload of
 * every use case would have to come from somewhere, and the only complete source at hand is the
 * RTDS test data, which no model or model measure may depend on. So `implemented` says the model
 * has a handler for the use case, not that every COSEM object or ZSE attribute the use case can
 * touch is modelled (the ESME's one COSEM executor serves all its DLMS use cases; an object it does
 * not know answers object-undefined).
 *
 * Rows: a (code, device type) pair is listed when the catalogue names the device type for the code
 * (it executes the command or raises the alert), and for the four types when the catalogue names no
 * device type at all (what a device does with such a code is then the question). Pure: no I/O; the
 * test bed is built in memory on the deterministic test keys.
 */
import { createCrypto } from '../../protocol/crypto/index.ts';
import { decodeGbcsMessage, type MacMessage, type SigningMessage } from '../../protocol/envelope.ts';
import {
  allUseCases,
  type DeviceType,
  messageCodeHex,
  ROLE_NAMES,
  type UseCase,
  useCaseOf,
} from '../../protocol/use-case-catalogue.ts';
import { AlertCode, alertMessageCode } from '../device/alerts.ts';
import type { Device } from '../device/device.ts';
import { futureDatedOutcomeAlert } from '../device/future-dated.ts';
import { authoriseStep } from '../device/pipeline/authorise.ts';
import { RejectReason } from '../device/state.ts';
import { MODELS } from '../models/index.ts';
import { createTestBed } from '../premises/test-bed.ts';
import { TEST_PARTIES } from '../smki/test-pki.ts';

/** The device types of a premises, in the order the catalogue reports them. */
export const COVERAGE_DEVICE_TYPES = ['ESME', 'GSME', 'GPF', 'CHF'] as const;
export type CoverageDeviceType = (typeof COVERAGE_DEVICE_TYPES)[number];

export type CoverageStatus = 'implemented' | 'generic' | 'refused';

/** One (code, device type) of the catalogue. */
export interface CoverageRow {
  /** `message-code`: a GBCS Message Code (command or alert); `alert-code`: a GBCS alert code. */
  kind: 'command' | 'alert' | 'alert-code';
  /** `0x0027` / `0x8f3f`. */
  code: string;
  /** GBCS use-case id (`ECS17b`) or the alert code's name (`TAMPER_DETECT`); empty where none. */
  name: string;
  title: string;
  deviceType: CoverageDeviceType;
  status: CoverageStatus;
  /** Why it is refused (the authorise step's reason and detail), or how it is carried. */
  reason: string | null;
}

export type CoverageCounts = Record<CoverageStatus, number>;
export type CoverageSummary = Record<CoverageDeviceType, CoverageCounts>;

const isAlert = (uc: UseCase) => uc.kind === 'alert' || uc.kind === 'alert-critical';
const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

/** The Remote Parties that may originate `uc`: the catalogue's roles, or every test party when it names none. */
function originatorsOf(uc: UseCase): string[] {
  const parties = TEST_PARTIES.filter((p) => uc.roles.length === 0 || uc.roles.includes(p.role));
  return parties.map((p) => p.eui);
}

/**
 * A command's path through a device: refused by authorise from every originator allowed to send
 * it (the first rejection is the reason), else the execute step's choice of handler or generic.
 */
function classifyCommand(dev: Device, bed: ReturnType<typeof createTestBed>, uc: UseCase) {
  let firstRejection: string | null = null;
  for (const originatorId of originatorsOf(uc)) {
    let message: MacMessage | SigningMessage;
    try {
      // Authorisation reads the header only; the payload (an empty SEQUENCE) is never executed.
      const built = bed.headEnd.buildCommand({
        originatorId,
        recipientId: dev.eui,
        messageCode: uc.messageCode,
        payload: Uint8Array.of(0x30, 0x00),
        ...(uc.commandMac === 'none' ? { mac: false } : {}),
      });
      const m = decodeGbcsMessage(built.bytes);
      if (m.form === 'gbt') continue;
      message = m;
    } catch (e) {
      // A party without the keys to build it (e.g. no DS key for a signed command): not an originator.
      firstRejection ??= `cannot be built by ${originatorId}: ${(e as Error).message}`;
      continue;
    }
    const step = authoriseStep(dev, message);
    if (!step.ok) {
      firstRejection ??= `${step.rejection.reason}: ${step.rejection.detail}`;
      continue;
    }
    const handled = dev.model.handlers.has(uc.messageCode);
    return handled
      ? { status: 'implemented' as const, reason: null }
      : { status: 'generic' as const, reason: 'no handler: the generic responder answers' };
  }
  const roles = uc.roles.map((r) => `${ROLE_NAMES[r] ?? 'role'} (${r})`).join(', ');
  return {
    status: 'refused' as const,
    reason:
      firstRejection ??
      `${RejectReason.NO_TRUST_ANCHOR}: only ${roles} may originate it, and a device as provisioned knows no such Remote Party (a trust-anchor cell for it comes by CS02b/CS02g)`,
  };
}

/** Alert Message Codes a device type's own machinery raises: the event API's and the scheduler's. */
function raisedAlertMessageCodes(t: CoverageDeviceType): Map<number, string> {
  const out = new Map<number, string>();
  for (const [name, code] of Object.entries(AlertCode)) {
    try {
      out.set(alertMessageCode(t, code), `raised for alert ${hex4(code)} ${name}`);
    } catch {
      // Not carried from this device type.
    }
  }
  const model = MODELS[t];
  for (const code of model.handlers.keys()) {
    const mc = futureDatedOutcomeAlert(code, model.deferred.has(code));
    if (mc !== undefined && !out.has(mc)) out.set(mc, `future-dated outcome of ${messageCodeHex(code)}`);
  }
  return out;
}

/** Every row of the catalogue, Message Codes in code order, then alert codes. */
export function catalogueCoverage(): CoverageRow[] {
  const bed = createTestBed({ seed: 'catalogue', crypto: createCrypto('noble') });
  const deviceOf = (t: CoverageDeviceType): Device => {
    const ids = bed.premises.ids;
    const eui = { ESME: ids.esme, GSME: ids.gsme, GPF: ids.gpf, CHF: ids.chf }[t];
    return bed.premises.devices.get(eui)!;
  };
  const raised = new Map(COVERAGE_DEVICE_TYPES.map((t) => [t, raisedAlertMessageCodes(t)]));
  const rows: CoverageRow[] = [];
  const useCases = allUseCases().sort((a, b) => a.messageCode - b.messageCode);
  for (const uc of useCases) {
    const targets = COVERAGE_DEVICE_TYPES.filter((t) =>
      uc.devices.length === 0 ? true : uc.devices.includes(t as DeviceType),
    );
    for (const t of targets) {
      const base = { code: hex4(uc.messageCode), name: uc.useCase, title: uc.title, deviceType: t };
      if (isAlert(uc)) {
        const how = raised.get(t)!.get(uc.messageCode);
        rows.push({
          ...base,
          kind: 'alert',
          status: how ? 'implemented' : 'generic',
          reason: how ?? 'no event or scheduler path of the device raises it',
        });
      } else {
        rows.push({ ...base, kind: 'command', ...classifyCommand(deviceOf(t), bed, uc) });
      }
    }
  }
  for (const [name, code] of Object.entries(AlertCode).sort((a, b) => a[1] - b[1])) {
    for (const t of COVERAGE_DEVICE_TYPES) {
      let mc: number | null = null;
      let why = '';
      try {
        mc = alertMessageCode(t, code);
      } catch (e) {
        why = (e as Error).message;
      }
      const carrier = mc === null ? undefined : useCaseOf(mc);
      rows.push({
        kind: 'alert-code',
        code: hex4(code),
        name,
        title: '',
        deviceType: t,
        status: mc === null ? 'refused' : 'implemented',
        reason:
          mc === null
            ? why
            : `carried by ${messageCodeHex(mc)}${carrier?.useCase ? ` ${carrier.useCase}` : ''}`,
      });
    }
  }
  return rows;
}

/** Counts of each status per device type. */
export function coverageSummary(rows: readonly CoverageRow[]): CoverageSummary {
  const s = Object.fromEntries(
    COVERAGE_DEVICE_TYPES.map((t) => [t, { implemented: 0, generic: 0, refused: 0 }]),
  ) as CoverageSummary;
  for (const r of rows) s[r.deviceType][r.status]++;
  return s;
}
