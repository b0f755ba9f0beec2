// Several sequences stepped together in one batch, and batches the model must refuse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Batch } from '../../src/backends/backend.js';
import { OutOfRangeError } from '../../src/core/errors.js';
import { loadFixture } from './fixtures.js';
import { loadRef, logitsInSteps, maxAbsDiff, range, slice } from './helpers.js';

function concat(a: Batch, b: Batch): Batch {
  const join = (x: Int32Array, y: Int32Array): Int32Array => Int32Array.of(...x, ...y);
  return { n: a.n + b.n, tokens: join(a.tokens, b.tokens), positions: join(a.positions, b.positions), slots: join(a.slots, b.slots) };
}

describe('two slots in one batch', () => {
  const fixture = loadFixture('tiny-ref-a');
  // maxBatch 16 keeps the sliding ring (8 + 15 positions) smaller than the sequences, so both slots wrap it.
  const model = loadRef(fixture.dir, { maxBatch: 16 });
  const V = model.config.vocabSize;
  const a = fixture.tokens;
  const b = Int32Array.from(fixture.tokens.slice(3).reverse());

  it('give the same logits as each sequence alone', async () => {
    const aloneA = await logitsInSteps(model, a, a.length);
    const aloneB = await logitsInSteps(model, b, b.length);
    const cache = model.createKvCache({ slots: 2, capacity: a.length });
    assert.ok(cache.spec.slidingCapacity < b.length);
    const togetherA = new Float32Array(a.length * V);
    const togetherB = new Float32Array(b.length * V);

    // A prefill of both prompts (10 and 6 tokens) in one batch, then both decoded one token per step together.
    const first = concat(slice(a, 0, 10, 0), slice(b, 0, 6, 1));
    const logits = await model.forward(first, cache, range(0, 16));
    togetherA.set(logits.subarray(0, 10 * V), 0);
    togetherB.set(logits.subarray(10 * V, 16 * V), 0);
    let pa = 10;
    let pb = 6;
    while (pa < a.length || pb < b.length) {
      const parts: Batch[] = [];
      if (pa < a.length) parts.push(slice(a, pa, 1, 0));
      if (pb < b.length) parts.push(slice(b, pb, 1, 1));
      const batch = parts.length === 2 ? concat(parts[0]!, parts[1]!) : parts[0]!;
      // Ask for the rows in reverse order to check that logits come back in the order asked.
      const rows = Int32Array.from(range(0, batch.n)).reverse();
      const out = await model.forward(batch, cache, rows);
      for (let j = 0; j < rows.length; j++) {
        const row = rows[j]!;
        const target = batch.slots[row] === 0 ? togetherA : togetherB;
        target.set(out.subarray(j * V, (j + 1) * V), batch.positions[row]! * V);
      }
      if (pa < a.length) pa++;
      if (pb < b.length) pb++;
    }
    assert.ok(maxAbsDiff(aloneA, togetherA) <= 1e-5, `slot 0: ${maxAbsDiff(aloneA, togetherA)}`);
    assert.ok(maxAbsDiff(aloneB, togetherB) <= 1e-5, `slot 1: ${maxAbsDiff(aloneB, togetherB)}`);
  });
});

describe('logits into a buffer the caller gives', () => {
  const fixture = loadFixture('tiny-ref-a');
  const model = loadRef(fixture.dir, { maxBatch: 16 });
  const V = model.config.vocabSize;
  const a = fixture.tokens;

  it('are the same logits, in the buffer given, for a batch of several chunks and for one token', async () => {
    assert.ok(a.length > 16, 'the prompt spans two chunks');
    const alone = await logitsInSteps(model, a, a.length);
    const cache = model.createKvCache({ slots: 1, capacity: a.length });
    const head = a.length - 1;
    const into = new Float32Array(head * V).fill(NaN);
    assert.equal(await model.forward(slice(a, 0, head, 0), cache, range(0, head), undefined, into), into);
    assert.ok(maxAbsDiff(alone.subarray(0, head * V), into) <= 1e-5, `prefill: ${maxAbsDiff(alone.subarray(0, head * V), into)}`);
    const row = new Float32Array(V).fill(NaN);
    assert.equal(await model.forward(slice(a, head, 1, 0), cache, range(0, 1), undefined, row), row);
    assert.ok(maxAbsDiff(alone.subarray(head * V), row) <= 1e-5, `decode: ${maxAbsDiff(alone.subarray(head * V), row)}`);
    await assert.rejects(model.forward(slice(a, head, 1, 0), cache, range(0, 1), undefined, new Float32Array(V + 1)), new RegExp(`into holds ${V + 1} values, 1 rows of logits take ${V}`));
  });
});

describe('batches the model refuses', () => {
  const fixture = loadFixture('tiny-ref-b');
  const model = loadRef(fixture.dir);
  const cache = model.createKvCache({ slots: 1, capacity: 8 });
  const one = (token: number, position: number, slot = 0): Batch => ({
    n: 1,
    tokens: Int32Array.of(token),
    positions: Int32Array.of(position),
    slots: Int32Array.of(slot),
  });

  it('token ids outside the vocabulary', async () => {
    await assert.rejects(model.forward(one(1024, 0), cache, range(0, 1)), (e: unknown) => {
      assert.ok(e instanceof OutOfRangeError);
      assert.match(e.message, /token id 1024 .*outside the vocabulary.*< 1024/);
      return true;
    });
    await assert.rejects(model.forward(one(-1, 0), cache, range(0, 1)), OutOfRangeError);
  });

  it('positions or slots outside the cache, and logit rows outside the batch', async () => {
    await assert.rejects(model.forward(one(5, 8), cache, range(0, 1)), /position 8 .*outside the KV cache/);
    await assert.rejects(model.forward(one(5, 0, 1), cache, range(0, 1)), /slot 1 .*outside the KV cache/);
    await assert.rejects(model.forward(one(5, 0), cache, Int32Array.of(1)), /logit row 1 is outside the batch/);
  });

  it('a cache made for another model', async () => {
    const other = loadRef(loadFixture('tiny-ref-a').dir).createKvCache({ slots: 1, capacity: 8 });
    await assert.rejects(model.forward(one(5, 0), other, range(0, 1)), /another shape/);
  });
});

describe('overlapping forward calls', () => {
  it('run one after the other and give the same logits as sequential calls', async () => {
    const fixture = loadFixture('tiny-ref-b');
    const model = loadRef(fixture.dir, { maxBatch: 4 });
    const T = fixture.tokens.length;
    const sequential = await logitsInSteps(model, fixture.tokens, T);
    const cacheA = model.createKvCache({ slots: 1, capacity: T });
    const cacheB = model.createKvCache({ slots: 1, capacity: T });
    // Two prefills of several chunks each, started together: each yields between chunks.
    const [a, b] = await Promise.all([
      model.forward(slice(fixture.tokens, 0, T), cacheA, range(0, T)),
      model.forward(slice(fixture.tokens, 0, T), cacheB, range(0, T)),
    ]);
    assert.deepEqual(a, sequential);
    assert.deepEqual(b, sequential);
  });
});
