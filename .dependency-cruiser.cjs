/**
 * The architecture's dependency rule, executable (see README "Architecture"): imports flow down
 * the layers only, never sideways between folders of one layer, never in cycles.
 */
const layer = (from, allowed) => ({
  name: `${from}-imports`,
  comment: `src/${from} may import only ${allowed.length ? allowed.join(', ') : 'nothing outside itself'}`,
  severity: 'error',
  from: { path: `^src/${from}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${from}/`, ...allowed.map((a) => `^src/${a}`)],
  },
});

module.exports = {
  forbidden: [
    layer('core', []),
    layer('format', ['core/']),
    layer('backends', ['core/']),
    // one backend never imports another (backend.ts, the shared interface, is the only common ground)
    {
      name: 'backends-not-sideways',
      comment: 'src/backends/cpu and src/backends/ref may import only backends/backend.ts and core from each other\'s layer',
      severity: 'error',
      from: { path: '^src/backends/(cpu|ref)/' },
      to: { path: '^src/backends/(cpu|ref)/', pathNot: '^src/backends/$1/' },
    },
    layer('sampling', ['core/']),
    layer('tokenizer', ['core/']),
    layer('model', ['core/', 'format/', 'backends/backend\\.ts$']),
    layer('harmony', ['core/', 'tokenizer/']),
    // grammar: constrained decoding over the vocabulary; knows tokens and bytes, not tensors or harmony.
    layer('grammar', ['core/', 'tokenizer/']),
    layer('engine', ['core/', 'format/', 'backends/', 'model/', 'sampling/', 'tokenizer/', 'harmony/', 'grammar/']),
    // hub: downloads and the local model cache; knows HTTP and files, never the model's tensors.
    layer('hub', ['core/', 'format/']),
    layer('tools', ['core/', 'harmony/']),
    layer('server', ['core/', 'engine/', 'harmony/', 'tools/', 'hub/', 'grammar/']),
    // format/ is allowed here only for make-model and inspect: the next rule narrows it.
    layer('cli', ['core/', 'engine/', 'server/', 'tools/', 'hub/', 'harmony/', 'tokenizer/', 'format/']),
    {
      name: 'cli-format-only-in-make-model-and-inspect',
      comment: 'cli reaches checkpoints only through the engine, except make-model and inspect',
      severity: 'error',
      from: { path: '^src/cli/', pathNot: '^src/cli/commands/(make-model|inspect)\\.ts$' },
      to: { path: '^src/format/' },
    },
    {
      // The webgpu backend and the browser-safe format modules run in a browser bundle: no Node built-ins,
      // nothing that reaches them (the cpu backend and Node's file reading stay out of the bundle).
      name: 'browser-safe-no-node',
      comment: 'src/backends/webgpu and the in-memory checkpoint path must not reach Node built-ins or the cpu backend',
      severity: 'error',
      from: { path: '^src/(backends/webgpu/|format/(memory-checkpoint|checkpoint-build|config-parse|safetensors-header|tensor-source-types)\\.ts$)' },
      to: { reachable: true, path: '(^node:|^(fs|path|os|crypto|module|child_process|util|worker_threads)$|^src/backends/cpu/)' },
    },
    {
      // The browser page's bundle (web/): tokenizer, harmony, engine and the webgpu backend only. Node built-ins
      // are kept out by the bundle itself (esbuild for the browser fails on them; the tokenizer's ranks-file
      // reader is swapped for ranks-file.browser.ts there, scripts/web-bundle.mjs), so this rule names the rest.
      name: 'web-bundle-no-cpu-or-node-loading',
      comment: 'web/ must not reach the cpu backend, the Node backend selection, checkpoint directories or Dawn loading',
      severity: 'error',
      from: { path: '^web/' },
      to: { reachable: true, path: '^src/(backends/cpu/|engine/(select-backend|load-model|engine|webgpu-node)\\.ts$|format/(checkpoint|safetensors|tensor-source|layout|config)\\.ts$)' },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '(^test/|\\.test\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
