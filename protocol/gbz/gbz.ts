/**
 * GBZ: ZigBee Smart Energy (ZSE) frames in a GBCS wrapper, the payload form of GSME/GPF use cases
 * (gbcs-wire-and-security.md §2.4; Wireshark packet-gbcs.c
 * dissect_gbcs_gbz_component; pinned by RTDS 4.5.0). Multi-byte GBZ header fields are
 * big-endian; the ZCL frames inside are ZigBee little-endian and kept as raw bytes here.
 *
 * Commands and responses:
 * ```
 * 01 09 (ZSE profile id) ‖ component-count(1) ‖ component × count
 * component = extended-header-control(1) ‖ cluster-id(2) ‖ length(2, counts every byte after it)
 *             ‖ [from-date-time(4)]                                       if control bit4 (0x10)
 *             ‖ [additional-header-control(1) ‖ additional-frame-counter(1)] if control bit1 (0x02)
 *             ‖ ZCL header: frame-control(1) ‖ [manufacturer-code(2, LE) if frame-control bit2]
 *                           ‖ transaction-sequence-number(1) ‖ command-id(1)
 *             ‖ plain:     ZCL payload (the rest of the component)
 *             ‖ encrypted: ciphered-length(2) ‖ 31 ‖ 00000000 ‖ ciphertext ‖ tag(12)
 *                          (ciphered-length counts the 5-byte security header, ciphertext and tag
 *                          and equals what is left of the component)
 * extended-header-control: bit0 (0x01) last component, bit1 (0x02) encrypted component, bit4
 * (0x10) from-date-time present; other bits are reserved and rejected.
 * ```
 * RTDS 4.5.0 pins the encrypted layout (GCS13a/b/c, GCS14, GCS15b/c, GCS16a/b, GCS18, GCS61
 * responses, GCS53 alert: 41 encrypted components, each ciphered-length = rest of the component).
 * No RTDS component has both bit1 and bit4 set, so the order of from-date-time and the additional
 * header is not pinned by data; it follows Wireshark packet-gbcs.c (from-date-time first, as a part
 * of the extended header) — gbcs-parser `src/zigbee.ts` reads only one of the two.
 *
 * Alerts (CRA flag 3):
 * ```
 * 01 09 ‖ component-count(1) ‖ alert-code(2) ‖ timestamp(4, UTCTime) ‖ alert-specific part
 *   0x8F66/0x8F67 future-dated outcome: 0E ‖ message-code(2) ‖ originator-counter(8) ‖ cluster-id(2)
 *                                       ‖ frame-control(1) ‖ command-id(1)
 *   0x8F1C/0x8F72 firmware verification: 09 20 ‖ calculated manufacturer image hash(32)
 *   0x8F0A billing data log updated: one component (GCS53, encrypted)
 * ```
 * For these five alert codes the part is either absent or exactly as shown (else BAD_LENGTH /
 * UNKNOWN_TAG); for other codes it is kept as raw bytes. component-count is 0 when nothing follows
 * the timestamp (0x810E), 1 otherwise (RTDS); a count of 0 with a part after the timestamp is
 * TRAILING_BYTES, a non-zero count without one TRUNCATED.
 * Timestamps and from-date-time are ZigBee UTCTime: uint32 seconds since 2000-01-01T00:00:00Z.
 */
import { ByteReader, concatBytes, u16be } from '../bytes.ts';
import {
  type CipheredContent,
  cipheredContentLength,
  decodeCipheredContent,
  encodeCipheredContent,
} from '../dlms/ciphered-content.ts';
import { DecodeError, ErrorCode } from '../errors.ts';

/** ZigBee Smart Energy profile id, the first two bytes of every GBZ payload. */
export const GBZ_PROFILE_ID = 0x0109;

export const ExtendedHeaderControl = {
  LAST_COMPONENT: 0x01,
  ENCRYPTED_COMPONENT: 0x02,
  FROM_DATE_TIME_PRESENT: 0x10,
} as const;
const KNOWN_CONTROL_BITS = 0x13;

/** ZCL frame-control bit 2: a manufacturer code follows (ZCL 2.4.1.1.2). */
export const ZCL_MANUFACTURER_SPECIFIC = 0x04;

