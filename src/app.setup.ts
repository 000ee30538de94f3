import { ConsoleLogger, INestApplication, INestApplicationContext, LogLevel as NestLogLevel, ValidationPipe } from '@nestjs/common';
import type { AolConfig, LogLevel } from './config/aol-config';
import { MigrationService } from './database/migration.service';
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
  await prepareDatabase(app, config);
}

/** Fails fast on an unreachable database, then migrates unless AOL_MIGRATE_ON_START=0. */
export async function prepareDatabase(app: INestApplicationContext, config: AolConfig): Promise<void> {
  await app.get(SqlDatabase).assertReachable();
  if (config.migrateOnStart) await app.get(MigrationService).migrateUp();
}
