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
  /** One operation. Return its result so the JIT cannot drop the work. (Give `fn` or `run`.) */
  fn?: () => unknown;
  /** One asynchronous operation (I/O), measured one awaited call after another. */
  run?: () => Promise<unknown>;
  /** Per-operation latencies the case records itself, µs: emptied after warm-up, reported as p50/p99. */
  samplesUs?: number[];
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
  /** Builds the cases: keys, inputs, warm caches, links. Not timed. */
  setup(): BenchCase[] | Promise<BenchCase[]>;
  /** Releases what setup made (links, child processes), after the measurements. */
  teardown?(): void | Promise<void>;
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
  /** For cases recording `samplesUs`: latency percentiles over the timed slices, µs. */
  latencyUs?: { p50: number; p99: number; samples: number };
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

/** Runs the async `op` one call after another until `ms` have passed. */
async function runForAsync(
  op: () => Promise<unknown>,
  ms: number,
): Promise<{ ops: number; elapsed: number }> {
  let ops = 0;
  const t0 = now();
  let t = t0;
  do {
    sink = await op();
    ops++;
    t = now();
  } while (t - t0 < ms);
  return { ops, elapsed: t - t0 };
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function summarise(c: BenchCase, runs: number[], iterations: number): Measurement {
  const opsPerSec = median(runs);
  const m: Measurement = {
    name: c.name,
    variant: c.variant,
    opsPerSec,
    usPerOp: 1e6 / opsPerSec,
    spread: (Math.max(...runs) - Math.min(...runs)) / opsPerSec,
    runs,
    iterations,
  };
  if (c.samplesUs?.length) {
    const sorted = [...c.samplesUs].sort((a, b) => a - b);
    m.latencyUs = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), samples: sorted.length };
  }
  return m;
}

/**
 * Measures cases side by side: all are warmed up (which also sizes each one's batch to ~1 ms per
 * clock read), then the timed slices are interleaved — slice 1 of every case, then slice 2, … — so
 * a noisy neighbour slows every variant alike instead of skewing one column.
 */
export async function measureAll(
  cases: BenchCase[],
  settings: BenchSettings,
  progress: (line: string) => void = () => {},
): Promise<Measurement[]> {
  const slice = async (c: BenchCase, ms: number, batch: number) => {
    if (c.run) return runForAsync(c.run, ms);
    if (!c.fn) throw new Error(`bench case ${c.name} [${c.variant}] has neither fn nor run`);
    return runFor(c.fn, ms, batch);
  };
  const batches: number[] = [];
  for (const c of cases) {
    progress(`  warm-up: ${c.name} [${c.variant}]`);
    const w = await slice(c, settings.warmupMs, 1);
    batches.push(Math.max(1, Math.min(10_000, Math.floor(w.ops / w.elapsed))));
    if (c.samplesUs) c.samplesUs.length = 0;
  }
  const runs = cases.map((): number[] => []);
  const iterations = cases.map(() => 0);
  for (let r = 0; r < settings.runs; r++) {
    progress(`  slice ${r + 1}/${settings.runs}`);
    for (const [i, c] of cases.entries()) {
      const { ops, elapsed } = await slice(c, settings.runMs, batches[i]!);
      runs[i]!.push((ops * 1000) / elapsed);
      iterations[i]! += ops;
    }
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
export async function runGroup(
  group: BenchGroup,
  settings: BenchSettings,
  progress: (line: string) => void = () => {},
): Promise<GroupResult> {
  let results: Measurement[];
  try {
    results = await measureAll(await group.setup(), settings, progress);
  } finally {
    await group.teardown?.();
  }
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

const fmtUs = (us: number): string => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${Math.round(us)} µs`);

/** The result as a plain-text table: rows = case names, columns = variants (with p50/p99 latency when recorded). */
export function formatGroup(group: BenchGroup, r: GroupResult): string {
  const names = [...new Set(r.results.map((m) => m.name))];
  const cell = (name: string, variant: string): string => {
    const m = r.results.find((x) => x.name === name && x.variant === variant);
    if (!m) return '—';
    const lat = m.latencyUs ? `  p50 ${fmtUs(m.latencyUs.p50)} p99 ${fmtUs(m.latencyUs.p99)}` : '';
    return `${fmtOps(m.opsPerSec)} ±${Math.round(m.spread * 50)}%${lat}`;
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
