import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createDatabase, dropDatabase } from './postgres-admin';

export type Driver = 'sqlite' | 'postgresql';

/** Every e2e suite runs against both databases. */
export const DRIVERS: Driver[] = ['sqlite', 'postgresql'];

/** Where the tests may create and drop databases (trust auth, a server of their own). */
export const TEST_POSTGRES_URL = process.env.AOL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  driver: Driver;
  /** DATABASE_URL for the service. */
  url: string;
  /** A scratch directory of this database's own (artifacts, logs). */
  dir: string;
  drop(): Promise<void>;
}

/** A brand-new, empty database (a PostgreSQL database or a SQLite file) for one test file or test. */
export async function createTestDatabase(driver: Driver): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'aol-test-'));
  if (driver === 'sqlite') {
    return { driver, dir, url: `sqlite:${join(dir, 'aol.sqlite')}`, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const name = `aol_test_${randomBytes(6).toString('hex')}`;
  return {
    driver,
    dir,
    url: await createDatabase(TEST_POSTGRES_URL, name),
    drop: async () => {
      await dropDatabase(TEST_POSTGRES_URL, name);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
