import { defineConfig } from 'vite';

/**
 * Two pages, both served by the service itself: the console at / and GraphiQL at /graphql.
 * Paths are relative to the repository root, where npm runs this.
 */
export default defineConfig({
  root: 'web',
  base: '/',
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // GraphiQL's editor (Monaco) is a few MB by itself, loaded only by the IDE page.
    chunkSizeWarningLimit: 5000,
    rollupOptions: {
      input: { console: 'web/index.html', graphiql: 'web/graphiql.html' },
      // GraphiQL's React libraries mark their modules "use client", which means nothing outside a server-components framework.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
