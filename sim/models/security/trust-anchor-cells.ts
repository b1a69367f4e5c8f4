/**
 * The device's trust-anchor cells as the Remote Parties see and change them:
 *
 * - CS02a "Provide Security Credentials Details" (0x0008; CHF, ESME, GSME) and CS02f "Security
 *   Credential Details (ESME and SAPC)" (0x011B): for each Remote Party Role asked for, the status,
 *   the role's current sequence number (its anti-replay floor) and the cells held
 *   ({keyUsage, cellUsage, subjectUniqueID, subjectKeyIdentifier}); 25 trustAnchorNotFound for a
 *   role the device type holds no cell for (RTDS 6.24.1 CS02aMAC: a GSME has no Network Operator
 *   cell); 127 other for a role the use case does not report (CS02f: Transitional CoS, RTDS 6.24.1
 *   CS02fMAC ERROR and NA CS02fSignature ERROR; CS02a: the Load Controller). When the command's
 *   authorising cell is not a cell of its originator, every role is answered 127.
 * - CS02b "Update Security Credentials" (0x0100–0x0109, replacement modes 0–9) and CS02g "Load
 *   Controller Security Credentials" (0x0125 mode 10, 0x0126 mode 11): each replacement
 *   certificate is validated for its target cell (security-and-join-cpv.ts) and, when valid,
 *   replaces the cell; the outcome lists per cell {status, existing and replacing subject/key id}
 *   (0 success, 5 badCertificate, 10 noTrustAnchor, 25 trustAnchorNotFound: a cell this device type
 *   does not have, 127 other: a cell the mode may not replace, or a mode that is not the Message
 *   Code's). Cells are replaced one by one (RTDS 6.15.1 IMMEDIATE_ERROR: two replaced, one refused).
 *   Sequence-number changes: `newRemotePartyFloorSeqNumber` (with the specialist floors) concerns
 *   the mode's authorising role, `otherRemotePartySeqNumberChanges` other roles (RTDS: mode 8
 *   reports role 1 first, then the others); they apply when at least one cell was replaced, under
 *   the anti-replay rule of `applySeqNumberChanges` (a floor is lowered only when nothing the role
 *   sent before can verify again); the Supplier's prepayment-top-up specialist floor is the UTRN
 *   counter floor
 *   (utrn-topup.ts). A future-dated command (execution date-time after the device time) is answered
 *   "Command Accepted" and runs when due (sim/device/scheduler.ts re-enters this handler with the command
 *   without its date-time); 9999-12-31T23:59:59Z cancels a pending one.
 *
 * Time-based certification path checks (certificate expiry) apply only when the device model says
 * so (`state.model.cpvTimeChecks === true`) and the command does not disapply them: RTDS devices do
 * not apply them (security-and-join-cpv.ts).
 *
 * Which cells a device type holds: `TRUST_ANCHOR_CELLS` (smki-recovery-ch-domain.md §2.5 as RTDS
 * 4.5.0 corrects it: a GSME has no Network Operator cells, a GPF has the Supplier's prepayment cell,
 * only the CHF has an ACB DS cell, an ESME has Load Controller cells). The cells themselves live in
 * `device.credentials.trustAnchors` (the Root cell as role 0, usage `ds`: its key verifies
 * certificate signatures, keyCertSign); CS02b replaces them through `Device.replaceCredentials`, so
 * they are part of the durable device state and a device restarted from its store holds exactly
 * the cells it held (sim/device/credentials.ts).
 */

