import { createTestDatabase, DRIVERS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { graphqlWsClient } from './support/graphql-client';
import type { Client } from 'graphql-ws';

const TOKEN = 'operator-token-0123456789abcdef';
const asOperator = { authorization: `Bearer ${TOKEN}` };

type Refusal = { code: unknown; message: string };

/** Bad inputs of every kind the GraphQL layer refuses: each must get the same answer on both transports. */
const CASES: Array<[string, string, Record<string, unknown>?, string?]> = [
  ['a syntax error', '{ controlFlags { paused '],
  ['an unknown field', '{ controlFlags { pasued } }'],
  ['an unknown argument', '{ actions(frist: 2) { edges { cursor } } }'],
  ['an unknown type in a variable', 'query ($s: ActionStatuss) { actions(filter: { status: $s }) { edges { cursor } } }', { s: 'DLQ' }],
  ['a wrong enum literal', '{ actions(filter: { status: DL }) { edges { cursor } } }'],
  ['a variable of the wrong type', 'query ($s: ActionStatus) { actions(filter: { status: $s }) { edges { cursor } } }', { s: 'DL' }],
  ['a missing required variable', 'query ($id: ID!) { action(id: $id) { id } }', {}],
  ['two operations and no name', 'query A { lease { epoch } } query B { controlFlags { paused } }'],
  ['an unknown operation name', 'query A { lease { epoch } }', undefined, 'B'],
  ['a query too deep, on fields that do not exist', '{ a { b { c { d { e { f { g { h { i { j { k } } } } } } } } } } }'],
  ['too many aliases', `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: controlFlags { paused }`).join(' ')} }`],
  ['a bad page size', '{ ticks(first: 1000) { edges { cursor } } }'],
  ['a bad cursor', '{ ticks(after: "nope") { edges { cursor } } }'],
  ['an id out of range', '{ action(id: "99999999999999999999999") { id } }'],
  ['an action that does not exist', '{ action(id: "123456") { id } }'],
  ['a bad DateTime', '{ actions(filter: { createdAfter: "yesterday" }) { edges { cursor } } }'],
  ['a nested document', `{ actions(filter: ${'{'.repeat(70)} }) { edges { cursor } } }`],
];

function refusals(errors: Array<{ message: string; extensions?: Record<string, unknown> }> | undefined): Refusal[] {
  return (errors ?? []).map((error) => ({ code: error.extensions?.code, message: error.message }));
}

/** Runs one operation over graphql-ws and returns its errors, whether they came as an error message or in a result. */
function overWebSocket(client: Client, query: string, variables?: Record<string, unknown>, operationName?: string): Promise<Refusal[]> {
  return new Promise((resolve) => {
    let found: Refusal[] = [];
    client.subscribe(
      { query, variables, operationName },
      {
        next: (result) => (found = refusals(result.errors as never)),
        error: (errors) => resolve(refusals(errors as never)),
        complete: () => resolve(found),
      },
    );
  });
}

describe.each(DRIVERS)('the same error codes over HTTP and WebSocket on %s', (driver) => {
  let db: TestDatabase;
  let aol: TestApp;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase(driver);
    aol = await startTestApp(db, { env: { AOL_API_TOKEN: TOKEN } });
    client = graphqlWsClient(aol.graphqlUrl, asOperator);
  });

  afterAll(async () => {
    await client?.dispose();
    await aol?.close();
    await db?.drop();
  });

  // Rows of fixed length: jest reads a test function with more parameters than the row as wanting `done`.
  it.each(CASES.map(([name, query, variables, operationName]) => ({ name, query, variables, operationName })))(
    '$name',
    async ({ query, variables, operationName }) => {
      const response = await fetch(aol.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...asOperator },
        body: JSON.stringify({ query, variables, operationName }),
      });
      const http = refusals(((await response.json()) as { errors?: never }).errors);
      const ws = await overWebSocket(client, query, variables, operationName);
      expect(http.length).toBeGreaterThan(0);
      expect(http.map((refusal) => refusal.code)).not.toContain('INTERNAL_SERVER_ERROR');
      expect(ws).toEqual(http);
    },
  );

  it('refuses a subscription sent over HTTP as BAD_REQUEST, naming the WebSocket', async () => {
    const response = await aol.graphql('subscription { tickCompleted { id } }', undefined, asOperator);
    expect(response.status).toBe(400);
    expect(response.errors).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/WebSocket/), extensions: { code: 'BAD_REQUEST' } }),
    ]);
  });
});
