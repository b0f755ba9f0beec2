import { InvalidArgumentError } from '../core/errors.js';
import type { WeightData } from '../core/tensor.js';

/**
 * The Backend interface: every op the gpt-oss forward pass needs, and nothing about files, HTTP,
 * harmony or the model's structure. `ref` (plain TypeScript) is the readable spec and test oracle;
 * `cpu` (native addon) and later `webgpu` implement the same ops and are checked against `ref` by
 * one harness (test/backend-ops).
 *
 * Design points:
 * - Batches, not sequences: a call processes `n` tokens, each with its own position and KV-cache
 *   slot, so several sessions can be stepped together and prefill and decode are the same op.
 * - Tensors and weights are opaque handles owned by the backend (host memory here, device memory
 *   on a GPU). Activations are f32 matrices [rows, cols]; `view` takes the first rows of one, so
 *   buffers are allocated once at the largest batch and reused.
 * - Ops are synchronous to enqueue; only `read` (device to host) is async.
 */
export type Precision = 'exact' | 'fast';

export type BackendName = 'ref' | 'cpu' | 'webgpu';

/**
 * How the dense (non-expert) matrices are stored: `q8` converts them at load to 8-bit blocks
 * (about half the bytes a decode step reads; `fast` precision only), `in-place` reads the
 * checkpoint's bf16 bytes where they are mapped (no conversion, no extra memory).
 */
export type DenseWeights = 'q8' | 'in-place';

/**
 * Where a backend keeps the MXFP4 experts: `map` reads them in place from the mapped checkpoint (the
 * page cache; a model larger than RAM still runs), `copy` copies them into the process's own memory at
 * load (the cpu backend: anonymous memory with 2 MiB pages, as llama.cpp does).
 */
export type ExpertsPlacement = 'map' | 'copy';
/** When experts `copy` copies them (BackendOptions.expertsCopy). */
export type ExpertsCopyTime = 'load' | 'after-load';

export interface BackendOptions {
  /** `exact`: f32 activations and KV cache, meets the reference's float32 tolerance. `fast`: the backend's fastest path. */
  precision?: Precision;
  /** Worker threads (cpu backend); defaults to the number of physical cores. */
  threads?: number;
  /**
   * Threads for the load's own work (cpu backend: the expert copy and the 8-bit conversion); defaults
   * to the larger of `threads` and the physical cores, since a load is a burst of page faults and
   * copies that a single thread leaves half done (BENCHMARKS.md, issue 13).
   */
  loadThreads?: number;
  /** cpu backend: default `q8` under `fast`; `exact` always reads in place (asking it for `q8` is an error). */
  denseWeights?: DenseWeights;
  /** cpu backend: default `map`; load-model.ts picks it when asked for `auto`. */
  experts?: ExpertsPlacement;
  /**
   * cpu backend, experts `copy`: `load` (default) copies them while loading; `after-load` loads with
   * them read in place and copies them afterwards, a slice at a time whenever the event loop is free,
   * each weight read from its copy once that is done (`expertsReady()`). The model then answers
   * seconds after the start instead of after a copy that faulting in fresh memory can stretch to 15-20 s
   * for the 20b (BENCHMARKS.md, issue 13).
   */
  expertsCopy?: ExpertsCopyTime;
}

/** An f32 activation matrix [rows, cols] living on the backend. */
export interface Tensor {
  readonly rows: number;
  readonly cols: number;
}

/**
 * How a weight is used, so a backend can choose its storage (keep bf16 in place, convert to
 * 8-bit, upload to a device...). Shapes: `embedding` [V, H] (rows gathered), `linear` [N, K]
 * (y = x W^T), `vector` [N] (norm scales, biases, sinks: used as f32), `experts` MXFP4 [E, N, K],
 * `expertsBias` [E, N].
 */
export type WeightUse = 'embedding' | 'linear' | 'vector' | 'experts' | 'expertsBias';

export interface Weight {
  readonly use: WeightUse;
  readonly shape: readonly number[];
}

/** Geometry of a KV cache holding several independent sequences ("slots"). */
export interface KvCacheSpec {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Per layer: 0 for full attention, else the sliding window (keys with pos > q - window are seen). */
  readonly windows: readonly number[];
  readonly slots: number;
  /** Positions kept per slot in full-attention layers (the context length). */
  readonly capacity: number;
  /**
   * Positions kept per slot in sliding-window layers, used as a ring buffer indexed by pos % slidingCapacity.
   * Must be at least window + (largest batch for one slot) - 1; extra room lets a session roll back
   * (prefix reuse) by up to slidingCapacity - window - (batch - 1) positions without recomputing.
   */
  readonly slidingCapacity: number;
}

export interface KvCache {
  readonly spec: KvCacheSpec;
}

