import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DatabaseTarget } from '../config/aol-config';
import { StartupError } from '../errors/aol-error';

/** How long a statement waits for another connection's write lock on the SQLite file. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating where missing, as SQLite would) the SQLite file before anything else
 * starts, so a path that cannot be opened fails naming the file rather than deep in the ORM's
 * start with a bare SQLITE_CANTOPEN.
 */
export async function assertSqliteFileOpens(database: DatabaseTarget): Promise<void> {
  if (database.driver !== 'sqlite') return;
  try {
    await mkdir(dirname(database.path), { recursive: true });
    await (await open(database.path, 'a')).close();
  } catch (error) {
    throw new StartupError(
      `DATABASE_URL: cannot open the SQLite file ${database.path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
