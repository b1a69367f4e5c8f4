import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['protocol/**/*.ts', 'sim/**/*.ts', 'hw/**/*.ts', 'app/**/*.ts'],
      // bin/ (commander flags) and app/commands/ (one action per command: flag checks, exit codes,
      // process signals) run only in the child processes of the CLI tests (test/bin, test/app/*cli*),
      // which V8 coverage of the test process cannot see: they showed 0 % however well tested, and
      // every new command lowered the figure. The measure is of what runs in process.
      exclude: ['app/commands/**'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      // The figures are printed even when a test fails, so a run always shows where coverage stands.
      reportOnFailure: true,
      // A floor that only rises: one point below the figures measured on the whole suite (86.21 /
      // 76.52 / 88.98 / 89.06 % on 2026-12-08 after the recovery, inventory wiring, fleet, DUIS and
      // catalogue merges, without bin/ and app/commands/), so a machine without an optional tool
      // (socat, Chromium, Java 17: those tests skip) still passes.
      thresholds: { statements: 85, branches: 75, functions: 88, lines: 88 },
    },
  },
});
