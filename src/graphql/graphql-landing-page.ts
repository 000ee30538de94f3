import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';
import { IDE_PAGE, WEB_ROOT } from '../config/web-root';

/** What a browser gets at /graphql with the IDE off, instead of Apollo's refusal of a GET without a query. */
const IDE_OFF_PAGE = `<!DOCTYPE html>
<html lang="en">
  <head><meta charset="utf-8" /><title>AOL · GraphQL</title></head>
  <body>
    <h1>GraphiQL is turned off here</h1>
    <p>This is AOL's GraphQL endpoint: queries and mutations are POST requests to this address, subscriptions use the graphql-ws protocol on it.</p>
    <p>To use GraphiQL in the browser, start the service with <code>AOL_GRAPHIQL=1</code> (it is on by default outside production).</p>
    <p><a href="/">Open the console</a></p>
  </body>
</html>
`;

const IDE_NOT_BUILT_PAGE = `<!DOCTYPE html>
<html lang="en">
  <head><meta charset="utf-8" /><title>AOL · GraphQL</title></head>
  <body><h1>GraphiQL is not built</h1><p>Run <code>npm run build</code>, then restart the service.</p></body>
</html>
`;

/**
 * The page browsers get at /graphql: GraphiQL, bundled from the graphiql package by
 * `npm run build` and served with its assets by the service (no CDN, works offline), or,
 * with AOL_GRAPHIQL=0, a page saying how to turn it on.
 */
export function graphqlLandingPage(graphiql: boolean): ApolloServerPlugin {
  const file = join(WEB_ROOT, IDE_PAGE);
  const html = !graphiql ? IDE_OFF_PAGE : existsSync(file) ? readFileSync(file, 'utf8') : IDE_NOT_BUILT_PAGE;
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html };
        },
      };
    },
  };
}
