/**
 * CS02a "Provide Security Credentials Details" (Message Code 0x0008) and CS02f "Security Credential
 * Details (ESME and SAPC)" (0x011B), which shares its payloads: the Remote Party asks which
 * trust-anchor cells the device holds for a list of Remote Party Roles.
 *
 *   Command  ::= SEQUENCE { authorisingRemotePartyTACellIdentifier TrustAnchorCellIdentifier,
 *                           remotePartyRolesCredentialsRequired SEQUENCE OF RemotePartyRole }
 *   Response ::= SEQUENCE OF RemotePartyDetails
 *   RemotePartyDetails ::= SEQUENCE { remotePartyRole, statusCode ENUMERATED,
 *                           currentSeqNumber SeqNumber OPTIONAL,
 *                           trustAnchorCellDetails SEQUENCE OF TrustAnchorCellContents OPTIONAL }
 *   TrustAnchorCellContents ::= SEQUENCE { keyUsage, cellUsage DEFAULT management,
 *                           subjectUniqueID OCTET STRING (SIZE(8)), subjectKeyIdentifier OCTET STRING (SIZE(8)) }
 *
 * Pinned by RTDS 4.5.0 6.24.1 CS02aMAC / CS02fMAC and NA CS02aSignature / CS02fSignature.
 */
import { toHex } from '../bytes.ts';
import type { Eui64 } from '../types.ts';
import { type DerNode, DerTag } from './der.ts';
import {
  type CellUsageName,
  cellIdentifierValue,
  cellUsageField,
  DerFields,
  decodeGbcsCommandDer,
  decodeGbcsDer,
  derCellIdentifier,
  derCellUsage,
  derEnumerated,
  derEui,
  derInteger,
  derKeyUsage,
  derOctets,
  derSequence,
  euiValue,
  expectTag,
  intValue,
  type KeyUsageName,
  keyUsageValue,
  octets,
  roleValue,
  seqNumberValue,
  sequenceOf,
  type TrustAnchorCellIdentifier,
} from './gbcs-types.ts';

export interface ProvideSecurityCredentialDetailsCommand {
  authorisingCell: TrustAnchorCellIdentifier;
  /** Remote Party Roles whose credentials are asked for, in order. */
  roles: number[];
}

export interface TrustAnchorCellContents {
  keyUsage: KeyUsageName;
  cellUsage: CellUsageName;
  subjectUniqueId: Eui64;
  /** 8 octets. */
  subjectKeyIdentifier: Uint8Array;
}

export interface RemotePartyDetails {
  role: number;
  /** StatusCode (gbcs-types.ts): 0 success, 25 trustAnchorNotFound, 127 other, … */
  statusCode: number;
  /** The role's anti-replay floor; present with the cells (success). */
  currentSeqNumber: bigint | null;
  cells: TrustAnchorCellContents[] | null;
}

/** @throws DecodeError on malformed input */
export function decodeProvideSecurityCredentialDetailsCommand(
  bytes: Uint8Array,
): ProvideSecurityCredentialDetailsCommand {
  const f = new DerFields(decodeGbcsCommandDer(bytes), 'CS02a command', DerTag.SEQUENCE);
  const authorisingCell = cellIdentifierValue(
    f.next(DerTag.SEQUENCE, 'Authorising Remote Party TA Cell Identifier'),
    'Authorising Remote Party TA Cell Identifier',
  );
  const roles = sequenceOf(f.next(DerTag.SEQUENCE, 'Remote Party Roles'), 'Remote Party Roles', (n) => {
    expectTag(n, DerTag.INTEGER, 'Remote Party Role');
    return roleValue(n);
  });
  f.end();
  return { authorisingCell, roles };
}

export function encodeProvideSecurityCredentialDetailsCommand(
  c: ProvideSecurityCredentialDetailsCommand,
): Uint8Array {
  return derSequence(derCellIdentifier(c.authorisingCell), derSequence(...c.roles.map((r) => derInteger(r))));
}

function cellContentsValue(n: DerNode): TrustAnchorCellContents {
  const f = new DerFields(n, 'Trust Anchor Cell Contents', DerTag.SEQUENCE);
  const keyUsage = keyUsageValue(f.next(DerTag.BIT_STRING, 'Key Usage'));
  const cellUsage = cellUsageField(f);
  const subjectUniqueId = euiValue(f.next(DerTag.OCTET_STRING, 'Subject Unique ID'), 'Subject Unique ID');
  const subjectKeyIdentifier = octets(
    f.next(DerTag.OCTET_STRING, 'Subject Key Identifier'),
    'Subject Key Identifier',
    8,
  );
  f.end();
  return { keyUsage, cellUsage, subjectUniqueId, subjectKeyIdentifier };
}

/** @throws DecodeError on malformed input */
export function decodeProvideSecurityCredentialDetailsResponse(bytes: Uint8Array): RemotePartyDetails[] {
  return sequenceOf(decodeGbcsDer(bytes), 'CS02a response', (n) => {
    const f = new DerFields(n, 'Remote Party Details', DerTag.SEQUENCE);
    const role = roleValue(f.next(DerTag.INTEGER, 'Remote Party Role'));
    const statusCode = intValue(f.next(DerTag.ENUMERATED, 'Status Code'), 'Status Code', 0, 255);
    const seq = f.optional(DerTag.INTEGER);
    const currentSeqNumber = seq === null ? null : seqNumberValue(seq, 'Current Seq Number');
    const cellsNode = currentSeqNumber === null ? null : f.next(DerTag.SEQUENCE, 'Trust Anchor Cell Details');
    const cells =
      cellsNode === null ? null : sequenceOf(cellsNode, 'Trust Anchor Cell Details', cellContentsValue);
    f.end();
    return { role, statusCode, currentSeqNumber, cells };
  });
}

/** @throws RangeError for a subject key identifier that is not 8 octets or a bad EUI */
export function encodeProvideSecurityCredentialDetailsResponse(
  details: readonly RemotePartyDetails[],
): Uint8Array {
  return derSequence(
    ...details.map((d) =>
      derSequence(
        derInteger(d.role),
        derEnumerated(d.statusCode),
        ...(d.currentSeqNumber === null ? [] : [derInteger(d.currentSeqNumber)]),
        ...(d.cells === null
          ? []
          : [
              derSequence(
                ...d.cells.map((c) => {
                  if (c.subjectKeyIdentifier.length !== 8)
                    throw new RangeError(
                      `subject key identifier ${toHex(c.subjectKeyIdentifier)} is not 8 octets`,
                    );
                  return derSequence(
                    derKeyUsage(c.keyUsage),
                    ...derCellUsage(c.cellUsage),
                    derEui(c.subjectUniqueId),
                    derOctets(c.subjectKeyIdentifier),
                  );
                }),
              ),
            ]),
      ),
    ),
  );
}
