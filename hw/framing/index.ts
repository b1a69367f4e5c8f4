/** Framing selection by name (`--framing gfi|binary`). */
import { createBinaryCodec } from './binary.ts';
import type { FramingCodec, FramingName } from './frame.ts';
import { createGfiCodec } from './gfi.ts';

export type {
  Frame,
  FrameChannel,
  FrameDecoder,
  FrameDecoderStats,
  FramingCodec,
  FramingName,
} from './frame.ts';
export { FRAMING_NAMES } from './frame.ts';

/** A codec by name; `maxPayload` bytes (default: GFI 2048, binary 4096). */
export function createFraming(name: FramingName, maxPayload?: number): FramingCodec {
  return name === 'gfi' ? createGfiCodec(maxPayload) : createBinaryCodec(maxPayload);
}
