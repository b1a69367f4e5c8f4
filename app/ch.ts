/**
 * `gbcs-sim ch …`: the Communications Hub lifecycle from the command line — single events on one
 * hub, the SM WAN coverage table, a hub's timeline, and the estate simulation with its progress bar
 * (stderr, only on a terminal) and summary. Refusals (exit 1) and bad input (exit 2) are thrown.
 */
import type { ChConfig } from '../sim/ch/config.ts';
import { CommsHubService } from '../sim/ch/hubs.ts';
import type { ChEvent, ChParams, ChState, HanVariant, Region } from '../sim/ch/machine.ts';
import { EstateSimulation, type EstateSummary, type SimulationParams } from '../sim/ch/simulate.ts';
import {
  changeJson,
  commandClock,
  type DbOptions,
  DEFAULT_DB,
  type Io,
  isoTime,
  pounds,
  printChanges,
  withDatabase,
} from './dcc-db.ts';
import { type ProgressStream, startProgress } from './progress.ts';

interface ChOptions extends DbOptions {
  config?: ChConfig;
}

const hubsOf = (o: ChOptions, create: boolean, fn: (ch: CommsHubService, at: number) => number): number =>
  withDatabase(o.db ?? DEFAULT_DB, create, (db) =>
    fn(new CommsHubService(db, o.config ? { config: o.config } : {}), commandClock(o.at).now()),
  );

export interface OrderOptions extends ChOptions {
  region: Region;
  wanVariant: string;
  hanVariant: HanVariant;
  hubId?: string;
  gpfId?: string;
  /** Order lines (hubs); ids are allocated when more than one. */
  quantity: number;
  installationEnd?: number;
}

/** `ch order`: one order line per hub, all in one transaction. */
export function chOrder(o: OrderOptions, io: Io): number {
  return hubsOf(o, true, (ch, at) => {
    const changes = ch.db.transaction(() => {
      const out = [];
      for (let i = 0; i < o.quantity; i++)
        out.push(
          ...ch.order(
            {
              region: o.region,
              wanVariant: o.wanVariant,
              hanVariant: o.hanVariant,
              ...(o.hubId !== undefined ? { hubId: o.hubId } : {}),
              ...(o.gpfId !== undefined ? { gpfId: o.gpfId } : {}),
              ...(o.installationEnd !== undefined ? { installationEnd: o.installationEnd } : {}),
            },
            at,
          ),
        );
      return out;
    })();
    printChanges(io, changes, o.json);
    return 0;
  });
}

/** Command-line verbs of the lifecycle events (the hub is the first argument). */
export const CH_VERBS: Record<string, { event: ChEvent; description: string }> = {
  dispatch: { event: 'dispatch', description: 'consignment dispatched (Advanced Shipment Notification)' },
  deliver: {
    event: 'deliver',
    description: 'delivered: CHF and GPF enter the SMI at Pending; the acceptance window opens',
  },
  accept: {
    event: 'accept',
    description: 'the Supplier accepts the delivery (within the acceptance window)',
  },
  reject: {
    event: 'reject',
    description: 'the Supplier rejects the delivery (within the acceptance window)',
  },
  'deemed-accepted': {
    event: 'deemedAccepted',
    description: 'the acceptance window closed: deemed accepted',
  },
  install: {
    event: 'install',
    description:
      'installed at --uprn: Commissioned where the coverage table has SM WAN, else install and leave',
  },
  connect: { event: 'wanConnected', description: 'SM WAN reached an install-and-leave hub: Commissioned' },
  resolve: {
    event: 'installLeaveResolution',
    description: '90 days of install and leave: the DCC replaces the hub',
  },
  fault: { event: 'fault', description: 'CH incident raised: Faulty' },
  fix: { event: 'remoteFix', description: 'resolved by remote maintenance: Commissioned' },
  remove: {
    event: 'remove',
    description:
      'removed / returned from stock: --fault REASON (8.14.3) or --return-type TYPE (no-fault, 8.14.4)',
  },
  'installation-end': {
    event: 'installationEndPassed',
    description: 'the TSAT installation end date passed in stock: must return',
  },
  lost: { event: 'lostOrStolen', description: '8.14.4 Lost or Stolen Hub: charged' },
  return: { event: 'shipReturn', description: 'shipped back to the DCC (within the return window)' },
  'not-returned': {
    event: 'notReturned',
    description: 'the return window closed without a return: charged as lost',
  },
  receive: { event: 'receive', description: 'received by the DCC: fault diagnosis' },
  diagnose: {
    event: 'diagnose',
    description: 'diagnosis --outcome O and --redeployable or --scrap: F9 category and charge',
  },
};

/** `ch VERB HUB`: one lifecycle event. */
export function chEvent(verb: string, o: ChOptions & { hubId: string; params: ChParams }, io: Io): number {
  const { event } = CH_VERBS[verb]!;
  return hubsOf(o, false, (ch, at) => {
    printChanges(io, ch.apply(o.hubId, event, at, o.params), o.json);
    return 0;
  });
}

/** `ch coverage UPRN`: add or replace a location of the SM WAN coverage table. */
export function chCoverage(o: ChOptions & { uprn: string; wanVariant: string | null }, io: Io): number {
  return hubsOf(o, true, (ch) => {
    const entry = { uprn: o.uprn, smWanAvailable: o.wanVariant !== null, wanVariant: o.wanVariant };
    ch.setCoverage(entry);
    io.out(
      o.json
        ? JSON.stringify({ change: 'coverage', ...entry })
        : `coverage ${o.uprn}: ${o.wanVariant ? `SM WAN, fit ${o.wanVariant}` : 'no SM WAN'}`,
    );
    return 0;
  });
}