import {
  decodeProvideSecurityCredentialDetailsCommand,
  encodeProvideSecurityCredentialDetailsResponse,
  type RemotePartyDetails,
} from '../../../protocol/asn1/cs02a.ts';
import {
  decodeUpdateSecurityCredentialsCommand,
  encodeUpdateSecurityCredentialsResponse,
  modeOfMessageCode,
  type RemotePartySeqNumberChange,
  ReplacementMode,
  type ReplacementOutcome,
  SeqNumberUsage,
  type UpdateSecurityCredentialsCommand,
} from '../../../protocol/asn1/cs02b.ts';
import { derInteger } from '../../../protocol/asn1/der.ts';
import {
  CANCELLATION_DATE_TIME,
  Role,
  StatusCode,
  type TrustAnchorCellIdentifier,
} from '../../../protocol/asn1/gbcs-types.ts';
import { toHex } from '../../../protocol/bytes.ts';
import { DecodeError } from '../../../protocol/errors.ts';
import type { Eui64 } from '../../../protocol/types.ts';
import type { DeviceType } from '../../../protocol/use-case-catalogue.ts';
import type { DeviceCore as Device, ExecutionContext, ExecutionResult } from '../../device/core.ts';
import type { TrustAnchorCell } from '../../device/credentials.ts';
import { raiseUtrnCounterFloor, setUtrnCounterFloor } from '../common/utrn-topup.ts';
import type { HandlerRow } from '../model-table.ts';
import { handlerRow } from '../model-table.ts';
import { type RootAnchor, subjectKeyIdentifierOf, validateReplacement } from './cpv.ts';

/** This model's part of the device state (sim/device/state.ts `ModelState`): `cpvTimeChecks`, whether certification path validation applies time checks (RTDS devices do not). */
declare module '../../device/state.ts' {
  interface ModelState {
    cpvTimeChecks?: boolean;
  }
}

export const CS02A = 0x0008;
export const CS02F = 0x011b;
export const CS02B_CODES = [0x0100, 0x0101, 0x0102, 0x0103, 0x0104, 0x0105, 0x0106, 0x0107, 0x0108, 0x0109];
export const CS02G_CODES = [0x0125, 0x0126];

const cell = (
  role: number,
  keyUsage: 'ds' | 'ka' | 'kcs',
  cellUsage: 'management' | 'prepayment' = 'management',
) => ({ role, keyUsage, cellUsage }) as const;

const ROOT = cell(Role.ROOT, 'kcs');
const RECOVERY = cell(Role.RECOVERY, 'ds');
const SUPPLIER = [
  cell(Role.SUPPLIER, 'ds'),
  cell(Role.SUPPLIER, 'ka'),
  cell(Role.SUPPLIER, 'ka', 'prepayment'),
];
const NETWORK_OPERATOR = [cell(Role.NETWORK_OPERATOR, 'ds'), cell(Role.NETWORK_OPERATOR, 'ka')];
const ACB_KA = cell(Role.ACCESS_CONTROL_BROKER, 'ka');
const TRANSCOS = cell(Role.TRANSITIONAL_COS, 'ds');
const LOAD_CONTROLLER = [cell(Role.LOAD_CONTROLLER, 'ds'), cell(Role.LOAD_CONTROLLER, 'ka')];

/** The trust-anchor cells of each device type, in the order CS02a reports them. */
export const TRUST_ANCHOR_CELLS: Readonly<Record<DeviceType, readonly TrustAnchorCellIdentifier[]>> = {
  ESME: [ROOT, RECOVERY, ...SUPPLIER, ...NETWORK_OPERATOR, ACB_KA, TRANSCOS, ...LOAD_CONTROLLER],
  GSME: [ROOT, RECOVERY, ...SUPPLIER, ACB_KA, TRANSCOS],
  GPF: [ROOT, RECOVERY, ...SUPPLIER, ...NETWORK_OPERATOR, ACB_KA, TRANSCOS],
  CHF: [ROOT, RECOVERY, cell(Role.ACCESS_CONTROL_BROKER, 'ds'), ACB_KA, cell(Role.WAN_PROVIDER, 'ds')],
  // HAN devices joined by CBKE hold no Remote Party cells.
  PPMID: [],
  HCALCS: [],
};

const sameId = (a: TrustAnchorCellIdentifier, b: TrustAnchorCellIdentifier) =>
  a.role === b.role && a.keyUsage === b.keyUsage && a.cellUsage === b.cellUsage;

