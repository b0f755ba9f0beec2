import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortError } from '../../src/core/errors.js';
import type { Batch, KvCache, KvCacheSpec } from '../../src/backends/backend.js';
import type { ChatEvent, DoneEvent, ForwardModel } from '../../src/engine/index.js';
import { PRESETS, type ModelConfig } from '../../src/format/config-types.js';
import { writeRandomCheckpoint } from '../../src/format/random-checkpoint.js';
import { getTokenizer } from '../../src/tokenizer/index.js';
import { rawTensorBytes } from '../format/helpers.js';

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
  /** Whether forward was handed an `into` array, per call (flags only: the load test's server runs this model). */
  readonly handedInto: boolean[] = [];

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

  async forward(batch: Batch, _cache: KvCache, logitRows: Int32Array, signal?: AbortSignal, into?: Float32Array): Promise<Float32Array> {
    this.forwardCalls++;
    this.tokensSeen += batch.n;
    this.handedInto.push(into !== undefined);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (signal?.aborted) throw new AbortError();
    const V = this.config.vocabSize;
    const out = into ? into.fill(0) : new Float32Array(logitRows.length * V);
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

/**
 * A tiny checkpoint that answers: every layer's output projections are zero (attention out and the
 * experts' mlp2 add nothing), so the last hidden state is the embedding of the last token and the
 * model is a bigram table. Embeddings and unembedding chain `<|start|>assistant` -> `<|channel|>final
 * <|message|>` -> the answer's tokens -> `<|return|>` with logit ~45 against 0 for everything else,
 * so any sampler at any seed writes `answer` as the final message (its tokens must all differ).
 */
export function makeAnsweringModel(answer: string, seed = 1): { dir: string; remove: () => void; answer: string } {
  const model = makeTinyModel(seed);
  const tok = getTokenizer();
  const c = PRESETS.tiny;
  const chain = [
    tok.specialId('<|start|>'),
    ...tok.encode('assistant'),
    tok.specialId('<|channel|>'),
    ...tok.encode('final'),
    tok.specialId('<|message|>'),
    ...tok.encode(answer),
    tok.specialId('<|return|>'),
  ];
  if (new Set(chain).size !== chain.length || chain.length > c.hiddenSize) throw new Error(`'${answer}' repeats a token of the chain`);
  const file = join(model.dir, 'model.safetensors');
  const bytes = readFileSync(file);
  const H = c.hiddenSize;
  const bf16 = (name: string) => rawTensorBytes(bytes, name).bytes;
  const embedding = bf16('embedding.weight').fill(0);
  const unembedding = bf16('unembedding.weight').fill(0);
  const norm = bf16('norm.scale');
  for (let i = 0; i < H; i++) norm.writeUInt16LE(0x3f80, 2 * i); // 1.0
  for (let i = 0; i + 1 < chain.length; i++) {
    embedding.writeUInt16LE(0x3f80, (chain[i]! * H + i) * 2); // e_i
    unembedding.writeUInt16LE(0x4080, (chain[i + 1]! * H + i) * 2); // 4.0: logit 4 * sqrt(H) ~ 45
  }
  for (let l = 0; l < c.numHiddenLayers; l++) {
    for (const name of ['attn.out.weight', 'attn.out.bias', 'mlp.mlp2_weight.blocks', 'mlp.mlp2_bias']) bf16(`block.${l}.${name}`).fill(0);
  }
  writeFileSync(file, bytes);
  return { ...model, answer };
}
