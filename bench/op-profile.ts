// Where a decode step's time goes: every backend op of a cpu-backend forward pass timed from the
// JavaScript side (the ops are synchronous native calls), summed per op over --gen decode steps.
// Usage: npx tsx bench/op-profile.ts --model DIR [--precision fast|exact] [--prompt 64] [--gen 16]
import { parseArgs } from 'node:util';
import { loadModel } from '../src/engine/load-model.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    precision: { type: 'string', default: 'fast' },
    prompt: { type: 'string', default: '64' },
    gen: { type: 'string', default: '16' },
  },
});
if (!values.model) throw new Error('--model DIR is required');
const model = await loadModel(values.model, { backend: 'cpu', precision: values.precision as 'fast' | 'exact' });
const prompt = Number(values.prompt);
const gen = Number(values.gen);
const totals = new Map<string, number>();
const backend = model.backend as unknown as Record<string, unknown>;
let timing = false;
for (const op of ['embed', 'rmsNorm', 'matmul', 'rope', 'attention', 'moe', 'add', 'gatherRows']) {
  const f = backend[op] as (...a: unknown[]) => unknown;
  backend[op] = (...a: unknown[]): unknown => {
    if (!timing) return f.apply(model.backend, a);
    const t0 = performance.now();
    const r = f.apply(model.backend, a);
    const key = op === 'matmul' ? `matmul ${(a[2] as { shape: number[] }).shape.join('x')}` : op;
    totals.set(key, (totals.get(key) ?? 0) + performance.now() - t0);
    return r;
  };
}
const cache = model.transformer.createKvCache({ slots: 1, capacity: prompt + gen });
const ids = Int32Array.from({ length: prompt }, (_, i) => (i * 7919) % 1000);
await model.transformer.forward({ n: prompt, tokens: ids, positions: Int32Array.from({ length: prompt }, (_, i) => i), slots: new Int32Array(prompt) }, cache, Int32Array.of(prompt - 1));
timing = true;
const t0 = performance.now();
for (let i = 0; i < gen; i++) {
  await model.transformer.forward({ n: 1, tokens: Int32Array.of(100 + i), positions: Int32Array.of(prompt + i), slots: Int32Array.of(0) }, cache, Int32Array.of(0));
}
const total = (performance.now() - t0) / gen;
let ops = 0;
for (const [k, v] of [...totals].sort((a, b) => b[1] - a[1])) {
  ops += v / gen;
  console.log(`${k.padEnd(28)} ${(v / gen).toFixed(2)} ms/step`);
}
console.log(`${'ops'.padEnd(28)} ${ops.toFixed(2)} ms/step\n${'step'.padEnd(28)} ${total.toFixed(2)} ms/step (${(1000 / total).toFixed(2)} tok/s)`);
model.dispose();
