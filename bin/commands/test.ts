import { type Command, Option } from 'commander';
import { testAction } from '../../app/commands/test.ts';
import { cryptoOption } from '../common.ts';

export function register(program: Command): void {
  program
    .command('test')
    .description('run test scenarios (YAML steps with expectations); one test case per step, JUnit XML')
    .argument('<inputs...>', 'scenario files, or folders searched for *.yaml, *.yml, *.json')
    .option(
      '--junit <file>',
      'write a JUnit XML report (one test suite per scenario, one test case per step)',
    )
    .option('--json', 'one JSON object per step, then {"summary": …}')
    .option('--seed <seed>', 'seed of the test PKI (and of serve, with --target port)', '1')
    .addOption(
      new Option('--target <target>', 'virtual premises, or a port through the bridge')
        .choices(['premises', 'port'])
        .default('premises'),
    )
    .option('--port <path>', '--target port: a serial port or pty')
    .option('--tcp <host:port>', '--target port: a TCP address (loopback only)')
    .option('--baud <n>', 'serial bits per second', '115200')
    .addOption(new Option('--framing <name>', 'line framing').choices(['gfi', 'binary']).default('gfi'))
    .option('--timeout-ms <ms>', '--target port: per attempt', '5000')
    .option('--retries <n>', '--target port: extra attempts', '3')
    .addOption(cryptoOption())
    .action(testAction);
}
