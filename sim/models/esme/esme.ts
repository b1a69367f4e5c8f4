/**
 * The ESME device model (GBCS ESME use cases: the ECS* Message Codes, DLMS xDLMS ACCESS service):
 * each access-request-specification of a command is executed against the ESME's COSEM object
 * model (esme-objects.ts) — get / get-with-selection read an attribute's value from the device
 * state, set checks the value's type (type-unmatched otherwise) and stores it, action runs a method
 * — and answered in one access-response. A request with the break-on-error processing option
 * stops at the first failure (PROCESSING_OPTION_BREAK_ON_ERROR). Sensitive reads (IC 30 Data Protection
 * get_protected_attributes: ECS17b/d/e, ECS19, ECS20b/c, ECS21a/b, ECS22b, ECS66) answer with the
 * protected-attributes structure whose octet-string is the A-XDR Data encrypted for the response's
 * recipient (protocol/dlms/protected-attributes.ts).
 *
 * Before each command the model catches up with virtual time (`advanceEsme`), so registers,
 * profiles and credit move between commands as consumption accrues. Injected payload faults
 * (dlms-results, sentinel) are honoured like the generic executors do. CS01a (UTRN top-up) is the
 * UTRN model's (utrn-topup.ts); it credits this model's meter balance.
 */

import { fromHex, toHex } from '../../../protocol/bytes.ts';
import {
  type AccessResponseSpecification,
  ActionResult,
  DataAccessResult,
  decodeDlmsApdu,
  encodeAccessResponse,
} from '../../../protocol/dlms/apdu.ts';
import { type DlmsData, encodeData } from '../../../protocol/dlms/axdr.ts';
import { DecodeError } from '../../../protocol/errors.ts';
import { useCaseOf } from '../../../protocol/use-case-catalogue.ts';
import type { ExecutionContext, ExecutionResult } from '../../device/core.ts';
import type { DeviceState } from '../../device/state.ts';
import { sentinelOf } from '../common/dlms-generic.ts';
import type { DeferredRow, HandlerRow, ModelProvisioner } from '../model-table.ts';
import { deferredRow, handlerRow } from '../model-table.ts';
import { activationTime, attrKey, isActivation } from './config.ts';
import { activateNow, advanceEsme, createEsmeModel } from './consumption.ts';
import { arr, en, obisHex, os, st } from './dlms.ts';
import { type EntrySelection, restrictionOf, selectionOf } from './history.ts';
import { type EsmeContext, esmeObject, typeMatches } from './objects.ts';
import { ESME_STATE_KEY, type EsmeModel, type EsmeVariant, esmeModelIn } from './state.ts';

/** The ESME model of a device state, provisioned (default variant) on first use at device-clock time `nowMs`. */
export function ensureEsmeModel(state: DeviceState, nowMs: number, variant?: EsmeVariant): EsmeModel {
  const existing = esmeModelIn(state);
  if (existing) return existing;
  const m = createEsmeModel(state.eui, nowMs, variant ?? { elements: 1, phases: 1 });
  state.model[ESME_STATE_KEY] = m;
  return m;
}

// ---------------------------------------------------------------------------------------------
// IC 30 Data Protection: get_protected_attributes

/** The objects each Data Protection object (0-0:43.2.n) protects: `class/obis/attribute`. */
const PROTECTED_OBJECTS: Record<string, string[]> = {
  '0-0:43.2.1': ['1/0-0:94.44.34.30/2'],
  '0-0:43.2.2': ['7/0-0:98.1.0/2', '7/0-0:98.1.1/2'],
  '0-0:43.2.3': ['7/0-0:98.1.2/2'],
  '0-0:43.2.4': ['7/0-0:99.1.3/2'],
  '0-0:43.2.5': ['7/0-0:98.1.9/2'],
  '0-0:43.2.6': ['7/0-0:98.1.8/2'],
  '0-0:43.2.7': ['7/0-0:99.1.0/2'],
  '0-0:43.2.8': ['1/0-0:94.44.34.10/2'],
  '0-0:43.2.9': ['1/0-0:94.44.34.1/2'],
  '0-0:43.2.10': ['1/0-0:94.44.34.2/2'],
};
const PROTECTED_BY_HEX = new Map(
  Object.entries(PROTECTED_OBJECTS).map(([k, v]) => [
    obisHex(k),
    new Set(
      v.map((x) => {
        const [c, o, a] = x.split('/');
        return `${c}/${obisHex(o!)}/${a}`;
      }),
    ),
  ]),
);

