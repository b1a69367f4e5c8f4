/** `gbcs-sim run` (DESIGN §4). */
import type { Command } from 'commander';
import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import { runMain } from '../../sim/run.ts';
import { cryptoOption, EXIT_FAILURE, EXIT_OK, loadFaultsFile, out } from '../common.ts';

export function register(program: Command): void {
  program
    .command('run')
    .description('the main job: a virtual premises (CHF, GPF, ESME, GSME) driven by the default scenario')
    .option('--seed <seed>', 'seed of the test PKI and premises', '1')
    .option('--json', 'JSON Lines trace')
    .option(
      '--faults <file>',
      'inject device faults: JSON/YAML { "<device EUI>": [rules…] } (README: Fault injection)',
    )
    .addOption(cryptoOption())
    .action((o: { seed: string; json?: boolean; faults?: string; crypto: CryptoBackendName }) => {
      const ok = runMain({
        seed: o.seed,
        json: o.json ?? false,
        crypto: createCrypto(o.crypto),
        write: out,
        ...(o.faults ? { faults: loadFaultsFile(o.faults) } : {}),
      });
      process.exitCode = ok ? EXIT_OK : EXIT_FAILURE;
    });
}
