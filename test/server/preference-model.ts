import { AbortError } from '../../src/core/errors.js';
import type { Batch, KvCache, KvCacheSpec } from '../../src/backends/backend.js';
import type { ForwardModel } from '../../src/engine/index.js';
import { PRESETS, type ModelConfig } from '../../src/format/config-types.js';

const CALL = 200012; // <|call|>

/**
 * A stand-in model with alternative scripts per round, in order of preference: the next token of
 * every script whose prefix ends the history, the longest match first and, among equal matches,
 * the earlier script first, gets a logit 40 below the one before it (starting at 100; every other
 * token 0). It follows its first script where that is allowed, and where a constraint masks that
 * token (a forced tool call) it follows the next one: a model that answers directly unless
 * `tool_choice` forces a call, which it then writes properly. Rounds as test/engine/helpers.ts's
 * ScriptedModel: round r after r `<|call|>` tokens in the history.
 */
export class PreferenceModel implements ForwardModel {
  readonly config: ModelConfig = PRESETS.tiny;
  readonly maxBatch = 16;
  readonly history = new Map<number, number[]>();

  constructor(public rounds: readonly (readonly (readonly number[])[])[]) {}

  createKvCache(options: { slots: number; capacity: number }): KvCache {
    const spec: KvCacheSpec = { layers: 1, kvHeads: 1, headDim: 1, windows: [0], slots: options.slots, capacity: options.capacity, slidingCapacity: options.capacity };
    return { spec };
  }

  async forward(batch: Batch, _cache: KvCache, logitRows: Int32Array, signal?: AbortSignal): Promise<Float32Array> {
    await new Promise((r) => setImmediate(r));
    if (signal?.aborted) throw new AbortError();
    const V = this.config.vocabSize;
    const out = new Float32Array(logitRows.length * V);
    const rowsWanted = new Map<number, number>();
    logitRows.forEach((row, j) => rowsWanted.set(row, j));
    for (let i = 0; i < batch.n; i++) {
      const slot = batch.slots[i]!;
      const h = this.history.get(slot) ?? [];
      h.length = batch.positions[i]!;
      h.push(batch.tokens[i]!);
      this.history.set(slot, h);
      const j = rowsWanted.get(i);
      if (j === undefined) continue;
      let logit = 100;
      for (const token of this.ranked(h)) {
        if (out[j * V + token] !== 0) continue;
        out[j * V + token] = logit;
        logit -= 40;
        if (logit <= 0) break;
      }
    }
    return out;
  }

  private ranked(h: readonly number[]): number[] {
    const calls = h.filter((t) => t === CALL).length;
    const scripts = this.rounds[Math.min(calls, this.rounds.length - 1)]!;
    const matches = scripts.map((script, order) => {
      for (let k = Math.min(script.length - 1, h.length); k > 0; k--) {
        let match = true;
        for (let i = 0; i < k && match; i++) match = h[h.length - k + i] === script[i];
        if (match) return { k, order, next: script[k]! };
      }
      return { k: 0, order, next: script[0]! };
    });
    matches.sort((a, b) => b.k - a.k || a.order - b.order);
    return matches.map((m) => m.next);
  }
}
