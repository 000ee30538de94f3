import { getIntrospectionQuery } from 'graphql';
import { useBuiltServer } from './support/built-server';
import { graphqlRequest, graphqlWsClient, wsExecute } from './support/graphql-client';
import { sampleProc } from './support/proc';

const VIEWER = 'viewer-token-0123456789abcdef';
const asViewer = { authorization: `Bearer ${VIEWER}` };

const ALIASES_UNDER_SCHEMA = `{ __schema { ${Array.from({ length: 2000 }, (_, i) => `a${i}: types { name kind }`).join(' ')} } }`;
const LISTS_UNDER_TYPE = '{ __type(name: "Query") { fields { type { fields { type { fields { type { fields { name } } } } } } } } }';
const DEEP_UNDER_SCHEMA = `{ __schema { types { fields { type ${'{ ofType '.repeat(12)}{ name }${' }'.repeat(12)} } } } }`;

describe('introspection within the limits', () => {
  const builtServer = useBuiltServer({ AOL_API_TOKEN: 'operator-token-0123456789abcdef', AOL_READ_TOKEN: VIEWER, AOL_TICK_ENABLED: '0' });

  it.each([
    ['2,000 aliases under __schema', ALIASES_UNDER_SCHEMA, ['TOO_MANY_ALIASES', 'QUERY_TOO_COMPLEX']],
    // graphql-js's own rule, among the standard ones: lists nested past three multiply the answer by the schema.
    ['lists nested under __type', LISTS_UNDER_TYPE, ['GRAPHQL_VALIDATION_FAILED']],
    ['nesting past the introspection depth', DEEP_UNDER_SCHEMA, ['QUERY_TOO_DEEP']],
  ])('refuses %s before running it, on HTTP and the WebSocket, at no cost in memory', async (_name, query, codes) => {
    const pid = builtServer().child.pid!;
    const before = sampleProc(pid);
    const http = await graphqlRequest(builtServer().graphqlUrl, query, undefined, asViewer);
    expect([http.status, http.data, http.errors?.map((error) => error.extensions?.code)]).toEqual([400, undefined, codes]);
    const client = graphqlWsClient(builtServer().graphqlUrl, asViewer);
    try {
      expect((await wsExecute(client, query)).errors?.map((error) => error.extensions?.code)).toEqual(codes);
    } finally {
      await client.dispose();
    }
    // Answering 2,000 aliased type lists raised RSS by 260 MB; a refusal leaves the peak where it was, give or take.
    expect(sampleProc(pid).peakRssKb - before.peakRssKb).toBeLessThan(40 * 1024);
  });

  it("answers GraphiQL's own introspection query, whose depth and lists are within the introspection limits", async () => {
    const response = await graphqlRequest(builtServer().graphqlUrl, getIntrospectionQuery(), undefined, asViewer);
    expect(response.errors).toBeUndefined();
    expect(response.data?.__schema.types.length).toBeGreaterThan(10);
  });
});
