import { ConsoleLogger, INestApplication, INestApplicationContext, LogLevel as NestLogLevel, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import type { AolConfig, LogLevel } from './config/aol-config';
import { MigrationService } from './database/migration.service';
import { AolErrorCode } from './errors/aol-error';
import { SqlDatabase } from './database/sql-database';

const LEVELS: NestLogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest's logger at AOL_LOG_LEVEL and everything more severe; JSON lines in production. */
export function createLogger(config: Pick<AolConfig, 'logLevel' | 'nodeEnv'>, context = 'AOL'): ConsoleLogger {
  const logLevels = LEVELS.slice(0, LEVELS.indexOf(config.logLevel satisfies LogLevel) + 1);
  return new ConsoleLogger(context, { logLevels, json: config.nodeEnv === 'production' });
}

/**
 * Everything the service needs between building the app and listening: validation of
 * GraphQL inputs, a reachable database, and (unless disabled) the migrations, all before the
 * tick starts.
 */
export async function prepareApp(app: INestApplication, config: AolConfig): Promise<void> {
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  const http = app as NestExpressApplication;
  // No ETag on answers: nobody revalidates a GraphQL POST, and hashing every body costs CPU.
  http.set('etag', false);
  http.useBodyParser('json', { limit: config.maxRequestBytes });
  http.use(bodyErrorsAsGraphql);
  await prepareDatabase(app, config);
}

/**
 * A body the JSON parser refuses (too large, malformed) gets a GraphQL-shaped error with a
 * code, not the framework's HTML page, and never reaches a resolver.
 */
function bodyErrorsAsGraphql(error: { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction): void {
  if (error.type === 'entity.too.large') {
    res.status(413).json({ errors: [{ message: 'The request body is too large (AOL_MAX_REQUEST_BYTES)', extensions: { code: AolErrorCode.PAYLOAD_TOO_LARGE } }] });
  } else if (error.type === 'entity.parse.failed') {
    res.status(400).json({ errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
  } else {
    next(error);
  }
}

/** Fails fast on an unreachable database, then migrates unless AOL_MIGRATE_ON_START=0. */
export async function prepareDatabase(app: INestApplicationContext, config: AolConfig): Promise<void> {
  await app.get(SqlDatabase).assertReachable();
  if (config.migrateOnStart) await app.get(MigrationService).migrateUp();
}
