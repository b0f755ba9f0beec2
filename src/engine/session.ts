import { AbortError, ContextOverflowError, GptOssError } from '../core/errors.js';
import type { BatchScheduler } from './scheduler.js';

export interface PrefillResult {
  /** Logits [vocab] after the prompt's last token. */
  logits: Float32Array;
  /** Prompt tokens whose KV entries were kept from the previous turn. */
  reused: number;
  /** Prompt tokens run through the model now. */
  prefilled: number;
}

/**
 * One conversation's place in the shared KV cache: a slot and the tokens whose keys and values it
 * holds. A new prompt keeps the longest common prefix with those tokens and prefills only the rest.
 *
 * Rolling back is free on full-attention layers; sliding-window layers are rings that keep only
 * the last slidingCapacity positions, so a rollback deeper than `rollbackRoom` (the ring's spare
 * room beyond window + one batch) cannot be served from the cache and the prompt is prefilled
 * from the start: correctness first, and the cost shows in `prefilled`.
 */
export class Session {
  private history: number[] = [];
  private released = false;

  constructor(
    readonly slot: number,
    private readonly scheduler: BatchScheduler,
    private readonly onRelease: (slot: number) => void,
  ) {}

  /** Tokens whose KV entries are in the cache, in order. */
  get tokens(): readonly number[] {
    return this.history;
  }

  get capacity(): number {
    return this.scheduler.cache.spec.capacity;
  }

  /** How many positions this session may roll back and still reuse the cache. */
  get rollbackRoom(): number {
    const spec = this.scheduler.cache.spec;
    const window = Math.max(0, ...spec.windows);
    if (window === 0 || spec.slidingCapacity >= spec.capacity) return Infinity;
    return spec.slidingCapacity - window - (this.scheduler.model.maxBatch - 1);
  }

  /** Brings the cache to exactly `prompt` and returns the logits after its last token. */
  async prefill(prompt: readonly number[], signal?: AbortSignal): Promise<PrefillResult> {
    this.checkLive();
    if (prompt.length === 0) throw new GptOssError('invalid_argument', 'prefill: the prompt holds no tokens');
    if (prompt.length >= this.capacity) {
      throw new ContextOverflowError(
        `the prompt holds ${prompt.length} tokens but the context holds ${this.capacity} (room is needed for at least one generated token); ` +
          `shorten the conversation or raise the context length (--context, at most the model's maximum)`,
      );
    }
    let keep = commonPrefix(this.history, prompt);
    // At least the last prompt token is run again: its logits are what we sample from.
    keep = Math.min(keep, prompt.length - 1);
    if (this.history.length - keep > this.rollbackRoom) keep = 0;
    this.history.length = keep;
    const chunk = this.scheduler.model.maxBatch;
    let logits: Float32Array | null = null;
    for (let start = keep; start < prompt.length; start += chunk) {
      if (signal?.aborted) throw new AbortError();
      const part = prompt.slice(start, Math.min(prompt.length, start + chunk));
      const last = start + part.length === prompt.length;
      logits = await this.scheduler.submit(this.slot, part, start, last, signal);
      for (const t of part) this.history.push(t);
    }
    return { logits: logits!, reused: keep, prefilled: prompt.length - keep };
  }

  /**
   * Appends one token and returns the logits after it. `done`: the logits this session returned last,
   * which the caller no longer reads (their memory may then hold a later step's logits).
   */
  async append(token: number, signal?: AbortSignal, done?: Float32Array): Promise<Float32Array> {
    this.checkLive();
    if (this.history.length >= this.capacity) {
      throw new ContextOverflowError(`the context of ${this.capacity} tokens is full`);
    }
    const logits = await this.scheduler.submit(this.slot, [token], this.history.length, true, signal, done);
    this.history.push(token);
    return logits!;
  }

  /** Forget the cached tokens (the next prompt is prefilled in full). */
  clear(): void {
    this.history = [];
  }

  /** Give the slot back to the engine. */
  dispose(): void {
    if (this.released) return;
    this.released = true;
    this.history = [];
    this.onRelease(this.slot);
  }

  private checkLive(): void {
    if (this.released) throw new GptOssError('invalid_argument', `session (slot ${this.slot}) was disposed`);
  }
}

export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
