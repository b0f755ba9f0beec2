// The cost of one call of each small op of a decode step (rmsNorm, add, rope) on the cpu backend, for a
// batch of 1 and of 4 tokens (`gpt-oss bench --parallel 4`), at gpt-oss-20b's widths: the median of many
// calls, each timed from JavaScript as bench/op-profile.ts times them. Between two calls the caller spins
// `--gap` microseconds, as the transformer's glue does between ops: past the pool's spin (native/pool.c,
// GPT_OSS_POOL_SPIN_US) its worker sleeps, and a call then waits for it to wake. `add` runs on the caller
// alone, so it shows the call's cost without the pool.
// Usage: npx tsx bench/small-ops.ts [--threads 2] [--calls 2000] [--gap 20]
import { parseArgs } from 'node:util';
import { createCpuBackend } from '../src/backends/cpu/cpu-backend.js';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' }, calls: { type: 'string', default: '2000' }, gap: { type: 'string', default: '20' } } });
const threads = Number(values.threads);
const calls = Number(values.calls);
const gapMs = Number(values.gap) / 1000;
const b = createCpuBackend({ threads });
const H = 2880;
const heads = 64;
const headDim = 64;
const f32 = (name: string, values: Float32Array): { name: string; dtype: 'f32'; shape: number[]; data: Uint8Array } => ({ name, dtype: 'f32', shape: [values.length], data: new Uint8Array(values.buffer) });
const scale = b.loadWeight(f32('scale', Float32Array.from({ length: H }, (_, i) => 1 + (i % 7) / 100)), 'vector');
const invFreq = Float32Array.from({ length: headDim / 2 }, (_, i) => 1 / 150000 ** ((2 * i) / headDim));

function median(xs: number[]): number {
  const s = [...xs].sort((a, c) => a - c);
  return s[s.length >> 1]!;
}
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}
function time(f: () => void): number {
  const each: number[] = [];
  for (let i = 0; i < calls; i++) {
    spin(gapMs);
    const t0 = performance.now();
    f();
    each.push(performance.now() - t0);
  }
  return median(each) * 1000;
}

for (const n of [1, 4, 1, 4]) {
  const x = b.createTensor(n, H);
  const out = b.createTensor(n, H);
  b.write(x, Float32Array.from({ length: n * H }, (_, i) => Math.sin(i)));
  const q = b.createTensor(n, heads * headDim);
  b.write(q, Float32Array.from({ length: n * heads * headDim }, (_, i) => Math.cos(i)));
  const positions = Int32Array.from({ length: n }, (_, i) => 100 + i);
  const norm = time(() => b.rmsNorm(out, x, scale, 1e-5));
  const add = time(() => b.add(out, out, x));
  const rope = time(() => b.rope(q, heads, headDim, positions, { invFreq, concentration: 1.2 }));
  console.log(`${n} token(s), ${threads} thread(s): rmsNorm ${norm.toFixed(1)} us, add ${add.toFixed(1)} us, rope [${heads}x${headDim}] ${rope.toFixed(1)} us (medians of ${calls} calls)`);
}
b.dispose();
