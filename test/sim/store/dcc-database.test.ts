/** The DCC database file: pragmas, migrations by user_version, refusal of files that are not ours. */
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../sim/inventory/migrations.ts';
import { APPLICATION_ID, openDccDatabase, transaction } from '../../../sim/store/dcc-database.ts';
import { codeOf } from '../../fixtures/errors.ts';
import { tmpDir } from '../../fixtures/sqlite.ts';

describe('DCC database store', () => {
  const tmp = tmpDir();
  afterAll(() => tmp.cleanup());

  it('a new file: WAL, synchronous FULL (2), foreign keys on, application_id and user_version set', () => {
    const db = openDccDatabase(tmp.file('new.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(5);
    db.close();
  });

  it('a version-1 file is migrated to the current version on open, keeping its rows', () => {
    const f = tmp.file('v1.db');
    const old = openDccDatabase(f, { migrations: MIGRATIONS.filter((m) => m.version === 1) });
    expect(old.pragma('user_version', { simple: true })).toBe(1);
    old
      .prepare(
        "INSERT INTO devices (device_id, device_type, manufacturer, model, smi_status, status_since) VALUES ('00000000000000aa', 'ESME', 'M', 'X', 'Pending', 0)",
      )
      .run();
    expect(() => old.prepare('SELECT * FROM ch_hubs').all()).toThrow(/no such table/);
    old.close();
    const db = openDccDatabase(f);
    expect(db.pragma('user_version', { simple: true })).toBe(5);
    expect(SCHEMA_VERSION).toBe(5);
    expect(db.prepare('SELECT count(*) AS n FROM ch_hubs').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM recovery_incidents').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM han_device_log_copies').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM duis_outbox').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT device_id FROM devices').all()).toEqual([{ device_id: '00000000000000aa' }]);
    db.close();
  });

  it('refuses a file from a newer gbcs-sim (DB_TOO_NEW), another application (DB_INVALID), a non-SQLite file (DB_INVALID), a missing one when it must exist (DB_NOT_FOUND), a directory (DB_UNUSABLE)', () => {
    const newer = tmp.file('newer.db');
    openDccDatabase(newer).close();
    const raw = new Database(newer);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(codeOf(() => openDccDatabase(newer))).toBe('DB_TOO_NEW');

    const foreign = tmp.file('foreign.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE t (x)');
    other.close();
    expect(codeOf(() => openDccDatabase(foreign))).toBe('DB_INVALID');
    // …and it was not touched: no gbcs-sim tables added
    const check = new Database(foreign);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([
      { name: 't' },
    ]);
    check.close();

    const text = tmp.file('text.db');
    writeFileSync(text, 'this is not a database, it is a text file of some length '.repeat(20));
    expect(codeOf(() => openDccDatabase(text))).toBe('DB_INVALID');

    expect(codeOf(() => openDccDatabase(tmp.file('missing.db'), { mustExist: true }))).toBe('DB_NOT_FOUND');
    expect(codeOf(() => openDccDatabase(tmp.dir))).toBe('DB_UNUSABLE');
  });

  it('a transaction that throws leaves nothing; nested ones roll back to their savepoint', () => {
    const db = openDccDatabase(':memory:');
    const add = (id: string) =>
      db
        .prepare(
          "INSERT INTO devices (device_id, device_type, manufacturer, model, smi_status, status_since) VALUES (?, 'ESME', 'M', 'X', 'Pending', 0)",
        )
        .run(id);
    expect(() =>
      transaction(db, () => {
        add('0000000000000001');
        throw new Error('refused');
      }),
    ).toThrow('refused');
    transaction(db, () => {
      add('0000000000000002');
      try {
        transaction(db, () => {
          add('0000000000000003');
          throw new Error('inner');
        });
      } catch {}
    });
    expect(db.prepare('SELECT device_id FROM devices').all()).toEqual([{ device_id: '0000000000000002' }]);
    db.close();
  });

  it('CHECK constraints hold the enumerations: a status outside the nine is rejected by SQLite itself', () => {
    const db = openDccDatabase(':memory:');
    expect(() =>
      db
        .prepare(
          "INSERT INTO devices (device_id, device_type, manufacturer, model, smi_status, status_since) VALUES ('0000000000000001', 'ESME', 'M', 'X', 'Installed', 0)",
        )
        .run(),
    ).toThrow(/CHECK constraint/);
    db.close();
  });
});
