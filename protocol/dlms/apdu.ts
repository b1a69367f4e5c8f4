/**
 * The xDLMS APDUs GBCS carries as ESME/CHF payloads (DLMS Green Book ACCESS and
 * DataNotification services; gbcs-wire-and-security.md §2.4), all A-XDR:
 *
 * ```
 * access-request     D9 ‖ long-invoke-id-and-priority(4) ‖ date-time ‖ SEQUENCE OF access-request-specification
 *                       ‖ SEQUENCE OF Data
 * access-response    DA ‖ long-invoke-id-and-priority(4) ‖ date-time ‖ OPTIONAL SEQUENCE OF access-request-specification
 *                       ‖ SEQUENCE OF Data ‖ SEQUENCE OF access-response-specification
 * data-notification  0F ‖ long-invoke-id-and-priority(4) ‖ date-time ‖ Data
 * ```
 * - date-time: an octet-string, `00` when absent or `0C` ‖ 12-byte DLMS date-time.
 * - SEQUENCE OF: an A-XDR count (BER length form, `ber.ts`) then the elements; OPTIONAL: `00`
 *   absent, `01` present (GBCS responses always have `00`).
 * - access-request-specification CHOICE: `01` get, `02` set (cosem-attribute-descriptor), `03`
 *   action (cosem-method-descriptor), `04` get-with-selection, `05` set-with-selection
 *   (descriptor ‖ access-selector(1) ‖ access-parameters Data). cosem-attribute-descriptor =
 *   class-id(2) ‖ instance-id(6) ‖ attribute-id(1, Integer8); the method descriptor likewise.
 *   RTDS shows 01–04 (e.g. ECS35a uses 04 with selector 01, a range-descriptor structure).
 * - access-response-specification CHOICE: `01` get / `02` set → Data-Access-Result(1), `03` action
 *   → Action-Result(1).
 *
 * In GBCS the long-invoke-id-and-priority is `0x20` ‖ the low 24 bits of the Originator Counter
 * (RTDS, every message); it is carried here as the plain uint32.
 */
import { readBerLength } from '../ber.ts';
import { ByteReader } from '../bytes.ts';
import { DLMS_DATE_TIME_LENGTH, decodeDlmsDateTime } from '../dlms-date-time.ts';
import { DecodeError, ErrorCode } from '../errors.ts';
import { ByteWriter, type DlmsData, dataEncodedLength, decodeData, readCount, writeData } from './axdr.ts';

export const ACCESS_REQUEST_TAG = 0xd9;
export const ACCESS_RESPONSE_TAG = 0xda;
export const DATA_NOTIFICATION_TAG = 0x0f;

/** access-request-specification CHOICE tags (Green Book, ACCESS service). */
export const AccessRequestSpecificationTag = {
  get: 1,
  set: 2,
  action: 3,
  'get-with-selection': 4,
  'set-with-selection': 5,
} as const;
/** access-response-specification CHOICE tags. */
export const AccessResponseSpecificationTag = { get: 1, set: 2, action: 3 } as const;

/** The results 0–14 that Data-Access-Result and Action-Result share, with the same codes (Green Book xDLMS ASN.1). */
const COMMON_RESULT = {
  SUCCESS: 0,
  HARDWARE_FAULT: 1,
  TEMPORARY_FAILURE: 2,
  READ_WRITE_DENIED: 3,
  OBJECT_UNDEFINED: 4,
  OBJECT_CLASS_INCONSISTENT: 9,
  OBJECT_UNAVAILABLE: 11,
  TYPE_UNMATCHED: 12,
  SCOPE_OF_ACCESS_VIOLATED: 13,
  DATA_BLOCK_UNAVAILABLE: 14,
} as const;

/** Data-Access-Result (Green Book xDLMS ASN.1): the result of a get or set. */
export const DataAccessResult = {
  ...COMMON_RESULT,
  LONG_GET_ABORTED: 15,
  NO_LONG_GET_IN_PROGRESS: 16,
  LONG_SET_ABORTED: 17,
  NO_LONG_SET_IN_PROGRESS: 18,
  DATA_BLOCK_NUMBER_INVALID: 19,
  OTHER_REASON: 250,
} as const;

/** Action-Result (Green Book xDLMS ASN.1): the result of an action. */
export const ActionResult = {
  ...COMMON_RESULT,
  LONG_ACTION_ABORTED: 15,
  NO_LONG_ACTION_IN_PROGRESS: 16,
  OTHER_REASON: 250,
} as const;

