import { defineConfig as definePostgresConfig, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { defineConfig as defineSqliteConfig, SqliteDriver } from '@mikro-orm/sqlite';
import { Migrator } from '@mikro-orm/migrations';
import type { Options } from '@mikro-orm/core';
import type { DatabaseTarget } from '../config/aol-config';
import { POSTGRESQL_MIGRATIONS } from './migrations/postgresql';
import { SQLITE_MIGRATIONS } from './migrations/sqlite';
import { SQLITE_BUSY_TIMEOUT_MS } from './sqlite-connection';

const MIGRATIONS_TABLE = 'aol_migrations';

/**
 * MikroORM options for a database target. Migrations are listed in code (one folder per
 * driver) rather than discovered on disk, so tests, swc and the built `dist/` load the same.
 * Entities come from the modules (MikroOrmModule.forFeature, autoLoadEntities).
 */
export function buildMikroOrmOptions(database: DatabaseTarget): Options {
  const common = {
    extensions: [Migrator],
    ensureDatabase: false,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: false,
    discovery: { warnWhenNoEntities: false },
  } satisfies Options;

  if (database.driver === 'postgresql') {
    return definePostgresConfig({
      ...common,
      driver: PostgreSqlDriver,
      clientUrl: database.url,
      // The one pool of the process: the ORM's queries and the hand-written statements
      // (SqlDatabase) share it. Idle connections close after tarn's 30 s, so an idle
      // instance holds the one or two its ticks use (test/connections.e2e-spec.ts).
      pool: { min: 0, max: 10 },
      migrations: {
        tableName: MIGRATIONS_TABLE,
        migrationsList: POSTGRESQL_MIGRATIONS,
        path: 'src/database/migrations/postgresql',
        emit: 'ts',
        snapshot: false,
        allOrNothing: true,
        silent: true,
      },
    }) as Options;
  }

  return defineSqliteConfig({
    ...common,
    driver: SqliteDriver,
    dbName: database.path,
    pool: {
      min: 1,
      max: 1,
      // WAL lets readers run beside the writer; the busy timeout makes a second process on
      // the same file wait for the lock instead of failing at once.
      afterCreate: (connection: SqliteHandle, done: (error: Error | null, connection: SqliteHandle) => void) => {
        connection.configure('busyTimeout', SQLITE_BUSY_TIMEOUT_MS);
        connection.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;', (error) => done(error, connection));
      },
    } as Options['pool'],
    migrations: {
      tableName: MIGRATIONS_TABLE,
      migrationsList: SQLITE_MIGRATIONS,
      path: 'src/database/migrations/sqlite',
      emit: 'ts',
      snapshot: false,
      allOrNothing: true,
      silent: true,
    },
  }) as Options;
}

interface SqliteHandle {
  configure(option: 'busyTimeout', value: number): void;
  exec(sql: string, callback: (error: Error | null) => void): void;
}
