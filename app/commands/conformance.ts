/**
 * What the command does with its parsed flags (bin/commands/conformance.ts defines the flags).
 * `gbcs-sim conformance --rtds DIR --keystore PATH… [--json]`: RTDS scenarios against our devices. */
import { existsSync, statSync } from 'node:fs';
import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import { loadKeystores } from '../../sim/store/keystore-files.ts';
import { acbOf, EXIT_FAILURE, EXIT_OK, out, UsageError, warnKeystore } from '../cli-io.ts';
import { runConformance } from '../conformance/conformance.ts';

export const conformanceAction = (o: {
  rtds: string;
  keystore: string[];
  acb?: string;
  json?: boolean;
  minMatch: string;
  crypto: CryptoBackendName;
}) => {
  const minMatch = Number(o.minMatch);
  if (!/^\d+(\.\d+)?$/.test(o.minMatch) || minMatch > 100) {
    throw new UsageError(`--min-match: a percentage 0..100, got ${JSON.stringify(o.minMatch)}`);
  }
  if (!existsSync(o.rtds) || !statSync(o.rtds).isDirectory()) {
    throw new UsageError(`--rtds: not a directory: ${o.rtds}`);
  }
  const ks = loadKeystores(o.keystore);
  warnKeystore(ks);
  const acbId = acbOf(ks, o.acb);
  if (!acbId) throw new UsageError('no Access Control Broker in the keystore: give --acb');
  const summary = runConformance(o.rtds, { keystore: ks, crypto: createCrypto(o.crypto), acbId }, (r) => {
    if (o.json) out(JSON.stringify(r));
    else
      out(
        `${r.status === 'matched' ? 'ok  ' : 'DIFF'} ${r.scenario}${r.differences.length ? `: ${r.differences.join('; ')}` : ''}`,
      );
  });
  out(
    o.json
      ? JSON.stringify({ summary })
      : `summary: ${summary.matched}/${summary.scenarios} scenarios matched, ${summary.mismatched} mismatched`,
  );
  const pct = summary.scenarios === 0 ? 0 : (100 * summary.matched) / summary.scenarios;
  process.exitCode = pct >= minMatch ? EXIT_OK : EXIT_FAILURE;
};
