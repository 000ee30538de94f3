import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Headers, HttpException, Ip, Res, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AolConfig } from '../config/aol-config';
import { AolError } from '../errors/aol-error';
import { refusalOf } from '../graphql/format-error';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { AolMetrics } from './aol-metrics';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * GET /metrics in Prometheus' text format. Open unless AOL_METRICS_TOKEN is set; then only
 * `Authorization: Bearer <that token>` reads it (the API's tokens do not: a scraper holds this
 * one alone). Like /health, outside the GraphQL API's guard and request rate; a wrong token
 * counts towards the address's failed authentications (AOL_RATE_LIMIT_FAILED_AUTH) as on the API,
 * so the scrape endpoint is no place to guess tokens at leisure.
 */
@Controller('metrics')
export class MetricsController {
  private readonly token: Buffer | null;

  constructor(
    private readonly metrics: AolMetrics,
    private readonly limits: RateLimitService,
    config: AolConfig,
  ) {
    this.token = config.metricsToken ? digest(config.metricsToken.reveal()) : null;
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Ip() address: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (this.token) this.admit(authorization, address, reply);
    return this.metrics.scrape();
  }

  private admit(authorization: string | undefined, address: string, reply: FastifyReply): void {
    try {
      this.limits.assertMayAuthenticate(address);
    } catch (error) {
      if (!(error instanceof AolError)) throw error;
      // The API's status and Retry-After for the refusal; the body in this endpoint's REST shape.
      const { status, headers } = refusalOf(error);
      void reply.headers(headers);
      throw new HttpException({ statusCode: status, code: error.code, message: error.message }, status);
    }
    const presented = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
    // Digests compared in constant time: timing reveals nothing about the token.
    if (!presented || !timingSafeEqual(digest(presented), this.token!)) {
      this.limits.recordFailedAuthentication(address);
      throw new UnauthorizedException('Send Authorization: Bearer <AOL_METRICS_TOKEN>');
    }
  }
}
