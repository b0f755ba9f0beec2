/**
 * One case per op and awkward shape, as ggml's test-backend-ops: each builds seeded inputs, runs the
 * op on a backend and returns its outputs; `f64` recomputes them in float64 from the same inputs
 * (the oracle for `ref` itself). Tolerances are NMSE = sum((got - want)^2) / sum(want^2), per precision.
 */
import type { Backend, Batch, KvCacheSpec, OpName, Weight } from '../../src/backends/backend.js';
import { denseWeight, f32, mxfp4Weight, rng, vectorWeight } from './inputs.js';

export interface OpCase {
  readonly name: string;
  readonly op: OpName;
  run(backend: Backend): Promise<Float32Array[]>;
  f64?(): Float64Array[];
  /** Largest NMSE accepted against the reference, per precision of the backend under test. */
  readonly nmse: { exact: number; fast: number };
}

const EXACT = 1e-10;
const tol = (fast = EXACT) => ({ exact: EXACT, fast });

async function readAll(b: Backend, ts: Parameters<Backend['read']>[0][]): Promise<Float32Array[]> {
  return Promise.all(ts.map((t) => b.read(t)));
}

function tensorOf(b: Backend, rows: number, cols: number, data: Float32Array) {
  const t = b.createTensor(rows, cols);
  b.write(t, data);
  return t;
}

// ---- embed, gatherRows, add, rmsNorm --------------------------------------------------------------

function embedCase(V: number, H: number, n: number, dtype: 'bf16' | 'f32'): OpCase {
  const r = rng(V * 31 + H);
  const table = denseWeight(r, 'table', [V, H], dtype, 1);
  const tokens = Int32Array.from({ length: n }, () => Math.floor(r() * V));
  return {
    name: `embed ${dtype} V=${V} H=${H} n=${n}`,
    op: 'embed',
    nmse: tol(),
    async run(b) {
      const out = b.createTensor(n, H);
      b.embed(out, b.loadWeight(table.data, 'embedding'), tokens);
      return readAll(b, [out]);
    },
    f64: () => [Float64Array.from({ length: n * H }, (_, i) => table.values[tokens[Math.floor(i / H)]! * H + (i % H)]!)],
  };
}

function gatherCase(rows: number, cols: number, pick: number[]): OpCase {
  const x = f32(rng(rows + cols), rows * cols);
  return {
    name: `gatherRows ${rows}x${cols} -> [${pick.join(',')}]`,
    op: 'gatherRows',
    nmse: tol(),
    async run(b) {
      const out = b.createTensor(pick.length, cols);
      b.gatherRows(out, tensorOf(b, rows, cols, x), Int32Array.from(pick));
      return readAll(b, [out]);
    },
    f64: () => [Float64Array.from({ length: pick.length * cols }, (_, i) => x[pick[Math.floor(i / cols)]! * cols + (i % cols)]!)],
  };
}

function addCase(rows: number, cols: number): OpCase {
  const r = rng(rows * 7 + cols);
  const [a, c] = [f32(r, rows * cols), f32(r, rows * cols)];
  return {
    name: `add ${rows}x${cols} (out aliases a)`,
    op: 'add',
    nmse: tol(),
    async run(b) {
      const ta = tensorOf(b, rows, cols, a);
      b.add(ta, ta, tensorOf(b, rows, cols, c));
      return readAll(b, [ta]);
    },
    f64: () => [Float64Array.from(a, (v, i) => v + c[i]!)],
  };
}

function rmsNormCase(n: number, cols: number): OpCase {
  const r = rng(n * 13 + cols);
  const x = f32(r, n * cols, 3);
  const scale = vectorWeight(r, 'scale', [cols], 0.2, 1);
  const eps = 1e-5;
  return {
    name: `rmsNorm n=${n} cols=${cols}`,
    op: 'rmsNorm',
    nmse: tol(),
    async run(b) {
      const out = b.createTensor(n, cols);
      b.rmsNorm(out, tensorOf(b, n, cols, x), b.loadWeight(scale.data, 'vector'), eps);
      return readAll(b, [out]);
    },
    f64() {
      const out = new Float64Array(n * cols);
      for (let i = 0; i < n; i++) {
        let ss = 0;
        for (let j = 0; j < cols; j++) ss += x[i * cols + j]! ** 2;
        const inv = 1 / Math.sqrt(ss / cols + eps);
        for (let j = 0; j < cols; j++) out[i * cols + j] = x[i * cols + j]! * inv * scale.values[j]!;
      }
      return [out];
    },
  };
}

