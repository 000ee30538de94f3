import { DocumentNode, GraphQLError, GraphQLSchema, parse, validate, ValidationRule } from 'graphql';

/** What checking one query text gave: its document, or the errors that refuse it. */
export type CheckedDocument = { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: readonly GraphQLError[] };

/** Sum of the cached query texts' lengths: room for hundreds of operator operations. */
const DEFAULT_MAX_CACHED_TEXT = 256 * 1024;

/**
 * Query texts parsed and validated once, as Apollo keeps them for HTTP: a client that sends
 * the same operation over one socket again and again pays for both only the first time. Only
 * valid documents are kept (graphql-js never changes a document it executes), bounded by the
 * total length of their texts; the least recently used go first.
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
      document = parse(query);
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      throw error;
    }
    const errors = validate(this.schema, document, this.rules);
    if (errors.length > 0) return { errors };
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
