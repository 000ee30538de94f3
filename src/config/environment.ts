import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { applyDecorators } from '@nestjs/common';
import { FORMER_LOG_LEVELS, LOG_LEVELS } from './log-levels';
import { hasCredentials, isLoopbackHost } from './url-rules';

/**
 * An integer variable: digits only (so "12abc", "1.5" and "" are refused, not coerced),
 * within [min, max]. The message names the variable and echoes the value it got.
 */
function IntegerVariable(min: number, max: number): PropertyDecorator {
  const message = `$property must be an integer from ${min} to ${max} (got "$value")`;
  return applyDecorators(
    IsOptional(),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : value)),
    IsInt({ message }),
    Min(min, { message }),
    Max(max, { message }),
  );
}

function FlagVariable(): PropertyDecorator {
  return applyDecorators(IsOptional(), IsIn(['0', '1', 'true', 'false'], { message: '$property must be 1 or 0 (got "$value")' }));
}

/**
 * Why `value` is not usable as the base URL of a server, or null when it is: absolute,
 * https (http only on loopback), nothing after the host but an optional "/". Credentials,
 * paths and queries are refused rather than ignored: a token pasted into the URL would
 * otherwise travel in every request line and show up in proxy logs.
 */
function serverBaseUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL like https://mastodon.social';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return 'must use https:// (http:// only for localhost, 127.x.x.x or [::1])';
  }
  if (hasCredentials(value, url)) {
    return 'must not contain a user name or password';
  }
  if (url.pathname !== '/' || /[?#]/.test(value)) return 'must be the server address only: no path, query or fragment';
  return null;
}

/** Shows a refused URL without anything that may be a credential (user info, query, fragment). */
function shownUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || value.includes('@')) {
      return `${url.protocol}//${url.host}${url.pathname} with its user info, query and fragment not shown`;
    }
  } catch {
    // Not a URL at all: nothing in it is structured as a credential.
  }
  return value;
}

@ValidatorConstraint({ name: 'serverBaseUrl' })
class ServerBaseUrl implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && serverBaseUrlProblem(value) === null;
  }

  defaultMessage(args: ValidationArguments): string {
    const value = String(args.value);
    return `${args.property} ${serverBaseUrlProblem(value) ?? 'is invalid'} (got "${shownUrl(value)}")`;
  }
}