/** Alert codes whose alert-specific part has a modelled layout. */
export const GbzAlertCode = {
  BILLING_DATA_LOG_UPDATED: 0x8f0a,
  FIRMWARE_VERIFICATION_FAILED: 0x8f1c,
  FUTURE_DATED_COMMAND_ACTIONED: 0x8f66,
  FUTURE_DATED_COMMAND_NOT_ACTIONED: 0x8f67,
  FIRMWARE_VERIFICATION_SUCCESSFUL: 0x8f72,
} as const;

/** Leading byte of the future-dated outcome part (its length, 14). */
const FUTURE_DATED_START = 0x0e;
const FUTURE_DATED_LENGTH = 15;
/** Leading bytes of the firmware hash part (octet-string, 32). */
const FIRMWARE_HASH_START = [0x09, 0x20] as const;
const FIRMWARE_HASH_LENGTH = 32;

export interface ZclHeader {
  frameControl: number;
  /** Present when frame-control bit2 is set (uint16, little-endian on the wire). */
  manufacturerCode: number | null;
  transactionSequenceNumber: number;
  commandId: number;
}

interface GbzComponentBase {
  /** Extended-header-control bit0. */
  lastComponent: boolean;
  clusterId: number;
  /** Extended-header-control bit4: UTCTime (seconds since 2000-01-01T00:00:00Z), or null. */
  fromDateTime: number | null;
  zclHeader: ZclHeader;
}
export interface GbzPlainComponent extends GbzComponentBase {
  encrypted: false;
  /** The ZCL payload, raw (ZCL little-endian). */
  zclPayload: Uint8Array;
}
export interface GbzEncryptedComponent extends GbzComponentBase {
  encrypted: true;
  additionalHeaderControl: number;
  additionalFrameCounter: number;
  /** `31 ‖ 00000000 ‖ ciphertext(ZCL payload) ‖ tag12`. */
  cipheredContent: CipheredContent;
}
export type GbzComponent = GbzPlainComponent | GbzEncryptedComponent;

export type GbzAlertBody =
  | { type: 'none' }
  | {
      type: 'future-dated-outcome';
      messageCode: number;
      /** uint64: the Originator Counter of the future-dated command. */
      originatorCounter: bigint;
      clusterId: number;
      frameControl: number;
      commandId: number;
    }
  | { type: 'firmware-hash'; calculatedManufacturerImageHash: Uint8Array }
  | { type: 'component'; component: GbzComponent }
  /** The alert-specific part of any other alert code, kept as bytes. */
  | { type: 'raw'; bytes: Uint8Array };

export type GbzPayload =
  | { type: 'components'; components: GbzComponent[] }
  | {
      type: 'alert';
      /** The count byte as sent: 0 exactly when nothing follows the timestamp (RTDS: 0 or 1). */
      componentCount: number;
      alertCode: number;
      /** UTCTime: seconds since 2000-01-01T00:00:00Z. */
      timestamp: number;
      alertBody: GbzAlertBody;
    };

function hex(n: number, w = 2): string {
  return n.toString(16).padStart(w, '0');
}

function readZclHeader(r: ByteReader): ZclHeader {
  const frameControl = r.u8('ZCL frame-control');
  let manufacturerCode: number | null = null;
  if (frameControl & ZCL_MANUFACTURER_SPECIFIC) {
    const lo = r.u8('ZCL manufacturer-code');
    manufacturerCode = lo | (r.u8('ZCL manufacturer-code') << 8);
  }
  const transactionSequenceNumber = r.u8('ZCL transaction-sequence-number');
  const commandId = r.u8('ZCL command-id');
  return { frameControl, manufacturerCode, transactionSequenceNumber, commandId };
}

/**
 * Reads one component at the reader's position; it ends where its length field says.
 * @throws DecodeError BAD_VALUE (reserved control bits, security control not 0x31), TRUNCATED,
 *   BAD_LENGTH (ciphered-length not the rest of the component, or too short).
 */
