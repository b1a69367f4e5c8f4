/**
 * How a GSME (or the GPF on its behalf) answers a GBZ command: one ZCL command per component,
 * processed in order, each answered by one or more response components (GBCS 7.x; RTDS 4.5.0).
 *
 * Rules, as every RTDS GSME/GPF response shows:
 * - A Default Response answers a command that returns no data; its frame control is global with
 *   the direction flipped: 0x00 to a server-to-client command (Publish …, Update …), 0x08 to a
 *   client-to-server one (Get …, Change Supply, Read Attributes …). Disable-default-response clear.
 * - A Read Attributes Response has frame control 0x08 (some use cases 0x18: `UseCaseRules`).
 * - Cluster-specific responses carry the frame control of their ZSE direction (0x09/0x19 from the
 *   server, 0x01 from the client), chosen by the command processor.
 * - Once a command fails (a status other than SUCCESS, or NOT_FOUND of a log read), the commands
 *   after it are not processed: each gets a Default Response with command id 0xFF and status
 *   FAILURE (RTDS GCS01a/GCS05/GCS04/GCS16b/GCS21f/GCS21m/GCS60 ERROR).
 * - Sensitive response components are encrypted for the response recipient (KDF purpose 04):
 *   extended-header bit 0x02, additional header control 0x00, additional frame counter = index of
 *   the encrypted component in the response (GCS13a/b/c, GCS14, GCS15b/c, GCS16a/b, GCS18, GCS61).
 *
 * Faults (sim/device/faults.ts) are honoured here, so every GSME/GPF use case answers an injected fault
 * the same way: `gbz-default-response` makes the matching command (cluster, command id and its
 * occurrence among equal commands, each optional) fail with the status — NOT_FOUND makes every
 * matching log read find nothing and processing goes on; `gbz-attribute-status` makes the matching
 * attribute record of a Read Attributes fail; `sentinel` turns numeric register readings into
 * all-ones values.
 */
import { decodeCipheredContent } from '../../../protocol/dlms/ciphered-content.ts';
import { decodeGbz, encodeGbz, type GbzComponent, type ZclHeader } from '../../../protocol/gbz/gbz.ts';
import {
  encodeDefaultResponse,
  encodeReadAttributesResponse,
  encodeWriteAttributesResponse,
  isClusterSpecific,
  isServerToClient,
  type ZclAttributeRecord,
  ZclCommand,
  ZclStatus,
  zclTypeSize,
} from '../../../protocol/gbz/zcl.ts';
import type { ExecutionContext, ExecutionResult, PayloadFault } from '../../device/core.ts';

/** One command component of a GBZ command. */
export interface GbzRequest {
  index: number;
  clusterId: number;
  frameControl: number;
  commandId: number;
  transactionSequenceNumber: number;
  /** GBZ from-date-time (UTCTime seconds), or null. */
  fromDateTime: number | null;
  payload: Uint8Array;
  /** 0-based count of earlier components with the same cluster and command id. */
  occurrence: number;
}

/** A cluster-specific response a processor returns. */
export interface GbzResponsePart {
  commandId: number;
  /** ZCL frame control (0x09 / 0x19 / 0x01 …). */
  frameControl: number;
  payload: Uint8Array;
  /** Encrypted for the response recipient (sensitive data). */
  encrypt?: boolean;
}

/** What processing one command component produced. */
export type GbzResult =
  | { type: 'default'; status: number }
  | { type: 'read'; records: ZclAttributeRecord[]; encrypt?: boolean }
  | { type: 'write'; failures: Array<{ attributeId: number; status: number }> }
  | { type: 'responses'; parts: GbzResponsePart[] };

/** Per-use-case presentation rules. */
export interface UseCaseRules {
  /** Read Attributes Response frame control (default 0x08; RTDS GCS13a/b/c, GCS21f: 0x18). */
  readResponseFrameControl?: number;
  /** Encrypt the Read Attributes Response of these clusters (GCS13a/b/c metering, GCS14 prepayment). */
  encryptReadOf?: readonly number[];
}

export type GbzProcessor = (req: GbzRequest, ctx: ExecutionContext) => GbzResult;

export const NOT_PROCESSED_COMMAND_ID = 0xff;

