import { useBuiltServer } from './support/built-server';
import { graphqlRequest, graphqlWsClient, wsExecute } from './support/graphql-client';
import { sampleProc } from './support/proc';

const TOKEN = 'viewer-token-0123456789abcdef';
const OPERATOR = 'operator-token-0123456789abcdef';
const asViewer = { authorization: `Bearer ${TOKEN}` };

/** `...F(i+1) ...F(i+1)` in each of `levels` fragments: a kilobyte that spreads its leaf 2^levels times. */
function doubledSpreads(levels: number, leaf = 'controlFlags { paused }'): string {
  return [
    'query { ...F0 }',
    ...Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`),
    `fragment F${levels} on Query { ${leaf} }`,
  ].join('\n');
}

describe('fragment spreads', () => {
  const builtServer = useBuiltServer({ AOL_API_TOKEN: OPERATOR, AOL_READ_TOKEN: TOKEN, AOL_TICK_INTERVAL_MS: '200' });

  it('are measured once per fragment: 26 levels of doubled spreads are refused for cost at the price of a small query', async () => {
    const pid = builtServer().child.pid!;
    const before = sampleProc(pid).cpuSeconds;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      // A new text each time, so no cache answers for the first one.
      const response = await graphqlRequest(builtServer().graphqlUrl, `${doubledSpreads(26)}\n# ${attempt}`, undefined, asViewer);
      expect([response.status, response.errors?.map((error) => error.extensions?.code)]).toEqual([400, ['QUERY_TOO_COMPLEX']]);
      // 2^26 spreads of a leaf costing 2: counted in full, walked once.
      expect(response.errors?.[0].message).toBe(`Estimated cost ${2 ** 27} exceeds the limit of 5000`);
    }
    // Walking each spread again cost 6.8 s of CPU at 24 levels and doubles with every level;
    // five documents measured once per fragment cost milliseconds (the bound allows for a loaded machine).
    expect(sampleProc(pid).cpuSeconds - before).toBeLessThan(2);
  });

  it('still count every spread: a fragment with one alias spread 32 times is 32 aliases, over HTTP and WebSocket', async () => {
    const query = doubledSpreads(5, 'flags: controlFlags { paused }');
    const http = await graphqlRequest(builtServer().graphqlUrl, query, undefined, asViewer);
    expect(http.errors?.map((error) => [error.extensions?.code, error.message])).toEqual([
      ['TOO_MANY_ALIASES', '32 aliases exceed the limit of 20'],
    ]);
    const client = graphqlWsClient(builtServer().graphqlUrl, asViewer);
    try {
      const ws = await wsExecute(client, query);
      expect(ws.errors?.map((error) => [error.extensions?.code, error.message])).toEqual([
        ['TOO_MANY_ALIASES', '32 aliases exceed the limit of 20'],
      ]);
      const small = await wsExecute(client, doubledSpreads(3));
      expect(small).toEqual({ data: { controlFlags: { paused: false } } });
    } finally {
      await client.dispose();
    }
  });
});
