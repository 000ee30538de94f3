import { Module } from '@nestjs/common';
import { ConsoleServer } from './console.server';

/** The operator console, a web page served at / by the service itself. */
@Module({ providers: [ConsoleServer] })
export class ConsoleModule {}