/** `ch history HUB`: the hub's timeline, with its CHF's and GPF's SMI Status changes interleaved. */
export function chHistory(o: ChOptions & { hubId: string }, io: Io): number {
  return hubsOf(o, false, (ch) => {
    const hub = ch.require(o.hubId);
    const hubEvents = ch
      .history(o.hubId)
      .map((h) => ({ at: h.at, order: 0, seq: h.seq, kind: 'ch' as const, h }));
    const smi = [hub.hubId, hub.gpfId].flatMap((id, k) =>
      ch.inventory.get(id)
        ? ch.inventory
            .history(id)
            .map((h) => ({ at: h.at, order: 1 + k, seq: h.seq, kind: 'smi' as const, id, h }))
        : [],
    );
    const all = [...hubEvents, ...smi].sort((a, b) => a.at - b.at || a.order - b.order || a.seq - b.seq);
    if (o.json) {
      for (const e of all)
        io.out(
          JSON.stringify(
            e.kind === 'ch'
              ? { hubId: hub.hubId, ...e.h, at: isoTime(e.at) }
              : { deviceId: e.id, ...e.h, at: isoTime(e.at) },
          ),
        );
      return 0;
    }
    io.out(
      `hub ${hub.hubId} (CHF ${hub.hubId}, GPF ${hub.gpfId}): ${hub.region}, WAN ${hub.wanVariant}, HAN ${hub.hanVariant}`,
    );
    io.out(
      `now ${hub.state} since ${isoTime(hub.stateSince).slice(0, 10)}; charges ${pounds(hub.chargesPence)}${hub.responsibility ? ` (F9: ${hub.responsibility})` : ''}${hub.uprn ? `; location UPRN ${hub.uprn}` : ''}`,
    );
    for (const e of all) {
      const day = isoTime(e.at).replace('T', ' ').slice(0, 16);
      if (e.kind === 'ch') {
        const h = e.h;
        const charge = h.chargePence ? `  ${pounds(h.chargePence)} ${h.chargeKind} (${h.payer})` : '';
        const details = h.details
          ? `  ${Object.entries(h.details)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')}`
          : '';
        io.out(`${day}  ${h.event.padEnd(22)} ${(h.from ?? '').padEnd(16)} → ${h.to}${charge}${details}`);
      } else {
        const kind = e.id === hub.hubId ? 'CHF' : 'GPF';
        io.out(`${day}    SMI ${kind} ${(e.h.from ?? '(new)').padEnd(24)} → ${e.h.to}  (${e.h.event})`);
      }
    }
    return 0;
  });
}

/** `ch list [--state S]`. */
export function chList(o: ChOptions & { state?: ChState }, io: Io): number {
  return hubsOf(o, false, (ch) => {
    for (const h of ch.list(o.state ? { state: o.state } : {}))
      io.out(
        o.json
          ? JSON.stringify({ ...h, stateSince: isoTime(h.stateSince) })
          : `${h.hubId}  ${h.state.padEnd(16)}  since ${isoTime(h.stateSince).slice(0, 10)}  ${h.region.padEnd(7)}  ${h.hanVariant.padEnd(11)}  ${pounds(h.chargesPence)}`,
      );
    return 0;
  });
}

function summaryText(s: EstateSummary): string[] {
  const nonZero = (r: Record<string, number>) =>
    Object.entries(r)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || '—';
  return [
    `${s.hubs} hubs over ${s.days} days from ${s.start} (seed ${s.seed}): ${s.events} lifecycle events`,
    `  hubs by state:       ${nonZero(s.byState)}`,
    `  F9 responsibility:   ${nonZero(s.byResponsibility)}`,
    `  charges:             ${pounds(s.charges.total)} (Supplier ${pounds(s.charges.byPayer.Supplier)}, DCC ${pounds(s.charges.byPayer.DCC)}; refurbishment ${pounds(s.charges.byKind.refurbishment)}, scrap ${pounds(s.charges.byKind.scrap)}, lost ${pounds(s.charges.byKind.lostOrStolen)})`,
    `  CHF/GPF SMI Status:  ${nonZero(s.smiStatusCounts)}`,
    `  balanced:            ${s.balanced ? 'yes' : 'NO'}`,
  ];
}

const NO_BAR = { print: (write: () => void) => write() };

/**
 * `ch simulate`: runs (or resumes) the estate simulation in `--db`. With `json`, one JSON object
 * per change; always a last line `{"summary": …}`. Exit 1 if the summary does not balance.
 */
export function chSimulate(o: { db?: string; json?: boolean; params: SimulationParams }, io: Io): number {
  return withDatabase(o.db ?? DEFAULT_DB, true, (db) => {
    const sim = new EstateSimulation(db, o.params);
    const resumed = sim.day;
    // The shared progress bar (app/progress.ts): on a terminal only, never in CI.
    const bar =
      io.errIsTty && io.progressStream
        ? startProgress({
            label: 'ch simulate',
            unit: 'days',
            total: o.params.days,
            stream: io.progressStream as ProgressStream,
          })
        : null;
    bar?.update(resumed);
    if (resumed > 0 && !sim.finished)
      io.err(`gbcs-sim: resuming the simulation at day ${resumed} of ${o.params.days}`);
    let summary: EstateSummary;
    try {
      summary = sim.run({
        onDay: (done) => bar?.update(done),
        ...(o.json
          ? { onChange: (c) => (bar ?? NO_BAR).print(() => io.out(JSON.stringify(changeJson(c)))) }
          : {}),
      });
    } finally {
      bar?.stop();
    }
    if (!o.json) for (const l of summaryText(summary)) io.out(l);
    io.out(JSON.stringify({ summary }));
    return summary.balanced ? 0 : 1;
  });
}
