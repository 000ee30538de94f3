import {
  ASTVisitor,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
} from 'graphql';
import { AolError, AolErrorCode } from '../errors/aol-error';

/**
 * Limits on the shape of a query, checked before anything executes, on HTTP (as Apollo
 * validation rules) and on the WebSocket (in onSubscribe), alike. Every field counts,
 * introspection included (graphql-js's own MaxIntrospectionDepthRule, among the standard
 * rules, also refuses introspection lists nested past three: `fields { type { fields … } }`);
 * each fragment is measured once however often it is spread, so the check costs time linear
 * in the document's size.
 *
 * Kept by hand rather than taken from @escape.tech/graphql-armor 3.2 (max-depth, max-aliases,
 * cost-limit), after measuring both with graphql 16.15: time each adds to a bare validation
 * traversal, best of 3, on a shared machine (load average 9), for GraphiQL's introspection query
 * (1.9 kB), 24 levels of doubled fragment spreads (1 kB), 2,000 aliases under `__schema` (75 kB)
 * and 1,000 inline enqueue inputs (129 kB): these rules 0.00 / 0.09 / 6.0 / 0.14 ms, armor
 * 0.01–0.10 / 0.08–0.20 / 3.7–8.1 / 0.0–1.0 ms (the traversal itself: 0.16 / 0.09 / 20 / 10 ms).
 * The same cost; but armor either skips `__schema` in depth and cost (its default) or refuses
 * GraphiQL's own introspection query (depth 21, cost 87,383: it counts a fragment spread as a
 * level, so the spreads document is "52 deep"), throws its errors (or hands them to a callback) without a code, and knows no
 * page size for `after` alone. The spreads document took 6.8 s here before fragments were
 * measured once.
 */
export const QUERY_LIMITS = {
  /** Nesting of fields; the deepest useful query (an action's logs in a page) needs 6. */
  maxDepth: 10,
  /** Nesting under `__schema` or `__type`: GraphiQL's introspection query (getIntrospectionQuery) is 15 deep. */
  maxIntrospectionDepth: 16,
  /** Aliased fields per operation: aliases multiply work without multiplying requests. */
  maxAliases: 20,
  /** Estimated fields resolved: 1 per field, times `first` under a paginated field. */
  maxCost: 5000,
  /**
   * Brackets nested in the document's text, checked before it is parsed: graphql-js parses
   * recursively and runs out of stack near 4,000 levels; a valid query within the limits above
   * nests fewer than 30 (a payload of 8 levels inside an input list included).
   */
  maxNesting: 64,
} as const;

/** `first` when a variable gives it (unknown at validation time): the largest page. */
const ASSUMED_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 20;
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

interface Measure {
  depth: number;
  introspectionDepth: number;
  aliases: number;
  cost: number;
  introspects: boolean;
}

const NOTHING: Measure = { depth: 0, introspectionDepth: 0, aliases: 0, cost: 0, introspects: false };

function limitError(code: AolErrorCode, message: string, node: OperationDefinitionNode): GraphQLError {
  return new GraphQLError(message, { nodes: [node], extensions: { code }, originalError: new AolError(code, message) });
}

/** How many items a field returns per parent, for the cost estimate. */
function pageSize(field: FieldNode): number {
  const first = field.arguments?.find((argument) => argument.name.value === 'first');
  if (!first) return field.arguments?.some((argument) => argument.name.value === 'after') ? DEFAULT_PAGE_SIZE : 1;
  if (first.value.kind === Kind.INT) return Math.max(1, Number(first.value.value));
  return ASSUMED_PAGE_SIZE;
}

function add(total: Measure, part: Measure): void {
  total.depth = Math.max(total.depth, part.depth);
  total.introspectionDepth = Math.max(total.introspectionDepth, part.introspectionDepth);
  total.aliases += part.aliases;
  total.cost += part.cost;
  total.introspects ||= part.introspects;
}

/**
 * Measures the operations of one document. A fragment is measured the first time it is
 * spread and remembered: every later spread adds its numbers without walking it again, so
 * `...F1 ...F1` inside F0, 24 levels down, is 48 lookups, not 2^24 walks — and still counts
 * 2^24 times in the cost and aliases, as it would when run.
 */
class DocumentMeasurer {
  private readonly fragments: Map<string, FragmentDefinitionNode>;
  private readonly measured = new Map<string, Measure>();
  private readonly measuring = new Set<string>();

