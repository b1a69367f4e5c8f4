/**
 * CS02b "Update Security Credentials" (Message Codes 0x0100–0x0109, one per credentials replacement
 * mode) and CS02g "Load Controller Security Credentials" (0x0125 loadControllerByLoadController,
 * 0x0126 loadControllerBySupplier), which share the payloads; their future-dated outcome alerts
 * (0x00CB CS02b, 0x0124 CS02g; alert codes 0x8F66 success / 0x8F67 failure).
 *
 *   Command ::= SEQUENCE { authorisingRemotePartyControl AuthorisingRemotePartyControl,
 *       replacements SEQUENCE OF TrustAnchorReplacement,
 *       certificationPathCertificates SEQUENCE OF Certificate,
 *       executionDateTime GeneralizedTime OPTIONAL }
 *   AuthorisingRemotePartyControl ::= SEQUENCE { credentialsReplacementMode INTEGER,
 *       plaintextSymmetricKey [0] IMPLICIT OCTET STRING OPTIONAL,
 *       applyTimeBasedCPVChecks [1] IMPLICIT INTEGER { apply(0), disapply(1) } OPTIONAL,
 *       authorisingRemotePartyTACellIdentifier [2] IMPLICIT TrustAnchorCellIdentifier OPTIONAL,
 *       authorisingRemotePartySeqNumber [3] IMPLICIT SeqNumber,
 *       newRemotePartyFloorSeqNumber [4] IMPLICIT SeqNumber OPTIONAL,
 *       newRemotePartySpecialistFloorSeqNumber [5] IMPLICIT SEQUENCE OF SpecialistSeqNumber OPTIONAL,
 *       otherRemotePartySeqNumberChanges [6] IMPLICIT SEQUENCE OF RemotePartySeqNumberChange OPTIONAL }
 *   TrustAnchorReplacement ::= SEQUENCE { replacementCertificate Certificate, targetTrustAnchorCell TrustAnchorCellIdentifier }
 *   SpecialistSeqNumber ::= SEQUENCE { seqNumberUsage INTEGER { prepaymentTopUp(0) }, seqNumber SeqNumber }
 *   RemotePartySeqNumberChange ::= SEQUENCE { remotePartyRole, floorSeqNumber SeqNumber,
 *       specialistFloorSeqNumbers SEQUENCE OF SpecialistSeqNumber OPTIONAL }
 *   Response ::= SEQUENCE { commandAccepted NULL, executionOutcome ExecutionOutcome OPTIONAL }
 *   ExecutionOutcome ::= SEQUENCE { authorisingRemotePartySeqNumber SeqNumber, credentialsReplacementMode INTEGER,
 *       remotePartySeqNumberChanges SEQUENCE OF RemotePartySeqNumberChange,
 *       replacementOutcomes SEQUENCE OF ReplacementOutcome }
 *   ReplacementOutcome ::= SEQUENCE { affectedTrustAnchorCell TrustAnchorCellIdentifier, statusCode ENUMERATED,
 *       existingSubjectUniqueID OCTET STRING, existingSubjectKeyIdentifier OCTET STRING,
 *       replacingSubjectUniqueID OCTET STRING, replacingSubjectKeyIdentifier OCTET STRING }
 *   Alert ::= SEQUENCE { alertCode INTEGER, executionDateTime GeneralizedTime, executionOutcome ExecutionOutcome }
 *
 * Certificates are kept as their DER bytes (X.509 is parsed elsewhere). Pinned by the RTDS 4.5.0
 * folders 6.15.1, 6.21, 6.23, 8.5 and NA of CS02b/CS02g.
 */

import type { Eui64 } from '../types.ts';
import { type DerNode, DerTag, derConstructed, derGeneralizedTime, derInteger, derTlv } from './der.ts';
import {
  alertCodeValue,
  cellIdentifierValue,
  DerFields,
  decodeGbcsCommandDer,
  decodeGbcsDer,
  derCellIdentifier,
  derEnumerated,
  derEui,
  derNull,
  derOctets,
  derSequence,
  euiValue,
  expectTag,
  intValue,
  nullValue,
  octets,
  rawTlv,
  roleValue,
  seqNumberValue,
  sequenceOf,
  type TrustAnchorCellIdentifier,
  timeValue,
} from './gbcs-types.ts';

