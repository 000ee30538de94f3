import { serverAudits } from 'graphql-http';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';

const TOKEN = 'audit-operator-token-0123456789';

/**
 * The GraphQL-over-HTTP audits of the graphql-http package, run against the booted server
 * with a valid token: every MUST audit passes (SHOULD and MAY audits are reported, not required).
 */
describe('GraphQL over HTTP conformance (graphql-http serverAudits)', () => {
  let db: TestDatabase;
  let aol: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    aol = await startTestApp(db, { env: { AOL_API_TOKEN: TOKEN } });
  });

  afterAll(async () => {
    await aol?.close();
    await db?.drop();
  });

  const audits = serverAudits({
    url: () => aol.graphqlUrl,
    fetchFn: (input: string | URL | Request, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${TOKEN}`);
      return fetch(input, { ...init, headers });
    },
  });

  it.each(audits.filter((audit) => audit.name.startsWith('MUST')).map((audit) => [audit.name, audit] as const))(
    '%s',
    async (_name, audit) => {
      const result = await audit.fn();
      expect({ status: result.status, reason: result.status === 'ok' ? undefined : result.reason }).toEqual({
        status: 'ok',
        reason: undefined,
      });
    },
  );
});
