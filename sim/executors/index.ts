/**
 * The device model behind the pipeline's `execute` step, chosen by payload encoding. These are the
 * walking-skeleton models (generic COSEM store, generic ZSE responder); use-case models arrive with
 * the device-model issue.
 */
import { payloadEncoding } from '../../protocol/payload.ts';
import type { DeviceType } from '../../protocol/use-case-catalogue.ts';
import type { Executor } from '../device.ts';
import { executeDlmsAccessRequest } from './dlms-generic.ts';
import { executeGbzCommand } from './gbz-generic.ts';

/** DER of an empty SEQUENCE: the skeleton's answer to ASN.1 use cases (CS/CCS/GCS28…). */
const EMPTY_SEQUENCE = Uint8Array.of(0x30, 0x00);

export function createExecutor(_deviceType: DeviceType): Executor {
  return (ctx) => {
    switch (payloadEncoding(ctx.payload)) {
      case 'dlms':
        return executeDlmsAccessRequest(ctx);
      case 'gbz':
        return executeGbzCommand(ctx);
      default:
        return { payload: EMPTY_SEQUENCE };
    }
  };
}