/** CredentialsReplacementMode ::= INTEGER (smki-recovery-ch-domain.md §2.6; 10/11 from CS02g). */
export const ReplacementMode = {
  ROOT_BY_SUPPLIER: 0,
  ROOT_BY_WAN_PROVIDER: 1,
  SUPPLIER_BY_SUPPLIER: 2,
  NETWORK_OPERATOR_BY_NETWORK_OPERATOR: 3,
  ACB_BY_ACB: 4,
  WAN_PROVIDER_BY_WAN_PROVIDER: 5,
  TRANSCOS_BY_TRANSCOS: 6,
  SUPPLIER_BY_TRANSCOS: 7,
  ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY: 8,
  ANY_BY_CONTINGENCY: 9,
  LOAD_CONTROLLER_BY_LOAD_CONTROLLER: 10,
  LOAD_CONTROLLER_BY_SUPPLIER: 11,
} as const;

/** The Message Code that carries a replacement mode: 0x0100 + mode for CS02b, 0x0125/0x0126 for CS02g. */
export function messageCodeOfMode(mode: number): number | undefined {
  if (mode >= 0 && mode <= 9) return 0x0100 + mode;
  if (mode === ReplacementMode.LOAD_CONTROLLER_BY_LOAD_CONTROLLER) return 0x0125;
  if (mode === ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER) return 0x0126;
  return undefined;
}

/** The replacement mode a Message Code carries, or undefined for other codes. */
export function modeOfMessageCode(code: number): number | undefined {
  if (code >= 0x0100 && code <= 0x0109) return code - 0x0100;
  if (code === 0x0125) return ReplacementMode.LOAD_CONTROLLER_BY_LOAD_CONTROLLER;
  if (code === 0x0126) return ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER;
  return undefined;
}

/** Message Codes of the future-dated outcome alerts. */
export const UPDATE_SECURITY_CREDENTIALS_ALERT_CODE = { CS02b: 0x00cb, CS02g: 0x0124 } as const;

/** SeqNumberUsage: the only specialist floor is the Supplier's prepayment top-up (UTRN) counter. */
export const SeqNumberUsage = { PREPAYMENT_TOP_UP: 0 } as const;

export interface SpecialistSeqNumber {
  usage: number;
  seqNumber: bigint;
}

export interface RemotePartySeqNumberChange {
  role: number;
  floorSeqNumber: bigint;
  specialistFloorSeqNumbers: SpecialistSeqNumber[] | null;
}

export interface AuthorisingRemotePartyControl {
  mode: number;
  plaintextSymmetricKey: Uint8Array | null;
  /** 0 apply, 1 disapply; null = absent (apply). */
  applyTimeBasedCpvChecks: number | null;
  authorisingCell: TrustAnchorCellIdentifier | null;
  authorisingSeqNumber: bigint;
  newRemotePartyFloorSeqNumber: bigint | null;
  newRemotePartySpecialistFloorSeqNumbers: SpecialistSeqNumber[] | null;
  otherRemotePartySeqNumberChanges: RemotePartySeqNumberChange[] | null;
}

export interface TrustAnchorReplacement {
  /** The replacement Organisation (or Root) certificate, DER. */
  certificate: Uint8Array;
  targetCell: TrustAnchorCellIdentifier;
}

export interface UpdateSecurityCredentialsCommand {
  control: AuthorisingRemotePartyControl;
  replacements: TrustAnchorReplacement[];
  /** Certification path (CA) certificates, DER. */
  certificationPath: Uint8Array[];
  /** Execution date-time (ms since epoch, UTC) of a future-dated command; null = immediate. */
  executionDateTime: number | null;
}

