import type { INestApplicationContext } from '@nestjs/common';
import type { AolConfig } from '../config/aol-config';
import { MigrationService } from './migration.service';
import { SqlDatabase } from './sql-database';

/** Fails fast on an unreachable database, then migrates unless AOL_MIGRATE_ON_START=0. */
export async function prepareDatabase(app: INestApplicationContext, config: AolConfig): Promise<void> {
  await app.get(SqlDatabase).assertReachable();
  if (config.migrateOnStart) await app.get(MigrationService).migrateUp();
}
