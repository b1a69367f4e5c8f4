/**
 * The generic answer of a device model to a Message Code it has no handler for, chosen by payload
 * encoding: the generic COSEM store (DLMS), the generic ZSE responder (GBZ), or — for ASN.1 use
 * cases — an empty SEQUENCE (an injected ASN.1 response code replaces it).
 */
import { derInteger } from '../../../protocol/asn1/der.ts';
import { payloadEncoding } from '../../../protocol/payload.ts';
import type { Executor } from '../../device/core.ts';
import { executeDlmsAccessRequest } from './dlms-generic.ts';
import { executeGbzCommand } from './gbz-generic.ts';

/** DER of an empty SEQUENCE: the generic answer to ASN.1 use cases (CS/CCS/GCS28…). */
const EMPTY_SEQUENCE = Uint8Array.of(0x30, 0x00);

export const genericExecutor: Executor = (ctx) => {
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
