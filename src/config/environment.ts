import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { applyDecorators } from '@nestjs/common';

/**
 * An integer variable: digits only (so "12abc", "1.5" and "" are refused, not coerced),
 * within [min, max]. The message names the variable and echoes the value it got.
 */
function IntegerVariable(min: number, max: number): PropertyDecorator {
  const message = `$property must be an integer from ${min} to ${max} (got "$value")`;
  return applyDecorators(
    IsOptional(),
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : value,
    ),
    IsInt({ message }),
    Min(min, { message }),
    Max(max, { message }),
  );
}

function FlagVariable(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    IsIn(['0', '1', 'true', 'false'], { message: '$property must be 1 or 0 (got "$value")' }),
  );
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

  @FlagVariable()
  AOL_GRAPHIQL?: string;

  @IntegerVariable(1024, 64 * 1024 * 1024)
  AOL_MAX_REQUEST_BYTES?: number;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'], {
    message: '$property must be one of fatal, error, warn, log, debug, verbose (got "$value")',
  })
  AOL_LOG_LEVEL?: string;
}