// ---- matmul --------------------------------------------------------------------------------------

function matmulCase(n: number, K: number, N: number, dtype: 'bf16' | 'f32', withBias: boolean): OpCase {
  const r = rng(n * 1009 + K * 31 + N);
  const x = f32(r, n * K);
  const w = denseWeight(r, 'w', [N, K], dtype);
  const bias = vectorWeight(r, 'bias', [N]);
  return {
    name: `matmul ${dtype} n=${n} K=${K} N=${N}${withBias ? ' +bias' : ''}`,
    op: 'matmul',
    // fast: 8-bit weight blocks (and 8-bit activation blocks when n <= 4) cost ~3e-5 each in NMSE
    // on Gaussian inputs (rounding step amax/127 over 32 values); measured at most 9e-5
    nmse: tol(2e-4),
    async run(b) {
      const out = b.createTensor(n, N);
      b.matmul(out, tensorOf(b, n, K, x), b.loadWeight(w.data, 'linear'), withBias ? b.loadWeight(bias.data, 'vector') : undefined);
      return readAll(b, [out]);
    },
    f64() {
      const out = new Float64Array(n * N);
      for (let i = 0; i < n; i++)
        for (let o = 0; o < N; o++) {
          let s = withBias ? bias.values[o]! : 0;
          for (let j = 0; j < K; j++) s += x[i * K + j]! * w.values[o * K + j]!;
          out[i * N + o] = s;
        }
      return [out];
    },
  };
}

// ---- rope ----------------------------------------------------------------------------------------

function ropeCase(n: number, heads: number, headDim: number, maxPos: number): OpCase {
  const r = rng(n * 17 + heads * 3 + headDim);
  const x = f32(r, n * heads * headDim);
  const positions = Int32Array.from({ length: n }, () => Math.floor(r() * maxPos));
  const invFreq = Float32Array.from({ length: headDim / 2 }, (_, j) => 1 / 150000 ** ((2 * j) / headDim) / (j % 3 === 0 ? 1 : 1.7));
  const concentration = 1.3465735902799727;
  return {
    name: `rope n=${n} heads=${heads} headDim=${headDim} pos<${maxPos}`,
    op: 'rope',
    nmse: tol(),
    async run(b) {
      const t = tensorOf(b, n, heads * headDim, x);
      b.rope(t, heads, headDim, positions, { invFreq, concentration });
      return readAll(b, [t]);
    },
    f64() {
      const out = Float64Array.from(x);
      const half = headDim / 2;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < half; j++) {
          const angle = Math.fround(positions[i]! * invFreq[j]!); // the reference's f32 angle
          const [c, s] = [Math.cos(angle) * concentration, Math.sin(angle) * concentration];
          for (let h = 0; h < heads; h++) {
            const at = i * heads * headDim + h * headDim;
            const [x1, x2] = [x[at + j]!, x[at + half + j]!];
            out[at + j] = x1 * c - x2 * s;
            out[at + half + j] = x2 * c + x1 * s;
          }
        }
      return [out];
    },
  };
}

// ---- attention -----------------------------------------------------------------------------------

interface AttnSetup {
  heads: number;
  kvHeads: number;
  headDim: number;
  window: number;
  slots: number;
  capacity: number;
  /** Per call: [slot, token count] runs, positions continuing per slot. */
  calls: [number, number][][];
  /** The first call whose outputs are compared (earlier ones only fill the cache); 0 by default. */
  from?: number;
}

