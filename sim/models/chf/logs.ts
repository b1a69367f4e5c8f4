/**
 * Reading the CHF's own logs: ECS35c Read CHF Event Log (0x0093) and ECS35d Read CHF Security Log
 * (0x0094), GBCS use cases on IC 7 Profile generic, attribute 2 (buffer):
 *
 * - 0-0:99.98.0.255 CHF Event Log (including the GPF's events), 0-0:99.98.1.255 CHF Security Log;
 * - the buffer is a compact-array of structure { double-long-unsigned capture time (ZigBee UTCTime,
 *   seconds since 2000-01-01), long-unsigned event code, octet-string event details } — as RTDS
 *   4.5.0 6.13 ECS35c_6.13_SUCCESS answers (e.g. `{473299200, 0x8154, octet-string 00 9B}`);
 * - selective access (sim/models/esme/history.ts selectionOf): selector 1, a range on the capture
 *   time — structure { restricting object (RTDS: class 1, 0-0:94.44.100.255, attribute 2), from,
 *   to, selected values } with from/to as double-long-unsigned seconds or date-time octet-strings,
 *   inclusive — or selector 2, entries { from entry, to entry (0 = last), … } (1-based, oldest
 *   first); other parameters are answered other-reason; a plain get returns the whole buffer.
 *
 * The entries are the CHF's own events (chf-events.ts). Injected faults as every CHF handler
 * (chf-dlms.ts respondDlms; RTDS 6.13 ECS35d_6.13_ERROR: hardware-fault).
 */

import { equalBytes, fromHex } from '../../../protocol/bytes.ts';
import { DataAccessResult } from '../../../protocol/dlms/apdu.ts';
import type { DlmsData } from '../../../protocol/dlms/axdr.ts';
import type { ExecutionContext, ExecutionResult } from '../../device/core.ts';
import { compactArray, dlu, lu, os, st } from '../esme/dlms.ts';
import { type EntrySelection, selectionOf } from '../esme/history.ts';
import type { HandlerRow } from '../model-table.ts';
import { handlerRow } from '../model-table.ts';
import { respondDlms, type SpecAnswer } from './dlms.ts';
import { type ChfLogName, chfLogsOf } from './events.ts';
import { type ChfLogRow, chfModelOf, ZIGBEE_EPOCH_MS } from './state.ts';

export const MessageCode = { ECS35c: 0x0093, ECS35d: 0x0094 } as const;

const PROFILE_GENERIC = 7;
const LOGS: ReadonlyArray<[Uint8Array, ChfLogName]> = [
  [Uint8Array.of(0, 0, 99, 98, 0, 0xff), 'event'],
  [Uint8Array.of(0, 0, 99, 98, 1, 0xff), 'security'],
];

const rowData = ([t, code, details]: ChfLogRow): DlmsData =>
  st(dlu(t), lu(code), os(details ? fromHex(details) : new Uint8Array(0)));
/** The type-description of a row (an empty buffer still describes its entries). */
const TEMPLATE = rowData([0, 0, '']);

/** The rows `sel` chooses, oldest first. */
function select(rows: readonly ChfLogRow[], sel: EntrySelection): readonly ChfLogRow[] {
  if (sel.kind === 'all') return rows;
  if (sel.kind === 'range')
    return rows.filter(([t]) => {
      const ms = ZIGBEE_EPOCH_MS + t * 1000;
      return ms >= sel.fromMs && ms <= sel.toMs;
    });
  const from = Math.max(1, sel.from);
  const to = sel.to === 0 ? rows.length : Math.min(rows.length, sel.to);
  return rows.slice(from - 1, to);
}

/** ECS35c / ECS35d (see file doc). */
export function readChfLog(ctx: ExecutionContext): ExecutionResult {
  const chf = chfModelOf(ctx.device);
  return respondDlms(ctx, (spec): SpecAnswer => {
    if (spec.type === 'action') return { result: DataAccessResult.OBJECT_UNDEFINED };
    const a = spec.attribute;
    const which = LOGS.find(([obis]) => equalBytes(obis, a.instanceId))?.[1];
    if (a.classId !== PROFILE_GENERIC || !which) return { result: DataAccessResult.OBJECT_UNDEFINED };
    if (a.attributeId !== 2) return { result: DataAccessResult.OBJECT_UNDEFINED };
    if (spec.type === 'set' || spec.type === 'set-with-selection')
      return { result: DataAccessResult.READ_WRITE_DENIED };
    let sel: EntrySelection = { kind: 'all' };
    if (spec.type === 'get-with-selection') {
      const s = selectionOf(spec.accessSelection.accessSelector, spec.accessSelection.accessParameters);
      if (!s) return { result: DataAccessResult.OTHER_REASON };
      sel = s;
    }
    const rows = select(chfLogsOf(chf, ctx.now)[which], sel);
    return { result: DataAccessResult.SUCCESS, data: compactArray(TEMPLATE, rows.map(rowData)) };
  });
}

/** This file's use-case handlers: (device types, Message Codes, handler); sim/models/index.ts puts them in `MODELS`. */
export const HANDLERS: readonly HandlerRow[] = [handlerRow(['CHF'], Object.values(MessageCode), readChfLog)];