export function readGbzComponent(r: ByteReader): GbzComponent {
  const at = r.offset;
  const control = r.u8('extended-header-control');
  if (control & ~KNOWN_CONTROL_BITS) {
    throw new DecodeError(
      ErrorCode.BAD_VALUE,
      at,
      `extended-header-control 0x${hex(control)}: reserved bits set`,
    );
  }
  const clusterId = r.u16('cluster-id');
  const length = r.u16('component length');
  const bodyAt = r.offset;
  const c = new ByteReader(r.take(length, 'component'), bodyAt);
  const fromDateTime =
    control & ExtendedHeaderControl.FROM_DATE_TIME_PRESENT ? c.u32('from-date-time') : null;
  const lastComponent = (control & ExtendedHeaderControl.LAST_COMPONENT) !== 0;
  if (!(control & ExtendedHeaderControl.ENCRYPTED_COMPONENT)) {
    const zclHeader = readZclHeader(c);
    const zclPayload = c.take(c.remaining, 'ZCL payload');
    return { encrypted: false, lastComponent, clusterId, fromDateTime, zclHeader, zclPayload };
  }
  const additionalHeaderControl = c.u8('additional-header-control');
  const additionalFrameCounter = c.u8('additional-frame-counter');
  const zclHeader = readZclHeader(c);
  const lenAt = c.offset;
  const cipheredLength = c.u16('ciphered-length');
  if (cipheredLength !== c.remaining) {
    throw new DecodeError(
      ErrorCode.BAD_LENGTH,
      lenAt,
      `ciphered-length ${cipheredLength}: the component has ${c.remaining} byte(s) left`,
    );
  }
  const contentAt = c.offset;
  const cipheredContent = decodeCipheredContent(c.take(cipheredLength, 'ciphered content'), contentAt);
  return {
    encrypted: true,
    lastComponent,
    clusterId,
    fromDateTime,
    zclHeader,
    additionalHeaderControl,
    additionalFrameCounter,
    cipheredContent,
  };
}

function readAlertBody(r: ByteReader, alertCode: number): GbzAlertBody {
  const n = r.remaining;
  if (n === 0) return { type: 'none' };
  const at = r.offset;
  const expectPart = (length: number, start: readonly number[], what: string): void => {
    if (n !== length) {
      throw new DecodeError(ErrorCode.BAD_LENGTH, at, `${what}: ${n} byte(s), expected ${length}`);
    }
    start.forEach((b, i) => {
      if (r.bytes[r.pos + i] !== b) {
        throw new DecodeError(ErrorCode.UNKNOWN_TAG, at + i, `${what}: expected 0x${hex(b)} at byte ${i}`);
      }
    });
    r.take(start.length);
  };
  switch (alertCode) {
    case GbzAlertCode.FUTURE_DATED_COMMAND_ACTIONED:
    case GbzAlertCode.FUTURE_DATED_COMMAND_NOT_ACTIONED:
      expectPart(FUTURE_DATED_LENGTH, [FUTURE_DATED_START], 'future-dated outcome');
      return {
        type: 'future-dated-outcome',
        messageCode: r.u16('message-code'),
        originatorCounter: r.u64('originator-counter'),
        clusterId: r.u16('cluster-id'),
        frameControl: r.u8('frame-control'),
        commandId: r.u8('command-id'),
      };
    case GbzAlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL:
    case GbzAlertCode.FIRMWARE_VERIFICATION_FAILED:
      expectPart(2 + FIRMWARE_HASH_LENGTH, FIRMWARE_HASH_START, 'firmware verification');
      return { type: 'firmware-hash', calculatedManufacturerImageHash: r.take(FIRMWARE_HASH_LENGTH) };
    case GbzAlertCode.BILLING_DATA_LOG_UPDATED: {
      const component = readGbzComponent(r);
      r.end('GBZ alert component');
      return { type: 'component', component };
    }
    default:
      return { type: 'raw', bytes: r.take(n) };
  }
}

/**
 * Decodes a whole GBZ payload.
 * @param baseOffset absolute offset of `payload[0]`, for error offsets.
 * @param options.alert the alert form (CRA flag 3) or not; when omitted it is inferred: the byte
 *   after the count is an alert code's high byte (0x80–0x8F) in alerts, an extended-header-control
 *   (reserved bits 5–7 clear) otherwise.
 * @throws DecodeError EMPTY, UNKNOWN_TAG (not `01 09`; a modelled alert part's leading bytes),
 *   TRUNCATED, BAD_LENGTH, BAD_VALUE, TRAILING_BYTES (bytes after the counted components or the
 *   alert component).
 */
