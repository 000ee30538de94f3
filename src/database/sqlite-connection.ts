/** How long a statement waits for another connection's write lock on the SQLite file. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;
