/** What `gbcs-sim decode` does with its parsed flags (bin/commands/decode.ts defines the flags; DESIGN §4). */

import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import { loadKeystores } from '../../sim/store/keystore-files.ts';
import { acbOf, EXIT_FAILURE, EXIT_OK, out, readStdin, warnKeystore } from '../cli-io.ts';
import { createDecodeContext, decodeReport, reportLines, responseResultOf } from '../decode-report.ts';
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
    else for (const l of reportLines(r, r.ok ? responseResultOf(item.text) : null)) out(l);
  }
  process.exitCode = failed ? EXIT_FAILURE : EXIT_OK;
};
