/**
 * The engine's per-step logits check (src/engine/finite-logits.ts) on a vocabulary-sized row:
 * its cost per sampled token, to compare with a decode step (BENCHMARKS.md).
 *
 *   npx tsx bench/finite-logits.ts
 */
import { cpus } from 'node:os';
import { assertFiniteLogits } from '../src/engine/finite-logits.js';

const row = Float32Array.from({ length: 201088 }, (_, i) => Math.sin(i) * 8);
for (let i = 0; i < 500; i++) assertFiniteLogits(row, 0);
const times: number[] = [];
for (let r = 0; r < 15; r++) {
  const t = performance.now();
  for (let i = 0; i < 200; i++) assertFiniteLogits(row, 0);
  times.push((performance.now() - t) / 200);
}
times.sort((a, b) => a - b);
console.log(`${cpus()[0]?.model ?? '?'}: assertFiniteLogits over 201,088 logits: median ${times[7]!.toFixed(3)} ms, min ${times[0]!.toFixed(3)} ms`);
