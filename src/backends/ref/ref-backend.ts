import { InvalidArgumentError } from '../../core/errors.js';
import type { WeightData } from '../../core/tensor.js';
import type {
  AttentionParams,
  Backend,
  BackendOptions,
  Batch,
  KvCache,
  KvCacheSpec,
  MoeParams,
  MoeWeights,
  RopeParams,
  Tensor,
  Weight,
  WeightUse,
} from '../backend.js';
import { checkInto } from '../backend.js';
import { attention } from './attention.js';
import { moe } from './moe.js';
import * as ops from './ops.js';
import { asRefKvCache, asRefTensor, RefKvCache, RefTensor } from './ref-tensor.js';
import { RefWeight } from './ref-weights.js';

/**
 * The plain-TypeScript backend: host f32 tensors, weights kept as stored and upcast as used. It is the
 * readable statement of every op and the oracle the other backends are checked against. It always
 * computes in `exact` precision, whatever is asked for.
 */
export class RefBackend implements Backend {
  readonly name = 'ref';
  readonly precision = 'exact' as const;

  loadWeight(data: WeightData, use: WeightUse): Weight {
    return new RefWeight(data, use);
  }

  createTensor(rows: number, cols: number): Tensor {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new InvalidArgumentError(`ref.createTensor: bad shape [${rows}, ${cols}]`);
    }
    return new RefTensor(rows, cols, new Float32Array(rows * cols));
  }

  view(t: Tensor, rows: number): Tensor {
    const r = asRefTensor(t);
    if (!Number.isInteger(rows) || rows < 0 || rows > r.rows) {
      throw new InvalidArgumentError(`ref.view: ${rows} rows of a [${r.rows}, ${r.cols}] tensor`);
    }
    return new RefTensor(rows, r.cols, r.data.subarray(0, rows * r.cols));
  }

  createKvCache(spec: KvCacheSpec): KvCache {
    return new RefKvCache(spec);
  }

  write(t: Tensor, data: Float32Array): void {
    const r = asRefTensor(t);
    if (data.length !== r.data.length) {
      throw new InvalidArgumentError(`ref.write: ${data.length} values into a [${r.rows}, ${r.cols}] tensor`);
    }
    r.data.set(data);
  }

  read(t: Tensor, into?: Float32Array): Promise<Float32Array> {
    const data = asRefTensor(t).data;
    if (!into) return Promise.resolve(data.slice());
    checkInto('ref', data.length, into);
    into.set(data);
    return Promise.resolve(into);
  }

  dispose(): void {
    // Host memory only: the garbage collector frees it once the handles are dropped.
  }

  embed(out: Tensor, table: Weight, tokens: Int32Array): void {
    ops.embed(asRefTensor(out), asRefWeight(table), tokens);
  }

  rmsNorm(out: Tensor, x: Tensor, scale: Weight, eps: number): void {
    ops.rmsNorm(asRefTensor(out), asRefTensor(x), asRefWeight(scale), eps);
  }

  matmul(out: Tensor, x: Tensor, w: Weight, bias?: Weight): void {
    ops.matmul(asRefTensor(out), asRefTensor(x), asRefWeight(w), bias ? asRefWeight(bias) : undefined);
  }

  rope(x: Tensor, heads: number, headDim: number, positions: Int32Array, params: RopeParams): void {
    ops.rope(asRefTensor(x), heads, headDim, positions, params);
  }

  attention(out: Tensor, q: Tensor, k: Tensor, v: Tensor, sinks: Weight, cache: KvCache, batch: Batch, params: AttentionParams): void {
    attention(
      asRefTensor(out),
      asRefTensor(q),
      asRefTensor(k),
      asRefTensor(v),
      asRefWeight(sinks),
      asRefKvCache(cache),
      batch,
      params,
    );
  }

  moe(out: Tensor, x: Tensor, w: MoeWeights, params: MoeParams): void {
    moe(
      asRefTensor(out),
      asRefTensor(x),
      asRefWeight(w.gate),
      asRefWeight(w.gateBias),
      asRefWeight(w.mlp1),
      asRefWeight(w.mlp1Bias),
      asRefWeight(w.mlp2),
      asRefWeight(w.mlp2Bias),
      params,
    );
  }

  add(out: Tensor, a: Tensor, b: Tensor): void {
    ops.add(asRefTensor(out), asRefTensor(a), asRefTensor(b));
  }

  gatherRows(out: Tensor, x: Tensor, rows: Int32Array): void {
    ops.gatherRows(asRefTensor(out), asRefTensor(x), rows);
  }
}

function asRefWeight(w: Weight): RefWeight {
  if (!(w instanceof RefWeight)) throw new InvalidArgumentError('ref: weight was not loaded by the ref backend');
  return w;
}

export function createRefBackend(_options: BackendOptions = {}): Backend {
  return new RefBackend();
}
