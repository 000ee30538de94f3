import { HttpException } from '@nestjs/common';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { AolError } from '../errors/aol-error';
import { isDatabaseUnavailable } from '../database/database-unavailable';

/** Codes GraphQL and Apollo themselves give, about the request rather than the server. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
]);

const HTTP_STATUS_CODES: Record<number, string> = {
  400: 'BAD_USER_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'BAD_USER_INPUT',
};

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  const message = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
  return Array.isArray(message) ? message.join('; ') : String(message ?? exception.message);
}

/**
 * The one place where errors become GraphQL errors: every error leaves with
 * `extensions.code`. AOL's own errors keep their code and message; input errors from
 * GraphQL, Apollo and Nest's pipes become BAD_USER_INPUT and friends; anything else is an
 * internal error (Nest logs resolver faults with their stack) and, in production, is shown
 * only as "Internal server error".
 */
/** AOL's own error behind a GraphQL error, however deep Apollo wrapped it (resolver, validation). */
function findAolError(error: unknown): AolError | null {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof AolError) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return null;
}

export function createErrorFormatter(options: { exposeInternalErrors: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = findAolError(error) ?? unwrapResolverError(error);
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
    if (original instanceof AolError) {
      return { ...base, message: original.message, extensions: { ...original.details, code: original.code } };
    }
    if (original instanceof HttpException) {
      const code = HTTP_STATUS_CODES[original.getStatus()];
      if (code) return { ...base, message: httpExceptionMessage(original), extensions: { code } };
    }
    if (isDatabaseUnavailable(original)) {
      return {
        ...base,
        message: 'The database is not reachable right now; nothing was changed by this request. Try again shortly.',
        extensions: { code: 'DATABASE_UNAVAILABLE' },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
      return { ...base, extensions: { code } };
    }
    return options.exposeInternalErrors
      ? { ...base, extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: formatted.extensions?.stacktrace } }
      : {
          message: 'Internal server error',
          locations: formatted.locations,
          path: formatted.path,
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        };
  };
}
