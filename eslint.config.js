// Lint rules: the recommended sets, plus the dependency direction STYLE.md asks for.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noRoutes = { group: ['**/routes/*'], message: 'Only src/app.ts mounts routes.' };
const noDomain = {
  group: ['**/auth/*', '**/auth/**', '**/billing/*', '**/email/*', '**/middleware/*'],
  message: 'db/ and lib/ sit below the features: routes → auth|billing|email → db|lib.',
};

export default tseslint.config(
  { ignores: ['node_modules/', '.wrangler/', 'dist/', 'test-results/', 'bench-results/', 'worker-configuration.d.ts'] },
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
    // Browser code: the example front end and the admin page's script.
    files: ['examples/frontend/**/*.js', 'src/admin-ui/browser/**/*.ts'],
    languageOptions: {
      globals: Object.fromEntries(
        ['document', 'location', 'FormData', 'URLSearchParams', 'fetch', 'console'].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/app.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noRoutes] }] },
  },
  {
    files: ['src/db/**/*.ts', 'src/lib/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noRoutes, noDomain] }] },
  },
);
