import { EPOCH_2000_MS, MS_PER_DAY } from '../protocol/calendar.ts';
/**
 * Time for devices and harnesses (DESIGN §3): a `Clock` is the only source of "now".
 * `VirtualClock` is deterministic and fast-forwardable (tests, fleet runs); `WallClock` follows the
 * host (labs). Times are milliseconds since the Unix epoch, UTC.
 */
export interface Clock {
  now(): number;
}

/**
 * The instants every device of the simulator can represent, ms since the Unix epoch: the
 * intersection of the GBCS date fields — ZigBee UTCTime (GBZ/ZCL: uint32 seconds since
 * 2000-01-01T00:00:00Z, 0xFFFFFFFF meaning "invalid") with the DLMS date-time (year 0..0xFFFE) and
 * ASN.1 GeneralizedTime (years 0000..9999) — so 2000-01-01T00:00:00Z to 2136-02-07T06:28:14Z. A
 * premises clock set outside it (`serve` control `clock.set`) is refused.
 */
export const DEVICE_CLOCK_MIN_MS = EPOCH_2000_MS;
export const DEVICE_CLOCK_MAX_MS = DEVICE_CLOCK_MIN_MS + 0xfffffffe * 1000;

/**
 * The longest stretch a meter's half-hourly catch-up accrues (92 days, the GSME profile log; the
 * ESME and GSME models). After a longer jump of the clock the meter accrues the last 92 days
 * only: the stretch before is skipped (no consumption, charges or logs; future-dated changes due
 * in it take effect, periods and collection times move past it), so a jump of a century costs
 * no more than one of three months.
 */
export const MAX_CATCH_UP_MS = 92 * MS_PER_DAY;

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

/**
 * The premises clock a control `clock.set {ms}` or `{advanceMs}` asks for (serve's control channel
 * and `gbcs-sim test`'s in-process control and `wait` steps share it). `ms` is epoch ms, `advanceMs`
 * ms forward from `nowMs`; either an integer Number or a bigint (CBOR uint64/negative int64 as
 * cbor-x decodes them). The target must lie within DEVICE_CLOCK_MIN_MS..DEVICE_CLOCK_MAX_MS;
 * `backwards: false` (a virtual premises) also refuses a target before `nowMs`.
 * @returns `{ok: true, targetMs}` or `{ok: false, message}` (the reason, for a BAD_REQUEST)
 */
export function clockSetTarget(
  nowMs: number,
  params: { ms?: unknown; advanceMs?: unknown },
  options: { backwards: boolean },
): { ok: true; targetMs: number } | { ok: false; message: string } {
  const given = (['ms', 'advanceMs'] as const).filter((k) => params[k] !== undefined);
  if (given.length !== 1) return { ok: false, message: 'clock.set needs ms (epoch ms) or advanceMs' };
  const key = given[0]!;
  const raw = params[key];
  const isInt = (typeof raw === 'number' && Number.isInteger(raw)) || typeof raw === 'bigint';
  if (!isInt) return { ok: false, message: `clock.set ${key}: an integer number of ms` };
  if (key === 'advanceMs' && raw < 0) return { ok: false, message: 'clock.set advanceMs: ≥ 0' };
  // A bigint or a huge number beyond the range is refused below without losing precision first.
  const v = typeof raw === 'bigint' ? (raw > BigInt(DEVICE_CLOCK_MAX_MS) ? Infinity : Number(raw)) : raw;
  const target = key === 'ms' ? v : nowMs + v;
  const range = `${new Date(DEVICE_CLOCK_MIN_MS).toISOString()}..${new Date(DEVICE_CLOCK_MAX_MS).toISOString()}`;
  if (!(target >= DEVICE_CLOCK_MIN_MS && target <= DEVICE_CLOCK_MAX_MS))
    return { ok: false, message: `clock.set: the premises clock stays within ${range}` };
  if (!options.backwards && target < nowMs)
    return { ok: false, message: 'clock.set: a virtual premises does not go back (ms before the clock)' };
  return { ok: true, targetMs: target };
}

/** The span of DEVICE_CLOCK_MIN_MS..DEVICE_CLOCK_MAX_MS in ms: no longer wait can end inside it. */
export const DEVICE_CLOCK_SPAN_MS = DEVICE_CLOCK_MAX_MS - DEVICE_CLOCK_MIN_MS;
