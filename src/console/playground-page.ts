import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLAYGROUND_PAGE, WEB_ROOT } from '../config/web-root';

/** Where GraphQL Playground is served, when it is on. */
export const PLAYGROUND_PATH = '/playground';

const PLAYGROUND_OFF_PAGE = `<!DOCTYPE html>
<html lang="en">
  <head><meta charset="utf-8" /><title>AOL · GraphQL Playground</title></head>
  <body>
    <h1>GraphQL Playground is turned off here</h1>
    <p>To use it, start the service with <code>AOL_PLAYGROUND=1</code> (it is on by default outside production).</p>
    <p><a href="/">Open the console</a></p>
  </body>
</html>
`;

const PLAYGROUND_NOT_BUILT_PAGE = `<!DOCTYPE html>
<html lang="en">
  <head><meta charset="utf-8" /><title>AOL · GraphQL Playground</title></head>
  <body><h1>GraphQL Playground is not built</h1><p>Run <code>npm run build</code>, then restart the service.</p></body>
</html>
`;

/** What /playground answers: the page built from web/playground.html, or (404) how to turn it on, or (503) how to build it. */
export function playgroundAnswer(enabled: boolean): { status: number; html: string } {
  if (!enabled) return { status: 404, html: PLAYGROUND_OFF_PAGE };
  const file = join(WEB_ROOT, PLAYGROUND_PAGE);
  return existsSync(file) ? { status: 200, html: readFileSync(file, 'utf8') } : { status: 503, html: PLAYGROUND_NOT_BUILT_PAGE };
}
