/**
 * The DUIS Request ID `originator:target:counter` (DUIS XSD `RequestIDType`): the Business Originator
 * ID (the User ID that sends), the Business Target ID (the Device, or the DCC for a non-device
 * request) — both EUI-64 written as eight dash-separated hex octets, the only place gbcs-sim writes
 * an EUI that way (DESIGN §3) — and the Originator Counter, a decimal uint64 without leading zeros.
 * A Response ID is the same three fields with originator and target swapped.
 *
 * Anti-replay: a DUIS service accepts a request only when its counter is strictly greater than every
 * counter it accepted before from the same originator. `OriginatorCounterStore` is that memory; the
 * in-memory one here is for tests and single runs, a durable one comes with the DUIS outbox.
 */
import type { Eui64 } from '../../protocol/types.ts';

export interface RequestId {
  /** Business Originator ID, 16 lowercase hex digits. */
  originator: Eui64;
  /** Business Target ID, 16 lowercase hex digits. */
  target: Eui64;
  /** Originator Counter, 0 … 2^64−1. */
  counter: bigint;
}

const OCTETS = '[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7}';
const ID_RE = new RegExp(`^(${OCTETS}):(${OCTETS}):(0|[1-9][0-9]{0,19})$`);
const U64_MAX = (1n << 64n) - 1n;

/** `00-DB-12-34-56-78-90-A0` → `00db1234567890a0`; null when not eight dash-separated hex octets. */
export function euiOfDuis(text: string): Eui64 | null {
  return new RegExp(`^${OCTETS}$`).test(text) ? text.replaceAll('-', '').toLowerCase() : null;
}

/** `00db1234567890a0` → `00-DB-12-34-56-78-90-A0` (upper case, as DCC Boxed writes it). */
export function duisOfEui(eui: Eui64): string {
  return eui.toUpperCase().match(/../g)!.join('-');
}

/** Parses a Request ID (or Response ID); null when it does not match `RequestIDType`. */
export function parseRequestId(text: string): RequestId | null {
  const m = ID_RE.exec(text.trim());
  if (!m) return null;
  const counter = BigInt(m[3]!);
  if (counter > U64_MAX) return null;
  return { originator: euiOfDuis(m[1]!)!, target: euiOfDuis(m[2]!)!, counter };
}

/** Writes a Request ID as DCC Boxed does (upper-case octets, decimal counter). */
export function formatRequestId(id: RequestId): string {
  return `${duisOfEui(id.originator)}:${duisOfEui(id.target)}:${id.counter}`;
}

/** The Response ID of a request: target and originator swapped, same counter. */
export function responseIdOf(id: RequestId): string {
  return formatRequestId({ originator: id.target, target: id.originator, counter: id.counter });
}

/**
 * The highest Originator Counter accepted per Business Originator. `isFresh` only reads; `accept`
 * raises the floor (call it once the request has passed every check, so a refused request changes
 * nothing — DESIGN §1).
 */
export interface OriginatorCounterStore {
  /** Whether `counter` is strictly greater than every counter accepted from `originator`. */
  isFresh(originator: Eui64, counter: bigint): boolean;
  /** Records `counter` as accepted. @returns false (and records nothing) when it is not fresh. */
  accept(originator: Eui64, counter: bigint): boolean;
  /** The highest counter accepted from `originator`, or undefined. */
  last(originator: Eui64): bigint | undefined;
}

export class MemoryCounterStore implements OriginatorCounterStore {
  readonly #last = new Map<Eui64, bigint>();
  isFresh(originator: Eui64, counter: bigint): boolean {
    const last = this.#last.get(originator);
    return last === undefined || counter > last;
  }
  accept(originator: Eui64, counter: bigint): boolean {
    if (!this.isFresh(originator, counter)) return false;
    this.#last.set(originator, counter);
    return true;
  }
  last(originator: Eui64): bigint | undefined {
    return this.#last.get(originator);
  }
}
