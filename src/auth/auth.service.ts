import { timingSafeEqual, createHash } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AolConfig, IntrospectionAccess } from '../config/aol-config';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { Principal, Role } from './principal';

const ACTOR_PATTERN = /^[A-Za-z0-9._@:-]{1,64}$/;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Bearer-token authentication for both transports: AOL_API_TOKEN grants OPERATOR,
 * AOL_READ_TOKEN grants VIEWER. With no token configured the API is open: everyone is an
 * OPERATOR, and start-up says so loudly.
 */
@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  private readonly tokens: Array<{ digest: Buffer; role: Role }>;
  private readonly introspection: IntrospectionAccess;

  constructor(
    config: AolConfig,
    private readonly limits: RateLimitService,
  ) {
    this.introspection = config.introspection;
    this.tokens = [
      ...(config.apiToken ? [{ digest: digest(config.apiToken.reveal()), role: Role.OPERATOR }] : []),
      ...(config.readToken ? [{ digest: digest(config.readToken.reveal()), role: Role.VIEWER }] : []),
    ];
  }

  onApplicationBootstrap(): void {
    if (this.open) {
      this.logger.warn(
        'NO AUTHENTICATION: AOL_API_TOKEN is not set, so anyone who can reach this port may pause, kill and enqueue. Set it before exposing the service.',
      );
    }
  }

  get open(): boolean {
    return this.tokens.length === 0;
  }

  /**
   * The principal for an `Authorization` value (`Bearer <token>`), or UNAUTHENTICATED. The
   * optional actor name (header `X-AOL-Actor` or connection parameter `actor`) only labels the
   * audit trail; the token decides the rights.
   */
  authenticate(authorization: unknown, actorName?: unknown): Principal {
    const label = typeof actorName === 'string' && ACTOR_PATTERN.test(actorName) ? actorName : null;
    if (this.open) return { role: Role.OPERATOR, actor: label ? `anonymous:${label}` : 'anonymous' };
    const token = typeof authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(authorization.trim())?.[1] : undefined;
    if (!token) throw new AolError(AolErrorCode.UNAUTHENTICATED, 'Send Authorization: Bearer <token> (AOL_API_TOKEN or AOL_READ_TOKEN)');
    // Compare digests in constant time, so timing reveals nothing about either token.
    const presented = digest(token);
    const match = this.tokens.find((candidate) => timingSafeEqual(candidate.digest, presented));
    if (!match) throw new AolError(AolErrorCode.UNAUTHENTICATED, 'The bearer token is not valid');
    const base = match.role === Role.OPERATOR ? 'operator' : 'viewer';
    return { role: match.role, actor: label ? `${base}:${label}` : base };
  }

  /**
   * `authenticate` for a caller at `address`, on either transport, with failed attempts
   * counted per address (AOL_RATE_LIMIT_FAILED_AUTH): past the limit every attempt from that
   * address is RATE_LIMITED until the window ends, the right token included.
   */
  admit(address: string, authorization: unknown, actorName?: unknown): Principal {
    this.limits.assertMayAuthenticate(address);
    try {
      return this.authenticate(authorization, actorName);
    } catch (error) {
      this.limits.recordFailedAuthentication(address);
      throw error;
    }
  }

  /** Whom a caller's requests are counted against: its token, or its address when the API is open. */
  rateKey(principal: Principal, address: string): string {
    return this.open ? `address:${address}` : `token:${principal.role}`;
  }

  /**
   * Mutations need OPERATOR; queries and subscriptions any principal. Introspection
   * (`__schema`, `__type`) follows AOL_INTROSPECTION: anyone, the operator only, or nobody.
   */
  authorize(principal: Principal, operation: 'query' | 'mutation' | 'subscription', introspects = false): void {
    if (operation === 'mutation' && principal.role !== Role.OPERATOR) {
      throw new AolError(AolErrorCode.FORBIDDEN, 'This token may read but not change anything: mutations need AOL_API_TOKEN');
    }
    if (introspects && (this.introspection === 'none' || (this.introspection === 'operator' && principal.role !== Role.OPERATOR))) {
      throw new AolError(AolErrorCode.FORBIDDEN, 'Introspection is not open to this caller (AOL_INTROSPECTION)');
    }
  }
}
