/**
 * The cpu backend's MoE op alone, on a real checkpoint's weights (read in place from the mapping),
 * cycling over all layers so that, as in a decode step, the experts come from DRAM and not from a
 * cache that still holds the previous call's weights (this machine's L3 is large enough to hold
 * one layer's four experts, so repeating one layer measures the cache, not the memory bus).
 * Prints ms per layer call and the effective bandwidth over the expert bytes touched.
 *
 *   npx tsx bench/moe-kernel.ts --model /work/models/20b [--precision fast] [--n 1] [--steps 5] [--threads 2] [--anon]
 */
import { parseArgs } from 'node:util';
import { createCpuBackend } from '../src/backends/cpu/cpu-backend.js';
import { openCheckpoint } from '../src/format/checkpoint.js';
import { nativeMapper } from '../src/engine/select-backend.js';
import type { MoeWeights } from '../src/backends/backend.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: '/work/models/20b' },
    precision: { type: 'string', default: 'fast' },
    n: { type: 'string', default: '1' },
    steps: { type: 'string', default: '5' },
    threads: { type: 'string' },
    layers: { type: 'string' },
    // read the weights into process memory instead (the old behaviour): shows what the mapping costs.
    // Needs the experts' size free beyond the page cache, else it evicts the checkpoint's cached pages.
    anon: { type: 'boolean', default: false },
  },
});
const precision = values.precision === 'exact' ? 'exact' : 'fast';
const n = Number(values.n);
const steps = Number(values.steps);
// As the model does: the experts are views of the mmapped checkpoint (page cache), not copies in
// fresh process memory, which read faster; loadWeight prefaults them (MADV_POPULATE_READ).
const mapper = values.anon ? undefined : nativeMapper();
if (!values.anon && !mapper) throw new Error('the native addon is needed for the file mapper');
const checkpoint = openCheckpoint(values.model, { mapper });
const cfg = checkpoint.config;
const backend = createCpuBackend({ precision, ...(values.threads ? { threads: Number(values.threads) } : {}) });
const layers = Math.min(cfg.numHiddenLayers, values.layers ? Number(values.layers) : cfg.numHiddenLayers);
const H = cfg.hiddenSize;
const I = cfg.intermediateSize;
const moe: MoeWeights[] = [];
for (let i = 0; i < layers; i++) {
  const t = checkpoint.layer(i);
  moe.push({
    gate: backend.loadWeight(t.gateWeight, 'linear'),
    gateBias: backend.loadWeight(t.gateBias, 'vector'),
    mlp1: backend.loadWeight(t.mlp1, 'experts'),
    mlp1Bias: backend.loadWeight(t.mlp1Bias, 'expertsBias'),
    mlp2: backend.loadWeight(t.mlp2, 'experts'),
    mlp2Bias: backend.loadWeight(t.mlp2Bias, 'expertsBias'),
  });
}
const params = { numExperts: cfg.numExperts, expertsPerToken: cfg.expertsPerToken, intermediateSize: I, swigluLimit: cfg.swigluLimit, swigluAlpha: 1.702 };
const x = backend.createTensor(n, H);
const out = backend.createTensor(n, H);
let seed = 12345;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const fresh = (): void => {
  const v = new Float32Array(n * H);
  for (let i = 0; i < v.length; i++) v[i] = rnd();
  backend.write(x, v);
};
// Bytes of one expert (mlp1 + mlp2 blocks and scales); decode touches about k distinct experts per layer.
const expertBytes = ((2 * I * H) / 2 + (2 * I * H) / 32 + (H * I) / 2 + (H * I) / 32);
const touched = Math.min(cfg.numExperts, n * cfg.expertsPerToken);
const times: number[] = [];
for (let s = 0; s < steps + 1; s++) {
  let total = 0;
  for (let l = 0; l < layers; l++) {
    fresh();
    const t0 = process.hrtime.bigint();
    backend.moe(out, x, moe[l]!, params);
    total += Number(process.hrtime.bigint() - t0) / 1e6;
  }
  if (s > 0) times.push(total / layers); // the first pass faults the pages in
}
times.sort((a, b) => a - b);
const med = times[Math.floor(times.length / 2)]!;
const gbs = (touched * expertBytes) / (med / 1e3) / 1e9;
console.log(
  `moe ${values.anon ? 'anon ' : ''}${precision} n=${n} threads=${backend.threads} layers=${layers}: ${med.toFixed(2)} ms/layer (min ${times[0]!.toFixed(2)}), ` +
    `${(med * cfg.numHiddenLayers).toFixed(1)} ms per ${cfg.numHiddenLayers}-layer step, ~${gbs.toFixed(1)} GB/s over <= ${touched} experts/layer, ${((n * 1000) / (med * cfg.numHiddenLayers)).toFixed(1)} tok/s (moe only)`,
);
backend.dispose();
checkpoint.close();
