import { InvalidArgumentError, OutOfRangeError } from '../../core/errors.js';
import type { AttentionParams, Batch } from '../backend.js';
import { expectLength, expectShape } from './check.js';
import type { RefKvCache, RefTensor } from './ref-tensor.js';
import type { RefWeight } from './ref-weights.js';

/**
 * The reference's sdpa with a KV cache. First every token's k and v go into the cache at (slot, pos);
 * then each query attends to the keys of its slot with kpos <= qpos (and kpos > qpos - window on sliding
 * layers), scores = q.k * smScale, softmax whose denominator also holds exp(sink[h]), out = sum w * v.
 * GQA: query head h reads kv head floor(h / (numHeads / numKvHeads)).
 */
export function attention(
  out: RefTensor,
  q: RefTensor,
  k: RefTensor,
  v: RefTensor,
  sinks: RefWeight,
  cache: RefKvCache,
  batch: Batch,
  p: AttentionParams,
): void {
  const { layer, numHeads, numKvHeads, headDim, window, smScale } = p;
  const spec = cache.spec;
  const n = batch.n;
  if (numHeads % numKvHeads !== 0) throw new InvalidArgumentError(`ref.attention: ${numHeads} heads is not a multiple of ${numKvHeads} kv heads`);
  if (layer < 0 || layer >= spec.layers) throw new OutOfRangeError(`ref.attention: layer ${layer} is outside the cache's ${spec.layers} layers`);
  if (numKvHeads !== spec.kvHeads || headDim !== spec.headDim || window !== spec.windows[layer]) {
    throw new InvalidArgumentError(`ref.attention: layer ${layer}'s kv heads/head dim/window disagree with the KV cache spec`);
  }
  expectShape('attention', 'q', q, n, numHeads * headDim);
  expectShape('attention', 'k', k, n, numKvHeads * headDim);
  expectShape('attention', 'v', v, n, numKvHeads * headDim);
  expectShape('attention', 'out', out, n, numHeads * headDim);
  expectLength('attention', 'sinks', sinks.values!.length, numHeads);
  const sink = sinks.values!;
  const qPerKv = numHeads / numKvHeads;
  const kCache = cache.k[layer]!;
  const vCache = cache.v[layer]!;

  for (let i = 0; i < n; i++) {
    const slot = batch.slots[i]!;
    const pos = batch.positions[i]!;
    if (slot < 0 || slot >= spec.slots) throw new OutOfRangeError(`ref.attention: slot ${slot} is outside [0, ${spec.slots})`);
    if (pos < 0 || pos >= spec.capacity) throw new OutOfRangeError(`ref.attention: position ${pos} is outside [0, ${spec.capacity})`);
    const at = cache.offset(layer, slot, pos);
    kCache.set(k.row(i), at);
    vCache.set(v.row(i), at);
  }

  // a window larger than the cache (a short --context) needs no more scores than the cache holds
  const scores = new Float64Array(window > 0 ? Math.min(window, spec.capacity) : spec.capacity);
  for (let i = 0; i < n; i++) {
    const slot = batch.slots[i]!;
    const qpos = batch.positions[i]!;
    const first = window > 0 ? Math.max(0, qpos - window + 1) : 0;
    const qi = q.row(i);
    const oi = out.row(i);
    for (let h = 0; h < numHeads; h++) {
      const kvh = Math.floor(h / qPerKv);
      const qh = h * headDim;
      let max = sink[h]!;
      for (let kpos = first; kpos <= qpos; kpos++) {
        const kAt = cache.offset(layer, slot, kpos) + kvh * headDim;
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += qi[qh + d]! * kCache[kAt + d]!;
        const s = Math.fround(Math.fround(dot) * smScale);
        scores[kpos - first] = s;
        if (s > max) max = s;
      }
      let denom = Math.exp(sink[h]! - max);
      for (let kpos = first; kpos <= qpos; kpos++) denom += Math.exp(scores[kpos - first]! - max);
      const acc = new Float64Array(headDim);
      for (let kpos = first; kpos <= qpos; kpos++) {
        const w = Math.exp(scores[kpos - first]! - max) / denom;
        const vAt = cache.offset(layer, slot, kpos) + kvh * headDim;
        for (let d = 0; d < headDim; d++) acc[d] = acc[d]! + w * vCache[vAt + d]!;
      }
      oi.set(acc, qh);
    }
  }
}
