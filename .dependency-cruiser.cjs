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

/** A forbidden dependency: `from` modules may not import `to` modules (dependency-cruiser rule). */
const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

module.exports = {
  forbidden: [
    forbid(
      'no-cycles',
      'An import cycle ties modules into one: cut it by moving the shared part down a layer.',
      {},
      { circular: true },
    ),
    forbid(
      'protocol-is-the-bottom',
      'protocol/ is pure codecs and crypto: it imports nothing of the project above it.',
      { path: '^protocol/' },
      { path: '^(sim|hw|app|bin|bench|test|scripts)/' },
    ),
    forbid(
      'protocol-has-no-io',
      'protocol/ is pure and synchronous: no files, sockets, processes or clocks.',
      { path: '^protocol/' },
      { dependencyTypes: ['core'], path: NODE_IO },
    ),
    forbid(
      'hw-below-app',
      'hw/ (transports, framing) knows GBCS bytes only: never the devices or the jobs.',
      { path: '^hw/' },
      { path: '^(sim|app|bin|bench|test|scripts)/' },
    ),
    forbid(
      'sim-below-app',
      'sim/ (state and behaviour) never reaches up to the jobs, the transports or the CLI.',
      { path: '^sim/' },
      { path: '^(hw|app|bin|bench|test|scripts)/' },
    ),
    forbid(
      'sim-io-only-in-store',
      'sim/ does no file, socket or process I/O except through the stores of sim/store/; the jobs of app/ read files and print.',
      { path: '^sim/', pathNot: '^sim/store/' },
      { dependencyTypes: ['core'], path: NODE_IO },
    ),
    forbid(
      'sim-no-console',
      'sim/ prints nothing: the jobs of app/ do (checked by the `console`/`process` rule in biome too).',
      { path: '^sim/' },
      { dependencyTypes: ['core'], path: '^(node:)?(console|process)$' },
    ),
    forbid(
      'app-below-bin',
      'app/ is a library of jobs: the command line (bin/) calls it, never the other way.',
      { path: '^app/' },
      { path: '^(bin|bench|test|scripts)/' },
    ),
    forbid(
      'bin-only-flags',
      'bin/ parses flags and calls app/: it imports app/ (and bin/) only, never sim/, hw/ or protocol/.',
      { path: '^bin/' },
      { path: '^(sim|hw|protocol)/' },
    ),
    forbid(
      'ui-is-a-page',
      'ui/ is the web console page the browser loads (served by app/console.ts): it imports only ui/ and its browser libraries.',
      { path: '^ui/' },
      { path: '^(protocol|sim|hw|app|bin|bench|test|scripts)/' },
    ),
    forbid(
      'devices-do-not-see-the-dcc',
      'The DCC gate (sim/dcc/) sits between Remote Parties and devices: devices, models and premises answer what reaches them and never import it.',
      { path: '^sim/(device|models|premises)/' },
      { path: '^sim/dcc/' },
    ),
    forbid(
      'no-test-code-in-the-product',
      'Product code never imports tests, fixtures or benchmarks.',
      { path: '^(protocol|sim|hw|app|bin|ui)/' },
      { path: '^(test|bench)/' },
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
