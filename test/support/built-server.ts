import { createTestDatabase, TestDatabase } from './test-database';
import { BUILT_SERVER, requireBuild } from './processes';
import { startServer, stopServer, ServerProcess } from './server-process';

/**
 * One built server (dist/src/main.js) as a child process for the test file, on a fresh SQLite
 * file, started before its tests and stopped after: for tests that read the process's own
 * memory, descriptors and CPU time in /proc. Call inside a describe; the getter gives the server.
 */
export function useBuiltServer(env: Record<string, string>): () => ServerProcess {
  let db: TestDatabase | undefined;
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    requireBuild();
    db = await createTestDatabase('sqlite');
    server = await startServer(BUILT_SERVER, { DATABASE_URL: db.url, ...env }, db.dir);
  });
  afterAll(async () => {
    await stopServer(server);
    await db?.drop();
  });
  return () => {
    if (!server) throw new Error('the built server did not start');
    return server;
  };
}
