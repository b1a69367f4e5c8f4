/**
 * What the pipeline steps, the alerts, the scheduler and the device models see of a device
 * (`DeviceCore`, implemented by sim/device/device.ts `Device`), and the shapes that travel between
 * the steps: a step's outcome, the execution context a model runs in, a command's outcome.
 * Kept apart from the `Device` class so that nothing below the pipeline imports it (no cycles).
 */
import type { GbcsCrypto } from '../../protocol/crypto/index.ts';
import type { GbcsMessage, MacMessage, SigningMessage } from '../../protocol/envelope.ts';
import type { GroupingHeader } from '../../protocol/grouping-header.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { DeviceType, UseCase } from '../../protocol/use-case-catalogue.ts';
import type { Clock } from '../clock.ts';
import type { AlertSpec, RaisedAlert } from './alert-types.ts';
import type { CredentialsView } from './credentials.ts';
import type { FaultRule } from './faults.ts';
import type { DeviceState, Rejection, RejectReason, ScheduledTask } from './state.ts';

/** A device as the pipeline steps, alerts, scheduler and models use it. */
export interface DeviceCore {
  readonly eui: Eui64;
  readonly deviceType: DeviceType;
  readonly crypto: GbcsCrypto;
  readonly clock: Clock;
  /** The device model executing accepted commands (sim/models/index.ts `MODELS`). */
  readonly model: DeviceModel;
  state: DeviceState;
  /** The credentials held now (read-only view of `state.credentials`). */
  readonly credentials: CredentialsView;
  /** Replaces the credentials (CS02b/CS02g cells, CS02d key pairs); recorded in the state. */
  replaceCredentials(next: CredentialsView): void;
  /** Writes the state to the store, when there is one. */
  persist(): void;
  /** Z between my KA key and a peer's KA public key (from whichever private key is known). */
  sharedSecretWith(peer: Eui64, peerPublicKey: Uint8Array): Uint8Array | undefined;
  /** KA public key of a Known Remote Party by EUI (any role). */
  remotePartyKaKey(eui: Eui64): Uint8Array | undefined;
  /** EUI of the Access Control Broker this device trusts. */
  readonly acbId: Eui64 | undefined;
  /** Runs the device model on an accepted command (step 7; the scheduler re-runs deferred ones). */
  execute(ctx: ExecutionContext): ExecutionResult;
}

export interface ExecutionContext {
  device: DeviceCore;
  header: GroupingHeader;
  payload: Uint8Array;
  useCase: UseCase;
  /** The command carried a valid originator signature. */
  signed: boolean;
  originatorRole: number;
  now: number;
  /** Encrypts a sensitive response part for the response's recipient (KDF purpose 04). */
  encryptForRecipient(plaintext: Uint8Array): Uint8Array;
  /** The payload-level fault injected for this use case, if any: handlers answer accordingly. */
  fault: PayloadFault | undefined;
  /** Raises an alert caused by this command (sim/device/alerts.ts); it travels with the command outcome. */
  raiseAlert(spec: AlertSpec): RaisedAlert;
}

/** Faults a device model applies while building its response payload. */
export type PayloadFault = Extract<
  FaultRule,
  { kind: 'dlms-results' | 'gbz-default-response' | 'gbz-attribute-status' | 'asn1-status' | 'sentinel' }
>;

export interface ExecutionResult {
  /** Response payload. */
  payload: Uint8Array;
}

/** A use-case handler: turns an accepted command into a response payload, changing `device.state.model`. */
export type Executor = (ctx: ExecutionContext) => ExecutionResult;

/** What a device model needs to execute a command (a live one, or a due future-dated one). */
export interface CommandToExecute {
  header: GroupingHeader;
  payload: Uint8Array;
  useCase: UseCase;
  signed: boolean;
  originatorRole: number;
}

