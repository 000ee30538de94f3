import type { ApolloServerPlugin } from '@apollo/server';

/**
 * GraphiQL for browsers at /graphql. Queries and mutations send the headers typed in the
 * Headers tab; subscriptions go over graphql-ws with the Authorization header of that tab as
 * the connection parameter (read when the socket opens: reload after changing the token).
 */
export function graphiqlLandingPage(path: string): ApolloServerPlugin {
  const html = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>AOL · GraphiQL</title>
    <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
    <script crossorigin src="https://unpkg.com/react@18.3.1/umd/react.production.min.js"></script>
    <script crossorigin src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
    <script crossorigin src="https://unpkg.com/graphql-ws@6.2.1/umd/graphql-ws.min.js"></script>
    <link rel="stylesheet" href="https://unpkg.com/graphiql@3.8.3/graphiql.min.css" />
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script crossorigin src="https://unpkg.com/graphiql@3.8.3/graphiql.min.js"></script>
    <script>
      const path = ${JSON.stringify(path)};
      const editorHeaders = () => {
        try { return JSON.parse(localStorage.getItem('graphiql:headers') || '{}'); } catch { return {}; }
      };
      const wsClient = graphqlWs.createClient({
        url: location.origin.replace(/^http/, 'ws') + path,
        lazy: true,
        connectionParams: () => {
          const headers = editorHeaders();
          return { authorization: headers.Authorization || headers.authorization, actor: headers['X-AOL-Actor'] };
        },
      });
      const fetcher = GraphiQL.createFetcher({ url: path, wsClient });
      ReactDOM.createRoot(document.getElementById('graphiql')).render(
        React.createElement(GraphiQL, {
          fetcher,
          shouldPersistHeaders: true,
          defaultHeaders: '{\\n  "Authorization": "Bearer <AOL_API_TOKEN or AOL_READ_TOKEN>"\\n}',
          defaultQuery: '{\\n  autonomyStatus {\\n    lease { owner epoch expiresInSeconds }\\n    flags { paused killed proofMode }\\n    lastTick { outcome attempted succeeded failed }\\n    queue { pending running retry dlq success }\\n    mode\\n  }\\n}\\n',
        }),
      );
    </script>
  </body>
</html>`;
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
