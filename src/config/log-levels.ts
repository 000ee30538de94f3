/** pino's levels, most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The names of Nest's levels that AOL_LOG_LEVEL took before, still accepted. */
export const FORMER_LOG_LEVELS: Record<string, LogLevel> = { log: 'info', verbose: 'trace' };

/** json: one JSON object a line (the default in production); pretty: for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';
