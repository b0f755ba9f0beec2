/** Seeded random inputs for op cases: f32 activations, bf16/f32 weight bytes, MXFP4 blocks. */
import { f32ToBf16, bf16ToF32 } from '../../src/core/dtypes.js';
import type { Mxfp4Data, TensorData } from '../../src/core/tensor.js';

/** mulberry32: small, seeded, the same on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randn(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

export function f32(r: () => number, count: number, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => randn(r) * scale);
}

/** A dense weight [rows, cols]; `values` holds exactly what the bytes encode. */
export function denseWeight(r: () => number, name: string, shape: number[], dtype: 'bf16' | 'f32', scale = 0.1): { data: TensorData; values: Float64Array } {
  const count = shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(count);
  const bytes = new Uint8Array(count * (dtype === 'bf16' ? 2 : 4));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    const v = randn(r) * scale;
    if (dtype === 'bf16') {
      const b = f32ToBf16(v);
      view.setUint16(2 * i, b, true);
      values[i] = bf16ToF32(b);
    } else {
      view.setFloat32(4 * i, v, true);
      values[i] = Math.fround(v);
    }
  }
  return { data: { name, dtype, shape, data: bytes }, values };
}

const FP4 = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6];

/** An MXFP4 weight [...rows, K] with scales around 2^-3; `values` is the exact decoding. */
export function mxfp4Weight(r: () => number, name: string, shape: number[]): { data: Mxfp4Data; values: Float64Array } {
  const k = shape[shape.length - 1]!;
  const rows = shape.reduce((a, b) => a * b, 1) / k;
  const groups = k / 32;
  const blocks = new Uint8Array(rows * groups * 16);
  const scales = new Uint8Array(rows * groups);
  const values = new Float64Array(rows * k);
  for (let row = 0; row < rows; row++) {
    for (let g = 0; g < groups; g++) {
      const s = 121 + Math.floor(r() * 6);
      scales[row * groups + g] = s;
      for (let j = 0; j < 16; j++) {
        const lo = Math.floor(r() * 16);
        const hi = Math.floor(r() * 16);
        blocks[(row * groups + g) * 16 + j] = lo | (hi << 4);
        values[row * k + g * 32 + 2 * j] = FP4[lo]! * 2 ** (s - 127);
        values[row * k + g * 32 + 2 * j + 1] = FP4[hi]! * 2 ** (s - 127);
      }
    }
  }
  return { data: { name, dtype: 'mxfp4', shape, blocks, scales }, values };
}

/** A 'vector' weight stored as bf16 bytes (as checkpoints store biases and scales). */
export function vectorWeight(r: () => number, name: string, shape: number[], scale = 0.1, offset = 0): { data: TensorData; values: Float64Array } {
  const w = denseWeight(r, name, shape, 'bf16', scale);
  if (offset !== 0) {
    const view = new DataView(w.data.data.buffer);
    for (let i = 0; i < w.values.length; i++) {
      const b = f32ToBf16(w.values[i]! + offset);
      view.setUint16(2 * i, b, true);
      w.values[i] = bf16ToF32(b);
    }
  }
  return w;
}
