// Lint: typescript-eslint's type-aware recommended rules over every TypeScript and JavaScript file of the
// repository, with floating and misused promises as errors. `npm run lint`; `npm test` runs it first.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // What .gitignore leaves out (build output and data), never linted.
  { ignores: ['dist/', 'build/', 'data/', 'bench/profiles/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // One TypeScript program for tsconfig.json (src, test, bench, scripts), shared by its files; vitest.config.ts,
        // outside it, gets a default project.
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Off: `async` without `await` is how a promise-returning API keeps its contract (a throw becomes a rejection).
      '@typescript-eslint/require-await': 'off',
      // `const { status: _, ...rest } = x` is how a copy without one field is written.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Off in tests: vitest's asymmetric matchers (`expect.any(String)`, `expect.objectContaining(...)`) are typed `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    // The few plain JS files (this one, bin/, a bench script) have no types to check: every value is `any` there.
    extends: [tseslint.configs.disableTypeChecked],
    // TypeScript resolves names in .ts files (so typescript-eslint turns `no-undef` off there); plain JS needs
    // Node's globals named for `no-undef`.
    languageOptions: {
      globals: { console: 'readonly', fetch: 'readonly', performance: 'readonly', process: 'readonly', setTimeout: 'readonly' },
    },
  },
);
