/**
 * gbcs-sim's binary framing, for links where text doubles the bytes:
 *
 * ```
 * A5 5A | type (1) | len (2, big-endian) | len XOR FFFF (2) | payload (len) | CRC (2, big-endian)
 * ```
 * - type: 0x01 a GBCS message, 0x02 a CBOR control message (hw/control.ts);
 * - len: payload bytes, 1..`maxPayload` (default 4096, at most 65535); its complement lets a
 *   decoder refuse a bogus header at once instead of waiting for a bogus length of bytes;
 * - CRC: CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, not reflected, no final XOR; check value
 *   "123456789" → 0x29B1, hw/crc16.ts) over every byte after the sync word, type to payload.
 *
 * A candidate failing any check costs one byte: scanning resumes after its first byte.
 *
 * Bounded work: a header repeated every few bytes makes every position a candidate whose CRC spans
 * up to 4 KiB, so checking each from scratch would cost thousands of CRC steps per input byte. The
 * decoder keeps the running CRC register beside its buffer (one step per byte received) and checks
 * any candidate's CRC from two of those values in constant time (hw/crc16.ts `crc16OfRange`).
 */
import { crc16CcittFalse, crc16OfRange, crc16Running } from '../crc16.ts';
import { TransportError } from '../errors.ts';
import type { Frame, FrameDecoder, FramingCodec, ParseResult } from './frame.ts';
import { ScanningDecoder } from './frame.ts';

export const BINARY_SYNC = [0xa5, 0x5a] as const;
export const BINARY_TYPE = { gbcs: 0x01, control: 0x02 } as const;
export const BINARY_HEADER_LENGTH = 7;
export const BINARY_DEFAULT_MAX_PAYLOAD = 4096;

class BinaryDecoder extends ScanningDecoder {
  private readonly maxPayload: number;
  /** Running CRC register: `q[i + 1]` after buffer byte i (hw/crc16.ts). */
  private readonly q: Uint16Array;
  constructor(maxPayload: number) {
    super(BINARY_HEADER_LENGTH + maxPayload + 2);
    this.maxPayload = maxPayload;
    this.q = new Uint16Array(this.capacity + 1);
  }

  protected override appended(buf: Uint8Array, from: number, to: number): void {
    crc16Running(buf, from, to, this.q);
    this.stats.work += to - from;
  }

  protected override moved(from: number, to: number): void {
    this.q.copyWithin(0, from, to + 1);
  }

  protected findStart(buf: Uint8Array, from: number, to: number): number {
    const i = buf.subarray(from, to).indexOf(BINARY_SYNC[0]);
    return i < 0 ? to : from + i;
  }

  protected parseAt(buf: Uint8Array, at: number, to: number): ParseResult {
    this.stats.work++;
    const avail = to - at;
    if (avail < 2) return 'need-more';
    if (buf[at + 1] !== BINARY_SYNC[1]) return 'invalid';
    if (avail < 3) return 'need-more';
    const type = buf[at + 2]!;
    if (type !== BINARY_TYPE.gbcs && type !== BINARY_TYPE.control) return 'invalid';
    if (avail < BINARY_HEADER_LENGTH) {
      // Check what length bytes there are against the bound early.
      if (avail >= 5) {
        const len = (buf[at + 3]! << 8) | buf[at + 4]!;
        if (len === 0 || len > this.maxPayload) return 'invalid';
      }
      return 'need-more';
    }
    const len = (buf[at + 3]! << 8) | buf[at + 4]!;
    const inv = (buf[at + 5]! << 8) | buf[at + 6]!;
    if ((len ^ 0xffff) !== inv || len === 0 || len > this.maxPayload) return 'invalid';
    const total = BINARY_HEADER_LENGTH + len + 2;
    if (avail < total) return 'need-more';
    const crcAt = at + BINARY_HEADER_LENGTH + len;
    const crc = (buf[crcAt]! << 8) | buf[crcAt + 1]!;
    this.stats.work += 2;
    if (crc16OfRange(this.q[at + 2]!, this.q[crcAt]!, crcAt - at - 2) !== crc) return 'invalid';
    return {
      frame: {
        channel: type === BINARY_TYPE.gbcs ? 'gbcs' : 'control',
        payload: buf.slice(at + BINARY_HEADER_LENGTH, crcAt),
      },
      length: total,
    };
  }
}

/** The binary codec. `maxPayload` in bytes (1..65535). */
export function createBinaryCodec(maxPayload = BINARY_DEFAULT_MAX_PAYLOAD): FramingCodec {
  if (!Number.isInteger(maxPayload) || maxPayload < 1 || maxPayload > 0xffff)
    throw new RangeError('binary maxPayload is 1..65535 bytes');
  return {
    name: 'binary',
    maxPayload,
    maxEncodedLength: BINARY_HEADER_LENGTH + maxPayload + 2,
    encode(frame: Frame): Uint8Array {
      const len = frame.payload.length;
      if (len === 0 || len > maxPayload)
        throw new TransportError('FRAME_TOO_LARGE', `binary frame of ${len} bytes (1..${maxPayload})`);
      const out = new Uint8Array(BINARY_HEADER_LENGTH + len + 2);
      out[0] = BINARY_SYNC[0];
      out[1] = BINARY_SYNC[1];
      out[2] = BINARY_TYPE[frame.channel];
      out[3] = len >> 8;
      out[4] = len & 0xff;
      out[5] = (len >> 8) ^ 0xff;
      out[6] = (len & 0xff) ^ 0xff;
      out.set(frame.payload, BINARY_HEADER_LENGTH);
      const crc = crc16CcittFalse(out, 2, BINARY_HEADER_LENGTH + len);
      out[BINARY_HEADER_LENGTH + len] = crc >> 8;
      out[BINARY_HEADER_LENGTH + len + 1] = crc & 0xff;
      return out;
    },
    createDecoder(): FrameDecoder {
      return new BinaryDecoder(maxPayload);
    },
  };
}
