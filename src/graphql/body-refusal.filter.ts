import { ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { AolErrorCode } from '../errors/aol-error';
import { GRAPHQL_PATH } from './graphql-options';

/**
 * What Fastify refuses before GraphQL sees the request, by the status it gives; a 400 keeps
 * its own words (not JSON, empty, shorter than its Content-Length, not valid gzip).
 */
const BODY_REFUSALS: Record<number, { code: AolErrorCode; message?: string }> = {
  400: { code: AolErrorCode.BAD_REQUEST },
  413: { code: AolErrorCode.PAYLOAD_TOO_LARGE, message: 'The request body is too large (AOL_MAX_REQUEST_BYTES)' },
  415: {
    code: AolErrorCode.UNSUPPORTED_MEDIA_TYPE,
    message: 'The GraphQL endpoint reads JSON bodies (application/json), uncompressed or as gzip, deflate or br',
  },
};

/**
 * A request to the GraphQL endpoint whose body Fastify refuses (too large, not JSON, of a
 * type it does not read) is answered in GraphQL's shape with a code, not Nest's generic
 * error, and never reaches a resolver. Everything else keeps Nest's handling: errors in
 * resolvers go on to the GraphQL error formatter, other routes to Nest's default filter.
 */
@Catch(HttpException)
export class BodyRefusalFilter extends BaseExceptionFilter {
  override catch(exception: HttpException, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const adapter = this.applicationRef!;
    const refusal = BODY_REFUSALS[exception.getStatus()];
    const path = (adapter.getRequestUrl?.(http.getRequest()) ?? '').split('?')[0].replace(/\/$/, '');
    if (!refusal || path !== GRAPHQL_PATH) return super.catch(exception, host);
    const message = refusal.message ?? exception.message;
    adapter.reply(http.getResponse(), { errors: [{ message, extensions: { code: refusal.code } }] }, exception.getStatus());
  }
}