function attentionCase(s: AttnSetup): OpCase {
  const r = rng(s.heads * 7 + s.kvHeads * 3 + s.headDim + s.window * 101 + s.calls.length);
  const maxPerSlot = Math.max(...s.calls.flatMap((c) => c.map(([, k]) => k)));
  const spec: KvCacheSpec = {
    layers: 2,
    kvHeads: s.kvHeads,
    headDim: s.headDim,
    windows: [s.window, 0],
    slots: s.slots,
    capacity: s.capacity,
    slidingCapacity: Math.min(s.capacity, s.window + maxPerSlot - 1),
  };
  const layer = 0;
  const sinks = vectorWeight(r, 'sinks', [s.heads], 1);
  const next = new Array<number>(s.slots).fill(0);
  const steps = s.calls.map((runs) => {
    const slots: number[] = [];
    const positions: number[] = [];
    for (const [slot, count] of runs) for (let i = 0; i < count; i++) [slots.push(slot), positions.push(next[slot]!++)];
    const n = slots.length;
    const batch: Batch = { n, tokens: new Int32Array(n), positions: Int32Array.from(positions), slots: Int32Array.from(slots) };
    return { batch, q: f32(r, n * s.heads * s.headDim), k: f32(r, n * s.kvHeads * s.headDim), v: f32(r, n * s.kvHeads * s.headDim) };
  });
  const smScale = 1 / Math.sqrt(s.headDim);
  const from = s.from ?? 0;
  const desc =
    `heads=${s.heads}/${s.kvHeads} hd=${s.headDim} window=${s.window || 'full'} slots=${s.slots} calls=${s.calls.map((c) => c.map(([a, k]) => `${a}:${k}`).join('+')).join(',')}` +
    (from > 0 ? ` (outputs of calls ${from}..)` : '');
  return {
    name: `attention ${desc}`,
    op: 'attention',
    nmse: tol(2e-6),
    async run(b) {
      const cache = b.createKvCache(spec);
      const sinkW = b.loadWeight(sinks.data, 'vector');
      const outs: Float32Array[] = [];
      for (const [index, st] of steps.entries()) {
        const n = st.batch.n;
        const out = b.createTensor(n, s.heads * s.headDim);
        const q = tensorOf(b, n, s.heads * s.headDim, st.q);
        const k = tensorOf(b, n, s.kvHeads * s.headDim, st.k);
        const v = tensorOf(b, n, s.kvHeads * s.headDim, st.v);
        b.attention(out, q, k, v, sinkW, cache, st.batch, { layer, numHeads: s.heads, numKvHeads: s.kvHeads, headDim: s.headDim, window: s.window, smScale });
        if (index >= from) outs.push(await b.read(out));
      }
      return outs;
    },
    f64() {
      const hd = s.headDim;
      const keys = new Map<string, { k: Float32Array; v: Float32Array }>();
      const outs = steps.map((st, index) => {
        const n = st.batch.n;
        for (let i = 0; i < n; i++) {
          const row = (a: Float32Array) => a.subarray(i * s.kvHeads * hd, (i + 1) * s.kvHeads * hd);
          keys.set(`${st.batch.slots[i]}:${st.batch.positions[i]}`, { k: row(st.k), v: row(st.v) });
        }
        if (index < from) return null;
        const out = new Float64Array(n * s.heads * hd);
        for (let i = 0; i < n; i++) {
          const [slot, pos] = [st.batch.slots[i]!, st.batch.positions[i]!];
          const first = s.window > 0 ? Math.max(0, pos - s.window + 1) : 0;
          for (let h = 0; h < s.heads; h++) {
            const g = Math.floor(h / (s.heads / s.kvHeads));
            const scores: number[] = [];
            for (let p = first; p <= pos; p++) {
              const kr = keys.get(`${slot}:${p}`)!.k;
              let d = 0;
              for (let j = 0; j < hd; j++) d += st.q[i * s.heads * hd + h * hd + j]! * kr[g * hd + j]!;
              scores.push(d * smScale);
            }
            const m = Math.max(sinks.values[h]!, ...scores);
            const denom = Math.exp(sinks.values[h]! - m) + scores.reduce((a, x) => a + Math.exp(x - m), 0);
            for (let p = first; p <= pos; p++) {
              const w = Math.exp(scores[p - first]! - m) / denom;
              const vr = keys.get(`${slot}:${p}`)!.v;
              for (let j = 0; j < hd; j++) out[i * s.heads * hd + h * hd + j]! += w * vr[g * hd + j]!;
            }
          }
        }
        return out;
      });
      return outs.filter((o) => o !== null);
    },
  };
}

// ---- moe -----------------------------------------------------------------------------------------