export interface ReplacementOutcome {
  cell: TrustAnchorCellIdentifier;
  /** StatusCode: 0 success, 5 badCertificate, 10 noTrustAnchor, 25 trustAnchorNotFound, 127 other, … */
  statusCode: number;
  existingSubjectUniqueId: Eui64;
  existingSubjectKeyIdentifier: Uint8Array;
  replacingSubjectUniqueId: Eui64;
  replacingSubjectKeyIdentifier: Uint8Array;
}

export interface UpdateSecurityCredentialsOutcome {
  authorisingSeqNumber: bigint;
  mode: number;
  seqNumberChanges: RemotePartySeqNumberChange[];
  outcomes: ReplacementOutcome[];
}

export interface UpdateSecurityCredentialsResponse {
  /** Absent for an accepted future-dated (or cancelling) command: the outcome comes in the alert. */
  executionOutcome: UpdateSecurityCredentialsOutcome | null;
}

export interface UpdateSecurityCredentialsAlert {
  /** 0x8F66 (success) or 0x8F67 (failure). */
  alertCode: number;
  executionDateTime: number;
  executionOutcome: UpdateSecurityCredentialsOutcome;
}

const specialistValue = (n: DerNode): SpecialistSeqNumber => {
  const f = new DerFields(n, 'Specialist Seq Number', DerTag.SEQUENCE);
  const usage = intValue(f.next(DerTag.INTEGER, 'Seq Number Usage'), 'Seq Number Usage', 0, 255);
  const seqNumber = seqNumberValue(f.next(DerTag.INTEGER, 'Seq Number'), 'Seq Number');
  f.end();
  return { usage, seqNumber };
};

const derSpecialist = (s: SpecialistSeqNumber) => derSequence(derInteger(s.usage), derInteger(s.seqNumber));

const seqChangeValue = (n: DerNode): RemotePartySeqNumberChange => {
  const f = new DerFields(n, 'Remote Party Seq Number Change', DerTag.SEQUENCE);
  const role = roleValue(f.next(DerTag.INTEGER, 'Remote Party Role'));
  const floorSeqNumber = seqNumberValue(f.next(DerTag.INTEGER, 'Floor Seq Number'), 'Floor Seq Number');
  const sp = f.optional(DerTag.SEQUENCE);
  f.end();
  return {
    role,
    floorSeqNumber,
    specialistFloorSeqNumbers:
      sp === null ? null : sequenceOf(sp, 'Specialist Floor Seq Numbers', specialistValue),
  };
};

const derSeqChange = (c: RemotePartySeqNumberChange) =>
  derSequence(
    derInteger(c.role),
    derInteger(c.floorSeqNumber),
    ...(c.specialistFloorSeqNumbers === null
      ? []
      : [derSequence(...c.specialistFloorSeqNumbers.map(derSpecialist))]),
  );

function controlValue(n: DerNode): AuthorisingRemotePartyControl {
  const f = new DerFields(n, 'Authorising Remote Party Control', DerTag.SEQUENCE);
  const mode = intValue(
    f.next(DerTag.INTEGER, 'Credentials Replacement Mode'),
    'Credentials Replacement Mode',
    0,
    255,
  );
  const key = f.optional(0x80);
  const cpv = f.optional(0x81);
  const cell = f.optional(0xa2);
  const seq = f.next(0x83, 'Authorising Remote Party Seq Number');
  const floor = f.optional(0x84);
  const specialist = f.optional(0xa5);
  const other = f.optional(0xa6);
  f.end();
  return {
    mode,
    plaintextSymmetricKey: key === null ? null : octets(key, 'Plaintext Symmetric Key'),
    applyTimeBasedCpvChecks: cpv === null ? null : intValue(cpv, 'Apply Time Based CPV Checks', 0, 1),
    authorisingCell:
      cell === null ? null : cellIdentifierValue(cell, 'Authorising Remote Party TA Cell Identifier', 0xa2),
    authorisingSeqNumber: seqNumberValue(seq, 'Authorising Remote Party Seq Number'),
    newRemotePartyFloorSeqNumber:
      floor === null ? null : seqNumberValue(floor, 'New Remote Party Floor Seq Number'),
    newRemotePartySpecialistFloorSeqNumbers:
      specialist === null
        ? null
        : sequenceOf(specialist, 'New Remote Party Specialist Floor', specialistValue, 0xa5),
    otherRemotePartySeqNumberChanges:
      other === null
        ? null
        : sequenceOf(other, 'Other Remote Party Seq Number Changes', seqChangeValue, 0xa6),
  };
}

