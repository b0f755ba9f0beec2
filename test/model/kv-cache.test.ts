// Sliding-window layers keep only a ring of positions; these tests make that ring as small as allowed
// and check the logits still match the reference, and that steps too big for the ring are refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutOfRangeError } from '../../src/core/errors.js';
import { compareLogits, toleranceFailures } from './compare.js';
import { FIXTURE_NAMES, loadFixture } from './fixtures.js';
import { loadRef, logitsInSteps, range, slice } from './helpers.js';

for (const name of FIXTURE_NAMES) {
  describe(`${name}: small sliding-window ring`, () => {
    const fixture = loadFixture(name);
    const T = fixture.tokens.length;
    const window = fixture.slidingWindow;

    it('a ring of window + maxBatch - 1 positions gives the reference logits in prefill, chunks and decode', async () => {
      const maxBatch = 3;
      const model = loadRef(fixture.dir, { maxBatch });
      for (const step of [T, 3, 2, 1]) {
        const cache = model.createKvCache({ slots: 1, capacity: T });
        assert.equal(cache.spec.slidingCapacity, window + maxBatch - 1);
        assert.ok(cache.spec.slidingCapacity < T / 2, 'the ring wraps several times over the sequence');
        const logits = await logitsInSteps(model, fixture.tokens, step, cache);
        const r = compareLogits(fixture.golden, logits, fixture.vocab);
        assert.deepEqual(toleranceFailures(r), [], `step ${step}: ${JSON.stringify(r)}`);
      }
    });

    it('a ring of exactly the window serves one token per step and refuses a two-token step', async () => {
      const model = loadRef(fixture.dir);
      const spec = { ...model.createKvCache({ slots: 1, capacity: T }).spec, slidingCapacity: window };
      const cache = model.backend.createKvCache(spec);
      const logits = await logitsInSteps(model, fixture.tokens, 1, cache);
      assert.deepEqual(toleranceFailures(compareLogits(fixture.golden, logits, fixture.vocab)), []);

      const fresh = model.backend.createKvCache(spec);
      await assert.rejects(model.forward(slice(fixture.tokens, 0, 2), fresh, range(0, 2)), OutOfRangeError);
    });
  });
}

describe('KV cache spec', () => {
  const fixture = loadFixture('tiny-ref-a');
  const model = loadRef(fixture.dir, { maxBatch: 16 });

  it('alternates sliding (even) and full (odd) layers and sizes the ring from window, maxBatch and rollback', () => {
    const spec = model.createKvCache({ slots: 2, capacity: 1000, rollback: 5 }).spec;
    assert.deepEqual(spec.windows, [8, 0, 8, 0]);
    assert.equal(spec.slidingCapacity, 8 + 16 - 1 + 5);
    assert.equal(spec.capacity, 1000);
    assert.equal(spec.slots, 2);
    assert.equal(spec.kvHeads, 2);
    assert.equal(spec.headDim, 64);
  });

  it('never makes the ring bigger than the context', () => {
    assert.equal(model.createKvCache({ slots: 1, capacity: 10 }).spec.slidingCapacity, 10);
  });

  it('rejects a cache of no slots or no positions', () => {
    assert.throws(() => model.createKvCache({ slots: 0, capacity: 10 }), /slots must be an integer >= 1/);
    assert.throws(() => model.createKvCache({ slots: 1, capacity: 0 }), /capacity must be an integer >= 1/);
  });
});
