/**
 * Frames and framing codecs (DESIGN §1 hw/, §7): a framing turns frames into line bytes and back,
 * knowing nothing of ports. Every decoder is bounded — it holds at most one maximal encoded frame
 * plus a fixed slack, whatever arrives — and resynchronises after garbage: a candidate frame that
 * turns out invalid costs one byte, and scanning resumes right after its first byte, so a valid
 * frame hidden inside a bogus candidate is still found.
 */

/** What a frame carries: a GBCS message, or a CBOR control message (hw/control.ts). */
export type FrameChannel = 'gbcs' | 'control';

export interface Frame {
  channel: FrameChannel;
  /** The message bytes (a GBCS message, or one CBOR control item). */
  payload: Uint8Array;
  /** GFI only: the decimal `n` of `GBCS:DATA#n:…` (0 when absent; binary framing has none). */
  n?: number;
}

export type FramingName = 'gfi' | 'binary';
export const FRAMING_NAMES: readonly FramingName[] = ['gfi', 'binary'];

export interface FrameDecoderStats {
  /** Frames decoded. */
  frames: number;
  /** Bytes discarded while hunting for a frame start (line noise, bad candidates' first bytes). */
  droppedBytes: number;
  /** Candidates that started like a frame but failed a check (digits, hex, length, CRC, terminator). */
  badCandidates: number;
  /** Most bytes ever retained between calls (always < the codec's `maxEncodedLength`). */
  highWater: number;
  /**
   * Work spent checking candidates, in byte steps: bytes a check reads (header, digits, hex), CRC
   * register steps, and 2 per CRC range combine (binary). Bounded by a small constant times the
   * bytes pushed, whatever they are (pinned by test/hw/framing.test.ts).
   */
  work: number;
}

/** A streaming decoder. `push` never throws on any input and never blocks. */
export interface FrameDecoder {
  /** Feeds line bytes (any chunking); returns the frames completed by them, in order. */
  push(chunk: Uint8Array): Frame[];
  /**
   * Gives up on a partial candidate (end of input, or the line went idle): rescans what is held
   * and returns any complete frame found behind it. Leaves the decoder empty.
   */
  flush(): Frame[];
  /** Bytes currently held (a partial frame or a tail that may start one). */
  readonly buffered: number;
  /** Fixed size of the internal buffer, bytes: `maxEncodedLength` + slack. Never grows. */
  readonly capacity: number;
  readonly stats: FrameDecoderStats;
}

export interface FramingCodec {
  readonly name: FramingName;
  /** Largest payload, bytes. */
  readonly maxPayload: number;
  /** Largest encoded frame on the line, bytes. */
  readonly maxEncodedLength: number;
  /** @throws TransportError FRAME_TOO_LARGE when the payload exceeds `maxPayload` (or is empty). */
  encode(frame: Frame): Uint8Array;
  createDecoder(): FrameDecoder;
}

/** Parse outcome of a candidate at a position: a frame and its encoded length, or a verdict. */
export type ParseResult = { frame: Frame; length: number } | 'need-more' | 'invalid';

/** Extra buffer beyond one maximal frame, so input can be copied in without growing. */
export const DECODER_SLACK = 1024;

/**
 * The shared bounded scanner: subclasses say where a candidate may start (`findStart`) and parse a
 * candidate progressively (`parseAt`), answering `invalid` as soon as a byte rules it out.
 */
export abstract class ScanningDecoder implements FrameDecoder {
  readonly capacity: number;
  readonly maxEncoded: number;
  readonly stats: FrameDecoderStats = { frames: 0, droppedBytes: 0, badCandidates: 0, highWater: 0, work: 0 };
  private readonly buf: Uint8Array;
  private start = 0;
  private end = 0;

  constructor(maxEncoded: number) {
    this.maxEncoded = maxEncoded;
    this.capacity = maxEncoded + DECODER_SLACK;
    this.buf = new Uint8Array(this.capacity);
  }

  /** First index in [from, to) where a candidate may start; `to` when none. */
  protected abstract findStart(buf: Uint8Array, from: number, to: number): number;
  /**
   * Parses the candidate at `at` with bytes up to `to` (exclusive). Called again for the same
   * candidate after each push while it answers `need-more`: a subclass that scans the candidate's
   * body remembers how far it got (see `moved`), so each byte is read a bounded number of times.
   */
  protected abstract parseAt(buf: Uint8Array, at: number, to: number): ParseResult;
  /** Bytes were appended at `buf[from..to)`, before they are scanned. */
  protected appended(_buf: Uint8Array, _from: number, _to: number): void {}
  /** The held bytes `[from, to)` moved to `[0, to − from)` (compaction, or an emptied buffer). */
  protected moved(_from: number, _to: number): void {}

  get buffered(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): Frame[] {
    const out: Frame[] = [];
    let off = 0;
    while (off < chunk.length) {
      if (this.capacity - this.end < chunk.length - off && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
        this.moved(this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      }
      const n = Math.min(this.capacity - this.end, chunk.length - off);
      this.buf.set(chunk.subarray(off, off + n), this.end);
      this.appended(this.buf, this.end, this.end + n);
      this.end += n;
      off += n;
      this.scan(out, false);
    }
    return out;
  }

  flush(): Frame[] {
    const out: Frame[] = [];
    this.scan(out, true);
    return out;
  }

  private scan(out: Frame[], flushing: boolean): void {
    const buf = this.buf;
    while (this.start < this.end) {
      const s = this.findStart(buf, this.start, this.end);
      this.stats.droppedBytes += s - this.start;
      this.start = s;
      if (s === this.end) break;
      const r = this.parseAt(buf, s, this.end);
      if (r === 'need-more') {
        // A candidate as long as the longest frame can no longer be incomplete: a safety net that
        // keeps the buffer bounded whatever a subclass answers.
        if (!flushing && this.end - s < this.maxEncoded) break;
      } else if (r !== 'invalid') {
        out.push(r.frame);
        this.stats.frames++;
        this.start = s + r.length;
        continue;
      }
      this.stats.badCandidates++;
      this.stats.droppedBytes++;
      this.start = s + 1;
    }
    if (this.start === this.end && this.start !== 0) {
      this.moved(this.start, this.end);
      this.start = this.end = 0;
    }
    const held = this.end - this.start;
    if (held > this.stats.highWater) this.stats.highWater = held;
  }
}
