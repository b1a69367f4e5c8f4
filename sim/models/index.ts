/**
 * The device models, one per device type, as an explicit map (DESIGN §5: an interface and a map,
 * not registration by side-effect imports). Each model is built from the handler rows of the files
 * that serve its device type (sim/models/model-table.ts); a Message Code without a row is answered
 * by the generic model (sim/models/common/generic.ts) — `handledCodes` lists what is not.
 *
 * To add a use case: write its handler in the folder of its device type (or security/ for the CS
 * use cases several device types share), export it in the file's `HANDLERS` rows, and list the
 * file's rows below if the file is new.
 */
import type { DeviceType } from '../../protocol/use-case-catalogue.ts';
import type { DeviceModel, Executor } from '../device/core.ts';
import type { DeviceState } from '../device/state.ts';
import { HANDLERS as CHF_DEVICE_LOG } from './chf/device-log.ts';
import { HANDLERS as CHF_IDENTITY } from './chf/identity.ts';
import { HANDLERS as CHF_LOGS } from './chf/logs.ts';
import { HANDLERS as CHF_SUB_GHZ } from './chf/sub-ghz.ts';
import { genericExecutor } from './common/generic.ts';
import { HANDLERS as UTRN_TOP_UP } from './common/utrn-topup.ts';
import { HANDLERS as ESME, DEFERRED as ESME_DEFERRED, provision as provisionEsme } from './esme/esme.ts';
import { HANDLERS as GPF } from './gpf/gpf.ts';
import { HANDLERS as GSME_CLOCK } from './gsme/clock.ts';
import { HANDLERS as GSME, DEFERRED as GSME_DEFERRED, provision as provisionGsme } from './gsme/gsme.ts';
import type { HandlerRow, ModelParts, ProvisioningHints } from './model-table.ts';
import { buildModel } from './model-table.ts';
import { HANDLERS as FIRMWARE } from './security/firmware.ts';
import { HANDLERS as JOINS } from './security/joins.ts';
import { HANDLERS as KEY_LIFECYCLE } from './security/key-lifecycle.ts';
import { HANDLERS as TRUST_ANCHOR_CELLS } from './security/trust-anchor-cells.ts';

export type { HandlerRow, ModelProvisioner, ProvisioningHints, UseCaseHandler } from './model-table.ts';

/** Every handler row of every model file (one row per device type and Message Code at most). */
export const HANDLER_ROWS: readonly HandlerRow[] = [
  ...KEY_LIFECYCLE,
  ...ESME,
  ...TRUST_ANCHOR_CELLS,
  ...JOINS,
  ...FIRMWARE,
  ...GSME_CLOCK,
  ...UTRN_TOP_UP,
  ...CHF_DEVICE_LOG,
  ...CHF_SUB_GHZ,
  ...CHF_IDENTITY,
  ...CHF_LOGS,
  ...GSME,
  ...GPF,
];

const model = (deviceType: DeviceType, extra: Pick<ModelParts, 'deferred' | 'provision'> = {}) =>
  buildModel(deviceType, { handlers: HANDLER_ROWS, generic: genericExecutor, ...extra });

/** The model of each device type. */
export const MODELS: Readonly<Record<DeviceType, DeviceModel>> = {
  ESME: model('ESME', { deferred: ESME_DEFERRED, provision: provisionEsme }),
  GSME: model('GSME', { deferred: GSME_DEFERRED, provision: provisionGsme }),
  CHF: model('CHF'),
  GPF: model('GPF'),
  PPMID: model('PPMID'),
  HCALCS: model('HCALCS'),
};

/** The model of a device type. */
export const modelFor = (deviceType: DeviceType): DeviceModel => MODELS[deviceType];

/** A model of `deviceType` that runs `executor` for every command (tests, benchmarks). */
export const executorModel = (deviceType: DeviceType, executor: Executor): DeviceModel => ({
  ...MODELS[deviceType],
  handlers: new Map(),
  generic: executor,
});

/** The handler of a (device type, Message Code), if the model has one. */
export const handlerFor = (deviceType: DeviceType, messageCode: number): Executor | undefined =>
  MODELS[deviceType].handlers.get(messageCode);

/** Message Codes with a handler for a device type (the rest are answered generically). */
export const handledCodes = (deviceType: DeviceType): number[] =>
  [...MODELS[deviceType].handlers.keys()].sort((a, b) => a - b);

/** Provisions `state` with its device type's model, when the model has a provisioner. */
export function provisionModel(deviceType: DeviceType, state: DeviceState, hints: ProvisioningHints): void {
  MODELS[deviceType].provision?.(state, hints);
}
