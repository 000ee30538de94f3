import { IntrinsicException } from '@nestjs/common';

/**
 * Every code a caller can find in `extensions.code`: AOL's own refusals, and the ones GraphQL
 * and Apollo give about the request itself. The GraphQL layer maps every error to one of these
 * in one place (`toGraphqlError`) and the CLI prints them; anything that is not an AolError and
 * carries none of these codes is an internal error and is masked.
 */
export enum AolErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  IDEMPOTENCY_CONFLICT = 'IDEMPOTENCY_CONFLICT',
  INVALID_STATE = 'INVALID_STATE',
  REAL_MODE_FORBIDDEN = 'REAL_MODE_FORBIDDEN',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  QUERY_TOO_DEEP = 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  TOO_MANY_ALIASES = 'TOO_MANY_ALIASES',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  /** The HTTP request itself is malformed (say, a body that is not JSON). */
  BAD_REQUEST = 'BAD_REQUEST',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  /** Too many requests, connections, messages or failed logins in the current window. */
  RATE_LIMITED = 'RATE_LIMITED',
  /** One WebSocket already holds AOL_WS_MAX_SUBSCRIPTIONS active operations. */
  TOO_MANY_SUBSCRIPTIONS = 'TOO_MANY_SUBSCRIPTIONS',
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  /** Apollo: the document has several operations and the request names none of them. */
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
  /** Apollo's automatic persisted queries: a hash the server does not know (yet). */
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED = 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** A look-up on a remote network (reconcileAction) failed: nothing was concluded or changed. */
  REMOTE_LOOKUP_FAILED = 'REMOTE_LOOKUP_FAILED',
  /** The database is down or unreachable; nothing was changed. */
  DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

const CODES = new Set<string>(Object.values(AolErrorCode));

export function isAolErrorCode(value: unknown): value is AolErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

function unreachable(code: never): never {
  throw new Error(`No HTTP status for error code ${String(code)}`);
}

/**
 * The HTTP status of a request refused as a whole with `code`: the one status table, for the
 * body filter, the request hooks and Apollo's request-level errors alike. (An error of one
 * field inside a GraphQL answer leaves the answer's status at 200.)
 */
export function httpStatusOf(code: AolErrorCode): number {
  switch (code) {
    case AolErrorCode.BAD_USER_INPUT:
    case AolErrorCode.BAD_REQUEST:
    case AolErrorCode.QUERY_TOO_DEEP:
    case AolErrorCode.QUERY_TOO_COMPLEX:
    case AolErrorCode.TOO_MANY_ALIASES:
    case AolErrorCode.GRAPHQL_PARSE_FAILED:
    case AolErrorCode.GRAPHQL_VALIDATION_FAILED:
    case AolErrorCode.OPERATION_RESOLUTION_FAILURE:
    case AolErrorCode.PERSISTED_QUERY_NOT_FOUND:
    case AolErrorCode.PERSISTED_QUERY_NOT_SUPPORTED:
      return 400;
    case AolErrorCode.UNAUTHENTICATED:
      return 401;
    case AolErrorCode.FORBIDDEN:
    case AolErrorCode.REAL_MODE_FORBIDDEN:
      return 403;
    case AolErrorCode.NOT_FOUND:
      return 404;
    case AolErrorCode.IDEMPOTENCY_CONFLICT:
    case AolErrorCode.INVALID_STATE:
      return 409;
    case AolErrorCode.PAYLOAD_TOO_LARGE:
      return 413;
    case AolErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return 415;
    case AolErrorCode.RATE_LIMITED:
    case AolErrorCode.TOO_MANY_SUBSCRIPTIONS:
      return 429;
    case AolErrorCode.INTERNAL_SERVER_ERROR:
      return 500;
    case AolErrorCode.REMOTE_LOOKUP_FAILED:
      return 502;
    case AolErrorCode.DATABASE_UNAVAILABLE:
      return 503;
    default:
      return unreachable(code);
  }
}

/** An IntrinsicException, so Nest does not log it as a server fault: it is the caller's. */
export class AolError extends IntrinsicException {
  constructor(
    readonly code: AolErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AolError';
  }
}

/** The service cannot start as configured; the message says what to fix (no stack needed). */
export class StartupError extends Error {
  override name = 'StartupError';
}
