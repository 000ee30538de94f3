import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AolConfig } from '../config/aol-config';
import { loggerParams } from './logger-params';

/** pino for the HTTP server: a request id on every line logged while serving a request. */
@Module({})
export class LoggingModule {
  static forRoot(config: AolConfig): DynamicModule {
    return { module: LoggingModule, imports: [LoggerModule.forRoot(loggerParams(config))], exports: [LoggerModule] };
  }
}
