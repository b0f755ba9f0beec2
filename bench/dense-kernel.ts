/**
 * The cpu backend's dense matmuls at gpt-oss-20b shapes, through the addon: one decode step's worth
 * (24 layers of q/k/v [5120, 2880] and out [2880, 4096], then the [201088, 2880] unembedding) as
 * matrix-vector products, bf16 read in place and converted to 8 bits (with the conversion's time),
 * and prefill batches (512 tokens) on one layer's shapes. Weights are synthetic (only speed counts).
 * The 8-bit copies go where the backend puts them (addon.allocWeights: huge-page-advised memory,
 * when the addon has it); the bf16 matrices are ordinary JS memory, not the page cache a mapped
 * checkpoint lives in (which reads slower on some machines: measure that with `gpt-oss bench
 * --dense-weights in-place`). --decode-tokens T: tokens per matrix-vector step (1..4, default 1).
 * Usage: npx tsx bench/dense-kernel.ts [--addon other/gpt_oss_cpu.node] [--layers 24] [--threads N] [--reps R] [--tokens T] [--decode-tokens T] [--no-unembed] [--only decode|prefill]
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { loadCpuAddon, q8Bytes, WEIGHT_DTYPE, type CpuAddon } from '../src/backends/cpu/binding.js';

const args = process.argv.slice(2);
const take = (flag: string, dflt: string): string => {
  const i = args.indexOf(flag);
  return i >= 0 ? args.splice(i, 2)[1] ?? dflt : dflt;
};
const threads = Number(take('--threads', '2'));
const reps = Number(take('--reps', '5'));
const T = Number(take('--tokens', '512'));
const only = take('--only', 'all');
const decodeTokens = Number(take('--decode-tokens', '1'));
const unembed = !args.includes('--no-unembed');

const addonPath = take('--addon', '');
const loaded = addonPath ? (createRequire(import.meta.url)(resolve(addonPath)) as CpuAddon) : loadCpuAddon();
if (loaded instanceof Error) throw loaded;
const addon: CpuAddon = loaded;
// an older build (for before/after figures) may lack the 8-bit path
const hasQ8 = typeof addon.quantizeQ8 === 'function';
const pool = addon.createPool(threads);
const [H, QKV, ATT, V] = [2880, 5120, 4096, 201088];
const LAYERS = Number(take('--layers', '24'));

/** bf16 weights ~N(0, 0.02): a 64 Ki-value random pattern tiled over the matrix. */
function bf16Matrix(rows: number, cols: number, seed: number): Uint8Array {
  const out = new Uint16Array(rows * cols);
  let s = seed >>> 0;
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const pattern = Math.min(out.length, 65521);
  for (let i = 0; i < pattern; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    f[0] = ((s / 2 ** 32) * 2 - 1) * 0.035;
    out[i] = u[0]! >>> 16;
  }
  for (let filled = pattern; filled < out.length; filled *= 2) out.copyWithin(filled, 0, Math.min(filled, out.length - filled));
  return new Uint8Array(out.buffer);
}

const randX = (n: number, cols: number): Float32Array => Float32Array.from({ length: n * cols }, (_, i) => Math.sin(i * 12.9898) * 1.5);
/** CPU time of all this process's threads since `since` (less sensitive to other load than wall time). */
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

interface Mat {
  rows: number;
  cols: number;
  bf16: Uint8Array;
  q8?: Uint8Array;
}

function decodeStep(mats: Mat[], useQ8: boolean, outs: Float32Array[], xs: Float32Array[]): void {
  const n = decodeTokens;
  for (const [i, m] of mats.entries()) {
    if (useQ8) addon.matmul(pool, outs[i]!, xs[i]!, n, m.cols, m.q8!, WEIGHT_DTYPE.q8, m.rows, null);
    else addon.matmul(pool, outs[i]!, xs[i]!, n, m.cols, m.bf16, WEIGHT_DTYPE.bf16, m.rows, null);
  }
}

