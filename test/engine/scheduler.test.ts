// The batch scheduler hands each request its row of one forward call's logits, and reuses that call's
// array for a later call only once every row has been given back (a fresh array a step cost the 20b
// 2.4 ms of page faults). A row still held must never be written over.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchScheduler } from '../../src/engine/scheduler.js';
import { Engine, type ChatEvent } from '../../src/engine/index.js';
import { getTokenizer } from '../../src/tokenizer/index.js';
import { ScriptedModel, collect } from './helpers.js';

const tok = getTokenizer();
/** Harmony text with special tokens written by name, as token ids. */
function ids(text: string): number[] {
  return text.split(/(<\|[a-z]+\|>)/).flatMap((part) => (part === '' ? [] : /^<\|[a-z]+\|>$/.test(part) ? [tok.specialId(part)] : tok.encode(part)));
}
const ANSWER = ids('<|channel|>final<|message|>One two three four five six seven eight.<|return|>');

function setup(): { model: ScriptedModel; scheduler: BatchScheduler } {
  const model = new ScriptedModel([ANSWER]);
  return { model, scheduler: new BatchScheduler(model, model.createKvCache({ slots: 2, capacity: 64 })) };
}

/** The token a row of logits picks (the scripted model puts 40 on it, 0 elsewhere). */
const argmax = (row: Float32Array): number => row.indexOf(40);

describe('batch scheduler logits reuse', () => {
  it('writes a later call into an array once all its rows are back, never while one is held', async () => {
    const { model, scheduler } = setup();
    const [a1, b1] = await Promise.all([scheduler.submit(0, [ANSWER[0]!], 0, true), scheduler.submit(1, [ANSWER[0]!], 0, true)]);
    assert.ok(a1 && b1);
    assert.equal(a1.buffer, b1.buffer, 'one call, one array');
    const bBefore = argmax(b1);
    assert.equal(bBefore, ANSWER[1]);
    // a gives its row back, b still reads its own: the next call of two rows gets fresh memory
    const [a2, b2] = await Promise.all([scheduler.submit(0, [ANSWER[1]!], 1, true, undefined, a1), scheduler.submit(1, [ANSWER[1]!], 1, true)]);
    assert.ok(a2 && b2);
    assert.equal(model.handedInto.at(-1), false);
    assert.notEqual(a2.buffer, a1.buffer);
    assert.equal(argmax(b1), bBefore, 'the row b still holds is as it was');
    // b gives back its first row too: that array takes the next two-row call
    const [a3, b3] = await Promise.all([
      scheduler.submit(0, [ANSWER[2]!], 2, true, undefined, a2),
      scheduler.submit(1, [ANSWER[2]!], 2, true, undefined, b1),
    ]);
    assert.ok(a3 && b3);
    assert.equal(a3.buffer, a1.buffer);
    assert.equal(scheduler.stats.reused, 1);
    assert.deepEqual([argmax(a3), argmax(b3)], [ANSWER[3], ANSWER[3]]);
    // a row given back twice counts once: a2's array (b2 held) is still not reused
    await scheduler.submit(0, [ANSWER[3]!], 3, true, undefined, a2);
    assert.equal(scheduler.stats.reused, 1);
    assert.equal(argmax(b2), ANSWER[2]);
  });

  it('a generation recycles its logits at every decode step, and says the same', async () => {
    const model = new ScriptedModel([ANSWER]);
    const engine = new Engine(model, tok);
    const { events, done } = await collect(engine.chat([{ role: 'user', content: 'Count.' }], { seed: 1 }));
    assert.equal(done.reason, 'stop');
    assert.equal(events.map((e: ChatEvent) => (e.type === 'text' ? e.delta : '')).join(''), 'One two three four five six seven eight.');
    // only the prefill's last chunk allocates: each decode step (one per token but the last) writes into
    // the array the step before gave back, the first one into the prefill's
    const handed = model.handedInto.filter((x) => x).length;
    assert.equal(handed, done.usage.completionTokens - 1, `${handed} of ${model.forwardCalls} calls were handed an array`);
  });
});
