import { INestApplication } from '@nestjs/common';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { PinoLogger } from 'nestjs-pino';
import { join } from 'node:path';
import { AppModule } from '../../src/app.module';
import { createHttpAdapter, prepareApp } from '../../src/app.setup';
import { createLogger } from '../../src/logging/logger-params';
import { AolConfig, loadConfig } from '../../src/config/aol-config';
import { Sql } from '../../src/database/sql';
import { SqlDatabase, SqlRow } from '../../src/database/sql-database';
import { TickReport, TickService } from '../../src/orchestrator/tick.service';
import { graphqlRequest, GraphqlResponse } from './graphql-client';
import { createTestDatabase, Driver, TestDatabase } from './test-database';

export interface TestApp {
  app: INestApplication;
  config: AolConfig;
  /** http://127.0.0.1:PORT/graphql */
  graphqlUrl: string;
  artifactDir: string;
  graphql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphqlResponse<T>>;
  /** Runs one tick now, exactly as the interval would. */
  tick(): Promise<TickReport>;
  /** Reads (or back-dates) rows with the app's own connection; `?` placeholders, bound to `params` in order. */
  sql<T = SqlRow>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Replace providers (e.g. a handler that fails on purpose). */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

/**
 * Boots the real service (AppModule, migrations, GraphQL over HTTP and WebSocket) on a
 * loopback port against `database`. The interval is off unless the test turns it on, so
 * tests drive ticks themselves.
 */
export async function startTestApp(database: TestDatabase, options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    AOL_LOG_LEVEL: 'error',
    AOL_TICK_ENABLED: '0',
    AOL_ARTIFACT_DIR: join(database.dir, 'artifacts'),
    ...options.env,
    DATABASE_URL: database.url,
  });
  const builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  const moduleRef = await (options.override ? options.override(builder) : builder).compile();
  const app = moduleRef.createNestApplication(createHttpAdapter(config), { logger: createLogger(config) });
  // nestjs-pino makes one root logger per process, with the options of the first app that asks:
  // a later app of the same test file logs through it, so its level is made this app's here.
  PinoLogger.root.level = config.logLevel;
  await prepareApp(app, config);
  await app.listen(0, '127.0.0.1');
  const graphqlUrl = `${await app.getUrl()}/graphql`;
  const db = app.get(SqlDatabase);
  return {
    app,
    config,
    graphqlUrl,
    artifactDir: config.artifactDir,
    graphql: (query, variables, headers) => graphqlRequest(graphqlUrl, query, variables, headers),
    tick: () => app.get(TickService).runTick(),
    sql: <T>(text: string, params: unknown[] = []) => db.query<T>(withPlaceholders(text, params)),
    close: () => app.close(),
  };
}

/** A statement written with `?` placeholders, as tests write them, bound to `params` in order. */
function withPlaceholders(text: string, params: unknown[]): Sql {
  const parts = text.split('?');
  if (parts.length !== params.length + 1) throw new Error(`${parts.length - 1} placeholders for ${params.length} parameters: ${text}`);
  return new Sql(parts, params);
}

/**
 * The set-up of a block of tests that share one app: a fresh database and the app on it,
 * started before the block's first test and closed (the database dropped) after its last.
 * The app is read through the returned object, which stands for it once started.
 */
export function useTestApp(driver: Driver, options: TestAppOptions = {}): TestApp & { readonly db: TestDatabase } {
  let db: TestDatabase | undefined;
  let aol: TestApp | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(driver);
    aol = await startTestApp(db, options);
  });
  afterAll(async () => {
    await aol?.close();
    await db?.drop();
  });
  return new Proxy({} as TestApp & { readonly db: TestDatabase }, {
    get: (_, key) => {
      if (key === 'db') return db;
      if (!aol) throw new Error('The test app is not started yet (use it inside a test)');
      return aol[key as keyof TestApp];
    },
  });
}

/**
 * The set-up of a block whose tests each start their own app: a fresh database for every test,
 * and whatever app `start` started closed after it.
 */
export function useFreshDatabase(driver: Driver): { readonly db: TestDatabase; start(options?: TestAppOptions): Promise<TestApp> } {
  let db: TestDatabase | undefined;
  const open = new Set<TestApp>();
  beforeEach(async () => {
    db = await createTestDatabase(driver);
  });
  afterEach(async () => {
    for (const aol of [...open]) await aol.close();
    await db?.drop();
  });
  return {
    get db() {
      if (!db) throw new Error('No database outside a test');
      return db;
    },
    start: async (options = {}) => {
      const started = await startTestApp(db!, options);
      // A test may close its app itself (to restart it): that one is not closed again.
      const aol: TestApp = {
        ...started,
        close: async () => {
          open.delete(aol);
          await started.close();
        },
      };
      open.add(aol);
      return aol;
    },
  };
}

/** A fresh database for a block of tests (created before its first test, dropped after its last), for tests that start no app in-process. */
export function useTestDatabase(driver: Driver): TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(driver);
  });
  afterAll(async () => {
    await db?.drop();
  });
  return new Proxy({} as TestDatabase, {
    get: (_, key) => {
      if (!db) throw new Error('The test database is not created yet (use it inside a test)');
      return db[key as keyof TestDatabase];
    },
  });
}
