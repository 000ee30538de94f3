import { IntrinsicException } from '@nestjs/common';

/**
 * Every failure AOL reports to a caller on purpose. The GraphQL layer and the CLI turn the
 * code into `extensions.code` or an exit message in one place each; anything that is not an
 * AolError is an internal error and is masked.
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
