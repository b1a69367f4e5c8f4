/**
 * One engine, instances as data: a model file lists its use-case handlers as rows (device types,
 * Message Codes, handler) and its deferred executions likewise; sim/models/index.ts builds each
 * device type's `DeviceModel` (sim/device/core.ts) from the rows — no registration by import.
 */
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import type { DeviceType } from '../../protocol/use-case-catalogue.ts';
import type { DeferredExecutor, DeviceModel, Executor, ProvisioningHints } from '../device/core.ts';
import type { DeviceState } from '../device/state.ts';

export type { ProvisioningHints } from '../device/core.ts';

/** A use-case handler: an accepted command → the response payload (DESIGN §1 step 7). */
export type UseCaseHandler = Executor;

/** Sets up a device model's state (variant, history) from provisioning hints. */
export type ModelProvisioner = (state: DeviceState, hints: ProvisioningHints) => void;

export interface HandlerRow {
  deviceTypes: readonly DeviceType[];
  messageCodes: readonly number[];
  handler: UseCaseHandler;
}

export interface DeferredRow {
  deviceTypes: readonly DeviceType[];
  messageCodes: readonly number[];
  run: DeferredExecutor;
}

export const handlerRow = (
  deviceTypes: readonly DeviceType[],
  messageCodes: readonly number[],
  handler: UseCaseHandler,
): HandlerRow => ({ deviceTypes, messageCodes, handler });

export const deferredRow = (
  deviceTypes: readonly DeviceType[],
  messageCodes: readonly number[],
  run: DeferredExecutor,
): DeferredRow => ({ deviceTypes, messageCodes, run });

/**
 * The model of `deviceType` from handler and deferred rows and the generic answer for codes
 * without a handler.
 * @throws GbcsError MISUSE when two handler rows name the same Message Code for the device type.
 */
export interface ModelParts {
  handlers: readonly HandlerRow[];
  deferred?: readonly DeferredRow[];
  generic: Executor;
  provision?: ModelProvisioner;
  invariants?: (state: DeviceState) => string[];
}

export function buildModel(deviceType: DeviceType, parts: ModelParts): DeviceModel {
  const handlers = new Map<number, Executor>();
  for (const r of parts.handlers) {
    if (!r.deviceTypes.includes(deviceType)) continue;
    for (const c of r.messageCodes) {
      // Two rows for one code would make the answer depend on the order of a list: refuse it.
      if (handlers.has(c))
        throw new GbcsError(
          ErrorCode.MISUSE,
          `${deviceType} model: two handlers for Message Code 0x${c.toString(16).padStart(4, '0')}`,
        );
      handlers.set(c, r.handler);
    }
  }
  const deferred = new Map<number, DeferredExecutor>();
  for (const r of parts.deferred ?? [])
    if (r.deviceTypes.includes(deviceType)) for (const c of r.messageCodes) deferred.set(c, r.run);
  return {
    deviceType,
    handlers,
    deferred,
    generic: parts.generic,
    ...(parts.provision ? { provision: parts.provision } : {}),
    ...(parts.invariants ? { invariants: parts.invariants } : {}),
  };
}
