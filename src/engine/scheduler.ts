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

/** A forward call's logits, handed out one row per request, and the rows given back so far. */
interface Lent {
  array: Float32Array;
  rows: number;
  back: Set<number>;
}

/** Logits arrays kept for the next call once every row is given back. */
const KEEP_FREE = 4;

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
  private lent = new WeakMap<ArrayBufferLike, Lent>();
  private free: Float32Array[] = [];
  /** Forward calls made, tokens processed and logits arrays reused, for tests and benchmarks. */
  readonly stats = { calls: 0, tokens: 0, reused: 0 };

  constructor(
    readonly model: ForwardModel,
    readonly cache: KvCache,
  ) {}

  /**
   * Writes `tokens` at positions start.. of `slot` and resolves with the logits row [vocab] of the
   * last token when `wantLogits`, else null. `done` is a row this scheduler resolved earlier that the
   * caller no longer reads: once every row of that forward call is back, its memory takes the logits
   * of a later call instead of fresh memory (whose page faults cost more than the copy).
   */
  submit(slot: number, tokens: readonly number[], start: number, wantLogits: boolean, signal?: AbortSignal, done?: Float32Array): Promise<Float32Array | null> {
    if (done) this.giveBack(done);
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
      const into = rows.length > 0 ? this.takeFree(rows.length * this.model.config.vocabSize) : undefined;
      if (into) this.stats.reused++;
      // Arrays given back since the last call serve this one or none: a decode step gives back the step
      // before's, so a kept array is never more than one call old, and none is held once the sessions idle.
      this.free.length = 0;
      const logits = await this.model.forward(batch, this.cache, Int32Array.from(rows), signal, into);
      if (rows.length > 0) this.lent.set(logits.buffer, { array: logits, rows: rows.length, back: new Set() });
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

  private giveBack(row: Float32Array): void {
    const l = this.lent.get(row.buffer);
    if (!l || row.length * l.rows !== l.array.length) return;
    l.back.add(row.byteOffset);
    if (l.back.size < l.rows) return;
    this.lent.delete(row.buffer);
    if (this.free.length < KEEP_FREE) this.free.push(l.array);
  }

  private takeFree(length: number): Float32Array | undefined {
    const i = this.free.findIndex((a) => a.length === length);
    return i < 0 ? undefined : this.free.splice(i, 1)[0];
  }
}
