/**
 * Loupe's dependency rules (docs/ARCHITECTURE.md explains the layers). Run: `npm run lint:deps`.
 * Type-only imports count (tsPreCompilationDeps), so a cycle through a type is a cycle too.
 */

/** Modules that are pure computation: losses, metrics, walks, factor models, blends, goes-with scoring. No I/O, no doors. */
const PURE = [
  '^src/embedding/(?!model\\.ts$|tf\\.ts$)[^/]+\\.ts$',
  '^src/graph/(?!io/)',
  '^src/eval/(metrics|knn)\\.ts$',
  '^src/quality/(union-find|findings|fixlist)\\.ts$',
  '^src/index/vector-index\\.ts$',
  '^src/complete/(score|split|shortlist|group-walk)\\.ts$',
];

/** What pure modules may not reach: the file system, processes, the network, the database, any door. */
const IO = [
  '^node:(fs|fs/promises|child_process|net|http|https|worker_threads|dgram|cluster|readline)$',
  '^(fs|child_process|net|http|https|worker_threads)$',
  '^src/(store|server|cli|jobs|app|vision|index)/',
  '^src/graph/io/',
  '^src/config\\.ts$',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only imports included. Move the shared type or function down a layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'store-is-the-bottom',
      severity: 'error',
      comment:
        'src/store/ is the storage layer: it imports only its own files, errors, config and libraries. ' +
        'Exception: the pure zod shapes of taste events and blend weights (graph/actions.ts, graph/blend.ts), which import no I/O themselves.',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: ['^src/store/', '^src/errors\\.ts$', '^src/config\\.ts$', '^src/graph/(actions|blend)\\.ts$'] },
    },
    {
      name: 'pure-imports-no-io',
      severity: 'error',
      comment: 'Pure math (embedding maths, graph scoring, eval metrics) takes data in and returns data: no file system, database, server or CLI.',
      from: { path: PURE },
      to: { path: IO },
    },
    {
      name: 'domain-does-not-call-use-cases',
      severity: 'error',
      comment:
        'Domain folders take what they need as arguments; they do not call up into the use cases (app/) or the jobs (jobs/). ' +
        'No exceptions: a module that needs a use case is a use case and lives in app/.',
      from: { path: '^src/(catalog|vision|embedding|index|graph|complete|assistant|eval|quality|report)/' },
      to: { path: '^src/(app|jobs)/' },
    },
    {
      name: 'nothing-imports-the-doors',
      severity: 'error',
      comment: 'cli/ and server/ are entry points (doors): below them nothing imports them.',
      from: { pathNot: ['^src/(cli|server)/'] },
      to: { path: '^src/(cli|server)/' },
    },
    {
      name: 'sql-driver-only-in-store',
      severity: 'error',
      comment: 'The database (PGlite or PostgreSQL) has one door: src/store/db.ts and its helpers.',
      from: { pathNot: '^src/store/' },
      to: { path: 'node_modules/(pg|@electric-sql/[^/]+)/' },
    },
    {
      name: 'http-framework-only-in-server',
      severity: 'error',
      comment: 'Hono (HTTP) lives behind src/server/.',
      from: { path: '^src/', pathNot: '^src/server/' },
      to: { path: 'node_modules/(hono|@hono/[^/]+)/' },
    },
    {
      name: 'model-runtimes-only-in-vision-and-embedding',
      severity: 'error',
      comment: 'ONNX Runtime, tfjs and transformers.js sit behind src/vision/ (encoders) and src/embedding/tf.ts (training backend).',
      from: { path: '^src/', pathNot: ['^src/vision/', '^src/embedding/tf\\.ts$'] },
      to: { path: 'node_modules/(onnxruntime-node|@tensorflow/[^/]+|@huggingface/transformers|nsfwjs)/' },
    },
    {
      name: 'ann-libraries-only-in-index',
      severity: 'error',
      comment: 'The ANN libraries (usearch, hnswlib-node) sit behind src/index/usearch-graphs.ts and src/index/hnsw-index.ts.',
      from: { path: '^src/', pathNot: ['^src/index/(usearch-graphs|hnsw-index)\\.ts$'] },
      to: { path: 'node_modules/(usearch|hnswlib-node)/' },
    },
    {
      name: 'image-codec-only-in-vision',
      severity: 'error',
      comment: 'sharp (image decode) sits behind src/vision/. Exception: report/charts.ts rasterises its own SVG charts.',
      from: { path: '^src/', pathNot: ['^src/vision/', '^src/report/charts\\.ts$'] },
      to: { path: 'node_modules/sharp/' },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      comment: 'src/ never imports tests, benches or the browser driver.',
      from: { path: '^src/' },
      to: { path: ['^test/', '^bench/', 'node_modules/playwright-core/'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|web/dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.json'] },
    reporterOptions: {
      dot: { collapsePattern: '^(src/[^/]+|node_modules/[^/]+)', theme: { graph: { rankdir: 'TB' } } },
      archi: { collapsePattern: '^(src/[^/]+|node_modules/(@[^/]+/)?[^/]+)' },
    },
  },
};
