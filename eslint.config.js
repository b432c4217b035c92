import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.tools/**', '.data/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    files: ['dev/**', 'test/**', 'emulator/src/main.ts', 'addin/scripts/**', 'backend/scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Data flows one way: http/ calls the domain, never the reverse (domain errors: backend/src/errors.ts).
    files: ['backend/src/**'],
    ignores: ['backend/src/http/**', 'backend/src/server.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['**/http', '**/http/*'], message: 'Domain modules do not import from http/: throw a DomainError (backend/src/errors.ts), take a Caller from access/caller.ts.' }] }],
    },
  },
  {
    // Tests read JSON answers of the HTTP API, which are untyped by nature.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
