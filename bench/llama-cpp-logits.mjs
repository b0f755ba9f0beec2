#!/usr/bin/env node
// llama.cpp's logits for a token sequence (every position, one prefill), written as raw float32 [T, V]
// like `gpt-oss logits --out`, and compared with other logits files of the same layout (the
// fixtures' golden.f32.bin, or ours): max |diff|, mean |diff|, argmax agreement, max KL(other || llama).
//
// Usage: node bench/llama-cpp-logits.mjs --model FILE.gguf --tokens tokens.json|1,2,3 [--llama-dir DIR]
//          [--out FILE] [--against FILE ...] [--threads 2]
// Example (tiny fixture, dense weights kept in BF16 so that only llama.cpp's own arithmetic differs):
//   gpt-oss make-model --from test/fixtures/tiny-ref-a --format gguf --dense bf16 --out /tmp/a
//   node bench/llama-cpp-logits.mjs --model /tmp/a/model.gguf --tokens test/fixtures/tiny-ref-a/tokens.json \
//     --against test/fixtures/tiny-ref-a/golden.f32.bin --llama-dir /work/llama-bench
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

function fail(message) {
  process.stderr.write(`llama-cpp-logits: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    tokens: { type: 'string' },
    'llama-dir': { type: 'string' },
    out: { type: 'string' },
    against: { type: 'string', multiple: true },
    threads: { type: 'string', default: '2' },
  },
});
if (!values.model || !values.tokens) fail('--model FILE.gguf and --tokens (a tokens.json file or comma-separated ids) are required');
const llamaDir = values['llama-dir'] ?? process.env.LLAMA_BENCH_DIR ?? fail('give --llama-dir DIR or set LLAMA_BENCH_DIR');
const tokens = /^[\d,\s]+$/.test(values.tokens)
  ? values.tokens.split(',').map((s) => Number(s.trim()))
  : JSON.parse(readFileSync(values.tokens, 'utf8')).tokens;
if (!Array.isArray(tokens) || tokens.length === 0) fail(`no tokens in ${values.tokens}`);

const entry = createRequire(join(resolve(llamaDir), 'package.json')).resolve('node-llama-cpp');
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(entry).href);
const llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: resolve(values.model), gpuLayers: 0 });
const context = await model.createContext({ contextSize: tokens.length + 1, batchSize: tokens.length, threads: Number(values.threads) });
const out = await context.getSequence().controlledEvaluate(tokens.map((t) => [t, { generateNext: { logits: true } }]));
const T = tokens.length;
const V = out[0]?.next?.logits?.size ?? fail('llama.cpp returned no logits');
const logits = new Float32Array(T * V);
for (let t = 0; t < T; t++) for (const [id, v] of out[t].next.logits) logits[t * V + id] = v;
if (values.out) writeFileSync(values.out, new Uint8Array(logits.buffer));

function logSumExp(row) {
  let m = -Infinity;
  for (const x of row) m = Math.max(m, x);
  let s = 0;
  for (const x of row) s += Math.exp(x - m);
  return m + Math.log(s);
}
function argmax(row) {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

for (const file of values.against ?? []) {
  const buf = readFileSync(file);
  const other = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  if (other.length !== T * V) fail(`${file} holds ${other.length} floats, expected ${T} x ${V}`);
  let maxAbs = 0;
  let sumAbs = 0;
  let agree = 0;
  let maxKl = 0;
  let sumSq = 0;
  for (let t = 0; t < T; t++) {
    const a = other.subarray(t * V, (t + 1) * V);
    const b = logits.subarray(t * V, (t + 1) * V);
    for (let i = 0; i < V; i++) {
      const d = Math.abs(a[i] - b[i]);
      maxAbs = Math.max(maxAbs, d);
      sumAbs += d;
      sumSq += a[i] * a[i];
    }
    if (argmax(a) === argmax(b)) agree++;
    const [la, lb] = [logSumExp(a), logSumExp(b)];
    let kl = 0;
    for (let i = 0; i < V; i++) kl += Math.exp(a[i] - la) * (a[i] - la - (b[i] - lb));
    maxKl = Math.max(maxKl, kl);
  }
  process.stdout.write(
    `${file} vs llama.cpp: T ${T}, V ${V}: max |diff| ${maxAbs.toFixed(4)}, mean |diff| ${(sumAbs / (T * V)).toFixed(4)}, ` +
      `argmax agree ${agree}/${T}, max KL ${maxKl.toExponential(3)} (logit rms ${Math.sqrt(sumSq / (T * V)).toFixed(3)})\n`,
  );
}
await context.dispose();
await model.dispose();
await llama.dispose();