function moeCase(n: number, E: number, k: number, H: number, I: number): OpCase {
  const r = rng(n * 7919 + E * 97 + k * 13 + H + I);
  const x = f32(r, n * H);
  const gate = denseWeight(r, 'gate', [E, H], 'bf16', 0.3);
  const gateBias = vectorWeight(r, 'gate.bias', [E]);
  const mlp1 = mxfp4Weight(r, 'mlp1', [E, 2 * I, H]);
  const mlp1Bias = vectorWeight(r, 'mlp1.bias', [E, 2 * I], 0.5);
  const mlp2 = mxfp4Weight(r, 'mlp2', [E, H, I]);
  const mlp2Bias = vectorWeight(r, 'mlp2.bias', [E, H]);
  const params = { numExperts: E, expertsPerToken: k, intermediateSize: I, swigluLimit: 7, swigluAlpha: 1.702 };
  return {
    name: `moe n=${n} E=${E} top-${k} H=${H} I=${I}`,
    op: 'moe',
    // fast: 8-bit activation blocks on both expert matmuls; swiglu's products are heavy-tailed, so the
    // second quantization loses most (measured 3e-4 at worst here; the model-level bound is in test/cpu)
    nmse: tol(1e-3),
    async run(b) {
      const w = (d: Parameters<Backend['loadWeight']>[0], use: Parameters<Backend['loadWeight']>[1]): Weight => b.loadWeight(d, use);
      const out = b.createTensor(n, H);
      b.moe(
        out,
        tensorOf(b, n, H, x),
        {
          gate: w(gate.data, 'linear'),
          gateBias: w(gateBias.data, 'vector'),
          mlp1: w(mlp1.data, 'experts'),
          mlp1Bias: w(mlp1Bias.data, 'expertsBias'),
          mlp2: w(mlp2.data, 'experts'),
          mlp2Bias: w(mlp2Bias.data, 'expertsBias'),
        },
        params,
      );
      return readAll(b, [out]);
    },
    f64() {
      const out = new Float64Array(n * H);
      for (let t = 0; t < n; t++) {
        const xt = x.subarray(t * H, (t + 1) * H);
        const logits = Array.from({ length: E }, (_, e) => {
          let s = gateBias.values[e]!;
          for (let j = 0; j < H; j++) s += xt[j]! * gate.values[e * H + j]!;
          return s;
        });
        const top = logits.map((v, e) => [v, e] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k);
        const m = top[0]![0];
        const den = top.reduce((a, [v]) => a + Math.exp(v - m), 0);
        for (const [v, e] of top) {
          const act = new Float64Array(I);
          for (let i = 0; i < I; i++) {
            const dot = (row: number) => {
              let s = mlp1Bias.values[e * 2 * I + row]!;
              for (let j = 0; j < H; j++) s += xt[j]! * mlp1.values[(e * 2 * I + row) * H + j]!;
              return s;
            };
            const glu = Math.min(dot(2 * i), 7);
            const lin = Math.min(Math.max(dot(2 * i + 1), -7), 7);
            act[i] = (glu / (1 + Math.exp(-1.702 * glu))) * (lin + 1);
          }
          for (let c = 0; c < H; c++) {
            let s = mlp2Bias.values[e * H + c]!;
            for (let i = 0; i < I; i++) s += act[i]! * mlp2.values[(e * H + c) * I + i]!;
            out[t * H + c]! += (Math.exp(v - m) / den) * s;
          }
        }
      }
      return [out];
    },
  };
}

