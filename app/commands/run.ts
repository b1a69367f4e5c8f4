/** What `gbcs-sim run` does with its parsed flags (bin/commands/run.ts defines the flags; DESIGN §4). */

import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import type { FaultConfig } from '../../sim/device/faults.ts';
import { SmartMeteringInventory } from '../../sim/inventory/inventory.ts';
import { DEFAULT_PREMISES } from '../../sim/premises/premises.ts';
import { EXIT_FAILURE, EXIT_OK, loadFaultsFile, out, UsageError } from '../cli-io.ts';
import { withDatabase } from '../dcc-db.ts';
import { runMain } from '../run.ts';

/** A fault file for the default premises: every EUI it names must be one of its devices. */
export function premisesFaults(path: string): FaultConfig {
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

export const runAction = (o: {
  seed: string;
  json?: boolean;
  faults?: string;
  crypto: CryptoBackendName;
  db?: string;
}) => {
  const options = {
    seed: o.seed,
    json: o.json ?? false,
    crypto: createCrypto(o.crypto),
    write: out,
    ...(o.faults ? { faults: premisesFaults(o.faults) } : {}),
  };
  // --db: the premises' devices in the Smart Metering Inventory, commands through the DCC gate.
  const ok =
    o.db === undefined
      ? runMain(options)
      : withDatabase(o.db, true, (db) => runMain({ ...options, inventory: new SmartMeteringInventory(db) }));
  process.exitCode = ok ? EXIT_OK : EXIT_FAILURE;
};
