// The cpu backend end to end: the fixtures' golden logits (the reference PyTorch model) through
// loadModel with backend 'cpu', fed as one prefill and as one-token decode steps, in both precisions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Precision } from '../../src/backends/backend.js';
import { loadModel, type LoadedModel } from '../../src/engine/load-model.js';
import { argmax, compareLogits, FIXTURE_TOLERANCE, toleranceFailures } from '../model/compare.js';
import { FIXTURE_NAMES, loadFixture, type Fixture } from '../model/fixtures.js';

/** issue 4's bounds for `fast`: mean abs logit error and argmax agreement, on every fixture and mode. */
const FAST_MAX_MEAN_ABS = 0.15;
const FAST_MIN_ARGMAX_AGREEMENT = 0.7;

async function logits(model: LoadedModel, fixture: Fixture, step: number): Promise<Float32Array> {
  const T = fixture.tokens.length;
  const V = fixture.vocab;
  const cache = model.transformer.createKvCache({ slots: 1, capacity: T });
  const out = new Float32Array(T * V);
  for (let start = 0; start < T; start += step) {
    const n = Math.min(step, T - start);
    const batch = {
      n,
      tokens: fixture.tokens.subarray(start, start + n),
      positions: Int32Array.from({ length: n }, (_, i) => start + i),
      slots: new Int32Array(n),
    };
    out.set(await model.transformer.forward(batch, cache, Int32Array.from({ length: n }, (_, i) => i)), start * V);
  }
  return out;
}

function agreement(golden: Float32Array, got: Float32Array, V: number): number {
  let same = 0;
  const T = golden.length / V;
  for (let t = 0; t < T; t++) if (argmax(golden.subarray(t * V, (t + 1) * V)) === argmax(got.subarray(t * V, (t + 1) * V))) same++;
  return same / T;
}

for (const name of FIXTURE_NAMES) {
  for (const precision of ['exact', 'fast'] as Precision[]) {
    describe(`${name} on cpu (${precision})`, () => {
      const fixture = loadFixture(name);
      for (const [mode, step] of [
        ['prefill', fixture.tokens.length],
        ['decode', 1],
      ] as const) {
        it(`${mode} matches the reference's logits`, async (t) => {
          const model = await loadModel(fixture.dir, { backend: 'cpu', precision, threads: 2, maxBatch: fixture.tokens.length });
          try {
            assert.equal(model.backend.name, 'cpu');
            const got = await logits(model, fixture, step);
            const r = compareLogits(fixture.golden, got, fixture.vocab);
            const agree = agreement(fixture.golden, got, fixture.vocab);
            t.diagnostic(`max abs ${r.maxAbs.toExponential(2)}, mean abs ${r.meanAbs.toExponential(2)}, max KL ${r.maxKl.toExponential(2)}, argmax agreement ${(agree * 100).toFixed(1)}%`);
            if (precision === 'exact') {
              assert.deepEqual(toleranceFailures(r, FIXTURE_TOLERANCE), []);
            } else {
              assert.ok(r.meanAbs <= FAST_MAX_MEAN_ABS, `mean abs ${r.meanAbs} > ${FAST_MAX_MEAN_ABS}`);
              assert.ok(agree >= FAST_MIN_ARGMAX_AGREEMENT, `argmax agreement ${agree} < ${FAST_MIN_ARGMAX_AGREEMENT}`);
            }
          } finally {
            model.dispose();
          }
        });
      }
    });
  }
}
