/** What `gbcs-sim conformance` does with its parsed flags (bin/commands/conformance.ts defines the flags; DESIGN §4). */
/**
 * What the command does with its parsed flags (bin/commands/conformance.ts defines the flags).
 * `gbcs-sim conformance --rtds DIR --keystore PATH… [--json] [--min-match PCT] [--out DIR]`: RTDS scenarios against our devices. */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../../protocol/bytes.ts';
import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import { makeDirectories } from '../../sim/store/directories.ts';
import { loadKeystores } from '../../sim/store/keystore-files.ts';
import { acbOf, EXIT_FAILURE, EXIT_OK, out, UsageError, warnKeystore } from '../cli-io.ts';
import { type RtdsScenario, runConformance, summaryLine } from '../conformance/conformance.ts';
import { startProgress } from '../progress.ts';

/**
 * Default `--min-match`, percent. RTDS 4.5.0 with its keystore matches 98.3% (357/363; README);
 * a run far below that is a wrong keystore, a wrong tree or a broken build, not a model detail.
 */
export const DEFAULT_MIN_MATCH = 90;

/** Writes one message as upper-case hex, the RTDS file form. */
export function writeHex(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, `${toHex(bytes).toUpperCase()}\n`);
  } catch (e) {
    throw new UsageError(
      `--out: cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

export const conformanceAction = (o: {
  rtds: string;
  keystore: string[];
  acb?: string;
  json?: boolean;
  minMatch: string;
  out?: string;
  crypto: CryptoBackendName;
}) => {
  const minMatch = Number(o.minMatch);
  if (!/^\d+(\.\d+)?$/.test(o.minMatch) || minMatch > 100) {
    throw new UsageError(`--min-match: a percentage 0..100, got ${JSON.stringify(o.minMatch)}`);
  }
  if (!existsSync(o.rtds) || !statSync(o.rtds).isDirectory()) {
    throw new UsageError(`--rtds: not a directory: ${o.rtds}`);
  }
  const outDir = o.out;
  if (outDir !== undefined) {
    try {
      makeDirectories(outDir);
    } catch (e) {
      throw new UsageError(
        `--out: cannot make ${outDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  const ks = loadKeystores(o.keystore);
  warnKeystore(ks);
  const acbId = acbOf(ks, o.acb);
  if (!acbId) throw new UsageError('no Access Control Broker in the keystore: give --acb');
  let progress = startProgress({ label: 'conformance', unit: 'scenarios', total: 0 });
  const writeOwn = (s: RtdsScenario, response: Uint8Array | null, alerts: Uint8Array[]) => {
    if (outDir === undefined || (response === null && alerts.length === 0)) return;
    const folder = join(outDir, s.folder);
    try {
      makeDirectories(folder);
    } catch (e) {
      throw new UsageError(
        `--out: cannot make ${folder}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    if (response) writeHex(join(folder, `${s.prefix}_RESPONSE_GBCS.HEX`), response);
    alerts.forEach((a, i) => {
      writeHex(join(folder, `${s.prefix}_ALERT_${i + 1}_GBCS.HEX`), a);
    });
  };
  let summary: ReturnType<typeof runConformance>;
  try {
    summary = runConformance(
      o.rtds,
      {
        keystore: ks,
        crypto: createCrypto(o.crypto),
        acbId,
        onScenarios: (n) => {
          progress = startProgress({ label: 'conformance', unit: 'scenarios', total: n });
        },
        onMessages: writeOwn,
      },
      (r) => {
        progress.print(() => {
          if (o.json) out(JSON.stringify(r));
          else
            out(
              `${r.status === 'matched' ? 'ok  ' : 'DIFF'} ${r.scenario} [${r.played}]${r.differences.length ? `: ${r.differences.join('; ')}` : ''}`,
            );
        });
        progress.increment(r.scenario);
      },
    );
  } finally {
    progress.stop();
  }
  out(o.json ? JSON.stringify({ summary }) : summaryLine(summary));
  // Nothing found or nothing matched is a failure whatever --min-match says: a wrong --rtds
  // folder or a keystore of other identities must not pass a CI gate (issue 15 item 2).
  const pct = summary.scenarios === 0 ? 0 : (100 * summary.matched) / summary.scenarios;
  const why =
    summary.scenarios === 0
      ? `no RTDS scenario under ${o.rtds} (no folder holds *_COMMAND/_RESPONSE/_ALERT_GBCS.HEX files)`
      : summary.matched === 0
        ? `none of ${summary.scenarios} scenarios matched: is --keystore the one of this RTDS tree?`
        : pct < minMatch
          ? `${summary.matched} of ${summary.scenarios} scenarios matched (${pct.toFixed(1)}%), below --min-match ${minMatch}%`
          : null;
  if (why) process.stderr.write(`gbcs-sim: conformance: ${why}\n`);
  process.exitCode = why ? EXIT_FAILURE : EXIT_OK;
};
