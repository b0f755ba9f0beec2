// Memory and decode speed at the end of a full 131,072-token context on the 20b: a KV cache of the
// model's whole context, then decode steps at its last positions. The attention of each step reads
// every earlier position of the full-attention layers (their cache pages are all touched, so the peak
// RSS counts them), the sliding-window layers only their window. The cache rows of earlier positions
// are not computed (prefilling 131k tokens takes hours here); their contents do not change the work.
//   npx tsx bench/long-context.ts --model DIR [--precision fast|exact] [--steps 8]
import { parseArgs } from 'node:util';
import { loadModel } from '../src/engine/load-model.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, precision: { type: 'string', default: 'fast' }, steps: { type: 'string', default: '8' } } });
if (!values.model) throw new Error('--model DIR is required');
const model = await loadModel(values.model, { precision: values.precision === 'exact' ? 'exact' : 'fast', maxBatch: 1 });
await model.backend.expertsReady?.();
const context = model.config.maxContextLength;
const steps = Number(values.steps);
const cache = model.transformer.createKvCache({ slots: 1, capacity: context });
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const pos = context - steps + i;
  const t0 = performance.now();
  await model.transformer.forward({ n: 1, tokens: Int32Array.of(1000 + i), positions: Int32Array.of(pos), slots: Int32Array.of(0) }, cache, Int32Array.of(0));
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const gib = process.resourceUsage().maxRSS / 2 ** 20;
console.log(
  `${model.backend.name} ${model.backend.precision}: KV cache of ${context} positions; decode at positions ${context - steps}..${context - 1}: ` +
    `median ${times[times.length >> 1]!.toFixed(0)} ms/step (${(1000 / times[times.length >> 1]!).toFixed(2)} tok/s); peak RSS ${gib.toFixed(2)} GiB`,
);
model.dispose();
