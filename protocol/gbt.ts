/**
 * General Block Transfer (GBCS 7.2.11 "Transfer of large Remote Party Messages";
 * gbcs-wire-and-security.md §2.5, after Wireshark packet-gbcs.c and gbcs-parser-js): a message too
 * large for one frame travels as blocks, each behind a routing header:
 *
 * ```
 * DD ‖ 09 CRA Counter(8) ‖ 08 Orig ‖ 08 Recip ‖ 00 ‖ 02 MessageCode(2) ‖ 00 ‖ BER(len)
 *    ‖ SC(1) IC(4) ‖ E0 ‖ block-control ‖ block-number(2) ‖ block-number-ack(2) ‖ BER(n) ‖ data(n)
 * ```
 * block-control: bit 7 last block, bit 6 streaming, bits 5–0 window. Blocks are numbered from 1;
 * reassembly concatenates their data in order up to the last block, giving a `DD 00…`/`DF…` message.
 * No public byte vector of a GBT message exists: this layout is pinned by round-trip and property
 * tests only, and the bounds follow gbcs-parser-js (≤ 1200 bytes a block, ≤ 255 blocks).
 */
import { encodeBerLength, readBerLength } from './ber.ts';
import { type ByteReader, concatBytes, fromHex, toHex, u16be, u64be } from './bytes.ts';
import { DecodeError, ErrorCode } from './errors.ts';
import type { CraFlag, Eui64 } from './types.ts';

export const GBT_TAG = 0xe0;
export const GBT_MAX_BLOCK_DATA = 1200;
export const GBT_MAX_BLOCKS = 255;

export interface GbtRoutingHeader {
  craFlag: CraFlag;
  originatorCounter: bigint;
  originatorId: Eui64;
  recipientId: Eui64;
  messageCode: number;
}

export interface GbtBlock {
  routing: GbtRoutingHeader;
  securityControl: number;
  invocationCounter: number;
  lastBlock: boolean;
  streaming: boolean;
  /** 0–63. */
  window: number;
  /** 1-based. */
  blockNumber: number;
  blockNumberAck: number;
  /** Empty for an acknowledgement-only block. */
  data: Uint8Array;
}

function readId(r: ByteReader, what: string): Eui64 {
  const at = r.offset;
  const n = r.u8(`${what} length`);
  if (n !== 8) throw new DecodeError(ErrorCode.BAD_LENGTH, at, `${what}: length ${n}, expected 8`);
  return toHex(r.take(8, what));
}

/** Decodes a GBT message whose DD tag has been consumed. @throws DecodeError */
export function decodeGbtAfterRoutingStart(r: ByteReader): GbtBlock {
  const tidAt = r.offset;
  const tidLen = r.u8('routing transaction-id length');
  if (tidLen !== 9)
    throw new DecodeError(ErrorCode.BAD_LENGTH, tidAt, `transaction-id length ${tidLen}, expected 9 or 0`);
  const craAt = r.offset;
  const cra = r.u8('CRA flag');
  if (cra < 1 || cra > 3)
    throw new DecodeError(ErrorCode.BAD_VALUE, craAt, `CRA flag ${cra}: expected 1, 2 or 3`);
  const originatorCounter = r.u64('originator counter');
  const originatorId = readId(r, 'originator system title');
  const recipientId = readId(r, 'recipient system title');
  r.expect(0x00, 'routing header date-time (empty)');
  r.expect(0x02, 'routing header other-information length');
  const messageCode = r.u16('message code');
  r.expect(0x00, 'routing header key-info (absent)');
  const lenAt = r.offset;
  const contentLength = readBerLength(r, 'ciphered-content length');
  if (r.remaining !== contentLength) {
    throw new DecodeError(
      r.remaining < contentLength ? ErrorCode.TRUNCATED : ErrorCode.TRAILING_BYTES,
      r.remaining < contentLength ? r.offset + r.remaining : r.offset + contentLength,
      `GBT content declares ${contentLength} bytes, ${r.remaining} present (length at ${lenAt})`,
    );
  }
  const securityControl = r.u8('security control');
  const invocationCounter = r.u32('invocation counter');
  r.expect(GBT_TAG, 'GBT APDU tag');
  const control = r.u8('block-control');
  const bnAt = r.offset;
  const blockNumber = r.u16('block-number');
  if (blockNumber === 0)
    throw new DecodeError(ErrorCode.BAD_VALUE, bnAt, 'block-number 0: blocks are numbered from 1');
  const blockNumberAck = r.u16('block-number-ack');
  const dataAt = r.offset;
  const n = readBerLength(r, 'block-data length');
  if (n > GBT_MAX_BLOCK_DATA)
    throw new DecodeError(ErrorCode.TOO_LARGE, dataAt, `block data ${n} > ${GBT_MAX_BLOCK_DATA}`);
  const data = r.take(n, 'block-data');
  r.end('GBT block');
  return {
    routing: { craFlag: cra as CraFlag, originatorCounter, originatorId, recipientId, messageCode },
    securityControl,
    invocationCounter,
    lastBlock: (control & 0x80) !== 0,
    streaming: (control & 0x40) !== 0,
    window: control & 0x3f,
    blockNumber,
    blockNumberAck,
    data,
  };
}

