#!/usr/bin/env node
// What an op call costs when it starts with cold caches, as each op of a decode step does: the weights'
// stream before it (here one 8-bit matmul over --mib MiB of rows) has evicted V8's objects, Node-API's
// path and the op's own code. Times `add` and `rmsNorm` on 2,880 floats right after the stream (cold)
// and once more at once (warm), medians of --calls rounds. Calls the addon in its own form: version 3
// took one options object per op, version 4 takes the values as arguments, so two builds compare:
//   GPT_OSS_CPU_ADDON=/tmp/v3.node node bench/cold-call.mjs; node bench/cold-call.mjs
// Usage: node bench/cold-call.mjs [--mib 64] [--calls 300] [--threads 1]
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '64' }, calls: { type: 'string', default: '300' }, threads: { type: 'string', default: '1' } } });
const file = process.env.GPT_OSS_CPU_ADDON || fileURLToPath(new URL('../build/Release/gpt_oss_cpu.node', import.meta.url));
const addon = createRequire(import.meta.url)(file);
const positional = addon.version >= 4;
const pool = addon.createPool(Number(values.threads));
const H = 2880;
const rows = Math.floor((Number(values.mib) << 20) / ((H / 32) * 34)); // the 8-bit layout: 34 bytes per 32 values
const w = new Uint8Array(rows * (H / 32) * 34);
const x = Float32Array.from({ length: H }, (_, i) => Math.sin(i));
const y = Float32Array.from({ length: H }, (_, i) => Math.cos(i));
const out = new Float32Array(H);
const logits = new Float32Array(rows);
const scale = new Float32Array(H).fill(1);
const Q8 = 2;

const stream = positional
  ? () => addon.matmul(pool, logits, x, 1, H, w, Q8, rows, null)
  : () => addon.matmul({ pool, out: logits, x, n: 1, K: H, w, dtype: Q8, N: rows, bias: null });
const ops = positional
  ? { add: () => addon.add(pool, out, x, y, H), rmsNorm: () => addon.rmsNorm(pool, out, x, 1, H, scale, 1e-5) }
  : { add: () => addon.add({ pool, out, a: x, b: y, count: H }), rmsNorm: () => addon.rmsNorm({ pool, out, x, n: 1, cols: H, scale, eps: 1e-5 }) };

const median = (v) => v.sort((a, b) => a - b)[v.length >> 1];
const parts = [];
for (const [name, op] of Object.entries(ops)) {
  const cold = [];
  const warm = [];
  for (let i = 0; i < Number(values.calls); i++) {
    stream();
    const t0 = performance.now();
    op();
    const t1 = performance.now();
    op();
    const t2 = performance.now();
    cold.push(t1 - t0);
    warm.push(t2 - t1);
  }
  parts.push(`${name} cold ${(median(cold) * 1000).toFixed(1)} us, warm ${(median(warm) * 1000).toFixed(1)} us`);
}
console.log(`addon version ${addon.version} (${positional ? 'positional' : 'options object'}), after a ${values.mib} MiB stream: ${parts.join('; ')} (medians of ${values.calls})`);
addon.destroy(pool);
