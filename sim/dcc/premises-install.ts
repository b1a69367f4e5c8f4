/**
 * A premises' install-and-commission flow as the DCC sees it: the Communications Hub ordered,
 * delivered, accepted and installed (sim/ch, so its CHF and GPF follow the CH lifecycle), the
 * meters pre-notified, then real GBCS traffic through the DCC gate (gate.ts) to the premises'
 * devices — CCS01 whitelists each meter with an Install Code and opens the join window, the meter
 * joins the SMHAN with it (the CHF raises CS14 with the new link key's hash), the GSME joins its GPF
 * (CS03B), and ECS70 / GCS28 set the meters' clocks (Commission Device, SRV 8.1.1). The inventory
 * moves only from what the gate observes: pre-notified (Pending) → Whitelisted →
 * InstalledNotCommissioned → Commissioned.
 *
 * `sendThroughDcc` is the one path a command takes: gate (admit) → head-end (build, protect) →
 * premises (CHF routing; the GSME's commands wait in the GPF for its wake-up) → head-end (check the
 * response) → gate (observe the response and the alerts the command raised).
 */
import { encodeJoinDeviceCommand, JoinMethodAndRole } from '../../protocol/asn1/cs03.ts';
import { DeviceTypeCode } from '../../protocol/asn1/gbcs-types.ts';
import { encodeSetTimeCommand } from '../../protocol/asn1/gcs28.ts';
import { decodeGbcsMessage } from '../../protocol/envelope.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { useCaseOf } from '../../protocol/use-case-catalogue.ts';
import type { ChChange, CommsHubService } from '../ch/hubs.ts';
import type { VirtualClock } from '../clock.ts';
import type { CommandOutcome } from '../device/device.ts';
import type { HeadEnd } from '../head-end/head-end.ts';
import { responseOutcome } from '../head-end/outcome.ts';
import {
  addToChfDeviceLogPayload,
  type PartyName,
  partyEui,
  setEsmeClockPayload,
} from '../head-end/scenario.ts';
import type { InventoryChange } from '../inventory/inventory.ts';
import type { SmiStatus } from '../inventory/smi-status.ts';
import { type HanJoinCredential, hanJoinAttempt } from '../models/chf/join-window.ts';
import type { Premises, PremisesIds } from '../premises/premises.ts';
import type { DccGate, GateObservation, GateVerdict } from './gate.ts';

/** What one command through the DCC came to. */
export interface DccSendResult {
  /** The gate's verdict; `refused` when it said no (nothing was sent). */
  verdict: GateVerdict;
  refused: boolean;
  /** The device accepted the command (steps 1–6) — false when refused by the gate or the device. */
  accepted: boolean;
  /** The response verified and reports success. */
  success: boolean;
  /** `success`, the errors the response reports, the device's rejection, or the gate's refusal code. */
  result: string;
  observation: GateObservation;
}

export interface DccCommand {
  device: keyof PremisesIds;
  from: PartyName;
  messageCode: number;
  payload: Uint8Array | ((originatorCounter: bigint) => Uint8Array);
}

/** The parts a command travels through. */
export interface DccPath {
  gate: DccGate;
  headEnd: HeadEnd;
  premises: Premises;
  /** The premises' virtual clock: a queued GSME command waits one poll interval on it. */
  clock: VirtualClock;
}

const merge = (a: GateObservation, b: GateObservation): void => {
  a.changes.push(...b.changes);
  a.skipped.push(...b.skipped);
};

