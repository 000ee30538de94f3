import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, onSendHookHandler } from 'fastify';
import { GRAPHQL_PATH } from '../graphql/graphql-path';
import { contentSecurityPolicy } from './content-security-policy';
import { IDE_PAGE, PLAYGROUND_PAGE, WEB_ROOT } from '../config/web-root';
import { AolConfig } from '../config/aol-config';
import { playgroundAnswer, PLAYGROUND_PATH } from './playground-page';

/** Vite names every file under assets/ by its content's hash: a changed file is a new name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

function cacheHeaders(reply: FastifyReply, path: string): void {
  reply.header('cache-control', path.includes('/assets/') ? IMMUTABLE : 'no-cache');
}

/** The pages of the two IDEs, whose editors need inline styles and data: fonts (see contentSecurityPolicy). */
const IDE_PATHS = new Set([GRAPHQL_PATH, PLAYGROUND_PATH]);

/** Every HTML answer (the console, GraphiQL, Playground, the pages saying an IDE is off) gets the policy. */
const securityHeaders: onSendHookHandler = (request, reply, payload, done) => {
  const type = reply.getHeader('content-type');
  if (typeof type === 'string' && type.startsWith('text/html')) {
    const page = IDE_PATHS.has(request.url.split('?')[0]) ? 'ide' : 'console';
    reply.header('content-security-policy', contentSecurityPolicy(request.headers.host, page));
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  }
  done(null, payload);
};

/**
 * Serves the console (dist/web, built by `npm run build`) at / on the API's own port, and
 * GraphQL Playground at /playground when AOL_PLAYGROUND allows it. Only the
 * files present at start-up are routes (no wildcard): nothing else on disk can be asked for.
 */
@Injectable()
export class ConsoleServer implements OnModuleInit {
  private readonly logger = new Logger(ConsoleServer.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AolConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('onSend', securityHeaders);
    const playground = playgroundAnswer(this.config.playground);
    fastify.get(PLAYGROUND_PATH, (_request, reply) =>
      reply.code(playground.status).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(playground.html),
    );
    if (!existsSync(join(WEB_ROOT, 'index.html'))) {
      this.logger.warn(`The console is not built (no ${join(WEB_ROOT, 'index.html')}): run npm run build`);
      fastify.get('/', (_request, reply) =>
        reply.code(503).type('text/plain; charset=utf-8').send('The console is not built: run npm run build\n'),
      );
      return;
    }
    // Not awaited: an await here would load the plugins (and build the routes) registered so far
    // before Nest sets its error handler, and GraphQL's routes would answer errors as plain Fastify.
    void fastify.register(fastifyStatic, {
      root: WEB_ROOT,
      wildcard: false,
      globIgnore: [IDE_PAGE, PLAYGROUND_PAGE],
      cacheControl: false,
      setHeaders: cacheHeaders,
    });
  }
}
