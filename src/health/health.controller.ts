import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { sql } from '../database/sql';
import { SqlDatabase } from '../database/sql-database';

/**
 * GET /health for load balancers and the container's health check: 200 while the process
 * serves and its database answers, 503 otherwise. No token needed; it reveals nothing else.
 */
@Controller('health')
export class HealthController {
  constructor(private readonly db: SqlDatabase) {}

  @Get()
  @HttpCode(200)
  async health(): Promise<{ status: 'ok' }> {
    try {
      await this.db.query(sql`select 1`);
    } catch {
      throw new ServiceUnavailableException({ status: 'unavailable', reason: 'the database does not answer' });
    }
    return { status: 'ok' };
  }
}
