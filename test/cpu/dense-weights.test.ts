// The cpu backend's `denseWeights` option: fast precision with the bf16 dense matrices read in place
// (no 8-bit conversion) meets the same fixture bounds as the default, exact refuses 8-bit weights,
// and `gpt-oss bench --dense-weights` checks its value and counts the bytes of the storage chosen.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCpuBackend } from '../../src/backends/cpu/cpu-backend.js';
import { benchCommand, decodeBytesPerToken, DENSE_BYTES } from '../../src/cli/commands/bench.js';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { loadModel } from '../../src/engine/load-model.js';
import { argmax, compareLogits } from '../model/compare.js';
import { FIXTURE_NAMES, loadFixture } from '../model/fixtures.js';

/**
 * Bounds for fast with bf16 dense weights, decode, about 1.3x what every kernel path measures:
 * mean abs a 0.0377-0.0381, b 0.0255-0.0288; argmax agreement a 92.5-95 %, b 100 % (one miss allowed).
 */
const FAST_BOUNDS: Record<(typeof FIXTURE_NAMES)[number], { meanAbs: number; argmax: number }> = {
  'tiny-ref-a': { meanAbs: 0.05, argmax: 0.9 },
  'tiny-ref-b': { meanAbs: 0.037, argmax: 0.95 },
};

describe('cpu denseWeights', () => {
  it('defaults to q8 under fast and in-place under exact, and exact refuses q8', () => {
    const fast = createCpuBackend({ precision: 'fast', threads: 1 });
    const exact = createCpuBackend({ precision: 'exact', threads: 1 });
    try {
      assert.equal(fast.denseWeights, 'q8');
      assert.equal(exact.denseWeights, 'in-place');
    } finally {
      fast.dispose();
      exact.dispose();
    }
    assert.throws(() => createCpuBackend({ precision: 'exact', denseWeights: 'q8' }), InvalidArgumentError);
    assert.throws(() => createCpuBackend({ denseWeights: 'bf16' as 'q8' }), /denseWeights must be 'q8' or 'in-place'/);
  });

  for (const name of FIXTURE_NAMES) {
    it(`fast with in-place dense weights meets the fixture bounds on ${name} (decode)`, async (t) => {
      const fixture = loadFixture(name);
      const model = await loadModel(fixture.dir, { backend: 'cpu', precision: 'fast', denseWeights: 'in-place', threads: 2, maxBatch: 4 });
      try {
        assert.equal((model.backend as { denseWeights?: string }).denseWeights, 'in-place');
        const T = fixture.tokens.length;
        const V = fixture.vocab;
        const cache = model.transformer.createKvCache({ slots: 1, capacity: T });
        const got = new Float32Array(T * V);
        for (let i = 0; i < T; i++) {
          const batch = { n: 1, tokens: fixture.tokens.subarray(i, i + 1), positions: Int32Array.of(i), slots: new Int32Array(1) };
          got.set(await model.transformer.forward(batch, cache, Int32Array.of(0)), i * V);
        }
        const r = compareLogits(fixture.golden, got, V);
        let same = 0;
        for (let i = 0; i < T; i++) if (argmax(fixture.golden.subarray(i * V, (i + 1) * V)) === argmax(got.subarray(i * V, (i + 1) * V))) same++;
        t.diagnostic(`mean abs ${r.meanAbs.toExponential(2)}, argmax agreement ${((100 * same) / T).toFixed(1)}%`);
        const bound = FAST_BOUNDS[name];
        assert.ok(r.meanAbs <= bound.meanAbs, `mean abs ${r.meanAbs} > ${bound.meanAbs}`);
        assert.ok(same / T >= bound.argmax, `argmax agreement ${same / T} < ${bound.argmax}`);
      } finally {
        model.dispose();
      }
    });
  }

  it('bench rejects a bad --dense-weights value, and q8 under exact, before loading anything', async () => {
    const dir = loadFixture(FIXTURE_NAMES[0]).dir;
    await assert.rejects(benchCommand.run(['--model', dir, '--dense-weights', 'bf16']), /--dense-weights must be one of q8, in-place, got 'bf16'/);
    await assert.rejects(benchCommand.run(['--model', dir, '--precision', 'exact', '--dense-weights', 'q8']), /--dense-weights q8 needs --precision fast/);
  });

  it("bench's decode limit counts 34 / 32 bytes per dense weight under q8", async () => {
    const model = await loadModel(loadFixture(FIXTURE_NAMES[0]).dir, { backend: 'cpu', precision: 'exact', threads: 1, maxBatch: 1 });
    try {
      const c = model.config;
      const attn = (2 * c.numAttentionHeads + 2 * c.numKeyValueHeads) * c.headDim * c.hiddenSize; // q, k, v and out
      const dense = attn * c.numHiddenLayers + c.vocabSize * c.hiddenSize;
      const saved = decodeBytesPerToken(c, DENSE_BYTES['in-place']) - decodeBytesPerToken(c, DENSE_BYTES.q8);
      assert.ok(Math.abs(saved - dense * (2 - 34 / 32)) < 1e-6 * dense, `saved ${saved} bytes, expected ${dense * (2 - 34 / 32)}`);
    } finally {
      model.dispose();
    }
  });
});
