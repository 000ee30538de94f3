import { createTestDatabase, TestDatabase } from './support/test-database';
import { BUILT_CLI, BUILT_SERVER, requireBuild, runNode, waitFor } from './support/processes';
import { launchServer, LaunchedServer } from './support/aol-server';
import { graphqlRequest } from './support/graphql-client';

describe('the built server process', () => {
  let db: TestDatabase;
  let server: LaunchedServer | undefined;

  beforeAll(async () => {
    requireBuild();
    db = await createTestDatabase('sqlite');
  });

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('boots with OPENAI_API_KEY unset, answers autonomyStatus, and on SIGTERM releases the lease and exits 0', async () => {
    server = await launchServer({ env: { DATABASE_URL: db.url, AOL_TICK_INTERVAL_MS: '100', AOL_LOG_LEVEL: 'log' }, cwd: db.dir });
    const leader = async () => {
      const response = await graphqlRequest(server!.graphqlUrl, '{ autonomyStatus { leader lease { owner } lastTick { outcome } } }');
      const status = response.data?.autonomyStatus;
      return status?.leader && status.lastTick ? status : undefined;
    };
    const status = await waitFor(leader, 10_000, 'the server to lead');
    expect(status.lease.owner).toEqual(expect.any(String));
    expect(status.lastTick.outcome).toBe('SUCCESS');
    expect(server.output()).toContain('NO AUTHENTICATION: AOL_API_TOKEN is not set');

    expect(await server.stop()).toEqual({ code: 0, signal: null });
    const { stdout } = await runNode(BUILT_CLI, ['status'], { DATABASE_URL: db.url, AOL_ARTIFACT_DIR: `${db.dir}/artifacts` }, db.dir);
    expect(JSON.parse(stdout).lease.owner).toBeNull();
  });

  it.each([
    [{ AOL_MAX_ACTIONS_PER_TICK: 'abc' }, /AOL_MAX_ACTIONS_PER_TICK must be an integer from 1 to 10000 \(got "abc"\)/],
    [{ AOL_LEASE_TTL_SECONDS: '10' }, /AOL_LEASE_TTL_SECONDS \(10\) must be at least AOL_MAX_TICK_SECONDS \(20\)/],
    [{ NODE_ENV: 'staging' }, /NODE_ENV must be development, production or test/],
    [
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' },
      /^Cannot connect to the database \(DATABASE_URL=postgres:\/\/postgres@127\.0\.0\.1:1\/none\): connect ECONNREFUSED/m,
    ],
  ])('fails fast with %j, naming what is wrong', async (env, message) => {
    const result = await runNode(BUILT_SERVER, [], { DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: '0', ...env }, db.dir, 20_000);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(message);
    expect(result.stdout + result.stderr).not.toMatch(/serving GraphQL/);
  });
});
