import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { createPublicKey, KeyObject, randomBytes } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { StartupError } from '../errors/aol-error';
import { AuditSigning, readEd25519Key } from './audit-keys';
import { EnvironmentVariables } from './environment';
import { parsePacing, PlatformPacing } from './platform-pacing';
import { FORMER_LOG_LEVELS, LogFormat, LogLevel } from './log-levels';
import { Secret } from './secret';
import { ConfiguredWebhook, parseWebhooks, WebhookRules } from './webhook-subscriptions';

export { Secret };

export type DatabaseTarget = { driver: 'sqlite'; path: string } | { driver: 'postgresql'; url: string };

/**
 * Seconds the leader keeps in hand before its lease expires: it stops starting actions
 * this long before expiry, so a slow database round-trip cannot carry it past the TTL.
 */
export const LEASE_SAFETY_MARGIN_SECONDS = 2;

/** Where REAL posts to Mastodon (or Pleroma, Akkoma, GoToSocial: the same statuses API) go. */
export interface MastodonConfig {
  /** The server's origin, without a trailing slash: https://mastodon.social */
  baseUrl: string;
  accessToken: Secret;
  /** One request's time limit; at most AOL_ACTION_TIMEOUT_SECONDS. */
  timeoutSeconds: number;
  /** Whether the server honours Idempotency-Key (Mastodon does, for an hour). */
  idempotent: boolean;
}

/**
 * Requests, connections, messages and failed logins allowed per window; 0 turns one off. The
 * defaults sit far above what the tick, a console and a busy client need (a console polling
 * every second sends 60 a minute) and far below a flood (one token once sent 1,466 a second).
 */
export interface RateLimits {
  windowSeconds: number;
  /** HTTP requests to /graphql per token (per address when the API is open). */
  requests: number;
  /** WebSocket connections accepted per token (per address when open). */
  wsConnections: number;
  /** WebSocket messages received per token (per address when open), over all its sockets. */
  wsMessages: number;
  /** Failed authentications per address; then every attempt from it waits for the next window. */
  failedAuthentications: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  windowSeconds: 60,
  requests: 12_000,
  wsConnections: 600,
  wsMessages: 12_000,
  failedAuthentications: 30,
};

/**
 * What the leader deletes, and how often it looks. Days are counted from a row's start (a
 * tick) or last change (an action); 0 keeps that kind for ever. Control events are never
 * deleted, nor is any action still waiting or waiting for an operator.
 */
export interface RetentionPolicy {
  /** Ledger rows of ticks that attempted nothing (idle, paused, killed). */
  idleTicksDays: number;
  /** SUCCESS and CANCELLED actions with their log rows and artifact files. */
  finishedActionsDays: number;
  intervalSeconds: number;
}

/**
 * Which actions wait for a person's approval before they run: real (those that would run in
 * REAL mode), all, or none.
 */
export type ApprovalPolicy = 'real' | 'all' | 'none';

/** Who may run introspection queries (`__schema`, `__type`). */
export type IntrospectionAccess = 'all' | 'operator' | 'none';

/** Mastodon's request timeout unless set, lowered to AOL_ACTION_TIMEOUT_SECONDS when that is shorter. */
export const DEFAULT_MASTODON_TIMEOUT_SECONDS = 5;