export const cases: readonly OpCase[] = [
  embedCase(37, 45, 5, 'bf16'),
  embedCase(11, 64, 1, 'f32'),
  gatherCase(7, 33, [6, 0, 3, 3]),
  addCase(3, 17),
  addCase(1, 2880),
  rmsNormCase(1, 67),
  rmsNormCase(5, 2880),
  matmulCase(1, 67, 13, 'bf16', true),
  matmulCase(1, 256, 70, 'bf16', false),
  matmulCase(3, 96, 37, 'f32', true),
  matmulCase(5, 96, 37, 'bf16', true),
  matmulCase(7, 33, 70, 'bf16', false),
  matmulCase(13, 160, 65, 'f32', true),
  matmulCase(40, 64, 33, 'bf16', true),
  // 4-row groups with a remainder, several tasks, 8-block groups with a remainder, 2-4 tokens
  matmulCase(1, 320, 131, 'bf16', true),
  matmulCase(2, 1024, 70, 'bf16', false),
  matmulCase(4, 288, 301, 'f32', true),
  matmulCase(6, 352, 45, 'bf16', true),
  // AVX-512 rows (one row against up to 4 tokens): 16-block groups with an odd remainder (a half
  // 64-byte load), a partial last block, bf16 rows with a 32-element tail, f32 through the 8-bit path
  matmulCase(1, 581, 29, 'bf16', true),
  matmulCase(3, 480, 19, 'bf16', false),
  matmulCase(4, 1056, 9, 'bf16', true),
  matmulCase(2, 40, 5, 'f32', false),
  matmulCase(4, 517, 6, 'f32', true),
  ropeCase(1, 1, 64, 10),
  ropeCase(7, 3, 64, 131072),
  ropeCase(4, 5, 10, 4096),
  // windows shorter than the sequence, longer than it, full; GQA 4:1, 2:1, 1:1, 6:1; several slots; odd head dims
  attentionCase({ heads: 8, kvHeads: 2, headDim: 64, window: 4, slots: 1, capacity: 64, calls: [[[0, 11]], [[0, 1]], [[0, 1]], [[0, 3]]] }),
  attentionCase({ heads: 4, kvHeads: 2, headDim: 64, window: 20, slots: 1, capacity: 64, calls: [[[0, 7]], [[0, 1]]] }),
  attentionCase({ heads: 4, kvHeads: 4, headDim: 12, window: 0, slots: 2, capacity: 40, calls: [[[0, 5], [1, 3]], [[1, 1], [0, 1]], [[0, 6]]] }),
  attentionCase({ heads: 6, kvHeads: 1, headDim: 10, window: 3, slots: 3, capacity: 30, calls: [[[2, 4], [0, 2]], [[1, 5]], [[2, 1], [1, 1], [0, 1]], [[0, 3], [2, 2]]] }),
  attentionCase({ heads: 64, kvHeads: 8, headDim: 64, window: 128, slots: 1, capacity: 300, calls: [[[0, 133]], [[0, 1]], [[0, 1]]] }),
  // flash tiling: blocks of 8 tokens x 8 heads, key tiles of 32 crossed by the window and by block edges,
  // two slots interleaved in one call, and a group wider than a block (66 heads on one kv head)
  attentionCase({ heads: 16, kvHeads: 2, headDim: 64, window: 40, slots: 2, capacity: 160, calls: [[[0, 70], [1, 45]], [[1, 1], [0, 1]], [[0, 9]]] }),
  attentionCase({ heads: 66, kvHeads: 1, headDim: 24, window: 0, slots: 1, capacity: 80, calls: [[[0, 37]], [[0, 1]]] }),
  moeCase(1, 8, 4, 64, 32),
  moeCase(2, 8, 4, 96, 64),
  moeCase(5, 8, 4, 64, 96),
  moeCase(13, 4, 2, 160, 32),
  moeCase(24, 32, 4, 128, 128),
  // decode streaming (1-2 tokens per expert): 16-block scale chunks with 4-block groups and a masked
  // last group of 1-3 blocks (K = 1120: 35 blocks, K = 608: 19, K = 288: 9), work items of equal size
  // (2I = 1216: two of 608 rows, H = 1120: two of 560), one short item (2I = 576), and exactly one chunk (K = 512: 16 blocks)
  moeCase(1, 8, 4, 1120, 608),
  moeCase(2, 6, 3, 512, 288),
  // three items per expert (2I = 2112: 704 rows each; H = 2080: 696, 696, 688), K = 2080: 65 blocks (last group of 1)
  moeCase(1, 4, 2, 2080, 1056),
  // prefill: ~30 tokens per expert hit the 4-token tiles and their 1-3 token remainders; odd block counts (K=96, 224)
  moeCase(61, 4, 2, 224, 96),
];

/**
 * Long key ranges, for the cpu kernels (their attention takes keys in 1024-position chunks, split
 * across tasks when few rows see many keys): run by the cpu kernel paths only, since the ref backend
 * recomputes a 2,000-token prefill for every comparison and the webgpu harness runs under SwiftShader.
 */
export const longAttentionCases: OpCase[] = [
  // decode over 3 chunks split across tasks and merged, beside a short slot in the same call; a
  // 1100-key window across chunk edges on a ring that wraps (capacity 3000, ring 1399); head dims 20
  // (a tail of 4) and 16. The calls before `from` fill the cache (their 300-1200-token prefills take
  // every chunk of a block in one task).
  attentionCase({ heads: 4, kvHeads: 1, headDim: 20, window: 0, slots: 2, capacity: 2304, calls: [[[0, 1200]], [[0, 900], [1, 3]], [[0, 1]], [[1, 1], [0, 2]]], from: 2 }),
  attentionCase({ heads: 4, kvHeads: 2, headDim: 16, window: 1100, slots: 1, capacity: 3000, calls: [...Array.from({ length: 8 }, (): [number, number][] => [[0, 300]]), [[0, 1]], [[0, 2]]], from: 8 }),
];
