/**
 * Types shared by the GBCS ASN.1 payloads (GBCS ASN.1 module, as the CS02x/CS03x/CS04x/CS06/CS07/
 * CS08/GCS28/GCS59/CCS08 use cases carry them; gbcs-wire-and-security.md §2.4, §3.8): Remote Party
 * Role, KeyUsage, CellUsage, TrustAnchorCellIdentifier, sequence numbers, Device Log entries, and a
 * field reader over the DER tree of protocol/asn1/der.ts that fails with typed errors.
 *
 * Decoding is strict DER (der.ts: minimal INTEGERs, BOOLEAN 00/FF, clean BIT STRINGs, real dates,
 * no encoded DEFAULT values, …). One relaxation, for what devices send only (responses, alerts):
 * long-form lengths longer than needed (`82 00 DE`), as RTDS 4.5.0 CS02b/CS02f/CS02g responses and
 * alerts have them; commands from Remote Parties must be DER throughout. Encoding is strict DER.
 */
import { toHex } from '../bytes.ts';
import { DecodeError, ErrorCode } from '../errors.ts';
import type { Eui64 } from '../types.ts';
import {
  type DerNode,
  DerTag,
  decodeDer,
  derConstructed,
  derGeneralizedTime,
  derInteger,
  derIntegerValue,
  derTimeValue,
  derTlv,
} from './der.ts';

/**
 * Decodes an ASN.1 payload a device sent (response, alert) or an embedded structure such as a
 * certificate: DER, tolerating long-form lengths longer than needed (see the file doc).
 */
export function decodeGbcsDer(bytes: Uint8Array, baseOffset = 0): DerNode {
  return decodeDer(bytes, baseOffset, { allowNonMinimalLength: true });
}

/** Decodes the ASN.1 payload of a command (CRA flag 1): strict DER, lengths included. */
export function decodeGbcsCommandDer(bytes: Uint8Array, baseOffset = 0): DerNode {
  return decodeDer(bytes, baseOffset);
}

/** The encoded TLV of `node` inside `input` (the bytes `decodeGbcsDer(input)` was given), verbatim. */
export function rawTlv(input: Uint8Array, node: DerNode, baseOffset = 0): Uint8Array {
  const start = node.offset - baseOffset;
  const end = node.value.byteOffset - input.byteOffset + node.value.length;
  return input.subarray(start, end);
}

const hexTag = (t: number) => `0x${t.toString(16).padStart(2, '0')}`;

/**
 * Reads the children of a constructed node in order. `next` requires a tag, `optional` takes the
 * next child only when it carries the tag, `end` requires that nothing is left.
 */
export class DerFields {
  readonly node: DerNode;
  readonly what: string;
  private readonly kids: DerNode[];
  private i = 0;

  constructor(node: DerNode, what: string, tag?: number) {
    if (tag !== undefined) expectTag(node, tag, what);
    if (!node.children) throw new DecodeError(ErrorCode.UNKNOWN_TAG, node.offset, `${what}: not constructed`);
    this.node = node;
    this.what = what;
    this.kids = node.children;
  }

  get done(): boolean {
    return this.i >= this.kids.length;
  }

  peekTag(): number | undefined {
    return this.kids[this.i]?.tag;
  }

  next(tag: number, what: string): DerNode {
    const n = this.kids[this.i];
    if (!n) {
      throw new DecodeError(ErrorCode.TRUNCATED, this.node.offset, `${this.what}: ${what} missing`);
    }
    expectTag(n, tag, `${this.what}: ${what}`);
    this.i++;
    return n;
  }

  optional(tag: number): DerNode | null {
    const n = this.kids[this.i];
    if (n?.tag !== tag) return null;
    this.i++;
    return n;
  }

  end(): void {
    const n = this.kids[this.i];
    if (n) {
      throw new DecodeError(
        ErrorCode.TRAILING_BYTES,
        n.offset,
        `${this.what}: unexpected ${hexTag(n.tag)} after the last field`,
      );
    }
  }
}

export function expectTag(n: DerNode, tag: number, what: string): void {
  if (n.tag !== tag) {
    throw new DecodeError(
      ErrorCode.UNKNOWN_TAG,
      n.offset,
      `${what}: expected ${hexTag(tag)}, found ${hexTag(n.tag)}`,
    );
  }
  const constructed = tag < 0x100 ? (tag & 0x20) !== 0 : n.constructed;
  if (constructed !== n.constructed)
    throw new DecodeError(ErrorCode.BAD_VALUE, n.offset, `${what}: bad form`);
}