/** Whether a device type has a cell. */
export function hasCell(deviceType: DeviceType, id: TrustAnchorCellIdentifier): boolean {
  return TRUST_ANCHOR_CELLS[deviceType].some((c) => sameId(c, id));
}

const usageOf = (id: TrustAnchorCellIdentifier): 'ds' | 'ka' => (id.keyUsage === 'ka' ? 'ka' : 'ds');
const matches = (t: TrustAnchorCell, id: TrustAnchorCellIdentifier) =>
  t.role === id.role && t.usage === usageOf(id) && t.cell === id.cellUsage;

/** The cell held for an identifier (the first, should provisioning have put several), or undefined. */
export function heldCell(dev: Device, id: TrustAnchorCellIdentifier): TrustAnchorCell | undefined {
  if (!hasCell(dev.deviceType, id)) return undefined;
  return dev.credentials.trustAnchors.find((t) => matches(t, id));
}

/** The Root the device holds, for certification path validation. */
function rootAnchor(dev: Device): RootAnchor | null {
  const r = heldCell(dev, ROOT);
  return r ? { publicKey: r.publicKey, subjectKeyIdentifier: subjectKeyIdentifierOf(r.publicKey) } : null;
}

const floorOf = (dev: Device, role: number): bigint => BigInt(dev.state.antiReplay[String(role)] ?? '0');

// ---------------------------------------------------------------------------------------------
// CS02a / CS02f

/** Roles a use case reports (see file doc). */
function reportable(messageCode: number, role: number): boolean {
  if (messageCode === CS02F) return role !== Role.TRANSITIONAL_COS && role <= Role.LOAD_CONTROLLER;
  return role <= Role.ISSUING_AUTHORITY;
}

export function remotePartyDetails(dev: Device, messageCode: number, role: number): RemotePartyDetails {
  if (!reportable(messageCode, role))
    return { role, statusCode: StatusCode.OTHER, currentSeqNumber: null, cells: null };
  const cells = TRUST_ANCHOR_CELLS[dev.deviceType]
    .filter((c) => c.role === role)
    .flatMap((id) => {
      const t = heldCell(dev, id);
      return t
        ? [
            {
              keyUsage: id.keyUsage,
              cellUsage: id.cellUsage,
              subjectUniqueId: t.subjectUniqueId,
              subjectKeyIdentifier: subjectKeyIdentifierOf(t.publicKey),
            },
          ]
        : [];
    });
  if (cells.length === 0)
    return { role, statusCode: StatusCode.TRUST_ANCHOR_NOT_FOUND, currentSeqNumber: null, cells: null };
  return { role, statusCode: StatusCode.SUCCESS, currentSeqNumber: floorOf(dev, role), cells };
}

/** CS02a / CS02f handler. */
export function provideSecurityCredentialDetails(ctx: ExecutionContext): ExecutionResult {
  if (ctx.fault?.kind === 'asn1-status') return { payload: derInteger(ctx.fault.status) };
  const dev = ctx.device;
  let cmd: ReturnType<typeof decodeProvideSecurityCredentialDetailsCommand>;
  try {
    cmd = decodeProvideSecurityCredentialDetailsCommand(ctx.payload);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { payload: encodeProvideSecurityCredentialDetailsResponse([]) };
  }
  const authorising = heldCell(dev, cmd.authorisingCell);
  const authorised = authorising !== undefined && authorising.subjectUniqueId === ctx.header.originatorId;
  const details = cmd.roles.map((role) =>
    authorised
      ? remotePartyDetails(dev, ctx.header.messageCode, role)
      : { role, statusCode: StatusCode.OTHER, currentSeqNumber: null, cells: null },
  );
  return { payload: encodeProvideSecurityCredentialDetailsResponse(details) };
}

// ---------------------------------------------------------------------------------------------
// CS02b / CS02g