export function decodeGbz(
  payload: Uint8Array,
  baseOffset = 0,
  options: { alert?: boolean } = {},
): GbzPayload {
  if (payload.length === 0) throw new DecodeError(ErrorCode.EMPTY, baseOffset, 'empty GBZ payload');
  const r = new ByteReader(payload, baseOffset);
  const profileId = r.u16('profile id');
  if (profileId !== GBZ_PROFILE_ID) {
    throw new DecodeError(
      ErrorCode.UNKNOWN_TAG,
      baseOffset,
      `profile id 0x${hex(profileId, 4)}: expected 0x0109`,
    );
  }
  const count = r.u8('component count');
  const alert = options.alert ?? (r.remaining > 0 && (r.peek()! & 0x80) !== 0);
  if (alert) {
    const alertCode = r.u16('alert code');
    const timestamp = r.u32('timestamp');
    if (count === 0 && r.remaining > 0) {
      throw new DecodeError(
        ErrorCode.TRAILING_BYTES,
        r.offset,
        'alert with component count 0 has an alert-specific part',
      );
    }
    if (count > 0 && r.remaining === 0) {
      throw new DecodeError(
        ErrorCode.TRUNCATED,
        r.offset,
        `alert with component count ${count} ends after its timestamp`,
      );
    }
    const alertBody = readAlertBody(r, alertCode);
    r.end('GBZ alert');
    return { type: 'alert', componentCount: count, alertCode, timestamp, alertBody };
  }
  // Each component takes at least 8 bytes (5-byte extended header + 3-byte ZCL header).
  if (count * 8 > r.remaining) {
    throw new DecodeError(
      ErrorCode.TRUNCATED,
      baseOffset + payload.length,
      `${count} GBZ component(s) declared, only ${r.remaining} byte(s) left`,
    );
  }
  const components: GbzComponent[] = new Array(count);
  for (let i = 0; i < count; i++) components[i] = readGbzComponent(r);
  r.end('GBZ components');
  return { type: 'components', components };
}

