import { HttpException, Logger } from '@nestjs/common';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, GraphQLFormattedError, Kind } from 'graphql';
import { AolError, AolErrorCode, httpStatusOf, isAolErrorCode } from '../errors/aol-error';
import { isDatabaseUnavailable } from '../database/database-unavailable';

export interface ErrorFormatOptions {
  /** Development: internal errors keep their message and stack. */
  exposeInternalErrors: boolean;
  /**
   * Production: no "Did you mean …" for fields, arguments, types or enum values. Apollo's own
   * `hideSchemaDetailsFromClientErrors` strips them from validation errors over HTTP only; this
   * strips them from every error on both transports (variable values included).
   */
  hideSchemaDetails: boolean;
}

/** Statuses of the errors Nest and Fastify raise themselves (pipes, body parsing), as AOL's codes. */
const HTTP_EXCEPTION_CODES: Record<number, AolErrorCode> = {
  400: AolErrorCode.BAD_REQUEST,
  401: AolErrorCode.UNAUTHENTICATED,
  403: AolErrorCode.FORBIDDEN,
  404: AolErrorCode.NOT_FOUND,
  413: AolErrorCode.PAYLOAD_TOO_LARGE,
  415: AolErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: AolErrorCode.RATE_LIMITED,
};

const SUGGESTION = / ?Did you mean(.+?)\?$/s;
const DATABASE_UNAVAILABLE_MESSAGE = 'The database is not reachable right now; nothing was changed by this request. Try again shortly.';

const logger = new Logger('GraphQL');

/** AOL's own error behind a GraphQL error, however deep graphql-js or Apollo wrapped it. */
function findAolError(error: unknown): AolError | null {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof AolError) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return null;
}

/** An HttpException (a Fastify refusal, or a Nest pipe's) as AOL's error: the one reading of its status. */
export function fromHttpException(exception: HttpException): AolError | null {
  const code = HTTP_EXCEPTION_CODES[exception.getStatus()];
  if (!code) return null;
  const response = exception.getResponse();
  const message = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
  return new AolError(code, Array.isArray(message) ? message.join('; ') : String(message ?? exception.message));
}

/** A variable whose value does not fit its type: graphql-js points such an error at the variable's definition alone. */
function isVariableValueError(error: unknown): boolean {
  const nodes = error instanceof GraphQLError ? error.nodes : undefined;
  return nodes?.length === 1 && nodes[0].kind === Kind.VARIABLE_DEFINITION;
}

function codeOf(formatted: GraphQLFormattedError, error: unknown, original: unknown): AolErrorCode {
  const aolError = findAolError(error);
  if (aolError) return aolError.code;
  if (original instanceof HttpException) return fromHttpException(original)?.code ?? AolErrorCode.INTERNAL_SERVER_ERROR;
  if (isDatabaseUnavailable(original)) return AolErrorCode.DATABASE_UNAVAILABLE;
  // GraphQL's and Apollo's own refusals (parse, validation, variables), tagged by Apollo on
  // HTTP and by DocumentCache on the WebSocket.
  const given = formatted.extensions?.code;
  if (isAolErrorCode(given)) return given;
  return isVariableValueError(error) ? AolErrorCode.BAD_USER_INPUT : AolErrorCode.INTERNAL_SERVER_ERROR;
}

/**
 * The one mapping from any error to what a client sees, for HTTP (Apollo's formatError) and
 * the WebSocket alike: every error leaves with one of AolErrorCode's codes in
 * `extensions.code`. Internal errors are logged here, once, with their stack, and in
 * production answered only with "Internal server error".
 */
export function toGraphqlError(formatted: GraphQLFormattedError, error: unknown, options: ErrorFormatOptions): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = codeOf(formatted, error, original);
  const base = { locations: formatted.locations, path: formatted.path };
  if (code === AolErrorCode.INTERNAL_SERVER_ERROR) {
    logger.error({ msg: `Internal error: ${formatted.message}`, err: original, path: formatted.path });
    return options.exposeInternalErrors
      ? { message: formatted.message, ...base, extensions: { code, stacktrace: formatted.extensions?.stacktrace } }
      : { message: 'Internal server error', ...base, extensions: { code } };
  }
  if (code === AolErrorCode.DATABASE_UNAVAILABLE) return { message: DATABASE_UNAVAILABLE_MESSAGE, ...base, extensions: { code } };
  const aolError = findAolError(error) ?? (original instanceof HttpException ? fromHttpException(original) : null);
  // GraphQL's words where it wrapped the error (they name the variable or argument), else the exception's.
  const message = original instanceof HttpException ? (aolError?.message ?? formatted.message) : formatted.message;
  return {
    message: options.hideSchemaDetails ? message.replace(SUGGESTION, '') : message,
    ...base,
    extensions: { ...aolError?.details, code },
  };
}

export function createErrorFormatter(options: ErrorFormatOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => toGraphqlError(formatted, error, options);
}

/** Seconds to wait before trying again, for RATE_LIMITED (the `Retry-After` header). */
function retryAfterOf(error: AolError): string | undefined {
  const seconds = error.details?.retryAfterSeconds;
  return typeof seconds === 'number' ? String(seconds) : undefined;
}

/** An AolError as Apollo expects a request-level error: its code, the status of the table, Retry-After when limited. */
export function toRequestError(error: unknown): unknown {
  if (!(error instanceof AolError)) return error;
  const retryAfter = retryAfterOf(error);
  return new GraphQLError(error.message, {
    extensions: {
      code: error.code,
      http: { status: httpStatusOf(error.code), ...(retryAfter ? { headers: new Map([['retry-after', retryAfter]]) } : {}) },
    },
    originalError: error,
  });
}

/** A whole HTTP request refused before GraphQL runs (a hook, a body refusal): status, headers and GraphQL-shaped body. */
export function refusalOf(error: AolError): { status: number; headers: Record<string, string>; body: { errors: GraphQLFormattedError[] } } {
  const retryAfter = retryAfterOf(error);
  return {
    status: httpStatusOf(error.code),
    headers: retryAfter ? { 'retry-after': retryAfter } : {},
    body: { errors: [toGraphqlError({ message: error.message }, error, { exposeInternalErrors: false, hideSchemaDetails: false })] },
  };
}
