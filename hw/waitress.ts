/**
 * Request/response correlation (after zigbee-herdsman's "waitress"): a caller waits on a key with a
 * timeout; whoever receives the matching answer resolves it. Keys are strings built by the caller
 * (GBCS: recipient, originator, Originator Counter and Message Code; control: the request id).
 */
import { GbcsError } from '../protocol/errors.ts';
import { TransportError } from './errors.ts';

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class Waitress<T> {
  private readonly waiters = new Map<string, Waiter<T>>();

  /**
   * Waits for `key` up to `timeoutMs`. @throws (rejects) TransportError TIMEOUT; GbcsError MISUSE
   * when the key is already awaited.
   */
  wait(key: string, timeoutMs: number): Promise<T> {
    if (this.waiters.has(key)) return Promise.reject(new GbcsError('MISUSE', `already waiting for ${key}`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new TransportError('TIMEOUT', `no answer for ${key} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(key, { resolve, reject, timer });
    });
  }

  /** Delivers `value` to the waiter of `key`; false when nobody waits (late or unsolicited). */
  resolve(key: string, value: T): boolean {
    const w = this.waiters.get(key);
    if (!w) return false;
    this.waiters.delete(key);
    clearTimeout(w.timer);
    w.resolve(value);
    return true;
  }

  /** Fails one waiter now (e.g. its link went down). */
  reject(key: string, error: Error): boolean {
    const w = this.waiters.get(key);
    if (!w) return false;
    this.waiters.delete(key);
    clearTimeout(w.timer);
    w.reject(error);
    return true;
  }

  rejectAll(error: Error): void {
    for (const k of [...this.waiters.keys()]) this.reject(k, error);
  }

  has(key: string): boolean {
    return this.waiters.has(key);
  }

  get size(): number {
    return this.waiters.size;
  }
}
