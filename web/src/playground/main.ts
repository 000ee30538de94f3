import 'graphql-playground-react/build/static/css/middleware.css';
import './playground.css';

/** What graphql-playground-react's bundle (loaded before this module by playground.html) puts on window. */
declare global {
  interface Window {
    GraphQLPlayground: { init(element: HTMLElement, options: Record<string, unknown>): void };
  }
}

const ENDPOINT = `${location.origin}/graphql`;
// Playground speaks subscriptions-transport-ws: the service carries that legacy protocol on /graphql too.
const SUBSCRIPTION_ENDPOINT = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;

const DEFAULT_QUERY = `{
  autonomyStatus {
    lease { owner epoch expiresInSeconds }
    flags { paused killed proofMode }
    lastTick { outcome attempted succeeded failed }
    mode
  }
}
`;

// /playground#query=… opens with that operation in the editor, so a link can carry one.
const linkedQuery = new URLSearchParams(location.hash.slice(1)).get('query');

window.GraphQLPlayground.init(document.getElementById('playground')!, {
  endpoint: ENDPOINT,
  subscriptionEndpoint: SUBSCRIPTION_ENDPOINT,
  settings: {
    // The schema is fetched once (and on the reload button), not every two seconds with a token that may be missing.
    'schema.polling.enable': false,
    'request.credentials': 'omit',
    'editor.fontFamily': "ui-monospace, 'Source Code Pro', Menlo, Consolas, monospace",
    'tracing.hideTracingResponse': true,
  },
  tabs: [
    {
      endpoint: ENDPOINT,
      query: linkedQuery ?? DEFAULT_QUERY,
      headers: { Authorization: 'Bearer <AOL_API_TOKEN or AOL_READ_TOKEN>' },
    },
  ],
});
