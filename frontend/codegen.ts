import type { CodegenConfig } from '@graphql-codegen/cli';

// Types come only from the server's schema files, never from a running server,
// so `npm run codegen` works offline and gives the same output every time.
const config: CodegenConfig = {
  schema: ['../schema.graphqls', '../graph/schema/*.graphqls'],
  documents: [
    'src/**/*.{ts,tsx}',
    '!src/gql/**/*',
    '!src/**/*.test.{ts,tsx}',
  ],
  ignoreNoDocuments: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        skipTypename: false,
        dedupeFragments: true,
        scalars: {
          Time: 'string',
          Cursor: 'string',
          Upload: 'File',
          Map: 'Record<string, unknown>',
          ID: 'string',
        },
      },
    },
  },
};

export default config;
