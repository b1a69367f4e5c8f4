/**
 * The device model behind the pipeline's `execute` step: the use-case handler registered for the
 * device type and Message Code (sim/models/), else a generic model chosen by payload encoding
 * (generic COSEM store, generic ZSE responder).
 */
import { derInteger } from '../../protocol/asn1/der.ts';
import { payloadEncoding } from '../../protocol/payload.ts';
import type { DeviceType } from '../../protocol/use-case-catalogue.ts';
import type { Executor } from '../device/device.ts';
import { executeDlmsAccessRequest } from './common/dlms-generic.ts';
import { executeGbzCommand } from './common/gbz-generic.ts';
import { handlerFor } from './index.ts';

/** DER of an empty SEQUENCE: the skeleton's answer to ASN.1 use cases (CS/CCS/GCS28…). */
const EMPTY_SEQUENCE = Uint8Array.of(0x30, 0x00);

export function createExecutor(deviceType: DeviceType): Executor {
  return (ctx) => {
    const handler = handlerFor(deviceType, ctx.header.messageCode);
    if (handler) return handler(ctx);
    switch (payloadEncoding(ctx.payload)) {
      case 'dlms':
        return executeDlmsAccessRequest(ctx);
      case 'gbz':
        return executeGbzCommand(ctx);
      default:
        // An injected ASN.1 response code is the whole payload (as RTDS CS02c errors show: 02 01 03).
        return { payload: ctx.fault?.kind === 'asn1-status' ? derInteger(ctx.fault.status) : EMPTY_SEQUENCE };
    }
  };
}
