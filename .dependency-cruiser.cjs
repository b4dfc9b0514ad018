// The architecture, checked by `npm run lint` (dependency-cruiser, over every import, type-only ones
// included): no import circles, the layers pointing one way, workflows kept to the workflow API and
// the contracts, and no orphan files.
//
//   api/ -> services/ -> domain/, outbox/, db/, temporal/, cache/ -> contracts/, telemetry/
//   workers/ -> activities/ -> services/ ...        workflows/ -> contracts/ (+ @temporalio/workflow)
//
// Tests wire layers together on purpose (a worker with real activities behind an API): the layer
// rules skip *.test.ts; the circle rule does not.

/** A top-level folder of src/. */
const src = (...folders) => `^src/(${folders.join('|')})/`;
const notTests = '\\.test\\.ts$';
/** Packages that do I/O or serve HTTP: nothing below services/ may use the HTTP ones, domain/ none. */
const ioPackages = '(^|/)node_modules/(express|ioredis|pg|@prisma/client|@temporalio/(client|worker|activity))/';

/** A layer rule: files in `from` must not import `to`. */
function layer(name, comment, from, to) {
  return { name, severity: 'error', comment, from: { path: from, pathNot: notTests }, to };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import circle (type-only imports count): break it by moving what both sides need into a lower module (a contract).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A file nothing imports and that imports nothing: dead code, or an entry point that should be wired in.',
      from: { orphan: true, pathNot: ['\\.d\\.ts$', '^src/generated/'] },
      to: {},
    },
    {
      name: 'not-to-tests',
      severity: 'error',
      comment: 'Code that ships must not import tests or the test harness.',
      from: { path: '^(src|scripts)/', pathNot: notTests },
      to: { path: ['\\.test\\.ts$', '^test/'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: {},
      to: { couldNotResolve: true },
    },
    layer(
      'contracts-are-pure',
      'contracts/ are shared with workflow code: pure, importing only other contracts and @temporalio/workflow (types of @temporalio/common).',
      src('contracts'),
      { pathNot: [src('contracts'), '(^|/)node_modules/@temporalio/(workflow|common)/'] },
    ),
    layer(
      'contracts-use-only-the-workflow-api',
      'contracts/ may take only types from @temporalio/common; its values come through @temporalio/workflow.',
      src('contracts'),
      { path: '(^|/)node_modules/@temporalio/common/', dependencyTypesNot: ['type-only'] },
    ),
    layer(
      'workflows-are-deterministic',
      "Workflow code runs in Temporal's sandbox: it imports only @temporalio/workflow, the contracts and other workflow files.",
      src('workflows'),
      { pathNot: [src('workflows', 'contracts'), '(^|/)node_modules/@temporalio/workflow/'] },
    ),
    layer(
      'activities-not-to-workflows',
      'Activities never import workflow code: start or signal workflows by the name and type the contracts give.',
      src('activities'),
      { path: src('workflows') },
    ),
    layer(
      'activities-below-workers',
      'Activities use services/, domain/ and db/; never the HTTP layer or the worker process.',
      src('activities'),
      { path: [src('api', 'workers'), '(^|/)node_modules/express/'] },
    ),
    layer(
      'services-below-api',
      'services/ must not import the HTTP layer or the worker side: throw domain errors (domain/errors.ts) and let api/ map them.',
      src('services'),
      { path: [src('api', 'activities', 'workers', 'workflows'), '(^|/)node_modules/express/'] },
    ),
    layer(
      'infrastructure-below-services',
      'db/, outbox/, temporal/ and cache/ sit below services/ and api/, and know no workflow code.',
      src('db', 'outbox', 'temporal', 'cache'),
      { path: [src('api', 'services', 'activities', 'workers', 'workflows'), '(^|/)node_modules/express/'] },
    ),
    layer(
      'telemetry-below-everything',
      'telemetry/ (metrics, tracing, the metrics listener) is used by every layer and uses none of them.',
      src('telemetry'),
      {
        path: src(
          'api',
          'services',
          'activities',
          'workers',
          'workflows',
          'outbox',
          'db',
          'temporal',
          'cache',
          'domain',
        ),
      },
    ),
    layer(
      'domain-is-pure',
      'domain/ holds pure rules: no I/O, no framework, nothing from the layers above it.',
      src('domain'),
      {
        path: [
          src(
            'api',
            'services',
            'activities',
            'workers',
            'workflows',
            'outbox',
            'db',
            'temporal',
            'cache',
            'generated',
          ),
          ioPackages,
        ],
      },
    ),
    layer(
      'api-not-to-the-worker-side',
      'api/ reaches work through services/ (and the outbox), never activities, workers or workflow code.',
      src('api'),
      { path: src('activities', 'workers', 'workflows') },
    ),
  ],
  options: {
    // Type-only imports are dependencies too: a circle through `import type` is still a circle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    skipAnalysisNotInRules: true,
  },
};
