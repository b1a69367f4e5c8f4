/**
 * The CHF Sub GHz radio of a dual-band Communications Hub (DBCH use cases; RTDS 4.5.0 6.28–6.32 and
 * the DBCH07/08/09/11 alerts). COSEM objects (class 1 Data unless said):
 *
 * - 0-0:94.44.10.0 Sub GHz Configuration Settings: a structure of four channel masks (bit-string(32):
 *   ZigBee channel page in bits 31–27, pages 28–31, channels in bits 26–0) and the duty-cycle /
 *   frequency-agility parameters (`SUB_GHZ_CONFIGURATION_TYPES`). DBCH03 reads it; DBCH04 sets it —
 *   a value of another layout, or a mask of another page, is refused (type-unmatched /
 *   other-reason) — and the CHF raises DBCH09 (0x8F2A) with the configuration now in force; if the
 *   current channel is no longer allowed the CHF moves to the first allowed one.
 * - 0-0:94.44.10.1 Channel Scan Request (unsigned): DBCH05 sets it; the CHF assesses the channels,
 *   keeps its channel when allowed (else moves as above) and raises DBCH08 (0x8F28) with the
 *   outcome (0 channel kept, 1 channel changed [A]) and the assessment (0 [A]).
 * - 0-0:94.44.10.2 Current Sub GHz Channel (bit-string(32) mask): DBCH01 reads it.
 * - 0-0:94.44.10.3 Sub GHz Channel Log (IC 7 Profile generic, buffer): DBCH02 reads it, by range on
 *   0-0:94.44.100.255 (ZigBee UTCTime seconds since 2000) or whole, as a compact-array of
 *   { double-long-unsigned time, long-unsigned alert code (0x8F26), octet-string details: the new
 *   channel mask (4 octets) ‖ the A-XDR octet-string of the reason } (as RTDS 6.32 shows).
 *
 * A channel change is logged and raises DBCH07 (0x8F26) { new channel mask, reason octet-string(1):
 * 1 scan, 2 configuration [A] }. State: `model.chf.subGhz` (chf-state.ts).
 */

import { ByteReader, concatBytes, equalBytes, fromHex, toHex, u16be } from '../../../protocol/bytes.ts';
import { DataAccessResult } from '../../../protocol/dlms/apdu.ts';
import { type DlmsData, decodeData, encodeData } from '../../../protocol/dlms/axdr.ts';
import type { ExecutionContext, ExecutionResult } from '../../device/core.ts';
import type { HandlerRow } from '../model-table.ts';
import { handlerRow } from '../model-table.ts';
import { raiseIfPossible, respondDlms, type SpecAnswer } from './dlms.ts';
import {
  CHANNEL_LOG_CAPACITY,
  type ChfModel,
  chfModelOf,
  SUB_GHZ_CONFIGURATION_TYPES,
  ZIGBEE_EPOCH_MS,
  zigbeeSeconds,
} from './state.ts';

export const MessageCode = {
  DBCH01: 0x010a,
  DBCH02: 0x010b,
  DBCH03: 0x010c,
  DBCH04: 0x010d,
  DBCH05: 0x010e,
} as const;

const obis = (e: number, f: number) => Uint8Array.of(0, 0, 94, 44, e, f);
const CONFIGURATION = obis(10, 0);
const SCAN_REQUEST = obis(10, 1);
const CHANNEL = obis(10, 2);
const CHANNEL_LOG = obis(10, 3);
const CHANNEL_LOG_CLOCK = Uint8Array.of(0, 0, 94, 44, 100, 0xff);

const SUB_GHZ_CHANNEL_CHANGED = 0x8f26;
const SUB_GHZ_CHANNEL_SCAN_OUTCOME = 0x8f28;
const SUB_GHZ_CONFIGURATION_CHANGED = 0x8f2a;
export const ChannelChangeReason = { SCAN: 1, CONFIGURATION: 2 } as const;

