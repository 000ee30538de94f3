import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Pool } from 'pg';
import { createDatabase as createAdminDatabase, dropDatabase, withClient } from '../test/support/postgres-admin';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A brand-new database named aol_bench_<label>_<random> (a label of [a-z0-9_]). */
export async function createDatabase(adminUrl: string, label: string): Promise<BenchDatabase> {
  const name = `aol_bench_${label}_${randomBytes(4).toString('hex')}`;
  return { name, url: await createAdminDatabase(adminUrl, name), drop: () => dropDatabase(adminUrl, name) };
}

/** Runs statements on a database with a short-lived connection. */
export async function sql<T extends Record<string, unknown> = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  return withClient(url, async (client) => (await client.query<T>(text, params)).rows);
}

/**
 * A pool that survives its database being dropped: pg-pool's end() resolves before the
 * idle sockets have closed, so DROP DATABASE … WITH (FORCE) right after it can still
 * terminate one, and an 'error' event without a listener would crash the run.
 */
export function benchPool(url: string, max: number): Pool {
  const pool = new Pool({ connectionString: url, max, application_name: 'aol-bench' });
  pool.on('error', () => undefined);
  return pool;
}

/** A small pool for pollers and verifiers, kept apart from the system under test. */
export function observerPool(url: string): Pool {
  return benchPool(url, 2);
}

export interface PostgresFacts {
  version: string;
  settings: Record<string, string>;
}

const REPORTED_SETTINGS = [
  'shared_buffers',
  'effective_cache_size',
  'work_mem',
  'max_connections',
  'synchronous_commit',
  'fsync',
  'full_page_writes',
  'wal_level',
  'wal_sync_method',
  'commit_delay',
  'max_wal_size',
  'checkpoint_timeout',
  'autovacuum',
  'jit',
  'shared_preload_libraries',
];

export async function postgresFacts(adminUrl: string): Promise<PostgresFacts> {
  return withClient(adminUrl, async (client) => {
    const version = (await client.query<{ version: string }>('select version()')).rows[0].version;
    const rows = (
      await client.query<{ name: string; setting: string; unit: string | null }>(
        'select name, setting, unit from pg_settings where name = any($1)',
        [REPORTED_SETTINGS],
      )
    ).rows;
    const settings: Record<string, string> = {};
    for (const row of rows) {
      const shown = (await client.query<Record<string, string>>(`show ${row.name}`)).rows[0];
      settings[row.name] = Object.values(shown)[0];
    }
    return { version, settings };
  });
}

/** PostgreSQL's log from a byte offset to its end: the statements logged since a mark. */
export async function readLogFrom(path: string, offset: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await file.read(buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    await file.close();
  }
}
