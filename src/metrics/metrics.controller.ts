import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Headers, UnauthorizedException } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { AolMetrics } from './aol-metrics';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * GET /metrics in Prometheus' text format. Open unless AOL_METRICS_TOKEN is set; then only
 * `Authorization: Bearer <that token>` reads it (the API's tokens do not: a scraper holds this
 * one alone). Like /health, outside the GraphQL API's guard and rate limits.
 */
@Controller('metrics')
export class MetricsController {
  private readonly token: Buffer | null;

  constructor(
    private readonly metrics: AolMetrics,
    config: AolConfig,
  ) {
    this.token = config.metricsToken ? digest(config.metricsToken.reveal()) : null;
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async scrape(@Headers('authorization') authorization: string | undefined): Promise<string> {
    if (this.token) {
      const presented = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
      // Digests compared in constant time: timing reveals nothing about the token.
      if (!presented || !timingSafeEqual(digest(presented), this.token)) {
        throw new UnauthorizedException('Send Authorization: Bearer <AOL_METRICS_TOKEN>');
      }
    }
    return this.metrics.scrape();
  }
}