if (only !== 'prefill') {
  const mats: Mat[] = [];
  for (let l = 0; l < LAYERS; l++) {
    mats.push({ rows: QKV, cols: H, bf16: bf16Matrix(QKV, H, 2 * l + 1) });
    mats.push({ rows: H, cols: ATT, bf16: bf16Matrix(H, ATT, 2 * l + 2) });
  }
  if (unembed) mats.push({ rows: V, cols: H, bf16: bf16Matrix(V, H, 999) });
  const bf16Bytes = mats.reduce((s, m) => s + m.bf16.length, 0);
  let t0 = performance.now();
  for (const m of hasQ8 ? mats : []) {
    const huge = addon.allocWeights?.(q8Bytes(m.rows, m.cols));
    m.q8 = huge ? new Uint8Array(huge) : new Uint8Array(q8Bytes(m.rows, m.cols));
    addon.quantizeQ8({ pool, dst: m.q8, src: m.bf16, dtype: WEIGHT_DTYPE.bf16, N: m.rows, K: m.cols });
  }
  const convMs = performance.now() - t0;
  const q8Total = hasQ8 ? mats.reduce((s, m) => s + m.q8!.length, 0) : 0;
  const outs = mats.map((m) => new Float32Array(decodeTokens * m.rows));
  const xs = mats.map((m) => randX(decodeTokens, m.cols));
  for (const [label, useQ8, bytes] of [
    ['bf16', false, bf16Bytes],
    ['q8', true, q8Total],
  ] as const) {
    if (useQ8 && !hasQ8) continue;
    decodeStep(mats, useQ8, outs, xs);
    const times: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let r = 0; r < reps; r++) {
      t0 = performance.now();
      decodeStep(mats, useQ8, outs, xs);
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    const cpu = cpuMs(cpu0) / reps;
    process.stdout.write(
      `decode ${label.padEnd(4)} ${mats.length} matvecs x ${decodeTokens} tokens, ${(bytes / 1e9).toFixed(2)} GB: ${ms.toFixed(1)} ms/step (${(bytes / ms / 1e6).toFixed(1)} GB/s; min ${Math.min(...times).toFixed(1)}; cpu ${cpu.toFixed(0)} ms)\n`,
    );
  }
  process.stdout.write(`convert bf16 -> q8 of ${(bf16Bytes / 1e9).toFixed(2)} GB: ${convMs.toFixed(0)} ms\n`);
}

if (only !== 'decode') {
  for (const [rows, cols] of [
    [QKV, H],
    [H, ATT],
  ] as const) {
    const bf16 = bf16Matrix(rows, cols, rows);
    const q8 = new Uint8Array(q8Bytes(rows, cols));
    if (hasQ8) addon.quantizeQ8({ pool, dst: q8, src: bf16, dtype: WEIGHT_DTYPE.bf16, N: rows, K: cols });
    const x = randX(T, cols);
    const out = new Float32Array(T * rows);
    for (const [label, w, dt] of [
      ['bf16', bf16, WEIGHT_DTYPE.bf16],
      ['q8', q8, WEIGHT_DTYPE.q8],
    ] as const) {
      if (dt === WEIGHT_DTYPE.q8 && !hasQ8) continue;
      addon.matmul(pool, out, x, T, cols, w, dt, rows, null);
      const times: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let r = 0; r < Math.max(1, Math.floor(reps / 2)); r++) {
        const t0 = performance.now();
        addon.matmul(pool, out, x, T, cols, w, dt, rows, null);
        times.push(performance.now() - t0);
      }
      const ms = median(times);
      const cpu = cpuMs(cpu0) / times.length;
      process.stdout.write(`prefill ${label.padEnd(4)} [${rows}, ${cols}] x ${T} tokens: ${ms.toFixed(1)} ms (${((2 * rows * cols * T) / ms / 1e6).toFixed(1)} GFLOP/s; per cpu-second ${((2 * rows * cols * T) / cpu / 1e6).toFixed(1)})\n`);
    }
  }
}
addon.destroy(pool);
