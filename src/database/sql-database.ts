import { createHash } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection, Knex } from '@mikro-orm/knex';
import { Pool, PoolClient } from 'pg';
import { AolConfig, DatabaseTarget } from '../config/aol-config';
import { StartupError } from '../errors/aol-error';
import { POSTGRESQL_DIALECT, SQLITE_DIALECT, SqlDialect } from './sql-dialect';

const SQLITE_BUSY_RETRIES = 5;
/** Connections of the statement pool on PostgreSQL (MikroORM keeps its own few for migrations). */
const POSTGRES_POOL_SIZE = 10;

export type SqlRow = Record<string, unknown>;

/** Runs hand-written statements with bound parameters. */
export interface SqlExecutor {
  query<T = SqlRow>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** A statement as node-postgres runs it: numbered placeholders, and a name to prepare it once per connection. */
interface PreparedText {
  name: string;
  text: string;
}

/**
 * The raw-SQL door to the database, for the hot paths (claim, complete, lease, counts) that
 * must be one well-indexed statement each. Statements use `?` placeholders; values are
 * always bound by the driver, never spliced into the text. On PostgreSQL statements go
 * straight to a node-postgres pool as named prepared statements — parsed and planned once per
 * connection, and a third of the client-side cost of going through the query builder; on
 * SQLite they go through MikroORM's connection, the one writer of the file in this process.
 */
@Injectable()
export class SqlDatabase implements SqlExecutor, OnApplicationShutdown {
  readonly dialect: SqlDialect;
  private readonly logger = new Logger(SqlDatabase.name);
  private readonly target: string;
  private readonly pool: Pool | null;
  private readonly prepared = new Map<string, PreparedText>();

  constructor(
    private readonly orm: MikroORM,
    config: AolConfig,
  ) {
    this.dialect = config.database.driver === 'postgresql' ? POSTGRESQL_DIALECT : SQLITE_DIALECT;
    this.target = describeTarget(config.database);
    this.pool =
      config.database.driver === 'postgresql' ? new Pool({ connectionString: config.database.url, max: POSTGRES_POOL_SIZE }) : null;
    // An idle connection the server drops (restart, terminated session) must not take the
    // process down: the pool discards it and opens another when next needed.
    this.pool?.on('error', (error) => this.logger.warn(`A pooled database connection failed: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.end();
  }

  /** Called before anything else at start-up, so an unreachable database fails fast and clearly. */
  async assertReachable(): Promise<void> {
    const check = await this.orm.checkConnection();
    if (!check.ok) throw new StartupError(`Cannot connect to the database (DATABASE_URL=${this.target}): ${check.reason}`);
  }

  async query<T = SqlRow>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    if (this.pool) return (await this.pool.query({ ...this.prepare(sql), values: params as unknown[] })).rows as T[];
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await this.knex.raw(sql, params as Knex.RawBinding[])) as T[];
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
    if (!this.pool) {
      return this.knex.transaction(async (trx) =>
        work({
          query: async <R>(sql: string, params: readonly unknown[] = []) => (await trx.raw(sql, params as Knex.RawBinding[])) as R[],
        }),
      );
    }
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A checked-out client whose connection dies (restart, terminated session) emits 'error';
    // unheard, that would end the process. The failing query rejects on its own.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      await client.query('begin');
      const result = await work({ query: async <R>(sql: string, params: readonly unknown[] = []) => this.queryOn<R>(client, sql, params) });
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  private async queryOn<T>(client: PoolClient, sql: string, params: readonly unknown[]): Promise<T[]> {
    return (await client.query({ ...this.prepare(sql), values: params as unknown[] })).rows as T[];
  }

  /** `?` placeholders to `$1, $2, …` (not inside quoted text), named after the statement. */
  private prepare(sql: string): PreparedText {
    let prepared = this.prepared.get(sql);
    if (!prepared) {
      let index = 0;
      const text = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g, (token) => (token === '?' ? `$${++index}` : token));
      prepared = { name: `aol_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`, text };
      this.prepared.set(sql, prepared);
    }
    return prepared;
  }

  private get knex(): Knex {
    return (this.orm.em.getConnection() as AbstractSqlConnection).getKnex();
  }
}

/** The database as it may be shown in a log: the password masked. */
export function describeTarget(database: DatabaseTarget): string {
  if (database.driver === 'sqlite') return `sqlite:${database.path}`;
  const url = new URL(database.url);
  if (url.password) url.password = '***';
  return url.toString();
}
