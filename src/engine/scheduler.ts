import type { Batch, KvCache } from '../backends/backend.js';
import { AbortError } from '../core/errors.js';
import type { ForwardModel } from './forward-model.js';

interface Pending {
  slot: number;
  tokens: readonly number[];
  start: number;
  wantLogits: boolean;
  signal: AbortSignal | undefined;
  resolve: (logits: Float32Array | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects the forward requests of all sessions made in one turn of the event loop and runs them as
 * one batch (several sessions' decode steps, or a prefill chunk beside them, share one forward
 * call). Flushing on setImmediate also yields to the event loop between steps, so abort and
 * Ctrl-C handlers run.
 */
export class BatchScheduler {
  private pending: Pending[] = [];
  private scheduled = false;
  private running: Promise<void> = Promise.resolve();
  /** Forward calls made and tokens processed, for tests and benchmarks. */
  readonly stats = { calls: 0, tokens: 0 };

  constructor(
    readonly model: ForwardModel,
    readonly cache: KvCache,
  ) {}

  /**
   * Writes `tokens` at positions start.. of `slot` and resolves with the logits row [vocab] of the
   * last token when `wantLogits`, else null.
   */
  submit(slot: number, tokens: readonly number[], start: number, wantLogits: boolean, signal?: AbortSignal): Promise<Float32Array | null> {
    return new Promise((resolve, reject) => {
      this.pending.push({ slot, tokens, start, wantLogits, signal, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate is Node's; a browser has setTimeout.
        (typeof setImmediate === 'function' ? setImmediate : (f: () => void) => setTimeout(f, 0))(() => {
          this.running = this.running.then(() => this.flush());
        });
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const group = this.pending;
    this.pending = [];
    const live = group.filter((p) => {
      if (!p.signal?.aborted) return true;
      p.reject(new AbortError());
      return false;
    });
    if (live.length === 0) return;
    let n = 0;
    for (const p of live) n += p.tokens.length;
    const batch: Batch = { n, tokens: new Int32Array(n), positions: new Int32Array(n), slots: new Int32Array(n) };
    const rows: number[] = [];
    let i = 0;
    for (const p of live) {
      for (let j = 0; j < p.tokens.length; j++, i++) {
        batch.tokens[i] = p.tokens[j]!;
        batch.positions[i] = p.start + j;
        batch.slots[i] = p.slot;
      }
      if (p.wantLogits) rows.push(i - 1);
    }
    // One request alone can be cancelled mid-forward; a shared batch finishes for the others' sake.
    const signal = live.length === 1 ? live[0]!.signal : undefined;
    try {
      this.stats.calls++;
      this.stats.tokens += n;
      const logits = await this.model.forward(batch, this.cache, Int32Array.from(rows), signal);
      const vocab = rows.length > 0 ? logits.length / rows.length : 0;
      let r = 0;
      for (const p of live) {
        if (!p.wantLogits) p.resolve(null);
        else {
          p.resolve(logits.subarray(r * vocab, (r + 1) * vocab));
          r++;
        }
      }
    } catch (e) {
      for (const p of live) p.reject(e);
    }
  }
}
