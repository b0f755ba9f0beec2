// Decode as `gpt-oss run` and `serve` do it: through the engine (scheduler, sampler, harmony), after the
// process has idled for --idle seconds since the load (a user reading the prompt, a server waiting for
// its first request), while `gpt-oss bench` waits for the expert copy and calls the model directly.
// Prints the turn's tokens/s, the median forward call and the median time between two forward calls
// (the engine's own work per token, and whatever else the event loop ran), and how far the expert
// copy after the load had come when the turn began.
// Usage: npx tsx bench/engine-decode.ts --model DIR [--threads N] [--idle 30] [--tokens 48] [--turns 2]
import { parseArgs } from 'node:util';
import { CpuBackend } from '../src/backends/cpu/cpu-backend.js';
import { Engine } from '../src/engine/index.js';
import { Transformer } from '../src/model/transformer.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    threads: { type: 'string' },
    idle: { type: 'string', default: '30' },
    tokens: { type: 'string', default: '48' },
    turns: { type: 'string', default: '2' },
  },
});
if (!values.model) throw new Error('--model DIR is required');
const engine = await Engine.load(values.model, { backend: 'cpu', ...(values.threads ? { threads: Number(values.threads) } : {}) });
await new Promise((r) => setTimeout(r, Number(values.idle) * 1000));

const model = engine.model;
const backend = model instanceof Transformer && model.backend instanceof CpuBackend ? model.backend : null;
const stats = backend?.loadStats() ?? {};
const copied = stats['copy_bytes'] ?? 0;
console.log(
  `after ${values.idle} s idle: experts ${backend?.experts ?? '?'}, ${(copied / 1e9).toFixed(2)} GB copied` +
    (stats['copied_after_load_s'] ? `, the copy done ${stats['copied_after_load_s'].toFixed(1)} s after the load` : ', the copy not done'),
);

const forward = model.forward.bind(model);
const forwardMs: number[] = [];
const betweenMs: number[] = [];
let lastEnd = 0;
model.forward = async (...args: Parameters<typeof forward>): Promise<Float32Array> => {
  const t0 = performance.now();
  if (lastEnd > 0) betweenMs.push(t0 - lastEnd);
  const logits = await forward(...args);
  lastEnd = performance.now();
  forwardMs.push(lastEnd - t0);
  return logits;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
for (let turn = 1; turn <= Number(values.turns); turn++) {
  forwardMs.length = 0;
  betweenMs.length = 0;
  lastEnd = 0;
  for await (const e of engine.chat([{ role: 'user', content: 'Hi' }], { seed: turn, maxTokens: Number(values.tokens), rawTokens: true })) {
    if (e.type === 'done')
      console.log(
        `turn ${turn}: ${e.timings.tokensPerSecond.toFixed(2)} tok/s decode; forward ${median(forwardMs).toFixed(1)} ms, ` +
          `between forwards ${median(betweenMs).toFixed(1)} ms (medians of ${forwardMs.length} calls)`,
      );
  }
}
engine.dispose();
