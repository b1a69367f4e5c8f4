/** What `gbcs-sim decode` does with its parsed flags (bin/commands/decode.ts defines the flags; DESIGN §4). */

import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import { loadKeystores } from '../../sim/store/keystore-files.ts';
import { acbOf, EXIT_FAILURE, EXIT_OK, out, readStdin, warnKeystore } from '../cli-io.ts';
import { createDecodeContext, decodeReport } from '../decode-report.ts';
import { expandInputs } from '../inputs.ts';

export const decodeAction = (
  inputs: string[],
  o: { keystore?: string[]; acb?: string; json?: boolean; crypto: CryptoBackendName },
) => {
  const ks = o.keystore ? loadKeystores(o.keystore) : null;
  if (ks) warnKeystore(ks);
  const ctx = createDecodeContext(createCrypto(o.crypto), ks, acbOf(ks, o.acb));
  let failed = false;
  for (const item of expandInputs(inputs, readStdin)) {
    const r = item.error
      ? { input: item.input, ok: false, error: item.error }
      : decodeReport(item.input, item.text, ctx);
    const payloadError = r.ok && (r.payload as { error?: unknown } | undefined)?.error !== undefined;
    if (!r.ok || r.mac === 'invalid' || r.signature === 'invalid' || payloadError) failed = true;
    if (o.json) out(JSON.stringify(r));
    else if (!r.ok) {
      const e = r.error as { code: string; offset: number; message: string };
      out(`${item.input}: ERROR ${e.code} at byte ${e.offset}: ${e.message}`);
    } else {
      const h = r.header as Record<string, unknown>;
      out(
        `${item.input}: ${r.form} CRA=${h.craFlag} ${h.useCase ?? `0x${Number(h.messageCode).toString(16)}`} ` +
          `counter=${h.originatorCounter} ${h.originatorId}->${h.recipientId} mac=${r.mac} signature=${r.signature}`,
      );
    }
  }
  process.exitCode = failed ? EXIT_FAILURE : EXIT_OK;
};