  constructor(document: DocumentNode) {
    this.fragments = new Map(
      document.definitions
        .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment]),
    );
  }

  selectionSet(selectionSet: SelectionSetNode | undefined): Measure {
    const total = { ...NOTHING };
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) add(total, this.field(selection));
      else if (selection.kind === Kind.INLINE_FRAGMENT) add(total, this.selectionSet(selection.selectionSet));
      else add(total, this.fragment(selection.name.value));
    }
    return total;
  }

  private field(field: FieldNode): Measure {
    const child = this.selectionSet(field.selectionSet);
    const introspection = INTROSPECTION_FIELDS.has(field.name.value);
    return {
      depth: introspection ? 0 : 1 + child.depth,
      introspectionDepth: introspection ? 1 + child.depth : child.introspectionDepth,
      aliases: (field.alias ? 1 : 0) + child.aliases,
      cost: 1 + pageSize(field) * child.cost,
      introspects: introspection || child.introspects,
    };
  }

  private fragment(name: string): Measure {
    const known = this.measured.get(name);
    if (known) return known;
    const fragment = this.fragments.get(name);
    // Unknown or cyclic fragments are the standard rules' business; count them as nothing.
    if (!fragment || this.measuring.has(name)) return NOTHING;
    this.measuring.add(name);
    const measure = this.selectionSet(fragment.selectionSet);
    this.measuring.delete(name);
    this.measured.set(name, measure);
    return measure;
  }
}

/** What the rule found per operation, for the role check that follows validation. */
const introspectiveOperations = new WeakMap<OperationDefinitionNode, boolean>();

/** Whether `operation` selects `__schema` or `__type` anywhere (through fragments too). */
export function introspects(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  return introspectiveOperations.get(operation) ?? new DocumentMeasurer(document).selectionSet(operation.selectionSet).introspects;
}

function describeCost(cost: number): string {
  return Number.isSafeInteger(cost) ? String(cost) : 'beyond 2^53';
}

/** One validation rule applying every limit to every operation of the document. */
export const QueryLimitsRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  Document(document) {
    const measurer = new DocumentMeasurer(document);
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const { depth, introspectionDepth, aliases, cost, introspects } = measurer.selectionSet(definition.selectionSet);
      introspectiveOperations.set(definition, introspects);
      const refuse = (code: AolErrorCode, message: string) => context.reportError(limitError(code, message, definition));
      if (depth > QUERY_LIMITS.maxDepth)
        refuse(AolErrorCode.QUERY_TOO_DEEP, `Query depth ${depth} exceeds the limit of ${QUERY_LIMITS.maxDepth}`);
      if (introspectionDepth > QUERY_LIMITS.maxIntrospectionDepth) {
        refuse(
          AolErrorCode.QUERY_TOO_DEEP,
          `Introspection depth ${introspectionDepth} exceeds the limit of ${QUERY_LIMITS.maxIntrospectionDepth}`,
        );
      }
      if (aliases > QUERY_LIMITS.maxAliases)
        refuse(AolErrorCode.TOO_MANY_ALIASES, `${aliases} aliases exceed the limit of ${QUERY_LIMITS.maxAliases}`);
      if (cost > QUERY_LIMITS.maxCost) {
        refuse(AolErrorCode.QUERY_TOO_COMPLEX, `Estimated cost ${describeCost(cost)} exceeds the limit of ${QUERY_LIMITS.maxCost}`);
      }
    }
  },
});

/**
 * Refuses a document text nested deeper than `maxNesting` brackets, in one pass without
 * recursion, before the recursive parser sees it. Strings, block strings and comments are
 * skipped, so brackets inside a post's text do not count.
 */
export function assertDocumentNesting(text: string): void {
  let depth = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '#') {
      while (index < text.length && text[index] !== '\n' && text[index] !== '\r') index += 1;
    } else if (char === '"') {
      if (text.startsWith('"""', index)) {
        const end = text.indexOf('"""', index + 3);
        // An escaped \""" does not end a block string.
        let close = end;
        while (close > 0 && text[close - 1] === '\\') close = text.indexOf('"""', close + 3);
        index = close < 0 ? text.length : close + 2;
      } else {
        for (index += 1; index < text.length && text[index] !== '"' && text[index] !== '\n'; index += 1) {
          if (text[index] === '\\') index += 1;
        }
      }
    } else if (char === '{' || char === '[' || char === '(') {
      depth += 1;
      if (depth > QUERY_LIMITS.maxNesting) {
        throw new AolError(AolErrorCode.QUERY_TOO_DEEP, `The document nests brackets deeper than ${QUERY_LIMITS.maxNesting} levels`);
      }
    } else if (char === '}' || char === ']' || char === ')') {
      depth -= 1;
    }
  }
}