/**
 * The process environment as AOL reads it, one property per variable. Validated once at
 * boot by `loadConfig`; nothing else in the code reads `process.env`.
 */
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'], {
    message: '$property must be development, production or test (got "$value")',
  })
  NODE_ENV?: string;

  @IntegerVariable(0, 65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  HOST?: string;

  @IsOptional()
  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: '$property must be sqlite:PATH or postgres://USER@HOST:PORT/DB (got "$value")',
  })
  DATABASE_URL?: string;

  @IntegerVariable(10, 86_400_000)
  AOL_TICK_INTERVAL_MS?: number;

  @IntegerVariable(1, 10_000)
  AOL_MAX_ACTIONS_PER_TICK?: number;

  @IntegerVariable(1, 3600)
  AOL_MAX_TICK_SECONDS?: number;

  @IntegerVariable(0, 100)
  AOL_MAX_RETRIES?: number;

  @IntegerVariable(2, 86_400)
  AOL_LEASE_TTL_SECONDS?: number;

  @FlagVariable()
  AOL_PROOF_MODE?: string;

  @IsOptional()
  @IsString()
  @MaxLength(4096)
  AOL_ARTIFACT_DIR?: string;

  @IntegerVariable(1, 3600)
  AOL_ACTION_TIMEOUT_SECONDS?: number;

  @IntegerVariable(0, 86_400)
  AOL_RETRY_BASE_SECONDS?: number;

  @IntegerVariable(1, 604_800)
  AOL_RETRY_MAX_SECONDS?: number;

  @FlagVariable()
  AOL_TICK_ENABLED?: string;

  @IntegerVariable(1, 1000)
  AOL_TICK_CONCURRENCY?: number;

  @FlagVariable()
  AOL_DRAIN_CONTINUOUSLY?: string;

  @FlagVariable()
  AOL_WAKE_ON_ENQUEUE?: string;

  @FlagVariable()
  AOL_MIGRATE_ON_START?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._:@-]{1,120}$/, {
    message: '$property must be 1 to 120 letters, digits or ._:@- (got "$value")',
  })
  AOL_INSTANCE_ID?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,512}$/, { message: '$property must be 16 to 512 printable characters without spaces' })
  AOL_API_TOKEN?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,512}$/, { message: '$property must be 16 to 512 printable characters without spaces' })
  AOL_READ_TOKEN?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,512}$/, { message: '$property must be 16 to 512 printable characters without spaces' })
  AOL_METRICS_TOKEN?: string;

  @FlagVariable()
  AOL_GRAPHIQL?: string;

  @FlagVariable()
  AOL_PLAYGROUND?: string;

  @IsOptional()
  @IsIn(['memory', 'postgres'], { message: '$property must be memory or postgres (got "$value")' })
  AOL_EVENT_BUS?: string;

  @IntegerVariable(1024, 64 * 1024 * 1024)
  AOL_MAX_REQUEST_BYTES?: number;

  @IsOptional()
  @IsIn(['all', 'operator', 'none'], { message: '$property must be all, operator or none (got "$value")' })
  AOL_INTROSPECTION?: string;

  @IsOptional()
  @IsIn(['real', 'all', 'none'], { message: '$property must be real, all or none (got "$value")' })
  AOL_APPROVAL?: string;

  /** Checked in webhook-subscriptions.ts. */
  @IsString()
  @IsOptional()
  AOL_WEBHOOKS?: string;

  @FlagVariable()
  AOL_WEBHOOK_ALLOW_HTTP?: string;

  @FlagVariable()
  AOL_WEBHOOK_ALLOW_PRIVATE?: string;

  @IntegerVariable(1, 300)
  AOL_WEBHOOK_TIMEOUT_SECONDS?: number;

  @IntegerVariable(1, 3600)
  AOL_RATE_LIMIT_WINDOW_SECONDS?: number;

  @IntegerVariable(0, 100_000_000)
  AOL_RATE_LIMIT_REQUESTS?: number;

  /** Checked in platform-pacing.ts. */
  @IsString()
  @IsOptional()
  AOL_RATE_LIMITS?: string;

  @IsString()
  @IsOptional()
  AOL_QUIET_HOURS?: string;

  @IsString()
  @IsOptional()
  AOL_DAILY_CAPS?: string;

  @IntegerVariable(0, 100_000_000)
  AOL_RATE_LIMIT_WS_CONNECTIONS?: number;

  @IntegerVariable(0, 100_000_000)
  AOL_RATE_LIMIT_WS_MESSAGES?: number;

  @IntegerVariable(0, 100_000_000)
  AOL_RATE_LIMIT_FAILED_AUTH?: number;

  @IntegerVariable(1, 100_000)
  AOL_WS_MAX_SUBSCRIPTIONS?: number;

  @IntegerVariable(64 * 1024, 1024 * 1024 * 1024)
  AOL_WS_MAX_BUFFERED_BYTES?: number;

  @IntegerVariable(0, 36_500)
  AOL_RETAIN_IDLE_TICKS_DAYS?: number;

  @IntegerVariable(0, 36_500)
  AOL_RETAIN_FINISHED_ACTIONS_DAYS?: number;

  @IntegerVariable(1, 86_400)
  AOL_RETENTION_INTERVAL_SECONDS?: number;

  /** Checked in audit-keys.ts. */
  @IsString()
  @IsOptional()
  AOL_AUDIT_SIGNING_KEY?: string;

  /** Checked in audit-keys.ts. */
  @IsString()
  @IsOptional()
  AOL_AUDIT_PUBLIC_KEY?: string;

  @IntegerVariable(1, 1_000_000_000)
  AOL_AUDIT_SIGN_EVERY?: number;

  @IsOptional()
  @IsIn([...LOG_LEVELS, ...Object.keys(FORMER_LOG_LEVELS)], {
    message: `$property must be one of ${LOG_LEVELS.join(', ')} (or the former ${Object.keys(FORMER_LOG_LEVELS).join(', ')}) (got "$value")`,
  })
  AOL_LOG_LEVEL?: string;

  @IsOptional()
  @IsIn(['json', 'pretty'], { message: '$property must be json or pretty (got "$value")' })
  AOL_LOG_FORMAT?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2048, { message: '$property must be at most 2048 characters' })
  @Validate(ServerBaseUrl)
  AOL_MASTODON_BASE_URL?: string;

  // The messages never echo the value: it is a credential, and start-up errors end up in logs.
  // Visible ASCII only, as an HTTP header value must be: fetch would otherwise refuse the
  // header with an error that quotes it.
  @IsOptional()
  @MaxLength(4096, { message: '$property must be at most 4096 characters (value not shown)' })
  @Matches(/^[\x21-\x7e]+$/, { message: '$property must be printable ASCII without spaces (value not shown)' })
  AOL_MASTODON_ACCESS_TOKEN?: string;

  @IntegerVariable(1, 3600)
  AOL_MASTODON_TIMEOUT_SECONDS?: number;

  @FlagVariable()
  AOL_MASTODON_IDEMPOTENT?: string;
}
