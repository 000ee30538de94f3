import { MikroORM } from '@mikro-orm/core';
import { MigrationService } from '../src/database/migration.service';
import { DRIVERS } from './support/test-database';
import { TestApp, useTestApp } from './support/test-app';

const TABLES = [
  'aol_actions',
  'aol_control_events',
  'aol_control_flags',
  'aol_execution_logs',
  'aol_lease',
  'aol_queue_counts',
  'aol_tick_ledger',
  'aol_webhooks',
];

interface TableShape {
  columns: string[];
  /** Column lists of the unique constraints and unique indexes, primary keys excluded. */
  uniques: string[][];
  indexes: string[];
}

async function describeTables(aol: TestApp, driver: string): Promise<Record<string, TableShape>> {
  const shapes: Record<string, TableShape> = {};
  for (const table of TABLES) {
    if (driver === 'postgresql') {
      const columns = await aol.sql<{ column_name: string }>(
        `select column_name from information_schema.columns where table_schema = 'public' and table_name = ? order by column_name`,
        [table],
      );
      const indexes = await aol.sql<{ name: string; columns: string[]; unique: boolean; primary: boolean }>(
        `select i.relname as name, ix.indisunique as unique, ix.indisprimary as primary,
                array(select a.attname from unnest(ix.indkey) with ordinality k(attnum, n)
                      join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum order by k.n)::text[] as columns
         from pg_index ix join pg_class t on t.oid = ix.indrelid join pg_class i on i.oid = ix.indexrelid
         where t.relname = ?`,
        [table],
      );
      shapes[table] = {
        columns: columns.map((c) => c.column_name),
        uniques: indexes.filter((i) => i.unique && !i.primary).map((i) => i.columns),
        indexes: indexes
          .filter((i) => !i.primary)
          .map((i) => i.name)
          .sort(),
      };
    } else {
      const columns = await aol.sql<{ name: string }>(`select name from pragma_table_info(?) order by name`, [table]);
      const indexes = await aol.sql<{ name: string; unique: number; origin: string }>(
        `select name, "unique", origin from pragma_index_list(?)`,
        [table],
      );
      const uniques: string[][] = [];
      for (const index of indexes.filter((i) => Number(i.unique) === 1 && i.origin !== 'pk')) {
        const cols = await aol.sql<{ name: string }>(`select name from pragma_index_info(?) order by seqno`, [index.name]);
        uniques.push(cols.map((c) => c.name));
      }
      shapes[table] = {
        columns: columns.map((c) => c.name),
        uniques,
        indexes: indexes
          .filter((i) => i.origin !== 'pk')
          .map((i) => i.name)
          .sort(),
      };
    }
  }
  return shapes;
}

describe('database schema', () => {
  const shapes: Record<string, Record<string, TableShape>> = {};

  describe.each(DRIVERS)('on %s, after the migrations', (driver) => {
    const aol = useTestApp(driver);

    beforeAll(async () => {
      shapes[driver] = await describeTables(aol, driver);
    });

    it('has the five tables of the spec and the control events, with the idempotency key and the lease name unique', () => {
      expect(Object.keys(shapes[driver]).sort()).toEqual(TABLES);
      for (const table of TABLES) expect(shapes[driver][table].columns.length).toBeGreaterThan(0);
      expect(shapes[driver].aol_actions.uniques).toEqual([['idempotency_key']]);
      expect(shapes[driver].aol_lease.uniques).toEqual([['name']]);
    });

    it('refuses a second action with the same idempotency key and a second lease with the same name', async () => {
      const now = driver === 'postgresql' ? 'now()' : '0';
      const insertAction = `insert into aol_actions (idempotency_key, type, payload, status, attempts, run_after, created_at, updated_at)
        values ('dup', 'POST_SOCIAL', '{}', 'PENDING', 0, ${now}, ${now}, ${now})`;
      await aol.sql(insertAction);
      await expect(aol.sql(insertAction)).rejects.toThrow(/unique/i);
      await expect(aol.sql(`insert into aol_lease (name, epoch, expires_at) values ('orchestrator', 0, ${now})`)).rejects.toThrow(
        /unique/i,
      );
      expect(await aol.sql(`select id from aol_actions where idempotency_key = 'dup'`)).toHaveLength(1);
    });

    it('starts with one switchboard row (proof mode on) and one free lease at epoch 0', async () => {
      const flags = await aol.sql<{ paused: unknown; killed: unknown; proof_mode: unknown }>(
        'select paused, killed, proof_mode from aol_control_flags',
      );
      expect(flags.map((f) => [Boolean(f.paused), Boolean(f.killed), Boolean(f.proof_mode)])).toEqual([[false, false, true]]);
      const lease = await aol.sql<{ owner: string | null; epoch: unknown }>('select owner, epoch from aol_lease');
      expect(lease.map((l) => [l.owner, Number(l.epoch)])).toEqual([[null, 0]]);
    });

    it('has a column for every entity property and no column the entities do not know', () => {
      const metadata = aol.app.get(MikroORM).getMetadata().getAll();
      const entities = Object.values(metadata).filter((meta) => TABLES.includes(meta.tableName));
      expect(entities.map((meta) => meta.tableName).sort()).toEqual(TABLES);
      for (const meta of entities) {
        const entityColumns = meta.props.flatMap((prop) => prop.fieldNames).sort();
        expect([meta.tableName, entityColumns]).toEqual([meta.tableName, [...shapes[driver][meta.tableName].columns].sort()]);
      }
    });

    it('runs SQLite in WAL mode with a busy timeout, so a second process can share the file', async () => {
      if (driver !== 'sqlite') return;
      expect(await aol.sql('pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await aol.sql('pragma busy_timeout')).toEqual([{ timeout: 5000 }]);
      expect(await aol.sql('pragma foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    });

    it('applies nothing more when migrated again', async () => {
      await expect(aol.app.get(MigrationService).migrateUp()).resolves.toEqual([]);
    });
  });

  it('is the same on SQLite and PostgreSQL: tables, columns, unique constraints and indexes', () => {
    expect(shapes.sqlite).toBeDefined();
    expect(shapes.sqlite).toEqual(shapes.postgresql);
  });
});
