/** What `gbcs-sim smki` does with its parsed flags (bin/commands/smki.ts defines the flags; DESIGN §4). */

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
import { out, UsageError } from '../cli-io.ts';
import { startRepositoryServer } from '../smki/http.ts';

export const date = (flag: string, v: string): number => {
  try {
    return parseAsOf(v);
  } catch {
    throw new UsageError(`${flag}: not a date (YYYY-MM-DD) or ISO date-time: ${v}`);
  }
};

export const isoDay = (flag: string, v: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new UsageError(`${flag}: YYYY-MM-DD`);
  date(flag, v);
  return v;
};

export const smkiTimelineAction = (o: {
  asOf?: string;
  json?: boolean;
  secL3?: string;
  sr13?: string;
  f6F9?: string;
}) => {
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
        .map((p) => `${flags[p.field]} ${p.message}${p.field in dates ? '' : ` (${flags[p.field]} default)`}`)
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
};

export const smkiServeAction = async (o: {
  pki?: string;
  seed: string;
  port: string;
  host: string;
  asOf?: string;
}) => {
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
};
