import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package's root: the nearest folder above this file with a package.json (from src/ and dist/src/ alike). */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${from}`);
  }
}

/** Where `npm run build` puts the pages (vite build of web/). */
export const WEB_ROOT = join(packageRoot(__dirname), 'dist', 'web');

/** The GraphiQL page: served at /graphql by the GraphQL endpoint's landing page, not as a file. */
export const IDE_PAGE = 'graphiql.html';

/** The GraphQL Playground page: served at /playground when AOL_PLAYGROUND allows it, not as a file. */
export const PLAYGROUND_PAGE = 'playground.html';
