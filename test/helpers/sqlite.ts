/** Helpers for tests on the DCC-side SQLite file: temporary directories, full dumps, file bytes. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../sim/inventory/store.ts';

/** A fresh temporary directory and a function that removes it. */
export function tmpDir(prefix = 'gbcs-sim-db-'): {
  dir: string;
  file: (name: string) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Every table's rows (in rowid order) and the schema: equal dumps mean equal databases. */
export function dumpDb(db: Db): string {
  const tables = db
    .prepare<[], { name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all();
  const out: string[] = [`user_version=${db.pragma('user_version', { simple: true })}`];
  for (const t of tables) {
    out.push(`-- ${t.sql}`);
    for (const row of db.prepare(`SELECT * FROM "${t.name}" ORDER BY rowid`).all())
      out.push(JSON.stringify(row));
  }
  return out.join('\n');
}

/** The bytes of a database file and its -wal (if any), for byte-identity checks. */
export function fileBytes(path: string): Buffer {
  const wal = `${path}-wal`;
  return Buffer.concat([readFileSync(path), existsSync(wal) ? readFileSync(wal) : Buffer.alloc(0)]);
}
