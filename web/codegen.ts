import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the console from the committed schema.gql: a schema change that breaks a
 * query of the page fails `npm run build` here (unknown field) or in the type check after it.
 */
const config: CodegenConfig = {
  schema: 'schema.gql',
  documents: ['web/src/**/*.{ts,tsx}', '!web/src/gql/**'],
  ignoreNoDocuments: false,
  errorsOnly: true,
  generates: {
    'web/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string' },
      },
    },
  },
};

export default config;
