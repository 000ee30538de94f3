import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { createTestDatabase, DRIVERS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp, useFreshDatabase } from './support/test-app';
import { enqueuePost, logRows, makeDue } from './support/actions';
import { QueueService } from '../src/queue/queue.service';
import { waitFor } from './support/processes';

/** One request the receiver got, and whether its signature verified with the secret (as the standardwebhooks library checks it). */
interface Delivery {
  headers: Record<string, string>;
  body: string;
  message: { type: string; timestamp: string; data: Record<string, any> };
  verified: boolean;
}

/** A local webhook receiver on 127.0.0.1: records every request and answers with the next queued status (200 when none is queued). */
class Receiver {
  readonly deliveries: Delivery[] = [];
  readonly statuses: number[] = [];
  secret = '';

  private constructor(private readonly server: Server) {}

  static async start(): Promise<Receiver> {
    const server = createServer();
    const receiver = new Receiver(server);
    server.on('request', (request: IncomingMessage, response) => {
      // Only deliveries are recorded: a test elsewhere may poll a port it picked for its own
      // server (GET /health) after this receiver took that port.
      if (request.method !== 'POST' || !request.url?.startsWith('/hooks/aol')) return void response.writeHead(404).end();
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
        let verified: boolean;
        try {
          new Webhook(receiver.secret).verify(body, headers);
          verified = true;
        } catch {
          verified = false;
        }
        receiver.deliveries.push({ headers, body, message: JSON.parse(body), verified });
        response.writeHead(receiver.statuses.shift() ?? 200, { 'content-type': 'text/plain' }).end('ok '.repeat(1000));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/aol?tenant=1`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface WebhookRow {
  id: number;
  idempotency_key: string;
  status: string;
  attempts: number;
  last_error_code: string | null;
  payload: unknown;
  artifact_ref: string | null;
}

function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

async function webhookActions(aol: TestApp): Promise<WebhookRow[]> {
  const rows = await aol.sql<WebhookRow>(
    "select id, idempotency_key, status, attempts, last_error_code, payload, artifact_ref from aol_actions where type = 'WEBHOOK' order by id",
  );
  return rows.map((row) => ({
    ...row,
    id: Number(row.id),
    payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
  }));
}

/** Waits until `count` WEBHOOK actions exist: they are enqueued as the events reach the dispatcher, just after the change. */
async function webhookActionsAtLeast(aol: TestApp, count: number, withinMs = 2_000): Promise<WebhookRow[]> {
  for (let tries = 0; tries < withinMs / 20; tries += 1) {
    const rows = await webhookActions(aol);
    if (rows.length >= count) return rows;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`Fewer than ${count} WEBHOOK actions were enqueued`);
}

async function mutate(aol: TestApp, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const response = await aol.graphql(query, variables);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!;
}

const PROOF_OFF = 'mutation { setProofMode(enabled: false, reason: "deliver webhooks") { proofMode } }';

describe.each(DRIVERS)('webhooks on %s', (driver) => {
  const fresh = useFreshDatabase(driver);
  let receiver: Receiver;

  beforeEach(async () => {
    receiver = await Receiver.start();
    receiver.secret = newSecret();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await receiver.close();
  });

  function subscribed(events: string[], env: Record<string, string> = {}): Promise<TestApp> {
    return fresh.start({
      env: {
        AOL_PROOF_MODE: '0',
        AOL_WEBHOOK_ALLOW_PRIVATE: '1',
        AOL_WEBHOOKS: JSON.stringify([{ name: 'ops', url: receiver.url, events, secretEnv: 'OPS_WEBHOOK_SECRET' }]),
        OPS_WEBHOOK_SECRET: receiver.secret,
        ...env,
      },
    });
  }

  it('delivers one signed request per event, in REAL mode, without approval and without webhooks about webhooks', async () => {
    const aol = await subscribed(['action.succeeded', 'action.dead_lettered', 'control.changed']);
    const post = await enqueuePost(aol, 'launch-post');
    await aol.tick(); // PROOF: the post succeeds; its action.succeeded delivery is queued
    const [succeeded] = await webhookActionsAtLeast(aol, 1);
    expect(succeeded).toMatchObject({ status: 'PENDING', idempotency_key: expect.stringMatching(/^webhook:env:ops:action\.succeeded:/) });
    expect(JSON.stringify(succeeded.payload)).not.toContain(receiver.secret);

    await mutate(aol, PROOF_OFF);
    await webhookActionsAtLeast(aol, 2);
    await aol.tick(); // REAL, AOL_APPROVAL=real: webhooks are not held for approval
    await aol.tick();
    await aol.tick();

    expect(receiver.deliveries.map((delivery) => delivery.message.type).sort()).toEqual(['action.succeeded', 'control.changed']);
    expect(receiver.deliveries.every((delivery) => delivery.verified)).toBe(true);
    const sent = receiver.deliveries.find((delivery) => delivery.message.type === 'action.succeeded')!;
    expect(sent.headers['webhook-id']).toBe(succeeded.idempotency_key);
    expect(sent.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(Math.abs(Number(sent.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(sent.message.data).toMatchObject({ id: post.id, idempotencyKey: 'launch-post', type: 'POST_SOCIAL', status: 'SUCCESS' });
    const control = receiver.deliveries.find((delivery) => delivery.message.type === 'control.changed')!;
    expect(control.message.data).toMatchObject({ proofMode: false, reason: 'deliver webhooks' });

    const rows = await webhookActions(aol);
    expect(rows.map((row) => row.status)).toEqual(['SUCCESS', 'SUCCESS']); // and no third: a WEBHOOK's success raises none
    const artifact = JSON.parse(await readFile(join(aol.artifactDir, rows[0].artifact_ref!), 'utf8'));
    expect(artifact).toMatchObject({ mode: 'REAL', destination: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/…$/) });
    expect(artifact.response.status).toBe(200);
    expect(artifact.response.bodyStart.length).toBeLessThanOrEqual(512);
  });

  it('holds deliveries in PROOF mode and writes the request it would send as an artifact', async () => {
    const aol = await subscribed(['action.succeeded']);
    await enqueuePost(aol, 'proof-post');
    await aol.tick();
    await webhookActionsAtLeast(aol, 1);
    await aol.tick();
    const [row] = await webhookActions(aol);
    expect(row.status).toBe('SUCCESS');
    expect(receiver.deliveries).toHaveLength(0);
    const artifact = JSON.parse(await readFile(join(aol.artifactDir, row.artifact_ref!), 'utf8'));
    expect(artifact).toMatchObject({ mode: 'PROOF', webhookId: row.idempotency_key, subscriptionId: 'env:ops', format: 'standard' });
    expect(JSON.parse(artifact.body)).toMatchObject({ type: 'action.succeeded', data: { idempotencyKey: 'proof-post' } });
  });

  it('retries after a 500 with the same webhook-id, and dead-letters after the budget; pause and resume are control.changed', async () => {
    const aol = await subscribed(['control.changed', 'action.dead_lettered'], { AOL_MAX_RETRIES: '1', AOL_RETRY_BASE_SECONDS: '60' });
    receiver.statuses.push(500);
    await mutate(aol, PROOF_OFF);
    const [first] = await webhookActionsAtLeast(aol, 1);
    await aol.tick();
    expect((await webhookActions(aol))[0]).toMatchObject({ status: 'RETRY', last_error_code: 'WEBHOOK_HTTP_500' });
    await makeDue(aol, String(first.id));
    await aol.tick();
    expect((await webhookActions(aol))[0]).toMatchObject({ status: 'SUCCESS', attempts: 2 });
    expect(receiver.deliveries).toHaveLength(2);
    expect(receiver.deliveries.map((delivery) => delivery.headers['webhook-id'])).toEqual([first.idempotency_key, first.idempotency_key]);
    expect(receiver.deliveries.every((delivery) => delivery.verified)).toBe(true);
    expect((await logRows(aol, String(first.id))).map((log) => log.outcome)).toEqual(['FAILED', 'SUCCESS']);

    receiver.statuses.push(500, 500, 500, 500);
    await mutate(aol, 'mutation { pause(reason: "maintenance") { paused } }');
    await mutate(aol, 'mutation { resume(reason: "done") { paused } }');
    const rows = (await webhookActionsAtLeast(aol, 3)).slice(1);
    expect(rows.map((row) => (row.payload as any).message.data.paused)).toEqual([true, false]);
    await aol.tick();
    for (const row of rows) await makeDue(aol, String(row.id));
    await aol.tick();
    await aol.tick();
    const after = await webhookActions(aol);
    expect(after.slice(1).map((row) => [row.status, row.attempts, row.last_error_code])).toEqual([
      ['DLQ', 2, 'WEBHOOK_HTTP_500'],
      ['DLQ', 2, 'WEBHOOK_HTTP_500'],
    ]);
    expect(after).toHaveLength(3); // a dead-lettered WEBHOOK raises no action.dead_lettered
    expect(receiver.deliveries).toHaveLength(6);
  });

  it('refuses loopback, private and link-local addresses without the allowance: no request arrives', async () => {
    const aol = await fresh.start({
      env: {
        AOL_PROOF_MODE: '0',
        AOL_WEBHOOK_ALLOW_HTTP: '1',
        AOL_WEBHOOKS: JSON.stringify([
          { name: 'loopback', url: receiver.url, events: ['control.changed'], secretEnv: 'OPS_WEBHOOK_SECRET' },
          {
            name: 'by-name',
            url: receiver.url.replace('127.0.0.1', 'localhost'),
            events: ['control.changed'],
            secretEnv: 'OPS_WEBHOOK_SECRET',
          },
          { name: 'private', url: 'http://10.0.0.1:9/hook', events: ['control.changed'], secretEnv: 'OPS_WEBHOOK_SECRET' },
          { name: 'metadata', url: 'http://169.254.169.254/latest/meta-data', events: ['control.changed'], format: 'slack' },
        ]),
        OPS_WEBHOOK_SECRET: receiver.secret,
      },
    });
    await mutate(aol, PROOF_OFF);
    await webhookActionsAtLeast(aol, 4);
    await aol.tick();
    await aol.tick();
    const rows = await webhookActions(aol);
    expect(rows.map((row) => [(row.payload as any).subscriptionId, row.status, row.attempts, row.last_error_code])).toEqual([
      ['env:loopback', 'DLQ', 1, 'WEBHOOK_ADDRESS_REFUSED'],
      ['env:by-name', 'DLQ', 1, 'WEBHOOK_ADDRESS_REFUSED'],
      ['env:private', 'DLQ', 1, 'WEBHOOK_ADDRESS_REFUSED'],
      ['env:metadata', 'DLQ', 1, 'WEBHOOK_ADDRESS_REFUSED'],
    ]);
    expect(receiver.deliveries).toHaveLength(0);
  });

  it('createWebhook validates, shows the secret once, delivers with it; deleteWebhook removes it', async () => {
    const aol = await fresh.start({ env: { AOL_PROOF_MODE: '0', AOL_WEBHOOK_ALLOW_PRIVATE: '1' } });
    const create = `mutation ($url: String!, $events: [String!]!, $format: String!, $secret: String) {
      createWebhook(url: $url, events: $events, format: $format, secret: $secret) { secret webhook { id url events format source createdBy } } }`;
    const refusals: Array<[Record<string, unknown>, RegExp]> = [
      [{ url: 'ftp://example.com/x' }, /url must use https/],
      [{ url: 'https://user:pw@example.com/x' }, /user name or password/],
      [{ url: 'http://example.com/x' }, /http:\/\/ only to localhost/],
      [{ events: ['action.exploded'] }, /unknown events/],
      [{ events: [] }, /non-empty list/],
      [{ format: 'teams' }, /format must be standard or slack/],
      [{ secret: 'hunter2' }, /secret must be whsec_/],
      [{ format: 'slack', secret: newSecret() }, /Slack deliveries are not signed/],
    ];
    for (const [change, message] of refusals) {
      const response = await aol.graphql(create, { url: receiver.url, events: ['control.changed'], format: 'standard', ...change });
      expect(response.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
    }
    expect((await mutate(aol, '{ webhooks { id } }')).webhooks).toEqual([]);
    const forged = await aol.graphql('mutation ($input: EnqueueActionInput!) { enqueueAction(input: $input) { created } }', {
      input: {
        type: 'WEBHOOK',
        idempotencyKey: 'forged',
        payload: { subscriptionId: 'env:ops', message: { type: 'action.succeeded', timestamp: 'now', data: {} } },
      },
    });
    expect(forged.errors?.[0]).toMatchObject({ message: expect.stringMatching(/made by AOL/), extensions: { code: 'BAD_USER_INPUT' } });

    const created = (await mutate(aol, create, { url: receiver.url, events: ['control.changed'], format: 'standard' })).createWebhook;
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.webhook).toMatchObject({ url: expect.stringMatching(/\/hooks\/aol\?…$/), source: 'API', format: 'standard' });
    const listed = JSON.stringify(await mutate(aol, '{ webhooks { id url events format source createdBy createdAt } }'));
    expect(listed).not.toContain(created.secret);
    expect(listed).not.toContain('tenant=1');

    receiver.secret = created.secret;
    await mutate(aol, PROOF_OFF);
    await webhookActionsAtLeast(aol, 1);
    await aol.tick();
    expect(receiver.deliveries.map((delivery) => [delivery.message.type, delivery.verified])).toEqual([['control.changed', true]]);

    expect(await mutate(aol, 'mutation ($id: ID!) { deleteWebhook(id: $id) }', { id: created.webhook.id })).toEqual({
      deleteWebhook: true,
    });
    const again = await aol.graphql('mutation ($id: ID!) { deleteWebhook(id: $id) }', { id: created.webhook.id });
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect((await mutate(aol, '{ webhooks { id } }')).webhooks).toEqual([]);
  });
  it('lets only the operator token make or delete webhooks; a viewer may list them', async () => {
    const operator = { authorization: 'Bearer tok_e2e-Webhooks-Operator-9f2a' };
    const viewer = { authorization: 'Bearer tok_e2e-Webhooks-Viewer-41bc' };
    const aol = await fresh.start({
      env: { AOL_API_TOKEN: operator.authorization.slice(7), AOL_READ_TOKEN: viewer.authorization.slice(7) },
    });
    const create = `mutation { createWebhook(url: "${receiver.url}", events: ["leader.changed"]) { secret webhook { id } } }`;
    const refused = await aol.graphql(create, {}, viewer);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect((await aol.graphql('{ webhooks { id } }', {}, viewer)).data).toEqual({ webhooks: [] });
    const made = await aol.graphql(create, {}, operator);
    const id = made.data!.createWebhook.webhook.id;
    expect((await aol.graphql('{ webhooks { id } }', {}, viewer)).data).toEqual({ webhooks: [{ id }] });
    const deleteRefused = await aol.graphql(`mutation { deleteWebhook(id: "${id}") }`, {}, viewer);
    expect(deleteRefused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('announces a new leader once per epoch, however many ticks it runs', async () => {
    const aol = await subscribed(['leader.changed']);
    await aol.tick();
    await aol.tick();
    await aol.tick();
    const rows = await webhookActionsAtLeast(aol, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await webhookActions(aol)).toHaveLength(1);
    expect(rows[0].idempotency_key).toBe('webhook:env:ops:leader.changed:1');
    expect((rows[0].payload as any).message).toMatchObject({ type: 'leader.changed', data: { owner: aol.config.instanceId, epoch: 1 } });
  });

  it('enqueues an event’s deliveries once the database answers again, and gives up at once on a failure time cannot mend', async () => {
    const aol = await subscribed(['control.changed'], { AOL_LOG_LEVEL: 'warn' });
    const queue = aol.app.get(QueueService);
    const enqueueMany = queue.enqueueMany.bind(queue);
    // The WEBHOOK enqueues fail as node-postgres fails on a connection the server dropped, then
    // (armed again) as a statement the database refuses, which no repeat would change.
    let failures: Error[] = [];
    let calls = 0;
    jest.spyOn(queue, 'enqueueMany').mockImplementation(async (requests) => {
      if (requests.every((request) => request.type !== 'WEBHOOK')) return enqueueMany(requests);
      calls += 1;
      const failure = failures.shift();
      if (failure) throw failure;
      return enqueueMany(requests);
    });

    // What an operator reads: the service's log lines (kept off the test output).
    let logged = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged += chunk.toString();
      return true;
    });
    const linesWith = (text: string) => logged.split('\n').filter((line) => line.includes(text));

    failures = [new Error('Connection terminated unexpectedly'), Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })];
    await mutate(aol, 'mutation { pause(reason: "maintenance") { paused } }');
    const [paused] = await webhookActionsAtLeast(aol, 1);
    expect(calls).toBe(3);
    expect((paused.payload as any).message.data).toMatchObject({ paused: true, reason: 'maintenance' });
    expect(
      linesWith('Enqueueing the webhooks of control.changed').map((line) =>
        line.replace(/^.*control\.changed \d+: /, '').replace(/ \{"requestId".*$/, ''),
      ),
    ).toEqual(['Connection terminated unexpectedly; trying again in 100 ms', 'read ECONNRESET; trying again in 200 ms']);

    calls = 0;
    failures = [Object.assign(new Error('value too long for type character varying(200)'), { code: '22001' })];
    await mutate(aol, 'mutation { resume(reason: "done") { paused } }');
    const [lost] = await waitFor(
      async () => {
        const lines = linesWith("so this event's deliveries are lost");
        return lines.length > 0 ? lines : undefined;
      },
      10_000,
      'the error line of the lost deliveries',
    );
    expect(lost).toContain('value too long for type character varying(200)');
    expect(calls).toBe(1);
    expect(await webhookActions(aol)).toHaveLength(1);
  });

  /** The time now as a bound value of a datetime column. */
  const now = (): unknown => (driver === 'postgresql' ? new Date().toISOString() : Date.now());

  /** A post's SUCCESS and a pause as a process commits them before dying: written straight to the database, no event heard. */
  async function changeUnheard(aol: TestApp): Promise<{ postId: string }> {
    const post = await enqueuePost(aol, 'unheard-post');
    await aol.sql("update aol_actions set status = 'SUCCESS', updated_at = ?, finished_at = ? where id = ?", [
      now(),
      now(),
      Number(post.id),
    ]);
    await aol.sql(
      "update aol_control_flags set paused = ?, reason = 'paused by a process that died', updated_by = 'ops', updated_at = ? where id = 1",
      [true, now()],
    );
    return { postId: post.id };
  }

  const unheardDeliveries = (postId: string) => [
    expect.objectContaining({ type: 'action.succeeded', data: expect.objectContaining({ id: postId, status: 'SUCCESS' }) }),
    expect.objectContaining({
      type: 'control.changed',
      data: expect.objectContaining({ paused: true, reason: 'paused by a process that died' }),
    }),
  ];

  it('enqueues, when an instance starts, the deliveries of changes that committed without them (the process died in between)', async () => {
    // No tick here: a tick would make this instance the leader, and taking the lead catches up too (the next case).
    const first = await subscribed(['action.succeeded', 'control.changed']);
    await mutate(first, 'mutation { setProofMode(enabled: true, reason: "heard") { proofMode } }');
    const [heard] = await webhookActionsAtLeast(first, 1);
    const { postId } = await changeUnheard(first);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await webhookActions(first)).toHaveLength(1);
    await first.close();

    const second = await subscribed(['action.succeeded', 'control.changed']);
    const rows = await webhookActionsAtLeast(second, 3, 8_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await webhookActions(second)).toHaveLength(3);
    expect(rows[0]).toEqual(heard);
    expect(rows.slice(1).map((row) => (row.payload as any).message)).toEqual(expect.arrayContaining(unheardDeliveries(postId)));
    // The cursors: the new instance's, and the old one's moved up to where the catch-up ended.
    const cursors = await second.sql<{ instance_id: string }>('select instance_id from aol_webhook_cursors order by instance_id');
    expect(cursors.map((cursor) => cursor.instance_id).sort()).toEqual([first.config.instanceId, second.config.instanceId].sort());
  });

  it('enqueues, when an instance takes the lead, the deliveries of changes its predecessor committed without them', async () => {
    const aol = await subscribed(['action.succeeded', 'control.changed']);
    const { postId } = await changeUnheard(aol);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await webhookActions(aol)).toHaveLength(0);
    await aol.tick(); // this instance leads epoch 1: its predecessor may have died
    const rows = await webhookActionsAtLeast(aol, 2, 8_000);
    expect(rows.map((row) => (row.payload as any).message)).toEqual(expect.arrayContaining(unheardDeliveries(postId)));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await webhookActions(aol)).toHaveLength(2);
  });

  it('enqueues an event owed since the database stayed away through every retry, by a catch-up once it answers', async () => {
    const aol = await subscribed(['control.changed'], { AOL_LOG_LEVEL: 'warn' });
    const queue = aol.app.get(QueueService);
    const enqueueMany = queue.enqueueMany.bind(queue);
    // The database is away for the whole retry window: the first WEBHOOK enqueue fails as on a
    // dropped connection, and the clock the retries read jumps past their minute.
    const realNow = performance.now.bind(performance);
    let skewMs = 0;
    jest.spyOn(performance, 'now').mockImplementation(() => realNow() + skewMs);
    let away = true;
    jest.spyOn(queue, 'enqueueMany').mockImplementation(async (requests) => {
      if (away && requests.some((request) => request.type === 'WEBHOOK')) {
        away = false;
        skewMs += 120_000;
        throw new Error('Connection terminated unexpectedly');
      }
      return enqueueMany(requests);
    });
    let logged = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged += chunk.toString();
      return true;
    });

    await mutate(aol, 'mutation { pause(reason: "owed") { paused } }');
    const [owed] = await webhookActionsAtLeast(aol, 1, 8_000);
    expect((owed.payload as any).message.data).toMatchObject({ paused: true, reason: 'owed' });
    expect(logged).toContain('a catch-up enqueues them once the database answers');
    expect(logged).not.toContain('deliveries are lost');
  });
});

/**
 * Two instances on one PostgreSQL with AOL_EVENT_BUS=postgres: both hear every event and both
 * enqueue its delivery, under the same key, so the queue keeps one.
 */
describe('webhooks with two instances on the PostgreSQL event bus', () => {
  let db: TestDatabase;
  let instances: TestApp[] = [];
  let receiver: Receiver;

  beforeAll(async () => {
    db = await createTestDatabase('postgresql');
    receiver = await Receiver.start();
    receiver.secret = newSecret();
    const env = (id: string) => ({
      AOL_EVENT_BUS: 'postgres',
      AOL_INSTANCE_ID: id,
      AOL_PROOF_MODE: '0',
      AOL_WEBHOOK_ALLOW_PRIVATE: '1',
      AOL_WEBHOOKS: JSON.stringify([{ name: 'ops', url: receiver.url, events: ['control.changed'], secretEnv: 'OPS_WEBHOOK_SECRET' }]),
      OPS_WEBHOOK_SECRET: receiver.secret,
    });
    instances = [await startTestApp(db, { env: env('instance-a') }), await startTestApp(db, { env: env('instance-b') })];
  });

  afterAll(async () => {
    for (const instance of instances) await instance.close();
    await receiver.close();
    await db.drop();
  });

  it('delivers one request per event', async () => {
    const [a, b] = instances;
    await mutate(a, PROOF_OFF);
    await mutate(b, 'mutation { pause(reason: "from b") { paused } }');
    await mutate(a, 'mutation { resume(reason: "from a") { paused } }');
    await webhookActionsAtLeast(a, 3);
    await new Promise((resolve) => setTimeout(resolve, 300)); // both instances have heard every event by now
    expect(await webhookActions(a)).toHaveLength(3);
    await a.tick();
    await b.tick();
    await a.tick();
    expect(await webhookActions(b)).toHaveLength(3);
    expect(receiver.deliveries.map((delivery) => [delivery.message.data.reason, delivery.verified])).toEqual([
      ['deliver webhooks', true],
      ['from b', true],
      ['from a', true],
    ]);
  });
});