/** The role whose credentials authorise each replacement mode (its floor takes `newRemotePartyFloorSeqNumber`). */
export const AUTHORISING_ROLE: Readonly<Record<number, number>> = {
  [ReplacementMode.ROOT_BY_SUPPLIER]: Role.SUPPLIER,
  [ReplacementMode.ROOT_BY_WAN_PROVIDER]: Role.WAN_PROVIDER,
  [ReplacementMode.SUPPLIER_BY_SUPPLIER]: Role.SUPPLIER,
  [ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR]: Role.NETWORK_OPERATOR,
  [ReplacementMode.ACB_BY_ACB]: Role.ACCESS_CONTROL_BROKER,
  [ReplacementMode.WAN_PROVIDER_BY_WAN_PROVIDER]: Role.WAN_PROVIDER,
  [ReplacementMode.TRANSCOS_BY_TRANSCOS]: Role.TRANSITIONAL_COS,
  [ReplacementMode.SUPPLIER_BY_TRANSCOS]: Role.TRANSITIONAL_COS,
  [ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY]: Role.RECOVERY,
  [ReplacementMode.ANY_BY_CONTINGENCY]: Role.ROOT,
  [ReplacementMode.LOAD_CONTROLLER_BY_LOAD_CONTROLLER]: Role.LOAD_CONTROLLER,
  [ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER]: Role.SUPPLIER,
};

/** Whether a replacement mode may replace a cell of `role` (smki-recovery-ch-domain.md §2.6 matrix). */
export function modeMayReplace(mode: number, role: number): boolean {
  switch (mode) {
    case ReplacementMode.ROOT_BY_SUPPLIER:
    case ReplacementMode.ROOT_BY_WAN_PROVIDER:
      return role === Role.ROOT;
    case ReplacementMode.SUPPLIER_BY_SUPPLIER:
    case ReplacementMode.SUPPLIER_BY_TRANSCOS:
      return role === Role.SUPPLIER;
    case ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR:
      return role === Role.NETWORK_OPERATOR;
    case ReplacementMode.ACB_BY_ACB:
      return role === Role.ACCESS_CONTROL_BROKER;
    case ReplacementMode.WAN_PROVIDER_BY_WAN_PROVIDER:
      return role === Role.WAN_PROVIDER;
    case ReplacementMode.TRANSCOS_BY_TRANSCOS:
      return role === Role.TRANSITIONAL_COS;
    case ReplacementMode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY:
      return role !== Role.ROOT;
    case ReplacementMode.ANY_BY_CONTINGENCY:
      return true;
    case ReplacementMode.LOAD_CONTROLLER_BY_LOAD_CONTROLLER:
    case ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER:
      return role === Role.LOAD_CONTROLLER;
    default:
      return false;
  }
}

const ZERO_EUI: Eui64 = '0000000000000000';
const ZERO_KEY_ID = new Uint8Array(8);

function installCell(
  dev: Device,
  id: TrustAnchorCellIdentifier,
  subjectUniqueId: Eui64,
  publicKey: Uint8Array,
  wrappedContingencyKey?: Uint8Array,
): void {
  const next: TrustAnchorCell = {
    role: id.role,
    usage: usageOf(id),
    cell: id.cellUsage,
    subjectUniqueId,
    publicKey,
    ...(wrappedContingencyKey ? { wrappedContingencyKey } : {}),
  };
  const anchors = [...dev.credentials.trustAnchors];
  const i = anchors.findIndex((t) => matches(t, id));
  if (i >= 0) anchors[i] = next;
  else anchors.push(next);
  // Recorded in the durable device state (sim/device/credentials.ts): a restarted device holds it.
  dev.replaceCredentials({ ...dev.credentials, trustAnchors: anchors });
}

