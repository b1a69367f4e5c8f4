/**
 * A generic ZSE responder for GBZ commands (the walking-skeleton GSME/GPF model): each command
 * component is answered by a component on the same cluster — ZCL Read Attributes gets a Read
 * Attributes Response with each attribute's stored value (uint48, 0 until written), any other
 * command a ZCL Default Response with status SUCCESS (ZCL 2.5.12). The device-model issue replaces
 * this per use case.
 */
import { concatBytes } from '../../../protocol/bytes.ts';
import { ErrorCode, GbcsError } from '../../../protocol/errors.ts';
import { decodeGbz, encodeGbz, type GbzComponent } from '../../../protocol/gbz/gbz.ts';
import type { ExecutionContext, ExecutionResult } from '../../device/core.ts';

/** ZCL frame-control: frame type bits 0–1 (0 = global, 1 = cluster-specific), bit 3 server→client, bit 4 disable default response. */
const ZCL_SERVER_TO_CLIENT = 0x08;
const ZCL_DISABLE_DEFAULT_RESPONSE = 0x10;
const ZCL_READ_ATTRIBUTES = 0x00;
const ZCL_READ_ATTRIBUTES_RESPONSE = 0x01;
const ZCL_DEFAULT_RESPONSE = 0x0b;
const ZCL_UINT48 = 0x25;

export function executeGbzCommand(ctx: ExecutionContext): ExecutionResult {
  const g = decodeGbz(ctx.payload, 0, { alert: false });
  if (g.type !== 'components') throw new GbcsError(ErrorCode.BAD_VALUE, 'not a GBZ command');
  const fault = ctx.fault;
  const out: GbzComponent[] = g.components.map((c, i) => {
    const h = c.zclHeader;
    const global = (h.frameControl & 0x03) === 0;
    /** The server→client component answering `c` with `commandId` and `zclPayload`. */
    const answer = (commandId: number, zclPayload: Uint8Array): GbzComponent => ({
      encrypted: false,
      lastComponent: i === g.components.length - 1,
      clusterId: c.clusterId,
      fromDateTime: null,
      zclHeader: {
        frameControl: ZCL_SERVER_TO_CLIENT | ZCL_DISABLE_DEFAULT_RESPONSE,
        manufacturerCode: null,
        transactionSequenceNumber: h.transactionSequenceNumber,
        commandId,
      },
      zclPayload,
    });
    if (
      global &&
      h.commandId === ZCL_READ_ATTRIBUTES &&
      !c.encrypted &&
      fault?.kind !== 'gbz-default-response'
    ) {
      const records: Uint8Array[] = [];
      const status = fault?.kind === 'gbz-attribute-status' ? fault.status : 0;
      const fill = fault?.kind === 'sentinel' ? 0xff : 0x00;
      for (let k = 0; k + 1 < c.zclPayload.length; k += 2) {
        records.push(
          status === 0
            ? Uint8Array.of(
                c.zclPayload[k]!,
                c.zclPayload[k + 1]!,
                0x00,
                ZCL_UINT48,
                fill,
                fill,
                fill,
                fill,
                fill,
                fill,
              )
            : Uint8Array.of(c.zclPayload[k]!, c.zclPayload[k + 1]!, status),
        );
      }
      return answer(ZCL_READ_ATTRIBUTES_RESPONSE, concatBytes(...records));
    }
    return answer(
      ZCL_DEFAULT_RESPONSE,
      fault?.kind === 'gbz-default-response'
        ? Uint8Array.of(fault.commandId ?? h.commandId, fault.status)
        : Uint8Array.of(h.commandId, 0x00),
    );
  });
  return { payload: encodeGbz({ type: 'components', components: out }) };
}