/** Every setting AOL runs with, read once from the environment at boot. */
export class AolConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  database: DatabaseTarget;
  tickIntervalMs: number;
  maxActionsPerTick: number;
  maxTickSeconds: number;
  maxRetries: number;
  leaseTtlSeconds: number;
  /** AOL_PROOF_MODE=1: this deployment never runs REAL, whatever the operator flag says. */
  proofModeOnly: boolean;
  artifactDir: string;
  actionTimeoutSeconds: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  tickEnabled: boolean;
  /** Actions of one tick's batch run at the same time. */
  tickConcurrency: number;
  /** A tick that filled its batch is followed at once by the next (still within the caps). */
  drainContinuously: boolean;
  /** An enqueue wakes the leader at once instead of waiting for the interval. */
  wakeOnEnqueue: boolean;
  migrateOnStart: boolean;
  instanceId: string;
  logLevel: LogLevel;
  /** Null: JSON when NODE_ENV=production, else pretty (JSON where pino-pretty is not installed). */
  logFormat: LogFormat | null;
  /** Bearer token with every right; null: no authentication (the API is open). */
  apiToken: Secret | null;
  /** Bearer token for queries and subscriptions only. */
  readToken: Secret | null;
  /** Bearer token GET /metrics asks for; null: /metrics is open. */
  metricsToken: Secret | null;
  /** Serve GraphiQL at /graphql to browsers. */
  graphiql: boolean;
  /** Serve GraphQL Playground at /playground (the same rule as GraphiQL). */
  playground: boolean;
  /** Largest HTTP request body accepted. */
  maxRequestBytes: number;
  /** all: any caller; operator: AOL_API_TOKEN only (the default in production); none. */
  introspection: IntrospectionAccess;
  rateLimits: RateLimits;
  /** Operations (subscriptions, and queries in flight) one WebSocket may hold at once. */
  wsMaxSubscriptions: number;
  /** Outgoing bytes a WebSocket may have waiting for its reader; past it the socket is dropped. */
  wsMaxBufferedBytes: number;
  /** memory: events reach this process's subscribers; postgres: every instance's, via LISTEN/NOTIFY. */
  eventBus: 'memory' | 'postgres';
  retention: RetentionPolicy;
  /** Null when Mastodon is not configured: REAL posts there fail with REAL_RUN_UNCONFIGURED. */
  mastodon: MastodonConfig | null;
  /** Per-platform limits, quiet hours and daily caps on REAL posts. */
  pacing: PlatformPacing;
  approval: ApprovalPolicy;
  /** Subscriptions from AOL_WEBHOOKS (more can be made through the API). */
  webhooks: ConfiguredWebhook[];
  webhookRules: WebhookRules;
  /** AOL_AUDIT_SIGNING_KEY: the chain's head is signed every AOL_AUDIT_SIGN_EVERY entries; null: unsigned. */
  auditSigning: AuditSigning | null;
  /** The key `audit verify` checks signed heads with: AOL_AUDIT_PUBLIC_KEY, else the signing key's. */
  auditPublicKey: KeyObject | null;
}

