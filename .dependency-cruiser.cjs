/**
 * The layer rule of DESIGN §1 and ARCHITECTURE.md, checked by `npm run lint` (so CI fails on a
 * violation):
 *
 *   bin/ ──► app/ ──► sim/ ──► protocol/        ui/ (the page app/console serves) ──► ui/ only
 *                 └─► hw/  ──► protocol/
 *   bench/, test/, scripts/ ──► any
 *
 * Imports go only downwards (a layer may skip one below it, never import one above or beside it),
 * no module takes part in an import cycle, and file or console I/O stays out of sim/ except in
 * sim/store/ (the file-backed stores). `test/arch/layers.test.ts` proves each rule fails on a
 * deliberate violation.
 */
const NODE_IO =
  '^(node:)?(fs|fs/promises|net|http|https|http2|tty|readline|child_process|dgram|worker_threads)$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle ties modules into one: cut it by moving the shared part down a layer.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'protocol-is-the-bottom',
      comment: 'protocol/ is pure codecs and crypto: it imports nothing of the project above it.',
      severity: 'error',
      from: { path: '^protocol/' },
      to: { path: '^(sim|hw|app|bin|bench|test|scripts)/' },
    },
    {
      name: 'protocol-has-no-io',
      comment: 'protocol/ is pure and synchronous: no files, sockets, processes or clocks.',
      severity: 'error',
      from: { path: '^protocol/' },
      to: { dependencyTypes: ['core'], path: NODE_IO },
    },
    {
      name: 'hw-below-app',
      comment: 'hw/ (transports, framing) knows GBCS bytes only: never the devices or the jobs.',
      severity: 'error',
      from: { path: '^hw/' },
      to: { path: '^(sim|app|bin|bench|test|scripts)/' },
    },
    {
      name: 'sim-below-app',
      comment: 'sim/ (state and behaviour) never reaches up to the jobs, the transports or the CLI.',
      severity: 'error',
      from: { path: '^sim/' },
      to: { path: '^(hw|app|bin|bench|test|scripts)/' },
    },
    {
      name: 'sim-io-only-in-store',
      comment:
        'sim/ does no file, socket or process I/O except through the stores of sim/store/; the jobs of app/ read files and print.',
      severity: 'error',
      from: { path: '^sim/', pathNot: '^sim/store/' },
      to: { dependencyTypes: ['core'], path: NODE_IO },
    },
    {
      name: 'sim-no-console',
      comment:
        'sim/ prints nothing: the jobs of app/ do (checked by the `console`/`process` rule in biome too).',
      severity: 'error',
      from: { path: '^sim/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(console|process)$' },
    },
    {
      name: 'app-below-bin',
      comment: 'app/ is a library of jobs: the command line (bin/) calls it, never the other way.',
      severity: 'error',
      from: { path: '^app/' },
      to: { path: '^(bin|bench|test|scripts)/' },
    },
    {
      name: 'bin-only-flags',
      comment:
        'bin/ parses flags and calls app/: it imports app/ (and bin/) only, never sim/, hw/ or protocol/.',
      severity: 'error',
      from: { path: '^bin/' },
      to: { path: '^(sim|hw|protocol)/' },
    },
    {
      name: 'ui-is-a-page',
      comment:
        'ui/ is the web console page the browser loads (served by app/console.ts): it imports only ui/ and its browser libraries.',
      severity: 'error',
      from: { path: '^ui/' },
      to: { path: '^(protocol|sim|hw|app|bin|bench|test|scripts)/' },
    },
    {
      name: 'no-test-code-in-the-product',
      comment: 'Product code never imports tests, fixtures or benchmarks.',
      severity: 'error',
      from: { path: '^(protocol|sim|hw|app|bin|ui)/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
