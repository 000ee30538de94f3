// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/**
 * The folders of src/ from the bottom up. A folder may import from the layers below its own,
 * never from its own layer's other folders or from above: the graph of modules runs one way,
 * from the entry points (main.ts, cli.ts, write-schema.ts) down to the dependency-free core.
 */
const LAYERS = [
  ['actions', 'errors'],
  ['config'],
  ['database', 'rate-limit', 'logging'],
  ['events', 'auth', 'audit'],
  ['graphql'],
  ['lease', 'control', 'ledger', 'social', 'console'],
  ['webhooks'],
  ['action-handlers'],
  ['queue'],
  ['metrics', 'webhook-dispatch'],
  ['health'],
  ['orchestrator'],
  ['core.module.ts'],
  ['app.module.ts', 'app.setup.ts'],
  ['cli'],
  ['cli.ts', 'main.ts', 'write-schema.ts'],
];

const layerZones = LAYERS.flatMap((layer, index) =>
  layer.map((folder) => ({
    target: `./src/${folder}`,
    from: LAYERS.slice(index)
      .flat()
      .filter((other) => other !== folder)
      .map((other) => `./src/${other}`),
    message: `src/${folder} may import only from the layers below its own (eslint.config.mjs): imports point down`,
  })),
);

export default tseslint.config(
  { ignores: ['dist/', 'dist-bench/', 'node_modules/', 'coverage/', 'test-output/', 'web/src/gql/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A server's handler closes over the instance it is built before: read before assigned, on purpose.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })] },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
  {
    files: ['web/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