/** Whether a result ends processing of the components after it. */
function fails(r: GbzResult): boolean {
  switch (r.type) {
    case 'default':
      return r.status !== ZclStatus.SUCCESS && r.status !== ZclStatus.NOT_FOUND;
    case 'read':
      return r.records.some((x) => x.status !== ZclStatus.SUCCESS);
    case 'write':
      return r.failures.length > 0;
    default:
      return false;
  }
}

/** Whether a command reads data the device may not have (a Get … of a log or configuration). */
export function isRetrieval(req: Pick<GbzRequest, 'clusterId' | 'frameControl' | 'commandId'>): boolean {
  if (!isClusterSpecific(req.frameControl)) return false;
  const key = `${req.clusterId.toString(16)}/${isServerToClient(req.frameControl) ? 's' : 'c'}/${req.commandId}`;
  return RETRIEVALS.has(key);
}
const RETRIEVALS = new Set([
  '702/c/6', // Get Snapshot
  '702/c/8', // Get Sampled Data
  '705/c/7', // Get Prepay Snapshot
  '705/c/8', // Get Top Up Log
  '705/c/10', // Get Debt Repayment Log
  '700/c/0', // Get Current Price
  '700/c/11', // Get Billing Period
  '707/c/0', // Get Calendar
  '707/c/1', // Get Day Profiles
  '707/c/2', // Get Week Profiles
  '707/c/3', // Get Seasons
  '707/c/4', // Get Special Days
  '709/c/0', // Get Event Log
  '708/s/5', // Get Event Configuration
]);

function faultMatches(
  fault: { commandId?: number; clusterId?: number; occurrence?: number },
  req: GbzRequest,
): boolean {
  return (
    (fault.commandId === undefined || fault.commandId === req.commandId) &&
    (fault.clusterId === undefined || fault.clusterId === req.clusterId) &&
    (fault.occurrence === undefined || fault.occurrence === req.occurrence)
  );
}

/** All-ones value of a numeric attribute (the "no valid reading" sentinel). */
function sentinel(records: ZclAttributeRecord[]): ZclAttributeRecord[] {
  return records.map((r) => {
    if (r.dataType === null || r.value === null) return r;
    const size = zclTypeSize(r.dataType);
    const numeric = r.dataType >= 0x20 && r.dataType <= 0x27;
    return numeric && size !== undefined ? { ...r, value: new Uint8Array(size).fill(0xff) } : r;
  });
}

function applyFault(
  fault: PayloadFault | undefined,
  req: GbzRequest,
  state: { hit: boolean },
): GbzResult | null {
  if (fault?.kind !== 'gbz-default-response') return null;
  if (fault.status === ZclStatus.NOT_FOUND) {
    // Nothing to find: every matching log read answers NOT_FOUND.
    if (!isRetrieval(req)) return null;
    if ((fault.commandId !== undefined || fault.clusterId !== undefined) && !faultMatches(fault, req))
      return null;
    return { type: 'default', status: ZclStatus.NOT_FOUND };
  }
  if (state.hit || !faultMatches(fault, req)) return null;
  state.hit = true;
  return { type: 'default', status: fault.status };
}

function applyAttributeFault(
  fault: PayloadFault | undefined,
  req: GbzRequest,
  r: GbzResult,
  state: { hit: boolean },
): GbzResult {
  if (r.type !== 'read') return r;
  if (fault?.kind === 'sentinel') return { ...r, records: sentinel(r.records) };
  if (fault?.kind !== 'gbz-attribute-status' || state.hit) return r;
  const f = fault;
  if (f.clusterId !== undefined && f.clusterId !== req.clusterId) return r;
  const i = f.attributeId === undefined ? 0 : r.records.findIndex((x) => x.attributeId === f.attributeId);
  if (i < 0 || i >= r.records.length) return r;
  state.hit = true;
  const records = r.records.map((x, k) =>
    k === i ? { attributeId: x.attributeId, status: fault.status, dataType: null, value: null } : x,
  );
  return { ...r, records };
}

