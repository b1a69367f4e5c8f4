/**
 * The gbcs-sim command line (DESIGN §4). Thin: parses flags and calls the library.
 * Exit codes: 0 ok, 1 a verification or run failure, 2 a usage or configuration error.
 * Data goes to stdout, logs to stderr.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { type CryptoBackendName, createCrypto } from '../protocol/crypto/index.ts';
import { GbcsError } from '../protocol/errors.ts';
import { isEui64 } from '../protocol/types.ts';
import type { DeviceType } from '../protocol/use-case-catalogue.ts';
import { VirtualClock } from '../sim/clock.ts';
import { createDecodeContext, decodeReport } from '../sim/decode-report.ts';
import { expandInputs } from '../sim/inputs.ts';
import { type Keystore, loadKeystores } from '../sim/keystore.ts';
import { Replayer } from '../sim/replay.ts';
import { runMain } from '../sim/run.ts';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

const out = (line: string) => process.stdout.write(`${line}\n`);
const json = (o: unknown) => JSON.stringify(o);
const readStdin = () => readFileSync(0, 'utf8');

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function acbOf(ks: Keystore | null, explicit: string | undefined): string | null {
  if (explicit !== undefined) {
    const e = explicit.toLowerCase();
    if (!isEui64(e)) throw new UsageError(`--acb: not an EUI-64 (16 hex digits): ${explicit}`);
    return e;
  }
  if (!ks) return null;
  const acbs = [...new Set(ks.entries.filter((e) => e.role === 4 && e.usage === 'ka').map((e) => e.eui))];
  return acbs.length === 1 ? acbs[0]! : null;
}

const cryptoOption = () =>
  new Option('--crypto <backend>', 'crypto back-end').choices(['noble', 'node']).default('noble');

const program = new Command()
  .name('gbcs-sim')
  .description('Simulator of GB smart-metering devices (CHF, GPF, ESME, GSME) speaking GBCS')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

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
      const ctx = createDecodeContext(createCrypto(o.crypto), ks, acbOf(ks, o.acb));
      let failed = false;
      for (const item of expandInputs(inputs, readStdin)) {
        const r = decodeReport(item.input, item.text, ctx);
        if (!r.ok || r.mac === 'invalid' || r.signature === 'invalid') failed = true;
        if (o.json) out(json(r));
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

program
  .command('replay')
  .description('feed recorded commands to virtual devices holding the keystore identities')
  .argument('<input...>', 'file, directory of *.HEX files, or - for stdin lines')
  .requiredOption('--keystore <path>', 'keystore (repeatable)', collect)
  .option('--acb <eui>', 'EUI of the Access Control Broker')
  .option('--keep-state', 'one device per EUI across inputs (anti-replay floors persist)')
  .option(
    '--device-type <eui=type>',
    'device type of an EUI, e.g. 00db1234567890a3=GPF (repeatable)',
    collect,
  )
  .option('--json', 'JSON Lines output')
  .addOption(cryptoOption())
  .action(
    (
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
      const types = new Map<string, DeviceType>();
      for (const spec of o.deviceType ?? []) {
        const m = /^([0-9a-fA-F]{16})=(ESME|GSME|CHF|GPF|PPMID|HCALCS)$/.exec(spec);
        if (!m)
          throw new UsageError(`--device-type: expected EUI=ESME|GSME|CHF|GPF|PPMID|HCALCS, got ${spec}`);
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
        const r = replayer.replay(item.input, item.text);
        if (r.reason === 'DECODE') failed = true;
        if (o.json) out(json(r));
        else
          out(
            `${item.input}: ${r.accepted ? 'accepted' : `rejected ${r.reason}`}${r.detail ? ` (${r.detail})` : ''}`,
          );
      }
      process.exitCode = failed ? EXIT_FAILURE : EXIT_OK;
    },
  );

program
  .command('run')
  .description('the main job: a virtual premises (CHF, GPF, ESME, GSME) driven by the default scenario')
  .option('--seed <seed>', 'seed of the test PKI and premises', '1')
  .option('--json', 'JSON Lines trace')
  .addOption(cryptoOption())
  .action((o: { seed: string; json?: boolean; crypto: CryptoBackendName }) => {
    const ok = runMain({ seed: o.seed, json: o.json ?? false, crypto: createCrypto(o.crypto), write: out });
    process.exitCode = ok ? EXIT_OK : EXIT_FAILURE;
  });

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
    process.exitCode = EXIT_USAGE;
  } else {
    throw e;
  }
}
