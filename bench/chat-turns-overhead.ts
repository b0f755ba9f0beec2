/**
 * Engine overhead per decode step (sampling over the 201,088-token vocabulary, harmony parsing,
 * detokenizing) against the model's forward step, measured on the same run.
 * Usage: npx tsx bench/chat-turns-overhead.ts [MODEL_DIR] [--backend ref|cpu] [--steps N]
 */
import { Engine, HarmonyStream, type BackendName } from '../src/engine/index.js';
import { benchModelDir } from './tiny-model.js';
import { renderConversationForCompletion, systemContent, message } from '../src/harmony/index.js';
import { TokenSampler } from '../src/sampling/index.js';

const args = process.argv.slice(2);
const take = (flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const backend = take('--backend') as BackendName | undefined;
const steps = Number(take('--steps') ?? 64);
const model = benchModelDir(args[0]);
const dir = model.dir;
const engine = await Engine.load(dir, backend ? { backend } : {});
const session = engine.createSession().session;
const prompt = renderConversationForCompletion([message('system', systemContent()), message('user', 'Hello there, how are you?')], 'assistant', {
  tokenizer: engine.tokenizer,
});

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, options] of [
  ['temperature 1', { seed: 1 }],
  ['temperature 0.7, top-p 0.9', { seed: 1, temperature: 0.7, topP: 0.9 }],
  ['top-k 40', { seed: 1, topK: 40 }],
  ['min-p 0.05', { seed: 1, minP: 0.05 }],
  ['greedy', { temperature: 0 }],
] as const) {
  session.clear();
  const sampler = new TokenSampler(options);
  const stream = new HarmonyStream(engine.tokenizer);
  const decoder = engine.tokenizer.createStreamDecoder();
  let logits = (await session.prefill(prompt)).logits;
  const forwardMs: number[] = [];
  const overheadMs: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const { token } = sampler.sample(logits);
    sampler.accept(token);
    stream.push(token);
    decoder.push(token);
    const t1 = performance.now();
    logits = await session.append(token);
    const t2 = performance.now();
    overheadMs.push(t1 - t0);
    forwardMs.push(t2 - t1);
  }
  const o = median(overheadMs);
  const f = median(forwardMs);
  console.log(`${name.padEnd(28)} engine ${o.toFixed(3)} ms/step · forward ${f.toFixed(2)} ms/step · overhead ${((100 * o) / (o + f)).toFixed(1)}% of the step`);
}
console.log(`(${steps} decode steps each, medians; model ${dir}, backend ${backend ?? 'best available'})`);
engine.dispose();
model.remove();