const ENCRYPTING = new Set([1, 2]);

/**
 * get_protected_attributes (IC 30 method 1): parameters structure { object_list array of
 * structure { class-id, logical name, attribute, data index, restriction }, required_protection
 * array of protection-parameters-element }. Answers structure { array { the protection parameters
 * of the response: same type, transaction-id and key-info, system titles swapped }, octet-string
 * `31 ‖ IC ‖ ciphertext ‖ tag` of the structure of the attribute values }.
 */
function getProtectedAttributes(
  ctx: ExecutionContext,
  c: EsmeContext,
  protector: string,
  p: DlmsData,
): { result: number; data: DlmsData } {
  const fail = (result: number) => ({ result, data: { type: 'null-data' } as DlmsData });
  const allowed = PROTECTED_BY_HEX.get(protector);
  if (!allowed) return fail(ActionResult.OBJECT_UNDEFINED);
  if (p.type !== 'structure' || p.value.length !== 2) return fail(ActionResult.TYPE_UNMATCHED);
  const [list, required] = p.value;
  if (list?.type !== 'array' || required?.type !== 'array' || required.value.length === 0)
    return fail(ActionResult.TYPE_UNMATCHED);
  const params = required.value[0]!;
  if (params.type !== 'structure' || params.value.length !== 2) return fail(ActionResult.TYPE_UNMATCHED);
  const [ptype, options] = params.value;
  if (ptype?.type !== 'enum' || options?.type !== 'structure' || options.value.length !== 5)
    return fail(ActionResult.TYPE_UNMATCHED);
  if (!ENCRYPTING.has(ptype.value)) return fail(ActionResult.OTHER_REASON);
  const [transactionId, , , , keyInfo] = options.value;
  const values: DlmsData[] = [];
  for (const def of list.value) {
    if (def.type !== 'structure' || def.value.length < 4) return fail(ActionResult.TYPE_UNMATCHED);
    const [cls, ln, attr, , restriction] = def.value;
    if (
      cls?.type !== 'long-unsigned' ||
      ln?.type !== 'octet-string' ||
      ln.value.length !== 6 ||
      attr?.type !== 'integer'
    )
      return fail(ActionResult.TYPE_UNMATCHED);
    const key = `${cls.value}/${toHex(ln.value)}/${attr.value}`;
    if (!allowed.has(key)) return fail(ActionResult.SCOPE_OF_ACCESS_VIOLATED);
    const o = esmeObject(c.model, cls.value, toHex(ln.value));
    const impl = o?.attributes.get(attr.value);
    if (!impl?.get) return fail(ActionResult.OBJECT_UNAVAILABLE);
    const sel: EntrySelection | null = impl.selective ? restrictionOf(restriction) : null;
    if (impl.selective && sel === null) return fail(ActionResult.OTHER_REASON);
    const v = impl.get(c, sel);
    if (typeof v === 'number') return fail(ActionResult.OTHER_REASON);
    values.push(v);
  }
  let plaintext = st(...values);
  if (ctx.fault?.kind === 'sentinel') plaintext = sentinelOf(plaintext);
  const response = st(
    arr([
      st(
        en(ptype.value),
        st(
          transactionId ?? os(new Uint8Array(0)),
          os(fromHex(c.eui)),
          os(fromHex(ctx.header.originatorId)),
          os(new Uint8Array(0)),
          keyInfo ?? st(),
        ),
      ),
    ]),
    os(ctx.encryptForRecipient(encodeData(plaintext))),
  );
  return { result: ActionResult.SUCCESS, data: response };
}

// ---------------------------------------------------------------------------------------------
// The access-request executor

const NULL: DlmsData = { type: 'null-data' };