/** COSEM attribute address: interface class, OBIS logical name (6 raw bytes), attribute index (Integer8). */
export interface CosemAttributeDescriptor {
  classId: number;
  instanceId: Uint8Array;
  attributeId: number;
}
/** COSEM method address: interface class, OBIS logical name (6 raw bytes), method index (Integer8). */
export interface CosemMethodDescriptor {
  classId: number;
  instanceId: Uint8Array;
  methodId: number;
}
/** Selective access (Blue Book 4.1.5 / IC 7 buffer): selector (1 = range, 2 = entry) and its parameters. */
export interface SelectiveAccessDescriptor {
  accessSelector: number;
  accessParameters: DlmsData;
}

export type AccessRequestSpecification =
  | { type: 'get'; attribute: CosemAttributeDescriptor }
  | { type: 'set'; attribute: CosemAttributeDescriptor }
  | { type: 'action'; method: CosemMethodDescriptor }
  | {
      type: 'get-with-selection';
      attribute: CosemAttributeDescriptor;
      accessSelection: SelectiveAccessDescriptor;
    }
  | {
      type: 'set-with-selection';
      attribute: CosemAttributeDescriptor;
      accessSelection: SelectiveAccessDescriptor;
    };

/** `result` is a Data-Access-Result for get/set, an Action-Result for action. */
export type AccessResponseSpecification =
  | { type: 'get'; result: number }
  | { type: 'set'; result: number }
  | { type: 'action'; result: number };

export interface AccessRequest {
  type: 'access-request';
  /** uint32; GBCS: 0x20 ‖ low 24 bits of the Originator Counter. */
  longInvokeIdAndPriority: number;
  /** 12 raw bytes of a DLMS date-time, or null when absent (`00`, as in every GBCS command). */
  dateTime: Uint8Array | null;
  specifications: AccessRequestSpecification[];
  /** One Data per specification: null-data for get, the value for set, the parameters for action. */
  data: DlmsData[];
}

export interface AccessResponse {
  type: 'access-response';
  longInvokeIdAndPriority: number;
  dateTime: Uint8Array | null;
  /** The echoed request specifications, or null when absent (`00`, as in every GBCS response). */
  requestSpecifications: AccessRequestSpecification[] | null;
  /** One Data per request: the value read, null-data for set, the return parameters of an action. */
  data: DlmsData[];
  responseSpecifications: AccessResponseSpecification[];
}

export interface DataNotification {
  type: 'data-notification';
  longInvokeIdAndPriority: number;
  dateTime: Uint8Array | null;
  /** GBCS alerts: structure { alert code long-unsigned, date-time octet-string, …use-case part }. */
  notificationBody: DlmsData;
}

export type DlmsApdu = AccessRequest | AccessResponse | DataNotification;

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function readDateTime(r: ByteReader): Uint8Array | null {
  const at = r.offset;
  const n = readBerLength(r, 'date-time length');
  if (n === 0) return null;
  if (n !== DLMS_DATE_TIME_LENGTH) {
    throw new DecodeError(ErrorCode.BAD_LENGTH, at, `date-time: length ${n}, expected 0 or 12`);
  }
  const start = r.offset;
  const dt = r.take(n, 'date-time');
  decodeDlmsDateTime(dt, start); // an impossible date-time is refused, not carried
  return dt;
}

function readAttributeDescriptor(r: ByteReader): CosemAttributeDescriptor {
  const classId = r.u16('class-id');
  const instanceId = r.take(6, 'instance-id');
  const attributeId = (r.u8('attribute-id') << 24) >> 24;
  return { classId, instanceId, attributeId };
}

function readSelection(r: ByteReader): SelectiveAccessDescriptor {
  const accessSelector = r.u8('access-selector');
  return { accessSelector, accessParameters: decodeData(r) };
}

function readRequestSpecification(r: ByteReader): AccessRequestSpecification {
  const at = r.offset;
  const tag = r.u8('access-request-specification');
  switch (tag) {
    case 1:
      return { type: 'get', attribute: readAttributeDescriptor(r) };
    case 2:
      return { type: 'set', attribute: readAttributeDescriptor(r) };
    case 3: {
      const a = readAttributeDescriptor(r);
      return {
        type: 'action',
        method: { classId: a.classId, instanceId: a.instanceId, methodId: a.attributeId },
      };
    }
    case 4: {
      const attribute = readAttributeDescriptor(r);
      return { type: 'get-with-selection', attribute, accessSelection: readSelection(r) };
    }
    case 5: {
      const attribute = readAttributeDescriptor(r);
      return { type: 'set-with-selection', attribute, accessSelection: readSelection(r) };
    }
    default:
      throw new DecodeError(ErrorCode.UNKNOWN_TAG, at, `access-request-specification choice 0x${hex2(tag)}`);
  }
}

/** Smallest encoding of an access-request-specification: tag ‖ class-id ‖ instance-id ‖ id. */
const MIN_REQUEST_SPECIFICATION_SIZE = 10;

