import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import { EXIT_FAILURE, EXIT_OK, out, UsageError } from '../cli-io.ts';
import { startProgress } from '../progress.ts';
import { simulate } from '../simulate.ts';

export const simulateAction = (o: {
  days: string;
  seed: string;
  topUp: string;
  json?: boolean;
  crypto: CryptoBackendName;
}) => {
  // Decimal digits only, no leading zero: Number() alone would also take 0x10, 1e2, ' 7' or 30.0.
  const days = /^[1-9][0-9]*$/.test(o.days) ? Number(o.days) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > 366)
    throw new UsageError('--days: an integer from 1 to 366');
  const pounds = Number(o.topUp);
  if (!Number.isInteger(pounds) || pounds < 1 || pounds > 8191)
    throw new UsageError('--top-up: an integer from 1 to 8191 (pounds)');
  const json = o.json ?? false;
  const wall0 = performance.now();
  const progress = startProgress({ label: 'simulate', unit: 'days', total: days });
  let run: ReturnType<typeof simulate>;
  try {
    run = simulate({
      days,
      seed: o.seed,
      topUpPounds: pounds,
      crypto: createCrypto(o.crypto),
      onDay: (d) => {
        progress.print(() => {
          if (json) out(JSON.stringify(d));
          else
            out(
              `day ${String(d.day).padStart(3)}  ${d.date}  import ${d.importKWh.toFixed(3).padStart(7)} kWh  ` +
                `balance ${(d.balancePence / 100).toFixed(2).padStart(8)} GBP  supply ${d.supply.padEnd(8)}  ` +
                `alerts ${String(d.alerts).padStart(2)}${d.topUps > 0 ? `  top-up x${d.topUps}` : ''}`,
            );
        });
        progress.update(d.day);
      },
    });
  } finally {
    progress.stop();
  }
  const { summary } = run;
  const wallMs = Math.round(performance.now() - wall0);
  if (json) out(JSON.stringify({ summary: { ...summary, wallMs } }));
  else {
    const p = summary.prepayment;
    const g = summary.gas.prepayment;
    out(
      `summary: ${summary.days} virtual days in ${(wallMs / 1000).toFixed(1)} s: ` +
        `${summary.halfHourProfiles} half-hour profile entries, ${summary.dailyReads} daily reads, ` +
        `${summary.billingSnapshots} billing snapshots, ${summary.importKWh.toFixed(1)} kWh imported; ` +
        `gas: ${summary.gas.halfHourProfiles} half-hour profile entries, ${summary.gas.dailyReads} daily reads, ` +
        `${summary.gas.volumeM3.toFixed(1)} m3, ${g.disablements} valve closures, ${g.topUps} UTRN top-ups, ` +
        `${g.restorations} restorations; ` +
        `${summary.alerts.total} alerts (${summary.alerts.verified} verified); ` +
        `credit ${(p.startPence / 100).toFixed(2)} -> min ${(p.minPence / 100).toFixed(2)} -> ${(p.endPence / 100).toFixed(2)} GBP, ` +
        `${p.disablements} disablements, ${p.topUps} UTRN top-ups, ${p.restorations} restorations; ` +
        `${summary.commands.verified}/${summary.commands.sent} commands verified`,
    );
  }
  const ok =
    summary.alerts.verified === summary.alerts.total && summary.commands.verified === summary.commands.sent;
  process.exitCode = ok ? EXIT_OK : EXIT_FAILURE;
};
