/** Helpers shared by the flag definitions of bin/commands/*.ts (the jobs are in app/commands/). */
import { Option } from 'commander';

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, GbcsError, UsageError } from '../app/cli-io.ts';

// A reader that closes the pipe early (`| head`) is not an error: stop quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export const cryptoOption = (): Option =>
  new Option('--crypto <backend>', 'crypto back-end').choices(['noble', 'node']).default('noble');