export function encodeGbtBlock(b: GbtBlock): Uint8Array {
  if (b.data.length > GBT_MAX_BLOCK_DATA) throw new RangeError(`block data > ${GBT_MAX_BLOCK_DATA}`);
  if (b.window < 0 || b.window > 63) throw new RangeError('window is 0..63');
  const gbt = concatBytes(
    Uint8Array.of(GBT_TAG, (b.lastBlock ? 0x80 : 0) | (b.streaming ? 0x40 : 0) | b.window),
    u16be(b.blockNumber),
    u16be(b.blockNumberAck),
    encodeBerLength(b.data.length),
    b.data,
  );
  const sh = Uint8Array.of(
    b.securityControl,
    (b.invocationCounter >>> 24) & 0xff,
    (b.invocationCounter >>> 16) & 0xff,
    (b.invocationCounter >>> 8) & 0xff,
    b.invocationCounter & 0xff,
  );
  const h = b.routing;
  return concatBytes(
    Uint8Array.of(0xdd, 0x09, h.craFlag),
    u64be(h.originatorCounter),
    Uint8Array.of(0x08),
    fromHex(h.originatorId),
    Uint8Array.of(0x08),
    fromHex(h.recipientId),
    Uint8Array.of(0x00, 0x02),
    u16be(h.messageCode),
    Uint8Array.of(0x00),
    encodeBerLength(sh.length + gbt.length),
    sh,
    gbt,
  );
}

/**
 * Splits an encoded GBCS message into GBT blocks of at most `blockSize` data bytes.
 * @throws RangeError when the message would need more than 255 blocks.
 */
export function segmentGbcsMessage(
  message: Uint8Array,
  routing: GbtRoutingHeader,
  blockSize = GBT_MAX_BLOCK_DATA,
): GbtBlock[] {
  if (blockSize < 1 || blockSize > GBT_MAX_BLOCK_DATA)
    throw new RangeError(`blockSize 1..${GBT_MAX_BLOCK_DATA}`);
  const count = Math.max(1, Math.ceil(message.length / blockSize));
  if (count > GBT_MAX_BLOCKS) throw new RangeError(`message needs ${count} blocks (> ${GBT_MAX_BLOCKS})`);
  const blocks: GbtBlock[] = [];
  for (let i = 0; i < count; i++) {
    blocks.push({
      routing,
      securityControl: 0x11,
      invocationCounter: 0,
      lastBlock: i === count - 1,
      streaming: false,
      window: 1,
      blockNumber: i + 1,
      blockNumberAck: 0,
      data: message.subarray(i * blockSize, (i + 1) * blockSize),
    });
  }
  return blocks;
}

/**
 * Outcome of adding a block to a reassembly. Error codes: DUPLICATE_BLOCK (number already received),
 * TOO_MANY_BLOCKS (number outside 1..255 or beyond the last block), TOO_LARGE (data > 1200 bytes),
 * MISMATCH (another message's routing header, or a last block before blocks already received).
 */
export type GbtAddResult =
  | { status: 'incomplete'; received: number }
  | { status: 'complete'; message: Uint8Array }
  | {
      status: 'error';
      code: 'DUPLICATE_BLOCK' | 'TOO_MANY_BLOCKS' | 'TOO_LARGE' | 'MISMATCH';
      message: string;
    };

/**
 * Reassembles the blocks of one message (same originator, counter, CRA, recipient, message code).
 * Bounded: at most 255 blocks of at most 1200 bytes; a block beyond the last, a duplicate, or one
 * from another message is refused without changing the state.
 */
export class GbtReassembly {
  private readonly blocks = new Map<number, Uint8Array>();
  private last: number | null = null;
  readonly routing: GbtRoutingHeader;
  constructor(routing: GbtRoutingHeader) {
    this.routing = routing;
  }

  static keyOf(r: GbtRoutingHeader): string {
    return `${r.originatorId}/${r.recipientId}/${r.craFlag}/${r.originatorCounter}/${r.messageCode}`;
  }

  add(b: GbtBlock): GbtAddResult {
    if (GbtReassembly.keyOf(b.routing) !== GbtReassembly.keyOf(this.routing)) {
      return { status: 'error', code: 'MISMATCH', message: 'block belongs to another message' };
    }
    if (this.blocks.has(b.blockNumber)) {
      return { status: 'error', code: 'DUPLICATE_BLOCK', message: `block ${b.blockNumber} already received` };
    }
    // Blocks not from decodeGbcsMessage may carry any number: one outside 1..255 would be stored
    // and make completion read a missing block.
    if (!Number.isInteger(b.blockNumber) || b.blockNumber < 1 || b.blockNumber > GBT_MAX_BLOCKS) {
      return {
        status: 'error',
        code: 'TOO_MANY_BLOCKS',
        message: `block number ${b.blockNumber} outside 1..${GBT_MAX_BLOCKS}`,
      };
    }
    if (this.last !== null && b.blockNumber > this.last) {
      return {
        status: 'error',
        code: 'TOO_MANY_BLOCKS',
        message: `block ${b.blockNumber} beyond the last block`,
      };
    }
    if (b.data.length > GBT_MAX_BLOCK_DATA) {
      return {
        status: 'error',
        code: 'TOO_LARGE',
        message: `block data ${b.data.length} > ${GBT_MAX_BLOCK_DATA}`,
      };
    }
    if (b.lastBlock) {
      for (const n of this.blocks.keys()) {
        if (n > b.blockNumber)
          return { status: 'error', code: 'MISMATCH', message: 'last block precedes received blocks' };
      }
      this.last = b.blockNumber;
    }
    this.blocks.set(b.blockNumber, b.data);
    if (this.last !== null && this.blocks.size === this.last) {
      const parts: Uint8Array[] = [];
      for (let i = 1; i <= this.last; i++) parts.push(this.blocks.get(i)!);
      return { status: 'complete', message: concatBytes(...parts) };
    }
    return { status: 'incomplete', received: this.blocks.size };
  }
}
