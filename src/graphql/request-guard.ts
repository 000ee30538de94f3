import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth.service';
import type { Principal } from '../auth/principal';
import { AolError } from '../errors/aol-error';
import type { RateLimitService } from '../rate-limit/rate-limit.service';
import { refusalOf } from './format-error';
import { isGraphqlPath } from './graphql-path';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, once the request guard has admitted it. */
    aolPrincipal: Principal | null;
  }
}

/** The bearer token (failed attempts counted per address), then the caller's request rate. */
export function admitHttpCaller(auth: AuthService, limits: RateLimitService, request: FastifyRequest): Principal {
  const principal = auth.admit(request.ip, request.headers.authorization, request.headers['x-aol-actor']);
  limits.takeRequest(auth.rateKey(principal, request.ip));
  return principal;
}

function isGraphqlRequestWithBody(request: FastifyRequest): boolean {
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return false;
  return isGraphqlPath(request.url);
}

/**
 * Admits every request to the GraphQL endpoint that carries a body in Fastify's `onRequest`
 * hook, before a byte of the body is read: a missing or wrong token is 401, a caller over its
 * rate 429, and neither costs more than the headers did (the connection is closed rather than
 * the body drained). GETs carry no body: Apollo's context admits them the same way.
 */
export function installRequestGuard(fastify: FastifyInstance, auth: AuthService, limits: RateLimitService): void {
  fastify.decorateRequest('aolPrincipal', null);
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    if (!isGraphqlRequestWithBody(request)) return done();
    try {
      request.aolPrincipal = admitHttpCaller(auth, limits, request);
    } catch (error) {
      if (!(error instanceof AolError)) return done(error as Error);
      const { status, headers, body } = refusalOf(error);
      void reply
        .code(status)
        .headers({ ...headers, connection: 'close' })
        .send(body);
      return;
    }
    done();
  });
}
