/**
 * An in-process pair of byte links (for tests, benches and embedding): what one end writes the
 * other receives, asynchronously and in order. `unplug()` simulates a cable pulled out: both ends
 * close with `disconnected: true`. `chunking` splits deliveries to exercise reassembly of frames.
 */
import { TransportError } from '../errors.ts';
import type { ByteLink } from '../link.ts';

class InProcessLink implements ByteLink {
  readonly description: string;
  onData: ((chunk: Uint8Array) => void) | null = null;
  onClose: ((error: TransportError | null) => void) | null = null;
  peer: InProcessLink | null = null;
  state: 'new' | 'open' | 'closed' = 'new';
  private readonly chunking: number;

  constructor(name: string, chunking: number) {
    this.description = `in-process ${name}`;
    this.chunking = chunking;
  }

  async open(): Promise<void> {
    if (this.state !== 'new') throw new TransportError('OPEN_FAILED', `${this.description}: opened once`);
    this.state = 'open';
  }

  async close(): Promise<void> {
    this.end(null);
  }

  end(err: TransportError | null): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    if (wasOpen) this.onClose?.(err);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new TransportError('NOT_OPEN', `${this.description}: not open`);
    const peer = this.peer;
    const copy = bytes.slice();
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (peer?.state !== 'open') return; // bytes into a dead line are lost, like on a wire
    for (let o = 0; o < copy.length; o += this.chunking) {
      peer.onData?.(copy.subarray(o, Math.min(copy.length, o + this.chunking)));
    }
  }
}

export interface InProcessPair {
  a: ByteLink;
  b: ByteLink;
  /** Both ends close with a `disconnected` TransportError. */
  unplug(): void;
}

/** A connected pair; `chunking` = largest delivery, bytes (default: whole writes). */
export function createInProcessPair(chunking = Number.MAX_SAFE_INTEGER): InProcessPair {
  const a = new InProcessLink('a', chunking);
  const b = new InProcessLink('b', chunking);
  a.peer = b;
  b.peer = a;
  return {
    a,
    b,
    unplug() {
      const err = () =>
        new TransportError('DISCONNECTED', 'in-process link unplugged', { disconnected: true });
      a.end(err());
      b.end(err());
    },
  };
}
