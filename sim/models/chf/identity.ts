/**
 * The CHF's identification objects (class 1 Data, attribute 2, octet-strings): 0-0:96.1.1.255
 * Device Identifier (the CHF's EUI-64), 0-0:96.1.4.255 Communications Hub identity and
 * 0-0:96.1.6.255 Communications Hub type (ASCII; `model.chf.identity`), and 0-0:0.2.1.255 the
 * running firmware version (`model.firmware`, security-and-join-firmware.ts). Read by ECS26i
 * (0x0092), ECS26n (0x00FA) — RTDS 4.5.0 6.2.4 — and ECS52 (0x0059) on the CHF.
 */

import { equalBytes, fromHex } from '../../../protocol/bytes.ts';
import { DataAccessResult } from '../../../protocol/dlms/apdu.ts';
import type { ExecutionContext, ExecutionResult } from '../../device/core.ts';
import type { HandlerRow } from '../model-table.ts';
import { handlerRow } from '../model-table.ts';
import { firmwareOf } from '../security/firmware.ts';
import { octets, respondDlms } from './dlms.ts';
import { chfModelOf } from './state.ts';

export const MessageCode = { ECS26i: 0x0092, ECS26n: 0x00fa, ECS52: 0x0059 } as const;

const DEVICE_IDENTIFIER = Uint8Array.of(0, 0, 96, 1, 1, 0xff);
const CH_IDENTITY = Uint8Array.of(0, 0, 96, 1, 4, 0xff);
const CH_TYPE = Uint8Array.of(0, 0, 96, 1, 6, 0xff);
const FIRMWARE_VERSION = Uint8Array.of(0, 0, 0, 2, 1, 0xff);

export function chfIdentity(ctx: ExecutionContext): ExecutionResult {
  const dev = ctx.device;
  const chf = chfModelOf(dev);
  return respondDlms(ctx, (spec) => {
    if (spec.type !== 'get' || spec.attribute.classId !== 1 || spec.attribute.attributeId !== 2)
      return { result: DataAccessResult.OBJECT_UNDEFINED };
    const id = spec.attribute.instanceId;
    if (equalBytes(id, DEVICE_IDENTIFIER)) return { result: 0, data: octets(fromHex(dev.eui)) };
    if (equalBytes(id, CH_IDENTITY)) return { result: 0, data: octets(fromHex(chf.identity.chIdentity)) };
    if (equalBytes(id, CH_TYPE)) return { result: 0, data: octets(fromHex(chf.identity.chType)) };
    if (equalBytes(id, FIRMWARE_VERSION))
      return { result: 0, data: octets(fromHex(firmwareOf(dev).version)) };
    return { result: DataAccessResult.OBJECT_UNDEFINED };
  });
}

/** This file's use-case handlers: (device types, Message Codes, handler); sim/models/index.ts puts them in `MODELS`. */
export const HANDLERS: readonly HandlerRow[] = [handlerRow(['CHF'], Object.values(MessageCode), chfIdentity)];
