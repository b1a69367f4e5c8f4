/**
 * Time for devices and harnesses (DESIGN §3): a `Clock` is the only source of "now".
 * `VirtualClock` is deterministic and fast-forwardable (tests, fleet runs); `WallClock` follows the
 * host (labs). Times are milliseconds since the Unix epoch, UTC.
 */
export interface Clock {
  now(): number;
}

export class VirtualClock implements Clock {
  private t: number;
  constructor(startMs: number = Date.UTC(2026, 0, 1)) {
    this.t = startMs;
  }
  now(): number {
    return this.t;
  }
  /** Moves time forward by `ms` (≥ 0). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('a virtual clock only moves forward');
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

export class WallClock implements Clock {
  now(): number {
    return Date.now();
  }
}
