import { type Command, Option } from 'commander';
import { bridgeAction } from '../../app/commands/bridge.ts';
import { collect, cryptoOption } from '../common.ts';

export function register(program: Command): void {
  program
    .command('bridge')
    .description('drive the hub on a port (physical or `serve`d) through a scenario; --list shows ports')
    .option('--port <path>', 'serial port or pty of the hub')
    .option('--tcp <host:port>', 'a hub (or `serve --tcp`) over TCP instead')
    .option('--baud <n>', 'serial bits per second', '115200')
    .addOption(new Option('--framing <name>', 'line framing').choices(['gfi', 'binary']).default('gfi'))
    .option('--scenario <file|default>', 'JSON or YAML scenario file, or the default scenario', 'default')
    .option('--trace <file>', 'JSON Lines trace of every frame (hex and decoded) and link event')
    .option('--json', 'one JSON object per step, then {"summary": …}')
    .option('--seed <seed>', 'test PKI seed of a `serve`d premises', '1')
    .option('--keystore <path>', "the lab's own keys instead of the test PKI (repeatable)", collect)
    .option('--acb <eui>', 'EUI of the Access Control Broker (default: the keystore role-4 party)')
    .option('--timeout-ms <ms>', 'response timeout per attempt', '5000')
    .option('--retries <n>', 'retransmissions after the first attempt', '3')
    .option('--block-limit <bytes>', 'longer commands go as GBT blocks', '1200')
    .option('--max-payload <bytes>', 'framing payload bound (default: gfi 2048, binary 4096)')
    .option('--give-up-ms <ms>', 'stop reconnecting after this long without a link', '30000')
    .option('--list', 'list serial ports and ptys, then exit')
    .option(
      '--allow-test-keys',
      'send critical commands with test keys (seed keys, test certificates) to a live device (not a pty, not loopback)',
    )
    .addOption(cryptoOption())
    .action(bridgeAction);
}
