#!/usr/bin/env node
// llama.cpp's speed on a GGUF file, measured the way `gpt-oss bench` measures ours: load once, then
// per run a prefill of --prompt random token ids from an empty cache and --gen greedy decode steps
// after it; medians of --repeat runs; peak RSS of this process (mapped file pages included).
//
// llama.cpp comes from node-llama-cpp, installed OUTSIDE this repository (it is not a dependency):
//   mkdir -p /work/llama-bench && cd /work/llama-bench && npm init -y && npm i node-llama-cpp@3.22.1
// Its prebuilt CPU binaries load without running its install script.
//
// Usage: node bench/llama-cpp.mjs --model FILE.gguf [--llama-dir DIR] [--threads 2] [--prompt 512]
//          [--gen 128] [--repeat 3] [--batch 512] [--flash-attention] [--json]
//   --llama-dir (or env LLAMA_BENCH_DIR): the folder where node-llama-cpp is installed.
// The table goes to stderr; --json prints one compact JSON object on stdout.
import { createRequire } from 'node:module';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const USAGE = 'Usage: node bench/llama-cpp.mjs --model FILE.gguf [--llama-dir DIR] [--threads 2] [--prompt 512] [--gen 128] [--repeat 3] [--batch 512] [--flash-attention] [--json]';

function fail(message) {
  process.stderr.write(`llama-cpp bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function intArg(values, name, fallback, min = 1) {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      model: { type: 'string' },
      'llama-dir': { type: 'string' },
      threads: { type: 'string' },
      prompt: { type: 'string' },
      gen: { type: 'string' },
      repeat: { type: 'string' },
      batch: { type: 'string' },
      'flash-attention': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    allowPositionals: true,
  });
} catch (e) {
  fail(e.message);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const modelPath = resolve(values.model ?? positionals[0] ?? fail('--model FILE.gguf is required'));
try {
  if (!statSync(modelPath).isFile()) fail(`${modelPath} is not a file`);
} catch {
  fail(`${modelPath}: file not found (make one with: gpt-oss make-model --from CHECKPOINT --format gguf --out DIR)`);
}
const llamaDir = values['llama-dir'] ?? process.env.LLAMA_BENCH_DIR;
if (!llamaDir) fail('give --llama-dir DIR or set LLAMA_BENCH_DIR to the folder where node-llama-cpp is installed');
const threads = intArg(values, 'threads', 2);
const prompt = intArg(values, 'prompt', 512);
const gen = intArg(values, 'gen', 128);
const repeat = intArg(values, 'repeat', 3);
const batch = intArg(values, 'batch', Math.min(prompt, 512));
const log = (s) => process.stderr.write(`${s}\n`);

let entry;
try {
  entry = createRequire(join(resolve(llamaDir), 'package.json')).resolve('node-llama-cpp');
} catch {
  fail(`node-llama-cpp is not installed in ${llamaDir} (cd there and run: npm i node-llama-cpp@3.22.1)`);
}
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(entry).href);
const pkg = JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8'));

const t0 = performance.now();
const llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true });
const context = await model.createContext({
  contextSize: prompt + gen + 1,
  batchSize: batch,
  threads,
  flashAttention: values['flash-attention'] === true,
  sequences: 1,
});
const loadS = (performance.now() - t0) / 1000;
// The vocabulary size is token_embd's second dimension (GGUF lists dimensions innermost first).
const embd = model.fileInfo.tensorInfo?.find((t) => t.name === 'token_embd.weight');
const nVocab = Number(embd?.dimensions?.[1] ?? 0);
if (!(nVocab > 0)) fail(`${modelPath}: no token_embd.weight tensor to take the vocabulary size from`);
const release = llama.llamaCppRelease?.release ?? 'unknown';
log(`llama.cpp ${release} (node-llama-cpp ${pkg.version}, ${llama.buildType ?? 'prebuilt'} CPU build), ${threads} threads: ${modelPath} loaded in ${loadS.toFixed(2)} s`);

// The same token ids as `gpt-oss bench` (its LCG and seed).
let seed = 12345;
const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % nVocab);
const promptIds = Array.from({ length: prompt }, next);

const sequence = context.getSequence();
const prefills = [];
const decodes = [];
for (let r = 0; r < repeat; r++) {
  await sequence.clearHistory();
  // evaluate() yields a greedy token after the prompt's prefill, then one per decode step; it has
  // less per-step overhead in node-llama-cpp than controlledEvaluate (16 vs 30 ms on a tiny model).
  const p0 = performance.now();
  let p1 = p0;
  let steps = -1;
  for await (const token of sequence.evaluate(promptIds, { temperature: 0 })) {
    if (token === undefined) fail('llama.cpp returned no token');
    if (++steps === 0) p1 = performance.now();
    if (steps === gen) break;
  }
  if (steps !== gen) fail(`llama.cpp stopped after ${steps} decode steps, expected ${gen}`);
  const p2 = performance.now();
  prefills.push(prompt / ((p1 - p0) / 1000));
  decodes.push(gen / ((p2 - p1) / 1000));
  log(`  run ${r + 1}/${repeat}: prefill ${prefills[r].toFixed(2)} tok/s, decode ${decodes[r].toFixed(2)} tok/s`);
}
const peakRss = process.resourceUsage().maxRSS * 1024;

const result = {
  engine: 'llama.cpp',
  llama_cpp_release: release,
  node_llama_cpp: pkg.version,
  model: modelPath,
  model_bytes: statSync(modelPath).size,
  threads,
  prompt,
  gen,
  repeat,
  batch,
  flash_attention: values['flash-attention'] === true,
  load_s: loadS,
  prefill_tok_s: median(prefills),
  decode_tok_s: median(decodes),
  peak_rss_bytes: peakRss,
  prefill_runs: prefills,
  decode_runs: decodes,
};
const gib = (b) => `${(b / 2 ** 30).toFixed(2)} GiB`;
log('');
log('| llama.cpp | value |');
log('|---|---|');
log(`| load (model + context) | ${loadS.toFixed(2)} s |`);
log(`| prefill pp${prompt} (median of ${repeat}) | ${result.prefill_tok_s.toFixed(2)} tok/s |`);
log(`| decode tg${gen} (median of ${repeat}) | ${result.decode_tok_s.toFixed(2)} tok/s |`);
log(`| peak RSS | ${gib(peakRss)} |`);
if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);

await context.dispose();
await model.dispose();
await llama.dispose();
