import { INestApplication } from '@nestjs/common';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { join } from 'node:path';
import { AppModule } from '../../src/app.module';
import { createHttpAdapter, createLogger, prepareApp } from '../../src/app.setup';
import { AolConfig, loadConfig } from '../../src/config/aol-config';
import { SqlDatabase, SqlRow } from '../../src/database/sql-database';
import { TickReport, TickService } from '../../src/orchestrator/tick.service';
import { graphqlRequest, GraphqlResponse } from './graphql-client';
import type { TestDatabase } from './test-database';

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
  /** Reads (or back-dates) rows with the app's own connection. */
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
    sql: <T>(sql: string, params: unknown[] = []) => db.query<T>(sql, params),
    close: () => app.close(),
  };
}
