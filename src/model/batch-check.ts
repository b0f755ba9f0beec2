import type { Batch, KvCache } from '../backends/backend.js';
import { InvalidArgumentError, OutOfRangeError } from '../core/errors.js';
import type { ModelConfig } from '../format/config-types.js';

/**
 * Rejects, before any work, a batch the model cannot run: token ids outside the vocabulary, positions
 * or slots outside the cache, logit rows outside the batch, a cache made for another model, or one
 * step that spans more positions of a slot than the sliding-window ring can hold.
 */
export function checkBatch(config: ModelConfig, batch: Batch, cache: KvCache, logitRows: Int32Array, maxBatch: number): void {
  const { n, tokens, positions, slots } = batch;
  if (!Number.isInteger(n) || n < 0 || tokens.length !== n || positions.length !== n || slots.length !== n) {
    throw new InvalidArgumentError(
      `batch of n=${n} has ${tokens.length} tokens, ${positions.length} positions and ${slots.length} slots`,
    );
  }
  const spec = cache.spec;
  const windows = config.layerSliding.map((s) => (s ? config.slidingWindow : 0));
  if (
    spec.layers !== config.numHiddenLayers ||
    spec.kvHeads !== config.numKeyValueHeads ||
    spec.headDim !== config.headDim ||
    spec.windows.some((w, i) => w !== windows[i])
  ) {
    throw new InvalidArgumentError('the KV cache was made for a model of another shape');
  }
  const V = config.vocabSize;
  for (let i = 0; i < n; i++) {
    const token = tokens[i]!;
    if (!Number.isInteger(token) || token < 0 || token >= V) {
      throw new OutOfRangeError(`token id ${token} (batch row ${i}) is outside the vocabulary: expected 0 <= id < ${V}`);
    }
    const pos = positions[i]!;
    if (pos < 0 || pos >= spec.capacity) {
      throw new OutOfRangeError(`position ${pos} (batch row ${i}) is outside the KV cache: expected 0 <= position < ${spec.capacity}`);
    }
    const slot = slots[i]!;
    if (slot < 0 || slot >= spec.slots) {
      throw new OutOfRangeError(`slot ${slot} (batch row ${i}) is outside the KV cache: expected 0 <= slot < ${spec.slots}`);
    }
  }
  for (const row of logitRows) {
    if (row < 0 || row >= n) throw new OutOfRangeError(`logit row ${row} is outside the batch of ${n} tokens`);
  }
  checkSlidingRoom(config, batch, spec.slidingCapacity, spec.capacity, maxBatch);
}

/**
 * A step writes all its keys before its queries read, so within one chunk the positions of a slot
 * may span at most slidingCapacity - window + 1 on a ring smaller than the full capacity.
 */
function checkSlidingRoom(config: ModelConfig, batch: Batch, slidingCapacity: number, capacity: number, maxBatch: number): void {
  if (!config.layerSliding.some(Boolean) || slidingCapacity >= capacity) return;
  const window = config.slidingWindow;
  for (let start = 0; start < batch.n; start += maxBatch) {
    const lo = new Map<number, number>();
    const hi = new Map<number, number>();
    for (let i = start; i < Math.min(batch.n, start + maxBatch); i++) {
      const slot = batch.slots[i]!;
      const pos = batch.positions[i]!;
      lo.set(slot, Math.min(lo.get(slot) ?? pos, pos));
      hi.set(slot, Math.max(hi.get(slot) ?? pos, pos));
    }
    for (const [slot, first] of lo) {
      const span = hi.get(slot)! - first + 1;
      if (span + window - 1 > slidingCapacity) {
        throw new OutOfRangeError(
          `slot ${slot}: one step covers ${span} positions, but the sliding-window KV ring (${slidingCapacity} positions, ` +
            `window ${window}) holds at most ${slidingCapacity - window + 1} per step`,
        );
      }
    }
  }
}