/** The tokens of one forward call: n tokens, each at a position in a cache slot. */
export interface Batch {
  readonly n: number;
  readonly tokens: Int32Array;
  readonly positions: Int32Array;
  readonly slots: Int32Array;
}

/** RoPE as the reference computes it: angle = pos * invFreq[i] (in f32), cos/sin scaled by `concentration`. */
export interface RopeParams {
  readonly invFreq: Float32Array;
  readonly concentration: number;
}

export interface AttentionParams {
  readonly layer: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  /** 0 = full attention. */
  readonly window: number;
  readonly smScale: number;
}

export interface MoeParams {
  readonly numExperts: number;
  readonly expertsPerToken: number;
  readonly intermediateSize: number;
  readonly swigluLimit: number;
  /** SwiGLU's sigmoid slope (1.702 in gpt-oss). */
  readonly swigluAlpha: number;
}

export interface MoeWeights {
  /** Router [E, H] and bias [E]. */
  readonly gate: Weight;
  readonly gateBias: Weight;
  /** MXFP4 [E, 2I, H]: rows alternate glu (even) / linear (odd); bias [E, 2I]. */
  readonly mlp1: Weight;
  readonly mlp1Bias: Weight;
  /** MXFP4 [E, H, I]; bias [E, H]. */
  readonly mlp2: Weight;
  readonly mlp2Bias: Weight;
}

export type OpName =
  | 'embed'
  | 'rmsNorm'
  | 'matmul'
  | 'rope'
  | 'attention'
  | 'moe'
  | 'add'
  | 'gatherRows';

export interface Backend {
  readonly name: BackendName | string;
  readonly precision: Precision;

  // -- memory ---------------------------------------------------------------------------------
  loadWeight(data: WeightData, use: WeightUse): Weight;
  createTensor(rows: number, cols: number): Tensor;
  /** The first `rows` rows of `t`, sharing its memory. */
  view(t: Tensor, rows: number): Tensor;
  createKvCache(spec: KvCacheSpec): KvCache;
  write(t: Tensor, data: Float32Array): void;
  /**
   * A copy of `t` (callers may keep it across later steps): written into `into` and that returned when
   * given (as many values as `t` holds: a buffer the caller recycles), else into fresh memory.
   */
  read(t: Tensor, into?: Float32Array): Promise<Float32Array>;
  dispose(): void;
  /** Every weight of the model has been handed over (loadWeights calls it last): memory may be settled now. */
  loadDone?(): void;
  /** Seconds and bytes spent by the load's steps on this backend (e.g. the expert copy), for `bench`; absent where none are counted. */
  loadStats?(): Readonly<Record<string, number>>;
  /**
   * Resolves when the work the load left running is done (the cpu backend's copy of the experts after
   * the load), or at once where there is none. The model answers meanwhile, with the same results.
   */
  expertsReady?(): Promise<void>;

  // -- ops (outputs are preallocated; shapes in [rows, cols]) ----------------------------------
  /** out[n, H] = table[tokens[i]] as f32. */
  embed(out: Tensor, table: Weight, tokens: Int32Array): void;
  /** out[n, H] = x * rsqrt(mean(x^2) + eps) * scale. */
  rmsNorm(out: Tensor, x: Tensor, scale: Weight, eps: number): void;
  /** out[n, N] = x[n, K] W[N, K]^T (+ bias[N]). */
  matmul(out: Tensor, x: Tensor, w: Weight, bias?: Weight): void;
  /** In place on x[n, heads * headDim]: rotate each head's halves by the token's position. */
  rope(x: Tensor, heads: number, headDim: number, positions: Int32Array, params: RopeParams): void;
  /**
   * Writes k, v [n, kvHeads * headDim] into `cache` at each token's (slot, position), then
   * out[n, heads * headDim] = softmax over {keys of the same slot within the window up to the
   * token's position} plus the head's sink logit in the denominator, applied to the values.
   */
  attention(
    out: Tensor,
    q: Tensor,
    k: Tensor,
    v: Tensor,
    sinks: Weight,
    cache: KvCache,
    batch: Batch,
    params: AttentionParams,
  ): void;
  /** out[n, H] = sum over the top-k experts e of softmax(topk router logits)_e * mlp2_e(swiglu(mlp1_e(x))). */
  moe(out: Tensor, x: Tensor, w: MoeWeights, params: MoeParams): void;
  /** out = a + b (out may alias a). */
  add(out: Tensor, a: Tensor, b: Tensor): void;
  /** out[i] = x[rows[i]]. */
  gatherRows(out: Tensor, x: Tensor, rows: Int32Array): void;
}

/** `read`'s check of a caller's buffer: it must hold exactly the tensor's values. */
export function checkInto(backend: string, values: number, into: Float32Array): void {
  if (into.length !== values) throw new InvalidArgumentError(`${backend}.read: into holds ${into.length} values, the tensor ${values}`);
}
