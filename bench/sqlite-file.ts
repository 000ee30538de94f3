import { Database, OPEN_READWRITE } from 'sqlite3';

/** A small promise wrapper over one sqlite3 connection, for seeding, polling and verifying W7. */
export class SqliteFile {
  private constructor(private readonly db: Database) {}

  static async open(path: string): Promise<SqliteFile> {
    const db = await new Promise<Database>((resolve, reject) => {
      const opened: Database = new Database(path, OPEN_READWRITE, (error) => (error ? reject(error) : resolve(opened)));
    });
    const file = new SqliteFile(db);
    // AOL holds the file too (WAL journal): wait for its write lock rather than fail.
    await file.run('pragma busy_timeout = 10000');
    return file;
  }

  all<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return new Promise((resolve, reject) => this.db.all(text, params, (error, rows) => (error ? reject(error) : resolve(rows as T[]))));
  }

  run(text: string, params: unknown[] = []): Promise<void> {
    return new Promise((resolve, reject) => this.db.run(text, params, (error) => (error ? reject(error) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }
}
