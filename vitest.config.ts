import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['protocol/**/*.ts', 'sim/**/*.ts', 'hw/**/*.ts', 'app/**/*.ts', 'bin/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      // The figures are printed even when a test fails, so a run always shows where coverage stands.
      reportOnFailure: true,
      // A floor that only rises: just below the figures measured on the whole suite (ARCHITECTURE.md;
      // measured 83.06 / 72.53 / 86.06 / 85.81 % on 2026-12-08 after the console and test merges).
      thresholds: { statements: 83, branches: 72, functions: 86, lines: 85 },
    },
  },
});