const bits32 = (v: number): DlmsData => ({
  type: 'bit-string',
  bits: 32,
  value: Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff),
});
const maskOf = (d: DlmsData): number | null =>
  d.type === 'bit-string' && d.bits === 32 && d.value.length === 4
    ? ((d.value[0]! << 24) | (d.value[1]! << 16) | (d.value[2]! << 8) | d.value[3]!) >>> 0
    : null;
const PAGES = [28, 29, 30, 31];

/** The configuration's channel masks. */
function masksOf(chf: ChfModel): number[] {
  const c = decodeData(new ByteReader(fromHex(chf.subGhz.configuration)));
  return c.type === 'structure' ? c.value.slice(0, 4).map((d) => maskOf(d) ?? 0) : [];
}

/** Whether a channel (one page, one channel bit) is allowed by the masks. */
const allowed = (masks: number[], channel: number) =>
  masks.some((m) => m >>> 27 === channel >>> 27 && (m & channel & 0x07ffffff) !== 0);

/** The first allowed channel, or null when the masks allow none. */
function firstAllowed(masks: number[]): number | null {
  for (const m of masks) {
    const ch = m & 0x07ffffff;
    if (ch === 0) continue;
    const low = ch & -ch;
    return ((m & 0xf8000000) | low) >>> 0;
  }
  return null;
}

/** Moves to an allowed channel if the current one is not; logs and raises DBCH07. @returns whether it changed */
function ensureAllowedChannel(ctx: ExecutionContext, chf: ChfModel, reason: number): boolean {
  const masks = masksOf(chf);
  if (allowed(masks, chf.subGhz.channel)) return false;
  const next = firstAllowed(masks);
  if (next === null) return false;
  chf.subGhz.channel = next;
  const details = concatBytes(encodeData(bits32(next)).subarray(2), Uint8Array.of(0x09, 0x01, reason));
  chf.subGhz.channelLog = [
    ...chf.subGhz.channelLog,
    [zigbeeSeconds(ctx.now), SUB_GHZ_CHANNEL_CHANGED, toHex(details)] as [number, number, string],
  ].slice(-CHANNEL_LOG_CAPACITY);
  raiseIfPossible(ctx, {
    alertCode: SUB_GHZ_CHANNEL_CHANGED,
    body: {
      form: 'dlms',
      elements: [
        { type: 'structure', value: [bits32(next), { type: 'octet-string', value: Uint8Array.of(reason) }] },
      ],
    },
  });
  return true;
}

/** The configuration value if `d` has the Sub GHz configuration layout with valid page masks, else the refusal. */
function checkConfiguration(d: DlmsData): number {
  if (d.type !== 'structure' || d.value.length !== SUB_GHZ_CONFIGURATION_TYPES.length)
    return DataAccessResult.TYPE_UNMATCHED;
  if (!d.value.every((x, i) => x.type === SUB_GHZ_CONFIGURATION_TYPES[i]))
    return DataAccessResult.TYPE_UNMATCHED;
  const masks = d.value.slice(0, 4).map(maskOf);
  if (masks.some((m, i) => m === null || m >>> 27 !== PAGES[i])) return DataAccessResult.OTHER_REASON;
  return 0;
}

/** The channel log as a compact-array, entries with `from ≤ time ≤ to` (ZigBee seconds). */
function channelLog(chf: ChfModel, from: number, to: number): DlmsData {
  const rows = chf.subGhz.channelLog.filter(([t]) => t >= from && t <= to);
  const contents = concatBytes(
    ...rows.map(([t, code, details]) => {
      const d = fromHex(details);
      return concatBytes(
        Uint8Array.of(t >>> 24, (t >>> 16) & 0xff, (t >>> 8) & 0xff, t & 0xff),
        u16be(code),
        Uint8Array.of(d.length),
        d,
      );
    }),
  );
  return {
    type: 'compact-array',
    contentsDescription: {
      type: 'structure',
      elements: [{ type: 'double-long-unsigned' }, { type: 'long-unsigned' }, { type: 'octet-string' }],
    },
    arrayContents: contents,
  };
}

