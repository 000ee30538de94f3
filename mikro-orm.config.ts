import { loadConfig } from './src/config/aol-config';
import { buildMikroOrmOptions } from './src/database/mikro-orm-options';
import { AOL_ENTITIES } from './src/database/entities';

/**
 * For the MikroORM CLI (`npx mikro-orm …`, e.g. to draft a migration): the same options the
 * service uses, for the database DATABASE_URL names.
 */
export default buildMikroOrmOptions(loadConfig(process.env).database, AOL_ENTITIES);
