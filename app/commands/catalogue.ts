/**
 * What `gbcs-sim catalogue [--coverage] [--json]` does with its parsed flags (bin/commands/catalogue.ts
 * defines the flags): every Message Code and alert code with, per device type (ESME, GSME, GPF,
 * CHF), whether the model implements it, answers it generically or refuses it
 * (sim/catalogue/coverage.ts says how that is determined).
 *
 * Text: one line per code (the status per device type: `impl`, `gen`, `ref`, `-` = not a code of
 * that type), then the summary table; `--coverage` prints the summary table only.
 * `--json`: one object per (code, device type) — `{kind, code, name, title, deviceType, status,
 * reason}` — then `{"summary": {"ESME": {"implemented", "generic", "refused"}, "GSME", "GPF",
 * "CHF"}}`; with `--coverage` only the summary line. Exit 0.
 */
import {
  COVERAGE_DEVICE_TYPES,
  type CoverageRow,
  type CoverageSummary,
  catalogueCoverage,
  coverageSummary,
} from '../../sim/catalogue/coverage.ts';
import { EXIT_OK, out } from '../cli-io.ts';

const SHORT = { implemented: 'impl', generic: 'gen', refused: 'ref' } as const;

/** The summary as a table: one line per device type with its three counts. */
export function summaryTable(s: CoverageSummary): string[] {
  const lines = ['device  implemented  generic  refused'];
  for (const t of COVERAGE_DEVICE_TYPES) {
    const c = s[t];
    lines.push(
      `${t.padEnd(6)}  ${String(c.implemented).padStart(11)}  ${String(c.generic).padStart(7)}  ${String(c.refused).padStart(7)}`,
    );
  }
  return lines;
}

/** The per-code table: code, kind, name and the status per device type. */
export function codeTable(rows: readonly CoverageRow[]): string[] {
  const byCode = new Map<string, CoverageRow[]>();
  for (const r of rows) {
    const key = `${r.kind}/${r.code}`;
    const list = byCode.get(key);
    if (list) list.push(r);
    else byCode.set(key, [r]);
  }
  const lines = [
    `code    kind        name                                 ${COVERAGE_DEVICE_TYPES.map((t) => t.padEnd(5)).join('')}`,
  ];
  for (const list of byCode.values()) {
    const first = list[0]!;
    const cells = COVERAGE_DEVICE_TYPES.map((t) => {
      const r = list.find((x) => x.deviceType === t);
      return (r ? SHORT[r.status] : '-').padEnd(5);
    });
    const name = (first.name || first.title).slice(0, 36).padEnd(36);
    lines.push(`${first.code}  ${first.kind.padEnd(10)}  ${name} ${cells.join('')}`.trimEnd());
  }
  return lines;
}

export const catalogueAction = (o: { coverage?: boolean; json?: boolean }) => {
  const rows = catalogueCoverage();
  const summary = coverageSummary(rows);
  if (o.json) {
    if (!o.coverage) for (const r of rows) out(JSON.stringify(r));
    out(JSON.stringify({ summary }));
  } else {
    if (!o.coverage) for (const l of [...codeTable(rows), '']) out(l);
    for (const l of summaryTable(summary)) out(l);
  }
  process.exitCode = EXIT_OK;
};
