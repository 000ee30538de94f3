import { buildSchema, GraphQLError, specifiedRules, ValidationRule } from 'graphql';
import { DocumentCache } from './document-cache';

const schema = buildSchema('type Query { a: Int, b: Int, c: Int }');
/** A rule of the caller's, like the query limits: refuses any operation that selects `c`. */
const noC: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === 'c') context.reportError(new GraphQLError('c is refused'));
  },
});

describe('DocumentCache', () => {
  it('parses and validates a query text once, then answers with the same document', () => {
    const cache = new DocumentCache(schema, specifiedRules);
    const first = cache.check('{ a }');
    expect(first.errors).toBeUndefined();
    expect(cache.check('{ a }').document).toBe(first.document);
    expect(cache.check('{ b }').document).not.toBe(first.document);
  });

  it("refuses syntax errors, schema errors and the caller's rules, and keeps none of them", () => {
    const cache = new DocumentCache(schema, [...specifiedRules, noC]);
    expect(cache.check('{ a').errors?.[0].message).toMatch(/Syntax Error/);
    expect(cache.check('{ nope }').errors?.[0].message).toMatch(/Cannot query field "nope"/);
    const refused = cache.check('{ c }');
    expect(refused.errors?.map((error) => error.message)).toEqual(['c is refused']);
    expect(cache.check('{ c }').errors).not.toBe(refused.errors);
  });

  it('drops the least recently used documents when their texts outgrow the bound', () => {
    // Each text is 5 characters: room for two.
    const cache = new DocumentCache(schema, specifiedRules, 10);
    const a = cache.check('{ a }').document;
    const b = cache.check('{ b }').document;
    expect(cache.check('{ a }').document).toBe(a); // a is now the most recent
    cache.check('{ c }'); // evicts b
    expect(cache.check('{ a }').document).toBe(a);
    expect(cache.check('{ b }').document).not.toBe(b);
  });

  it('does not keep a text longer than the bound', () => {
    const cache = new DocumentCache(schema, specifiedRules, 4);
    const a = cache.check('{ a }').document;
    expect(a).toBeDefined();
    expect(cache.check('{ a }').document).not.toBe(a);
  });
});
