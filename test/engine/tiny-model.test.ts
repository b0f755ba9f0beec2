import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Engine, type ChatOptions, type PlainMessage } from '../../src/engine/index.js';
import { collect, makeTinyModel } from './helpers.js';

// A random-weight tiny model (4 layers, sliding window 16, the real vocabulary) on the ref backend.
let model: { dir: string; remove: () => void };
before(() => {
  model = makeTinyModel(7);
});
after(() => model.remove());

const opts: ChatOptions = { seed: 5, maxTokens: 6, rawTokens: true };
const turn1: PlainMessage[] = [{ role: 'user', content: 'Tell me a story.' }];

describe('engine on a tiny random model', () => {
  it('the same seed gives the same tokens; another seed other tokens', async () => {
    const engine = await Engine.load(model.dir, { backend: 'ref', sessions: 3 });
    try {
      const a = await collect(engine.createSession().chat(turn1, opts));
      const b = await collect(engine.createSession().chat(turn1, opts));
      const c = await collect(engine.createSession().chat(turn1, { ...opts, seed: 6 }));
      assert.equal(a.tokens.length, 6);
      assert.deepEqual(b.tokens, a.tokens);
      assert.notDeepEqual(c.tokens, a.tokens);
      assert.equal(a.done.reason, 'length');
    } finally {
      engine.dispose();
    }
  });

  for (const [name, load] of [
    ['rollback inside the sliding ring (maxBatch 8, ring wraps)', { maxBatch: 8, rollback: 24 }],
    ['rollback deeper than the ring: re-prefilled from the start', { maxBatch: 8, rollback: 0 }],
  ] as const) {
    it(`prefix reuse gives exactly a fresh session's tokens: ${name}`, async () => {
      const engine = await Engine.load(model.dir, { backend: 'ref', sessions: 2, ...load });
      try {
        const reused = engine.createSession();
        const first = await collect(reused.chat(turn1, opts));
        // Follow-up: the first answer (as the text it produced) and a new question.
        const text = first.events.map((e) => (e.type === 'token' ? e.text : '')).join('');
        const turn2: PlainMessage[] = [...turn1, { role: 'assistant', content: text }, { role: 'user', content: 'Shorter, please.' }];
        const second = await collect(reused.chat(turn2, opts));
        const fresh = await collect(engine.createSession().chat(turn2, opts));
        assert.deepEqual(second.tokens, fresh.tokens);
        assert.equal(fresh.done.usage.prefilledTokens, fresh.done.usage.promptTokens);
        if (load.rollback > 0) {
          assert.ok(second.done.usage.prefilledTokens < second.done.usage.promptTokens, JSON.stringify(second.done.usage));
          assert.ok(second.done.usage.reusedTokens > 30);
        } else {
          // The cache could not be rolled back that far: correctness first, everything prefilled again.
          assert.equal(second.done.usage.reusedTokens, 0);
        }
      } finally {
        engine.dispose();
      }
    });
  }
});
