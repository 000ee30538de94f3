import { Injectable, Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { SqlDatabase } from './sql-database';

/** Any constant shared by every AOL process on one database; it names the migration lock. */
const MIGRATION_LOCK_KEY = 4_242_001;

@Injectable()
export class MigrationService {
  private readonly logger = new Logger(MigrationService.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly db: SqlDatabase,
  ) {}

  /**
   * Applies pending migrations, all in one transaction, and returns their names. Several
   * replicas may start at once: on PostgreSQL a session advisory lock lets one migrate while
   * the others wait and then find nothing pending; on SQLite (one host) a replica that loses
   * the race re-reads what is pending instead of failing.
   */
  async migrateUp(): Promise<string[]> {
    const applied =
      this.db.dialect.driver === 'postgresql' ? await this.withPostgresLock(() => this.runPending()) : await this.runPendingOnSqlite();
    if (applied.length > 0) this.logger.log(`Applied migrations: ${applied.join(', ')}`);
    return applied;
  }

  async pendingMigrations(): Promise<string[]> {
    return (await this.orm.getMigrator().getPendingMigrations()).map((migration) => migration.name);
  }

  private async runPending(): Promise<string[]> {
    return (await this.orm.getMigrator().up()).map((migration) => migration.name);
  }

  private async runPendingOnSqlite(): Promise<string[]> {
    try {
      return await this.runPending();
    } catch (error) {
      if ((await this.pendingMigrations()).length === 0) return [];
      throw error;
    }
  }

  private async withPostgresLock<T>(work: () => Promise<T>): Promise<T> {
    const knex = (this.orm.em.getConnection() as AbstractSqlConnection).getKnex();
    const client = await knex.client.acquireConnection();
    try {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        return await work();
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      await knex.client.releaseConnection(client);
    }
  }
}