/**
 * Long-Invoke-Id-And-Priority bit 29, processing-option (DLMS Green Book, ACCESS service): 1 =
 * break on error — once a request fails, the ones after it are not executed and answer
 * other-reason (250). Every RTDS 4.5.0 ESME command sets it (top byte 0x20), and every RTDS
 * access-response with a failure answers all later requests 250 (e.g. ECS61e 7.15:
 * 0,0,0,0,1,250,250,250,250,250).
 */
export const PROCESSING_OPTION_BREAK_ON_ERROR = 0x2000_0000;

/**
 * Executes an ESME access-request (GBCS ESME use cases) and returns the access-response payload.
 * Never throws on a payload the pipeline accepted: requests it cannot act on get result codes.
 */
export function executeEsmeCommand(ctx: ExecutionContext): ExecutionResult {
  let req: ReturnType<typeof decodeDlmsApdu>;
  try {
    req = decodeDlmsApdu(ctx.payload);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    req = { type: 'data-notification', longInvokeIdAndPriority: 0, dateTime: null, notificationBody: NULL };
  }
  if (req.type !== 'access-request') {
    return {
      payload: encodeAccessResponse(req.longInvokeIdAndPriority, [], []),
    };
  }
  const model = ensureEsmeModel(ctx.device.state, ctx.now);
  advanceEsme(model, ctx.now);
  const c: EsmeContext = { model, now: ctx.now + model.clock.offsetMs, hanNow: ctx.now, eui: ctx.device.eui };
  const fault = ctx.fault;
  const data: DlmsData[] = [];
  const results: AccessResponseSpecification[] = [];
  const breakOnError = (req.longInvokeIdAndPriority & PROCESSING_OPTION_BREAK_ON_ERROR) !== 0;
  let broken = false;
  req.specifications.forEach((spec, i) => {
    const kind = spec.type === 'action' ? 'action' : spec.type.startsWith('set') ? 'set' : 'get';
    // Break on error: after the first failure the rest are not executed (other-reason).
    const injected = broken
      ? DataAccessResult.OTHER_REASON
      : fault?.kind === 'dlms-results'
        ? (fault.results[i] ?? 0)
        : 0;
    if (injected !== 0) {
      data.push(NULL);
      results.push({ type: kind, result: injected });
      broken ||= breakOnError;
      return;
    }
    const out = executeOne(ctx, c, spec, req.data[i] ?? NULL);
    data.push(out.result === 0 && out.data ? out.data : NULL);
    results.push({ type: kind, result: out.result });
    broken ||= breakOnError && out.result !== 0;
  });
  return {
    payload: encodeAccessResponse(req.longInvokeIdAndPriority, data, results),
  };
}

type Spec = Extract<ReturnType<typeof decodeDlmsApdu>, { type: 'access-request' }>['specifications'][number];

function executeOne(
  ctx: ExecutionContext,
  c: EsmeContext,
  spec: Spec,
  value: DlmsData,
): { result: number; data?: DlmsData } {
  if (spec.type === 'action') {
    const m = spec.method;
    const obis = toHex(m.instanceId);
    if (m.classId === 30 && m.methodId === 1) return getProtectedAttributes(ctx, c, obis, value);
    const o = esmeObject(c.model, m.classId, obis);
    const impl = o?.methods.get(m.methodId);
    if (!impl) return { result: ActionResult.OBJECT_UNDEFINED };
    if (!typeMatchesMethod(impl.param, value)) return { result: ActionResult.TYPE_UNMATCHED };
    return { result: impl.run(c, value) };
  }
  const a = spec.attribute;
  const o = esmeObject(c.model, a.classId, toHex(a.instanceId));
  const impl = o?.attributes.get(a.attributeId);
  if (!impl) return { result: DataAccessResult.OBJECT_UNDEFINED };
  if (spec.type === 'set' || spec.type === 'set-with-selection') {
    if (!impl.set) return { result: DataAccessResult.READ_WRITE_DENIED };
    if (spec.type === 'set-with-selection') return { result: DataAccessResult.OTHER_REASON };
    if (!typeMatches(impl, value)) return { result: DataAccessResult.TYPE_UNMATCHED };
    return { result: impl.set(c, value) };
  }
  if (!impl.get || impl.protectedOnly) return { result: DataAccessResult.READ_WRITE_DENIED };
  let sel: EntrySelection | null = null;
  if (spec.type === 'get-with-selection') {
    if (!impl.selective) return { result: DataAccessResult.OTHER_REASON };
    sel = selectionOf(spec.accessSelection.accessSelector, spec.accessSelection.accessParameters);
    if (!sel) return { result: DataAccessResult.OTHER_REASON };
  }
  const v = impl.get(c, sel);
  if (typeof v === 'number') return { result: v };
  return { result: DataAccessResult.SUCCESS, data: ctx.fault?.kind === 'sentinel' ? sentinelOf(v) : v };
}

