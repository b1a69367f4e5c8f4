/**
 * A small benchmark harness (DESIGN §2, §6): each case is warmed up, then run for a few fixed
 * slices of wall time (interleaved across cases); the result is the median ops/s of the slices, with their spread so noise
 * is visible. Groups live in `bench/*.bench.ts` and export `group: BenchGroup`; bench/run.ts finds
 * and runs them side by side in one process, so ratios compare like with like.
 */
import { cpus, platform, release } from 'node:os';

/** One measured operation: `name` is the table row, `variant` the column (e.g. a back-end). */
export interface BenchCase {
  name: string;
  variant: string;
  /** One operation. Return its result so the JIT cannot drop the work. */
  fn: () => unknown;
}

/** A ratio to print: opsPerSec(numerator) / opsPerSec(denominator), cases by `name`+`variant`. */
export interface BenchRatio {
  label: string;
  numerator: { name: string; variant: string };
  denominator: { name: string; variant: string };
}

export interface BenchGroup {
  /** Command-line name (`npm run bench -- NAME`) and results file `bench/results/NAME.json`. */
  name: string;
  title: string;
  /** Column order of the table. */
  variants: string[];
  /** Builds the cases: keys, inputs, warm caches. Not timed. */
  setup(): BenchCase[];
  ratios?: BenchRatio[];
  /** Lines printed under the table (what a column means, caveats). */
  notes?: string[];
}

export interface BenchSettings {
  /** Untimed calls before measuring (JIT, caches, lazily built tables), in ms of wall time. */
  warmupMs: number;
  /** Timed slices per case; the median is reported. */
  runs: number;
  /** Wall time of one slice, ms. */
  runMs: number;
}

export interface Measurement {
  name: string;
  variant: string;
  /** Median over the slices. */
  opsPerSec: number;
  /** 1e6 / opsPerSec. */
  usPerOp: number;
  /** (max − min) / median of the slices' ops/s. */
  spread: number;
  /** ops/s of each slice. */
  runs: number[];
  /** Operations timed, over all slices. */
  iterations: number;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    node: process.version,
    platform: `${platform()} ${release()} ${process.arch}`,
  };
}

// A sink the optimiser cannot see through.
let sink: unknown;
export function blackhole(): unknown {
  return sink;
}

const now = (): number => performance.now();

/** Runs `fn` until `ms` have passed, in batches sized so the clock is read ~every ms. */
function runFor(fn: () => unknown, ms: number, batch: number): { ops: number; elapsed: number } {
  let ops = 0;
  const t0 = now();
  let t = t0;
  do {
    for (let i = 0; i < batch; i++) sink = fn();
    ops += batch;
    t = now();
  } while (t - t0 < ms);
  return { ops, elapsed: t - t0 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function summarise(c: BenchCase, runs: number[], iterations: number): Measurement {
  const opsPerSec = median(runs);
  return {
    name: c.name,
    variant: c.variant,
    opsPerSec,
    usPerOp: 1e6 / opsPerSec,
    spread: (Math.max(...runs) - Math.min(...runs)) / opsPerSec,
    runs,
    iterations,
  };
}

/**
 * Measures cases side by side: all are warmed up (which also sizes each one's batch to ~1 ms per
 * clock read), then the timed slices are interleaved — slice 1 of every case, then slice 2, … — so
 * a noisy neighbour slows every variant alike instead of skewing one column.
 */
export function measureAll(
  cases: BenchCase[],
  settings: BenchSettings,
  progress: (line: string) => void = () => {},
): Measurement[] {
  const batches = cases.map((c) => {
    progress(`  warm-up: ${c.name} [${c.variant}]`);
    const w = runFor(c.fn, settings.warmupMs, 1);
    return Math.max(1, Math.min(10_000, Math.floor(w.ops / w.elapsed)));
  });
  const runs = cases.map((): number[] => []);
  const iterations = cases.map(() => 0);
  for (let r = 0; r < settings.runs; r++) {
    progress(`  slice ${r + 1}/${settings.runs}`);
    cases.forEach((c, i) => {
      const { ops, elapsed } = runFor(c.fn, settings.runMs, batches[i]!);
      runs[i]!.push((ops * 1000) / elapsed);
      iterations[i]! += ops;
    });
  }
  return cases.map((c, i) => summarise(c, runs[i]!, iterations[i]!));
}

export interface GroupResult {
  group: string;
  title: string;
  machine: MachineInfo;
  settings: BenchSettings;
  /** ISO time of the run (report metadata only). */
  date: string;
  results: Measurement[];
  ratios: { label: string; value: number | null }[];
}

/** Runs every case of `group`; `progress` gets one line per case (stderr). */
export function runGroup(
  group: BenchGroup,
  settings: BenchSettings,
  progress: (line: string) => void = () => {},
): GroupResult {
  const results = measureAll(group.setup(), settings, progress);
  const find = (k: { name: string; variant: string }) =>
    results.find((m) => m.name === k.name && m.variant === k.variant);
  const ratios = (group.ratios ?? []).map((r) => {
    const a = find(r.numerator);
    const b = find(r.denominator);
    return { label: r.label, value: a && b ? a.opsPerSec / b.opsPerSec : null };
  });
  return {
    group: group.name,
    title: group.title,
    machine: machineInfo(),
    settings,
    date: new Date().toISOString(),
    results,
    ratios,
  };
}

const fmtOps = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3));

/** The result as a plain-text table: rows = case names, columns = variants. */
export function formatGroup(group: BenchGroup, r: GroupResult): string {
  const names = [...new Set(r.results.map((m) => m.name))];
  const cell = (name: string, variant: string): string => {
    const m = r.results.find((x) => x.name === name && x.variant === variant);
    return m ? `${fmtOps(m.opsPerSec)} ±${Math.round(m.spread * 50)}%` : '—';
  };
  const header = ['ops/s (median)', ...group.variants];
  const rows = names.map((n) => [n, ...group.variants.map((v) => cell(n, v))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cols: string[]) =>
    cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  const out = [
    `${r.group} — ${r.title}`,
    `machine: ${r.machine.cpu} × ${r.machine.cores} cores, node ${r.machine.node}, ${r.machine.platform}`,
    `each cell: median of ${r.settings.runs} interleaved slices of ${r.settings.runMs} ms after ${r.settings.warmupMs} ms warm-up; ± = half the min–max spread`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  if (r.ratios.length) {
    out.push('', 'ratios (ops/s ÷ ops/s)');
    const lw = Math.max(...r.ratios.map((x) => x.label.length));
    for (const x of r.ratios)
      out.push(`  ${x.label.padEnd(lw)}   ${x.value === null ? '—' : `${x.value.toFixed(2)}×`}`);
  }
  if (group.notes?.length) out.push('', ...group.notes.map((n) => `note: ${n}`));
  return out.join('\n');
}