function readRequestSpecifications(r: ByteReader): AccessRequestSpecification[] {
  const n = readCount(r, 'access-request-specification', MIN_REQUEST_SPECIFICATION_SIZE);
  const out: AccessRequestSpecification[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = readRequestSpecification(r);
  return out;
}

function readDataList(r: ByteReader, what: string): DlmsData[] {
  const n = readCount(r, what);
  const out: DlmsData[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = decodeData(r);
  return out;
}

function readResponseSpecification(r: ByteReader): AccessResponseSpecification {
  const at = r.offset;
  const tag = r.u8('access-response-specification');
  const result = r.u8('result');
  switch (tag) {
    case 1:
      return { type: 'get', result };
    case 2:
      return { type: 'set', result };
    case 3:
      return { type: 'action', result };
    default:
      throw new DecodeError(ErrorCode.UNKNOWN_TAG, at, `access-response-specification choice 0x${hex2(tag)}`);
  }
}

/**
 * Decodes one xDLMS APDU at the reader's position (the reader may hold more bytes after it).
 * @throws DecodeError UNKNOWN_TAG (first byte not D9/DA/0F, a CHOICE or Data tag out of range),
 *   TRUNCATED, BAD_LENGTH (date-time not 0 or 12 bytes, malformed counts), BAD_VALUE, TOO_LARGE.
 */
export function readDlmsApdu(r: ByteReader): DlmsApdu {
  const at = r.offset;
  const tag = r.u8('xDLMS APDU tag');
  if (tag !== ACCESS_REQUEST_TAG && tag !== ACCESS_RESPONSE_TAG && tag !== DATA_NOTIFICATION_TAG) {
    throw new DecodeError(
      ErrorCode.UNKNOWN_TAG,
      at,
      `xDLMS APDU tag 0x${hex2(tag)}: expected D9 (access-request), DA (access-response) or 0F (data-notification)`,
    );
  }
  const longInvokeIdAndPriority = r.u32('long-invoke-id-and-priority');
  const dateTime = readDateTime(r);
  if (tag === DATA_NOTIFICATION_TAG) {
    return { type: 'data-notification', longInvokeIdAndPriority, dateTime, notificationBody: decodeData(r) };
  }
  if (tag === ACCESS_REQUEST_TAG) {
    const specifications = readRequestSpecifications(r);
    const data = readDataList(r, 'access-request-list-of-data');
    return { type: 'access-request', longInvokeIdAndPriority, dateTime, specifications, data };
  }
  const optAt = r.offset;
  const present = r.u8('access-request-specification OPTIONAL flag');
  if (present > 1) {
    throw new DecodeError(ErrorCode.BAD_VALUE, optAt, `OPTIONAL flag 0x${hex2(present)}: expected 00 or 01`);
  }
  const requestSpecifications = present ? readRequestSpecifications(r) : null;
  const data = readDataList(r, 'access-response-list-of-data');
  const n = readCount(r, 'access-response-specification', 2);
  const responseSpecifications: AccessResponseSpecification[] = new Array(n);
  for (let i = 0; i < n; i++) responseSpecifications[i] = readResponseSpecification(r);
  return {
    type: 'access-response',
    longInvokeIdAndPriority,
    dateTime,
    requestSpecifications,
    data,
    responseSpecifications,
  };
}

/**
 * Decodes a whole DLMS payload: exactly one APDU, no byte left over.
 * @param baseOffset absolute offset of `payload[0]` (for error offsets), e.g. `apdu.payloadOffset`.
 * @throws DecodeError as {@link readDlmsApdu}, EMPTY, TRAILING_BYTES.
 */
export function decodeDlmsApdu(payload: Uint8Array, baseOffset = 0): DlmsApdu {
  if (payload.length === 0) throw new DecodeError(ErrorCode.EMPTY, baseOffset, 'empty DLMS payload');
  const r = new ByteReader(payload, baseOffset);
  const apdu = readDlmsApdu(r);
  r.end('xDLMS APDU');
  return apdu;
}

function writeDateTime(w: ByteWriter, dt: Uint8Array | null): void {
  if (dt === null) {
    w.u8(0);
    return;
  }
  if (dt.length !== DLMS_DATE_TIME_LENGTH) throw new RangeError('date-time must be 12 bytes');
  w.u8(DLMS_DATE_TIME_LENGTH);
  w.bytes(dt);
}

function writeDescriptor(w: ByteWriter, classId: number, instanceId: Uint8Array, id: number): void {
  if (!Number.isInteger(classId) || classId < 0 || classId > 0xffff)
    throw new RangeError(`class-id ${classId}`);
  if (instanceId.length !== 6) throw new RangeError('instance-id must be 6 bytes');
  if (!Number.isInteger(id) || id < -128 || id > 127) throw new RangeError(`attribute/method id ${id}`);
  w.u16(classId);
  w.bytes(instanceId);
  w.u8(id);
}

function writeRequestSpecification(w: ByteWriter, s: AccessRequestSpecification): void {
  w.u8(AccessRequestSpecificationTag[s.type]);
  if (s.type === 'action') {
    writeDescriptor(w, s.method.classId, s.method.instanceId, s.method.methodId);
    return;
  }
  writeDescriptor(w, s.attribute.classId, s.attribute.instanceId, s.attribute.attributeId);
  if (s.type === 'get-with-selection' || s.type === 'set-with-selection') {
    const sel = s.accessSelection.accessSelector;
    if (!Number.isInteger(sel) || sel < 0 || sel > 0xff) throw new RangeError(`access-selector ${sel}`);
    w.u8(sel);
    writeData(w, s.accessSelection.accessParameters);
  }
}

function writeU32(w: ByteWriter, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new RangeError(`long-invoke-id-and-priority ${v}`);
  w.u32(v);
}

/** Writes one APDU. @throws RangeError for field values that do not fit their encoding. */
export function writeDlmsApdu(w: ByteWriter, a: DlmsApdu): void {
  w.u8(
    a.type === 'access-request'
      ? ACCESS_REQUEST_TAG
      : a.type === 'access-response'
        ? ACCESS_RESPONSE_TAG
        : DATA_NOTIFICATION_TAG,
  );
  writeU32(w, a.longInvokeIdAndPriority);
  writeDateTime(w, a.dateTime);
  if (a.type === 'data-notification') {
    writeData(w, a.notificationBody);
    return;
  }
  if (a.type === 'access-request') {
    w.berLength(a.specifications.length);
    for (const s of a.specifications) writeRequestSpecification(w, s);
    w.berLength(a.data.length);
    for (const d of a.data) writeData(w, d);
    return;
  }
  if (a.requestSpecifications === null) {
    w.u8(0);
  } else {
    w.u8(1);
    w.berLength(a.requestSpecifications.length);
    for (const s of a.requestSpecifications) writeRequestSpecification(w, s);
  }
  w.berLength(a.data.length);
  for (const d of a.data) writeData(w, d);
  w.berLength(a.responseSpecifications.length);
  for (const s of a.responseSpecifications) {
    if (!Number.isInteger(s.result) || s.result < 0 || s.result > 0xff)
      throw new RangeError(`result ${s.result}`);
    w.u8(AccessResponseSpecificationTag[s.type]);
    w.u8(s.result);
  }
}

/**
 * Encodes an access-response as GBCS devices send it (no date-time, no echoed request
 * specifications): one Data and one result per request. @throws RangeError
 */
export function encodeAccessResponse(
  longInvokeIdAndPriority: number,
  data: DlmsData[],
  responseSpecifications: AccessResponseSpecification[],
): Uint8Array {
  return encodeDlmsApdu({
    type: 'access-response',
    longInvokeIdAndPriority,
    dateTime: null,
    requestSpecifications: null,
    data,
    responseSpecifications,
  });
}

/** Encodes one APDU; `decodeDlmsApdu(encodeDlmsApdu(a))` equals `a`. @throws RangeError */
export function encodeDlmsApdu(a: DlmsApdu): Uint8Array {
  const w = new ByteWriter();
  writeDlmsApdu(w, a);
  return w.finish();
}

function berLengthSize(n: number): number {
  return n < 0x80 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : 4;
}

function requestSpecificationLength(s: AccessRequestSpecification): number {
  if (s.type === 'get-with-selection' || s.type === 'set-with-selection') {
    return MIN_REQUEST_SPECIFICATION_SIZE + 1 + dataEncodedLength(s.accessSelection.accessParameters);
  }
  return MIN_REQUEST_SPECIFICATION_SIZE;
}

/**
 * The top-level Data values of an APDU with the offset of each (its tag byte) in the APDU's
 * encoding — which, for a decoded APDU, is its position in the input: access-request and
 * access-response list-of-data, data-notification body. Selective-access parameters are not
 * included. Used to find protected attributes (protected-attributes.ts).
 */
export function dlmsApduDataItems(a: DlmsApdu): Array<{ data: DlmsData; offset: number }> {
  let pos = 1 + 4 + (a.dateTime === null ? 1 : 1 + DLMS_DATE_TIME_LENGTH);
  if (a.type === 'data-notification') return [{ data: a.notificationBody, offset: pos }];
  const specs = a.type === 'access-request' ? a.specifications : a.requestSpecifications;
  if (a.type === 'access-response') pos += 1;
  if (specs !== null) {
    pos += berLengthSize(specs.length);
    for (const s of specs) pos += requestSpecificationLength(s);
  }
  pos += berLengthSize(a.data.length);
  const out: Array<{ data: DlmsData; offset: number }> = [];
  for (const d of a.data) {
    out.push({ data: d, offset: pos });
    pos += dataEncodedLength(d);
  }
  return out;
}