function derControl(c: AuthorisingRemotePartyControl): Uint8Array {
  return derSequence(
    derInteger(c.mode),
    ...(c.plaintextSymmetricKey === null ? [] : [derTlv(0x80, c.plaintextSymmetricKey)]),
    ...(c.applyTimeBasedCpvChecks === null ? [] : [derInteger(c.applyTimeBasedCpvChecks, 0x81)]),
    ...(c.authorisingCell === null ? [] : [derCellIdentifier(c.authorisingCell, 0xa2)]),
    derInteger(c.authorisingSeqNumber, 0x83),
    ...(c.newRemotePartyFloorSeqNumber === null ? [] : [derInteger(c.newRemotePartyFloorSeqNumber, 0x84)]),
    ...(c.newRemotePartySpecialistFloorSeqNumbers === null
      ? []
      : [derConstructed(0xa5, ...c.newRemotePartySpecialistFloorSeqNumbers.map(derSpecialist))]),
    ...(c.otherRemotePartySeqNumberChanges === null
      ? []
      : [derConstructed(0xa6, ...c.otherRemotePartySeqNumberChanges.map(derSeqChange))]),
  );
}

/** @throws DecodeError on malformed input */
export function decodeUpdateSecurityCredentialsCommand(bytes: Uint8Array): UpdateSecurityCredentialsCommand {
  const f = new DerFields(decodeGbcsCommandDer(bytes), 'CS02b command', DerTag.SEQUENCE);
  const control = controlValue(f.next(DerTag.SEQUENCE, 'Authorising Remote Party Control'));
  const replacements = sequenceOf(f.next(DerTag.SEQUENCE, 'Replacements'), 'Replacements', (n) => {
    const r = new DerFields(n, 'Trust Anchor Replacement', DerTag.SEQUENCE);
    const cert = r.next(DerTag.SEQUENCE, 'Replacement Certificate');
    const targetCell = cellIdentifierValue(
      r.next(DerTag.SEQUENCE, 'Target Trust Anchor Cell'),
      'Target Trust Anchor Cell',
    );
    r.end();
    return { certificate: rawTlv(bytes, cert), targetCell };
  });
  const certificationPath = sequenceOf(
    f.next(DerTag.SEQUENCE, 'Certification Path Certificates'),
    'Certification Path',
    (n) => {
      expectTag(n, DerTag.SEQUENCE, 'Certificate');
      return rawTlv(bytes, n);
    },
  );
  const t = f.optional(DerTag.GENERALIZED_TIME);
  f.end();
  return {
    control,
    replacements,
    certificationPath,
    executionDateTime: t === null ? null : timeValue(t, 'Execution Date Time'),
  };
}

export function encodeUpdateSecurityCredentialsCommand(c: UpdateSecurityCredentialsCommand): Uint8Array {
  return derSequence(
    derControl(c.control),
    derSequence(...c.replacements.map((r) => derSequence(r.certificate, derCellIdentifier(r.targetCell)))),
    derSequence(...c.certificationPath),
    ...(c.executionDateTime === null ? [] : [derGeneralizedTime(c.executionDateTime)]),
  );
}

