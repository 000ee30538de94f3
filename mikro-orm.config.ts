import { loadConfig } from './src/config/aol-config';
import { buildMikroOrmOptions } from './src/database/mikro-orm-options';

/**
 * For the MikroORM CLI (`npx mikro-orm …`, e.g. to draft a migration): the same options the
 * service uses, for the database DATABASE_URL names, with the entities each module registers
 * found by their file names.
 */
export default {
  ...buildMikroOrmOptions(loadConfig(process.env).database),
  entities: ['./dist/src/**/*.entity.js'],
  entitiesTs: ['./src/**/*.entity.ts'],
};
