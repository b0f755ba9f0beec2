import type { KvCacheSpec } from '../backends/backend.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { ModelConfig } from '../format/config-types.js';

export interface KvCacheOptions {
  /** Independent sequences the cache holds. */
  slots: number;
  /** Positions per slot (the context length). */
  capacity: number;
  /**
   * Positions a slot may be rolled back (prefix reuse) on sliding-window layers without recomputing.
   * Default 0.
   */
  rollback?: number;
}

/**
 * The cache geometry for a model: full-attention layers keep `capacity` positions per slot; sliding
 * layers keep only a ring of window + (maxBatch - 1) + rollback positions, since one step of up to
 * maxBatch tokens writes all its keys before its first query reads the window behind it.
 */
export function kvCacheSpec(config: ModelConfig, maxBatch: number, options: KvCacheOptions): KvCacheSpec {
  const { slots, capacity } = options;
  const rollback = options.rollback ?? 0;
  for (const [name, value, min] of [
    ['slots', slots, 1],
    ['capacity', capacity, 1],
    ['rollback', rollback, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < min) {
      throw new InvalidArgumentError(`KV cache ${name} must be an integer >= ${min}, got ${value}`);
    }
  }
  const windows = config.layerSliding.map((sliding) => (sliding ? config.slidingWindow : 0));
  return {
    layers: config.numHiddenLayers,
    kvHeads: config.numKeyValueHeads,
    headDim: config.headDim,
    windows,
    slots,
    capacity,
    slidingCapacity: Math.min(capacity, config.slidingWindow + maxBatch - 1 + rollback),
  };
}
