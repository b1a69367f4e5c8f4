/**
 * Access to ../shared (the DCC Reference Test Data Set and friends). The product never needs it;
 * tests that do use `describeShared`, which skips with a message when it is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export const SHARED_DIR =
  process.env.GBCS_SIM_SHARED ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared');
export const sharedAvailable = existsSync(join(SHARED_DIR, 'vectors', 'rtds-4.5.0.messages.json'));
if (!sharedAvailable) {
  console.warn(
    `[gbcs-sim tests] ${SHARED_DIR} not found: vector and RTDS suites are skipped (set GBCS_SIM_SHARED).`,
  );
}

/**
 * `describe` for suites that read ../shared. When it is absent the suite body is NOT run (it
 * would read the missing files while collecting); one skipped test says why instead.
 */
export function describeShared(name: string, fn: () => void): void {
  if (sharedAvailable) describe(name, fn);
  else
    describe(name, () =>
      it.skip(`needs the reference data in ${SHARED_DIR} (set GBCS_SIM_SHARED)`, () => {}),
    );
}

export function sharedPath(...p: string[]): string {
  return join(SHARED_DIR, ...p);
}

export function readSharedJson<T = any>(...p: string[]): T {
  return JSON.parse(readFileSync(sharedPath(...p), 'utf8')) as T;
}

export const RTDS_DIR = sharedPath('samples', 'smartdcc-gbcs-parser-rtds', 'RTDS-4.5.0');
export const RTDS_KEYSTORE_DIR = sharedPath('samples', 'smartdcc-gbcs-parser-rtds', 'keystore');

export interface RtdsVector {
  id: string;
  path: string;
  useCaseDir: string;
  role: 'COMMAND' | 'PRECOMMAND' | 'RESPONSE' | 'ALERT';
  hex: string;
  expected: any;
}

let cache: RtdsVector[] | undefined;
export function rtdsVectors(): RtdsVector[] {
  if (!sharedAvailable) return [];
  cache ??= readSharedJson<{ messages: RtdsVector[] }>('vectors', 'rtds-4.5.0.messages.json').messages;
  return cache;
}