/** One command through the DCC gate to the premises (see file doc). Never throws on a device's answer. */
export function sendThroughDcc(path: DccPath, cmd: DccCommand): DccSendResult {
  const { gate, headEnd, premises, clock } = path;
  const recipientId = premises.ids[cmd.device];
  const verdict = gate.admit(recipientId, cmd.messageCode);
  const observation: GateObservation = { changes: [], skipped: [] };
  if (!verdict.ok)
    return { verdict, refused: true, accepted: false, success: false, result: verdict.code, observation };
  const built = headEnd.buildCommand({
    originatorId: partyEui(cmd.from),
    recipientId,
    messageCode: cmd.messageCode,
    payload: cmd.payload,
  });
  const sub = premises.submit(built.bytes);
  let outcome: CommandOutcome | undefined;
  if (sub.status === 'queued') {
    clock.advance(premises.gsmePollIntervalMs);
    outcome = premises.gsmeWake()[0];
  } else outcome = sub.outcome;
  if (!outcome?.accepted)
    return {
      verdict,
      refused: false,
      accepted: false,
      success: false,
      result: outcome ? `rejected ${outcome.rejection.reason}` : 'no outcome',
      observation,
    };
  const check = outcome.dropped ? null : headEnd.checkResponse(built.header, outcome.response);
  const read = check?.ok ? responseOutcomeOf(outcome.response) : null;
  const success = read?.ok === true;
  merge(observation, gate.responded(built.bytes, success));
  // Alerts the command raised (in-process devices of the test bed: their protection is the device's own).
  for (const a of outcome.alerts ?? []) merge(observation, gate.alerted(a.bytes));
  const result = !check
    ? 'no response (dropped)'
    : !check.ok
      ? `response not verified: ${check.problems.join('; ')}`
      : read!.ok
        ? 'success'
        : `error: ${read!.errors.join(', ')}`;
  return { verdict, refused: false, accepted: true, success, result, observation };
}

function responseOutcomeOf(response: Uint8Array) {
  const m = decodeGbcsMessage(response);
  return m.form === 'gbt' ? { ok: false as const, errors: ['a GBT block'] } : responseOutcome(m.apdu.payload);
}

/** A HAN device tries to join the CHF's network; a CS14 it causes goes to the gate. */
export function hanJoin(
  path: DccPath,
  device: keyof PremisesIds,
  credential: HanJoinCredential,
): { ok: boolean; result: string; observation: GateObservation } {
  const { premises, gate } = path;
  const chf = premises.devices.get(premises.ids.chf)!;
  const r = hanJoinAttempt(chf, premises.ids[device], credential);
  const observation: GateObservation = { changes: [], skipped: [] };
  if (!r.ok) return { ok: false, result: r.reason, observation };
  if (r.alert) merge(observation, gate.alerted(r.alert.bytes));
  return { ok: true, result: `joined with ${r.via}`, observation };
}

/** One step of the flow with the SMI Statuses of the premises' devices after it. */
export interface InstallStep {
  step: number;
  label: string;
  /** `success`, or what went wrong (the gate's refusal, the device's rejection, a join refusal). */
  result: string;
  ok: boolean;
  changes: InventoryChange[];
  statuses: Record<keyof PremisesIds, SmiStatus | null>;
}

export interface InstallOptions {
  path: DccPath;
  hubs: CommsHubService;
  /** The installation location (its SM WAN coverage is recorded as available). */
  uprn?: string;
  /** Install codes of the meters (6–16 octets; default the ASCII of 16 hex digits derived from the EUI [A]). */
  installCodes?: Partial<Record<'esme' | 'gsme', Uint8Array>>;
  /** CCS01 join_timeout, seconds (1–3600; default 3600). */
  joinTimeoutS?: number;
}

/** The default Install Code of a device: its EUI's hex digits reversed, as ASCII (16 octets) [A]. */
export const defaultInstallCode = (eui: Eui64): Uint8Array =>
  new TextEncoder().encode([...eui.toUpperCase()].reverse().join(''));

/**
 * Plays the premises' install and commissioning (see file doc). Each step is a value; a failed step
 * stops the flow (the rest would not make sense). The inventory must not already hold the premises'
 * devices (pre-notification and the hub order are refused otherwise, and the Refusal propagates).
 */
