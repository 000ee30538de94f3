import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection, Knex, SqlEntityManager } from '@mikro-orm/knex';
import type { Client } from 'pg';
import { AolConfig, DatabaseTarget } from '../config/aol-config';
import { StartupError } from '../errors/aol-error';
import { render, Sql } from './sql';
import { POSTGRESQL_DIALECT, SQLITE_DIALECT, SqlDialect } from './sql-dialect';

const SQLITE_BUSY_RETRIES = 5;

export type SqlRow = Record<string, unknown>;

/** Runs hand-written statements (see Sql), alone or inside a transaction. */
export interface SqlExecutor {
  query<T = SqlRow>(statement: Sql): Promise<T[]>;
}

/** How statements reach one kind of database: one implementation per driver. */
interface StatementRunner extends SqlExecutor {
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/**
 * The door to the database, over MikroORM's one connection pool: the hand-written statements
 * of the hot paths (claim, complete, lease, counts: one well-indexed statement each, written
 * with the `sql` tag, values always bound by the driver), transactions of them, and forked
 * EntityManagers for the cold paths.
 */
@Injectable()
export class SqlDatabase implements SqlExecutor {
  readonly dialect: SqlDialect;
  private readonly target: string;
  private readonly runner: StatementRunner;

  constructor(
    private readonly orm: MikroORM,
    config: AolConfig,
  ) {
    const knex = () => (this.orm.em.getConnection() as AbstractSqlConnection).getKnex();
    this.dialect = config.database.driver === 'postgresql' ? POSTGRESQL_DIALECT : SQLITE_DIALECT;
    this.runner = config.database.driver === 'postgresql' ? new PostgresRunner(knex) : new SqliteRunner(knex);
    this.target = describeTarget(config.database);
  }

  /** Called before anything else at start-up, so an unreachable database fails fast and clearly. */
  async assertReachable(): Promise<void> {
    const check = await this.orm.checkConnection();
    if (!check.ok) throw new StartupError(`Cannot connect to the database (DATABASE_URL=${this.target}): ${check.reason}`);
  }

  query<T = SqlRow>(statement: Sql): Promise<T[]> {
    return this.runner.query<T>(statement);
  }

  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.runner.transaction(work);
  }

  /**
   * An EntityManager of its own, for the cold paths that read entities (operator queries,
   * listings): the global one is shared state.
   */
  entityManager(): SqlEntityManager {
    return (this.orm.em as SqlEntityManager).fork();
  }
}

/**
 * PostgreSQL: each statement runs on a connection borrowed from MikroORM's pool, as a named
 * prepared statement, parsed and planned once per connection; a transaction holds its
 * connection from BEGIN to COMMIT. Named, the idle tick's lease statement took 0.53 ms against
 * 0.81 ms unnamed, the renewal + claim 0.50 against 1.06 ms, a single insert 0.40 against
 * 0.51 ms (medians of 3,000, bench/prepared-statements.ts; BENCHMARKS.md).
 */
class PostgresRunner implements StatementRunner {
  /** The name of each statement text, prepared once per connection under it. */
  private readonly names = new Map<string, string>();

  constructor(private readonly knex: () => Knex) {}

  async query<T>(statement: Sql): Promise<T[]> {
    return this.withConnection((connection) => this.run<T>(connection, statement));
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.withConnection(async (connection) => {
      await connection.query('begin');
      try {
        const result = await work({ query: <R>(statement: Sql) => this.run<R>(connection, statement) });
        await connection.query('commit');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is not given to anyone else: ended, the pool
        // discards it (knex marks an ended connection) and opens another when needed.
        await connection.query('rollback').catch(() => connection.end().catch(() => undefined));
        throw error;
      }
    });
  }

  private async withConnection<T>(use: (connection: Client) => Promise<T>): Promise<T> {
    const client = this.knex().client as Knex.Client;
    const connection = (await client.acquireConnection()) as Client;
    try {
      return await use(connection);
    } finally {
      await client.releaseConnection(connection);
    }
  }

  private async run<T>(connection: Client, statement: Sql): Promise<T[]> {
    const { text, values } = render(statement, (index) => `$${index}`);
    let name = this.names.get(text);
    if (name === undefined) {
      name = `aol_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
      this.names.set(text, name);
    }
    return (await connection.query({ name, text, values })).rows as T[];
  }
}

/** SQLite: statements go through MikroORM's connection, the one writer of the file in this process. */
class SqliteRunner implements StatementRunner {
  constructor(private readonly knex: () => Knex) {}

  async query<T>(statement: Sql): Promise<T[]> {
    const { text, values } = render(statement, () => '?');
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await this.knex().raw(text, values as Knex.RawBinding[])) as T[];
      } catch (error) {
        // SQLite shared by two processes: past the busy timeout (or on a stale WAL snapshot) a
        // statement fails with SQLITE_BUSY instead of waiting. A single statement is atomic,
        // so running it again is safe.
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= SQLITE_BUSY_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
      }
    }
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.knex().transaction(async (trx) =>
      work({
        query: async <R>(statement: Sql) => {
          const { text, values } = render(statement, () => '?');
          return (await trx.raw(text, values as Knex.RawBinding[])) as R[];
        },
      }),
    );
  }
}

/** The database as it may be shown in a log: the password masked. */
export function describeTarget(database: DatabaseTarget): string {
  if (database.driver === 'sqlite') return `sqlite:${database.path}`;
  const url = new URL(database.url);
  if (url.password) url.password = '***';
  return url.toString();
}