export class ConfigError extends StartupError {
  override name = 'ConfigError';

  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const DEFAULT_SQLITE_PATH = './data/aol.sqlite';

function flag(value: string | undefined, fallback: boolean): boolean {
  return value === undefined ? fallback : value === '1' || value === 'true';
}

function parseDatabaseUrl(url: string | undefined): DatabaseTarget {
  if (url === undefined) return { driver: 'sqlite', path: resolve(DEFAULT_SQLITE_PATH) };
  if (url.startsWith('sqlite:')) return { driver: 'sqlite', path: resolve(url.slice('sqlite:'.length)) };
  return { driver: 'postgresql', url };
}

/** Empty variables count as unset, as with `VAR=` lines in env files. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

/**
 * Reads and validates the environment into an AolConfig. Throws a ConfigError naming every
 * bad variable, so start-up fails before anything connects or listens.
 */
export function loadConfig(env: NodeJS.ProcessEnv): AolConfig {
  const vars = readEnvironment(env);
  const config = toConfig(vars);
  checkCombinations(config);
  config.mastodon = mastodonConfig(vars, config.actionTimeoutSeconds);
  config.webhooks = webhooksOf(vars, env, config);
  Object.assign(config, auditKeysOf(vars));
  return config;
}

/** Each variable on its own: its type and range (environment.ts). */
function readEnvironment(env: NodeJS.ProcessEnv): EnvironmentVariables {
  const vars = plainToInstance(EnvironmentVariables, withoutEmpty(env));
  // One problem per variable: its constraints share one message naming the accepted range.
  const problems = validateSync(vars).map((error) => Object.values(error.constraints ?? {})[0] ?? `${error.property} is invalid`);
  if (problems.length > 0) throw new ConfigError(problems);
  return vars;
}

/** The validated variables with their defaults; Mastodon is read last, once the action timeout is known. */
function toConfig(vars: EnvironmentVariables): AolConfig {
  return Object.assign(new AolConfig(), {
    nodeEnv: (vars.NODE_ENV ?? 'development') as AolConfig['nodeEnv'],
    port: vars.PORT ?? 3000,
    host: vars.HOST ?? '0.0.0.0',
    database: parseDatabaseUrl(vars.DATABASE_URL),
    tickIntervalMs: vars.AOL_TICK_INTERVAL_MS ?? 5000,
    maxActionsPerTick: vars.AOL_MAX_ACTIONS_PER_TICK ?? 3,
    maxTickSeconds: vars.AOL_MAX_TICK_SECONDS ?? 20,
    maxRetries: vars.AOL_MAX_RETRIES ?? 3,
    leaseTtlSeconds: vars.AOL_LEASE_TTL_SECONDS ?? 30,
    proofModeOnly: flag(vars.AOL_PROOF_MODE, true),
    artifactDir: resolve(vars.AOL_ARTIFACT_DIR ?? './artifacts'),
    actionTimeoutSeconds: vars.AOL_ACTION_TIMEOUT_SECONDS ?? 8,
    retryBaseSeconds: vars.AOL_RETRY_BASE_SECONDS ?? 10,
    retryMaxSeconds: vars.AOL_RETRY_MAX_SECONDS ?? 3600,
    tickEnabled: flag(vars.AOL_TICK_ENABLED, true),
    tickConcurrency: vars.AOL_TICK_CONCURRENCY ?? 1,
    drainContinuously: flag(vars.AOL_DRAIN_CONTINUOUSLY, false),
    wakeOnEnqueue: flag(vars.AOL_WAKE_ON_ENQUEUE, false),
    migrateOnStart: flag(vars.AOL_MIGRATE_ON_START, true),
    instanceId: vars.AOL_INSTANCE_ID ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    logLevel: logLevelOf(vars.AOL_LOG_LEVEL),
    logFormat: (vars.AOL_LOG_FORMAT ?? ((vars.NODE_ENV ?? 'development') === 'production' ? 'json' : null)) as LogFormat | null,
    apiToken: vars.AOL_API_TOKEN ? new Secret(vars.AOL_API_TOKEN) : null,
    readToken: vars.AOL_READ_TOKEN ? new Secret(vars.AOL_READ_TOKEN) : null,
    metricsToken: vars.AOL_METRICS_TOKEN ? new Secret(vars.AOL_METRICS_TOKEN) : null,
    graphiql: flag(vars.AOL_GRAPHIQL, (vars.NODE_ENV ?? 'development') !== 'production'),
    playground: flag(vars.AOL_PLAYGROUND, (vars.NODE_ENV ?? 'development') !== 'production'),
    maxRequestBytes: vars.AOL_MAX_REQUEST_BYTES ?? 4 * 1024 * 1024,
    introspection: (vars.AOL_INTROSPECTION ??
      ((vars.NODE_ENV ?? 'development') === 'production' ? 'operator' : 'all')) as IntrospectionAccess,
    rateLimits: rateLimitsOf(vars),
    wsMaxSubscriptions: vars.AOL_WS_MAX_SUBSCRIPTIONS ?? 100,
    wsMaxBufferedBytes: vars.AOL_WS_MAX_BUFFERED_BYTES ?? 4 * 1024 * 1024,
    eventBus: (vars.AOL_EVENT_BUS ?? 'memory') as AolConfig['eventBus'],
    // A week of idle ticks is 120,960 rows at the default interval: enough to see when the
    // service was idle, paused or killed lately. Finished actions are the audit: kept unless asked.
    retention: {
      idleTicksDays: vars.AOL_RETAIN_IDLE_TICKS_DAYS ?? 7,
      finishedActionsDays: vars.AOL_RETAIN_FINISHED_ACTIONS_DAYS ?? 0,
      intervalSeconds: vars.AOL_RETENTION_INTERVAL_SECONDS ?? 60,
    },
    mastodon: null,
    pacing: pacingOf(vars),
    approval: (vars.AOL_APPROVAL ?? 'real') as ApprovalPolicy,
    webhooks: [],
    auditSigning: null,
    auditPublicKey: null,
    webhookRules: {
      allowHttp: flag(vars.AOL_WEBHOOK_ALLOW_HTTP, false),
      allowPrivate: flag(vars.AOL_WEBHOOK_ALLOW_PRIVATE, false),
      timeoutSeconds: vars.AOL_WEBHOOK_TIMEOUT_SECONDS ?? Math.min(5, vars.AOL_ACTION_TIMEOUT_SECONDS ?? 8),
    },
  } satisfies AolConfig);
}

function logLevelOf(name: string | undefined): LogLevel {
  if (name === undefined) return 'info';
  return FORMER_LOG_LEVELS[name] ?? (name as LogLevel);
}

/** What variables must satisfy together: the first combination that does not holds up start-up. */
function checkCombinations(config: AolConfig): void {
  const refuse = (problem: string): never => {
    throw new ConfigError([problem]);
  };
  if (config.nodeEnv === 'production' && config.apiToken === null) {
    refuse('AOL_API_TOKEN must be set when NODE_ENV=production: the API must not run open in production');
  }
  if (config.eventBus === 'postgres' && config.database.driver !== 'postgresql') {
    refuse('AOL_EVENT_BUS=postgres needs a PostgreSQL DATABASE_URL (SQLite is for one host, where the default memory bus serves)');
  }
  if (config.readToken !== null && config.apiToken === null) {
    refuse('AOL_READ_TOKEN needs AOL_API_TOKEN: without it the API is open to everyone anyway');
  }
  if (config.readToken !== null && config.readToken.reveal() === config.apiToken?.reveal()) {
    refuse('AOL_READ_TOKEN must differ from AOL_API_TOKEN');
  }
  if (config.metricsToken !== null && config.metricsToken.reveal() === config.apiToken?.reveal()) {
    refuse('AOL_METRICS_TOKEN must differ from AOL_API_TOKEN: a scraper needs no right to change anything');
  }
  // The lease must outlive the longest tick: the last action may start just before
  // maxTickSeconds and run for a full action timeout, all before the next renewal.
  const worstTickSeconds = config.maxTickSeconds + config.actionTimeoutSeconds + LEASE_SAFETY_MARGIN_SECONDS;
  if (worstTickSeconds > config.leaseTtlSeconds) {
    refuse(
      `AOL_LEASE_TTL_SECONDS (${config.leaseTtlSeconds}) must be at least AOL_MAX_TICK_SECONDS (${config.maxTickSeconds}) + ` +
        `AOL_ACTION_TIMEOUT_SECONDS (${config.actionTimeoutSeconds}) + ${LEASE_SAFETY_MARGIN_SECONDS}s of margin = ${worstTickSeconds}`,
    );
  }
  if (config.tickIntervalMs >= (config.leaseTtlSeconds - LEASE_SAFETY_MARGIN_SECONDS) * 1000) {
    refuse(
      `AOL_TICK_INTERVAL_MS (${config.tickIntervalMs}) must be shorter than AOL_LEASE_TTL_SECONDS (${config.leaseTtlSeconds}) ` +
        `minus ${LEASE_SAFETY_MARGIN_SECONDS}s of margin, or the leader loses its lease between ticks`,
    );
  }
  if (config.retryMaxSeconds < config.retryBaseSeconds) {
    refuse(`AOL_RETRY_MAX_SECONDS (${config.retryMaxSeconds}) must not be below AOL_RETRY_BASE_SECONDS (${config.retryBaseSeconds})`);
  }
}

/** AOL_WEBHOOKS, with the secrets read from the variables it names; a delivery must fit inside one attempt's timeout. */
function webhooksOf(vars: EnvironmentVariables, env: NodeJS.ProcessEnv, config: AolConfig): ConfiguredWebhook[] {
  if (config.webhookRules.timeoutSeconds > config.actionTimeoutSeconds) {
    throw new ConfigError([
      `AOL_WEBHOOK_TIMEOUT_SECONDS (${config.webhookRules.timeoutSeconds}) must not exceed AOL_ACTION_TIMEOUT_SECONDS (${config.actionTimeoutSeconds})`,
    ]);
  }
  const webhooks = parseWebhooks(vars.AOL_WEBHOOKS, env, config.webhookRules.allowHttp);
  if (webhooks.length > 0 && typeof webhooks[0] === 'string') throw new ConfigError(webhooks as string[]);
  return webhooks as ConfiguredWebhook[];
}

/** AOL_AUDIT_SIGNING_KEY with AOL_AUDIT_SIGN_EVERY, and the public key verification uses. */
function auditKeysOf(vars: EnvironmentVariables): Pick<AolConfig, 'auditSigning' | 'auditPublicKey'> {
  const read = (name: 'AOL_AUDIT_SIGNING_KEY' | 'AOL_AUDIT_PUBLIC_KEY', kind: 'private' | 'public') =>
    vars[name] === undefined ? null : readEd25519Key(name, vars[name], kind);
  const privateKey = read('AOL_AUDIT_SIGNING_KEY', 'private');
  const publicKey = read('AOL_AUDIT_PUBLIC_KEY', 'public');
  const problems = [privateKey, publicKey].filter((key): key is string => typeof key === 'string');
  if (problems.length > 0) throw new ConfigError(problems);
  const signing =
    privateKey instanceof KeyObject
      ? { privateKey, publicKey: createPublicKey(privateKey), every: vars.AOL_AUDIT_SIGN_EVERY ?? 1000 }
      : null;
  return { auditSigning: signing, auditPublicKey: (publicKey as KeyObject | null) ?? signing?.publicKey ?? null };
}

function pacingOf(vars: EnvironmentVariables): PlatformPacing {
  const pacing = parsePacing(vars);
  if (Array.isArray(pacing)) throw new ConfigError(pacing);
  return pacing;
}

function rateLimitsOf(vars: EnvironmentVariables): RateLimits {
  return {
    windowSeconds: vars.AOL_RATE_LIMIT_WINDOW_SECONDS ?? DEFAULT_RATE_LIMITS.windowSeconds,
    requests: vars.AOL_RATE_LIMIT_REQUESTS ?? DEFAULT_RATE_LIMITS.requests,
    wsConnections: vars.AOL_RATE_LIMIT_WS_CONNECTIONS ?? DEFAULT_RATE_LIMITS.wsConnections,
    wsMessages: vars.AOL_RATE_LIMIT_WS_MESSAGES ?? DEFAULT_RATE_LIMITS.wsMessages,
    failedAuthentications: vars.AOL_RATE_LIMIT_FAILED_AUTH ?? DEFAULT_RATE_LIMITS.failedAuthentications,
  };
}

/**
 * Both the address and the token, or neither (then Mastodon is simply not configured). The
 * request timeout must fit inside one attempt's timeout, so that a slow server is reported
 * as REMOTE_TIMEOUT by the publisher rather than cut off by the tick.
 */
function mastodonConfig(vars: EnvironmentVariables, actionTimeoutSeconds: number): MastodonConfig | null {
  const timeoutSeconds = vars.AOL_MASTODON_TIMEOUT_SECONDS ?? Math.min(DEFAULT_MASTODON_TIMEOUT_SECONDS, actionTimeoutSeconds);
  if (timeoutSeconds > actionTimeoutSeconds) {
    throw new ConfigError([
      `AOL_MASTODON_TIMEOUT_SECONDS (${timeoutSeconds}) must not exceed AOL_ACTION_TIMEOUT_SECONDS (${actionTimeoutSeconds})`,
    ]);
  }
  const baseUrl = vars.AOL_MASTODON_BASE_URL;
  const token = vars.AOL_MASTODON_ACCESS_TOKEN;
  if (baseUrl === undefined && token === undefined) return null;
  if (baseUrl === undefined || token === undefined) {
    const missing = baseUrl === undefined ? 'AOL_MASTODON_BASE_URL' : 'AOL_MASTODON_ACCESS_TOKEN';
    const present = baseUrl === undefined ? 'AOL_MASTODON_ACCESS_TOKEN' : 'AOL_MASTODON_BASE_URL';
    throw new ConfigError([
      `AOL_MASTODON_BASE_URL and AOL_MASTODON_ACCESS_TOKEN must be set together: ${present} is set but ${missing} is not`,
    ]);
  }
  return {
    baseUrl: new URL(baseUrl).origin,
    accessToken: new Secret(token),
    timeoutSeconds,
    idempotent: flag(vars.AOL_MASTODON_IDEMPOTENT, true),
  };
}
