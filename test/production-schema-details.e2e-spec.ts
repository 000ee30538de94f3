import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { graphqlWsClient, wsExecute } from './support/graphql-client';

const OPERATOR = 'operator-token-0123456789abcdef';
const VIEWER = 'viewer-token-0123456789abcdef';
const asOperator = { authorization: `Bearer ${OPERATOR}` };
const asViewer = { authorization: `Bearer ${VIEWER}` };
const TOKENS = { AOL_API_TOKEN: OPERATOR, AOL_READ_TOKEN: VIEWER };

/** Near misses of every kind of schema name: each would earn a "Did you mean …" from graphql-js. */
const NEAR_MISSES: Array<[string, string, Record<string, unknown>?]> = [
  ['a field', '{ controlFlags { pasued } }'],
  ['an argument', '{ ticks(frist: 1) { edges { cursor } } }'],
  ['an enum value', '{ actions(filter: { status: DL }) { edges { cursor } } }'],
  ['an enum value in a variable', 'query ($s: ActionStatus) { actions(filter: { status: $s }) { edges { cursor } } }', { s: 'DL' }],
  ['a type', 'query ($s: ActionStatuss) { actions(filter: { status: $s }) { edges { cursor } } }', { s: 'DLQ' }],
  ['an input field', '{ actions(filter: { statuss: DLQ }) { edges { cursor } } }'],
];

const INTROSPECTION = '{ __schema { queryType { name } } }';
const TYPE_INTROSPECTION = '{ __type(name: "Query") { name } }';

describe('schema details in production', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function withApp(env: Record<string, string>, run: (aol: TestApp) => Promise<void>): Promise<void> {
    const aol = await startTestApp(db, { env });
    try {
      await run(aol);
    } finally {
      await aol.close();
    }
  }

  it('no "Did you mean" for fields, arguments, enum values, types or input fields, on HTTP or the WebSocket', async () => {
    await withApp({ NODE_ENV: 'production', ...TOKENS }, async (aol) => {
      const client = graphqlWsClient(aol.graphqlUrl, asViewer);
      try {
        for (const [name, query, variables] of NEAR_MISSES) {
          const http = await aol.graphql(query, variables, asViewer);
          const ws = await new Promise<Array<{ message: string }>>((resolve) => {
            let found: Array<{ message: string }> = [];
            client.subscribe(
              { query, variables },
              {
                next: (result) => (found = (result.errors ?? []) as never),
                error: (errors) => resolve(errors as never),
                complete: () => resolve(found),
              },
            );
          });
          const messages = [...(http.errors ?? []), ...ws].map((error) => error.message);
          expect({ name, count: messages.length > 1, suggestions: messages.filter((message) => /Did you mean/.test(message)) }).toEqual({
            name,
            count: true,
            suggestions: [],
          });
        }
      } finally {
        await client.dispose();
      }
    });
  });

  it('keeps suggestions in development, where they help', async () => {
    await withApp(TOKENS, async (aol) => {
      expect((await aol.graphql('{ controlFlags { pasued } }', undefined, asViewer)).errors?.[0].message).toMatch(/Did you mean "paused"/);
    });
  });

  it('lets only the operator introspect (FORBIDDEN for the read token, on both transports); __typename stays open', async () => {
    await withApp({ NODE_ENV: 'production', ...TOKENS }, async (aol) => {
      for (const query of [INTROSPECTION, TYPE_INTROSPECTION]) {
        const refused = await aol.graphql(query, undefined, asViewer);
        expect([refused.status, refused.errors?.[0].extensions?.code, refused.data]).toEqual([403, 'FORBIDDEN', undefined]);
        expect((await aol.graphql(query, undefined, asOperator)).errors).toBeUndefined();
      }
      // Through a fragment too.
      const viaFragment = await aol.graphql('query { ...S } fragment S on Query { __schema { queryType { name } } }', undefined, asViewer);
      expect(viaFragment.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect((await aol.graphql('{ __typename controlFlags { __typename paused } }', undefined, asViewer)).errors).toBeUndefined();
      const client = graphqlWsClient(aol.graphqlUrl, asViewer);
      try {
        expect((await wsExecute(client, INTROSPECTION)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      } finally {
        await client.dispose();
      }
    });
  });

  it('follows AOL_INTROSPECTION: all opens it to the read token in production, none closes it to the operator too', async () => {
    await withApp({ NODE_ENV: 'production', AOL_INTROSPECTION: 'all', ...TOKENS }, async (aol) => {
      expect((await aol.graphql(INTROSPECTION, undefined, asViewer)).errors).toBeUndefined();
    });
    await withApp({ AOL_INTROSPECTION: 'none', ...TOKENS }, async (aol) => {
      expect((await aol.graphql(INTROSPECTION, undefined, asOperator)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    });
    await withApp(TOKENS, async (aol) => {
      expect((await aol.graphql(INTROSPECTION, undefined, asViewer)).errors).toBeUndefined();
    });
  });
});
