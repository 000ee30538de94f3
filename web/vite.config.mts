import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig, type Plugin } from 'vite';

/**
 * GraphQL Playground ships as one prebuilt script (React 16 inside) that defines
 * window.GraphQLPlayground: copied as it is from the graphql-playground-react package to
 * playground/middleware.js, which playground.html loads before its own module.
 */
function playgroundBundle(): Plugin {
  const file = createRequire(import.meta.url).resolve('graphql-playground-react/build/static/js/middleware.js');
  return {
    name: 'aol-playground-bundle',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'playground/middleware.js', source: readFileSync(file) });
    },
  };
}

/**
 * Three pages, all served by the service itself: the console at /, GraphiQL at /graphql and
 * GraphQL Playground at /playground.
 * Paths are relative to the repository root, where npm runs this.
 */
export default defineConfig({
  root: 'web',
  base: '/',
  plugins: [playgroundBundle()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // GraphiQL's editor (Monaco) is a few MB by itself, loaded only by the IDE page.
    chunkSizeWarningLimit: 5000,
    rollupOptions: {
      input: { console: 'web/index.html', graphiql: 'web/graphiql.html', playground: 'web/playground.html' },
      // GraphiQL's React libraries mark their modules "use client", which means nothing outside a server-components framework.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
