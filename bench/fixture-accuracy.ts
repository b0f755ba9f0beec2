// The error of each precision against the reference's float32 logits on the fixtures, in prefill
// (one forward over all tokens) and decode (one token per step), beside the reference's own bfloat16
// run (golden.bf16run.f32.bin) for scale. Prints a markdown table.
//   npx tsx bench/fixture-accuracy.ts [--backend cpu]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Precision } from '../src/backends/backend.js';
import { loadModel, type LoadedModel } from '../src/engine/load-model.js';
import { argmax, compareLogits } from '../test/model/compare.js';
import { FIXTURE_NAMES, loadFixture, type Fixture } from '../test/model/fixtures.js';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'cpu' } } });
const backend = values.backend === 'ref' ? 'ref' : 'cpu';

async function run(model: LoadedModel, f: Fixture, step: number): Promise<Float32Array> {
  const T = f.tokens.length;
  const cache = model.transformer.createKvCache({ slots: 1, capacity: T });
  const out = new Float32Array(T * f.vocab);
  for (let s = 0; s < T; s += step) {
    const n = Math.min(step, T - s);
    const batch = { n, tokens: f.tokens.subarray(s, s + n), positions: Int32Array.from({ length: n }, (_, i) => s + i), slots: new Int32Array(n) };
    out.set(await model.transformer.forward(batch, cache, Int32Array.from({ length: n }, (_, i) => i)), s * f.vocab);
  }
  return out;
}

function row(fixture: string, what: string, golden: Float32Array, got: Float32Array, V: number): string {
  const r = compareLogits(golden, got, V);
  let same = 0;
  const T = golden.length / V;
  for (let t = 0; t < T; t++) if (argmax(golden.subarray(t * V, (t + 1) * V)) === argmax(got.subarray(t * V, (t + 1) * V))) same++;
  return `| ${fixture} | ${what} | ${r.maxAbs.toExponential(2)} | ${r.meanAbs.toExponential(2)} | ${r.maxKl.toExponential(2)} | ${((same / T) * 100).toFixed(1)} % |`;
}

console.log('| fixture | run | max abs | mean abs | max KL | argmax agreement |\n|---|---|---|---|---|---|');
for (const name of FIXTURE_NAMES) {
  const f = loadFixture(name);
  const bytes = readFileSync(`${f.dir}golden.bf16run.f32.bin`);
  const bf16 = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  console.log(row(name, 'reference, bfloat16 run', f.golden, bf16, f.vocab));
  for (const precision of ['exact', 'fast'] as Precision[]) {
    const model = await loadModel(f.dir, { backend, precision, maxBatch: f.tokens.length });
    try {
      for (const [mode, step] of [['prefill', f.tokens.length], ['decode', 1]] as const) {
        console.log(row(name, `${backend} ${precision}, ${mode}`, f.golden, await run(model, f, step), f.vocab));
      }
    } finally {
      model.dispose();
    }
  }
}
