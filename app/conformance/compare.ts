import { type DerNode, decodeDer, derIntegerValue } from '../../protocol/asn1/der.ts';
import { readBerLength } from '../../protocol/ber.ts';
import { ByteReader } from '../../protocol/bytes.ts';
import type { DlmsApdu } from '../../protocol/dlms/apdu.ts';
import { type DlmsData, dataFixedSize, decodeData, type TypeDescription } from '../../protocol/dlms/axdr.ts';
import type { MacMessage, SigningMessage } from '../../protocol/envelope.ts';
import { DecodeError, ErrorCode } from '../../protocol/errors.ts';
import type { GbzComponent } from '../../protocol/gbz/gbz.ts';
import { decodeReadAttributesResponse, ZclCommand } from '../../protocol/gbz/zcl.ts';
import { zseShape } from '../../protocol/gbz/zcl-se.ts';
import { type DecodedPayload, decodePayload, locateEncryptedParts } from '../../protocol/payload.ts';
import { decryptParts, type VerifyContext } from '../../protocol/security/verify.ts';

export type Shape = string | number | null | Shape[] | { [k: string]: Shape };

function typeDescriptionShape(t: TypeDescription): Shape {
  if (t.type === 'array') return ['array', t.numberOfElements, typeDescriptionShape(t.typeDescription)];
  if (t.type === 'structure') return ['structure', ...t.elements.map(typeDescriptionShape)];
  return t.type;
}

/** Reads one compact-array element of type `t` (no tags; strings keep their length). @throws DecodeError on overrun */
function skipCompactElement(r: ByteReader, t: TypeDescription): void {
  if (t.type === 'array') {
    for (let i = 0; i < t.numberOfElements; i++) skipCompactElement(r, t.typeDescription);
  } else if (t.type === 'structure') {
    for (const e of t.elements) skipCompactElement(r, e);
  } else if (t.type === 'octet-string' || t.type === 'visible-string' || t.type === 'utf8-string') {
    r.take(readBerLength(r, t.type), t.type);
  } else if (t.type === 'bit-string') {
    r.take(Math.ceil(readBerLength(r, t.type) / 8), t.type);
  } else {
    const size = dataFixedSize(t.type);
    if (size === undefined)
      throw new DecodeError(ErrorCode.BAD_VALUE, r.offset, `no compact form of ${t.type}`);
    r.take(size, t.type);
  }
}

/** Whether compact-array contents are a whole number of elements of the described type. */
function wholeElements(d: Extract<DlmsData, { type: 'compact-array' }>): boolean {
  const r = new ByteReader(d.arrayContents);
  try {
    while (r.remaining > 0) skipCompactElement(r, d.contentsDescription);
    return true;
  } catch {
    return false;
  }
}

/**
 * Arrays and compact-arrays compare by the shape of their elements, not by how many there are:
 * the number of seasons a tariff has, of special days, of log entries or profile rows in a range,
 * is the device's state (what was configured, how long it has run), which the issue lets differ.
 * An array is its distinct element shapes (so an empty array differs from a non-empty one); a
 * compact-array its type-description and whether its contents are whole elements of that type.
 */
function dlmsDataShape(d: DlmsData): Shape {
  if (d.type === 'structure') return [d.type, ...d.value.map(dlmsDataShape)];
  if (d.type === 'array') {
    const seen = new Map<string, Shape>();
    for (const e of d.value) {
      const s = dlmsDataShape(e);
      seen.set(JSON.stringify(s), s);
    }
    return ['array', ...seen.values()];
  }
  if (d.type === 'compact-array')
    return [
      'compact-array',
      typeDescriptionShape(d.contentsDescription),
      wholeElements(d) ? 'whole elements' : 'ragged contents',
    ];
  return d.type;
}

function dlmsShape(a: DlmsApdu): Shape {
  if (a.type === 'access-response') {
    return {
      apdu: a.type,
      dateTime: a.dateTime === null ? 'absent' : 'present',
      data: a.data.map(dlmsDataShape),
      results: a.responseSpecifications.map((s) => `${s.type}:${s.result}`),
    };
  }
  if (a.type === 'data-notification') return { apdu: a.type, body: dlmsDataShape(a.notificationBody) };
  return { apdu: a.type, specs: a.specifications.map((s) => s.type), data: a.data.map(dlmsDataShape) };
}

function zclShape(clusterId: number, commandId: number, frameControl: number, zcl: Uint8Array | null): Shape {
  if (zcl === null) return 'undecryptable';
  if ((frameControl & 0x03) === 0 && commandId === ZclCommand.READ_ATTRIBUTES_RESPONSE) {
    try {
      return decodeReadAttributesResponse(zcl).map((r) =>
        r.status === 0
          ? `${r.attributeId.toString(16)}:${r.dataType!.toString(16)}`
          : `${r.attributeId.toString(16)}!${r.status}`,
      );
    } catch {
      return ['undecodable ZCL', zcl.length];
    }
  }
  if ((frameControl & 0x03) === 0 && commandId === ZclCommand.DEFAULT_RESPONSE) {
    return ['default-response', zcl[0] ?? -1, zcl[1] ?? -1];
  }
  // A ZSE cluster-specific payload compares by its decoded structure: field types, and list
  // entries by shape, not by count — how many events, top-ups, samples or switch times a log or
  // calendar holds (and so the byte length) is device state, like a DLMS value.
  if ((frameControl & 0x03) === 1) {
    try {
      return zseShape(clusterId, frameControl, commandId, zcl);
    } catch {
      /* not a command the ZSE codec knows: compare lengths */
    }
  }
  return ['zcl-length', zcl.length];
}

