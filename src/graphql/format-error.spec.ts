import { GraphQLError, Kind, parse } from 'graphql';
import { PayloadTooLargeException } from '@nestjs/common';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { createErrorFormatter } from './format-error';

function resolverError(original: Error): GraphQLError {
  return new GraphQLError(original.message, { path: ['field'], originalError: original });
}

describe('createErrorFormatter', () => {
  const production = createErrorFormatter({ exposeInternalErrors: false, hideSchemaDetails: true });
  const development = createErrorFormatter({ exposeInternalErrors: true, hideSchemaDetails: false });

  it("keeps AOL's own code, message and details", () => {
    const error = resolverError(new AolError(AolErrorCode.IDEMPOTENCY_CONFLICT, 'taken', { actionId: '4' }));
    expect(production(error.toJSON(), error)).toMatchObject({
      message: 'taken',
      extensions: { code: 'IDEMPOTENCY_CONFLICT', actionId: '4' },
    });
  });

  it('reads an HTTP status with the one table: 413 is PAYLOAD_TOO_LARGE wherever it comes from', () => {
    const error = resolverError(new PayloadTooLargeException('too big'));
    expect(production(error.toJSON(), error)).toMatchObject({ message: 'too big', extensions: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it("gives a variable's bad value BAD_USER_INPUT, as Apollo does, without the schema's suggestions in production", () => {
    const definition = parse('query ($s: ActionStatus) { a }').definitions[0];
    const variable = definition.kind === Kind.OPERATION_DEFINITION ? definition.variableDefinitions![0] : undefined;
    const error = new GraphQLError(
      'Variable "$s" got invalid value "DL"; Value "DL" does not exist in "ActionStatus" enum. Did you mean the enum value "DLQ"?',
      { nodes: [variable!] },
    );
    expect(production(error.toJSON(), error)).toEqual({
      message: 'Variable "$s" got invalid value "DL"; Value "DL" does not exist in "ActionStatus" enum.',
      locations: expect.any(Array),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(development(error.toJSON(), error).message).toMatch(/Did you mean the enum value "DLQ"\?$/);
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
