// ESLint with typescript-eslint's type-checked rules: what the compiler cannot see (a
// floating promise, an `any` leaking out of JSON.parse, a template with an object in it).
// Formatting is Prettier's alone (.prettierrc.json), so no rule here is about layout.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'reports/', 'deploy/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      // An interface's method implemented with a parameter it does not need: named with a leading _.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests read JSON written by the code under test (summary.json, /metrics, a server's body)
    // and assert on its fields: the assertion is the check, so `any` from JSON.parse is allowed there.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fakes of undici's and Node's objects, and failures a test provokes on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      // node:test callbacks and server handlers are async by habit; assert's methods are called unbound.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Messages built from values of any kind, and expected console lines with their spaces as printed.
      '@typescript-eslint/restrict-template-expressions': 'off',
      'no-regex-spaces': 'off',
      // Tests feed control characters on purpose (a hostile name, a CR split from its LF).
      'no-control-regex': 'off',
      // page.evaluate(`…`) of a string returns any: the tests say what they read back with `as`.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
);
