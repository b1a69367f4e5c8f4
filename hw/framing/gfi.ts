/**
 * The DCC GFI text line framing: `GBCS:DATA#n:len:HEX\r\n`
 * (example: ../shared/samples/henrygiraldo-gbcs/gfi-line-example.txt, from HenryGiraldo/gbcs c/gfi.c).
 *
 * - `len`: decimal count of message BYTES (the example's 72 = 144 hex digits);
 * - `HEX`: the GBCS message, two hex digits a byte (written upper case; either case read);
 * - `n`: a decimal field that the one public implementation always writes as `0` and skips when
 *   reading; gbcs-sim writes the frame's `n` (default 0) and reports what it reads;
 * - the line ends with CR LF (a bare LF is accepted on input).
 *
 * gbcs-sim's CBOR control channel (hw/control.ts) travels as its own line kind,
 * `GBCS-SIM:CBOR#n:len:HEX\r\n`, which a GFI reader skips as noise.
 *
 * Bounded: `len` ≤ `maxPayload` (default 2048 bytes; GFI tools size their buffer for 1200), `n`
 * and `len` at most 5 digits. Any byte that breaks the grammar makes the candidate invalid at once,
 * and hex digits, decimal digits and CR LF never contain `G`, so a garbage prefix cannot swallow the
 * next real line. Bounded work: the hex digits of a candidate still arriving are checked once (the
 * decoder remembers how far it got), not again on every push.
 */
import { TransportError } from '../errors.ts';
import type { Frame, FrameChannel, FrameDecoder, FramingCodec, ParseResult } from './frame.ts';
import { ScanningDecoder } from './frame.ts';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const PREFIXES: ReadonlyArray<{ bytes: Uint8Array; channel: FrameChannel; text: string }> = [
  { bytes: ascii('GBCS:DATA#'), channel: 'gbcs', text: 'GBCS:DATA#' },
  { bytes: ascii('GBCS-SIM:CBOR#'), channel: 'control', text: 'GBCS-SIM:CBOR#' },
];
const G = 0x47;
const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;
const MAX_DIGITS = 5;

export const GFI_DEFAULT_MAX_PAYLOAD = 2048;

const HEX_UPPER = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

class GfiDecoder extends ScanningDecoder {
  private readonly maxPayload: number;
  /**
   * The candidate at `memoAt` (buffer index; -1 none): its header as read, and its hex digits
   * checked up to `hexCheckedTo`, so a line arriving in pieces is read once.
   */
  private memoAt = -1;
  private memo: { prefix: (typeof PREFIXES)[number]; n: number; len: number; hexAt: number } | null = null;
  private hexCheckedTo = 0;
  constructor(maxPayload: number, maxEncoded: number) {
    super(maxEncoded);
    this.maxPayload = maxPayload;
  }

  protected override moved(from: number, _to: number): void {
    if (this.memoAt >= from && this.memo) {
      this.memoAt -= from;
      this.memo = { ...this.memo, hexAt: this.memo.hexAt - from };
      this.hexCheckedTo -= from;
    } else this.memoAt = -1;
  }

  protected findStart(buf: Uint8Array, from: number, to: number): number {
    const i = buf.subarray(from, to).indexOf(G);
    return i < 0 ? to : from + i;
  }

  /** Reads up to MAX_DIGITS decimal digits then ':' at `at`. */
  private number(
    buf: Uint8Array,
    at: number,
    to: number,
  ): { value: number; next: number } | 'need-more' | 'invalid' {
    let v = 0;
    let i = at;
    for (; i < to && i - at <= MAX_DIGITS; i++) {
      this.stats.work++;
      const c = buf[i]!;
      if (c === COLON) return i === at ? 'invalid' : { value: v, next: i + 1 };
      if (c < 0x30 || c > 0x39 || i - at === MAX_DIGITS) return 'invalid';
      v = v * 10 + (c - 0x30);
    }
    return 'need-more';
  }

