// loadModel (engine) end to end on the ref backend, the trace hook and aborting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tensor } from '../../src/backends/backend.js';
import { AbortError } from '../../src/core/errors.js';
import { loadModel, type LoadProgress } from '../../src/engine/load-model.js';
import { compareLogits, toleranceFailures } from './compare.js';
import { loadFixture } from './fixtures.js';
import { range, slice } from './helpers.js';

describe('loadModel', () => {
  const fixture = loadFixture('tiny-ref-b');

  it('opens the checkpoint, reports each layer and computes the reference logits', async () => {
    const progress: LoadProgress[] = [];
    const model = await loadModel(fixture.dir, { backend: 'ref', maxBatch: 8, onProgress: (p) => progress.push(p) });
    try {
      assert.equal(model.backend.name, 'ref');
      assert.equal(model.transformer.maxBatch, 8);
      assert.deepEqual(
        progress.map((p) => `${p.stage} ${p.loaded}/${p.layers}`),
        ['weights 1/4', 'weights 2/4', 'weights 3/4', 'weights 4/4', 'done 4/4'],
      );
      const T = fixture.tokens.length;
      const cache = model.transformer.createKvCache({ slots: 1, capacity: T });
      const logits = await model.transformer.forward(slice(fixture.tokens, 0, T), cache, range(0, T));
      assert.deepEqual(toleranceFailures(compareLogits(fixture.golden, logits, fixture.vocab)), []);
    } finally {
      model.dispose();
    }
  });

  it('names every intermediate through the trace hook; the traced logits are the returned ones', async () => {
    const model = await loadModel(fixture.dir, { backend: 'ref' });
    const seen: string[] = [];
    let traced: Float32Array | undefined;
    model.transformer.trace = async (name: string, layer: number, t: Tensor) => {
      seen.push(`${name}@${layer}`);
      if (name === 'logits') traced = await model.backend.read(t);
    };
    const cache = model.transformer.createKvCache({ slots: 1, capacity: 4 });
    const logits = await model.transformer.forward(slice(fixture.tokens, 0, 4), cache, Int32Array.of(3));
    assert.ok(seen.includes('attn_norm@0') && seen.includes('moe_out@3') && seen.includes('final_norm@-1'));
    assert.deepEqual(traced, logits);
    model.dispose();
  });

  it('stops with AbortError when the signal fires', async () => {
    const model = await loadModel(fixture.dir, { backend: 'ref' });
    const cache = model.transformer.createKvCache({ slots: 1, capacity: 24 });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(model.transformer.forward(slice(fixture.tokens, 0, 2), cache, range(0, 2), controller.signal), AbortError);
    model.dispose();
    await assert.rejects(loadModel(fixture.dir, { signal: controller.signal }), AbortError);
  });
});