/** The sequence-number changes a command asks for, in the order the device reports them. */
export function seqNumberChangesOf(cmd: UpdateSecurityCredentialsCommand): RemotePartySeqNumberChange[] {
  const c = cmd.control;
  const out: RemotePartySeqNumberChange[] = [];
  const role = AUTHORISING_ROLE[c.mode];
  if (c.newRemotePartyFloorSeqNumber !== null && role !== undefined) {
    out.push({
      role,
      floorSeqNumber: c.newRemotePartyFloorSeqNumber,
      specialistFloorSeqNumbers: c.newRemotePartySpecialistFloorSeqNumbers,
    });
  }
  out.push(...(c.otherRemotePartySeqNumberChanges ?? []));
  return out;
}

type Cells = readonly Readonly<TrustAnchorCell>[];

/** The Entity Identifiers a role's management cells name: its Known Remote Party (roleOfRemoteParty). */
const partiesOf = (cells: Cells, role: number): Set<Eui64> =>
  new Set(cells.filter((t) => t.role === role && t.cell === 'management').map((t) => t.subjectUniqueId));

const keysOf = (cells: Cells, role: number, usage: 'ds' | 'ka', cell = 'management'): Set<string> =>
  new Set(
    cells
      .filter((t) => t.role === role && t.usage === usage && t.cell === cell)
      .map((t) => toHex(t.publicKey)),
  );

const disjoint = <T>(a: Set<T>, b: Set<T>): boolean => [...a].every((x) => !b.has(x));
function maxOf(...xs: bigint[]): bigint {
  let m = 0n;
  for (const x of xs) if (x > m) m = x;
  return m;
}

/**
 * Whether no command the device has accepted from `role` can verify again once `before` became
 * `after`: every Entity Identifier the role named is gone from its cells (a command names its
 * originator, which is then no Known Remote Party of the role: NO_TRUST_ANCHOR), or both the keys
 * that verify its commands are new — the ACB's KA key (every MAC'd command, GBCS 6.2.3) and the
 * role's DS key (every signed one).
 */
export function oldCommandsDead(before: Cells, after: Cells, role: number): boolean {
  if (disjoint(partiesOf(before, role), partiesOf(after, role))) return true;
  const acb = Role.ACCESS_CONTROL_BROKER;
  return (
    disjoint(keysOf(before, acb, 'ka'), keysOf(after, acb, 'ka')) &&
    disjoint(keysOf(before, role, 'ds'), keysOf(after, role, 'ds'))
  );
}

/**
 * Applies the floor changes of an executed CS02b/CS02g in which at least one cell was replaced.
 *
 * The rule (GBCS 13.3.5 "Requirements for AuthorisingRemotePartyControl elements" (informative;
 * GBCS v0.8.1 text): `newRemotePartyFloorSeqNumber` "if the Command is to effect a change of
 * control", for the role the mode authorises; `otherRemotePartySeqNumberChanges` "if one role (e.g.
 * recovery, transitionalCoS) is changing credentials for another role or roles … to set Protection
 * Against Replay counters for that other role or roles"), bounded by GBCS 4.3.1.5: a command is
 * accepted only above the last Originator Counter accepted for its role, and a counter sequence is
 * an organisation's (reference gbcs-wire-and-security.md §3.6, from the GBCS §4 summary). The
 * normative processing text of 13.3 was not available: the bound below is gbcs-sim's [A], the
 * strictest that honours a commanded floor whenever doing so cannot let a command in twice:
 *
 * - a commanded floor at or above the role's floor is set;
 * - a commanded floor below it is set only when no command already accepted from the role can
 *   verify again (`oldCommandsDead`: the role's party changed — a change of control — or both the
 *   ACB KA and the role's DS key were replaced). Otherwise the floor stays: a party that keeps its
 *   identity and its keys keeps its counter sequence, and the CS02b itself, whose counter was
 *   accepted as its originator's floor, can never be accepted twice;
 * - a party that leaves a role leaves its floor in `state.retiredFloors`; a party that comes back
 *   starts above it, whatever floor is commanded;
 * - the Supplier's prepayment-top-up specialist floor (the UTRN counter floor) is lowered only when
 *   the prepayment cell's key or subject changed (a UTRN is MAC'd with that key), raised otherwise.
 *
 * The response still reports the changes as commanded (RTDS NA CS02bAnyExceptAbnormalRootByRecovery).
 */