  /** The prefix, `n` and `len` of the candidate at `at`, read once (a header is at most 26 bytes). */
  private header(
    buf: Uint8Array,
    at: number,
    to: number,
  ): { prefix: (typeof PREFIXES)[number]; n: number; len: number; hexAt: number } | 'need-more' | 'invalid' {
    let prefix: (typeof PREFIXES)[number] | undefined;
    let partial = false;
    for (const p of PREFIXES) {
      const n = Math.min(p.bytes.length, to - at);
      let ok = true;
      for (let k = 0; k < n; k++) {
        this.stats.work++;
        if (buf[at + k] !== p.bytes[k]) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (n < p.bytes.length) partial = true;
      else prefix = p;
    }
    if (!prefix) return partial ? 'need-more' : 'invalid';
    const nField = this.number(buf, at + prefix.bytes.length, to);
    if (typeof nField === 'string') return nField;
    const lenField = this.number(buf, nField.next, to);
    if (typeof lenField === 'string') return lenField;
    const len = lenField.value;
    if (len === 0 || len > this.maxPayload) return 'invalid';
    return { prefix, n: nField.value, len, hexAt: lenField.next };
  }

  protected parseAt(buf: Uint8Array, at: number, to: number): ParseResult {
    let h = this.memoAt === at ? this.memo : null;
    if (!h) {
      const r = this.header(buf, at, to);
      if (typeof r === 'string') return r;
      h = r;
      this.memoAt = at;
      this.memo = h;
      this.hexCheckedTo = h.hexAt;
    }
    const { prefix, len, hexAt } = h;
    const avail = Math.min(to, hexAt + 2 * len);
    for (let i = this.hexCheckedTo; i < avail; i++) {
      this.stats.work++;
      if (hexVal(buf[i]!) < 0) return 'invalid';
    }
    this.hexCheckedTo = avail;
    const endHex = hexAt + 2 * len;
    if (to <= endHex) return 'need-more';
    let length: number;
    if (buf[endHex] === LF) length = endHex + 1 - at;
    else if (buf[endHex] !== CR) return 'invalid';
    else if (to <= endHex + 1) return 'need-more';
    else if (buf[endHex + 1] !== LF) return 'invalid';
    else length = endHex + 2 - at;
    const payload = new Uint8Array(len);
    for (let k = 0; k < len; k++) {
      payload[k] = (hexVal(buf[hexAt + 2 * k]!) << 4) | hexVal(buf[hexAt + 2 * k + 1]!);
    }
    return { frame: { channel: prefix.channel, payload, n: h.n }, length };
  }
}

/** The GFI text line codec. `maxPayload` in bytes (1..99999). */
export function createGfiCodec(maxPayload = GFI_DEFAULT_MAX_PAYLOAD): FramingCodec {
  if (!Number.isInteger(maxPayload) || maxPayload < 1 || maxPayload > 99_999)
    throw new RangeError('GFI maxPayload is 1..99999 bytes');
  const longestPrefix = Math.max(...PREFIXES.map((p) => p.bytes.length));
  const maxEncodedLength = longestPrefix + (MAX_DIGITS + 1) * 2 + 2 * maxPayload + 2;
  return {
    name: 'gfi',
    maxPayload,
    maxEncodedLength,
    encode(frame: Frame): Uint8Array {
      const len = frame.payload.length;
      if (len === 0 || len > maxPayload)
        throw new TransportError('FRAME_TOO_LARGE', `GFI frame of ${len} bytes (1..${maxPayload})`);
      const n = frame.n ?? 0;
      if (!Number.isInteger(n) || n < 0 || n > 99_999) throw new RangeError('GFI n is 0..99999');
      const prefix = PREFIXES.find((p) => p.channel === frame.channel)!;
      let s = `${prefix.text}${n}:${len}:`;
      for (let i = 0; i < len; i++) s += HEX_UPPER[frame.payload[i]!];
      s += '\r\n';
      return ascii(s);
    },
    createDecoder(): FrameDecoder {
      return new GfiDecoder(maxPayload, maxEncodedLength);
    },
  };
}
