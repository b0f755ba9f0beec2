// The cpu attention takes keys in 1024-position chunks and, when few query rows see many keys
// (decode at a long context), spreads the chunks of one row over tasks and merges their partials.
// A row's bits must not depend on that: the same tokens give the same outputs whether they come in
// one 2,200-token prefill (each task folds all chunks of its rows), one at a time (chunks split
// across tasks) or four together, on a full-attention layer and on a 1500-key sliding window.
// (Closeness to the reference at these lengths is checked by the op harness's long cases.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend, Batch, KvCache, Weight } from '../../src/backends/backend.js';
import { loadCpuAddon } from '../../src/backends/cpu/binding.js';
import { createCpuBackend } from '../../src/backends/cpu/cpu-backend.js';
import { f32, rng, vectorWeight } from '../backend-ops/inputs.js';

const [heads, kvHeads, hd, P, split] = [16, 2, 64, 2200, 2150];
const windows = [1500, 0];

const addon = loadCpuAddon();
const skip = addon instanceof Error ? `the cpu addon is missing: ${addon.message}` : false;

function call(b: Backend, cache: KvCache, sinks: Weight, layer: number, slot: number, from: number, to: number, x: { q: Float32Array; k: Float32Array; v: Float32Array }): Promise<Float32Array> {
  const n = to - from;
  const batch: Batch = { n, tokens: new Int32Array(n), positions: Int32Array.from({ length: n }, (_, i) => from + i), slots: new Int32Array(n).fill(slot) };
  const t = (data: Float32Array, cols: number) => {
    const tensor = b.createTensor(n, cols);
    b.write(tensor, data.subarray(from * cols, to * cols));
    return tensor;
  };
  const out = b.createTensor(n, heads * hd);
  b.attention(out, t(x.q, heads * hd), t(x.k, kvHeads * hd), t(x.v, kvHeads * hd), sinks, cache, batch, {
    layer,
    numHeads: heads,
    numKvHeads: kvHeads,
    headDim: hd,
    window: windows[layer]!,
    smScale: 1 / Math.sqrt(hd),
  });
  return b.read(out);
}

for (const precision of ['exact', 'fast'] as const) {
  describe(`cpu attention over ${P} positions (${precision}): a row's bits do not depend on its call`, { skip }, () => {
    for (const layer of [0, 1]) {
      it(`${windows[layer] ? `window ${windows[layer]}` : 'full attention'}: one prefill, then one token or four at a time, give the same bits`, async () => {
        const b = createCpuBackend({ precision, threads: 2 });
        try {
          const r = rng(1000 + layer);
          const x = { q: f32(r, P * heads * hd), k: f32(r, P * kvHeads * hd), v: f32(r, P * kvHeads * hd) };
          const sinks = b.loadWeight(vectorWeight(r, 'sinks', [heads], 1).data, 'vector');
          const cache = b.createKvCache({ layers: 2, kvHeads, headDim: hd, windows, slots: 2, capacity: P, slidingCapacity: P });
          const whole = await call(b, cache, sinks, layer, 0, 0, P, x);
          const parts = [await call(b, cache, sinks, layer, 1, 0, split, x)];
          for (let p = split; p < P - 4; p++) parts.push(await call(b, cache, sinks, layer, 1, p, p + 1, x));
          parts.push(await call(b, cache, sinks, layer, 1, P - 4, P, x));
          const row = heads * hd;
          const tail = new Uint32Array(whole.slice(split * row).buffer);
          const pieces = new Uint32Array(parts.length > 1 ? Float32Array.from(parts.slice(1).flatMap((p) => Array.from(p))).buffer : new ArrayBuffer(0));
          const differ: number[] = [];
          for (let i = 0; i < tail.length; i++) if (tail[i] !== pieces[i] && !differ.includes(split + Math.floor(i / row))) differ.push(split + Math.floor(i / row));
          assert.equal(pieces.length, tail.length);
          assert.deepEqual(differ, [], `positions whose outputs differ in some bit: ${differ.join(', ')}`);
          assert.ok(whole.every(Number.isFinite), 'outputs are finite');
        } finally {
          b.dispose();
        }
      });
    }
  });
}