export type CommandOutcome =
  | { accepted: false; rejection: Rejection; message: GbcsMessage | null; response: null }
  | {
      accepted: true;
      message: MacMessage | SigningMessage;
      useCase: UseCase;
      originatorRole: number;
      response: Uint8Array;
      responseHeader: GroupingHeader;
      /** Fault injection: the device executed but sends no response. */
      dropped?: boolean;
      /** Fault injection: the response leaves after this many milliseconds. */
      delayMs?: number;
      /** Alerts the command caused while executing (sim/device/alerts.ts); absent = none. */
      alerts?: RaisedAlert[];
    };

/** A pipeline step's outcome: its value, or the rejection that stops the command. */
export type Step<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export const reject = (reason: RejectReason, detail: string): { ok: false; rejection: Rejection } => ({
  ok: false,
  rejection: { reason, detail },
});

/** The outcome of a deferred execution. */
export interface DeferredOutcome {
  actioned: boolean;
  /** ASN.1: DER of the execution outcome reported in the alert. */
  outcome?: Uint8Array;
}

/**
 * Runs a due task of a device model (e.g. the ESME moves passive tariff values to active). Without
 * one, DLMS and GBZ targets are actioned (the generic models stored the values when the command
 * arrived) and ASN.1 commands run through the device model (sim/device/scheduler.ts).
 */
export type DeferredExecutor = (dev: DeviceCore, task: ScheduledTask) => DeferredOutcome;

/**
 * What is known about a device beyond its type when it is provisioned: the RTDS scenario it plays
 * (name and command Message Code, `conformance`), or a premises configuration. `nowMs` is the
 * device-clock time of provisioning.
 */
export interface ProvisioningHints {
  /** The use case the device is provisioned for (a model may seed history it reads). */
  messageCode?: number;
  /** Device-clock time of the provisioning, ms since the Unix epoch. */
  nowMs: number;
  /**
   * The meter's configuration, as a real one is built (ESME: measuring elements 1 = single, 2 =
   * twin element; phases 1 or 3 = polyphase). Absent: the model's default (single element,
   * single phase). Models read nothing else about the device's purpose: no file or scenario names.
   */
  variant?: MeterVariant;
}

/** A meter's build (GBCS ESME variants: single element, twin element, polyphase). */
export interface MeterVariant {
  elements: 1 | 2;
  phases: 1 | 3;
}

/**
 * A device type's model (DESIGN §1 step 7; sim/models/index.ts `MODELS` holds one per device type):
 * the use-case handlers by Message Code, what answers a code without one, how a fresh device is
 * provisioned, the deferred (future-dated) executions, and the invariants its state keeps.
 */
export interface DeviceModel {
  readonly deviceType: DeviceType;
  /** Use-case handlers by Message Code. */
  readonly handlers: ReadonlyMap<number, Executor>;
  /**
   * Answers a Message Code without a handler (the generic COSEM store, ZSE responder or empty
   * ASN.1 answer, by payload encoding). Explicit, so a missing handler is a visible choice.
   */
  readonly generic: Executor;
  /** Sets up the model's state (variant, history) from provisioning hints; absent = nothing to do. */
  readonly provision?: (state: DeviceState, hints: ProvisioningHints) => void;
  /** Deferred executions by Message Code (future-dated commands coming due). */
  readonly deferred: ReadonlyMap<number, DeferredExecutor>;
  /** Problems with a model state (empty = consistent); for tests and `serve` state checks. */
  readonly invariants?: (state: DeviceState) => string[];
}

/** An accepted command's outcome. */
export type AcceptedOutcome = Extract<CommandOutcome, { accepted: true }>;

/**
 * The state-changing stages of the pipeline (steps 7 and 8, and the outcome), as functions a
 * decorator can wrap: sim/device/pipeline/with-faults.ts wraps them to inject faults around the
 * pipeline rather than inside it.
 */
export interface Stages {
  /** Step 7: the response payload of an accepted command (alerts it raises appended to `alerts`). */
  execute(dev: DeviceCore, command: CommandToExecute, alerts: RaisedAlert[]): Uint8Array;
  /** Step 8: the protected response. */
  protect(dev: DeviceCore, header: GroupingHeader, payload: Uint8Array, sign: boolean): Uint8Array;
  /** The outcome as it leaves the device. */
  finish(dev: DeviceCore, outcome: AcceptedOutcome): AcceptedOutcome;
}
