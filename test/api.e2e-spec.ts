import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { schemaFileText } from '../src/write-schema';
import { DRIVERS } from './support/test-database';
import { useTestApp } from './support/test-app';
import { collectEvents, graphqlRequest, graphqlWsClient } from './support/graphql-client';
import { ENQUEUE_ACTION, ENQUEUE_ACTIONS, enqueuePost, ledgerRows } from './support/actions';

const STATUS_QUERY = `{
  autonomyStatus {
    lease { owner epoch expiresAt }
    flags { paused killed proofMode }
    lastTick { outcome attempted succeeded failed durationMs }
    queue { pending running retry dlq success cancelled }
    mode
    modeReason
  }
}`;

/** A JSON column as read back: an object on PostgreSQL, its text on SQLite. */
const storedPayload = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as { text: string };

describe.each(DRIVERS)('the GraphQL API on %s', (driver) => {
  const aol = useTestApp(driver, { env: { AOL_TICK_ENABLED: '1', AOL_TICK_INTERVAL_MS: '150' } });

  it('answers autonomyStatus over HTTP', async () => {
    const response = await aol.graphql(STATUS_QUERY);
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data!.autonomyStatus).toMatchObject({
      flags: { paused: false, killed: false, proofMode: true },
      queue: { pending: 0, running: 0, retry: 0, dlq: 0, cancelled: 0 },
      mode: 'PROOF',
    });
  });

  it('tells a caller of the open API that no token is required and names it anonymous', async () => {
    expect((await aol.graphql('{ viewer { role actor authenticationRequired } }', undefined, { 'x-aol-actor': 'alice' })).data).toEqual({
      viewer: { role: 'OPERATOR', actor: 'anonymous:alice', authenticationRequired: false },
    });
  });

  it('delivers tickCompleted to a graphql-ws subscriber as the ticks happen', async () => {
    const client = graphqlWsClient(aol.graphqlUrl);
    try {
      const { done } = collectEvents<{ tickCompleted: { id: string; outcome: string; epoch: number; startedAt: string } }>(
        client,
        'subscription { tickCompleted { id outcome epoch startedAt } }',
        3,
      );
      const events = await done;
      const ids = events.map((event) => Number(event.tickCompleted.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(3);
      const recorded = new Map((await ledgerRows(aol)).map((row) => [Number(row.id), row.outcome]));
      for (const event of events) expect(recorded.get(Number(event.tickCompleted.id))).toBe(event.tickCompleted.outcome);
    } finally {
      await client.dispose();
    }
  });

  it('turns 50 concurrent enqueues with one key into one row, and tells every caller its id', async () => {
    const input = { type: 'POST_SOCIAL', idempotencyKey: 'race-key', payload: { platform: 'bluesky', text: 'only once' } };
    const responses = await Promise.all(Array.from({ length: 50 }, () => graphqlRequest(aol.graphqlUrl, ENQUEUE_ACTION, { input })));
    expect(responses.flatMap((response) => response.errors ?? [])).toEqual([]);
    const results = responses.map((response) => response.data!.enqueueAction as { created: boolean; action: { id: string } });
    const rows = await aol.sql<{ id: unknown }>(`select id from aol_actions where idempotency_key = 'race-key'`);
    expect(rows).toHaveLength(1);
    expect(new Set(results.map((result) => result.action.id))).toEqual(new Set([String(rows[0].id)]));
    expect(results.filter((result) => result.created)).toHaveLength(1);
    const counted = await aol.sql<{ n: unknown }>('select sum(n) as n from aol_queue_counts');
    const scanned = await aol.sql<{ n: unknown }>('select count(*) as n from aol_actions');
    expect(Number(counted[0].n)).toBe(Number(scanned[0].n));
  });

  it('answers each of 60 concurrent enqueues of 20 keys on its own: one creates, a repeat gets its id, another payload a conflict', async () => {
    const inputFor = (key: number, text: string) => ({
      type: 'POST_SOCIAL',
      idempotencyKey: `burst-${key}`,
      payload: { platform: 'bluesky', text },
    });
    const inputs = Array.from({ length: 20 }, (_, key) => [
      inputFor(key, `post ${key}`),
      inputFor(key, `post ${key}`),
      inputFor(key, key < 5 ? 'changed' : `post ${key}`),
    ]).flat();
    const responses = await Promise.all(inputs.map((input) => graphqlRequest(aol.graphqlUrl, ENQUEUE_ACTION, { input })));

    const rows = await aol.sql<{ id: unknown; idempotency_key: string; payload: unknown }>(
      `select id, idempotency_key, payload from aol_actions where idempotency_key like 'burst-%'`,
    );
    expect(rows).toHaveLength(20);
    const stored = new Map(rows.map((row) => [row.idempotency_key, { id: String(row.id), text: storedPayload(row.payload).text }]));
    inputs.forEach((input, index) => {
      const row = stored.get(input.idempotencyKey)!;
      const response = responses[index];
      if (input.payload.text === row.text) {
        expect(response.errors).toBeUndefined();
        expect((response.data!.enqueueAction as { action: { id: string } }).action.id).toBe(row.id);
      } else {
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', actionId: row.id });
      }
    });
    for (const key of stored.keys()) {
      const created = inputs.filter(
        (input, index) =>
          input.idempotencyKey === key && (responses[index].data?.enqueueAction as { created: boolean } | undefined)?.created,
      );
      expect(created).toHaveLength(1);
    }
  });

  it('answers the same key with a different payload with IDEMPOTENCY_CONFLICT and changes nothing', async () => {
    const first = await enqueuePost(aol, 'conflict-key', 'first text');
    const response = await aol.graphql(ENQUEUE_ACTION, {
      input: { type: 'POST_SOCIAL', idempotencyKey: 'conflict-key', payload: { platform: 'mastodon', text: 'other text' } },
    });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', actionId: first.id });
    const rows = await aol.sql<{ payload: unknown }>(`select payload from aol_actions where idempotency_key = 'conflict-key'`);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0].payload)).toContain('first text');
  });

  it.each([
    ['a payload that is not an object', { platform: 'mastodon', text: 'x' }, 'POST_SOCIAL', 'k-1', '"not an object"'],
    ['an unknown platform', { platform: 'myspace', text: 'x' }, 'POST_SOCIAL', 'k-2', null],
    ['text over the platform limit', { platform: 'x', text: 'y'.repeat(281) }, 'POST_SOCIAL', 'k-3', null],
    ['an extra payload field', { platform: 'x', text: 'y', secret: 1 }, 'POST_SOCIAL', 'k-4', null],
    ['a media URL that is not https', { platform: 'x', text: 'y', mediaUrls: ['http://example.com/a.png'] }, 'POST_SOCIAL', 'k-5', null],
    ['a key with a space', { platform: 'x', text: 'y' }, 'POST_SOCIAL', 'bad key', null],
    ['a key of 201 characters', { platform: 'x', text: 'y' }, 'POST_SOCIAL', 'k'.repeat(201), null],
  ])('refuses %s with BAD_USER_INPUT and stores nothing', async (_name, payload, type, key, rawPayload) => {
    const before = await aol.sql<{ n: unknown }>('select count(*) as n from aol_actions');
    const response = rawPayload
      ? await aol.graphql(
          `mutation { enqueueAction(input: {type: POST_SOCIAL, idempotencyKey: "${key}", payload: ${rawPayload}}) { created } }`,
        )
      : await aol.graphql(ENQUEUE_ACTION, { input: { type, idempotencyKey: key, payload } });
    expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0].message.length).toBeGreaterThan(10);
    expect(await aol.sql<{ n: unknown }>('select count(*) as n from aol_actions')).toEqual(before);
  });

  it('refuses a payload holding a NUL character on either database, and takes a written-out backslash-u0000 as text', async () => {
    const before = await aol.sql<{ n: unknown }>('select count(*) as n from aol_actions');
    for (const [key, payload] of [
      ['nul-1', { platform: 'x', text: 'a\u0000b' }],
      ['nul-2', { platform: 'x', text: 'y', 'a\u0000': 1 }],
    ] as const) {
      const single = await aol.graphql(ENQUEUE_ACTION, { input: { type: 'POST_SOCIAL', idempotencyKey: key, payload } });
      expect(single.errors?.[0]).toMatchObject({ message: expect.stringMatching(/NUL character/), extensions: { code: 'BAD_USER_INPUT' } });
      const inBulk = await aol.graphql(ENQUEUE_ACTIONS, {
        inputs: [
          { type: 'POST_SOCIAL', idempotencyKey: `${key}-ok`, payload: { platform: 'x', text: 'fine' } },
          { type: 'POST_SOCIAL', idempotencyKey: key, payload },
        ],
      });
      expect(inBulk.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/^inputs\[1\]: payload contains a NUL character/),
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    expect(await aol.sql<{ n: unknown }>('select count(*) as n from aol_actions')).toEqual(before);

    const literal = await enqueuePost(aol, 'nul-3', 'a \\u0000 written out');
    const [row] = await aol.sql<{ payload: unknown }>('select payload from aol_actions where id = ?', [Number(literal.id)]);
    expect(storedPayload(row.payload).text).toBe('a \\u0000 written out');
  });

  // GraphQL's own types check the input's shape (no second validation runs): each is refused before the service.
  it.each([
    ['an unknown type', { type: 'NOT_A_TYPE', idempotencyKey: 'shape-1', payload: { platform: 'x', text: 'y' } }],
    ['a null payload', { type: 'POST_SOCIAL', idempotencyKey: 'shape-2', payload: null }],
    [
      'a priority that is not an integer',
      { type: 'POST_SOCIAL', idempotencyKey: 'shape-3', payload: { platform: 'x', text: 'y' }, priority: 1.5 },
    ],
    [
      'a runAfter that is not a time',
      { type: 'POST_SOCIAL', idempotencyKey: 'shape-4', payload: { platform: 'x', text: 'y' }, runAfter: 'tomorrow-ish' },
    ],
    [
      'a field the input does not have',
      { type: 'POST_SOCIAL', idempotencyKey: 'shape-5', payload: { platform: 'x', text: 'y' }, owner: 'me' },
    ],
  ])('refuses an input with %s as BAD_USER_INPUT and stores nothing', async (_name, input) => {
    const before = await aol.sql<{ n: unknown }>('select count(*) as n from aol_actions');
    const response = await aol.graphql(ENQUEUE_ACTION, { input });
    expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0].message).toMatch(/input/);
    expect(await aol.sql<{ n: unknown }>('select count(*) as n from aol_actions')).toEqual(before);
  });

  it('serves exactly the schema committed in schema.gql (run `npm run schema` after changing it)', () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.gql'), 'utf8');
    expect(schemaFileText(aol.app.get(GraphQLSchemaHost))).toBe(committed);
  });

  it('answers an unknown action with NOT_FOUND and a malformed id with BAD_USER_INPUT', async () => {
    expect((await aol.graphql('{ action(id: "999999") { id } }')).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await aol.graphql('{ action(id: "abc") { id } }')).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
