import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { DatabaseError } from './errors.js';
import * as schema from './schema.js';

export type SnapclassDb = BetterSQLite3Database<typeof schema>;

/** An open database: the drizzle handle, the raw driver handle and its file. */
export interface DatabaseHandle {
  db: SnapclassDb;
  sqlite: Database.Database;
  file: string;
  close(): void;
}

/** Options for {@link openDatabase}. */
export interface OpenDatabaseArgs {
  /** SQLite file; created with its folder when missing. `:memory:` is allowed in tests. */
  file: string;
  logger?: Logger;
}

const MIGRATIONS_FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Opens the SQLite database in WAL mode with foreign keys on, and applies every pending
 * migration from `db/migrations`.
 *
 * @throws DatabaseError naming the file when it cannot be created, opened or migrated.
 */
export function openDatabase(args: OpenDatabaseArgs): DatabaseHandle {
  const logger = (args.logger ?? silentLogger).child({ component: 'db' });
  const file = args.file;

  let sqlite: Database.Database;
  try {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    // A writer waits this long (ms) for another connection's lock before failing.
    sqlite.pragma('busy_timeout = 5000');
  } catch (error) {
    throw new DatabaseError(
      `Cannot open the database ${file}: ${(error as Error).message}. ` +
        'Check that the folder exists and is writable, or set SNAPCLASS_DB to another file.',
      { cause: error },
    );
  }

  const db = drizzle(sqlite, { schema });
  try {
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (error) {
    sqlite.close();
    throw new DatabaseError(
      `Cannot apply the migrations in ${MIGRATIONS_FOLDER} to ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  logger.info({ file }, 'database opened');

  return {
    db,
    sqlite,
    file,
    close() {
      if (sqlite.open) {
        sqlite.close();
        logger.info({ file }, 'database closed');
      }
    },
  };
}

/**
 * Reports whether the database accepts writes now, by writing inside a transaction that is
 * rolled back. Used by the readiness probe.
 */
export function isDatabaseWritable(handle: DatabaseHandle): boolean {
  if (!handle.sqlite.open) return false;
  try {
    handle.sqlite.exec('BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS _write_probe (x); ROLLBACK;');
    return true;
  } catch {
    try {
      if (handle.sqlite.inTransaction) handle.sqlite.exec('ROLLBACK');
    } catch {
      // The connection is already unusable; the probe result below says so.
    }
    return false;
  }
}
