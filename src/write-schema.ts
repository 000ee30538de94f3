import 'reflect-metadata';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';
import { AppModule } from './app.module';
import { createHttpAdapter } from './app.setup';
import { loadConfig } from './config/aol-config';

export const SCHEMA_FILE_HEADER = '# The AOL GraphQL schema. Generated from the code by `npm run schema`; do not edit.\n\n';

/** The schema as the service builds it, in SDL, as schema.gql holds it. */
export function schemaFileText(schemaHost: GraphQLSchemaHost): string {
  return `${SCHEMA_FILE_HEADER}${printSchema(schemaHost.schema)}\n`;
}

/** Boots the service's modules on a scratch database (no HTTP, no ticks) and writes schema.gql. */
async function writeSchemaFile(target: string): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'aol-schema-'));
  try {
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(scratch, 'schema.sqlite')}`, AOL_TICK_ENABLED: '0', AOL_LOG_LEVEL: 'error' });
    const app = await NestFactory.create(AppModule.forRoot(config), createHttpAdapter(config), { logger: ['error'] });
    await app.init();
    await writeFile(target, schemaFileText(app.get(GraphQLSchemaHost)));
    await app.close();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const target = join(process.cwd(), 'schema.gql');
  writeSchemaFile(target).then(
    () => console.log(`Wrote ${target}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
