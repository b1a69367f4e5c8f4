/**
 * The CBOR control channel (DESIGN §1 hw/, §3): harness ↔ device management, beside the GBCS
 * traffic on the same line (its own frame kind in either framing). A lab-only interface: it is not
 * authenticated, so `serve` answers it only when started with `--control`. One CBOR map per frame
 * (RFC 8949; cbor-x, plain maps, byte strings untagged):
 *
 * ```
 * request   {v: 1, id: uint, op: text, …parameters}
 * response  {v: 1, id: uint, ok: true,  result: any}
 *           {v: 1, id: uint, ok: false, error: {code: text, message: text}}
 * ```
 * Operations (answered by app/serve.ts):
 * - `ping` → `{pong: true}`
 * - `status` → devices (EUI, type, anti-replay floors), GSME queue, clock, link and fault state
 * - `reset {mode: "reboot"|"factory"}` — reboot keeps durable device state (anti-replay floors,
 *   credentials, models) and drops volatile state (queues, partial GBT messages, faults); factory
 *   also returns each device's application state to manufacture but keeps its security state
 *   (floors, alert counter, trust-anchor cells, credentials, UTRN floor: sim/device/factory-reset.ts)
 * - `clock.set {ms}` or `{advanceMs}` — the premises clock, integer ms since the Unix epoch, within
 *   2000-01-01..2136-02-07 (sim/clock.ts DEVICE_CLOCK_MIN_MS..MAX_MS)
 * - `fault {fault, …}` — link faults the harness itself plays (`drop-responses {count}`,
 *   `corrupt-responses {count}`: the next `count` fresh responses, default 1 — a one-shot default,
 *   so a forgotten count cannot spoil every later command — and `delay-responses {ms}`); any
 *   other fault, with `device`, becomes the rule `{kind: fault, …parameters}` for that device's
 *   `injectFault(rule)` (sim/device/faults.ts: `dlms-results`, `drop`, `delay`, `corrupt-mac`,
 *   `response-payload`, …) when the device has one, else `UNSUPPORTED`. `fault.clear {device?}` clears both.
 * - `firmware {device, offset, total, data, sha256?}` — an image pushed in chunks
 * - `gsme.wake` — wake the sleepy GSME now
 *
 * Integers: CBOR integers of any width are accepted (cbor-x decodes a uint64 or negative int64
 * as a bigint): a top-level value that is a safe integer (|n| ≤ 2^53−1) becomes a Number; a larger
 * one stays a bigint, so the operation refuses it BAD_REQUEST (answered). The `id` is an integer
 * 0..2^53−1 in any CBOR width (uint32, uint64 or float64 form); a request with a larger id has no
 * id we can echo and is dropped like one without.
 *
 * Error codes: `BAD_REQUEST`, `UNKNOWN_OP`, `UNSUPPORTED`, `NO_DEVICE`, `FAILED`.
 *
 * A malformed request (another version, `op` missing or not text, not a map) is answered
 * BAD_REQUEST when its `id` can be read (`malformedRequestId`); without one it cannot be answered
 * and is dropped (reported as a `frame-error` event by serve).
 */
import { Decoder, Encoder } from 'cbor-x';
import { DecodeError, GbcsError } from '../protocol/errors.ts';
import { TransportError } from './errors.ts';
import type { Frame } from './framing/index.ts';
import type { Transport, Unsubscribe } from './transport.ts';
import { Waitress } from './waitress.ts';

export const CONTROL_VERSION = 1;

export const CONTROL_OPS = [
  'ping',
  'status',
  'reset',
  'clock.set',
  'fault',
  'fault.clear',
  'firmware',
  'gsme.wake',
] as const;
export type ControlOp = (typeof CONTROL_OPS)[number];

export const ControlErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  UNKNOWN_OP: 'UNKNOWN_OP',
  UNSUPPORTED: 'UNSUPPORTED',
  NO_DEVICE: 'NO_DEVICE',
  FAILED: 'FAILED',
} as const;

export interface ControlRequest {
  v: number;
  id: number;
  op: string;
  [param: string]: unknown;
}

export type ControlResponse =
  | { v: number; id: number; ok: true; result: unknown }
  | { v: number; id: number; ok: false; error: { code: string; message: string } };

export type ControlMessage = ControlRequest | ControlResponse;

const encoder = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

/**
 * The decoded CBOR map with its top-level bigint values (uint64 / negative int64) that are safe
 * integers turned into Numbers; larger ones are left as bigints for the operation to refuse.
 */
function withSafeIntegers(o: Record<string, unknown>): Record<string, unknown> {
  for (const [k, x] of Object.entries(o))
    if (typeof x === 'bigint' && x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER))
      o[k] = Number(x);
  return o;
}

/** An id 0..2^53−1 (after withSafeIntegers). */
function isControlId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
}

/** CBOR bytes of a control message. */
export function encodeControl(m: ControlMessage): Uint8Array {
  return encoder.encode(m);
}

