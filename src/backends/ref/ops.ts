/**
 * The simple ops, written as plainly as llama2.c's run.c. Values are stored as f32; sums are carried in
 * JS numbers (f64) and rounded once when stored, which is at least as accurate as the reference's f32 run.
 */
import { OutOfRangeError } from '../../core/errors.js';
import type { RopeParams } from '../backend.js';
import { expectLength, expectShape } from './check.js';
import type { RefTensor } from './ref-tensor.js';
import type { RefWeight } from './ref-weights.js';

/** out[i] = table[tokens[i]] */
export function embed(out: RefTensor, table: RefWeight, tokens: Int32Array): void {
  const [vocab, hidden] = [table.rowCount, table.rowLength];
  expectShape('embed', 'out', out, tokens.length, hidden);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token < 0 || token >= vocab) throw new OutOfRangeError(`token id ${token} is outside the vocabulary [0, ${vocab})`);
    table.decodeRow(token, out.row(i));
  }
}

/** out = x * rsqrt(mean(x^2) + eps) * scale, per row. */
export function rmsNorm(out: RefTensor, x: RefTensor, scale: RefWeight, eps: number): void {
  const w = scale.values!;
  expectShape('rmsNorm', 'out', out, x.rows, x.cols);
  expectLength('rmsNorm', 'scale', w.length, x.cols);
  for (let i = 0; i < x.rows; i++) {
    const xi = x.row(i);
    const oi = out.row(i);
    let ss = 0;
    for (let j = 0; j < xi.length; j++) ss += xi[j]! * xi[j]!;
    const r = Math.fround(1 / Math.sqrt(Math.fround(ss / xi.length) + eps));
    for (let j = 0; j < xi.length; j++) oi[j] = Math.fround(xi[j]! * r) * w[j]!;
  }
}

/** out[n, N] = x[n, K] W[N, K]^T + bias. Each row of W is decoded once and applied to every token. */
export function matmul(out: RefTensor, x: RefTensor, w: RefWeight, bias?: RefWeight): void {
  const [n, k] = [w.rowCount, w.rowLength];
  expectShape('matmul', 'x', x, x.rows, k);
  expectShape('matmul', 'out', out, x.rows, n);
  const b = bias?.values;
  if (b) expectLength('matmul', 'bias', b.length, n);
  const wRow = new Float32Array(k);
  for (let r = 0; r < n; r++) {
    w.decodeRow(r, wRow);
    for (let i = 0; i < x.rows; i++) {
      const xi = x.row(i);
      let sum = 0;
      for (let j = 0; j < k; j++) sum += xi[j]! * wRow[j]!;
      out.data[i * n + r] = b ? Math.fround(sum) + b[r]! : sum;
    }
  }
}

/**
 * Rotates each head's two halves (x1 = x[:hd/2], x2 = x[hd/2:]) by angle pos * invFreq[j], as the
 * reference's _apply_rotary_emb. The angle, cos and sin are rounded to f32 where the reference rounds them.
 */
export function rope(x: RefTensor, heads: number, headDim: number, positions: Int32Array, params: RopeParams): void {
  const half = headDim / 2;
  expectShape('rope', 'x', x, positions.length, heads * headDim);
  expectLength('rope', 'invFreq', params.invFreq.length, half);
  const concentration = Math.fround(params.concentration);
  const cos = new Float32Array(half);
  const sin = new Float32Array(half);
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < half; j++) {
      const angle = Math.fround(positions[i]! * params.invFreq[j]!);
      cos[j] = Math.fround(Math.cos(angle)) * concentration;
      sin[j] = Math.fround(Math.sin(angle)) * concentration;
    }
    const xi = x.row(i);
    for (let h = 0; h < heads; h++) {
      const base = h * headDim;
      for (let j = 0; j < half; j++) {
        const x1 = xi[base + j]!;
        const x2 = xi[base + half + j]!;
        xi[base + j] = x1 * cos[j]! - x2 * sin[j]!;
        xi[base + half + j] = x2 * cos[j]! + x1 * sin[j]!;
      }
    }
  }
}

/** out = a + b (out may alias a). */
export function add(out: RefTensor, a: RefTensor, b: RefTensor): void {
  expectShape('add', 'b', b, a.rows, a.cols);
  expectShape('add', 'out', out, a.rows, a.cols);
  for (let i = 0; i < a.rows * a.cols; i++) out.data[i] = a.data[i]! + b.data[i]!;
}

/** out[i] = x[rows[i]] */
export function gatherRows(out: RefTensor, x: RefTensor, rows: Int32Array): void {
  expectShape('gatherRows', 'out', out, rows.length, x.cols);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r < 0 || r >= x.rows) throw new OutOfRangeError(`ref.gatherRows: row ${r} is outside [0, ${x.rows})`);
    out.row(i).set(x.row(r));
  }
}
