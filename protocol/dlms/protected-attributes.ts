/**
 * Protected attributes in DLMS payloads: how ESME/CHF return sensitive data (Blue Book IC 30
 * "Data protection" get_protected_attributes; gbcs-wire-and-security.md §2.4, §3.4; RTDS ECS17b, ECS68).
 *
 * In a structure, an array of protection-parameters elements followed by an octet-string is the
 * protected form of attribute values: the octet-string holds `31 ‖ IC ‖ ciphertext ‖ tag12`
 * (ciphered-content.ts) when a protection type includes encryption. RTDS shows two carriers:
 *
 * ```
 * access-response data (ECS17b/d/e, ECS19, ECS20b/c, ECS21a/b, ECS22b, ECS66):
 *   structure(2) { array(1) { protection-parameters-element }, octet-string 31 00000000 … }
 * data-notification body (ECS68 alert 0x8F0A, flattened):
 *   structure(4) { long-unsigned alert code, octet-string date-time,
 *                  array(1) { protection-parameters-element }, octet-string 31 00000000 … }
 *
 * protection-parameters-element = structure(2) {
 *   enum protection-type (0 authentication, 1 encryption, 2 authentication and encryption, 3 signature),
 *   structure(5) protection-options {
 *     octet-string transaction-id       (RTDS: 04 ‖ Originator Counter(8))
 *     octet-string originator-system-title (8), octet-string recipient-system-title (8)
 *     octet-string other-information    (RTDS: empty)
 *     structure key-info { enum key-info-type (2 agreed key),
 *                          structure { octet-string key-parameters (02 = C(0e, 2s ECC CDH)),
 *                                      octet-string key-ciphered-data (empty) } } } }
 * ```
 * Commands also carry protection-parameters arrays (ECS17b asks for protected reads) but never
 * followed by an octet-string, so they are not matched.
 */
import { DecodeError, ErrorCode } from '../errors.ts';
import { type DlmsApdu, dlmsApduDataItems } from './apdu.ts';
import { type DlmsData, dataEncodedLength, dataHeaderLength } from './axdr.ts';
import { type CipheredContent, decodeCipheredContent } from './ciphered-content.ts';

/** protection-type (Blue Book IC 30). */
export const ProtectionType = {
  AUTHENTICATION: 0,
  ENCRYPTION: 1,
  AUTHENTICATION_AND_ENCRYPTION: 2,
  DIGITAL_SIGNATURE: 3,
} as const;

export interface ProtectionOptions {
  transactionId: Uint8Array;
  originatorSystemTitle: Uint8Array;
  recipientSystemTitle: Uint8Array;
  otherInformation: Uint8Array;
  /** key-info structure, kept as Data (RTDS: agreed key, key-parameters 02). */
  keyInfo: DlmsData;
}

export interface ProtectionParametersElement {
  protectionType: number;
  protectionOptions: ProtectionOptions;
}

export interface ProtectedAttributes {
  protectionParameters: ProtectionParametersElement[];
  /** The octet-string's content, split. */
  cipheredContent: CipheredContent;
  /** Offset of the security-control byte (the first content byte of the octet-string) in the APDU. */
  offset: number;
  /** Bytes of the octet-string's content: 5 + ciphertext + 12. */
  length: number;
}

/** Loose shape of a protection-parameters array: every element is structure { enum, structure }. */
function isProtectionParametersArray(d: DlmsData): d is { type: 'array'; value: DlmsData[] } {
  if (d.type !== 'array' || d.value.length === 0) return false;
  return d.value.every(
    (e) =>
      e.type === 'structure' &&
      e.value.length === 2 &&
      e.value[0]!.type === 'enum' &&
      e.value[1]!.type === 'structure',
  );
}

function encrypts(protectionType: number): boolean {
  return (
    protectionType === ProtectionType.ENCRYPTION ||
    protectionType === ProtectionType.AUTHENTICATION_AND_ENCRYPTION
  );
}

function octets(d: DlmsData | undefined, what: string, at: number): Uint8Array {
  if (d?.type !== 'octet-string') {
    throw new DecodeError(ErrorCode.BAD_VALUE, at, `protection-options ${what}: expected an octet-string`);
  }
  return d.value;
}

function readProtectionParameters(d: { value: DlmsData[] }, at: number): ProtectionParametersElement[] {
  const bad = (): never => {
    throw new DecodeError(
      ErrorCode.BAD_VALUE,
      at,
      'protection-parameters element: expected structure { enum protection-type, structure(5) { transaction-id, originator-system-title, recipient-system-title, other-information, key-info } }',
    );
  };
  return d.value.map((e) => {
    if (e.type !== 'structure') return bad();
    const [type, options] = e.value;
    if (type?.type !== 'enum' || options?.type !== 'structure' || options.value.length !== 5) return bad();
    const o = options.value;
    const keyInfo = o[4]!;
    if (keyInfo.type !== 'structure') return bad();
    return {
      protectionType: type.value,
      protectionOptions: {
        transactionId: octets(o[0], 'transaction-id', at),
        originatorSystemTitle: octets(o[1], 'originator-system-title', at),
        recipientSystemTitle: octets(o[2], 'recipient-system-title', at),
        otherInformation: octets(o[3], 'other-information', at),
        keyInfo,
      },
    };
  });
}

/** Walks `d` (encoded at `pos`), collecting protected attributes; returns the encoded length of `d`. */
function walk(d: DlmsData, pos: number, base: number, out: ProtectedAttributes[]): number {
  if (d.type !== 'array' && d.type !== 'structure') return dataEncodedLength(d);
  let p = pos + dataHeaderLength(d);
  const starts: number[] = [];
  for (const child of d.value) {
    starts.push(p);
    p += walk(child, p, base, out);
  }
  if (d.type === 'structure') {
    for (let i = 0; i + 1 < d.value.length; i++) {
      const params = d.value[i]!;
      const content = d.value[i + 1]!;
      if (content.type !== 'octet-string' || !isProtectionParametersArray(params)) continue;
      const protectionParameters = readProtectionParameters(params, base + starts[i]!);
      if (!protectionParameters.some((e) => encrypts(e.protectionType))) continue;
      const offset = starts[i + 1]! + dataHeaderLength(content);
      out.push({
        protectionParameters,
        cipheredContent: decodeCipheredContent(content.value, base + offset),
        offset,
        length: content.value.length,
      });
    }
  }
  return p - pos;
}

/**
 * Every encrypted protected-attributes octet-string in an APDU's Data (list-of-data of access
 * requests/responses, data-notification body), in encoding order.
 * @param baseOffset absolute offset of the APDU, used only in error offsets.
 * @throws DecodeError BAD_VALUE (protection-options not shaped as above, security control not 0x31),
 *   BAD_LENGTH (octet-string shorter than security header and tag).
 */
export function findProtectedAttributes(apdu: DlmsApdu, baseOffset = 0): ProtectedAttributes[] {
  const out: ProtectedAttributes[] = [];
  for (const { data, offset } of dlmsApduDataItems(apdu)) walk(data, offset, baseOffset, out);
  return out;
}