function gbzComponentShape(c: GbzComponent, plaintext: Uint8Array | null): Shape {
  const h = c.zclHeader;
  return {
    cluster: c.clusterId,
    encrypted: String(c.encrypted),
    fromDateTime: c.fromDateTime === null ? 'absent' : 'present',
    frameControl: h.frameControl,
    command: h.commandId,
    zcl: zclShape(c.clusterId, h.commandId, h.frameControl, c.encrypted ? plaintext : c.zclPayload),
  };
}

function derShape(n: DerNode): Shape {
  if (n.children) return [n.tag, ...n.children.map(derShape)];
  // ENUMERATED values are status/result codes: they must match.
  if (n.tag === 0x0a) return `enum:${derIntegerValue(n)}`;
  return n.tag;
}

/** The comparable structure of a message payload, with its encrypted parts decrypted. */
export function payloadShape(m: MacMessage | SigningMessage, vctx: VerifyContext): Shape {
  let d: DecodedPayload;
  try {
    d = decodePayload(m.apdu.payload, 0, { craFlag: m.apdu.header.craFlag });
  } catch (e) {
    if (e instanceof DecodeError) return ['undecodable', e.code];
    throw e;
  }
  let parts: ReturnType<typeof decryptParts> = [];
  try {
    parts = decryptParts(vctx, m, locateEncryptedParts(m.apdu.payload, { craFlag: m.apdu.header.craFlag }));
  } catch {
    parts = [];
  }
  if (d.encoding === 'dlms') {
    const plain = parts.map((p) => {
      if (!p.plaintext) return p.verdict;
      try {
        return dlmsDataShape(decodeData(new ByteReader(p.plaintext)));
      } catch {
        return ['plaintext', p.plaintext.length];
      }
    });
    return { dlms: dlmsShape(d.apdu), encrypted: plain };
  }
  if (d.encoding === 'gbz') {
    if (d.gbz.type === 'alert') return { gbzAlert: d.gbz.alertCode, body: d.gbz.alertBody.type };
    let k = 0;
    return {
      gbz: d.gbz.components.map((c) =>
        gbzComponentShape(c, c.encrypted ? (parts[k++]?.plaintext ?? null) : null),
      ),
    };
  }
  if (d.encoding === 'asn1') {
    try {
      // Long-form lengths (`30 82 00 DE`) are how GBCS devices encode them (RTDS CS02b/f/g responses
      // and alerts); lengths are not part of the shape, so both sides are read leniently.
      const n = decodeDer(m.apdu.payload, 0, { allowNonMinimalLength: true });
      // A bare INTEGER is a response code (CS02c error `02 01 03`): its value must match.
      return { asn1: n.tag === 0x02 && !n.constructed ? `code:${derIntegerValue(n)}` : derShape(n) };
    } catch (e) {
      return { asn1: ['undecodable', e instanceof DecodeError ? e.code : 'error'] };
    }
  }
  return { unknown: m.apdu.payload.length };
}

/** Lists the differences between two shapes (paths into the structure). */
export function diffShapes(a: Shape, b: Shape, path = '$', out: string[] = []): string[] {
  if (out.length >= 8) return out;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length)
      out.push(
        `${path}: ${a.length} vs ${b.length} elements (${JSON.stringify(a).slice(0, 80)} vs ${JSON.stringify(b).slice(0, 80)})`,
      );
    else {
      for (const [i, x] of a.entries()) diffShapes(x, b[i]!, `${path}[${i}]`, out);
    }
    return out;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      diffShapes(a[k] ?? null, b[k] ?? null, `${path}.${k}`, out);
    }
    return out;
  }
  if (JSON.stringify(a) !== JSON.stringify(b))
    out.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Faults that reproduce an RTDS ERROR response.

export type Field = [what: string, ours: unknown, theirs: unknown];

/** `what: ours vs theirs` for each field whose two values differ. */
export function fieldDiffs(fields: Field[]): string[] {
  return fields
    .filter(([, x, y]) => String(x) !== String(y))
    .map(([what, x, y]) => `${what}: ${String(x)} vs ${String(y)}`);
}

/**
 * Envelope fields that must be equal between our response and the RTDS one; `counters: false`
 * leaves out the originator counters (alerts).
 */
export function envelopeDiffs(
  ours: MacMessage | SigningMessage,
  theirs: MacMessage | SigningMessage,
  counters = true,
): string[] {
  const a = ours.apdu.header;
  const b = theirs.apdu.header;
  const presence = (x: unknown) => (x === null ? 'absent' : 'present');
  return fieldDiffs([
    ['form', ours.form, theirs.form],
    ['CRA flag', a.craFlag, b.craFlag],
    ...(counters ? [['originator counter', a.originatorCounter, b.originatorCounter] as Field] : []),
    ['originator', a.originatorId, b.originatorId],
    ['recipient', a.recipientId, b.recipientId],
    ['message code', a.messageCode, b.messageCode],
    ['date-time', presence(a.dateTime), presence(b.dateTime)],
    ['supplementary remote party', a.supplementaryRemotePartyId, b.supplementaryRemotePartyId],
    ['supplementary counter', a.supplementaryRemotePartyCounter, b.supplementaryRemotePartyCounter],
    ...(counters
      ? [
          [
            'supplementary originator counter',
            presence(a.supplementaryOriginatorCounter),
            presence(b.supplementaryOriginatorCounter),
          ] as Field,
        ]
      : []),
    ['signature field', ours.apdu.signature.kind, theirs.apdu.signature.kind],
  ]);
}
