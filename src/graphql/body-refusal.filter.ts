import { ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { fromHttpException, refusalOf } from './format-error';
import { isGraphqlPath } from './graphql-path';

/** Clearer words than Fastify's for two refusals; a 400 keeps its own (not JSON, empty, not valid gzip). */
const MESSAGES: Partial<Record<AolErrorCode, string>> = {
  [AolErrorCode.PAYLOAD_TOO_LARGE]: 'The request body is too large (AOL_MAX_REQUEST_BYTES)',
  [AolErrorCode.UNSUPPORTED_MEDIA_TYPE]:
    'The GraphQL endpoint reads JSON bodies (application/json), uncompressed or as gzip, deflate or br',
};

/**
 * A request to the GraphQL endpoint whose body is refused before GraphQL sees it (too large,
 * not JSON, nested too deep, of a type it does not read) is answered in GraphQL's shape with
 * a code, not Nest's generic error, and never reaches a resolver. Other routes keep Nest's
 * handling. Errors inside GraphQL are passed on untouched, so that the error formatter alone
 * maps and logs them (Nest's default would log each resolver fault a second time).
 */
@Catch()
export class BodyRefusalFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const adapter = this.applicationRef!;
    const refusal = exception instanceof AolError ? exception : exception instanceof HttpException ? fromHttpException(exception) : null;
    if (!refusal || !isGraphqlPath(adapter.getRequestUrl?.(http.getRequest()))) return super.catch(exception, host);
    const message = MESSAGES[refusal.code] ?? refusal.message;
    const { status, headers, body } = refusalOf(new AolError(refusal.code, message, refusal.details));
    const response = http.getResponse<{ header(name: string, value: string): unknown }>();
    for (const [name, value] of Object.entries(headers)) response.header(name, value);
    adapter.reply(response, body, status);
  }
}
