import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger, type Params, PinoLogger } from 'nestjs-pino';
import pino, { type DestinationStream, type LoggerOptions } from 'pino';
import type { AolConfig } from '../config/aol-config';
import { StartupError } from '../errors/aol-error';

/** Where credentials may show in a log object: request headers, socket parameters, configuration. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'connectionParams.authorization',
  'connectionParams.Authorization',
  'authorization',
  'accessToken',
  '*.accessToken',
];

export type LogSettings = Pick<AolConfig, 'logLevel' | 'logFormat' | 'instanceId'>;

/**
 * The pino logger's options: every line carries the instance id; levels as words in JSON
 * (`"level":"info"`), so a log shipper needs no table; secrets censored at the logger.
 */
function loggerOptions(settings: LogSettings, json: boolean): LoggerOptions {
  return {
    level: settings.logLevel,
    base: { instanceId: settings.instanceId },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[secret]' },
    ...(json ? { formatters: { level: (label: string) => ({ level: label }) } } : {}),
  };
}

/**
 * A destination's pretty stream, kept on the destination: each is piped into it for good
 * (listeners that are never removed), so a process that builds one app after another shares
 * one rather than adding a pipe per app. On the stream itself, not in this module: Jest loads
 * the module afresh for each test file, and a worker's test files share one process.stdout.
 */
const PRETTY_STREAM = Symbol.for('aol.logging.prettyStream');
type PrettyDestination = NodeJS.WritableStream & { [PRETTY_STREAM]?: DestinationStream };

/**
 * pino-pretty, written synchronously so that a line is out before the process exits. It is a
 * development dependency: where it is not installed (a production image), AOL_LOG_FORMAT=pretty
 * is refused at start-up and the development default falls back to JSON.
 */
function prettyStream(destination: PrettyDestination, required: boolean): DestinationStream | null {
  const made = destination[PRETTY_STREAM];
  if (made) return made;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as typeof import('pino-pretty');
    const stream = pretty({
      sync: true,
      destination,
      translateTime: 'SYS:HH:MM:ss.l',
      // One line each: the instance and the context before the message, other fields after it.
      messageFormat: '{instanceId} {if context}[{context}] {end}{msg}',
      ignore: 'pid,hostname,instanceId,context',
      singleLine: true,
    });
    destination[PRETTY_STREAM] = stream;
    return stream;
  } catch (error) {
    if (required) throw new StartupError(`AOL_LOG_FORMAT=pretty needs the pino-pretty package, which is not installed: ${String(error)}`);
    return null;
  }
}

/**
 * nestjs-pino's parameters: the logger (JSON or pretty, to `destination`) and, for HTTP, the
 * request's id (Fastify's, see app.setup.ts) on every line logged while serving it. A finished
 * request is logged at debug (a 503 at warn, another 5xx or a thrown error at error): at info, a
 * busy API would drown the tick's lines.
 */
export function loggerParams(settings: LogSettings, destination: NodeJS.WritableStream = process.stdout): Params {
  const pretty = settings.logFormat === 'json' ? null : prettyStream(destination, settings.logFormat === 'pretty');
  // process.stdout rather than the descriptor: a pipe or file is written synchronously on Linux
  // all the same, and a test can read what the app logs.
  const stream = pretty ?? destination;
  return {
    pinoHttp: [
      {
        ...loggerOptions(settings, pretty === null),
        quietReqLogger: true,
        customAttributeKeys: { reqId: 'requestId' },
        customLogLevel: (_request: IncomingMessage, response: ServerResponse, error?: Error) =>
          error ? 'error' : response.statusCode === 503 ? 'warn' : response.statusCode >= 500 ? 'error' : 'debug',
        // A 5xx answered on purpose (503: not ready, shutting down, the database away) is no
        // fault of the code: pino-http's stand-in error, and its stack, say nothing there.
        customErrorObject: (_request: IncomingMessage, response: ServerResponse, error: Error, value: Record<string, unknown>) =>
          isStandInError(error, response) ? { ...value, err: undefined } : value,
        customErrorMessage: (_request: IncomingMessage, response: ServerResponse, error: Error) =>
          isStandInError(error, response) ? `answered ${response.statusCode}` : 'request errored',
      },
      stream,
    ],
  };
}

/** The error pino-http makes up for a 5xx response that no thrown error caused. */
function isStandInError(error: Error, response: ServerResponse): boolean {
  return error.message === `failed with status code ${response.statusCode}`;
}

/** The application's logger (Nest's LoggerService over pino): the service's to stdout, the CLI's to stderr. */
export function createLogger(settings: LogSettings, destination: NodeJS.WritableStream = process.stdout): Logger {
  const params = loggerParams(settings, destination);
  return new Logger(new PinoLogger(params), params);
}
