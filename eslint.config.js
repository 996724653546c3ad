// Lint rules: the recommended sets, plus the code's own rules (test/e2e/code-rules.test.ts shows each
// one refusing what it should): imports point one way, SQL lives only in src/db/, only config.ts and
// db/client.ts read bindings, and logs go through src/lib/log.ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noRoutes = { group: ['**/routes/*'], message: 'Only src/app.ts mounts routes.' };
const noDomain = {
  group: [
    '**/auth/*',
    '**/auth/**',
    '**/billing/*',
    '**/email/*',
    '**/orgs/*',
    '**/mfa/*',
    '**/api-keys/*',
    '**/middleware/*',
  ],
  message: 'db/ and lib/ sit below the features: routes → auth|billing|email|orgs|mfa|api-keys → db|lib.',
};

// SQL lives only in src/db/: elsewhere no drizzle, no tables, no raw statements, no D1 client.
const noSqlImports = [
  { group: ['drizzle-orm', 'drizzle-orm/*'], message: 'Queries live in src/db/: call a named query function.' },
  {
    group: ['**/db/schema', '**/db/schema.ts'],
    allowTypeImports: true,
    message: 'Tables are queried only in src/db/: import their types, call a named query function.',
  },
  {
    group: ['**/db/client', '**/db/client.ts'],
    importNames: ['sqlStatement', 'statementFrom'],
    message: 'SQL lives only in src/db/: add a named query function there.',
  },
];
const queryMethods = '/^(select|selectDistinct|insert|update|delete|run|all|get|values|batch|query|with|\\$count)$/';
const noSqlSyntax = [
  {
    // db.select(...), deps.db.insert(...), db.query.users...: the query builder on the database.
    selector: `MemberExpression[object.name="db"][property.name=${queryMethods}], MemberExpression[object.property.name="db"][property.name=${queryMethods}]`,
    message: 'Queries live in src/db/: call a named query function.',
  },
  {
    // The raw D1 client, however it is reached: db.$client, db['$client'], const { $client } = db.
    selector:
      'MemberExpression[property.name=/^(prepare|\\$client)$/], MemberExpression[property.value="$client"], Property[key.name="$client"]',
    message: 'SQL lives only in src/db/: add a named query function there.',
  },
  {
    selector: 'Property[key.name="sql"]',
    message: 'SQL conditions are built in src/db/, not spelled out in feature code.',
  },
];

// Only config.ts (settings) and db/client.ts (the D1 binding) read bindings; load-config hands them over.
const noBindingReads = [
  {
    selector:
      'MemberExpression[property.name="env"], MemberExpression[property.value="env"], ObjectPattern > Property[key.name="env"], MemberExpression[object.name=/^(env|bindings)$/]',
    message: 'Only src/config.ts and src/db/client.ts read bindings: add a setting to config.ts.',
  },
];
const noBindingImports = [
  {
    group: ['cloudflare:workers'],
    importNames: ['env'],
    message: 'Only src/config.ts and src/db/client.ts read bindings.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.wrangler/',
      'dist/',
      'dist-assets/',
      'test-results/',
      'bench-results/',
      'worker-configuration.d.ts',
      'client/dist/',
      'examples/nextjs/.next/',
      'examples/nextjs/next-env.d.ts',
      'client/.dist-test-*/',
      'client/src/api.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: Object.fromEntries(
        ['console', 'process', 'URL', 'crypto', 'fetch', 'performance', 'TextEncoder', 'TextDecoder'].map((name) => [
          name,
          'readonly',
        ]),
      ),
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // Browser code: the example front end, the admin page's script and the API reference's initializer.
    files: ['examples/frontend/**/*.js', 'src/admin-ui/browser/**/*.ts', 'src/docs-ui/browser/**/*.ts'],
    languageOptions: {
      globals: Object.fromEntries(
        ['document', 'location', 'FormData', 'URLSearchParams', 'fetch', 'console'].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/db/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [noRoutes, ...noSqlImports, ...noBindingImports] },
      ],
      'no-restricted-syntax': ['error', ...noSqlSyntax, ...noBindingReads],
    },
  },
  {
    // Logs go through src/lib/log.ts (JSON lines with the request id), never straight to the console.
    files: ['src/**/*.ts'],
    ignores: ['src/lib/log.ts', 'src/admin-ui/browser/**', 'src/docs-ui/browser/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // app.ts mounts the routers; a lazily loaded feature's entry (src/*/feature.ts) assembles its own.
    files: [
      'src/app.ts',
      'src/orgs/feature.ts',
      'src/admin/feature.ts',
      'src/mfa/feature.ts',
      'src/auth/oauth/feature.ts',
      'src/api-keys/feature.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...noSqlImports, ...noBindingImports] }],
    },
  },
  {
    // lazy-router.ts hands a request's bindings on to a feature loaded later; it reads none.
    files: ['src/config.ts', 'src/middleware/load-config.ts', 'src/lazy-router.ts'],
    rules: { 'no-restricted-syntax': ['error', ...noSqlSyntax] },
  },
  {
    files: ['src/db/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [noRoutes, noDomain, ...noBindingImports] }],
      'no-restricted-syntax': ['error', ...noBindingReads],
    },
  },
  { files: ['src/db/client.ts'], rules: { 'no-restricted-syntax': 'off' } },
  {
    files: ['src/lib/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [noRoutes, noDomain, ...noSqlImports, ...noBindingImports] },
      ],
    },
  },
);
