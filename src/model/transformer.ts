import type { AttentionParams, Backend, Batch, KvCache, MoeParams, RopeParams, Tensor } from '../backends/backend.js';
import { InvalidArgumentError, throwIfAborted } from '../core/errors.js';
import type { Checkpoint } from '../format/checkpoint-types.js';
import type { ModelConfig } from '../format/config-types.js';
import { checkBatch } from './batch-check.js';
import { kvCacheSpec, type KvCacheOptions } from './kv-cache.js';
import { ropeParams } from './rope.js';
import { State } from './state.js';
import { loadWeights, type LayerWeights, type ModelWeights } from './weights.js';

/** SwiGLU's sigmoid slope in gpt-oss (a constant of the reference's swiglu, not in config.json). */
export const SWIGLU_ALPHA = 1.702;

/**
 * Sees every named intermediate of a forward step (layer -1 outside the blocks), for bisecting a
 * difference against another implementation. The tensor is only valid during the call.
 */
export type TraceFn = (name: string, layer: number, tensor: Tensor) => void | Promise<void>;

export interface TransformerOptions {
  /** Largest number of tokens one step processes; bigger batches are split. Default 128. */
  maxBatch?: number;
  trace?: TraceFn;
  onLayerLoaded?: (loaded: number) => void;
  signal?: AbortSignal;
}

/**
 * The gpt-oss model (gpt_oss/torch/model.py) written once against the Backend interface:
 * embedding; per layer an attention block and an MoE block, each pre-normed with a residual add;
 * final norm; unembedding. Positions and cache slots come with each token, so prefill, decode and
 * several sequences stepped together are all the same call.
 */
export class Transformer {
  readonly config: ModelConfig;
  readonly backend: Backend;
  readonly maxBatch: number;
  trace: TraceFn | undefined;
  private readonly weights: ModelWeights;
  private readonly state: State;
  private readonly rope: RopeParams;
  private readonly moeParams: MoeParams;
  /** The activations are shared, so overlapping forward calls run one after the other. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(config: ModelConfig, backend: Backend, weights: ModelWeights, options: TransformerOptions) {
    this.config = config;
    this.backend = backend;
    this.weights = weights;
    this.maxBatch = options.maxBatch ?? 128;
    this.trace = options.trace;
    this.state = new State(backend, config, this.maxBatch);
    this.rope = ropeParams(config);
    this.moeParams = {
      numExperts: config.numExperts,
      expertsPerToken: config.expertsPerToken,
      intermediateSize: config.intermediateSize,
      swigluLimit: config.swigluLimit,
      swigluAlpha: SWIGLU_ALPHA,
    };
  }

  static load(checkpoint: Checkpoint, backend: Backend, options: TransformerOptions = {}): Transformer {
    const maxBatch = options.maxBatch ?? 128;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new InvalidArgumentError(`maxBatch must be an integer >= 1, got ${maxBatch}`);
    const weights = loadWeights(checkpoint, backend, {
      ...(options.onLayerLoaded ? { onLayerLoaded: options.onLayerLoaded } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return new Transformer(checkpoint.config, backend, weights, options);
  }

  /** A cache for `slots` sequences of up to `capacity` positions (see kv-cache.ts for `rollback`). */
  createKvCache(options: KvCacheOptions): KvCache {
    return this.backend.createKvCache(kvCacheSpec(this.config, this.maxBatch, options));
  }