/** The DBCH use cases (see file doc). */
export function chfSubGhz(ctx: ExecutionContext): ExecutionResult {
  const chf = chfModelOf(ctx.device);
  return respondDlms(ctx, (spec, data): SpecAnswer => {
    if (spec.type === 'action') return { result: DataAccessResult.OBJECT_UNDEFINED };
    const a = spec.attribute;
    const undefinedObject = { result: DataAccessResult.OBJECT_UNDEFINED };
    if (a.attributeId !== 2) return undefinedObject;
    if (a.classId === 1 && equalBytes(a.instanceId, CONFIGURATION)) {
      if (spec.type === 'get')
        return { result: 0, data: decodeData(new ByteReader(fromHex(chf.subGhz.configuration))) };
      if (spec.type !== 'set') return undefinedObject;
      const r = checkConfiguration(data);
      if (r !== 0) return { result: r };
      chf.subGhz.configuration = toHex(encodeData(data));
      raiseIfPossible(ctx, {
        alertCode: SUB_GHZ_CONFIGURATION_CHANGED,
        body: { form: 'dlms', elements: [data] },
      });
      ensureAllowedChannel(ctx, chf, ChannelChangeReason.CONFIGURATION);
      return { result: 0 };
    }
    if (a.classId === 1 && equalBytes(a.instanceId, SCAN_REQUEST)) {
      if (spec.type === 'get')
        return { result: 0, data: { type: 'unsigned', value: chf.subGhz.scanRequest } };
      if (spec.type !== 'set') return undefinedObject;
      if (data.type !== 'unsigned') return { result: DataAccessResult.TYPE_UNMATCHED };
      chf.subGhz.scanRequest = data.value;
      const changed = ensureAllowedChannel(ctx, chf, ChannelChangeReason.SCAN);
      raiseIfPossible(ctx, {
        alertCode: SUB_GHZ_CHANNEL_SCAN_OUTCOME,
        body: {
          form: 'dlms',
          elements: [
            {
              type: 'structure',
              value: [
                { type: 'octet-string', value: Uint8Array.of(changed ? 1 : 0) },
                { type: 'octet-string', value: Uint8Array.of(0) },
              ],
            },
          ],
        },
      });
      return { result: 0 };
    }
    if (a.classId === 1 && equalBytes(a.instanceId, CHANNEL) && spec.type === 'get') {
      return { result: 0, data: bits32(chf.subGhz.channel) };
    }
    if (a.classId === 7 && equalBytes(a.instanceId, CHANNEL_LOG)) {
      if (spec.type === 'get') return { result: 0, data: channelLog(chf, 0, 0xffffffff) };
      if (spec.type !== 'get-with-selection') return undefinedObject;
      const sel = spec.accessSelection;
      const p = sel.accessParameters;
      const [restricting, from, to] = p.type === 'structure' ? p.value : [];
      const obj = restricting?.type === 'structure' ? restricting.value[1] : undefined;
      if (
        sel.accessSelector !== 1 ||
        from?.type !== 'double-long-unsigned' ||
        to?.type !== 'double-long-unsigned' ||
        obj?.type !== 'octet-string' ||
        !equalBytes(obj.value, CHANNEL_LOG_CLOCK)
      )
        return { result: DataAccessResult.OTHER_REASON };
      return { result: 0, data: channelLog(chf, from.value, to.value) };
    }
    return undefinedObject;
  });
}

/** Seconds since 2000 → ms (for tests and callers reading the channel log). */
export const channelLogTimeMs = (seconds: number): number => ZIGBEE_EPOCH_MS + seconds * 1000;

/** This file's use-case handlers: (device types, Message Codes, handler); sim/models/index.ts puts them in `MODELS`. */
export const HANDLERS: readonly HandlerRow[] = [handlerRow(['CHF'], Object.values(MessageCode), chfSubGhz)];
