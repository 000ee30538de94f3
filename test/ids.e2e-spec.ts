import { createTestDatabase, DRIVERS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { graphqlWsClient, wsExecute } from './support/graphql-client';
import { ENQUEUE_ACTION } from './support/actions';

const BAD_IDS = [
  '99999999999999999999999',
  '9223372036854775808',
  '9007199254740993',
  '9007199254740992',
  '0',
  '-1',
  '1.5',
  '1e3',
  ' 7',
  '007',
  'abc',
  '',
];

/** Every argument that names an action by id, as a query with `$id`. */
const ID_ARGUMENTS: Array<[string, string]> = [
  ['action(id:)', 'query ($id: ID!) { action(id: $id) { id } }'],
  ['cancelAction(id:)', 'mutation ($id: ID!) { cancelAction(id: $id, reason: "ids") { id } }'],
  ['retryAction(id:)', 'mutation ($id: ID!) { retryAction(id: $id, reason: "ids") { id } }'],
  ['executionLogs(actionId:)', 'query ($id: ID!) { executionLogs(actionId: $id) { edges { cursor } } }'],
];

describe.each(DRIVERS)('ids on %s', (driver) => {
  let db: TestDatabase;
  let aol: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(driver);
    aol = await startTestApp(db);
    await aol.graphql(ENQUEUE_ACTION, { input: { type: 'POST_SOCIAL', idempotencyKey: 'ids-1', payload: { platform: 'x', text: 'ids' } } });
  });

  afterAll(async () => {
    await aol?.close();
    await db?.drop();
  });

  it.each(ID_ARGUMENTS)(
    '%s refuses anything but a positive integer up to 2^53 - 1 with BAD_USER_INPUT, as a literal or a variable',
    async (name, query) => {
      const before = await aol.sql('select id, status, attempts from aol_actions order by id');
      for (const id of BAD_IDS) {
        const asVariable = await aol.graphql(query, { id });
        const literal = await aol.graphql(query.replace(/^(query|mutation) \(\$id: ID!\) /, '$1 ').replace('$id', JSON.stringify(id)));
        for (const response of [asVariable, literal]) {
          expect({
            name,
            id,
            errors: response.errors?.map((error) => [error.extensions?.code, error.message.replace(/actionId|id/, 'ID')]),
          }).toEqual({
            name,
            id,
            errors: [['BAD_USER_INPUT', 'ID must be a positive integer id of at most 9007199254740991']],
          });
        }
      }
      expect(await aol.sql('select id, status, attempts from aol_actions order by id')).toEqual(before);
    },
  );

  it('takes the largest id there is room for, and says NOT_FOUND', async () => {
    const response = await aol.graphql('{ action(id: "9007199254740991") { id } }');
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
    expect((await aol.graphql('{ action(id: 1) { id } }')).data).toEqual({ action: { id: '1' } });
  });

  it('refuses a bad id in a subscription as BAD_USER_INPUT, not an internal error', async () => {
    const client = graphqlWsClient(aol.graphqlUrl);
    try {
      for (const query of [
        'subscription { actionUpdated(id: "99999999999999999999999") { id } }',
        'subscription { executionLogged(actionId: "0") { id } }',
      ]) {
        const result = await wsExecute(client, query);
        expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      }
    } finally {
      await client.dispose();
    }
  });

  it('refuses a cursor whose id is out of range', async () => {
    const cursor = Buffer.from('aol:99999999999999999999999').toString('base64url');
    const response = await aol.graphql(`{ ticks(after: "${cursor}") { edges { cursor } } }`);
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
