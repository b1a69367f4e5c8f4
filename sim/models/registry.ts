/**
 * Use-case handlers of the device models: for a device type and a Message Code, the function that
 * executes an accepted command and yields the response payload (DESIGN §1 step 7). Model files
 * register their handlers at import (sim/models/index.ts imports them all); a code without a
 * handler falls back to the generic executors (sim/executors/).
 */
import type { DeviceType } from '../../protocol/use-case-catalogue.ts';
import type { DeviceState, ExecutionContext, ExecutionResult } from '../device/device.ts';

export type UseCaseHandler = (ctx: ExecutionContext) => ExecutionResult;

const HANDLERS = new Map<DeviceType, Map<number, UseCaseHandler>>();

/** Registers `handler` for each (device type, Message Code). A later registration replaces an earlier one. */
export function registerHandler(
  deviceTypes: readonly DeviceType[],
  messageCodes: readonly number[],
  handler: UseCaseHandler,
): void {
  for (const t of deviceTypes) {
    let m = HANDLERS.get(t);
    if (!m) {
      m = new Map();
      HANDLERS.set(t, m);
    }
    for (const c of messageCodes) m.set(c, handler);
  }
}

export function handlerFor(deviceType: DeviceType, messageCode: number): UseCaseHandler | undefined {
  return HANDLERS.get(deviceType)?.get(messageCode);
}

/** Message Codes with a registered handler for a device type (for coverage reports). */
export function handledCodes(deviceType: DeviceType): number[] {
  return [...(HANDLERS.get(deviceType)?.keys() ?? [])].sort((a, b) => a - b);
}

/**
 * What is known about a device beyond its type when it is provisioned: the RTDS scenario it plays
 * (name and command Message Code, `conformance`), or a premises configuration. `nowMs` is the
 * device-clock time of provisioning.
 */
export interface ProvisioningHints {
  scenario?: string;
  messageCode?: number;
  nowMs: number;
}

/** Sets up a device model's state (variant, history) from provisioning hints. */
export type ModelProvisioner = (state: DeviceState, hints: ProvisioningHints) => void;

const PROVISIONERS = new Map<DeviceType, ModelProvisioner>();

/** Registers the provisioner of a device type's model (one per type; a later one replaces it). */
export function registerProvisioner(deviceTypes: readonly DeviceType[], p: ModelProvisioner): void {
  for (const t of deviceTypes) PROVISIONERS.set(t, p);
}

/** Provisions `state` with its device type's model, when the model has a provisioner. */
export function provisionModel(deviceType: DeviceType, state: DeviceState, hints: ProvisioningHints): void {
  PROVISIONERS.get(deviceType)?.(state, hints);
}
