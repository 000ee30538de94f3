import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection, Knex } from '@mikro-orm/knex';
import { AolConfig, DatabaseTarget } from '../config/aol-config';
import { StartupError } from '../errors/aol-error';
import { POSTGRESQL_DIALECT, SQLITE_DIALECT, SqlDialect } from './sql-dialect';

const SQLITE_BUSY_RETRIES = 5;

export type SqlRow = Record<string, unknown>;

/** Runs hand-written statements with bound parameters. */
export interface SqlExecutor {
  query<T = SqlRow>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/**
 * The raw-SQL door to the database, for the hot paths (claim, complete, lease, counts) that
 * must be one well-indexed statement each. Parameters are bound by the driver (`?`
 * placeholders), never spliced into the text.
 */
@Injectable()
export class SqlDatabase implements SqlExecutor {
  readonly dialect: SqlDialect;
  private readonly target: string;

  constructor(
    private readonly orm: MikroORM,
    config: AolConfig,
  ) {
    this.dialect = config.database.driver === 'postgresql' ? POSTGRESQL_DIALECT : SQLITE_DIALECT;
    this.target = describeTarget(config.database);
  }

  /** Called before anything else at start-up, so an unreachable database fails fast and clearly. */
  async assertReachable(): Promise<void> {
    const check = await this.orm.checkConnection();
    if (!check.ok) throw new StartupError(`Cannot connect to the database (DATABASE_URL=${this.target}): ${check.reason}`);
  }

  async query<T = SqlRow>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return this.rowsOf<T>(await this.knex.raw(sql, params as Knex.RawBinding[]));
      } catch (error) {
        // SQLite shared by two processes: past the busy timeout (or on a stale WAL snapshot) a
        // statement fails with SQLITE_BUSY instead of waiting. A single statement is atomic,
        // so running it again is safe.
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= SQLITE_BUSY_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
      }
    }
  }

  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.knex.transaction(async (trx) =>
      work({ query: async <R>(sql: string, params: readonly unknown[] = []) => this.rowsOf<R>(await trx.raw(sql, params as Knex.RawBinding[])) }),
    );
  }

  private get knex(): Knex {
    return (this.orm.em.getConnection() as AbstractSqlConnection).getKnex();
  }

  private rowsOf<T>(result: unknown): T[] {
    // node-postgres answers a pg.Result; knex's sqlite3 client answers the row array itself.
    return (this.dialect.driver === 'postgresql' ? (result as { rows: T[] }).rows : result) as T[];
  }
}

/** The database as it may be shown in a log: the password masked. */
export function describeTarget(database: DatabaseTarget): string {
  if (database.driver === 'sqlite') return `sqlite:${database.path}`;
  const url = new URL(database.url);
  if (url.password) url.password = '***';
  return url.toString();
}