/** A bounded INTEGER (or ENUMERATED, or an IMPLICIT-tagged INTEGER) as a number. */
export function intValue(n: DerNode, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (n.constructed) throw new DecodeError(ErrorCode.BAD_VALUE, n.offset, `${what}: not primitive`);
  const v = derIntegerValue(n);
  if (v < BigInt(min) || v > BigInt(max)) {
    throw new DecodeError(ErrorCode.BAD_VALUE, n.offset, `${what}: ${v} is outside ${min}..${max}`);
  }
  return Number(v);
}

/** SeqNumber ::= INTEGER (0..2^63-1): originator counters and anti-replay floors. */
export const MAX_SEQ_NUMBER = (1n << 63n) - 1n;

export function seqNumberValue(n: DerNode, what: string): bigint {
  if (n.constructed) throw new DecodeError(ErrorCode.BAD_VALUE, n.offset, `${what}: not primitive`);
  const v = derIntegerValue(n);
  if (v < 0n || v > MAX_SEQ_NUMBER)
    throw new DecodeError(ErrorCode.BAD_VALUE, n.offset, `${what}: ${v} out of range`);
  return v;
}

/** OCTET STRING contents, optionally of a fixed length. */
export function octets(n: DerNode, what: string, length?: number): Uint8Array {
  if (n.constructed) throw new DecodeError(ErrorCode.BAD_VALUE, n.offset, `${what}: not primitive`);
  if (length !== undefined && n.value.length !== length) {
    throw new DecodeError(
      ErrorCode.BAD_LENGTH,
      n.offset,
      `${what}: ${n.value.length} octets, expected ${length}`,
    );
  }
  return n.value;
}

/** An EUI-64 carried as OCTET STRING (SIZE(8)): Entity Identifier, Subject Unique ID, Device Id. */
export function euiValue(n: DerNode, what: string): Eui64 {
  return toHex(octets(n, what, 8));
}

export function nullValue(n: DerNode, what: string): null {
  if (n.value.length !== 0)
    throw new DecodeError(ErrorCode.BAD_LENGTH, n.offset, `${what}: NULL with content`);
  return null;
}

/** GeneralizedTime `YYYYMMDDHHMMSSZ` → ms since epoch. */
export function timeValue(n: DerNode, what: string): number {
  expectTag(n, DerTag.GENERALIZED_TIME, what);
  return derTimeValue(n);
}

export const derNull = (): Uint8Array => Uint8Array.of(DerTag.NULL, 0);
export const derOctets = (b: Uint8Array): Uint8Array => derTlv(DerTag.OCTET_STRING, b);
/** @throws RangeError when `eui` is not 16 hex digits */
export function derEui(eui: Eui64): Uint8Array {
  if (!/^[0-9a-f]{16}$/.test(eui)) throw new RangeError(`not an EUI-64: ${eui}`);
  return derOctets(Uint8Array.from(eui.match(/../g)!.map((h) => Number.parseInt(h, 16))));
}
export const derSequence = (...children: Uint8Array[]): Uint8Array =>
  derConstructed(DerTag.SEQUENCE, ...children);
export { derGeneralizedTime, derInteger };

/** GBCS never-to-be-reached execution date-time: a future-dated command carrying it cancels a pending one. */
export const CANCELLATION_DATE_TIME = Date.UTC(9999, 11, 31, 23, 59, 59);

/** RemotePartyRole ::= INTEGER: the one definition is protocol/types.ts `Role`. */
export { Role } from '../types.ts';

export function roleValue(n: DerNode, what = 'Remote Party Role'): number {
  return intValue(n, what, 0, 127);
}

/**
 * KeyUsage ::= BIT STRING as the trust-anchor cells use it: exactly one of digitalSignature
 * (`03 02 07 80`), keyAgreement (`03 02 03 08`), keyCertSign (`03 02 02 04`, the Root cell).
 */
export type KeyUsageName = 'ds' | 'ka' | 'kcs';
const KEY_USAGE_BITS: Record<KeyUsageName, [number, number]> = {
  ds: [7, 0x80],
  ka: [3, 0x08],
  kcs: [2, 0x04],
};

export function keyUsageValue(n: DerNode, what = 'Key Usage'): KeyUsageName {
  expectTag(n, DerTag.BIT_STRING, what);
  const v = n.value;
  for (const [name, [unused, bits]] of Object.entries(KEY_USAGE_BITS) as [KeyUsageName, [number, number]][]) {
    if (v.length === 2 && v[0] === unused && v[1] === bits) return name;
  }
  throw new DecodeError(
    ErrorCode.BAD_VALUE,
    n.offset,
    `${what}: ${toHex(v)} is not digitalSignature, keyAgreement or keyCertSign`,
  );
}

export function derKeyUsage(k: KeyUsageName): Uint8Array {
  const [unused, bits] = KEY_USAGE_BITS[k];
  return derTlv(DerTag.BIT_STRING, Uint8Array.of(unused, bits));
}

