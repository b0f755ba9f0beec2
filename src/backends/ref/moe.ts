import { InvalidArgumentError } from '../../core/errors.js';
import type { MoeParams } from '../backend.js';
import { expectShape } from './check.js';
import type { RefTensor } from './ref-tensor.js';
import type { RefWeight } from './ref-weights.js';

/**
 * The reference's MLPBlock after its norm: router logits g = x Wg^T + bg; the top-k experts (sorted,
 * ties to the lower index as torch.topk); softmax over those k logits; per expert
 * t = mlp1(x) + b1 [2I], swiglu, mlp2(t) + b2 [H]; the weighted sum over the k experts.
 * Tokens are grouped by expert so each expert row is decoded from MXFP4 once per call.
 */
export function moe(
  out: RefTensor,
  x: RefTensor,
  gate: RefWeight,
  gateBias: RefWeight,
  mlp1: RefWeight,
  mlp1Bias: RefWeight,
  mlp2: RefWeight,
  mlp2Bias: RefWeight,
  p: MoeParams,
): void {
  const { numExperts: E, expertsPerToken: topK, intermediateSize: I } = p;
  const n = x.rows;
  const H = x.cols;
  checkMoeShapes(gate, mlp1, mlp2, E, I, H, topK);
  expectShape('moe', 'out', out, n, H);

  // Router: f32 logits, top-k, softmax over the selected.
  const logits = new Float32Array(n * E);
  routerLogits(logits, x, gate, gateBias.values!);
  const chosen: number[][] = Array.from({ length: E }, () => []); // expert -> tokens
  const chosenWeight: number[][] = Array.from({ length: E }, () => []);
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * E, (i + 1) * E);
    const top = topKIndices(row, topK);
    const m = row[top[0]!]!;
    let denom = 0;
    for (const e of top) denom += Math.exp(row[e]! - m);
    for (const e of top) {
      chosen[e]!.push(i);
      chosenWeight[e]!.push(Math.fround(Math.exp(row[e]! - m) / denom));
    }
  }

  const acc = new Float64Array(n * H);
  const w1 = new Float32Array(H);
  const w2 = new Float32Array(I);
  const b1 = mlp1Bias.values!;
  const b2 = mlp2Bias.values!;
  for (let e = 0; e < E; e++) {
    const tokens = chosen[e]!;
    if (tokens.length === 0) continue;
    // mlp1: t[tok, r] = x[tok] . W1[e, r] + b1[e, r], r over 2I rows (even glu, odd linear).
    const t = new Float32Array(tokens.length * 2 * I);
    for (let r = 0; r < 2 * I; r++) {
      mlp1.decodeRow(e * 2 * I + r, w1);
      for (let a = 0; a < tokens.length; a++) {
        const xi = x.row(tokens[a]!);
        let sum = 0;
        for (let j = 0; j < H; j++) sum += xi[j]! * w1[j]!;
        t[a * 2 * I + r] = Math.fround(sum) + b1[e * 2 * I + r]!;
      }
    }
    const act = new Float32Array(tokens.length * I);
    for (let a = 0; a < tokens.length; a++) {
      for (let j = 0; j < I; j++) {
        act[a * I + j] = swiglu(t[a * 2 * I + 2 * j]!, t[a * 2 * I + 2 * j + 1]!, p.swigluAlpha, p.swigluLimit);
      }
    }
    // mlp2: y[tok, c] = act[tok] . W2[e, c] + b2[e, c]; accumulate weight * y.
    for (let c = 0; c < H; c++) {
      mlp2.decodeRow(e * H + c, w2);
      for (let a = 0; a < tokens.length; a++) {
        let sum = 0;
        for (let j = 0; j < I; j++) sum += act[a * I + j]! * w2[j]!;
        const y = Math.fround(Math.fround(sum) + b2[e * H + c]!);
        const at = tokens[a]! * H + c;
        acc[at] = acc[at]! + chosenWeight[e]![a]! * y;
      }
    }
  }
  out.data.set(acc.subarray(0, n * H));
}

/** The reference's swiglu for one (glu, linear) pair: clamp, glu * sigmoid(alpha * glu), times (linear + 1). */
export function swiglu(glu: number, lin: number, alpha: number, limit: number): number {
  const g = Math.min(glu, limit);
  const l = Math.min(Math.max(lin, -limit), limit);
  const outGlu = Math.fround(g * Math.fround(1 / (1 + Math.exp(-Math.fround(alpha * g)))));
  return outGlu * Math.fround(l + 1);
}

/** Indices of the k largest values, largest first; equal values keep the lower index first. */
export function topKIndices(values: Float32Array, k: number): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => values[b]! - values[a]! || a - b);
  return order.slice(0, k);
}

function routerLogits(out: Float32Array, x: RefTensor, gate: RefWeight, bias: Float32Array): void {
  const E = gate.rowCount;
  const H = gate.rowLength;
  const w = new Float32Array(H);
  for (let e = 0; e < E; e++) {
    gate.decodeRow(e, w);
    for (let i = 0; i < x.rows; i++) {
      const xi = x.row(i);
      let sum = 0;
      for (let j = 0; j < H; j++) sum += xi[j]! * w[j]!;
      out[i * E + e] = Math.fround(sum) + bias[e]!;
    }
  }
}

function checkMoeShapes(gate: RefWeight, mlp1: RefWeight, mlp2: RefWeight, E: number, I: number, H: number, topK: number): void {
  const ok =
    gate.rowCount === E && gate.rowLength === H &&
    mlp1.shape[0] === E && mlp1.shape[1] === 2 * I && mlp1.shape[2] === H &&
    mlp2.shape[0] === E && mlp2.shape[1] === H && mlp2.shape[2] === I &&
    topK >= 1 && topK <= E;
  if (!ok) {
    throw new InvalidArgumentError(
      `ref.moe: weights gate [${gate.shape.join(', ')}], mlp1 [${mlp1.shape.join(', ')}], mlp2 [${mlp2.shape.join(', ')}] ` +
        `disagree with E=${E}, I=${I}, H=${H}, top-k=${topK}`,
    );
  }
}
