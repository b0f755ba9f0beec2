/**
 * NaN and infinities stay visible through the ops whose `fast` path quantizes to 8 bits: a row of x
 * holding one NaN or one Inf must give a non-finite output row (every element, since each output
 * reads all of x), a weight row with a NaN a non-finite output column, an MXFP4 scale of 0xFF (NaN
 * in E8M0) non-finite outputs, while clean rows stay finite. Run per backend and kernel path.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend } from '../../src/backends/backend.js';
import { denseWeight, f32, mxfp4Weight, rng, vectorWeight } from './inputs.js';

const finiteRows = (out: Float32Array, cols: number, rows: number): boolean[] =>
  Array.from({ length: rows }, (_, i) => out.subarray(i * cols, (i + 1) * cols).every(Number.isFinite));
const allNonFinite = (row: Float32Array): boolean => row.every((v) => !Number.isFinite(v));

export function runNonFiniteOps(label: string, newBackend: () => Backend, skip?: string): void {
  const withBackend = async (fn: (b: Backend) => Promise<void>): Promise<void> => {
    const b = newBackend();
    try {
      await fn(b);
    } finally {
      b.dispose();
    }
  };

  // n = 3 takes the per-token (8-bit activation) path, n = 9 the tiled one
  for (const n of [3, 9]) {
    test(`${label}: matmul keeps NaN and Inf in x visible (n=${n})`, { skip: skip ?? false }, () =>
      withBackend(async (b) => {
        const [K, N] = [96, 40];
        const r = rng(n);
        const x = f32(r, n * K);
        x[5] = NaN; // row 0
        x[K + 40] = Infinity; // row 1
        const w = denseWeight(r, 'w', [N, K], 'bf16');
        const xt = b.createTensor(n, K);
        b.write(xt, x);
        const out = b.createTensor(n, N);
        b.matmul(out, xt, b.loadWeight(w.data, 'linear'));
        const got = await b.read(out);
        assert.ok(allNonFinite(got.subarray(0, N)), `row 0 (a NaN in x): ${got.subarray(0, 4).join(', ')}`);
        assert.ok(allNonFinite(got.subarray(N, 2 * N)), `row 1 (an Inf in x): ${got.subarray(N, N + 4).join(', ')}`);
        assert.deepEqual(finiteRows(got, N, n).slice(2), Array(n - 2).fill(true), 'clean rows stay finite');
      }),
    );
  }

  test(`${label}: matmul keeps a NaN weight visible`, { skip: skip ?? false }, () =>
    withBackend(async (b) => {
      const [n, K, N] = [2, 96, 40];
      const r = rng(11);
      const w = denseWeight(r, 'w', [N, K], 'bf16');
      new DataView(w.data.data.buffer).setUint16(2 * (7 * K + 3), 0x7fc0, true); // row 7, column 3: NaN
      const xt = b.createTensor(n, K);
      b.write(xt, f32(r, n * K));
      const out = b.createTensor(n, N);
      b.matmul(out, xt, b.loadWeight(w.data, 'linear'));
      const got = await b.read(out);
      for (let t = 0; t < n; t++) {
        for (let o = 0; o < N; o++) assert.equal(Number.isFinite(got[t * N + o]!), o !== 7, `token ${t}, output ${o}: ${got[t * N + o]}`);
      }
    }),
  );

  for (const corrupt of ['x', 'scales'] as const) {
    test(`${label}: moe keeps ${corrupt === 'x' ? 'a NaN in x' : 'MXFP4 scales of 0xFF'} visible`, { skip: skip ?? false }, () =>
      withBackend(async (b) => {
        const [n, E, k, H, I] = [2, 4, 2, 64, 64];
        const r = rng(17);
        const x = f32(r, n * H);
        if (corrupt === 'x') x[9] = NaN; // token 0
        const mlp1 = mxfp4Weight(r, 'mlp1', [E, 2 * I, H]);
        if (corrupt === 'scales') mlp1.data.scales.fill(255);
        const xt = b.createTensor(n, H);
        b.write(xt, x);
        const out = b.createTensor(n, H);
        b.moe(
          out,
          xt,
          {
            gate: b.loadWeight(denseWeight(r, 'gate', [E, H], 'bf16', 0.3).data, 'linear'),
            gateBias: b.loadWeight(vectorWeight(r, 'gate.bias', [E]).data, 'vector'),
            mlp1: b.loadWeight(mlp1.data, 'experts'),
            mlp1Bias: b.loadWeight(vectorWeight(r, 'mlp1.bias', [E, 2 * I], 0.5).data, 'expertsBias'),
            mlp2: b.loadWeight(mxfp4Weight(r, 'mlp2', [E, H, I]).data, 'experts'),
            mlp2Bias: b.loadWeight(vectorWeight(r, 'mlp2.bias', [E, H]).data, 'expertsBias'),
          },
          { numExperts: E, expertsPerToken: k, intermediateSize: I, swigluLimit: 7, swigluAlpha: 1.702 },
        );
        const got = await b.read(out);
        assert.ok(allNonFinite(got.subarray(0, H)), `token 0: ${got.subarray(0, 4).join(', ')}`);
        if (corrupt === 'x') assert.ok(got.subarray(H).every(Number.isFinite), 'token 1 stays finite');
        else assert.ok(allNonFinite(got.subarray(H)), `token 1: ${got.subarray(H, H + 4).join(', ')}`);
      }),
    );
  }
}
