/** `gbcs-sim run` (DESIGN §4). */
import type { Command } from 'commander';
import { runMain } from '../../app/run.ts';
import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import type { FaultConfig } from '../../sim/device/faults.ts';
import { DEFAULT_PREMISES } from '../../sim/premises/premises.ts';
import { cryptoOption, EXIT_FAILURE, EXIT_OK, loadFaultsFile, out, UsageError } from '../common.ts';

/** A fault file for the default premises: every EUI it names must be one of its devices. */
function premisesFaults(path: string): FaultConfig {
  const config = loadFaultsFile(path);
  const devices = Object.values(DEFAULT_PREMISES) as string[];
  for (const eui of Object.keys(config)) {
    if (!devices.includes(eui)) {
      throw new UsageError(
        `--faults ${path}: ${eui} is not a device of the premises (${devices.join(', ')})`,
      );
    }
  }
  return config;
}

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
        ...(o.faults ? { faults: premisesFaults(o.faults) } : {}),
      });
      process.exitCode = ok ? EXIT_OK : EXIT_FAILURE;
    });
}
