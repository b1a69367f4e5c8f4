/**
 * `gbcs-sim duis serve`: a DUIS service shaped like DCC Boxed's (POST /api/v1/serviceS, serviceD,
 * serviceT; signed XML in and out). Flags only: the job is app/duis/duis.ts.
 */
import type { Command } from 'commander';
import { duisSendAction, duisServeAction } from '../../app/commands/duis.ts';
import { collect, cryptoOption } from '../common.ts';

const EXAMPLE_USE_CASES = 'ECS10 GCS09 ECS17b GCS13a ECS42 ECS43 GCS32 ECS45 CCS01 ECS52';

export function register(program: Command): void {
  const duis = program
    .command('duis')
    .description('a DUIS service shaped like DCC Boxed, and a small client');
  duis
    .command('serve')
    .description('serve the DUIS web services (POST /api/v1/serviceS, /serviceD, /serviceT) like DCC Boxed')
    .option('--port <n>', 'TCP port (0: any free port)', '8079')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--keystore <path>',
      'keystore with the XML-signing certificates of the users and the DSP (repeatable; e.g. a DCC Boxed keystore.json)',
      collect,
    )
    .option(
      '--dsp-cert <file>',
      "the DSP's XML-signing certificate (PEM or DER); default: from the keystores",
    )
    .option('--dsp-key <file>', "the DSP's XML-signing private key (PKCS#8 / SEC 1, PEM or DER)")
    .option(
      '--xsd <dir>',
      'validate requests against the DUIS XSD in this directory (DUIS, MMC, xmldsig .xsd files)',
    )
    .option(
      '--device <eui>',
      'a device the service knows as a Business Target (repeatable; default: the virtual premises)',
      collect,
    )
    .option(
      '--user <eui=roles>',
      'DCC User Roles of a User ID, e.g. 90-B3-D5-1F-30-01-00-00=IS,GS (repeatable)',
      collect,
    )
    .option('--max-body <bytes>', 'largest request body accepted (default 12 MiB)')
    .option(
      '--premises <n>',
      'serve N virtual premises (CHF, GPF, ESME, GSME each; built when first addressed)',
    )
    .option('--seed <s>', "seed of the premises' test key set", '1')
    .option(
      '--callback <url>',
      'POST device responses and alerts here (retried with backoff while it is down)',
    )
    .option('--db <file>', 'keep the outbox in this DCC database file (SQLite; survives a restart)')
    .option(
      '--state <dir>',
      "the devices' state folder (anti-replay floors, credentials; default ./gbcs-sim-state/duis-seed-<seed>)",
    )
    .option('--ephemeral', 'keep device state in memory only (lost at exit)')
    .option('--json', 'one JSON line per answered request on stdout')
    .addOption(cryptoOption())
    .action(duisServeAction);
  duis
    .command('send')
    .description('sign and send DUIS requests (files or built-in examples); print the answers')
    .argument('[file...]', 'DUIS request XML files (any signature in them is replaced)')
    .option(
      '--example <usecase>',
      `a built-in request for a use case (repeatable): ${EXAMPLE_USE_CASES}`,
      collect,
    )
    .option('--to <url>', 'the DUIS service', 'http://127.0.0.1:8079')
    .option(
      '--keystore <path>',
      "keystore with the user's XML-signing key and the DSP certificate (repeatable)",
      collect,
    )
    .option('--sign-with <key>', "the user's XML-signing private key file (with --cert)")
    .option('--cert <file>', "the user's XML-signing certificate (with --sign-with)")
    .option('--dsp-cert <file>', "the DSP's XML-signing certificate the answers must verify with")
    .option('--originator <eui>', 'User ID of the example requests', '90-B3-D5-1F-30-01-00-00')
    .option(
      '--target <eui>',
      'Business Target of the example requests (default: premises 0 of duis serve --premises)',
    )
    .option('--seed <s>', 'seed of the test keys that sign Pre-Commands (as duis serve --seed)', '1')
    .option(
      '--wait',
      'also wait for the asynchronous response at --listen (duis serve --callback must point there)',
    )
    .option('--listen <[host:]port>', 'where --wait receives the callback', '127.0.0.1:8080')
    .option('--timeout <s>', 'how long --wait waits per request', '30')
    .addOption(cryptoOption())
    .action(duisSendAction);
}
