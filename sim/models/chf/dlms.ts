/**
 * Answering a DLMS access-request object by object for the CHF model: each access-request
 * specification is answered by a function of the model; injected faults are honoured as the
 * generic COSEM store does (a `dlms-results` code replaces the result and the data, `sentinel`
 * turns read values all-ones), and alerts a command causes leave with its outcome. The CHF logs
 * what it does in its Event Log (chf-events.ts): each command it executes (0x8154 / 0x8155 with the
 * Message Code) and each event it alerts on.
 */
import { toHex } from '../../../protocol/bytes.ts';
import {
  type AccessRequestSpecification,
  type AccessResponseSpecification,
  decodeDlmsApdu,
  encodeAccessResponse,
} from '../../../protocol/dlms/apdu.ts';
import type { DlmsData } from '../../../protocol/dlms/axdr.ts';
import { DecodeError, ErrorCode, GbcsError } from '../../../protocol/errors.ts';
import type { AlertSpec } from '../../device/alerts.ts';
import type { ExecutionContext, ExecutionResult } from '../../device/core.ts';
import { sentinelOf } from '../common/dlms-generic.ts';
import { logChfEvent, messageCodeDetails, syncChfFirmwareEvents } from './events.ts';
import { ChfEvent, chfModelOf } from './state.ts';

/** What the model answers for one specification: the result code and, for a get or an action with a return value, the data. */
export interface SpecAnswer {
  result: number;
  data?: DlmsData;
}

export type SpecHandler = (spec: AccessRequestSpecification, data: DlmsData, index: number) => SpecAnswer;

/** `class/obis hex/attribute-or-method`, e.g. `104/00001e0300ff/4`. */
export function objectKey(spec: AccessRequestSpecification): string {
  if (spec.type === 'action')
    return `${spec.method.classId}/${toHex(spec.method.instanceId)}/m${spec.method.methodId}`;
  return `${spec.attribute.classId}/${toHex(spec.attribute.instanceId)}/${spec.attribute.attributeId}`;
}

const responseType = (spec: AccessRequestSpecification): AccessResponseSpecification['type'] =>
  spec.type === 'action' ? 'action' : spec.type.startsWith('set') ? 'set' : 'get';

/**
 * Runs `each` over the request's specifications and encodes the access-response; the command is
 * then logged in the CHF Event Log: 0x8154 when every result is success, else 0x8155, with the
 * Message Code as details (after `each`, so a log read does not hold its own entry).
 */
export function respondDlms(ctx: ExecutionContext, each: SpecHandler): ExecutionResult {
  const req = decodeDlmsApdu(ctx.payload);
  if (req.type !== 'access-request') throw new DecodeError(ErrorCode.BAD_VALUE, 0, 'not an access-request');
  syncChfFirmwareEvents(ctx.device, ctx.now);
  const fault = ctx.fault;
  const data: DlmsData[] = [];
  const results: AccessResponseSpecification[] = [];
  req.specifications.forEach((spec, i) => {
    const injected = fault?.kind === 'dlms-results' ? (fault.results[i] ?? 0) : 0;
    if (injected !== 0) {
      data.push({ type: 'null-data' });
      results.push({ type: responseType(spec), result: injected });
      return;
    }
    const a = each(spec, req.data[i] ?? { type: 'null-data' }, i);
    const d = a.result === 0 && a.data ? a.data : { type: 'null-data' as const };
    data.push(fault?.kind === 'sentinel' && responseType(spec) === 'get' ? sentinelOf(d) : d);
    results.push({ type: responseType(spec), result: a.result });
  });
  logChfEvent(
    chfModelOf(ctx.device),
    'event',
    results.every((r) => r.result === 0) ? ChfEvent.COMMAND_ACTIONED : ChfEvent.COMMAND_NOT_ACTIONED,
    ctx.now,
    messageCodeDetails(ctx.header.messageCode),
  );
  return {
    payload: encodeAccessResponse(req.longInvokeIdAndPriority, data, results),
  };
}

/**
 * Raises an alert the command causes, and logs its event in the CHF Event Log; an alert that cannot
 * be built (no recipient cell) is not a reason to fail the command (the event is logged all the same).
 */
export function raiseIfPossible(ctx: ExecutionContext, spec: AlertSpec): void {
  logChfEvent(chfModelOf(ctx.device), 'event', spec.alertCode, spec.at ?? ctx.now);
  try {
    ctx.raiseAlert(spec);
  } catch (e) {
    if (!(e instanceof GbcsError)) throw e;
  }
}

export const octets = (value: Uint8Array): DlmsData => ({ type: 'octet-string', value });
