/** GBZ commands for the GSME/GPF model tests: one ZCL command a component. */
import { encodeGbz, type GbzComponent } from '../../protocol/gbz/gbz.ts';
import { encodeReadAttributes } from '../../protocol/gbz/zcl.ts';

/** One component: cluster, ZCL frame control, command id, ZCL payload and an optional From Date-Time. */
export interface Cmd {
  cluster: number;
  fc: number;
  cmd: number;
  zcl: Uint8Array;
  fdt?: number;
}

/** A GBZ command payload of `cmds`, in order (transaction sequence numbers 0, 1, …). */
export const gbz = (...cmds: Cmd[]) =>
  encodeGbz({
    type: 'components',
    components: cmds.map(
      (c, i): GbzComponent => ({
        encrypted: false,
        lastComponent: i === cmds.length - 1,
        clusterId: c.cluster,
        fromDateTime: c.fdt ?? null,
        zclHeader: {
          frameControl: c.fc,
          manufacturerCode: null,
          transactionSequenceNumber: i,
          commandId: c.cmd,
        },
        zclPayload: c.zcl,
      }),
    ),
  });

/** ZCL Read Attributes of `ids` on `cluster`. */
export const read = (cluster: number, ...ids: number[]): Cmd => ({
  cluster,
  fc: 0x00,
  cmd: 0x00,
  zcl: encodeReadAttributes(ids),
});
