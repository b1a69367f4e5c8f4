/** `gbcs-sim decode` (DESIGN §4). */
import type { Command } from 'commander';
import { createDecodeContext, decodeReport } from '../../app/decode-report.ts';
import { expandInputs } from '../../app/inputs.ts';
import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import { loadKeystores } from '../../sim/smki/keystore.ts';
import {
  acbOf,
  collect,
  cryptoOption,
  EXIT_FAILURE,
  EXIT_OK,
  out,
  readStdin,
  warnKeystore,
} from '../common.ts';

export function register(program: Command): void {
  program
    .command('decode')
    .description('decode (and, with keys, verify) GBCS messages')
    .argument('<input...>', 'file with one hex message, a directory of *.HEX files, or - for stdin lines')
    .option(
      '--keystore <path>',
      'keystore directory, DCC Boxed keystore.json or gbcs-sim keystore (repeatable)',
      collect,
    )
    .option('--acb <eui>', 'EUI of the Access Control Broker (default: the keystore role-4 party)')
    .option('--json', 'JSON Lines output')
    .addOption(cryptoOption())
    .action(
      (
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
      },
    );
}
