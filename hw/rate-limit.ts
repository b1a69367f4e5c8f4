/**
 * Flood control for links (issue 8 findings 6 and 11): a token bucket per link, and a reporter that
 * turns a flood of refusals into at most one report per interval, so the log cannot be flooded
 * either. Both take their time from an injected `now()` (ms, monotonic), so tests drive them
 * without waiting.
 */

export type Now = () => number;
const monotonic: Now = () => performance.now();

/**
 * `ratePerSecond` tokens a second, at most `burst` held (a full bucket to start). `take()` spends
 * one when there is one. A rate of 0 means unlimited.
 */
export class TokenBucket {
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: Now;
  private tokens: number;
  private at: number;

  constructor(ratePerSecond: number, burst: number = ratePerSecond, now: Now = monotonic) {
    if (!(ratePerSecond >= 0) || !(burst >= 1 || ratePerSecond === 0))
      throw new RangeError('a token bucket needs a rate ≥ 0 and a burst ≥ 1');
    this.rate = ratePerSecond;
    this.burst = burst;
    this.now = now;
    this.tokens = burst;
    this.at = now();
  }

  /** True (and one token spent) when the bucket holds one. */
  take(): boolean {
    if (this.rate === 0) return true;
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.at) / 1000) * this.rate);
    this.at = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Counts occurrences per key and lets one report through per `intervalMs` per key, carrying how
 * many occurred since the last report (the first occurrence is reported at once).
 */
export class ThrottledReporter {
  private readonly intervalMs: number;
  private readonly now: Now;
  private readonly last = new Map<string, { at: number; pending: number }>();

  constructor(intervalMs = 1000, now: Now = monotonic) {
    this.intervalMs = intervalMs;
    this.now = now;
  }

  /** Counts one occurrence; returns the count to report now (≥ 1), or 0 to stay quiet. */
  note(key: string): number {
    const t = this.now();
    const e = this.last.get(key);
    if (!e) {
      // Bounded: keys are links and limit names; forget the oldest beyond a few hundred.
      if (this.last.size >= 256) this.last.delete(this.last.keys().next().value as string);
      this.last.set(key, { at: t, pending: 0 });
      return 1;
    }
    e.pending++;
    if (t - e.at < this.intervalMs) return 0;
    const n = e.pending;
    e.at = t;
    e.pending = 0;
    return n;
  }
}