/**
 * A control message from CBOR bytes.
 * @throws DecodeError BAD_VALUE (not CBOR, trailing bytes, not a map, missing or mistyped fields)
 */
export function decodeControl(bytes: Uint8Array): ControlMessage {
  let v: unknown;
  try {
    v = decoder.decode(bytes);
  } catch (e) {
    throw new DecodeError('BAD_VALUE', 0, `control: not one CBOR item: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array)
    throw new DecodeError('BAD_VALUE', 0, 'control: not a CBOR map');
  const o = withSafeIntegers(v as Record<string, unknown>);
  if (o.v !== CONTROL_VERSION)
    throw new DecodeError('BAD_VALUE', 0, `control: version ${String(o.v)}, expected 1`);
  if (!isControlId(o.id))
    throw new DecodeError('BAD_VALUE', 0, 'control: id must be an unsigned integer ≤ 2^53−1');
  if (typeof o.op === 'string') return o as ControlRequest;
  if (o.ok === true && 'result' in o) return o as ControlResponse;
  if (o.ok === false) {
    const e = o.error as { code?: unknown; message?: unknown } | undefined;
    if (e && typeof e.code === 'string' && typeof e.message === 'string') return o as ControlResponse;
  }
  throw new DecodeError('BAD_VALUE', 0, 'control: neither a request (op) nor a response (ok)');
}

/**
 * The id of a control frame that `decodeControl` refused, when one can still be read — a CBOR map
 * with an unsigned integer `id` and no `ok` (so not a response: answering a malformed answer could
 * start an endless exchange) — so its sender can be answered BAD_REQUEST. Null otherwise: a request
 * without a readable id cannot be answered and is dropped.
 */
export function malformedRequestId(bytes: Uint8Array): number | null {
  let v: unknown;
  try {
    v = decoder.decode(bytes);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) return null;
  const o = withSafeIntegers(v as Record<string, unknown>);
  if ('ok' in o) return null;
  return isControlId(o.id) ? o.id : null;
}

export function isControlRequest(m: ControlMessage): m is ControlRequest {
  return 'op' in m;
}

/** A control request the other side refused: `code` is its stable error code. */
export class ControlError extends GbcsError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'ControlError';
  }
}

/** The harness side of the control channel over a transport. */
export class ControlClient {
  private readonly transport: Transport;
  private readonly waitress = new Waitress<ControlResponse>();
  private nextId = 1;
  private readonly off: Unsubscribe;
  private readonly onSend: ((frame: Frame) => void) | undefined;
  readonly timeoutMs: number;

  /** `timeoutMs` per request (default 5000); `onSend` sees every frame sent (tracing). */
  constructor(transport: Transport, options: { timeoutMs?: number; onSend?: (frame: Frame) => void } = {}) {
    this.transport = transport;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.onSend = options.onSend;
    this.off = transport.onFrame((f) => {
      if (f.channel !== 'control') return;
      let m: ControlMessage;
      try {
        m = decodeControl(f.payload);
      } catch {
        return; // noise on the control channel is dropped like noise on the line
      }
      if (!isControlRequest(m)) this.waitress.resolve(String(m.id), m);
    });
  }

  /**
   * Sends `op` with `params`; resolves with `result`.
   * @throws ControlError (the device's code), TransportError (TIMEOUT, link errors)
   */
  async request(
    op: string,
    params: Record<string, unknown> = {},
    timeoutMs = this.timeoutMs,
  ): Promise<unknown> {
    const id = this.nextId++;
    const answer = this.waitress.wait(String(id), timeoutMs);
    answer.catch(() => {}); // may fail while the request is still being written
    try {
      const frame: Frame = {
        channel: 'control',
        payload: encodeControl({ ...params, v: CONTROL_VERSION, id, op }),
      };
      await this.transport.send(frame);
      this.onSend?.(frame);
    } catch (e) {
      this.waitress.reject(String(id), e as Error);
      await answer.catch(() => {});
      throw e;
    }
    const r = await answer;
    if (!r.ok) throw new ControlError(r.error.code, r.error.message);
    return r.result;
  }

  /**
   * Pushes a firmware image to `device` in chunks of `chunkSize` bytes (each one control frame, so
   * it must fit the framing's payload with room for the map: default 1024).
   */
  async pushFirmware(device: string, image: Uint8Array, chunkSize = 1024): Promise<unknown> {
    if (image.length === 0) throw new TransportError('FRAME_TOO_LARGE', 'empty firmware image');
    let last: unknown;
    for (let offset = 0; offset < image.length; offset += chunkSize) {
      last = await this.request('firmware', {
        device,
        offset,
        total: image.length,
        data: image.subarray(offset, Math.min(image.length, offset + chunkSize)),
      });
    }
    return last;
  }

  /** Stops listening; pending requests fail. */
  dispose(): void {
    this.off();
    this.waitress.rejectAll(new TransportError('CANCELED', 'control client disposed', { canceled: true }));
  }
}
