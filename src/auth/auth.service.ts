import { timingSafeEqual, createHash } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { AolError, AolErrorCode } from '../errors/aol-error';
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

  constructor(config: AolConfig) {
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

  /** Mutations need OPERATOR; queries and subscriptions any principal. */
  authorize(principal: Principal, operation: 'query' | 'mutation' | 'subscription'): void {
    if (operation === 'mutation' && principal.role !== Role.OPERATOR) {
      throw new AolError(AolErrorCode.FORBIDDEN, 'This token may read but not change anything: mutations need AOL_API_TOKEN');
    }
  }
}
