import type { IncomingMessage } from 'node:http';
import { INestApplication, INestApplicationContext, ValidationPipe } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { AolConfig } from './config/aol-config';
import { prepareDatabase } from './database/prepare-database';
import { AuthService } from './auth/auth.service';
import { AolError, AolErrorCode, StartupError } from './errors/aol-error';
import { BodyRefusalFilter } from './graphql/body-refusal.filter';
import { decodeRequestBody, installJsonBodyParser } from './graphql/request-body-decoding';
import { installRequestGuard } from './graphql/request-guard';
import { requestIdOf } from './logging/request-id';
import { RateLimitService } from './rate-limit/rate-limit.service';
import { ArtifactStore } from './social/artifact-store';

/** node:http's default requestTimeout, which Fastify replaces with none. */
const NODE_REQUEST_TIMEOUT_MS = 300_000;

/** Nest's Fastify adapter, with the JSON body parser that Nest registers at start-up bounded in nesting. */
class BoundedJsonFastifyAdapter extends FastifyAdapter {
  override registerParserMiddleware(prefix?: string, rawBody?: boolean): void {
    super.registerParserMiddleware(prefix, rawBody);
    installJsonBodyParser(this.getInstance());
  }
}

/**
 * The HTTP server of every way of serving the app: Fastify, on which an enqueueAction costs
 * the service 20–34 % less CPU than on Express (BENCHMARKS.md). Request bodies are read
 * up to AOL_MAX_REQUEST_BYTES, compressed ones once decoded; one declared larger is refused
 * before it is read.
 */
export function createHttpAdapter(config: Pick<AolConfig, 'maxRequestBytes'>): FastifyAdapter {
  const adapter = new BoundedJsonFastifyAdapter({
    bodyLimit: config.maxRequestBytes,
    requestTimeout: NODE_REQUEST_TIMEOUT_MS,
    // /graphql/ is served as /graphql, as it was under Express.
    routerOptions: { ignoreTrailingSlash: true },
    // The id on the request's log lines: the caller's when sane, so a trace crosses services.
    genReqId: (request: IncomingMessage) => requestIdOf(request.headers),
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  adapter.getInstance().addHook('preParsing', decodeRequestBody);
  return adapter;
}

/**
 * Everything the service needs between building the app and listening: the request guard
 * (token and rate limits before a body is read), validation of GraphQL inputs (refused as
 * BAD_USER_INPUT), GraphQL-shaped answers to refused bodies, a writable artifact folder, a
 * reachable database, and (unless disabled) the migrations, all before the tick starts.
 */
export async function prepareApp(app: INestApplication, config: AolConfig): Promise<void> {
  installRequestGuard(app.getHttpAdapter().getInstance() as FastifyInstance, app.get(AuthService), app.get(RateLimitService));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) =>
        new AolError(AolErrorCode.BAD_USER_INPUT, errors.flatMap((error) => Object.values(error.constraints ?? {})).join('; ')),
    }),
  );
  app.useGlobalFilters(new BodyRefusalFilter(app.getHttpAdapter()));
  await assertArtifactDirWritable(app, config);
  await prepareDatabase(app, config);
}

/** Every action would dead-letter on a folder it cannot write: refuse to start instead. */
async function assertArtifactDirWritable(app: INestApplicationContext, config: AolConfig): Promise<void> {
  try {
    await app.get(ArtifactStore, { strict: false }).assertWritable();
  } catch (error) {
    const reason = (error as { code?: string }).code ?? String(error);
    throw new StartupError(`AOL_ARTIFACT_DIR (${config.artifactDir}) cannot be written: ${reason}`);
  }
}
