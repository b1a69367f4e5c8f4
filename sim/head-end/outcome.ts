/**
 * What a response says about its command's execution, read from the decoded payload: the DLMS
 * data-access-results / action-results, the ZCL statuses (Default Response, Read Attributes
 * records), or the bare ASN.1 response code. Used by `run` and the harness to tell a verified
 * error response from a success.
 */
import { decodeDer, derIntegerValue } from '../../protocol/asn1/der.ts';
import { DecodeError } from '../../protocol/errors.ts';
import { decodeReadAttributesResponse, ZclCommand } from '../../protocol/gbz/zcl.ts';
import { decodePayload } from '../../protocol/payload.ts';

export type ResponseOutcome = { ok: true } | { ok: false; errors: string[] };

export function responseOutcome(payload: Uint8Array): ResponseOutcome {
  const errors: string[] = [];
  try {
    const d = decodePayload(payload, 0, { craFlag: 2 });
    if (d.encoding === 'unknown') errors.push('payload in no GBCS encoding (DLMS, GBZ or ASN.1)');
    else if (d.encoding === 'dlms' && d.apdu.type !== 'access-response')
      errors.push(`a DLMS ${d.apdu.type}, not a response`);
    if (d.encoding === 'dlms' && d.apdu.type === 'access-response') {
      d.apdu.responseSpecifications.forEach((s, i) => {
        if (s.result !== 0) errors.push(`${s.type}[${i}] result ${s.result}`);
      });
    } else if (d.encoding === 'gbz' && d.gbz.type === 'components') {
      for (const c of d.gbz.components) {
        if (c.encrypted || (c.zclHeader.frameControl & 0x03) !== 0) continue;
        if (c.zclHeader.commandId === ZclCommand.DEFAULT_RESPONSE && (c.zclPayload[1] ?? 0) !== 0) {
          errors.push(`cluster 0x${c.clusterId.toString(16)} status 0x${c.zclPayload[1]!.toString(16)}`);
        }
        if (c.zclHeader.commandId === ZclCommand.READ_ATTRIBUTES_RESPONSE) {
          for (const r of decodeReadAttributesResponse(c.zclPayload)) {
            if (r.status !== 0)
              errors.push(`attribute 0x${r.attributeId.toString(16)} status 0x${r.status.toString(16)}`);
          }
        }
      }
    } else if (d.encoding === 'gbz') {
      errors.push('a GBZ alert, not a response');
    } else if (d.encoding === 'asn1') {
      const n = decodeDer(payload, 0, { allowNonMinimalLength: true });
      if (n.tag === 0x02 && !n.constructed && derIntegerValue(n) !== 0n)
        errors.push(`response code ${derIntegerValue(n)}`);
    }
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    errors.push(`undecodable payload: ${e.message}`);
  }
  return errors.length === 0 ? { ok: true } : { ok: false, errors };
}

/** The outcome in words, as `run`, `bridge`, `decode` and `replay` print it: `success` or `error: …`. */
export function outcomeText(payload: Uint8Array): string {
  const o = responseOutcome(payload);
  return o.ok ? 'success' : `error: ${o.errors.join(', ')}`;
}