/** The command components of a GBZ command payload. @throws DecodeError (never for accepted commands) */
export function gbzRequests(payload: Uint8Array): GbzRequest[] {
  const g = decodeGbz(payload, 0, { alert: false });
  if (g.type !== 'components') return [];
  const seen = new Map<string, number>();
  return g.components.map((c, index) => {
    const key = `${c.clusterId}/${c.zclHeader.commandId}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    return {
      index,
      clusterId: c.clusterId,
      frameControl: c.zclHeader.frameControl,
      commandId: c.zclHeader.commandId,
      transactionSequenceNumber: c.zclHeader.transactionSequenceNumber,
      fromDateTime: c.fromDateTime,
      // An encrypted command component carries no readable payload: processors see it empty.
      payload: c.encrypted ? new Uint8Array(0) : c.zclPayload,
      occurrence,
    };
  });
}

/**
 * Runs every component of the command through `process` and builds the GBZ response payload.
 * `onComplete` runs once all components are processed (commits of multi-component updates).
 */
export function runGbzCommand(
  ctx: ExecutionContext,
  process: GbzProcessor,
  rules: UseCaseRules = {},
  onComplete?: (results: GbzResult[]) => void,
): ExecutionResult {
  const requests = gbzRequests(ctx.payload);
  const out: Array<{ clusterId: number; zclHeader: ZclHeader; zclPayload: Uint8Array; encrypt: boolean }> =
    [];
  const faultState = { hit: false };
  let stopped = false;
  const results: GbzResult[] = [];
  for (const req of requests) {
    const defaultFc = isServerToClient(req.frameControl) ? 0x00 : 0x08;
    const header = (frameControl: number, commandId: number) => ({
      frameControl,
      manufacturerCode: null,
      transactionSequenceNumber: req.transactionSequenceNumber,
      commandId,
    });
    const plain = (frameControl: number, commandId: number, payload: Uint8Array, encrypt = false) =>
      out.push({
        clusterId: req.clusterId,
        zclHeader: header(frameControl, commandId),
        zclPayload: payload,
        encrypt,
      });
    if (stopped) {
      plain(
        defaultFc,
        ZclCommand.DEFAULT_RESPONSE,
        encodeDefaultResponse({ commandId: NOT_PROCESSED_COMMAND_ID, status: ZclStatus.FAILURE }),
      );
      continue;
    }
    let r = applyFault(ctx.fault, req, faultState);
    if (!r) {
      r = process(req, ctx);
      r = applyAttributeFault(ctx.fault, req, r, faultState);
    }
    results.push(r);
    switch (r.type) {
      case 'default':
        plain(
          defaultFc,
          ZclCommand.DEFAULT_RESPONSE,
          encodeDefaultResponse({ commandId: req.commandId, status: r.status }),
        );
        break;
      case 'read':
        plain(
          rules.readResponseFrameControl ?? 0x08,
          ZclCommand.READ_ATTRIBUTES_RESPONSE,
          encodeReadAttributesResponse(r.records),
          r.encrypt ?? rules.encryptReadOf?.includes(req.clusterId) ?? false,
        );
        break;
      case 'write':
        plain(0x08, ZclCommand.WRITE_ATTRIBUTES_RESPONSE, encodeWriteAttributesResponse(r.failures));
        break;
      case 'responses':
        for (const p of r.parts) plain(p.frameControl, p.commandId, p.payload, p.encrypt ?? false);
        break;
    }
    if (fails(r)) stopped = true;
  }
  onComplete?.(results);
  let frameCounter = 0;
  const components: GbzComponent[] = out.map((c, i) => {
    const lastComponent = i === out.length - 1;
    if (!c.encrypt) {
      return {
        encrypted: false,
        lastComponent,
        clusterId: c.clusterId,
        fromDateTime: null,
        zclHeader: c.zclHeader,
        zclPayload: c.zclPayload,
      };
    }
    const cipheredContent = decodeCipheredContent(ctx.encryptForRecipient(c.zclPayload));
    return {
      encrypted: true,
      lastComponent,
      clusterId: c.clusterId,
      fromDateTime: null,
      zclHeader: c.zclHeader,
      additionalHeaderControl: 0x00,
      additionalFrameCounter: frameCounter++ & 0xff,
      cipheredContent,
    };
  });
  return { payload: encodeGbz({ type: 'components', components }) };
}

/** A cluster-specific response part. */
export function part(
  frameControl: number,
  commandId: number,
  payload: Uint8Array,
  encrypt = false,
): GbzResponsePart {
  return { frameControl, commandId, payload, encrypt };
}

/** Status-only results. */
export const ok = (): GbzResult => ({ type: 'default', status: ZclStatus.SUCCESS });
export const status = (s: number): GbzResult => ({ type: 'default', status: s });
export const notFound = (): GbzResult => ({ type: 'default', status: ZclStatus.NOT_FOUND });