/** CellUsage ::= INTEGER { management (0), prePaymentTopUp (1) } DEFAULT management. */
export type CellUsageName = 'management' | 'prepayment';

/** TrustAnchorCellIdentifier ::= SEQUENCE { remotePartyRole, keyUsage, cellUsage DEFAULT management }. */
export interface TrustAnchorCellIdentifier {
  role: number;
  keyUsage: KeyUsageName;
  cellUsage: CellUsageName;
}

/**
 * The optional `cellUsage CellUsage DEFAULT management` field. DER leaves DEFAULT values out
 * (X.690 §11.5), so an encoded management (0) is refused.
 * @throws DecodeError NOT_CANONICAL (encoded default), BAD_VALUE (not 0 or 1)
 */
export function cellUsageField(f: DerFields): CellUsageName {
  const n = f.optional(DerTag.INTEGER);
  if (n === null) return 'management';
  if (intValue(n, 'Cell Usage', 0, 1) === 0)
    throw new DecodeError(ErrorCode.NOT_CANONICAL, n.offset, 'Cell Usage: the DEFAULT management is encoded');
  return 'prepayment';
}

/** Reads a TrustAnchorCellIdentifier (SEQUENCE, or IMPLICIT-tagged e.g. `A2`). */
export function cellIdentifierValue(
  n: DerNode,
  what: string,
  tag: number = DerTag.SEQUENCE,
): TrustAnchorCellIdentifier {
  const f = new DerFields(n, what, tag);
  const role = roleValue(f.next(DerTag.INTEGER, 'Remote Party Role'));
  const keyUsage = keyUsageValue(f.next(DerTag.BIT_STRING, 'Key Usage'));
  const cellUsage = cellUsageField(f);
  f.end();
  return { role, keyUsage, cellUsage };
}

/** Cell usage field: omitted when management (DER leaves out DEFAULT values). */
export const derCellUsage = (c: CellUsageName): Uint8Array[] => (c === 'prepayment' ? [derInteger(1)] : []);

export function derCellIdentifier(c: TrustAnchorCellIdentifier, tag: number = DerTag.SEQUENCE): Uint8Array {
  return derConstructed(tag, derInteger(c.role), derKeyUsage(c.keyUsage), ...derCellUsage(c.cellUsage));
}

/**
 * StatusCode ::= ENUMERATED, the per-role / per-cell outcome of CS02a/CS02b/CS02f/CS02g
 * (gbcs-wire-and-security.md §3.8).
 */
export const StatusCode = {
  SUCCESS: 0,
  BAD_CERTIFICATE: 5,
  NO_TRUST_ANCHOR: 10,
  INSUFFICIENT_MEMORY: 17,
  TRUST_ANCHOR_NOT_FOUND: 25,
  RESOURCES_BUSY: 30,
  OTHER: 127,
} as const;

export const derEnumerated = (v: number): Uint8Array => derInteger(v, DerTag.ENUMERATED);

/** DeviceType ::= INTEGER { gsme(0), esme(1), chf(2), gpf(3), hcalcs(4), ppmid(5), type2(6) }. */
export const DeviceTypeCode = { GSME: 0, ESME: 1, CHF: 2, GPF: 3, HCALCS: 4, PPMID: 5, TYPE2: 6 } as const;

/** DeviceLogEntry ::= SEQUENCE { deviceId OCTET STRING (SIZE(8)), deviceType DeviceType }. */
export interface DeviceLogEntry {
  deviceId: Eui64;
  deviceType: number;
}

export function deviceLogEntryValue(n: DerNode, what = 'Device Log Entry'): DeviceLogEntry {
  const f = new DerFields(n, what, DerTag.SEQUENCE);
  const deviceId = euiValue(f.next(DerTag.OCTET_STRING, 'Device Id'), 'Device Id');
  const deviceType = intValue(f.next(DerTag.INTEGER, 'Device Type'), 'Device Type', 0, 255);
  f.end();
  return { deviceId, deviceType };
}

export const derDeviceLogEntry = (e: DeviceLogEntry): Uint8Array =>
  derSequence(derEui(e.deviceId), derInteger(e.deviceType));

/** The children of a SEQUENCE OF (or IMPLICIT-tagged SEQUENCE OF), each read with `item`. */
export function sequenceOf<T>(
  n: DerNode,
  what: string,
  item: (c: DerNode, i: number) => T,
  tag: number = DerTag.SEQUENCE,
): T[] {
  expectTag(n, tag, what);
  return (n.children ?? []).map(item);
}

/** Alert code (INTEGER, e.g. `02 03 00 8F 66`) of the ASN.1 alert payloads. */
export function alertCodeValue(n: DerNode): number {
  return intValue(n, 'Alert Code', 0, 0xffff);
}
