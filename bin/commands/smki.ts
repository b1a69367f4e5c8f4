/**
 * `gbcs-sim smki …`: the regulatory timeline (`timeline`) and the SMKI Repository over HTTP
 * (`serve`, shaped like DCC Boxed's certificatesearch / retrievecertificate services).
 */
import type { Command } from 'commander';
import { smkiServeAction, smkiTimelineAction } from '../../app/commands/smki.ts';

export function register(program: Command): void {
  const smki = program.command('smki').description('SMKI regulatory timeline and repository service');

  smki
    .command('timeline')
    .description('which SMKI / Communications Hub provisions were in force (DECC direction 8 Feb 2016)')
    .option('--as-of <date>', 'the date to look at (default: enduring, every provision in force)')
    .option('--json', 'one JSON document')
    .option(
      '--sec-l3 <date>',
      'date SEC L3 (issue of certificates) takes effect (configuration; default 2016-03-09)',
    )
    .option('--sr13 <date>', 'date of Service Release 1.3 (configuration; default 2016-11-07)')
    .option('--f6-f9 <date>', 'date F6–F9 and the CHIMSM were incorporated (direction: 2016-02-10 or later)')
    .action(smkiTimelineAction);

  smki
    .command('serve')
    .description(
      'serve the SMKI Repository over HTTP like DCC Boxed (POST /services/certificatesearch, /services/retrievecertificate)',
    )
    .option('--pki <dir>', 'PKI directory written by keys init (default: the test PKI of --seed, in memory)')
    .option('--seed <seed>', 'seed of the in-memory test PKI', '1')
    .option('--port <n>', 'TCP port (0: any free port)', '8083')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--as-of <date>', 'compute statuses (E expired) at this date instead of now')
    .action(smkiServeAction);
}
