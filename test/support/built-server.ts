import { createTestDatabase, TestDatabase } from './test-database';
import { deployedNodeFlags, requireBuild } from './processes';
import { launchServer, LaunchedServer } from './aol-server';

/**
 * One built server (dist/src/main.js) as a child process for the test file, on a fresh SQLite
 * file, started before its tests and stopped after: for tests that read the process's own
 * memory, descriptors and CPU time in /proc, so it runs with the Node flags it is deployed with. Call inside a describe; the getter gives the server.
 */
export function useBuiltServer(env: Record<string, string>): () => LaunchedServer {
  let db: TestDatabase | undefined;
  let server: LaunchedServer | undefined;
  beforeAll(async () => {
    requireBuild();
    db = await createTestDatabase('sqlite');
    server = await launchServer({ env: { DATABASE_URL: db.url, ...env }, cwd: db.dir, execArgv: deployedNodeFlags() });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });
  return () => {
    if (!server) throw new Error('the built server did not start');
    return server;
  };
}
