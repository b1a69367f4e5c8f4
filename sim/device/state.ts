/**
 * A device's state (DESIGN §3): plain, serialisable data — anti-replay floors, credentials, the
 * alert counter, the model's state, injected faults and the schedule — and the stable reasons a
 * command is refused.
 */
import type { Eui64 } from '../../protocol/types.ts';
import type { DeviceType } from '../../protocol/use-case-catalogue.ts';
import type { CredentialsRecord } from './credentials.ts';
import type { FaultRule } from './faults.ts';

/** What a future-dated task executes when it comes due. */
export type FutureDatedTarget =
  /** A COSEM activation-time attribute (instance id as 12 hex digits). */
  | { kind: 'cosem'; classId: number; instanceId: string; attributeId: number }
  /** A ZCL command of a GBZ component. */
  | { kind: 'zcl'; clusterId: number; frameControl: number; commandId: number }
  /** A whole ASN.1 command (CS06, CS02b, CS02g). */
  | { kind: 'asn1'; alertMessageCode: number };

/** A pending future-dated execution, plain data in `state.schedule`. */
export interface ScheduledTask {
  /** When it executes (ms since the epoch). */
  dueMs: number;
  /** The future-dated command. */
  messageCode: number;
  originatorId: Eui64;
  /** uint64, decimal. */
  originatorCounter: string;
  originatorRole: number;
  signed: boolean;
  target: FutureDatedTarget;
  /** ASN.1: the command payload without its execution date-time (hex), run when due. */
  payload?: string;
  /** CS06: the Originator Counter carried in the payload (decimal). */
  payloadCounter?: string;
}

/** Stable reasons for refusing a command (DESIGN §4 `replay --json` `reason`). */
export const RejectReason = {
  DECODE: 'DECODE',
  NOT_FOR_ME: 'NOT_FOR_ME',
  NOT_A_COMMAND: 'NOT_A_COMMAND',
  GBT_BLOCK: 'GBT_BLOCK',
  UNKNOWN_MESSAGE_CODE: 'UNKNOWN_MESSAGE_CODE',
  WRONG_DEVICE_TYPE: 'WRONG_DEVICE_TYPE',
  NO_TRUST_ANCHOR: 'NO_TRUST_ANCHOR',
  NOT_AUTHORISED: 'NOT_AUTHORISED',
  MAC_MISSING: 'MAC_MISSING',
  MAC_INVALID: 'MAC_INVALID',
  SIGNATURE_MISSING: 'SIGNATURE_MISSING',
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  REPLAY: 'REPLAY',
  /**
   * The command passed steps 1–6 but the device model or the state store failed on it (a
   * simulator fault, not a protocol outcome): no response, and the state is as before the command.
   */
  EXECUTION_FAILED: 'EXECUTION_FAILED',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export interface Rejection {
  reason: RejectReason;
  detail: string;
  /** For DECODE: the decoder's code and offset. */
  error?: { code: string; offset: number; message: string };
}

/**
 * The state of the device models, one key per model part (`esme`, `gsme`, `chf`, `gpf`,
 * `firmware`, `deviceLog`, …). Each model declares the keys it owns and their types where it
 * defines them (`declare module '…/sim/device/state.ts' { interface ModelState { … } }`), so the
 * device layer needs no import of the models and every declared part is typed.
 */
export interface ModelState {
  /** Parts not (yet) declared by their model: untyped. */
  [part: string]: unknown;
}

/** Plain, serialisable device state. Counters are decimal strings (uint64). */
export interface DeviceState {
  eui: Eui64;
  deviceType: DeviceType;
  /** Last accepted Originator Counter per Remote Party Role (GBCS 4.3.1.5 anti-replay). */
  antiReplay: Record<string, string>;
  /**
   * The floors of Remote Parties that left a role (a CS02b/CS02g gave the role's cells to another
   * organisation), keyed `role/EUI`: a party that comes back never starts below them
   * (sim/models/security/trust-anchor-cells.ts). Absent = none.
   */
  retiredFloors?: Record<string, string>;
  /**
   * The device's Security Credentials (own key pairs, trust-anchor cells), durable: the source of
   * truth for `Device.credentials`. Filled from the provisioned credentials when absent. Never
   * changed in place: `Device.replaceCredentials` assigns a new record.
   */
  credentials?: CredentialsRecord;
  /** The device's own counter for alerts it originates. */
  alertCounter: string;
  /** Device-model state (registers, logs, …), owned by the device model. */
  model: ModelState;
  /** Injected faults (sim/device/faults.ts), applied in order; absent = none. */
  faults?: FaultRule[];
  /** Pending future-dated executions (sim/device/scheduler.ts), in due order; absent = none. */
  schedule?: ScheduledTask[];
}

export function newDeviceState(eui: Eui64, deviceType: DeviceType): DeviceState {
  return { eui, deviceType, antiReplay: {}, alertCounter: '0', model: {} };
}

/** A deep copy of plain data: objects, arrays and primitives (typed arrays copied). */
function clonePlain<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(clonePlain) as T;
  if (ArrayBuffer.isView(v)) return (v as unknown as Uint8Array).slice() as T;
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v)) o[k] = clonePlain((v as Record<string, unknown>)[k]);
  return o as T;
}

