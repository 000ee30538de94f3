import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Test } from '@nestjs/testing';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { execute, getVariableValues, OperationDefinitionNode, parse, validate } from 'graphql';
import { AppModule } from '../src/app.module';
import { createHttpAdapter, prepareApp } from '../src/app.setup';
import { Role } from '../src/auth/principal';
import { loadConfig } from '../src/config/aol-config';
import { SqlDatabase } from '../src/database/sql-database';
import { createLogger } from '../src/logging/logger-params';
import { ActionModel } from '../src/queue/models/action.model';
import { EnqueueRequest, QueueService } from '../src/queue/queue.service';
import { insertActions, NewAction, toInsertedAction } from '../src/queue/sql/insert-actions';
import { unapprovedStatus } from '../src/queue/sql/approval';
import { render } from '../src/database/sql';
import { POSTGRESQL_DIALECT, SQLITE_DIALECT } from '../src/database/sql-dialect';
import { enqueueBatchFacts } from '../src/audit/audit-fact';
import { AuditService } from '../src/audit/audit.service';
import { BENCH_API_TOKEN, ENQUEUE_ACTIONS, graphql } from './aol-graphql';
import { createDatabase } from './postgres';
import { readSettings } from './settings';
import { median } from './statistics';

/**
 * Where the time of one enqueueActions call of 1,000 actions goes, on PostgreSQL, with the
 * service booted in this process as W2 and W4 boot it: the whole call over HTTP (kept-alive
 * node:http, as the harness sends it), then each step of it alone, on the same inputs:
 * GraphQL parse, validate and coercion of the 1,000 input objects, the service's checks of each
 * input (its handler parses the payload), the INSERT statement alone and the audit chain's
 * append of the entries naming them (their payload hashes, then the append, in a transaction
 * rolled back), the ACTION_UPDATED events, enqueueMany (checks, statements, commit, events),
 * graphql-js's execute of the whole operation without HTTP or Apollo, and the response's
 * serialisation. Each step's CPU time in this process (client and service alike) is shown beside
 * its wall time: on a shared machine it moves far less. First it prints what the insert sends for 1, 10 and 1,000 actions on each
 * driver: its bound values must not grow with the batch.
 * BENCH_PROFILE_RUNS calls (default 30) after 5 unrecorded ones; medians in milliseconds.
 *
 *   npm run build && npm run bench:build && NODE_ENV=production node dist-bench/bench/enqueue-profile.js
 */
