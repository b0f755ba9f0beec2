import type { Batch, KvCache } from '../backends/backend.js';
import type { ModelConfig } from '../format/config-types.js';

/**
 * What the engine needs of a model: the shape of `Transformer` (src/model/transformer.ts), kept
 * as an interface so the engine's scheduling, prefix reuse and streaming can be tested against a
 * scripted stand-in as well as the real forward pass.
 */
export interface ForwardModel {
  readonly config: ModelConfig;
  /** Most tokens one forward call processes at once (larger batches are split by the model). */
  readonly maxBatch: number;
  createKvCache(options: { slots: number; capacity: number; rollback?: number }): KvCache;
  /**
   * Logits [logitRows.length, vocab] for the requested rows of the batch. `into` (that many values), when
   * given, is a buffer the caller no longer reads: the model may write the logits there and return it.
   */
  forward(batch: Batch, cache: KvCache, logitRows: Int32Array, signal?: AbortSignal, into?: Float32Array): Promise<Float32Array>;
}
