import { InvalidArgumentError } from '../../core/errors.js';
import type { KvCache, KvCacheSpec, Tensor } from '../backend.js';

/** An f32 matrix [rows, cols] in host memory; `data` holds exactly rows * cols values. */
export class RefTensor implements Tensor {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly data: Float32Array,
  ) {}

  /** Row i as a view. */
  row(i: number): Float32Array {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }
}

/**
 * Per layer, K and V as [slots, layerCapacity, kvHeads, headDim] f32, where layerCapacity is the
 * spec's capacity for full-attention layers and slidingCapacity (a ring indexed by pos % slidingCapacity)
 * for sliding-window layers.
 */
export class RefKvCache implements KvCache {
  readonly k: Float32Array[];
  readonly v: Float32Array[];
  /** Positions kept per slot, per layer. */
  readonly layerCapacity: number[];

  constructor(readonly spec: KvCacheSpec) {
    if (spec.windows.length !== spec.layers) {
      throw new InvalidArgumentError(`ref: KV cache spec has ${spec.windows.length} windows for ${spec.layers} layers`);
    }
    for (const [layer, w] of spec.windows.entries()) {
      if (w > 0 && spec.slidingCapacity < Math.min(w, spec.capacity)) {
        throw new InvalidArgumentError(`ref: KV cache layer ${layer} has window ${w} but slidingCapacity is only ${spec.slidingCapacity}`);
      }
    }
    if (spec.slots < 1 || spec.capacity < 1) {
      throw new InvalidArgumentError(`ref: KV cache needs at least one slot and one position, got slots ${spec.slots}, capacity ${spec.capacity}`);
    }
    this.layerCapacity = spec.windows.map((w) => (w > 0 ? spec.slidingCapacity : spec.capacity));
    const rowSize = spec.kvHeads * spec.headDim;
    this.k = this.layerCapacity.map((cap) => new Float32Array(spec.slots * cap * rowSize));
    this.v = this.layerCapacity.map((cap) => new Float32Array(spec.slots * cap * rowSize));
  }

  /** Offset of (slot, pos)'s [kvHeads, headDim] row in layer `layer`'s K or V. */
  offset(layer: number, slot: number, pos: number): number {
    const cap = this.layerCapacity[layer]!;
    const index = this.spec.windows[layer]! > 0 ? pos % cap : pos;
    return (slot * cap + index) * this.spec.kvHeads * this.spec.headDim;
  }
}

export function asRefTensor(t: Tensor): RefTensor {
  if (!(t instanceof RefTensor)) throw new InvalidArgumentError('ref: tensor was not created by the ref backend');
  return t;
}

export function asRefKvCache(c: KvCache): RefKvCache {
  if (!(c instanceof RefKvCache)) throw new InvalidArgumentError('ref: KV cache was not created by the ref backend');
  return c;
}
