import { ConsoleLogger, INestApplication, LogLevel as NestLogLevel, ValidationPipe } from '@nestjs/common';
import type { AolConfig, LogLevel } from './config/aol-config';
import { MigrationService } from './database/migration.service';

const LEVELS: NestLogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest's logger at AOL_LOG_LEVEL and everything more severe; JSON lines in production. */
export function createLogger(config: Pick<AolConfig, 'logLevel' | 'nodeEnv'>, context = 'AOL'): ConsoleLogger {
  const logLevels = LEVELS.slice(0, LEVELS.indexOf(config.logLevel satisfies LogLevel) + 1);
  return new ConsoleLogger(context, { logLevels, json: config.nodeEnv === 'production' });
}

/**
 * Everything the service needs between building the app and listening: validation of
 * GraphQL inputs, shutdown on SIGTERM/SIGINT, and (unless disabled) the migrations, before
 * the tick starts.
 */
export async function prepareApp(app: INestApplication, config: AolConfig): Promise<void> {
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.enableShutdownHooks();
  if (config.migrateOnStart) await app.get(MigrationService).migrateUp();
}
