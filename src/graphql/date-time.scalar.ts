import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { AolError, AolErrorCode } from '../errors/aol-error';

function toDate(value: unknown): Date | null {
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

/**
 * ISO-8601 date-times. Unlike the stock scalar it also serializes ISO strings, because events
 * that crossed a process boundary as JSON carry their dates as strings.
 */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'A date-time at UTC in ISO-8601 form, such as 2026-11-30T09:54:33.000Z.',
  serialize(value) {
    const date = toDate(value);
    if (!date) throw new GraphQLError(`DateTime cannot represent ${JSON.stringify(value)}`);
    return date.toISOString();
  },
  parseValue(value) {
    const date = typeof value === 'string' ? toDate(value) : null;
    if (!date) throw new AolError(AolErrorCode.BAD_USER_INPUT, 'DateTime must be an ISO-8601 string');
    return date;
  },
  parseLiteral(node) {
    const date = node.kind === Kind.STRING ? toDate(node.value) : null;
    if (!date) throw new AolError(AolErrorCode.BAD_USER_INPUT, 'DateTime must be an ISO-8601 string');
    return date;
  },
});