/**
 * The state to go back to should a command fail in execution. The credentials record is shared,
 * not copied: it is never changed in place (`replaceCredentials` assigns a new one). A plain
 * copy costs a few µs where structuredClone costs tens (measured on an ESME state of ~2 KB).
 */
export function snapshotState(state: DeviceState): DeviceState {
  const { credentials, ...rest } = state;
  return { ...clonePlain(rest), ...(credentials ? { credentials } : {}) };
}

const DEVICE_TYPES: readonly DeviceType[] = ['ESME', 'GSME', 'CHF', 'GPF', 'PPMID', 'HCALCS'];
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isDecimal = (v: unknown): boolean => typeof v === 'string' && /^\d{1,20}$/.test(v);
const isHex = (v: unknown): boolean => typeof v === 'string' && /^(?:[0-9a-f]{2})*$/i.test(v);
/** A P-256 public key, uncompressed (65 bytes: 04 ‖ X ‖ Y), as hex. */
const isPointHex = (v: unknown): boolean => typeof v === 'string' && /^04[0-9a-f]{128}$/i.test(v);
/** A P-256 private key (32 bytes) as hex. */
const isScalarHex = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]{64}$/i.test(v);
const isEuiText = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]{16}$/i.test(v);

function keyPairProblem(v: unknown, at: string): string | null {
  if (!isObject(v)) return `${at}: an object`;
  if (!isPointHex(v.publicKey)) return `${at}.publicKey: an uncompressed P-256 point (130 hex digits)`;
  if (v.privateKey !== null && !isScalarHex(v.privateKey)) return `${at}.privateKey: 64 hex digits or null`;
  if (v.certificate !== null && !isHex(v.certificate)) return `${at}.certificate: hex or null`;
  return null;
}

function credentialsProblem(v: unknown): string | null {
  if (!isObject(v)) return 'credentials: an object';
  for (const k of ['ds', 'ka'] as const) {
    const p = keyPairProblem(v[k], `credentials.${k}`);
    if (p) return p;
  }
  if (!Array.isArray(v.trustAnchors)) return 'credentials.trustAnchors: an array';
  for (const [i, c] of v.trustAnchors.entries()) {
    const at = `credentials.trustAnchors.${i}`;
    if (!isObject(c)) return `${at}: an object`;
    if (typeof c.role !== 'number' || !Number.isInteger(c.role) || c.role < 0)
      return `${at}.role: an integer ≥ 0`;
    if (c.usage !== 'ds' && c.usage !== 'ka') return `${at}.usage: ds or ka`;
    if (c.cell !== 'management' && c.cell !== 'prepayment') return `${at}.cell: management or prepayment`;
    if (!isEuiText(c.subjectUniqueId)) return `${at}.subjectUniqueId: an EUI-64 (16 hex digits)`;
    if (!isPointHex(c.publicKey)) return `${at}.publicKey: an uncompressed P-256 point (130 hex digits)`;
    if (c.wrappedContingencyKey !== undefined && !isHex(c.wrappedContingencyKey))
      return `${at}.wrappedContingencyKey: hex`;
  }
  return null;
}

/**
 * What is wrong with the shape of a stored `DeviceState` for device `eui`, or null when it has
 * the shape every field's reader expects (a state file is checked when loaded, so a wrongly typed
 * field is refused at start-up rather than failing every command later): `eui` the file's EUI,
 * `deviceType` a known type, `antiReplay` (and `retiredFloors` when present) a map of text to
 * decimal Originator Counters, `alertCounter` a decimal, `credentials` absent or a
 * `CredentialsRecord` (hex strings), `model` an object, `faults`/`schedule` absent or arrays.
 * The inside of `model` is the model's own (not checked here). The answer names the field.
 */
export function deviceStateProblem(v: unknown, eui: Eui64): string | null {
  if (!isObject(v)) return 'not an object';
  if (v.eui !== eui) return `eui: ${JSON.stringify(v.eui)}, expected "${eui}"`;
  if (!DEVICE_TYPES.includes(v.deviceType as DeviceType))
    return `deviceType: one of ${DEVICE_TYPES.join(', ')}`;
  for (const k of ['antiReplay', 'retiredFloors'] as const) {
    if (k === 'retiredFloors' && v[k] === undefined) continue;
    const m = v[k];
    if (!isObject(m)) return `${k}: an object of decimal counters`;
    for (const [role, c] of Object.entries(m))
      if (!isDecimal(c)) return `${k}.${role}: a decimal counter text`;
  }
  if (!isDecimal(v.alertCounter)) return 'alertCounter: a decimal counter text';
  if (v.credentials !== undefined) {
    const p = credentialsProblem(v.credentials);
    if (p) return p;
  }
  if (!isObject(v.model)) return 'model: an object';
  for (const k of ['faults', 'schedule'] as const)
    if (v[k] !== undefined && !(Array.isArray(v[k]) && v[k].every(isObject)))
      return `${k}: an array of objects`;
  return null;
}
