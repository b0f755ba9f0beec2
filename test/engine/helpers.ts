import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortError } from '../../src/core/errors.js';
import type { Batch, KvCache, KvCacheSpec } from '../../src/backends/backend.js';
import type { ChatEvent, DoneEvent, ForwardModel } from '../../src/engine/index.js';
import { PRESETS, type ModelConfig } from '../../src/format/config-types.js';
import { writeRandomCheckpoint } from '../../src/format/random-checkpoint.js';

/** A tiny random checkpoint (the real vocabulary) in a fresh temp dir; call `remove` when done. */
export function makeTinyModel(seed = 1): { dir: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'gpt-oss-engine-'));
  const dir = join(root, 'tiny');
  writeRandomCheckpoint({ config: PRESETS.tiny, seed, layout: 'original', out: dir });
  return { dir, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export async function collect(events: AsyncIterable<ChatEvent>): Promise<{ events: ChatEvent[]; done: DoneEvent; tokens: number[] }> {
  const all: ChatEvent[] = [];
  for await (const e of events) all.push(e);
  const done = all[all.length - 1];
  if (done?.type !== 'done') throw new Error('the stream did not end with a done event');
  const tokens = all.flatMap((e) => (e.type === 'token' ? [e.token] : []));
  return { events: all, done, tokens };
}

/**
 * A stand-in model that follows a script: each round is the token sequence it emits after a
 * prompt; round r is chosen by how many `<|call|>` tokens the slot's history holds (each tool
 * round re-renders the previous call). The next token is the one after the longest prefix of the
 * round that ends the history, with logit 40 (every other token 0), so even temperature 1 follows it.
 */
export class ScriptedModel implements ForwardModel {
  readonly config: ModelConfig = PRESETS.tiny;
  readonly maxBatch = 16;
  readonly history = new Map<number, number[]>();
  forwardCalls = 0;
  tokensSeen = 0;

  constructor(
    private readonly rounds: readonly (readonly number[])[],
    private readonly delayMs = 0,
  ) {}

  createKvCache(options: { slots: number; capacity: number; rollback?: number }): KvCache {
    const spec: KvCacheSpec = {
      layers: 1,
      kvHeads: 1,
      headDim: 1,
      windows: [0],
      slots: options.slots,
      capacity: options.capacity,
      slidingCapacity: options.capacity,
    };
    return { spec };
  }

  async forward(batch: Batch, _cache: KvCache, logitRows: Int32Array, signal?: AbortSignal): Promise<Float32Array> {
    this.forwardCalls++;
    this.tokensSeen += batch.n;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
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
      if (j !== undefined) out[j * V + this.next(h)] = 40;
    }
    return out;
  }

  private next(h: readonly number[]): number {
    const calls = h.filter((t) => t === 200012).length;
    const round = this.rounds[Math.min(calls, this.rounds.length - 1)]!;
    for (let k = Math.min(round.length - 1, h.length); k > 0; k--) {
      let match = true;
      for (let i = 0; i < k && match; i++) match = h[h.length - k + i] === round[i];
      if (match) return round[k]!;
    }
    return round[0]!;
  }
}
