import { DynamicModule, Global, Module } from '@nestjs/common';
import { AolConfig } from './aol-config';

/** Makes the one validated AolConfig injectable everywhere (by its class). */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AolConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AolConfig, useValue: config }],
      exports: [AolConfig],
    };
  }
}
