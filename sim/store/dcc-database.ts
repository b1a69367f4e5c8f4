/**
 * The DCC-side database file (better-sqlite3): opening, pragmas, migrations, transactions.
 *
 * Settings, applied on every open:
 * - `journal_mode = WAL`: readers never block the writer; a commit appends to the -wal file.
 * - `synchronous = FULL`: every commit fsyncs the WAL before it returns. A SIGKILL never loses a
 *   committed transaction with any setting above OFF (the kernel keeps what was written); FULL is
 *   chosen so that a power cut or OS crash does not either (NORMAL could drop the last commits).
 *   Its cost is one fsync per commit: the CLI commits once per command, `ch simulate` once per
 *   virtual day.
 * - `foreign_keys = ON` (off by default in SQLite, per connection).
 * - `application_id` marks the file as gbcs-sim's, `user_version` is the schema version
 *   (`MIGRATIONS`).
 *
 * Every operation of the inventory and the CH lifecycle runs in `transaction()`: all its writes
 * commit together or none do (nested calls become savepoints).
 */
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { GbcsError } from '../../protocol/errors.ts';
import { StoreCode } from '../inventory/errors.ts';
import { MIGRATIONS, type Migration, SCHEMA_VERSION } from '../inventory/migrations.ts';

export type Db = Database.Database;

/** `PRAGMA application_id` of gbcs-sim DCC databases ("GBSI"). */
export const APPLICATION_ID = 0x47425349;

export interface OpenOptions {
  /** Refuse (DB_NOT_FOUND) instead of creating a missing file. */
  mustExist?: boolean;
  /** Migrations to apply (tests pass a prefix to build an older schema). Default: all. */
  migrations?: readonly Migration[];
}

const storeError = (code: string, message: string, cause?: unknown) =>
  new GbcsError(code, message, cause === undefined ? undefined : { cause });

/**
 * Opens (creating if allowed) the database at `path` (`:memory:` for unit tests), applies the
 * pragmas and any pending migrations.
 * @throws GbcsError DB_NOT_FOUND, DB_INVALID (not SQLite, or another application's database),
 *   DB_TOO_NEW (user_version beyond SCHEMA_VERSION), DB_UNUSABLE (cannot open or write).
 */
export function openDccDatabase(path: string, options: OpenOptions = {}): Db {
  const memory = path === ':memory:';
  if (!memory) {
    if (existsSync(path) && statSync(path).isDirectory())
      throw storeError(StoreCode.DB_UNUSABLE, `${path} is a directory, not a database file`);
    if (options.mustExist && !existsSync(path))
      throw storeError(
        StoreCode.DB_NOT_FOUND,
        `no database at ${path} (create one with inventory add or ch order)`,
      );
  }
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: options.mustExist === true && !memory });
  } catch (e) {
    throw storeError(StoreCode.DB_UNUSABLE, `cannot open ${path}: ${(e as Error).message}`, e);
  }
  try {
    db.pragma('busy_timeout = 5000');
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as {
      n: number;
    };
    if (appId !== APPLICATION_ID && (appId !== 0 || version !== 0 || tables.n > 0))
      throw storeError(StoreCode.DB_INVALID, `${path} is an SQLite database, but not a gbcs-sim one`);
    if (version > SCHEMA_VERSION)
      throw storeError(
        StoreCode.DB_TOO_NEW,
        `${path} has schema version ${version}; this gbcs-sim knows up to ${SCHEMA_VERSION}`,
      );
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, options.migrations ?? MIGRATIONS);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof GbcsError) throw e;
    const code = (e as { code?: string }).code ?? '';
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
      throw storeError(StoreCode.DB_INVALID, `${path} is not an SQLite database`, e);
    throw storeError(StoreCode.DB_UNUSABLE, `cannot use ${path}: ${(e as Error).message}`, e);
  }
}

/** Applies the migrations newer than the file's user_version, each in one transaction. */
function migrate(db: Db, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      if (current === 0 && m === migrations.find((x) => x.version > current))
        db.pragma(`application_id = ${APPLICATION_ID}`);
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

/** Runs `fn` in one transaction (BEGIN IMMEDIATE; a savepoint when nested). A throw rolls it back. */
export function transaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** The schema version of an open database. */
export const schemaVersion = (db: Db): number => db.pragma('user_version', { simple: true }) as number;
