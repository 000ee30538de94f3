import { DynamicModule, Global, Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import type { DatabaseTarget } from '../config/aol-config';
import { buildMikroOrmOptions } from './mikro-orm-options';
import { SqlDatabase } from './sql-database';
import { MigrationService } from './migration.service';

/** The database connection (SQLite or PostgreSQL), raw SQL access and migrations. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(database: DatabaseTarget): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        MikroOrmModule.forRoot({
          ...buildMikroOrmOptions(database),
          autoLoadEntities: true,
          registerRequestContext: false,
        }),
      ],
      providers: [SqlDatabase, MigrationService],
      exports: [SqlDatabase, MigrationService],
    };
  }
}
