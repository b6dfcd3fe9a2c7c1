// `npm run lint:deps`: the layering of src/ (README, "Code map"). Arrows point down: the use-cases and the
// composition sit on top, the parts they drive below them; src/ is the product and never reaches tools/ or test/.
const LOWER =
  '^src/(accounts|diff|campaigns|criteria|valuesets|schedule|triggers|render|readability|delivery|store|fhir|config|log|time|keys|metrics)/';
const UPPER = '^src/(pipeline|queue|app|cli|http|doctor)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle means two modules are one: merge them or move what both need below both.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lower-layers-stay-below',
      severity: 'error',
      comment:
        'campaigns, criteria, valuesets, triggers, render, delivery, store, fhir, config, log, time and keys are used by the use-cases and the composition, never the reverse.',
      from: { path: LOWER },
      to: { path: UPPER },
    },
    {
      name: 'pipeline-is-plain',
      severity: 'error',
      comment: 'The pipeline is use-cases over ports: no BullMQ, no Prisma client or types, no queue/app/cli.',
      from: { path: '^src/pipeline/' },
      to: { path: ['^src/(queue|app|cli)/', '^src/generated/', '(^|/)node_modules/(bullmq|@prisma/client|@prisma/adapter-pg)/'] },
    },
    {
      name: 'queue-below-app',
      severity: 'error',
      comment: 'The queue is BullMQ only; the composition root (app) and the CLI build on it.',
      from: { path: '^src/queue/' },
      to: { path: '^src/(app|cli)/' },
    },
    {
      name: 'http-is-an-edge',
      severity: 'error',
      comment: 'The HTTP API sits on top: only the CLI (careprompt serve) builds it.',
      from: { path: '^src/', pathNot: '^src/(http|cli)/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'fastify-only-in-http',
      severity: 'error',
      comment: 'Fastify and its plugins are the HTTP edge: the use-cases, fhir and the store know no web framework.',
      from: { path: '^src/', pathNot: '^src/http/' },
      to: { path: '(^|/)node_modules/(fastify|@fastify/|fastify-)' },
    },
    {
      name: 'prom-client-only-in-metrics',
      severity: 'error',
      comment: 'Instrumentation goes through the metrics port (src/metrics); nothing else knows prom-client.',
      from: { path: '^src/', pathNot: '^src/metrics/' },
      to: { path: '(^|/)node_modules/prom-client/' },
    },
    {
      name: 'product-stays-product',
      severity: 'error',
      comment: 'src/ is what the package ships: it never imports the development tools, the tests or the benchmarks.',
      from: { path: '^src/' },
      to: { path: '^(tools|test|bench)/' },
    },
    {
      name: 'product-needs-no-dev-dependencies',
      severity: 'error',
      comment: 'The installed package has only the dependencies: src/ may use a devDependency for types only.',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'tools-below-tests',
      severity: 'error',
      comment: 'The FHIR test server and the demo are used by the tests and benchmarks, not the reverse.',
      from: { path: '^tools/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'resolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: "no Prisma types in the pipeline" is about types.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
  },
};
