/**
 * The gbcs-sim command line (DESIGN §4). Thin: each command lives in bin/commands/<name>.ts, parses
 * its flags and calls the library. Exit codes: 0 ok, 1 a verification or run failure, 2 a usage or
 * configuration error. Data goes to stdout, logs to stderr.
 */
import { Command, CommanderError } from 'commander';
import { register as bridge } from './commands/bridge.ts';
import { register as catalogue } from './commands/catalogue.ts';
import { register as ch } from './commands/ch.ts';
import { register as conformance } from './commands/conformance.ts';
import { register as consoleCommand } from './commands/console.ts';
import { register as decode } from './commands/decode.ts';
import { register as duis } from './commands/duis.ts';
import { register as fleet } from './commands/fleet.ts';
import { register as inventory } from './commands/inventory.ts';
import { register as keys } from './commands/keys.ts';
import { register as recovery } from './commands/recovery.ts';
import { register as replay } from './commands/replay.ts';
import { register as run } from './commands/run.ts';
import { register as serve } from './commands/serve.ts';
import { register as simulate } from './commands/simulate.ts';
import { register as smki } from './commands/smki.ts';
import { register as test } from './commands/test.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, GbcsError, UsageError } from './common.ts';

const program = new Command()
  .name('gbcs-sim')
  .description('Simulator of GB smart-metering devices (CHF, GPF, ESME, GSME) speaking GBCS')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

// One line per command module: add yours here.
for (const register of [
  run,
  decode,
  replay,
  conformance,
  serve,
  bridge,
  keys,
  smki,
  simulate,
  fleet,
  duis,
  inventory,
  ch,
  recovery,
  test,
  consoleCommand,
  catalogue,
])
  register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  } else if (e instanceof UsageError) {
    process.stderr.write(`gbcs-sim: ${e.message}\n`);
    process.exitCode = EXIT_USAGE;
  } else if (e instanceof GbcsError) {
    process.stderr.write(`gbcs-sim: ${e.code}: ${e.message}\n`);
    // A refusal (a well-formed request the rules say no to, e.g. an illegal SMI transition) is a
    // run failure; any other GbcsError is bad input or configuration.
    process.exitCode = (e as { refused?: unknown }).refused === true ? EXIT_FAILURE : EXIT_USAGE;
  } else {
    throw e;
  }
}
