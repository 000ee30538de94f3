import { GraphQLError } from 'graphql';
import { BadRequestException } from '@nestjs/common';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { createErrorFormatter } from './format-error';

function resolverError(original: Error): GraphQLError {
  return new GraphQLError(original.message, { path: ['field'], originalError: original });
}

describe('createErrorFormatter', () => {
  const production = createErrorFormatter({ exposeInternalErrors: false });
  const development = createErrorFormatter({ exposeInternalErrors: true });

  it("keeps AOL's own code, message and details", () => {
    const error = resolverError(new AolError(AolErrorCode.IDEMPOTENCY_CONFLICT, 'taken', { actionId: '4' }));
    expect(production(error.toJSON(), error)).toMatchObject({
      message: 'taken',
      extensions: { code: 'IDEMPOTENCY_CONFLICT', actionId: '4' },
    });
  });

  it("turns Nest's validation errors into BAD_USER_INPUT with the messages", () => {
    const error = resolverError(new BadRequestException(['first must be at most 100', 'after is bad']));
    expect(production(error.toJSON(), error)).toMatchObject({
      message: 'first must be at most 100; after is bad',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('says DATABASE_UNAVAILABLE, not an internal error, while the database is down', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const error = resolverError(refused);
    const formatted = production(error.toJSON(), error);
    expect(formatted.extensions).toEqual({ code: 'DATABASE_UNAVAILABLE' });
    expect(formatted.message).not.toContain('127.0.0.1');
  });

  it('masks anything else in production, and shows it in development', () => {
    const error = resolverError(new Error('relation "aol_tick_ledger" does not exist'));
    expect(production(error.toJSON(), error)).toEqual({
      message: 'Internal server error',
      locations: undefined,
      path: ['field'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(development(error.toJSON(), error)).toMatchObject({
      message: 'relation "aol_tick_ledger" does not exist',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });
});