function checkRange(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} out of range: ${v}`);
  return v;
}

function u32be(v: number, what: string): Uint8Array {
  checkRange(v, 0xffffffff, what);
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

function encodeZclHeader(h: ZclHeader): Uint8Array {
  const fc = checkRange(h.frameControl, 0xff, 'frame-control');
  const hasCode = (fc & ZCL_MANUFACTURER_SPECIFIC) !== 0;
  if (hasCode !== (h.manufacturerCode !== null)) {
    throw new RangeError('manufacturer-code must be present exactly when frame-control bit2 is set');
  }
  const seq = checkRange(h.transactionSequenceNumber, 0xff, 'transaction-sequence-number');
  const cmd = checkRange(h.commandId, 0xff, 'command-id');
  if (h.manufacturerCode === null) return Uint8Array.of(fc, seq, cmd);
  const m = checkRange(h.manufacturerCode, 0xffff, 'manufacturer-code');
  return Uint8Array.of(fc, m & 0xff, m >> 8, seq, cmd);
}

/** Encodes one component. @throws RangeError for fields out of range or a component over 65535 bytes. */
export function encodeGbzComponent(c: GbzComponent): Uint8Array {
  let control = c.lastComponent ? ExtendedHeaderControl.LAST_COMPONENT : 0;
  const parts: Uint8Array[] = [];
  if (c.fromDateTime !== null) {
    control |= ExtendedHeaderControl.FROM_DATE_TIME_PRESENT;
    parts.push(u32be(c.fromDateTime, 'from-date-time'));
  }
  if (c.encrypted) {
    control |= ExtendedHeaderControl.ENCRYPTED_COMPONENT;
    parts.push(
      Uint8Array.of(
        checkRange(c.additionalHeaderControl, 0xff, 'additional-header-control'),
        checkRange(c.additionalFrameCounter, 0xff, 'additional-frame-counter'),
      ),
    );
    parts.push(encodeZclHeader(c.zclHeader));
    const content = encodeCipheredContent(c.cipheredContent);
    parts.push(u16be(content.length), content);
  } else {
    parts.push(encodeZclHeader(c.zclHeader), c.zclPayload);
  }
  const body = concatBytes(...parts);
  return concatBytes(
    Uint8Array.of(control),
    u16be(checkRange(c.clusterId, 0xffff, 'cluster-id')),
    u16be(body.length),
    body,
  );
}

function encodeAlertBody(b: GbzAlertBody): Uint8Array {
  switch (b.type) {
    case 'none':
      return new Uint8Array(0);
    case 'future-dated-outcome': {
      const out = new Uint8Array(FUTURE_DATED_LENGTH);
      const v = new DataView(out.buffer);
      out[0] = FUTURE_DATED_START;
      v.setUint16(1, checkRange(b.messageCode, 0xffff, 'message-code'));
      if (b.originatorCounter < 0n || b.originatorCounter > 0xffffffffffffffffn) {
        throw new RangeError(`originator-counter out of range: ${b.originatorCounter}`);
      }
      v.setBigUint64(3, b.originatorCounter);
      v.setUint16(11, checkRange(b.clusterId, 0xffff, 'cluster-id'));
      out[13] = checkRange(b.frameControl, 0xff, 'frame-control');
      out[14] = checkRange(b.commandId, 0xff, 'command-id');
      return out;
    }
    case 'firmware-hash':
      if (b.calculatedManufacturerImageHash.length !== FIRMWARE_HASH_LENGTH) {
        throw new RangeError('calculated manufacturer image hash must be 32 bytes');
      }
      return concatBytes(Uint8Array.from(FIRMWARE_HASH_START), b.calculatedManufacturerImageHash);
    case 'component':
      return encodeGbzComponent(b.component);
    case 'raw':
      return b.bytes;
  }
}

/**
 * Encodes a GBZ payload; for every decoded payload the result equals the input byte for byte.
 * @throws RangeError for fields out of range, more than 255 components, an alert component count
 *   that is 0 with an alert-specific part or non-zero without one.
 */
export function encodeGbz(g: GbzPayload): Uint8Array {
  if (g.type === 'alert') {
    if ((g.componentCount === 0) !== (g.alertBody.type === 'none')) {
      throw new RangeError('alert component count must be 0 exactly when there is no alert-specific part');
    }
    return concatBytes(
      u16be(GBZ_PROFILE_ID),
      Uint8Array.of(checkRange(g.componentCount, 0xff, 'component count')),
      u16be(checkRange(g.alertCode, 0xffff, 'alert code')),
      u32be(g.timestamp, 'timestamp'),
      encodeAlertBody(g.alertBody),
    );
  }
  return concatBytes(
    u16be(GBZ_PROFILE_ID),
    Uint8Array.of(checkRange(g.components.length, 0xff, 'component count')),
    ...g.components.map(encodeGbzComponent),
  );
}

function zclHeaderLength(h: ZclHeader): number {
  return h.manufacturerCode === null ? 3 : 5;
}

function componentLength(c: GbzComponent): number {
  let n = 5 + (c.fromDateTime === null ? 0 : 4) + zclHeaderLength(c.zclHeader);
  n += c.encrypted ? 2 + 2 + cipheredContentLength(c.cipheredContent) : c.zclPayload.length;
  return n;
}

/**
 * The encrypted components of a GBZ payload with the offset (in the payload) and length of each
 * `31 ‖ IC ‖ ciphertext ‖ tag` — computed from the decoded structure, which encodes to exactly
 * the bytes it was decoded from.
 */
export function gbzEncryptedComponents(
  g: GbzPayload,
): Array<{ component: GbzEncryptedComponent; offset: number; length: number }> {
  const out: Array<{ component: GbzEncryptedComponent; offset: number; length: number }> = [];
  const visit = (c: GbzComponent, pos: number): void => {
    if (!c.encrypted) return;
    const offset = pos + 5 + (c.fromDateTime === null ? 0 : 4) + 2 + zclHeaderLength(c.zclHeader) + 2;
    out.push({ component: c, offset, length: cipheredContentLength(c.cipheredContent) });
  };
  if (g.type === 'alert') {
    if (g.alertBody.type === 'component') visit(g.alertBody.component, 9);
    return out;
  }
  let pos = 3;
  for (const c of g.components) {
    visit(c, pos);
    pos += componentLength(c);
  }
  return out;
}

/** One ZCL command of a GBZ command built by `encodeGbzCommands`. */
export interface ZclCommandSpec {
  clusterId: number;
  frameControl: number;
  commandId: number;
  /** The ZCL payload after the command id. */
  zcl: Uint8Array;
  /** ZCL transaction sequence number; default the component's index. */
  transactionSequenceNumber?: number;
}

/**
 * A GBZ command payload of one unencrypted component per ZCL command, in order, without
 * from-date-time or manufacturer code (as head-ends send GSME/GPF commands).
 */
export function encodeGbzCommands(cmds: readonly ZclCommandSpec[]): Uint8Array {
  return encodeGbz({
    type: 'components',
    components: cmds.map((c, i) => ({
      encrypted: false,
      lastComponent: i === cmds.length - 1,
      clusterId: c.clusterId,
      fromDateTime: null,
      zclHeader: {
        frameControl: c.frameControl,
        manufacturerCode: null,
        transactionSequenceNumber: c.transactionSequenceNumber ?? i,
        commandId: c.commandId,
      },
      zclPayload: c.zcl,
    })),
  });
}
