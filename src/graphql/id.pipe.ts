import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { AolError, AolErrorCode } from '../errors/aol-error';

/**
 * Ids are positive integers in canonical decimal, up to 2^53 − 1: the largest a number holds
 * exactly, and well inside both databases' integer columns (SQLite's and PostgreSQL's bigint
 * go to 2^63 − 1). Anything else would round ("9007199254740993" became …992), overflow in
 * PostgreSQL (an internal error) or become "1e+23" on SQLite, so it is refused first, alike
 * on both databases.
 */
const CANONICAL_ID = /^[1-9][0-9]{0,15}$/;

/** The id `value` names, or BAD_USER_INPUT naming the argument. */
export function parseId(value: unknown, argument: string): number {
  const id = typeof value === 'string' && CANONICAL_ID.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id)) {
    throw new AolError(AolErrorCode.BAD_USER_INPUT, `${argument} must be a positive integer id of at most 9007199254740991`);
  }
  return id;
}

/** `@Args('id', { type: () => ID }, ParseIdPipe)`: the GraphQL ID argument as a number, checked. */
@Injectable()
export class ParseIdPipe implements PipeTransform<unknown, number | null | undefined> {
  transform(value: unknown, metadata: ArgumentMetadata): number | null | undefined {
    return value === null || value === undefined ? value : parseId(value, metadata.data ?? 'id');
  }
}
