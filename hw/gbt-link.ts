/**
 * GBCS General Block Transfer on a link (GBCS 7.2.11; protocol/gbt.ts): a message longer than the
 * link's block limit travels as GBT blocks, each at most that long; the receiver reassembles. The
 * limit defaults to 1200 bytes, the size GFI tools size their lines for (HenryGiraldo/gbcs c/gfi.h:
 * `GFI_MESSAGE_MAX_SIZE = 30 + 2 * 1200`).
 */
import { decodeGbcsMessage, headerOf } from '../protocol/envelope.ts';
import { DecodeError } from '../protocol/errors.ts';
import {
  encodeGbtBlock,
  GBT_MAX_BLOCK_DATA,
  GbtReassembly,
  type GbtRoutingHeader,
  segmentGbcsMessage,
} from '../protocol/gbt.ts';

export const DEFAULT_BLOCK_LIMIT = 1200;
/** Smallest usable limit: a GBT block's own headers take about 50 bytes. */
export const MIN_BLOCK_LIMIT = 128;

/** True for a `DD 09` GBT block. */
export function isGbtBlock(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0xdd && bytes[1] === 0x09;
}

/**
 * The frames to send for `message`: itself when it fits `blockLimit` bytes, else its GBT blocks
 * (each encoded block ≤ `blockLimit`).
 * @throws DecodeError when a message that needs segmenting does not decode (its Grouping Header
 * gives the routing header); RangeError when `blockLimit` < 128 or the message needs > 255 blocks.
 */
export function segmentForLink(message: Uint8Array, blockLimit = DEFAULT_BLOCK_LIMIT): Uint8Array[] {
  if (!Number.isInteger(blockLimit) || blockLimit < MIN_BLOCK_LIMIT)
    throw new RangeError(`block limit must be ≥ ${MIN_BLOCK_LIMIT} bytes`);
  if (message.length <= blockLimit) return [message];
  const m = decodeGbcsMessage(message);
  if (m.form === 'gbt') throw new DecodeError('BAD_VALUE', 0, 'a GBT block larger than the block limit');
  const h = headerOf(m);
  const routing: GbtRoutingHeader = {
    craFlag: h.craFlag,
    originatorCounter: h.originatorCounter,
    originatorId: h.originatorId,
    recipientId: h.recipientId,
    messageCode: h.messageCode,
  };
  // Header bytes of a block: measure an empty one, allow 4 more for the two BER lengths growing.
  const overhead =
    encodeGbtBlock({
      routing,
      securityControl: 0x11,
      invocationCounter: 0,
      lastBlock: true,
      streaming: false,
      window: 1,
      blockNumber: 1,
      blockNumberAck: 0,
      data: new Uint8Array(0),
    }).length + 4;
  const dataSize = Math.min(GBT_MAX_BLOCK_DATA, blockLimit - overhead);
  return segmentGbcsMessage(message, routing, dataSize).map(encodeGbtBlock);
}

export type InboundResult =
  | { status: 'message'; bytes: Uint8Array; blocks: number }
  | { status: 'incomplete'; received: number }
  | { status: 'error'; code: string; message: string };

/** Default bounds of a link's reassemblies: unfinished messages, and the block data they hold. */
export const GBT_LINK_MAX_MESSAGES = 4;
/** 512 KiB: room for one maximal GBCS message (255 blocks × 1200 bytes = 306,000) and more. */
export const GBT_LINK_MAX_BYTES = 512 * 1024;

/**
 * Reassembles inbound GBT blocks; other messages pass through. Bounded per link (issue 8 finding
 * 11): at most `maxMessages` unfinished messages (default 4) holding at most `maxBytes` of block
 * data together (default 512 KiB); to make room for a new block the oldest other reassemblies are
 * dropped (`evicted`), so a sender can only push out its own partial messages. Each message is
 * bounded by GbtReassembly (255 blocks × 1200 bytes).
 */
export class GbtInbound {
  private readonly pending = new Map<string, { r: GbtReassembly; blocks: number; bytes: number }>();
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private held = 0;
  /** Reassemblies dropped to make room. */
  evicted = 0;

  constructor(maxMessages = GBT_LINK_MAX_MESSAGES, maxBytes = GBT_LINK_MAX_BYTES) {
    if (!Number.isInteger(maxMessages) || maxMessages < 1 || !(maxBytes >= GBT_MAX_BLOCK_DATA))
      throw new RangeError(`GBT reassembly bounds: ≥ 1 message, ≥ ${GBT_MAX_BLOCK_DATA} bytes`);
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
  }

  accept(bytes: Uint8Array): InboundResult {
    if (!isGbtBlock(bytes)) return { status: 'message', bytes, blocks: 1 };
    let m: ReturnType<typeof decodeGbcsMessage>;
    try {
      m = decodeGbcsMessage(bytes);
    } catch (e) {
      if (e instanceof DecodeError) return { status: 'error', code: e.code, message: e.message };
      throw e;
    }
    if (m.form !== 'gbt') return { status: 'message', bytes, blocks: 1 };
    const key = GbtReassembly.keyOf(m.block.routing);
    let p = this.pending.get(key);
    if (p && p.bytes + m.block.data.length > this.maxBytes)
      return { status: 'error', code: 'TOO_LARGE', message: `GBT message over ${this.maxBytes} bytes` };
    // Make room: drop the oldest other reassemblies until this block fits both bounds.
    for (const [k, o] of this.pending) {
      const count = this.pending.size + (p ? 0 : 1);
      if (count <= this.maxMessages && this.held + m.block.data.length <= this.maxBytes) break;
      if (k === key) continue;
      this.drop(k, o.bytes);
      this.evicted++;
    }
    if (!p) {
      p = { r: new GbtReassembly(m.block.routing), blocks: 0, bytes: 0 };
      this.pending.set(key, p);
    }
    const r = p.r.add(m.block);
    if (r.status === 'error') return { status: 'error', code: r.code, message: r.message };
    p.blocks++;
    p.bytes += m.block.data.length;
    this.held += m.block.data.length;
    if (r.status === 'incomplete') return { status: 'incomplete', received: r.received };
    this.drop(key, p.bytes);
    return { status: 'message', bytes: r.message, blocks: p.blocks };
  }

  private drop(key: string, bytes: number): void {
    this.pending.delete(key);
    this.held -= bytes;
  }

  /** Bytes of block data held by unfinished messages. */
  get bytesHeld(): number {
    return this.held;
  }

  /** Forgets every partial message (reset). */
  clear(): void {
    this.pending.clear();
    this.held = 0;
  }

  get size(): number {
    return this.pending.size;
  }
}