function applySeqNumberChanges(
  dev: Device,
  before: Cells,
  changes: readonly RemotePartySeqNumberChange[],
): void {
  const after = dev.credentials.trustAnchors;
  const state = dev.state;
  const retired = { ...(state.retiredFloors ?? {}) };
  const floor = (role: number) => BigInt(state.antiReplay[String(role)] ?? '0');
  const retiredFloorOf = (role: number) =>
    maxOf(...[...partiesOf(after, role)].map((e) => BigInt(retired[`${role}/${e}`] ?? '0')));
  const roles = new Set([...before, ...after].map((t) => t.role));
  // Parties that leave a role keep their floor; parties that come back start above theirs.
  for (const role of roles) {
    const was = partiesOf(before, role);
    const now = partiesOf(after, role);
    for (const e of was)
      if (!now.has(e))
        retired[`${role}/${e}`] = maxOf(floor(role), BigInt(retired[`${role}/${e}`] ?? '0')).toString();
    const back = retiredFloorOf(role);
    if ([...now].some((e) => !was.has(e)) && back > floor(role))
      state.antiReplay[String(role)] = back.toString();
  }
  for (const ch of changes) {
    const current = floor(ch.role);
    const lowerable = oldCommandsDead(before, after, ch.role);
    const next = lowerable
      ? maxOf(ch.floorSeqNumber, retiredFloorOf(ch.role))
      : maxOf(current, ch.floorSeqNumber, retiredFloorOf(ch.role));
    state.antiReplay[String(ch.role)] = next.toString();
    for (const s of ch.specialistFloorSeqNumbers ?? []) {
      if (ch.role !== Role.SUPPLIER || s.usage !== SeqNumberUsage.PREPAYMENT_TOP_UP) continue;
      const cellOf = (cells: Cells) =>
        cells.find((t) => t.role === Role.SUPPLIER && t.usage === 'ka' && t.cell === 'prepayment');
      const [was, now] = [cellOf(before), cellOf(after)];
      const replaced =
        !was ||
        !now ||
        was.subjectUniqueId !== now.subjectUniqueId ||
        toHex(was.publicKey) !== toHex(now.publicKey);
      if (replaced) setUtrnCounterFloor(state.model, s.seqNumber);
      else raiseUtrnCounterFloor(state.model, s.seqNumber);
    }
  }
  if (Object.keys(retired).length > 0) state.retiredFloors = retired;
}

/**
 * Executes an immediate CS02b / CS02g command: validates and applies each replacement.
 * @returns the execution outcome's per-cell results and the sequence-number changes
 */
