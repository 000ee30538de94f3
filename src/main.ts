import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { createHttpAdapter, prepareApp } from './app.setup';
import { loadConfig } from './config/aol-config';
import { unknownVariableWarnings } from './config/unknown-variables';
import { createLogger } from './logging/logger-params';
import { StartupError } from './errors/aol-error';
import { describeTarget } from './database/sql-database';
import { assertSqliteFileOpens } from './database/sqlite-connection';
import { TickService } from './orchestrator/tick.service';

/** Seconds a shutdown may take beyond the action timeout before the process gives up waiting. */
const SHUTDOWN_GRACE_SECONDS = 5;

/** libuv's default of 4 threads would let only 4 of a batch's artifact fsyncs run at once. */
const MAX_FILE_THREADS = 64;

async function bootstrap(): Promise<void> {
  const config = loadConfig(process.env);
  // Sized before the first asynchronous file operation creates the pool; a deployer's own
  // UV_THREADPOOL_SIZE wins.
  process.env.UV_THREADPOOL_SIZE ??= String(Math.min(Math.max(4, config.tickConcurrency), MAX_FILE_THREADS));
  const logger = createLogger(config);
  await assertSqliteFileOpens(config.database);
  for (const warning of unknownVariableWarnings(process.env)) logger.warn(warning);
  const app = await NestFactory.create(AppModule.forRoot(config), createHttpAdapter(config), { logger });
  await prepareApp(app, config);

  // SIGTERM/SIGINT: stop ticking, let the action in flight finish, release the lease, close
  // connections, exit 0. Bounded: an action that ignores its timeout cannot hold the exit.
  // Ctrl-C under `npm start` reaches the service twice (from the terminal and from npm): a
  // repeated signal must not end the shutdown under way.
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.log(`${signal}: shutting down`, 'AOL');
    app.get(TickService, { strict: false }).stopStartingActions();
    const limitMs = (config.actionTimeoutSeconds + SHUTDOWN_GRACE_SECONDS) * 1000;
    const forced = setTimeout(() => {
      logger.error(`Shutdown took longer than ${limitMs} ms; exiting anyway`);
      process.exit(1);
    }, limitMs);
    app.close().then(
      () => {
        clearTimeout(forced);
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`Shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  await app.listen(config.port, config.host);
  logger.log(`AOL ${config.instanceId} serving GraphQL at ${await app.getUrl()}/graphql on ${describeTarget(config.database)}`, 'AOL');
}

bootstrap().catch((error: unknown) => {
  // A start-up error names what to fix; anything else is printed whole.
  console.error(error instanceof StartupError ? error.message : error);
  process.exit(1);
});
