/** What `gbcs-sim replay` does with its parsed flags (bin/commands/replay.ts defines the flags; DESIGN §4). */

import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import type { DeviceType } from '../../protocol/use-case-catalogue.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { loadKeystores } from '../../sim/store/keystore-files.ts';
import { acbOf, EXIT_FAILURE, EXIT_OK, out, readStdin, UsageError, warnKeystore } from '../cli-io.ts';
import { expandInputs } from '../inputs.ts';
import { Replayer, replayLines } from '../replay.ts';

export const replayAction = (
  inputs: string[],
  o: {
    keystore: string[];
    acb?: string;
    keepState?: boolean;
    deviceType?: string[];
    json?: boolean;
    crypto: CryptoBackendName;
  },
) => {
  const ks = loadKeystores(o.keystore);
  warnKeystore(ks);
  const types = new Map<string, DeviceType>();
  for (const spec of o.deviceType ?? []) {
    const m = /^([0-9a-fA-F]{16})=(ESME|GSME|CHF|GPF|PPMID|HCALCS)$/.exec(spec);
    if (!m) throw new UsageError(`--device-type: expected EUI=ESME|GSME|CHF|GPF|PPMID|HCALCS, got ${spec}`);
    types.set(m[1]!.toLowerCase(), m[2] as DeviceType);
  }
  const replayer = new Replayer({
    keystore: ks,
    crypto: createCrypto(o.crypto),
    clock: new VirtualClock(),
    acbId: acbOf(ks, o.acb),
    keepState: o.keepState ?? false,
    deviceTypes: types,
  });
  let failed = false;
  for (const item of expandInputs(inputs, readStdin)) {
    const r = item.error
      ? replayer.unreadable(item.input, item.error)
      : replayer.replay(item.input, item.text);
    // A verification failure: any input refused, except messages that are not commands.
    if (!r.accepted && r.reason !== 'NOT_A_COMMAND') failed = true;
    if (o.json) out(JSON.stringify(r));
    else for (const l of replayLines(r)) out(l);
  }
  process.exitCode = failed ? EXIT_FAILURE : EXIT_OK;
};
