import { DocumentNode, GraphQLError, GraphQLSchema, parse, validate, ValidationRule } from 'graphql';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { assertDocumentNesting } from './query-limits';

/** What checking one query text gave: its document, or the errors that refuse it. */
export type CheckedDocument = { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: readonly GraphQLError[] };

/** Sum of the cached query texts' lengths: room for hundreds of operator operations. */
const DEFAULT_MAX_CACHED_TEXT = 256 * 1024;

/**
 * A refusal wrapped as Apollo wraps it on HTTP (its SyntaxError and ValidationError), so both
 * transports answer alike; an AolError behind it (a query limit) still decides the code.
 */
function tagged(error: GraphQLError, code: AolErrorCode): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    originalError: error,
    extensions: { ...error.extensions, code },
  });
}

/**
 * Query texts parsed and validated once, as Apollo keeps them for HTTP: a client that sends
 * the same operation over one socket again and again pays for both only the first time. Only
 * valid documents are kept (graphql-js never changes a document it executes), bounded by the
 * total length of their texts; the least recently used go first. Refusals carry Apollo's
 * codes: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, or the rule's own.
 */
export class DocumentCache {
  private readonly documents = new Map<string, DocumentNode>();
  private cachedText = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
    private readonly maxCachedText = DEFAULT_MAX_CACHED_TEXT,
  ) {}

  check(query: string): CheckedDocument {
    const cached = this.documents.get(query);
    if (cached) {
      // Map keeps insertion order: moving a hit to the end keeps the eviction order LRU.
      this.documents.delete(query);
      this.documents.set(query, cached);
      return { document: cached };
    }
    let document: DocumentNode;
    try {
      assertDocumentNesting(query);
      document = parse(query);
    } catch (error) {
      if (error instanceof AolError)
        return { errors: [new GraphQLError(error.message, { originalError: error, extensions: { code: error.code } })] };
      // As Apollo does: a document too deep for the parser's stack is a parse failure too.
      const parseError = error instanceof GraphQLError ? error : new GraphQLError(error instanceof Error ? error.message : String(error));
      return { errors: [tagged(parseError, AolErrorCode.GRAPHQL_PARSE_FAILED)] };
    }
    const errors = validate(this.schema, document, this.rules);
    if (errors.length > 0) return { errors: errors.map((error) => tagged(error, AolErrorCode.GRAPHQL_VALIDATION_FAILED)) };
    this.remember(query, document);
    return { document };
  }

  private remember(query: string, document: DocumentNode): void {
    if (query.length > this.maxCachedText) return;
    this.documents.set(query, document);
    this.cachedText += query.length;
    for (const oldest of this.documents.keys()) {
      if (this.cachedText <= this.maxCachedText) break;
      this.documents.delete(oldest);
      this.cachedText -= oldest.length;
    }
  }
}