async function main(): Promise<void> {
  // As the deployed service runs: graphql-js's development-only checks would be counted otherwise.
  if (process.env.NODE_ENV !== 'production') throw new Error('Run with NODE_ENV=production');
  const settings = readSettings(process.env);
  const runs = Number(process.env.BENCH_PROFILE_RUNS ?? 30);
  const database = await createDatabase(settings.postgresAdminUrl, 'enqueue_profile');
  const config = loadConfig({
    NODE_ENV: 'production',
    AOL_LOG_LEVEL: 'error',
    AOL_API_TOKEN: BENCH_API_TOKEN,
    AOL_TICK_ENABLED: '0',
    AOL_ARTIFACT_DIR: '/tmp/aol-enqueue-profile',
    DATABASE_URL: database.url,
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication(createHttpAdapter(config), { logger: createLogger(config) });
  await prepareApp(app, config);
  await app.listen(0, '127.0.0.1');
  const url = `${await app.getUrl()}/graphql`;
  const schema = app.get(GraphQLSchemaHost).schema;
  const queue = app.get(QueueService);
  const db = app.get(SqlDatabase);
  const audit = app.get(AuditService);
  const status = unapprovedStatus(config.approval, config.proofModeOnly);
  let batch = 0;
  const nextInputs = () => {
    batch += 1;
    return Array.from({ length: 1000 }, (_, index) => ({
      type: 'POST_SOCIAL',
      idempotencyKey: `profile-${batch}-${index}`,
      payload: { platform: 'mastodon', text: `profile post ${batch}-${index}` },
    }));
  };
  const timings: Record<string, Array<{ wall: number; cpu: number }>> = {};
  const time = async <T>(step: string, work: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = await work();
    const used = process.cpuUsage(cpu);
    (timings[step] ??= []).push({ wall: performance.now() - started, cpu: (used.user + used.system) / 1000 });
    return result;
  };
  try {
    printStatementShapes(status);
    for (let run = 0; run < runs + 5; run += 1) {
      const inputs = nextInputs();
      await time('whole call over HTTP', () => graphql(url, ENQUEUE_ACTIONS, { inputs }));
      const body = JSON.stringify({ query: ENQUEUE_ACTIONS, variables: { inputs: nextInputs() } });
      const request = await time('request body JSON.parse', () => JSON.parse(body) as { variables: { inputs: unknown[] } });
      const document = await time('GraphQL parse', () => parse(ENQUEUE_ACTIONS));
      await time('GraphQL validate', () => validate(schema, document));
      const operation = document.definitions[0] as OperationDefinitionNode;
      const coerced = await time('GraphQL coerce the 1,000 inputs', () =>
        getVariableValues(schema, operation.variableDefinitions ?? [], request.variables),
      );
      if (coerced.errors || !coerced.coerced) throw new Error(JSON.stringify(coerced.errors));
      const requests = (coerced.coerced.inputs as EnqueueRequest[]).map((input) => ({ ...input, enqueuedBy: 'operator' }));
      const prepared = await time('input checks and payload parsing (1,000)', () =>
        requests.map((input) => (queue as unknown as { prepare(request: EnqueueRequest): NewAction }).prepare(input)),
      );
      await db
        .transaction(async (tx) => {
          const inserted = await time('INSERT statement alone', () => tx.query(insertActions(db.dialect, prepared, status)));
          const byKey = new Map(prepared.map((action) => [action.idempotencyKey, action]));
          const rows = inserted.map((row) => toInsertedAction(db.dialect, byKey.get(row.idempotency_key as string)!, row));
          const facts = await time('the enqueue entries: 1,000 payload hashes', () => enqueueBatchFacts(rows));
          await time('audit append of those 10 entries alone', () => audit.append(tx, facts));
          await time('1,000 ACTION_UPDATED events', () => queue.announceAll(rows));
          await time('models: ActionModel.from (1,000)', () => rows.map(ActionModel.from));
          throw new RollBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RollBack)) throw error;
        });
      const outcomes = await time('enqueueMany (checks, statement, commit, events)', () => queue.enqueueMany(requests));
      const executed = await time('GraphQL execute alone (coercion, resolver, enqueueMany, 2,000 result fields)', () =>
        execute({
          schema,
          document,
          variableValues: { inputs: nextInputs() },
          contextValue: { principal: { role: Role.OPERATOR, actor: 'operator' } },
        }),
      );
      if (executed.errors) throw new Error(JSON.stringify(executed.errors));
      await time('response: models and JSON.stringify', () =>
        JSON.stringify({
          data: { enqueueActions: outcomes.map(({ created, action }) => ({ created, action: { id: ActionModel.from(action).id } })) },
        }),
      );
    }
    console.log(
      `enqueueActions of 1,000 actions on PostgreSQL, medians of ${runs} calls after 5 (ms of wall time, and of this process's CPU):`,
    );
    for (const [step, values] of Object.entries(timings)) {
      const kept = values.slice(5);
      const wall = median(kept.map((value) => value.wall)).toFixed(2);
      const cpu = median(kept.map((value) => value.cpu)).toFixed(2);
      console.log(`  ${step.padEnd(50)} ${wall.padStart(8)} ${cpu.padStart(8)}`);
    }
  } finally {
    await app.close();
    await database.drop();
  }
}

class RollBack extends Error {}

/** What the insert sends for 1, 10 and 1,000 actions on each driver: bound values and text length. */
function printStatementShapes(status: ReturnType<typeof unapprovedStatus>): void {
  const actions = (count: number): NewAction[] =>
    Array.from({ length: count }, (_, index) => ({
      idempotencyKey: `shape-${index}`,
      type: 'POST_SOCIAL' as NewAction['type'],
      payload: { platform: 'mastodon', text: `shape ${index}` },
      priority: 0,
      runAfter: null,
      enqueuedBy: 'operator',
    }));
  for (const dialect of [POSTGRESQL_DIALECT, SQLITE_DIALECT]) {
    const shapes = [1, 10, 1000].map((count) => {
      const { text, values } = render(insertActions(dialect, actions(count), status), (index) => `$${index}`);
      return `${count}: ${values.length} values, ${text.length} characters of text`;
    });
    console.log(`insert on ${dialect.driver}: ${shapes.join('; ')}`);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
