/**
 * A generic COSEM object store answering DLMS access-requests (GBCS 7.x xDLMS ACCESS service):
 * `set` stores the value, `get` returns the stored value (or a zero reading), `action` succeeds.
 * The walking-skeleton device model; the use-case models of the device-model issue replace it per
 * Message Code. State lives in `device.state.model.cosem` as hex-encoded A-XDR Data, so it stays
 * plain, serialisable data.
 */
import { ByteReader, fromHex, toHex } from '../../../protocol/bytes.ts';
import {
  type AccessResponseSpecification,
  ActionResult,
  DataAccessResult,
  decodeDlmsApdu,
  encodeAccessResponse,
} from '../../../protocol/dlms/apdu.ts';
import { type DlmsData, decodeData, encodeData } from '../../../protocol/dlms/axdr.ts';
import { ErrorCode, GbcsError } from '../../../protocol/errors.ts';
import type { ExecutionContext, ExecutionResult } from '../../device/core.ts';

/** This model's part of the device state (sim/device/state.ts `ModelState`): `cosem`, the generic COSEM store: attribute key → A-XDR Data hex. */
declare module '../../device/state.ts' {
  interface ModelState {
    cosem?: Record<string, string>;
  }
}

function store(ctx: ExecutionContext): Record<string, string> {
  const m = ctx.device.state.model;
  if (typeof m.cosem !== 'object' || m.cosem === null) m.cosem = {};
  return m.cosem;
}

const keyOf = (classId: number, obis: Uint8Array, attr: number) => `${classId}/${toHex(obis)}/${attr}`;
const ZERO: DlmsData = { type: 'double-long-unsigned', value: 0 };

/** All-ones value of the same type (the "no valid reading" sentinel); other types unchanged. */
export function sentinelOf(d: DlmsData): DlmsData {
  switch (d.type) {
    case 'double-long-unsigned':
      return { type: d.type, value: 0xffffffff };
    case 'long-unsigned':
      return { type: d.type, value: 0xffff };
    case 'unsigned':
      return { type: d.type, value: 0xff };
    case 'long64-unsigned':
      return { type: d.type, value: 0xffffffffffffffffn };
    case 'structure':
    case 'array':
      return { type: d.type, value: d.value.map(sentinelOf) };
    default:
      return d;
  }
}

export function executeDlmsAccessRequest(ctx: ExecutionContext): ExecutionResult {
  const req = decodeDlmsApdu(ctx.payload);
  if (req.type !== 'access-request') throw new GbcsError(ErrorCode.BAD_VALUE, 'not an access-request');
  const objects = store(ctx);
  const data: DlmsData[] = [];
  const results: AccessResponseSpecification[] = [];
  const fault = ctx.fault;
  req.specifications.forEach((spec, i) => {
    const value = req.data[i] ?? { type: 'null-data' };
    const injected = fault?.kind === 'dlms-results' ? (fault.results[i] ?? 0) : 0;
    if (injected !== 0) {
      // An injected data-access-result / action-result: no data, nothing changes.
      data.push({ type: 'null-data' });
      results.push({
        type: spec.type === 'action' ? 'action' : spec.type.startsWith('set') ? 'set' : 'get',
        result: injected,
      });
      return;
    }
    switch (spec.type) {
      case 'get':
      case 'get-with-selection': {
        const a = spec.attribute;
        const hex = objects[keyOf(a.classId, a.instanceId, a.attributeId)];
        const v = hex === undefined ? ZERO : decodeData(new ByteReader(fromHex(hex)));
        data.push(fault?.kind === 'sentinel' ? sentinelOf(v) : v);
        results.push({ type: 'get', result: DataAccessResult.SUCCESS });
        break;
      }
      case 'set':
      case 'set-with-selection': {
        const a = spec.attribute;
        objects[keyOf(a.classId, a.instanceId, a.attributeId)] = toHex(encodeData(value));
        data.push({ type: 'null-data' });
        results.push({ type: 'set', result: DataAccessResult.SUCCESS });
        break;
      }
      case 'action':
        data.push({ type: 'null-data' });
        results.push({ type: 'action', result: ActionResult.SUCCESS });
        break;
    }
  });
  return {
    payload: encodeAccessResponse(req.longInvokeIdAndPriority, data, results),
  };
}
