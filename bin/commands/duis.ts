/**
 * `gbcs-sim duis serve`: a DUIS service shaped like DCC Boxed's (POST /api/v1/serviceS, serviceD,
 * serviceT; signed XML in and out). Flags only: the job is app/duis/duis.ts.
 */
import type { Command } from 'commander';
import { duisServeAction } from '../../app/commands/duis.ts';
import { collect, cryptoOption } from '../common.ts';

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
    .option('--json', 'one JSON line per answered request on stdout')
    .addOption(cryptoOption())
    .action(duisServeAction);
}
