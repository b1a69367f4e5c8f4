/**
 * `npm run bench [-- GROUP…] [--runs N] [--run-ms MS] [--warmup-ms MS] [--list]`
 *
 * Runs the benchmark groups of bench/*.bench.ts (each exports `group: BenchGroup`) — all of them,
 * or those named — with logging off. Prints a table per group to stdout, progress to stderr, and
 * writes bench/results/GROUP.json (git-ignored). Exit codes: 0 ok, 2 usage (unknown group/flag).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchGroup, type BenchSettings, formatGroup, runGroup } from './harness.ts';

// Benches run with logging off (DESIGN §5): set before any group (and what it imports) loads.
process.env.GBCS_SIM_LOG = 'off';

const here = dirname(fileURLToPath(import.meta.url));

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.stderr.write(
    'usage: npm run bench -- [GROUP…] [--runs N] [--run-ms MS] [--warmup-ms MS] [--list]\n',
  );
  process.exit(2);
}

function parseArgs(argv: string[]): { names: string[]; settings: BenchSettings; list: boolean } {
  const settings: BenchSettings = { warmupMs: 300, runs: 5, runMs: 200 };
  const names: string[] = [];
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (key: keyof BenchSettings) => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) usage(`${a} needs a positive number`);
      settings[key] = key === 'runs' ? Math.ceil(v) : v;
    };
    if (a === '--runs') num('runs');
    else if (a === '--run-ms') num('runMs');
    else if (a === '--warmup-ms') num('warmupMs');
    else if (a === '--list') list = true;
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else names.push(a);
  }
  return { names, settings, list };
}

async function loadGroups(): Promise<BenchGroup[]> {
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort();
  const groups: BenchGroup[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as { group?: BenchGroup };
    if (!mod.group) throw new Error(`${f} does not export \`group\``);
    groups.push(mod.group);
  }
  return groups;
}

async function main(): Promise<void> {
  const { names, settings, list } = parseArgs(process.argv.slice(2));
  const all = await loadGroups();
  if (list) {
    for (const g of all) process.stdout.write(`${g.name}\t${g.title}\n`);
    return;
  }
  const unknown = names.filter((n) => !all.some((g) => g.name === n));
  if (unknown.length)
    usage(`unknown group ${unknown.join(', ')} (have: ${all.map((g) => g.name).join(', ')})`);
  const chosen = names.length ? all.filter((g) => names.includes(g.name)) : all;
  const outDir = join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  for (const g of chosen) {
    const started = performance.now();
    // Progress only on a TTY (DESIGN §4); tables on stdout.
    const progress = process.stderr.isTTY ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
    const result = await runGroup(g, settings, progress);
    const file = join(outDir, `${g.name}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${formatGroup(g, result)}\n\n`);
    process.stderr.write(
      `${g.name}: ${((performance.now() - started) / 1000).toFixed(1)} s, results in ${file}\n`,
    );
  }
}

await main();
