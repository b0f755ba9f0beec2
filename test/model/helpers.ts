import { createRefBackend } from '../../src/backends/ref/ref-backend.js';
import type { Batch, KvCache } from '../../src/backends/backend.js';
import { openCheckpoint } from '../../src/format/checkpoint.js';
import { Transformer, type TransformerOptions } from '../../src/model/transformer.js';

/** Opens a checkpoint directory on the ref backend. */
export function loadRef(dir: string, options: TransformerOptions = {}): Transformer {
  return Transformer.load(openCheckpoint(dir), createRefBackend(), options);
}

export function range(start: number, n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => start + i);
}

/** Tokens [start, start + n) of one sequence in one slot. */
export function slice(tokens: Int32Array, start: number, n: number, slot = 0): Batch {
  return { n, tokens: tokens.subarray(start, start + n), positions: range(start, n), slots: new Int32Array(n).fill(slot) };
}

/** Logits [T, V] of every position, feeding the sequence in steps of `step` tokens. */
export async function logitsInSteps(model: Transformer, tokens: Int32Array, step: number, cache?: KvCache): Promise<Float32Array> {
  const T = tokens.length;
  const V = model.config.vocabSize;
  const kv = cache ?? model.createKvCache({ slots: 1, capacity: T });
  const out = new Float32Array(T * V);
  for (let start = 0; start < T; start += step) {
    const n = Math.min(step, T - start);
    out.set(await model.forward(slice(tokens, start, n), kv, range(0, n)), start * V);
  }
  return out;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
