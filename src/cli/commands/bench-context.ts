import { InvalidArgumentError } from '../../core/errors.js';
import type { LoadedModel } from '../../engine/load-model.js';

/**
 * The KV cache bytes one decode step reads when its token sits at position `pos` (it attends pos + 1
 * keys, its own included): K and V of every visible position on the full-attention layers, of at most
 * the window on the sliding ones. `valueBytes`: 2 for a 16-bit cache, 4 for f32.
 */
export function kvBytesPerStep(c: LoadedModel['config'], pos: number, valueBytes: number): number {
  const row = c.numKeyValueHeads * c.headDim * 2 * valueBytes;
  let rows = 0;
  for (const sliding of c.layerSliding) rows += sliding ? Math.min(pos + 1, c.slidingWindow) : pos + 1;
  return rows * row;
}

/** Bytes per cached key or value element: the cpu backend keeps 16-bit K/V under fast precision, f32 otherwise. */
export function kvValueBytes(backend: string, precision: string): number {
  return backend === 'cpu' && precision === 'fast' ? 2 : 4;
}

export interface ContextRun {
  /** positions the cache holds; the steps decode at its last positions, the last one attending all of them */
  positions: number;
  steps: number;
  /** whether every cache row held (synthetic) keys and values before the steps */
  filled: boolean;
  ms_per_step: number;
  decode_tok_s: number;
  weight_bytes_per_step: number;
  kv_bytes_per_step: number;
  bytes_per_step: number;
  /** set once the read bandwidth is known: bandwidth / bytes_per_step, and decode over it */
  limit_tok_s: number | null;
  fraction_of_limit: number | null;
  peak_rss_bytes: number;
}

/** Parses --context: one or more comma-separated cache sizes, each within the model's context. */
export function parseContexts(value: string | undefined, maxContext: number, steps: number): number[] {
  if (value === undefined) return [];
  return value.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < steps || n > maxContext) {
      throw new InvalidArgumentError(`gpt-oss bench: --context takes sizes from --context-steps (${steps}) to the model's context (${maxContext}), got '${s.trim()}'`);
    }
    return n;
  });
}

type KvCache = ReturnType<LoadedModel['transformer']['createKvCache']>;

interface CacheTools {
  fillKvCache?: (cache: KvCache, seed?: number) => boolean;
  releaseKvCache?: (cache: KvCache) => void;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Decode at the end of a long context: for each size N, a cache of N positions filled with synthetic
 * keys and values (prefilling 131k tokens would take hours here; the attention's work and reads do not
 * depend on the values), then `steps` single-token steps at positions N - steps .. N - 1. Their bytes
 * per step: the weights a step reads plus the KV cache rows its attention visits (mean over the steps).
 */
export async function measureContextDecode(
  model: LoadedModel,
  sizes: readonly number[],
  steps: number,
  weightBytes: number,
  log: (s: string) => void,
): Promise<ContextRun[]> {
  const tools = model.backend as unknown as CacheTools;
  const valueBytes = kvValueBytes(model.backend.name, model.backend.precision);
  const runs: ContextRun[] = [];
  for (const positions of sizes) {
    const cache = model.transformer.createKvCache({ slots: 1, capacity: positions });
    try {
      // backends other than cpu allocate their caches zeroed in real memory; cpu's unwritten rows map the zero page
      const filled = tools.fillKvCache ? tools.fillKvCache.call(model.backend, cache, positions) : model.backend.name !== 'cpu';
      if (!filled) log(`  context ${positions}: this cpu addon cannot fill the cache (rebuild it): unwritten rows read the zero page, so the figure flatters`);
      const times: number[] = [];
      let kv = 0;
      for (let i = 0; i < steps; i++) {
        const pos = positions - steps + i;
        kv += kvBytesPerStep(model.config, pos, valueBytes);
        const t0 = performance.now();
        await model.transformer.forward({ n: 1, tokens: Int32Array.of((1000 + i) % model.config.vocabSize), positions: Int32Array.of(pos), slots: Int32Array.of(0) }, cache, Int32Array.of(0));
        times.push(performance.now() - t0);
      }
      const ms = median(times);
      const kvBytes = kv / steps;
      runs.push({
        positions,
        steps,
        filled,
        ms_per_step: Math.round(ms * 100) / 100,
        decode_tok_s: Math.round((1e5 / ms)) / 100,
        weight_bytes_per_step: Math.round(weightBytes),
        kv_bytes_per_step: Math.round(kvBytes),
        bytes_per_step: Math.round(weightBytes + kvBytes),
        limit_tok_s: null,
        fraction_of_limit: null,
        peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
      });
      log(`  context ${positions}: decode at positions ${positions - steps}..${positions - 1}: median ${ms.toFixed(1)} ms/step`);
    } finally {
      tools.releaseKvCache?.call(model.backend, cache);
    }
  }
  return runs;
}

/** Fills in each run's limit (bandwidth in GB/s over its bytes per step) and the fraction reached. */
export function withLimits(runs: ContextRun[], bandwidthGbs: number): ContextRun[] {
  return runs.map((r) => {
    const limit = (bandwidthGbs * 1e9) / r.bytes_per_step;
    return { ...r, limit_tok_s: Math.round(limit * 1000) / 1000, fraction_of_limit: Math.round((r.decode_tok_s / limit) * 1000) / 1000 };
  });
}
