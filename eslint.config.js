// Guard rails that comments alone cannot keep: promises are awaited or handled, workflow code stays
// inside Temporal's deterministic sandbox, and the layers point one way:
//   api/ -> services/ -> domain/, outbox/, db/, temporal/, cache/      (activities/ and workers/ are entry points too)
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** A relative import of a top-level folder of src/, from any depth (`../../api/x.ts`). */
const folder = (...names) => `^(\\.\\./)+(${names.join('|')})(/|\\.ts$)`;

/** no-restricted-imports for one layer: the folders below it must not import the ones named here. */
function layer(files, { folders = [], packages = [], message, allowTypeImports = false }) {
  return {
    files,
    // Tests wire the layers together on purpose (a worker with real activities behind an API).
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: packages.map((name) => ({ name, message })),
          patterns: folders.length > 0 ? [{ regex: folder(...folders), message, allowTypeImports }] : [],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'src/generated/', '.venv/', '.data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'scripts/*.mjs', 'src/*/lint-probe.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Tests and benchmarks read loosely typed JSON on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  { files: ['eslint.config.js', 'scripts/*.mjs'], ...tseslint.configs.disableTypeChecked },

  // Workflow code runs in Temporal's sandbox and must be deterministic: it may import only the
  // workflow API, @temporalio/common, other workflow files, and types (erased at build time).
  {
    files: ['src/workflows/**/*.ts'],
    ignores: ['src/workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/(workflow|common)(/|$)|\\./)',
              allowTypeImports: true,
              message: 'Workflow code may import only @temporalio/workflow, @temporalio/common, other workflow files, and types (import type).',
            },
          ],
        },
      ],
    },
  },
  layer(['src/domain/**/*.ts'], {
    folders: ['api', 'services', 'activities', 'workers', 'workflows', 'outbox', 'db', 'temporal', 'cache', 'generated'],
    packages: ['express', 'ioredis', 'pg', '@prisma/client', '@temporalio/client', '@temporalio/worker'],
    message: 'domain/ holds pure rules: no I/O, no framework, nothing from the layers above it.',
  }),
  layer(['src/db/**/*.ts', 'src/outbox/**/*.ts', 'src/temporal/**/*.ts', 'src/cache/**/*.ts'], {
    folders: ['api', 'services', 'activities', 'workers', 'workflows'],
    packages: ['express'],
    allowTypeImports: true,
    message: 'db/, outbox/, temporal/ and cache/ sit below services/ and api/ (layers point one way; types of workflows are fine).',
  }),
  layer(['src/services/**/*.ts'], {
    folders: ['api', 'activities', 'workers', 'workflows'],
    packages: ['express'],
    allowTypeImports: true,
    message: 'services/ must not import the HTTP layer or the worker side: throw domain errors (domain/errors.ts) and let api/ map them.',
  }),
  layer(['src/activities/**/*.ts'], {
    folders: ['api', 'workers'],
    packages: ['express'],
    message: 'Activities use services/, domain/ and db/; never the HTTP layer or the worker process.',
  }),
);
