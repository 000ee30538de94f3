import { Client } from 'pg';
import sqlite3 from 'sqlite3';
import type { TestDatabase } from './test-database';

/**
 * Runs one statement on a test database from outside the service (its own connection), as an
 * operator's psql or sqlite3 would: to look at rows, back-date them, or break the schema.
 */
export async function runSql<T = Record<string, unknown>>(db: TestDatabase, statement: string): Promise<T[]> {
  if (db.driver === 'postgresql') {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(statement)).rows as T[];
    } finally {
      await client.end();
    }
  }
  return new Promise((resolve, reject) => {
    const handle = new sqlite3.Database(db.url.slice('sqlite:'.length), (openError) => {
      if (openError) return reject(openError);
      handle.configure('busyTimeout', 5000);
      handle.all(statement, (error: Error | null, rows: T[]) => {
        handle.close();
        if (error) reject(error);
        else resolve(rows);
      });
    });
  });
}