export function installAndCommission(o: InstallOptions): InstallStep[] {
  const { path, hubs } = o;
  const { premises, gate } = path;
  const inv = gate.inventory;
  const ids = premises.ids;
  const clock = path.clock;
  const supplier = partyEui('supplier');
  const uprn = o.uprn ?? '100023456789';
  const timeout = o.joinTimeoutS ?? 3600;
  const code = (d: 'esme' | 'gsme') => o.installCodes?.[d] ?? defaultInstallCode(ids[d]);
  const steps: InstallStep[] = [];
  const statuses = () =>
    Object.fromEntries(
      (Object.keys(ids) as Array<keyof PremisesIds>).map((k) => [k, inv.get(ids[k])?.status ?? null]),
    ) as InstallStep['statuses'];
  const record = (label: string, ok: boolean, result: string, changes: InventoryChange[]): boolean => {
    steps.push({ step: steps.length + 1, label, result, ok, changes, statuses: statuses() });
    return ok;
  };
  const inventoryStep = (label: string, fn: () => InventoryChange[]) => record(label, true, 'success', fn());
  // The hub's own changes are in its history (`ch history`); the step shows the SMI ones.
  const hubStep = (label: string, fn: () => ChChange[][]) =>
    record(
      label,
      true,
      'success',
      fn()
        .flat()
        .filter((c): c is InventoryChange => c.change !== 'chState'),
    );
  const command = (label: string, cmd: DccCommand) => {
    clock.advance(60_000);
    const r = sendThroughDcc(path, cmd);
    const uc = useCaseOf(cmd.messageCode)?.useCase ?? '';
    return record(`${uc} ${label}`, r.success, r.result, r.observation.changes);
  };
  const join = (label: string, device: 'esme' | 'gsme') => {
    clock.advance(60_000);
    const r = hanJoin(path, device, { kind: 'install-code', installCode: code(device) });
    return record(label, r.ok, r.ok ? 'success' : r.result, r.observation.changes);
  };

  const at = () => clock.now();
  const whitelist = (d: 'esme' | 'gsme') =>
    command(`add the ${d.toUpperCase()} to the CHF Device Log (install code, join window open)`, {
      device: 'chf',
      from: 'supplier',
      messageCode: 0x0001,
      payload: addToChfDeviceLogPayload(ids[d], code(d), timeout),
    });
  hubStep('CH ordered, dispatched and delivered (CHF, GPF enter the SMI)', () => [
    hubs.order(
      {
        hubId: ids.chf,
        gpfId: ids.gpf,
        region: 'Central',
        wanVariant: 'Cellular',
        hanVariant: 'Single Band',
      },
      at(),
    ),
    hubs.apply(ids.chf, 'dispatch', at()),
    hubs.apply(ids.chf, 'deliver', at()),
  ]);
  clock.advance(60_000);
  inventoryStep('ESME and GSME pre-notified (SRV 12.2)', () => [
    ...inv.preNotify(
      {
        deviceId: ids.esme,
        deviceType: 'ESME',
        manufacturer: 'GBCSSIM',
        model: 'ESME',
        importMpxn: '1100000000001',
        supplier,
      },
      at(),
    ),
    ...inv.preNotify(
      {
        deviceId: ids.gsme,
        deviceType: 'GSME',
        manufacturer: 'GBCSSIM',
        model: 'GSME',
        importMpxn: '1234567890',
        supplier,
      },
      at(),
    ),
  ]);
  clock.advance(60_000);
  hubs.setCoverage({ uprn, smWanAvailable: true, wanVariant: 'Cellular' });
  hubStep('CH accepted and installed with SM WAN (8.14.1): CHF, GPF commissioned', () => [
    hubs.apply(ids.chf, 'accept', at()),
    hubs.apply(ids.chf, 'install', at(), { uprn }),
  ]);
  const flow: Array<() => boolean> = [
    () => whitelist('esme'),
    () => join('ESME joins the SMHAN with its Install Code (CHF raises CS14)', 'esme'),
    () => whitelist('gsme'),
    () => join('GSME joins the SMHAN with its Install Code (CHF raises CS14)', 'gsme'),
    () =>
      command('join the GSME to its GPF (Method B)', {
        device: 'gsme',
        from: 'supplier',
        messageCode: 0x000e,
        payload: encodeJoinDeviceCommand({
          joinMethodAndRole: JoinMethodAndRole.METHOD_B,
          entityId: ids.gpf,
          deviceType: DeviceTypeCode.GPF,
          certificate: null,
        }),
      }),
    () =>
      command('commission the ESME: set its clock (SRV 8.1.1)', {
        device: 'esme',
        from: 'supplier',
        messageCode: 0x0062,
        payload: (c) => setEsmeClockPayload(at())(c),
      }),
    () =>
      command('commission the GSME: set its clock from the hub (SRV 8.1.1)', {
        device: 'gsme',
        from: 'supplier',
        messageCode: 0x007f,
        // The GSME answers at its next wake-up: the validity window covers it.
        payload: encodeSetTimeCommand({
          validityIntervalStart: at(),
          validityIntervalEnd: at() + 24 * 3600_000,
        }),
      }),
  ];
  for (const next of flow) if (!next()) break;
  return steps;
}
