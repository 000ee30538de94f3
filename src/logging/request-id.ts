import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** What a caller's x-request-id may be to be kept: short, and nothing that could forge a log line. */
const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** The request's id for its log lines: the caller's x-request-id when it is sane, else a new UUID. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}