  /**
   * Runs a batch of any size (split into chunks of <= maxBatch, in order), writing K/V to the cache;
   * returns logits [logitRows.length, vocab] for the requested batch rows, in the order asked:
   * written into `into` and that returned when given (a buffer the caller recycles: a fresh 804 KB
   * array each decode step cost the 20b 2.4 ms of page faults), else in a fresh array.
   * Throws OutOfRangeError for token ids outside the vocabulary or positions/slots outside the cache.
   */
  forward(batch: Batch, cache: KvCache, logitRows: Int32Array, signal?: AbortSignal, into?: Float32Array): Promise<Float32Array> {
    const run = this.queue.then(() => this.forwardNow(batch, cache, logitRows, signal, into));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async forwardNow(batch: Batch, cache: KvCache, logitRows: Int32Array, signal?: AbortSignal, into?: Float32Array): Promise<Float32Array> {
    checkBatch(this.config, batch, cache, logitRows, this.maxBatch);
    if (into && into.length !== logitRows.length * this.config.vocabSize) {
      throw new InvalidArgumentError(`forward: into holds ${into.length} values, ${logitRows.length} rows of logits take ${logitRows.length * this.config.vocabSize}`);
    }
    // One chunk (every decode step): the step's logits are already the rows asked for, in their order,
    // copied out by Backend.read (into the caller's buffer where one is given), so they are returned as
    // they are, not copied once more.
    if (batch.n > 0 && batch.n <= this.maxBatch) {
      throwIfAborted(signal);
      return this.step(batch, cache, logitRows, signal, into);
    }
    const V = this.config.vocabSize;
    const result = into ?? new Float32Array(logitRows.length * V);
    for (let start = 0; start < batch.n; start += this.maxBatch) {
      throwIfAborted(signal);
      const end = Math.min(batch.n, start + this.maxBatch);
      const chunk: Batch = {
        n: end - start,
        tokens: batch.tokens.subarray(start, end),
        positions: batch.positions.subarray(start, end),
        slots: batch.slots.subarray(start, end),
      };
      // Which requested rows fall in this chunk, and where their logits go.
      const wanted: number[] = [];
      const local: number[] = [];
      logitRows.forEach((row, j) => {
        if (row >= start && row < end) {
          wanted.push(j);
          local.push(row - start);
        }
      });
      const logits = await this.step(chunk, cache, Int32Array.from(local), signal);
      wanted.forEach((j, r) => result.set(logits.subarray(r * V, (r + 1) * V), j * V));
      // Let timers and abort signals run between chunks of a long prefill (setImmediate is Node's; browsers have setTimeout).
      if (end < batch.n) await new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
    }
    return result;
  }

  /** One chunk of at most maxBatch tokens: the reference's Transformer.forward. */
  private async step(batch: Batch, cache: KvCache, logitRows: Int32Array, signal?: AbortSignal, into?: Float32Array): Promise<Float32Array> {
    const b = this.backend;
    const x = b.view(this.state.x, batch.n); // [n, H]
    b.embed(x, this.weights.embedding, batch.tokens);
    if (this.trace) await this.trace('embedding', -1, x);
    for (let layer = 0; layer < this.config.numHiddenLayers; layer++) {
      throwIfAborted(signal);
      const w = this.weights.layers[layer]!;
      await this.attentionBlock(x, w, layer, batch, cache);
      await this.mlpBlock(x, w, layer, batch.n);
    }
    if (logitRows.length === 0) return new Float32Array(0);
    const rows = logitRows.length;
    const gathered = b.view(this.state.gathered, rows); // [R, H]
    const normed = b.view(this.state.normed, rows); // [R, H]
    const logits = this.state.logits(rows); // [R, V]
    // The final norm is per row, so only the rows whose logits are wanted are normed.
    b.gatherRows(gathered, x, logitRows);
    b.rmsNorm(normed, gathered, this.weights.finalNorm, this.config.rmsNormEps);
    if (this.trace) await this.trace('final_norm', -1, normed);
    b.matmul(logits, normed, this.weights.unembedding);
    if (this.trace) await this.trace('logits', -1, logits);
    return b.read(logits, into);
  }

  /** AttentionBlock.forward: x += out(sdpa(rope(q), rope(k), v, sinks)) of norm(x). */
  private async attentionBlock(x: Tensor, w: LayerWeights, layer: number, batch: Batch, cache: KvCache): Promise<void> {
    const b = this.backend;
    const c = this.config;
    const n = batch.n;
    const t = b.view(this.state.t, n); // [n, H]
    const q = b.view(this.state.q, n); // [n, nh*hd]
    const k = b.view(this.state.k, n); // [n, nkv*hd]
    const v = b.view(this.state.v, n); // [n, nkv*hd]
    const attn = b.view(this.state.attn, n); // [n, nh*hd]
    const out = b.view(this.state.blockOut, n); // [n, H]
    b.rmsNorm(t, x, w.attnNorm, c.rmsNormEps);
    if (this.trace) await this.trace('attn_norm', layer, t);
    b.matmul(q, t, w.q, w.qBias);
    b.matmul(k, t, w.k, w.kBias);
    b.matmul(v, t, w.v, w.vBias);
    b.rope(q, c.numAttentionHeads, c.headDim, batch.positions, this.rope);
    b.rope(k, c.numKeyValueHeads, c.headDim, batch.positions, this.rope);
    if (this.trace) await this.trace('q_rope', layer, q);
    if (this.trace) await this.trace('k_rope', layer, k);
    if (this.trace) await this.trace('v', layer, v);
    const params: AttentionParams = {
      layer,
      numHeads: c.numAttentionHeads,
      numKvHeads: c.numKeyValueHeads,
      headDim: c.headDim,
      window: c.layerSliding[layer] ? c.slidingWindow : 0,
      smScale: 1 / Math.sqrt(c.headDim),
    };
    b.attention(attn, q, k, v, w.sinks, cache, batch, params);
    if (this.trace) await this.trace('sdpa', layer, attn);
    b.matmul(out, attn, w.out, w.outBias);
    if (this.trace) await this.trace('attn_out', layer, out);
    b.add(x, x, out);
    if (this.trace) await this.trace('attn_residual', layer, x);
  }

  /** MLPBlock.forward: x += moe(norm(x)). */
  private async mlpBlock(x: Tensor, w: LayerWeights, layer: number, n: number): Promise<void> {
    const b = this.backend;
    const t = b.view(this.state.t, n); // [n, H]
    const out = b.view(this.state.blockOut, n); // [n, H]
    b.rmsNorm(t, x, w.mlpNorm, this.config.rmsNormEps);
    if (this.trace) await this.trace('mlp_norm', layer, t);
    b.moe(out, t, w.moe, this.moeParams);
    if (this.trace) await this.trace('moe_out', layer, out);
    b.add(x, x, out);
    if (this.trace) await this.trace('mlp_residual', layer, x);
  }

  /** Drops the weights and activations (the backend frees them with its own dispose). */
  dispose(): void {
    // Handles are owned by the backend; nothing here holds native resources of its own.
  }
}
