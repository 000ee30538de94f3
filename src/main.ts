import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { createLogger, prepareApp } from './app.setup';
import { ConfigError, loadConfig } from './config/aol-config';

async function bootstrap(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config);
  const app = await NestFactory.create(AppModule.forRoot(config), { logger });
  await prepareApp(app, config);
  await app.listen(config.port, config.host);
  const where = config.database.driver === 'sqlite' ? `SQLite ${config.database.path}` : 'PostgreSQL';
  logger.log(`AOL ${config.instanceId} serving GraphQL at ${await app.getUrl()}/graphql on ${where}`);
}

bootstrap().catch((error: unknown) => {
  // A bad configuration names its variables; anything else is printed whole.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
