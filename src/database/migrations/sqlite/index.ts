import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261130000000_initial } from './Migration20261130000000_initial';

/** Every migration for this driver, oldest first. Add new ones at the end. */
export const SQLITE_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261130000000_initial', class: Migration20261130000000_initial },
];