function outcomeValue(n: DerNode): UpdateSecurityCredentialsOutcome {
  const f = new DerFields(n, 'Execution Outcome', DerTag.SEQUENCE);
  const authorisingSeqNumber = seqNumberValue(
    f.next(DerTag.INTEGER, 'Authorising Seq Number'),
    'Authorising Seq Number',
  );
  const mode = intValue(
    f.next(DerTag.INTEGER, 'Credentials Replacement Mode'),
    'Credentials Replacement Mode',
    0,
    255,
  );
  const seqNumberChanges = sequenceOf(
    f.next(DerTag.SEQUENCE, 'Seq Number Changes'),
    'Seq Number Changes',
    seqChangeValue,
  );
  const outcomes = sequenceOf(
    f.next(DerTag.SEQUENCE, 'Replacement Outcomes'),
    'Replacement Outcomes',
    (c) => {
      const r = new DerFields(c, 'Replacement Outcome', DerTag.SEQUENCE);
      const cell = cellIdentifierValue(
        r.next(DerTag.SEQUENCE, 'Affected Trust Anchor Cell'),
        'Affected Trust Anchor Cell',
      );
      const statusCode = intValue(r.next(DerTag.ENUMERATED, 'Status Code'), 'Status Code', 0, 255);
      const id = (what: string) => euiValue(r.next(DerTag.OCTET_STRING, what), what);
      const ski = (what: string) => octets(r.next(DerTag.OCTET_STRING, what), what, 8);
      const existingSubjectUniqueId = id('Existing Subject Unique ID');
      const existingSubjectKeyIdentifier = ski('Existing Subject Key ID');
      const replacingSubjectUniqueId = id('Replacing Subject Unique ID');
      const replacingSubjectKeyIdentifier = ski('Replacing Subject Key ID');
      r.end();
      return {
        cell,
        statusCode,
        existingSubjectUniqueId,
        existingSubjectKeyIdentifier,
        replacingSubjectUniqueId,
        replacingSubjectKeyIdentifier,
      };
    },
  );
  f.end();
  return { authorisingSeqNumber, mode, seqNumberChanges, outcomes };
}

function derOutcome(o: UpdateSecurityCredentialsOutcome): Uint8Array {
  return derSequence(
    derInteger(o.authorisingSeqNumber),
    derInteger(o.mode),
    derSequence(...o.seqNumberChanges.map(derSeqChange)),
    derSequence(
      ...o.outcomes.map((r) =>
        derSequence(
          derCellIdentifier(r.cell),
          derEnumerated(r.statusCode),
          derEui(r.existingSubjectUniqueId),
          derOctets(r.existingSubjectKeyIdentifier),
          derEui(r.replacingSubjectUniqueId),
          derOctets(r.replacingSubjectKeyIdentifier),
        ),
      ),
    ),
  );
}

/** @throws DecodeError on malformed input */
export function decodeUpdateSecurityCredentialsResponse(
  bytes: Uint8Array,
): UpdateSecurityCredentialsResponse {
  const f = new DerFields(decodeGbcsDer(bytes), 'CS02b response', DerTag.SEQUENCE);
  nullValue(f.next(DerTag.NULL, 'Command Accepted'), 'Command Accepted');
  const o = f.optional(DerTag.SEQUENCE);
  f.end();
  return { executionOutcome: o === null ? null : outcomeValue(o) };
}

export function encodeUpdateSecurityCredentialsResponse(r: UpdateSecurityCredentialsResponse): Uint8Array {
  return derSequence(derNull(), ...(r.executionOutcome === null ? [] : [derOutcome(r.executionOutcome)]));
}

/** @throws DecodeError on malformed input */
export function decodeUpdateSecurityCredentialsAlert(bytes: Uint8Array): UpdateSecurityCredentialsAlert {
  const f = new DerFields(decodeGbcsDer(bytes), 'CS02b alert', DerTag.SEQUENCE);
  const alertCode = alertCodeValue(f.next(DerTag.INTEGER, 'Alert Code'));
  const executionDateTime = timeValue(
    f.next(DerTag.GENERALIZED_TIME, 'Execution Date Time'),
    'Execution Date Time',
  );
  const executionOutcome = outcomeValue(f.next(DerTag.SEQUENCE, 'Execution Outcome'));
  f.end();
  return { alertCode, executionDateTime, executionOutcome };
}

export function encodeUpdateSecurityCredentialsAlert(a: UpdateSecurityCredentialsAlert): Uint8Array {
  return derSequence(
    derInteger(a.alertCode),
    derGeneralizedTime(a.executionDateTime),
    derOutcome(a.executionOutcome),
  );
}
