import { Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { FixedWindowCounter } from './fixed-window-counter';

/**
 * The rate limits of both transports (AOL_RATE_LIMIT_*), each a fixed-window count per key: a
 * token (`token:OPERATOR`), or the caller's address when the API is open, and the address
 * alone for failed authentications. A limit of 0 is off. Over a limit the caller gets
 * RATE_LIMITED with the seconds to wait (`retryAfterSeconds`, and `Retry-After` on HTTP).
 */
@Injectable()
export class RateLimitService {
  private readonly requests: FixedWindowCounter | null;
  private readonly connections: FixedWindowCounter | null;
  private readonly messages: FixedWindowCounter | null;
  private readonly failedAuthentications: FixedWindowCounter | null;

  constructor(config: AolConfig) {
    const { windowSeconds, requests, wsConnections, wsMessages, failedAuthentications } = config.rateLimits;
    const counter = (limit: number) => (limit > 0 ? new FixedWindowCounter(limit, windowSeconds * 1000) : null);
    this.requests = counter(requests);
    this.connections = counter(wsConnections);
    this.messages = counter(wsMessages);
    this.failedAuthentications = counter(failedAuthentications);
  }

  /** One HTTP request to the GraphQL endpoint. */
  takeRequest(key: string): void {
    refuseAfter(this.requests?.take(key) ?? 0, 'requests');
  }

  /** One WebSocket connection, once authenticated. */
  takeConnection(key: string): void {
    refuseAfter(this.connections?.take(key) ?? 0, 'WebSocket connections');
  }

  /** One WebSocket message; the milliseconds to wait when over the limit, else 0. */
  takeMessage(key: string): number {
    return this.messages?.take(key) ?? 0;
  }

  /** Refuses every authentication from an address that failed too often in this window. */
  assertMayAuthenticate(address: string): void {
    refuseAfter(this.failedAuthentications?.exceeded(address) ?? 0, 'failed authentications');
  }

  recordFailedAuthentication(address: string): void {
    this.failedAuthentications?.take(address);
  }
}

function refuseAfter(waitMs: number, what: string): void {
  if (waitMs <= 0) return;
  const retryAfterSeconds = Math.ceil(waitMs / 1000);
  throw new AolError(AolErrorCode.RATE_LIMITED, `Too many ${what} in this window (AOL_RATE_LIMIT_*): try again in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
  });
}