function typeMatchesMethod(param: Parameters<typeof typeMatches>[0]['type'], v: DlmsData): boolean {
  return param ? typeMatches({ type: param }, v) : true;
}

// ---------------------------------------------------------------------------------------------
// Registration

/** ESME Message Codes (DLMS) this model executes: every ESME command use case but CS01a. */
export const ESME_MESSAGE_CODES: readonly number[] = (() => {
  const codes: number[] = [];
  for (let mc = 0; mc <= 0xffff; mc++) {
    const uc = useCaseOf(mc);
    if (uc?.encoding !== 'dlms' || !uc.devices.includes('ESME')) continue;
    if (uc.kind === 'alert' || uc.kind === 'alert-critical' || mc === 0x0007) continue;
    codes.push(mc);
  }
  return codes;
})();

/** Use cases only a polyphase ESME supports, and those of the secondary element (twin ESME). */
const POLYPHASE_USE_CASES = new Set(['ECS23b', 'ECS26k', 'ECS29b', 'ECS29d', 'ECS29f']);
const SECONDARY_ELEMENT_USE_CASES = new Set(['ECS01c', 'ECS01d', 'ECS24b']);

/**
 * Provisioning: an ESME like the one a scenario describes — twin element when its name says
 * TWIN or its use case concerns the secondary element, polyphase for the 3-phase use cases.
 */
/** Provisions a ESME model's state (`DeviceModel.provision`). */
export const provision: ModelProvisioner = (state, hints) => {
  const uc = hints.messageCode === undefined ? '' : (useCaseOf(hints.messageCode)?.useCase ?? '');
  const tokens = (hints.scenario ?? '').split('_');
  const twin = tokens.includes('TWIN') || SECONDARY_ELEMENT_USE_CASES.has(uc);
  const variant: EsmeVariant = {
    elements: twin && !tokens.includes('SINGLE') ? 2 : 1,
    phases: POLYPHASE_USE_CASES.has(uc) ? 3 : 1,
  };
  delete state.model[ESME_STATE_KEY];
  ensureEsmeModel(state, hints.nowMs, variant);
};

/** This file's use-case handlers: (device types, Message Codes, handler); sim/models/index.ts puts them in `MODELS`. */
export const HANDLERS: readonly HandlerRow[] = [handlerRow(['ESME'], ESME_MESSAGE_CODES, executeEsmeCommand)];

/**
 * Deferred executions of future-dated commands: (device types, Message Codes, executor).
 *
 * A due future-dated activation (sim/device/scheduler.ts): the passive values move to active (unless the
 * model already did so catching up with time). Consumption is accrued lazily, at the next command
 * or `advanceEsme` call, so a scheduler jumping years ahead stays cheap.
 */
export const DEFERRED: readonly DeferredRow[] = [
  deferredRow(['ESME'], ESME_MESSAGE_CODES, (dev, task) => {
    const model = ensureEsmeModel(dev.state, task.dueMs);
    const t = task.target;
    if (t.kind !== 'cosem') return { actioned: false };
    const key = attrKey(t.classId, t.instanceId, t.attributeId);
    if (!isActivation(key)) return { actioned: false };
    if (activationTime(model, key) !== null) activateNow(model, task.dueMs + model.clock.offsetMs, key);
    return { actioned: true };
  }),
];
