// The forward pass against the reference's logits (test/fixtures/tiny-ref-*, golden.f32.bin), with the
// tolerances their README states, in every way of feeding the sequence.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareLogits, toleranceFailures } from './compare.js';
import { FIXTURE_NAMES, loadFixture } from './fixtures.js';
import { loadRef, logitsInSteps, maxAbsDiff } from './helpers.js';

/** Different ways of feeding the same tokens compute the same numbers up to f32 summation order. */
const MODE_AGREEMENT = 1e-5;

for (const name of FIXTURE_NAMES) {
  describe(`${name} on ref`, () => {
    const fixture = loadFixture(name);
    const model = loadRef(fixture.dir);
    const T = fixture.tokens.length;
    const results = new Map<string, Float32Array>();

    const modes: [string, number][] = [
      ['prefill', T],
      ['decode', 1],
      ['chunked prefill (3)', 3],
      ['chunked prefill (7)', 7],
    ];
    for (const [mode, step] of modes) {
      it(`${mode} matches the reference within the fixture tolerance`, async () => {
        const logits = await logitsInSteps(model, fixture.tokens, step);
        results.set(mode, logits);
        const r = compareLogits(fixture.golden, logits, fixture.vocab);
        assert.deepEqual(toleranceFailures(r), [], `${name} ${mode}: ${JSON.stringify(r)}`);
      });
    }

    it(`inputs longer than the sliding window (${fixture.slidingWindow}) agree between one-shot, chunked and decode`, () => {
      assert.ok(T > 2 * fixture.slidingWindow, 'the fixture sequence must be longer than the window');
      const oneShot = results.get('prefill');
      assert.ok(oneShot, 'prefill ran');
      for (const [mode] of modes.slice(1)) {
        const other = results.get(mode);
        assert.ok(other, `${mode} ran`);
        assert.ok(maxAbsDiff(oneShot, other) <= MODE_AGREEMENT, `${mode} vs prefill: ${maxAbsDiff(oneShot, other)}`);
      }
    });

    it('a maxBatch smaller than the sequence splits prefill internally and gives the same logits', async () => {
      const small = loadRef(fixture.dir, { maxBatch: 5 });
      const logits = await logitsInSteps(small, fixture.tokens, T);
      const r = compareLogits(fixture.golden, logits, fixture.vocab);
      assert.deepEqual(toleranceFailures(r), [], JSON.stringify(r));
    });
  });
}
