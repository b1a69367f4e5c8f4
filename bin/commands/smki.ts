/**
 * `gbcs-sim smki …`: the regulatory timeline (`timeline`) and the SMKI Repository over HTTP
 * (`serve`, shaped like DCC Boxed's certificatesearch / retrievecertificate services).
 */
import type { Command } from 'commander';
import { startRepositoryServer } from '../../app/smki/http.ts';
import { type Clock, VirtualClock, WallClock } from '../../sim/clock.ts';
import { DEFAULT_PREMISES } from '../../sim/premises/premises.ts';
import { deviceCredential, generateTestPki } from '../../sim/smki/generator.ts';
import { SmkiRepository } from '../../sim/smki/repository.ts';
import { deriveTestPrivateKey, TEST_PARTIES } from '../../sim/smki/test-pki.ts';
import {
  DEFAULT_TIMELINE_DATES,
  parseAsOf,
  RegulatoryTimeline,
  type TimelineDates,
  timelineDateProblems,
} from '../../sim/smki/timeline.ts';
import { openPkiDirectory } from '../../sim/store/pki-store.ts';
import { out, UsageError } from '../common.ts';

const date = (flag: string, v: string): number => {
  try {
    return parseAsOf(v);
  } catch {
    throw new UsageError(`${flag}: not a date (YYYY-MM-DD) or ISO date-time: ${v}`);
  }
};

const isoDay = (flag: string, v: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new UsageError(`${flag}: YYYY-MM-DD`);
  date(flag, v);
  return v;
};

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
    .action((o: { asOf?: string; json?: boolean; secL3?: string; sr13?: string; f6F9?: string }) => {
      const dates: Partial<TimelineDates> = {};
      if (o.secL3) dates.secL3 = isoDay('--sec-l3', o.secL3);
      if (o.sr13) dates.serviceRelease13 = isoDay('--sr13', o.sr13);
      if (o.f6F9) dates.sectionsF6ToF9 = isoDay('--f6-f9', o.f6F9);
      const flags: Record<keyof TimelineDates, string> = {
        rapp: 'rapp',
        sectionsF6ToF9: '--f6-f9',
        secL3: '--sec-l3',
        serviceRelease13: '--sr13',
      };
      const problems = timelineDateProblems({ ...DEFAULT_TIMELINE_DATES, ...dates });
      if (problems.length > 0)
        throw new UsageError(
          problems
            .map(
              (p) =>
                `${flags[p.field]} ${p.message}${p.field in dates ? '' : ` (${flags[p.field]} default)`}`,
            )
            .join('; '),
        );
      const timeline = new RegulatoryTimeline(dates);
      const snap = timeline.snapshot(o.asOf === undefined ? 'enduring' : date('--as-of', o.asOf));
      if (o.json) {
        out(JSON.stringify(snap));
        return;
      }
      out(`as of ${snap.asOf} (configured dates, not from the direction: ${snap.configured.join(', ')})`);
      for (const p of snap.provisions)
        out(
          `${p.inForce ? 'in force    ' : 'not in force'}  from ${p.from}  ${p.provision.padEnd(30)} ${p.title}`,
        );
    });

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
    .action(async (o: { pki?: string; seed: string; port: string; host: string; asOf?: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port: 0..65535');
      const clock: Clock = o.asOf === undefined ? new WallClock() : new VirtualClock(date('--as-of', o.asOf));
      let repository: SmkiRepository;
      if (o.pki) repository = openPkiDirectory(o.pki, { clock }).repository;
      else {
        const pki = generateTestPki({ seed: o.seed, parties: TEST_PARTIES, derive: deriveTestPrivateKey });
        for (const eui of Object.values(DEFAULT_PREMISES))
          for (const u of ['ds', 'ka'] as const) deviceCredential(pki, deriveTestPrivateKey, eui, u);
        repository = new SmkiRepository();
        for (const c of [pki.rootOca, pki.issuingOca, pki.rootDca, pki.issuingDca])
          repository.add(c.certificate, { issuedAt: pki.notBefore, subscriber: 'dcc' });
        for (const c of [...pki.organisations, ...pki.devices])
          repository.add(c.certificate, { issuedAt: pki.notBefore });
      }
      let server: Awaited<ReturnType<typeof startRepositoryServer>>;
      try {
        server = await startRepositoryServer({ repository, clock, port, host: o.host });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const why =
          err.code === 'EADDRINUSE'
            ? `port ${port} is already in use on ${o.host}`
            : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
              ? `--host ${o.host}: not an address or a resolvable name`
              : err.code === 'EADDRNOTAVAIL'
                ? `--host ${o.host}: not an address of this machine`
                : err.code === 'EACCES'
                  ? `port ${port}: permission denied`
                  : `cannot listen on ${o.host}:${port}: ${err.message}`;
        throw new UsageError(why);
      }
      process.stderr.write(
        `gbcs-sim: SMKI repository (${repository.records.length} certificates) on ${server.url}\n`,
      );
      out(JSON.stringify({ url: server.url, certificates: repository.records.length }));
      const stop = () => {
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
