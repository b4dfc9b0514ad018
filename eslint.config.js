// Guard rails that comments alone cannot keep: promises are awaited or handled. The architecture
// (layers, the workflow sandbox, no import circles) is dependency-cruiser's: .dependency-cruiser.cjs.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import fulltime from './tools/eslint-rules.js';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'src/generated/',
      '.venv/',
      '.venv-checkov/',
      '.data/',
      '.tools/',
      '.build-test/',
      'coverage/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: {
          allowDefaultProject: [
            'eslint.config.js',
            '.dependency-cruiser.cjs',
            'scripts/*.mjs',
            'tools/*.js',
            'src/*/lint-probe.ts',
          ],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { fulltime },
    rules: {
      // `void p` is no excuse: a promise whose failure nobody handles is an unhandled rejection.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      'fulltime/no-unhandled-stored-promise': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Tests and benchmarks read loosely typed JSON on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['eslint.config.js', '.dependency-cruiser.cjs', 'scripts/*.mjs', 'tools/*.js'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, 'fulltime/no-unhandled-stored-promise': 'off' },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
);
