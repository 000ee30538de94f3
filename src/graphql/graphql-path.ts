export const GRAPHQL_PATH = '/graphql';

/** Whether a request URL (with its query, with or without a trailing slash) is the GraphQL endpoint. */
export function isGraphqlPath(url: string | undefined): boolean {
  return (url ?? '').split('?')[0].replace(/\/$/, '') === GRAPHQL_PATH;
}