export function executeUpdateSecurityCredentials(
  ctx: Pick<ExecutionContext, 'device' | 'now' | 'header'>,
  cmd: UpdateSecurityCredentialsCommand,
): { outcomes: ReplacementOutcome[]; seqNumberChanges: RemotePartySeqNumberChange[] } {
  const dev = ctx.device;
  const expectedMode = modeOfMessageCode(ctx.header.messageCode);
  const mode = cmd.control.mode;
  // Replacements run in order: once a command has replaced the Root cell, the cells after it are
  // validated against the new Root (anyByContingency replaces the Root and what it certifies;
  // smki-recovery-ch-domain.md §2.7 step 4).
  let root = rootAnchor(dev);
  const before = dev.credentials.trustAnchors;
  const outcomes = cmd.replacements.map((r): ReplacementOutcome => {
    const existing = heldCell(dev, r.targetCell);
    const existingId = existing?.subjectUniqueId ?? ZERO_EUI;
    const existingKeyId = existing ? subjectKeyIdentifierOf(existing.publicKey) : ZERO_KEY_ID;
    const refuse = (statusCode: number): ReplacementOutcome => ({
      cell: r.targetCell,
      statusCode,
      existingSubjectUniqueId: existingId,
      existingSubjectKeyIdentifier: existingKeyId,
      replacingSubjectUniqueId: existingId,
      replacingSubjectKeyIdentifier: existingKeyId,
    });
    if (mode !== expectedMode || !modeMayReplace(mode, r.targetCell.role)) return refuse(StatusCode.OTHER);
    if (!hasCell(dev.deviceType, r.targetCell)) return refuse(StatusCode.TRUST_ANCHOR_NOT_FOUND);
    const v = validateReplacement({
      crypto: dev.crypto,
      replacement: r.certificate,
      target: r.targetCell,
      certificationPath: cmd.certificationPath,
      root,
      now: ctx.now,
      applyTimeChecks: dev.state.model.cpvTimeChecks === true && cmd.control.applyTimeBasedCpvChecks !== 1,
    });
    if (!('subjectUniqueId' in v)) return refuse(v.status);
    installCell(dev, r.targetCell, v.subjectUniqueId, v.publicKey, v.wrappedContingencyKey);
    if (r.targetCell.role === Role.ROOT) root = rootAnchor(dev);
    return {
      cell: r.targetCell,
      statusCode: StatusCode.SUCCESS,
      existingSubjectUniqueId: existingId,
      existingSubjectKeyIdentifier: existingKeyId,
      replacingSubjectUniqueId: v.subjectUniqueId,
      replacingSubjectKeyIdentifier: v.subjectKeyIdentifier,
    };
  });
  const seqNumberChanges = seqNumberChangesOf(cmd);
  if (outcomes.some((o) => o.statusCode === StatusCode.SUCCESS))
    applySeqNumberChanges(dev, before, seqNumberChanges);
  return { outcomes, seqNumberChanges };
}

/** CS02b / CS02g handler. */
export function updateSecurityCredentials(ctx: ExecutionContext): ExecutionResult {
  if (ctx.fault?.kind === 'asn1-status') return { payload: derInteger(ctx.fault.status) };
  let cmd: UpdateSecurityCredentialsCommand;
  try {
    cmd = decodeUpdateSecurityCredentialsCommand(ctx.payload);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    // Unreadable: accepted, nothing replaced, no changes.
    return {
      payload: encodeUpdateSecurityCredentialsResponse({
        executionOutcome: {
          authorisingSeqNumber: ctx.header.originatorCounter,
          mode: modeOfMessageCode(ctx.header.messageCode) ?? 0,
          seqNumberChanges: [],
          outcomes: [],
        },
      }),
    };
  }
  const t = cmd.executionDateTime;
  if (t !== null && (t >= CANCELLATION_DATE_TIME || t > ctx.now)) {
    // Future-dated (or cancelling): accepted now, executed by the scheduler when due.
    return { payload: encodeUpdateSecurityCredentialsResponse({ executionOutcome: null }) };
  }
  const { outcomes, seqNumberChanges } = executeUpdateSecurityCredentials(ctx, cmd);
  return {
    payload: encodeUpdateSecurityCredentialsResponse({
      executionOutcome: {
        authorisingSeqNumber: cmd.control.authorisingSeqNumber,
        mode: cmd.control.mode,
        seqNumberChanges,
        outcomes,
      },
    }),
  };
}

const CREDENTIAL_DEVICES: DeviceType[] = ['ESME', 'GSME', 'CHF', 'GPF'];

/** This file's use-case handlers: (device types, Message Codes, handler); sim/models/index.ts puts them in `MODELS`. */
export const HANDLERS: readonly HandlerRow[] = [
  handlerRow(CREDENTIAL_DEVICES, [CS02A, CS02F], provideSecurityCredentialDetails),
  handlerRow(CREDENTIAL_DEVICES, [...CS02B_CODES, ...CS02G_CODES], updateSecurityCredentials),
];
