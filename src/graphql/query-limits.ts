import {
  ASTVisitor,
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
 * Limits on the shape of a query, checked during validation — before anything executes —
 * on HTTP (as Apollo validation rules) and on the WebSocket (in onSubscribe), alike.
 */
export const QUERY_LIMITS = {
  /** Nesting of fields; the deepest useful query (an action's logs in a page) needs 6. */
  maxDepth: 10,
  /** Aliased fields per operation: aliases multiply work without multiplying requests. */
  maxAliases: 20,
  /** Estimated fields resolved: 1 per field, times `first` under a paginated field. */
  maxCost: 5000,
} as const;

/** `first` when a variable gives it (unknown at validation time): the largest page. */
const ASSUMED_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 20;

interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

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

function measure(
  selectionSet: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
  visiting: Set<string>,
): Measure {
  const total: Measure = { depth: 0, aliases: 0, cost: 0 };
  for (const selection of selectionSet?.selections ?? []) {
    let inner: Measure;
    if (selection.kind === Kind.FIELD) {
      // Introspection (GraphiQL's own query nests ofType a dozen deep) is bounded by the schema.
      if (selection.name.value.startsWith('__')) continue;
      const child = measure(selection.selectionSet, fragments, visiting);
      inner = {
        depth: 1 + child.depth,
        aliases: (selection.alias ? 1 : 0) + child.aliases,
        cost: 1 + pageSize(selection) * child.cost,
      };
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      inner = measure(selection.selectionSet, fragments, visiting);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      // Unknown or cyclic fragments are the standard rules' business; count them as nothing.
      if (!fragment || visiting.has(name)) continue;
      visiting.add(name);
      inner = measure(fragment.selectionSet, fragments, visiting);
      visiting.delete(name);
    }
    total.depth = Math.max(total.depth, inner.depth);
    total.aliases += inner.aliases;
    total.cost += inner.cost;
  }
  return total;
}

/** One validation rule applying every limit to every operation of the document. */
export const QueryLimitsRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  Document(document) {
    const fragments = new Map(
      document.definitions
        .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment]),
    );
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const { depth, aliases, cost } = measure(definition.selectionSet, fragments, new Set());
      if (depth > QUERY_LIMITS.maxDepth) {
        context.reportError(
          limitError(AolErrorCode.QUERY_TOO_DEEP, `Query depth ${depth} exceeds the limit of ${QUERY_LIMITS.maxDepth}`, definition),
        );
      }
      if (aliases > QUERY_LIMITS.maxAliases) {
        context.reportError(
          limitError(AolErrorCode.TOO_MANY_ALIASES, `${aliases} aliases exceed the limit of ${QUERY_LIMITS.maxAliases}`, definition),
        );
      }
      if (cost > QUERY_LIMITS.maxCost) {
        context.reportError(
          limitError(AolErrorCode.QUERY_TOO_COMPLEX, `Estimated cost ${cost} exceeds the limit of ${QUERY_LIMITS.maxCost}`, definition),
        );
      }
    }
  },
});
